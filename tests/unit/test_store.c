/*
 * test_store.c - unit tests for the directory store (src/store/): the
 * schema and its migrations, domains, mailboxes, aliases, transactions,
 * and the reader ACLs.  DKIM keys and the v1 -> v2 upgrade:
 * test_store_dkim.c.  Each test gets a fresh database in a temporary
 * directory (store_fixture.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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

/* ---- helpers ------------------------------------------------------- */

static int count_domain(const struct store_domain *d, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int count_mailbox(const struct store_mailbox *m, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int count_alias(const struct store_alias *a, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static int aliases(struct store *s, const char *domain, const char *source)
{
	int n = 0;

	assert_int_equal(store_alias_list(s, domain, source, count_alias, &n),
			 STORE_OK);
	return n;
}

static int mailboxes(struct store *s, const char *domain)
{
	int n = 0;

	assert_int_equal(store_mailbox_list(s, domain, count_mailbox, &n),
			 STORE_OK);
	return n;
}

static int domains(struct store *s)
{
	int n = 0;

	assert_int_equal(store_domain_list(s, count_domain, &n), STORE_OK);
	return n;
}

/* A one-value query on a separate raw SQLite connection. */
static char *raw_query(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

#define HASH "{CRYPT}$y$j9T$salt$hash"

/* example.com with mailboxes bob and alice. */
static void populate(struct store *s)
{
	assert_int_equal(store_domain_add(s, "example.com"), STORE_OK);
	assert_int_equal(store_mailbox_add(s, "bob@example.com", HASH, 0),
			 STORE_OK);
	assert_int_equal(store_mailbox_add(s, "alice@example.com", HASH,
					   1024), STORE_OK);
}

/* ---- schema -------------------------------------------------------- */

static void test_schema_version(void **state)
{
	struct fixture *f = *state;
	char *mode;
	struct stat sb;

	assert_true(store_schema_latest() >= 1);
	assert_int_equal(store_schema_version(f->s), store_schema_latest());
	mode = raw_query(f->path, "PRAGMA journal_mode");
	assert_string_equal(mode, "delete");
	free(mode);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777 & ~0070, 0600 & ~0070);
}

static void test_reopen_is_idempotent(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	store_close(f->s);
	f->s = store_open(f->path, true);
	assert_non_null(f->s);
	assert_int_equal(store_schema_version(f->s), store_schema_latest());
	assert_int_equal(mailboxes(f->s, NULL), 2);
	store_close(f->s);
	f->s = store_open(f->path, false);
	assert_non_null(f->s);
	assert_int_equal(domains(f->s), 1);
}

static void test_migrates_empty_file(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct store *s;
	FILE *fp;

	snprintf(path, sizeof path, "%s/empty.db", f->dir);
	fp = fopen(path, "w");        /* version 0: no tables yet */
	assert_non_null(fp);
	fclose(fp);
	s = store_open(path, false);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_int_equal(store_domain_add(s, "example.org"), STORE_OK);
	store_close(s);
}

static void test_refuses_newer_schema(void **state)
{
	struct fixture *f = *state;
	char sql[64];

	store_close(f->s);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
		 store_schema_latest() + 1);
	raw_exec(f->path, sql);
	f->s = store_open(f->path, true);
	assert_null(f->s);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
		 store_schema_latest());
	raw_exec(f->path, sql);
	f->s = store_open(f->path, true);
	assert_non_null(f->s);
}

static void test_open_missing_without_create(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof path, "%s/missing.db", f->dir);
	assert_null(store_open(path, false));
	assert_int_equal(access(path, F_OK), -1);
}

/* ---- domains ------------------------------------------------------- */

static int check_example(const struct store_domain *d, void *ctx)
{
	assert_string_equal(d->name, "example.com");
	assert_true(d->active);
	assert_int_equal(d->mailboxes, 2);
	assert_int_equal(d->aliases, 1);
	assert_int_equal(strlen(d->created), 19);
	return 0;
}

