/*
 * test_setup_pending.c - unit tests for src/setup/setup_pending.c: the
 * reloads a failed setup still owes survive until a run converges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "setup/setup.h"
#include "scratch_dir.h"

static struct setup *fresh(void)
{
	struct setup *st = calloc(1, sizeof *st);

	assert_non_null(st);
	return st;
}

static void test_nothing_pending(void **state)
{
	char path[PATH_MAX];
	struct setup *st = fresh();
	struct stat sb;

	(void)state;
	scratch_path(path, sizeof path, "none.pending");
	/* No file: nothing set, nothing written. */
	assert_true(setup_pending_load(st, path));
	assert_false(st->postfix_changed || st->dovecot_changed ||
		     st->rspamd_changed || st->redis_changed);
	assert_true(setup_pending_save(st, path));
	assert_int_equal(stat(path, &sb), -1);
	assert_true(setup_pending_clear(path));
	free(st);
}

static void test_round_trip(void **state)
{
	char path[PATH_MAX];
	struct setup *st = fresh(), *next = fresh();
	struct stat sb;
	size_t len;
	char *text;

	(void)state;
	scratch_path(path, sizeof path, "round.pending");
	st->dovecot_changed = true;
	st->rspamd_changed = true;
	st->nginx_changed = true;
	assert_true(setup_pending_save(st, path));
	text = vm_read_file(path, &len);
	assert_non_null(text);
	assert_string_equal(text, "dovecot\nrspamd\nnginx\n");
	free(text);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);

	/* The next run owes the same reloads, and only those. */
	assert_true(setup_pending_load(next, path));
	assert_true(next->dovecot_changed && next->rspamd_changed &&
		    next->nginx_changed);
	assert_false(next->postfix_changed || next->redis_changed);

	/* It converged: forgotten. */
	assert_true(setup_pending_clear(path));
	assert_int_equal(stat(path, &sb), -1);
	free(st);
	free(next);
}

static void test_unknown_names_ignored(void **state)
{
	char path[PATH_MAX];
	struct setup *st = fresh();
	FILE *f;

	(void)state;
	scratch_path(path, sizeof path, "odd.pending");
	assert_non_null(f = fopen(path, "w"));
	fputs("postfixx\n\nredis-server\ncron\npostfix", f);
	fclose(f);
	assert_true(setup_pending_load(st, path));
	assert_true(st->redis_changed && st->postfix_changed);
	assert_false(st->dovecot_changed || st->rspamd_changed);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_pending),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unknown_names_ignored),
	};

	return cmocka_run_group_tests(tests, scratch_dir_setup, scratch_dir_teardown);
}
