/*
 * test_store_limits.c - unit tests for the hourly sending limits of
 * mailboxes in the directory store: schema v3 (mailbox.messages_per_hour
 * and recipients_per_hour), the in-place upgrade of a v2 database, and
 * store_mailbox_set_limits with its "keep" and "default" values.  Each
 * test gets a fresh database in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_fixture.h"

#define HASH "{CRYPT}$y$j9T$salt$hash"

/* Every test starts with example.com and the mailboxes bob and alice. */
static int setup(void **state)
{
	struct fixture *f;

	store_fixture_setup(state);
	f = *state;
	assert_int_equal(store_domain_add(f->s, "example.com"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "bob@example.com", HASH, 0),
			 STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "alice@example.com", HASH, 0),
			 STORE_OK);
	return 0;
}

struct limits {
	int64_t messages;
	int64_t recipients;
};

static int copy_limits(const struct store_mailbox *m, void *ctx)
{
	struct limits *l = ctx;

	l->messages = m->messages_per_hour;
	l->recipients = m->recipients_per_hour;
	return 0;
}

static struct limits limits_of(struct store *s, const char *address)
{
	struct limits l = { -99, -99 };

	assert_int_equal(store_mailbox_get(s, address, copy_limits, &l),
			 STORE_OK);
	return l;
}

#define assert_limits(s, address, m, r) do { \
	struct limits l_ = limits_of(s, address); \
	assert_int_equal(l_.messages, m); \
	assert_int_equal(l_.recipients, r); \
} while (0)

static void test_new_mailbox_has_defaults(void **state)
{
	struct fixture *f = *state;

	assert_true(store_schema_latest() >= 3);
	assert_limits(f->s, "bob@example.com", STORE_LIMIT_DEFAULT,
		      STORE_LIMIT_DEFAULT);
}

static void test_set_keep_default(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com", 5,
						  STORE_LIMIT_KEEP), STORE_OK);
	assert_limits(f->s, "bob@example.com", 5, STORE_LIMIT_DEFAULT);
	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com",
						  STORE_LIMIT_KEEP, 0),
			 STORE_OK);
	assert_limits(f->s, "bob@example.com", 5, 0);
	/* The other mailbox is untouched. */
	assert_limits(f->s, "alice@example.com", STORE_LIMIT_DEFAULT,
		      STORE_LIMIT_DEFAULT);
	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com",
						  STORE_LIMIT_DEFAULT, 1000000),
			 STORE_OK);
	assert_limits(f->s, "bob@example.com", STORE_LIMIT_DEFAULT, 1000000);
	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com",
						  STORE_LIMIT_KEEP,
						  STORE_LIMIT_KEEP), STORE_OK);
	assert_limits(f->s, "bob@example.com", STORE_LIMIT_DEFAULT, 1000000);
	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com",
						  STORE_LIMIT_DEFAULT,
						  STORE_LIMIT_DEFAULT),
			 STORE_OK);
	assert_limits(f->s, "bob@example.com", STORE_LIMIT_DEFAULT,
		      STORE_LIMIT_DEFAULT);
}

static void test_refusals(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_mailbox_set_limits(f->s, "nobody@example.com",
						  1, 1), STORE_NOT_FOUND);
	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com", -3,
						  1), STORE_CONFLICT);
	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com", 1,
						  INT64_MIN), STORE_CONFLICT);
	assert_limits(f->s, "bob@example.com", STORE_LIMIT_DEFAULT,
		      STORE_LIMIT_DEFAULT);
}

static void test_rollback_changes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com", 7,
						  8), STORE_OK);
	store_rollback(f->s);
	assert_limits(f->s, "bob@example.com", STORE_LIMIT_DEFAULT,
		      STORE_LIMIT_DEFAULT);
}

/* Deleting a mailbox takes its limits with it: a new mailbox of the
 * same name starts with the defaults. */
static void test_del_and_readd(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_mailbox_set_limits(f->s, "bob@example.com", 7,
						  8), STORE_OK);
	assert_int_equal(store_mailbox_del(f->s, "bob@example.com"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "bob@example.com", HASH, 0),
			 STORE_OK);
	assert_limits(f->s, "bob@example.com", STORE_LIMIT_DEFAULT,
		      STORE_LIMIT_DEFAULT);
}

/* A database as schema v2 left it: v1 plus dkim_key. */
static const char v2_schema[] =
	STORE_FIXTURE_V1_TABLES
	"CREATE TABLE dkim_key (domain TEXT NOT NULL REFERENCES domain(name) "
	"ON DELETE CASCADE, selector TEXT NOT NULL, state TEXT NOT NULL "
	"CHECK (state IN ('active', 'pending', 'retired')), bits INTEGER NOT "
	"NULL, created TEXT NOT NULL DEFAULT (datetime('now')), PRIMARY KEY "
	"(domain, selector));"
	"CREATE UNIQUE INDEX dkim_key_live ON dkim_key(domain, state) "
	"WHERE state IN ('active', 'pending');"
	"INSERT INTO domain (name) VALUES ('old.example');"
	"INSERT INTO mailbox (address, local_part, domain, password, "
	"quota_bytes) VALUES ('bob@old.example', 'bob', 'old.example', 'x', "
	"1024);"
	"PRAGMA user_version = 2;";

static int check_bob(const struct store_mailbox *m, void *ctx)
{
	assert_string_equal(m->password, "x");
	assert_int_equal(m->quota_bytes, 1024);
	++*(int *)ctx;
	return 0;
}

static void test_upgrade_v2_in_place(void **state)
{
	struct fixture *f = *state;
	char path[128], pattern[160];
	glob_t g;
	sqlite3 *db;
	struct store *s;
	int n = 0;

	snprintf(path, sizeof path, "%s/v2.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v2_schema, NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	s = store_open(path, false);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	/* A copy of it at version 2 was kept first (store_files.c). */
	snprintf(pattern, sizeof pattern, "%s.pre-v2-*", path);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 1);
	globfree(&g);
	assert_int_equal(store_mailbox_get(s, "bob@old.example", check_bob, &n),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_limits(s, "bob@old.example", STORE_LIMIT_DEFAULT,
		      STORE_LIMIT_DEFAULT);
	assert_int_equal(store_mailbox_set_limits(s, "bob@old.example", 3, 4),
			 STORE_OK);
	store_close(s);
	/* Opening again changes nothing. */
	s = store_open(path, false);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_limits(s, "bob@old.example", 3, 4);
	store_close(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, store_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_new_mailbox_has_defaults),
		T(test_set_keep_default),
		T(test_refusals),
		T(test_rollback_changes_nothing),
		T(test_del_and_readd),
		T(test_upgrade_v2_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
