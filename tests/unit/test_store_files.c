/*
 * test_store_files.c - unit tests for the directory database's files
 * (src/store/store_files.c) and its journal: what store_open() refuses
 * (a missing database when it may not create one, symlinks, files of
 * another owner), the copy kept before a schema migration and how many
 * are kept, and the switch of a first-release WAL database to the
 * rollback journal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <acl/libacl.h>
#include <unistd.h>

#include "store/store.h"
#include "store_fixture.h"

/* A one-value query on a separate read-only connection. */
static char *query(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The names in dir that start with prefix, sorted, joined with ' '. */
static char *names(const char *dir, const char *prefix)
{
	struct dirent **list;
	char *out = calloc(1, 4096);
	int n = scandir(dir, &list, NULL, alphasort);

	assert_true(n >= 0);
	for (int i = 0; i < n; i++) {
		if (!strncmp(list[i]->d_name, prefix, strlen(prefix))) {
			if (*out)
				strcat(out, " ");
			strcat(out, list[i]->d_name);
		}
		free(list[i]);
	}
	free(list);
	return out;
}

/* ---- what store_open() refuses ------------------------------------- */

static void test_missing_is_not_created(void **state)
{
	struct fixture *f = *state;
	char path[128], *list;

	snprintf(path, sizeof path, "%s/missing.db", f->dir);
	assert_null(store_open(path, false));
	assert_int_equal(access(path, F_OK), -1);
	/* Nor its journal or anything else. */
	list = names(f->dir, "missing");
	assert_string_equal(list, "");
	free(list);
}

static void test_refuses_symlinks(void **state)
{
	struct fixture *f = *state;
	const char *suffixes[] = { "", "-journal", "-wal", "-shm" };
	char link[128], target[128];

	store_close(f->s);
	f->s = NULL;
	snprintf(target, sizeof target, "%s/elsewhere", f->dir);
	for (size_t i = 0; i < 4; i++) {
		snprintf(link, sizeof link, "%s%s", f->path, suffixes[i]);
		if (i == 0)
			assert_int_equal(rename(f->path, target), 0);
		assert_int_equal(symlink(target, link), 0);
		assert_null(store_open(f->path, false));
		assert_null(store_open(f->path, true));
		assert_int_equal(unlink(link), 0);
		if (i == 0)
			assert_int_equal(rename(target, f->path), 0);
	}
	f->s = store_open(f->path, false);
	assert_non_null(f->s);
}

static void test_refuses_other_owner(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwnam("nobody");
	char journal[128];
	FILE *fp;

	if (geteuid() != 0 || !pw)
		skip();
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(chown(f->path, pw->pw_uid, pw->pw_gid), 0);
	assert_null(store_open(f->path, false));
	assert_int_equal(chown(f->path, 0, 0), 0);
	/* An empty journal someone else made. */
	snprintf(journal, sizeof journal, "%s-journal", f->path);
	assert_non_null(fp = fopen(journal, "w"));
	fclose(fp);
	assert_int_equal(chown(journal, pw->pw_uid, pw->pw_gid), 0);
	assert_null(store_open(f->path, true));
	assert_int_equal(unlink(journal), 0);
	f->s = store_open(f->path, false);
	assert_non_null(f->s);
}

/* ---- the rollback journal ------------------------------------------ */

static void test_new_database_has_a_rollback_journal(void **state)
{
	struct fixture *f = *state;
	char *mode = query(f->path, "PRAGMA journal_mode");

	assert_string_equal(mode, "delete");
	free(mode);
	assert_false(store_uses_wal(f->s));
	assert_int_equal(store_leave_wal(f->s, 0), STORE_OK);
}

static void test_wal_database_is_switched(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct store *s;
	char *mode;

	snprintf(path, sizeof path, "%s/old.db", f->dir);
	store_fixture_make_v1(path, true);
	s = store_open(path, false);
	assert_non_null(s);
	assert_false(store_uses_wal(s));
	store_close(s);
	mode = query(path, "PRAGMA journal_mode");
	assert_string_equal(mode, "delete");
	free(mode);
}

/* A reader holding a WAL database open keeps it in WAL mode until it
 * lets go (setup stops Postfix and Dovecot for that). */
static void test_wal_switch_waits_for_readers(void **state)
{
	struct fixture *f = *state;
	char path[128];
	sqlite3 *reader;
	sqlite3_stmt *st;
	struct store *s;

	snprintf(path, sizeof path, "%s/old.db", f->dir);
	store_fixture_make_v1(path, true);
	assert_int_equal(sqlite3_open(path, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(reader, "SELECT count(*) FROM "
					    "domain", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	sqlite3_finalize(st);
	s = store_open(path, false);
	assert_non_null(s);
	assert_true(store_uses_wal(s));
	assert_int_equal(store_leave_wal(s, 0), STORE_CONFLICT);
	sqlite3_close(reader);
	assert_int_equal(store_leave_wal(s, 1000), STORE_OK);
	assert_false(store_uses_wal(s));
	store_close(s);
}

/* ---- copies before migrations --------------------------------------- */

static void test_copy_before_migration(void **state)
{
	struct fixture *f = *state;
	char path[128], copy[256], *list, *v;
	struct store *s;
	struct stat sb;
	acl_t acl;

	snprintf(path, sizeof path, "%s/old.db", f->dir);
	store_fixture_make_v1(path, true);
	s = store_open(path, false);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	store_close(s);

	list = names(f->dir, "old.db.pre-v1-");
	assert_int_equal(strlen(list), strlen("old.db.pre-v1-") + 14);
	snprintf(copy, sizeof copy, "%s/%s", f->dir, list);
	free(list);
	/* Root's only, no ACL entries. */
	assert_int_equal(stat(copy, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	acl = acl_get_file(copy, ACL_TYPE_ACCESS);
	assert_non_null(acl);
	assert_int_equal(acl_equiv_mode(acl, NULL), 0);
	acl_free(acl);
	/* It opens, at the old version, with the old rows. */
	v = query(copy, "PRAGMA user_version");
	assert_string_equal(v, "1");
	free(v);
	v = query(copy, "SELECT address FROM mailbox");
	assert_string_equal(v, "bob@old.example");
	free(v);
	v = query(copy, "SELECT count(*) FROM sqlite_master "
			"WHERE name = 'dkim_key'");
	assert_string_equal(v, "0");
	free(v);

	/* Up to date: opening again makes no copy. */
	s = store_open(path, false);
	assert_non_null(s);
	store_close(s);
	list = names(f->dir, "old.db.pre-");
	assert_null(strchr(list, ' '));
	free(list);
}

static void test_no_copy_of_a_new_database(void **state)
{
	struct fixture *f = *state;
	char *list = names(f->dir, "vmail.db.pre-");

	assert_string_equal(list, "");
	free(list);
}

static void test_keeps_the_newest_copies(void **state)
{
	struct fixture *f = *state;
	const char *old[] = { "old.db.pre-v1-20200101000000",
			      "old.db.pre-v2-20210101000000",
			      "old.db.pre-v1-20220101000000",
			      "old.db.pre-v2-20230101000000" };
	char path[128], file[256], *list, want[256];
	struct store *s;
	FILE *fp;

	for (size_t i = 0; i < 4; i++) {
		snprintf(file, sizeof file, "%s/%s", f->dir, old[i]);
		assert_non_null(fp = fopen(file, "w"));
		fclose(fp);
	}
	snprintf(path, sizeof path, "%s/old.db", f->dir);
	store_fixture_make_v1(path, false);
	s = store_open(path, false);
	assert_non_null(s);
	store_close(s);
	/* The new copy and the two newest old ones. */
	assert_int_equal(STORE_BACKUPS_KEPT, 3);
	list = names(f->dir, "old.db.pre-");
	snprintf(want, sizeof want, "old.db.pre-v1-20220101000000 ");
	assert_int_equal(strncmp(list, want, strlen(want)), 0);
	assert_non_null(strstr(list, " old.db.pre-v2-20230101000000"));
	assert_null(strstr(list, "-20200101"));
	assert_null(strstr(list, "-20210101"));
	assert_int_equal(strlen(list), 3 * 28 + 2);
	free(list);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, store_fixture_setup, store_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_missing_is_not_created),
		T(test_refuses_symlinks),
		T(test_refuses_other_owner),
		T(test_new_database_has_a_rollback_journal),
		T(test_wal_database_is_switched),
		T(test_wal_switch_waits_for_readers),
		T(test_copy_before_migration),
		T(test_no_copy_of_a_new_database),
		T(test_keeps_the_newest_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
