/*
 * test_store_dkim.c - unit tests for the DKIM part of the directory
 * store: schema v2 (table dkim_key), the in-place upgrade of a v1
 * database, and store_dkim_add / set_state (with the time of the change,
 * schema v4) / list / del / del_domain with the rule of at most one
 * active and one pending key per domain.  Each test
 * gets a fresh database in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_fixture.h"

/* Every test starts with two hosted domains. */
static int setup(void **state)
{
	struct fixture *f;

	store_fixture_setup(state);
	f = *state;
	assert_int_equal(store_domain_add(f->s, "example.com"), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "example.org"), STORE_OK);
	return 0;
}

/* The keys listed, as "domain selector state bits;" ... */
static int describe(const struct store_dkim_key *k, void *ctx)
{
	char *buf = ctx;
	size_t n = strlen(buf);

	snprintf(buf + n, 1024 - n, "%s %s %s %d;", k->domain, k->selector,
		 k->state, k->bits);
	assert_non_null(k->created);
	assert_int_equal(strlen(k->created), 19);
	return 0;
}

static const char *listing(struct store *s, const char *domain)
{
	static char buf[1024];

	buf[0] = '\0';
	assert_int_equal(store_dkim_list(s, domain, describe, buf), STORE_OK);
	return buf;
}

static void test_schema_has_dkim_key(void **state)
{
	struct fixture *f = *state;

	assert_true(store_schema_latest() >= 2);
	assert_int_equal(store_schema_version(f->s), store_schema_latest());
	assert_string_equal(listing(f->s, NULL), "");
}

static void test_add_and_list(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_dkim_add(f->s, "example.org", "vm20261121",
					"active", 2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "vm20261120",
					"retired", 1024), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "vm20261121b",
					"pending", 2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "vm20261121",
					"active", 2048), STORE_OK);
	/* By domain; active, pending, retired. */
	assert_string_equal(listing(f->s, NULL),
		"example.com vm20261121 active 2048;"
		"example.com vm20261121b pending 2048;"
		"example.com vm20261120 retired 1024;"
		"example.org vm20261121 active 2048;");
	assert_string_equal(listing(f->s, "example.org"),
			    "example.org vm20261121 active 2048;");
	assert_string_equal(listing(f->s, "nope.com"), "");
}

static void test_add_refusals(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_dkim_add(f->s, "nope.com", "s", "active", 2048),
			 STORE_CONFLICT);
	assert_int_equal(store_dkim_add(f->s, "example.com", "s", "bogus",
					2048), STORE_CONFLICT);
	assert_int_equal(store_dkim_add(f->s, "example.com", "a", "active",
					2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "a", "pending",
					2048), STORE_EXISTS);     /* selector */
	assert_int_equal(store_dkim_add(f->s, "example.com", "b", "active",
					2048), STORE_EXISTS);     /* 2nd active */
	assert_int_equal(store_dkim_add(f->s, "example.com", "b", "pending",
					2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "c", "pending",
					2048), STORE_EXISTS);     /* 2nd pending */
	assert_int_equal(store_dkim_add(f->s, "example.com", "c", "retired",
					2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "d", "retired",
					2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.org", "a", "active",
					2048), STORE_OK);         /* other domain */
}

static void test_set_state_rotation(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_dkim_add(f->s, "example.com", "old", "active",
					2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "new", "pending",
					2048), STORE_OK);
	/* The pending key cannot become active while another is. */
	assert_int_equal(store_dkim_set_state(f->s, "example.com", "new",
					      "active"), STORE_EXISTS);
	assert_int_equal(store_dkim_set_state(f->s, "example.com", "old",
					      "retired"), STORE_OK);
	assert_int_equal(store_dkim_set_state(f->s, "example.com", "new",
					      "active"), STORE_OK);
	assert_string_equal(listing(f->s, "example.com"),
			    "example.com new active 2048;"
			    "example.com old retired 2048;");
	assert_int_equal(store_dkim_set_state(f->s, "example.com", "ghost",
					      "retired"), STORE_NOT_FOUND);
	assert_int_equal(store_dkim_set_state(f->s, "example.org", "new",
					      "retired"), STORE_NOT_FOUND);
	assert_int_equal(store_dkim_set_state(f->s, "example.com", "new",
					      "gone"), STORE_CONFLICT);
}

