/*
 * test_process.c - unit tests for src/lib/process.c: running programs
 * without a shell (vm_run, vm_run_quiet), their input, output and exit
 * status, and that no file descriptor or child is left behind.
 *
 * Run by "make test".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/process.h"

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_run_captures_output_and_status(void **state)
{
	const char *const argv[] = { "sh", "-c", "echo hello; echo oops >&2; exit 3",
				     NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, NULL, &out), 3);
	assert_non_null(out);
	assert_string_equal(out, "hello\n");
	free(out);
}

static void test_run_no_shell(void **state)
{
	/* Arguments reach the program verbatim: no globbing, no $ expansion. */
	const char *const argv[] = { "printf", "%s|%s", "$HOME *", "a;b", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, NULL, &out), 0);
	assert_string_equal(out, "$HOME *|a;b");
	free(out);
}

static void test_run_stdin_delivered(void **state)
{
	const char *const argv[] = { "cat", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, "secret\nsecond line", &out), 0);
	assert_string_equal(out, "secret\nsecond line");
	free(out);
}

static void test_run_big_stdin_and_output(void **state)
{
	/* More than a pipe buffer each way: must not deadlock. */
	const char *const argv[] = { "cat", NULL };
	size_t n = 1 << 20;
	char *in = malloc(n + 1), *out = NULL;

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[n] = '\0';
	assert_int_equal(vm_run(argv, in, &out), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), n);
	assert_memory_equal(out, in, n);
	free(in);
	free(out);
}

static void test_run_child_ignores_stdin(void **state)
{
	/* A child that exits without reading must not kill us (SIGPIPE). */
	const char *const argv[] = { "true", NULL };
	size_t n = 1 << 20;
	char *in = malloc(n + 1);

	(void)state;
	assert_non_null(in);
	memset(in, 'x', n);
	in[n] = '\0';
	assert_int_equal(vm_run(argv, in, NULL), 0);
	free(in);
}

static void test_run_stdin_is_empty_by_default(void **state)
{
	const char *const argv[] = { "cat", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, NULL, &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_run_missing_program(void **state)
{
	const char *const argv[] = { "vmail-no-such-program-xyz", NULL };
	char *out = (char *)"untouched";

	(void)state;
	errno = 0;
	assert_int_equal(vm_run(argv, "data", &out), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(out);
}

static void test_run_killed_by_signal(void **state)
{
	const char *const argv[] = { "sh", "-c", "kill -9 $$", NULL };

	(void)state;
	assert_int_equal(vm_run(argv, NULL, NULL), -1);
}

static void test_run_quiet(void **state)
{
	const char *const argv[] = { "sh", "-c", "echo noise; echo noise >&2; exit 4",
				     NULL };

	(void)state;
	assert_int_equal(vm_run_quiet(argv), 4);
}

static void test_run_no_fd_leak_no_zombie(void **state)
{
	const char *const ok[] = { "sh", "-c", "echo x; exit 0", NULL };
	const char *const bad[] = { "vmail-no-such-program-xyz", NULL };
	int before = count_open_fds();
	char *out;

	(void)state;
	for (int i = 0; i < 20; i++) {
		out = NULL;
		assert_int_equal(vm_run(ok, "in", &out), 0);
		free(out);
		assert_int_equal(vm_run(bad, NULL, NULL), -1);
		assert_int_equal(vm_run_quiet(ok), 0);
	}
	assert_int_equal(count_open_fds(), before);
	/* Every child has been reaped. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_captures_output_and_status),
		cmocka_unit_test(test_run_no_shell),
		cmocka_unit_test(test_run_stdin_delivered),
		cmocka_unit_test(test_run_big_stdin_and_output),
		cmocka_unit_test(test_run_child_ignores_stdin),
		cmocka_unit_test(test_run_stdin_is_empty_by_default),
		cmocka_unit_test(test_run_missing_program),
		cmocka_unit_test(test_run_killed_by_signal),
		cmocka_unit_test(test_run_quiet),
		cmocka_unit_test(test_run_no_fd_leak_no_zombie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
