/*
 * store_fixture.h - a fresh directory database for every test, shared by
 * the unit tests of the store (test_store.c, test_store_dkim.c).
 *
 * Pass store_fixture_setup / store_fixture_teardown as a test's setup and
 * teardown (cmocka_unit_test_setup_teardown); the test gets a
 * struct fixture in *state: a private temporary directory (dir), the
 * database path in it (path) and the open store (s).  Include <cmocka.h>
 * first.
 */
#ifndef VMAIL_TEST_STORE_FIXTURE_H
#define VMAIL_TEST_STORE_FIXTURE_H

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