/* changed (schema v4): the created time until the state changes; then
 * a time of its own.  del removes one key. */
static int changed_of(const struct store_dkim_key *k, void *ctx)
{
	if (!strcmp(k->selector, "old"))
		snprintf(ctx, 48, "%s|%s", k->created, k->changed);
	return 0;
}

static void test_changed_and_del(void **state)
{
	struct fixture *f = *state;
	char both[48] = "";
	sqlite3 *db;

	assert_int_equal(store_dkim_add(f->s, "example.com", "old", "active",
					2048), STORE_OK);
	assert_int_equal(store_dkim_list(f->s, "example.com", changed_of, both),
			 STORE_OK);
	assert_int_equal(strlen(both), 39);
	assert_int_equal(strncmp(both, both + 20, 19), 0);   /* = created */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE dkim_key SET created = "
				      "'2020-01-01 00:00:00'", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_dkim_list(f->s, "example.com", changed_of, both),
			 STORE_OK);
	assert_string_equal(both, "2020-01-01 00:00:00|2020-01-01 00:00:00");
	assert_int_equal(store_dkim_set_state(f->s, "example.com", "old",
					      "retired"), STORE_OK);
	assert_int_equal(store_dkim_list(f->s, "example.com", changed_of, both),
			 STORE_OK);
	assert_int_equal(strlen(both), 39);
	assert_int_equal(strncmp(both, "2020-01-01 00:00:00|", 20), 0);
	assert_int_not_equal(strncmp(both + 20, "2020-01-01", 10), 0);
	assert_int_equal(store_dkim_del(f->s, "example.com", "old"), STORE_OK);
	assert_string_equal(listing(f->s, "example.com"), "");
	assert_int_equal(store_dkim_del(f->s, "example.com", "old"),
			 STORE_NOT_FOUND);
}

static void test_rollback_changes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "a", "active",
					2048), STORE_OK);
	store_rollback(f->s);
	assert_string_equal(listing(f->s, NULL), "");
}

static void test_del_domain_and_cascade(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_dkim_add(f->s, "example.com", "a", "active",
					2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.com", "b", "pending",
					2048), STORE_OK);
	assert_int_equal(store_dkim_add(f->s, "example.org", "a", "active",
					2048), STORE_OK);
	assert_int_equal(store_dkim_del_domain(f->s, "example.com"), STORE_OK);
	assert_string_equal(listing(f->s, NULL), "example.org a active 2048;");
	assert_int_equal(store_dkim_del_domain(f->s, "nope.com"), STORE_OK);
	/* Deleting the domain takes its keys with it (ON DELETE CASCADE). */
	assert_int_equal(store_domain_del(f->s, "example.org", false), STORE_OK);
	assert_string_equal(listing(f->s, NULL), "");
}

static int count(const struct store_domain *d, void *ctx)
{
	assert_string_equal(d->name, "old.example");
	assert_int_equal(d->mailboxes, 1);
	assert_int_equal(d->aliases, 1);
	++*(int *)ctx;
	return 0;
}

static void test_upgrade_v1_in_place(void **state)
{
	struct fixture *f = *state;
	char path[128];
	struct store *s;
	int n = 0;

	snprintf(path, sizeof path, "%s/v1.db", f->dir);
	store_fixture_make_v1(path, true);

	s = store_open(path, false);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_int_equal(store_domain_list(s, count, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_dkim_add(s, "old.example", "vm20261121",
					"active", 2048), STORE_OK);
	store_close(s);
	/* Opening again changes nothing. */
	s = store_open(path, false);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_schema_latest());
	assert_string_equal(listing(s, NULL),
			    "old.example vm20261121 active 2048;");
	store_close(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, store_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_schema_has_dkim_key),
		T(test_add_and_list),
		T(test_add_refusals),
		T(test_set_state_rotation),
		T(test_changed_and_del),
		T(test_rollback_changes_nothing),
		T(test_del_domain_and_cascade),
		T(test_upgrade_v1_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
