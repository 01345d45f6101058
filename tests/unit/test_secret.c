/*
 * test_secret.c - unit tests for src/lib/secret.c: reading a secret from
 * standard input, and wiping it.
 *
 * Run by "make test".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "lib/secret.h"

/* Run vm_read_secret_stdin with input as standard input. */
static bool read_secret_from(const char *input, char *buf, size_t size)
{
	int saved = dup(STDIN_FILENO), p[2];
	bool ok;

	assert_true(saved >= 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], input, strlen(input)), (ssize_t)strlen(input));
	close(p[1]);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	ok = vm_read_secret_stdin(buf, size);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	return ok;
}

static void test_read_secret(void **state)
{
	char buf[16];

	(void)state;
	assert_true(read_secret_from("pass word\nsecond\n", buf, sizeof buf));
	assert_string_equal(buf, "pass word");
	assert_true(read_secret_from("crlf-line\r\n", buf, sizeof buf));
	assert_string_equal(buf, "crlf-line");
	assert_true(read_secret_from("no-newline", buf, sizeof buf));
	assert_string_equal(buf, "no-newline");
	assert_true(read_secret_from("exactly15chars!", buf, sizeof buf));
	assert_string_equal(buf, "exactly15chars!");
	assert_false(read_secret_from("exactly16chars!!", buf, sizeof buf));
	assert_false(read_secret_from("", buf, sizeof buf));
	assert_false(read_secret_from("\n", buf, sizeof buf));
}

static void test_explicit_bzero(void **state)
{
	char secret[] = "hunter22";

	(void)state;
	vm_explicit_bzero(secret, sizeof secret);
	for (size_t i = 0; i < sizeof secret; i++)
		assert_int_equal(secret[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_secret),
		cmocka_unit_test(test_explicit_bzero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