static void test_domain_add_list_get(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_alias_add(f->s, "postmaster@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "example.com"), STORE_EXISTS);
	assert_true(strstr(store_errmsg(f->s), "example.com") != NULL);
	assert_int_equal(store_domain_add(f->s, "example.net"), STORE_OK);
	assert_int_equal(domains(f->s), 2);
	assert_int_equal(store_domain_get(f->s, "example.com", check_example,
					  NULL), STORE_OK);
	assert_int_equal(store_domain_get(f->s, "nope.com", check_example,
					  NULL), STORE_NOT_FOUND);
}

static void test_domain_del(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_domain_del(f->s, "nope.com", false),
			 STORE_NOT_FOUND);
	assert_int_equal(store_domain_del(f->s, "example.com", false),
			 STORE_CONFLICT);
	assert_int_equal(mailboxes(f->s, NULL), 2);
	assert_int_equal(store_domain_add(f->s, "empty.org"), STORE_OK);
	assert_int_equal(store_domain_del(f->s, "empty.org", false), STORE_OK);
	assert_int_equal(domains(f->s), 1);
}

static void test_domain_del_force(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_domain_add(f->s, "other.org"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "@example.com",
					 "bob@example.com"), STORE_OK);
	/* An alias elsewhere that delivers to a mailbox of example.com
	 * stays: what points into a deleted domain is the caller's
	 * (core/alias_graph.c), as is the external one. */
	assert_int_equal(store_alias_add(f->s, "info@other.org",
					 "alice@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "info@other.org",
					 "x@gmail.com"), STORE_OK);
	assert_int_equal(store_domain_del(f->s, "example.com", true), STORE_OK);
	assert_int_equal(domains(f->s), 1);
	assert_int_equal(mailboxes(f->s, NULL), 0);
	assert_int_equal(aliases(f->s, NULL, NULL), 2);
	assert_int_equal(aliases(f->s, "example.com", NULL), 0);
}

/* ---- mailboxes ----------------------------------------------------- */

static int check_alice(const struct store_mailbox *m, void *ctx)
{
	assert_string_equal(m->address, "alice@example.com");
	assert_string_equal(m->local_part, "alice");
	assert_string_equal(m->domain, "example.com");
	assert_string_equal(m->password, ctx);
	assert_true(m->active);
	assert_int_equal(strlen(m->created), 19);
	return 0;
}

static int get_quota(const struct store_mailbox *m, void *ctx)
{
	*(uint64_t *)ctx = m->quota_bytes;
	return 0;
}

static void test_mailbox_add_get(void **state)
{
	struct fixture *f = *state;
	uint64_t quota = 1;

	populate(f->s);
	assert_int_equal(store_mailbox_get(f->s, "alice@example.com",
					   check_alice, HASH), STORE_OK);
	assert_int_equal(store_mailbox_get(f->s, "alice@example.com",
					   get_quota, &quota), STORE_OK);
	assert_int_equal(quota, 1024);
	assert_int_equal(store_mailbox_get(f->s, "carol@example.com",
					   get_quota, &quota), STORE_NOT_FOUND);
	assert_int_equal(mailboxes(f->s, "example.com"), 2);
	assert_int_equal(mailboxes(f->s, "example.org"), 0);
}

static void test_mailbox_add_refusals(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_mailbox_add(f->s, "bob@example.com", HASH, 0),
			 STORE_EXISTS);
	assert_int_equal(store_mailbox_add(f->s, "bob@nope.com", HASH, 0),
			 STORE_CONFLICT);
	assert_true(strstr(store_errmsg(f->s), "nope.com") != NULL);
	assert_int_equal(store_alias_add(f->s, "info@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "info@example.com", HASH, 0),
			 STORE_CONFLICT);
	assert_int_equal(store_mailbox_add(f->s, "big@example.com", HASH,
					   UINT64_MAX), STORE_CONFLICT);
	assert_int_equal(mailboxes(f->s, NULL), 2);
}

static void test_mailbox_updates(void **state)
{
	struct fixture *f = *state;
	uint64_t quota = 0;

	populate(f->s);
	assert_int_equal(store_mailbox_set_password(f->s, "alice@example.com",
						    "{CRYPT}new"), STORE_OK);
	assert_int_equal(store_mailbox_get(f->s, "alice@example.com",
					   check_alice, "{CRYPT}new"),
			 STORE_OK);
	assert_int_equal(store_mailbox_set_quota(f->s, "alice@example.com",
						 5ULL << 30), STORE_OK);
	assert_int_equal(store_mailbox_get(f->s, "alice@example.com",
					   get_quota, &quota), STORE_OK);
	assert_int_equal(quota, 5ULL << 30);
	assert_int_equal(store_mailbox_set_password(f->s, "x@example.com",
						    "{CRYPT}new"),
			 STORE_NOT_FOUND);
	assert_int_equal(store_mailbox_set_quota(f->s, "x@example.com", 1),
			 STORE_NOT_FOUND);
}

