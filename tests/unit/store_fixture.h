/*
 * store_fixture.h - a fresh directory database for every test, shared by
 * the unit tests of the store (test_store.c, test_store_dkim.c).
 *
 * Pass store_fixture_setup / store_fixture_teardown as a test's setup and
 * teardown (cmocka_unit_test_setup_teardown); the test gets a
 * struct fixture in *state: a private temporary directory (dir), the
 * database path in it (path) and the open store (s).  Also a database
 * as the first release left it (schema v1), for the upgrade tests.
 * Include <cmocka.h> first.
 */
#ifndef VMAIL_TEST_STORE_FIXTURE_H
#define VMAIL_TEST_STORE_FIXTURE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/process.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

/* The tables of schema v1, the first release's. */
#define STORE_FIXTURE_V1_TABLES \
	"CREATE TABLE domain (name TEXT PRIMARY KEY, active INTEGER NOT NULL " \
	"DEFAULT 1 CHECK (active IN (0, 1)), created TEXT NOT NULL DEFAULT " \
	"(datetime('now')));" \
	"CREATE TABLE mailbox (address TEXT PRIMARY KEY, local_part TEXT NOT " \
	"NULL, domain TEXT NOT NULL REFERENCES domain(name), password TEXT " \
	"NOT NULL, quota_bytes INTEGER NOT NULL DEFAULT 0 CHECK (quota_bytes " \
	">= 0), active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)), " \
	"created TEXT NOT NULL DEFAULT (datetime('now')), CHECK (address = " \
	"local_part || '@' || domain));" \
	"CREATE INDEX mailbox_domain ON mailbox(domain);" \
	"CREATE TABLE alias (source TEXT NOT NULL, destination TEXT NOT NULL, " \
	"domain TEXT NOT NULL REFERENCES domain(name), created TEXT NOT NULL " \
	"DEFAULT (datetime('now')), PRIMARY KEY (source, destination));" \
	"CREATE INDEX alias_domain ON alias(domain);" \
	"CREATE INDEX alias_destination ON alias(destination);"

/* A database as the first release (schema v1) left it (in WAL mode,
 * as that release set it: store_fixture_make_v1()). */
static const char store_fixture_v1_schema[] =
	STORE_FIXTURE_V1_TABLES
	"INSERT INTO domain (name) VALUES ('old.example');"
	"INSERT INTO mailbox (address, local_part, domain, password) VALUES "
	"('bob@old.example', 'bob', 'old.example', 'x');"
	"INSERT INTO alias (source, destination, domain) VALUES "
	"('info@old.example', 'bob@old.example', 'old.example');"
	"PRAGMA user_version = 1;";

/* Write store_fixture_v1_schema into a new database at path, in WAL
 * mode unless rollback. */
static inline void store_fixture_make_v1(const char *path, bool wal)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (wal)
		assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode = WAL",
					      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, store_fixture_v1_schema, NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int store_fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	strcpy(f->dir, "/tmp/vmail-test-store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/vmail.db", f->dir);
	f->s = store_open(f->path, true);
	assert_non_null(f->s);
	*state = f;
	return 0;
}

static int store_fixture_teardown(void **state)
{
	struct fixture *f = *state;
	const char *const argv[] = { "rm", "-rf", f->dir, NULL };

	store_close(f->s);
	assert_int_equal(vm_run_quiet(argv), 0);
	free(f);
	return 0;
}

#endif
