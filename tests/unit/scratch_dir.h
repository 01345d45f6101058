/*
 * scratch_dir.h - a private scratch directory for a cmocka test group,
 * shared by the unit tests that work with files.
 *
 * Include it once in a test program and pass the fixtures to
 * cmocka_run_group_tests(tests, scratch_dir_setup, scratch_dir_teardown);
 * the tests then find the directory's path in scratch_dir, and name
 * files in it with scratch_path().  It is made with mkdtemp() before the
 * first test and removed with everything in it after the last.  Include
 * <cmocka.h> first.
 */
#ifndef VMAIL_TEST_SCRATCH_DIR_H
#define VMAIL_TEST_SCRATCH_DIR_H

#include <stdlib.h>

#include "lib/process.h"
#include "lib/str.h"

static char scratch_dir[] = "/tmp/vmail-test.XXXXXX";

static int scratch_dir_setup(void **state)
{
	(void)state;
	return mkdtemp(scratch_dir) ? 0 : -1;
}

static int scratch_dir_teardown(void **state)
{
	const char *const argv[] = { "rm", "-rf", scratch_dir, NULL };

	(void)state;
	return vm_run_quiet(argv) == 0 ? 0 : -1;
}

/* scratch_dir/name into path. */
static void scratch_path(char *path, size_t size, const char *name)
{
	assert_true(vm_snprintf(path, size, "%s/%s", scratch_dir, name));
}

#endif