/* The store removes the row only: the aliases that point at it are the
 * caller's to refuse or remove (core/alias_graph.c). */
static void test_mailbox_del_leaves_aliases(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "alice@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_mailbox_del(f->s, "bob@example.com"), STORE_OK);
	assert_int_equal(mailboxes(f->s, NULL), 1);
	assert_int_equal(aliases(f->s, NULL, NULL), 3);
	assert_int_equal(store_mailbox_del(f->s, "bob@example.com"),
			 STORE_NOT_FOUND);
}

/* ---- aliases ------------------------------------------------------- */

static void test_alias_multi_dest_and_catch_all(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "alice@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "friend@gmail.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(aliases(f->s, "example.com", NULL), 4);
	assert_int_equal(aliases(f->s, NULL, "team@example.com"), 3);
	assert_int_equal(aliases(f->s, NULL, "@example.com"), 1);
	assert_int_equal(aliases(f->s, "example.org", NULL), 0);
}

static void test_alias_refusals(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_EXISTS);
	assert_int_equal(store_alias_add(f->s, "bob@example.com",
					 "alice@example.com"), STORE_CONFLICT);
	assert_int_equal(store_alias_add(f->s, "x@nope.com",
					 "bob@example.com"), STORE_CONFLICT);
	assert_int_equal(store_alias_add(f->s, "@nope.com",
					 "bob@example.com"), STORE_CONFLICT);
	assert_int_equal(aliases(f->s, NULL, NULL), 1);
}

static void test_alias_del(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "alice@example.com"), STORE_OK);
	assert_int_equal(store_alias_del(f->s, "team@example.com",
					 "x@example.com"), STORE_NOT_FOUND);
	assert_int_equal(store_alias_del(f->s, "team@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(aliases(f->s, NULL, NULL), 1);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_del(f->s, "team@example.com", NULL),
			 STORE_OK);
	assert_int_equal(aliases(f->s, NULL, NULL), 0);
	assert_int_equal(store_alias_del(f->s, "team@example.com", NULL),
			 STORE_NOT_FOUND);
}

/* ---- transactions and hostile input --------------------------------- */

static void test_rollback_changes_nothing(void **state)
{
	struct fixture *f = *state;

	populate(f->s);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "carol@example.com", HASH, 0),
			 STORE_OK);
	assert_int_equal(store_alias_add(f->s, "team@example.com",
					 "bob@example.com"), STORE_EXISTS);
	store_rollback(f->s);
	assert_int_equal(aliases(f->s, NULL, NULL), 0);
	assert_int_equal(mailboxes(f->s, NULL), 2);

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "example.org"), STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_int_equal(domains(f->s), 2);
}

static void test_sql_metacharacters_are_data(void **state)
{
	struct fixture *f = *state;
	const char *evil = "x'); DROP TABLE domain; --";
	char *n;

	/* The store trusts its caller to validate, but still binds every
	 * value: this is stored as a name, not run. */
	assert_int_equal(store_domain_add(f->s, evil), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "a\"b%_"), STORE_OK);
	assert_int_equal(domains(f->s), 2);
	n = raw_query(f->path,
		      "SELECT count(*) FROM domain WHERE name LIKE 'x''%'");
	assert_string_equal(n, "1");
	free(n);
}

/* ---- reader ACLs ---------------------------------------------------- */

/* Permissions of the ACL_USER entry for uid in path's ACL of type, or
 * -1 if there is none. */
