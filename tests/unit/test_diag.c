/*
 * test_diag.c - unit tests for src/lib/diag.c: the format of error and
 * progress messages on stderr.
 *
 * Run by "make test"; the tests work in a private mkdtemp() directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/file.h"
#include "scratch_dir.h"

/* Call fn with stderr sent to a file; return what it printed. */
static char *capture_stderr(void (*fn)(void))
{
	char path[512];
	int saved = dup(STDERR_FILENO), fd;
	char *text;

	scratch_path(path, sizeof path, "stderr.txt");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	text = vm_read_file(path, NULL);
	assert_non_null(text);
	return text;
}

static void say_err(void)
{
	vm_err("bad %s %d", "thing", 7);
}

static void say_errno(void)
{
	errno = ENOENT;
	vm_errno("open %s", "x");
}

static void say_progress(void)
{
	vm_progress("step %d", 2);
}

static void test_diagnostics(void **state)
{
	char *text;

	(void)state;
	text = capture_stderr(say_err);
	assert_string_equal(text, "vmailctl: bad thing 7\n");
	free(text);

	text = capture_stderr(say_errno);
	assert_string_equal(text, "vmailctl: open x: No such file or directory\n");
	free(text);

	setenv("VMAIL_PROGRESS", "1", 1);
	text = capture_stderr(say_progress);
	assert_string_equal(text, "==> step 2\n");
	free(text);

	/* stderr is a file here, not a terminal: no progress lines. */
	unsetenv("VMAIL_PROGRESS");
	text = capture_stderr(say_progress);
	assert_string_equal(text, "");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diagnostics),
	};

	return cmocka_run_group_tests(tests, scratch_dir_setup,
				      scratch_dir_teardown);
}