static int acl_user_perms(const char *path, acl_type_t type, uid_t uid)
{
	acl_t acl = acl_get_file(path, type);
	acl_entry_t e;
	int perms = -1;

	assert_non_null(acl);
	for (int r = acl_get_entry(acl, ACL_FIRST_ENTRY, &e); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &e)) {
		acl_tag_t tag;
		acl_permset_t ps;
		uid_t *q;

		acl_get_tag_type(e, &tag);
		if (tag != ACL_USER)
			continue;
		q = acl_get_qualifier(e);
		if (*q == uid) {
			acl_get_permset(e, &ps);
			perms = (acl_get_perm(ps, ACL_READ) ? 4 : 0) |
				(acl_get_perm(ps, ACL_WRITE) ? 2 : 0) |
				(acl_get_perm(ps, ACL_EXECUTE) ? 1 : 0);
		}
		acl_free(q);
	}
	acl_free(acl);
	return perms;
}

static void test_grant_readers(void **state)
{
	struct fixture *f = *state;
	const char *names[] = { "postfix", "dovecot" };
	struct stat sb;
	int found = 0;

	/* Idempotent: a second run finds everything right. */
	assert_int_not_equal(store_grant_readers(f->path), -1);
	assert_int_equal(store_grant_readers(f->path), 0);
	if (geteuid() != 0)
		skip();
	for (size_t i = 0; i < 2; i++) {
		struct passwd *pw = getpwnam(names[i]);
		if (!pw)
			continue;
		found++;
		assert_int_equal(acl_user_perms(f->path, ACL_TYPE_ACCESS,
						pw->pw_uid), 4);
		assert_int_equal(acl_user_perms(f->dir, ACL_TYPE_ACCESS,
						pw->pw_uid), 5);
		assert_int_equal(acl_user_perms(f->dir, ACL_TYPE_DEFAULT,
						pw->pw_uid), 5);
	}
	if (!found)
		skip();
	/* Read only, and nothing for the group or others. */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	assert_int_equal(stat(f->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0750);
}

/* A first-release grant (readers rw, the group rw) is taken back. */
static void test_grant_takes_write_back(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwnam("postfix");
	char text[128];
	acl_t acl;

	if (!pw)
		pw = getpwnam("dovecot");
	if (geteuid() != 0 || !pw)
		skip();
	snprintf(text, sizeof text, "u::rw-,g::rw-,o::---,u:%u:rw-,m::rw-",
		 (unsigned)pw->pw_uid);
	acl = acl_from_text(text);
	assert_non_null(acl);
	assert_int_equal(acl_set_file(f->path, ACL_TYPE_ACCESS, acl), 0);
	acl_free(acl);
	assert_int_equal(store_grant_readers(f->path), 1);
	assert_int_equal(acl_user_perms(f->path, ACL_TYPE_ACCESS, pw->pw_uid),
			 4);
	assert_int_equal(store_grant_readers(f->path), 0);
}

static void test_grant_refuses_symlinked_wal(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwnam("postfix");
	char wal[128], target[] = "/tmp/test_store_target.XXXXXX";
	int fd;

	if (!pw)
		pw = getpwnam("dovecot");
	if (geteuid() != 0 || !pw)
		skip();
	store_close(f->s);
	f->s = NULL;
	/* A symlink where a -wal file (left from the first release's WAL
	 * mode) would be: the grant must not follow it, and the store
	 * refuses to open. */
	fd = mkstemp(target);
	assert_true(fd >= 0);
	close(fd);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(symlink(target, wal), 0);
	assert_int_equal(store_grant_readers(f->path), -1);
	assert_int_equal(acl_user_perms(target, ACL_TYPE_ACCESS, pw->pw_uid),
			 -1);
	assert_null(store_open(f->path, false));
	unlink(wal);
	unlink(target);
	f->s = store_open(f->path, false);
	assert_non_null(f->s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, store_fixture_setup, store_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_schema_version),
		T(test_reopen_is_idempotent),
		T(test_migrates_empty_file),
		T(test_refuses_newer_schema),
		T(test_open_missing_without_create),
		T(test_domain_add_list_get),
		T(test_domain_del),
		T(test_domain_del_force),
		T(test_mailbox_add_get),
		T(test_mailbox_add_refusals),
		T(test_mailbox_updates),
		T(test_mailbox_del_leaves_aliases),
		T(test_alias_multi_dest_and_catch_all),
		T(test_alias_refusals),
		T(test_alias_del),
		T(test_rollback_changes_nothing),
		T(test_sql_metacharacters_are_data),
		T(test_grant_readers),
		T(test_grant_takes_write_back),
		T(test_grant_refuses_symlinked_wal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
