/*
 * test_secret.c - unit tests for src/lib/secret.c: reading a secret from
 * standard input (a NUL byte in it refused), and wiping it.  Reading
 * from the terminal is tested on a real pseudo-terminal by tests/cli/run
 * (tests/cli/ptydrive.py); here only its refusal of a non-terminal.
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

/* Run vm_read_secret_stdin (tty: vm_read_secret_tty) with the len bytes
 * of input as standard input, a pipe. */
static bool read_bytes_from(const char *input, size_t len, char *buf,
			    size_t size, bool tty)
{
	int saved = dup(STDIN_FILENO), p[2];
	bool ok;

	assert_true(saved >= 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], input, len), (ssize_t)len);
	close(p[1]);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	ok = tty ? vm_read_secret_tty("Password: ", buf, size) :
		   vm_read_secret_stdin(buf, size);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	return ok;
}

static bool read_secret_from(const char *input, char *buf, size_t size)
{
	return read_bytes_from(input, strlen(input), buf, size, false);
}

/* A NUL byte anywhere before the newline is refused, and buf wiped. */
static void test_nul_refused(void **state)
{
	static const struct { const char *s; size_t len; } bad[] = {
		{ "a\0b\n", 4 },
		{ "long enough\0tail\n", 17 },
		{ "\0long enough\n", 13 },
		{ "long enough\0", 12 },
		{ "long enough\0\n", 13 },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(buf, 'x', sizeof buf);
		assert_false(read_bytes_from(bad[i].s, bad[i].len, buf,
					     sizeof buf, false));
		for (size_t j = 0; j < sizeof buf; j++)
			assert_int_equal(buf[j], 0);
	}
	/* After the newline it is not read at all. */
	assert_true(read_bytes_from("long enough\n\0x\n", 15, buf, sizeof buf,
				    false));
	assert_string_equal(buf, "long enough");
}

static void test_tty_needs_a_terminal(void **state)
{
	char buf[32];

	(void)state;
	assert_false(read_bytes_from("long enough\n", 12, buf, sizeof buf,
				     true));
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
		cmocka_unit_test(test_nul_refused),
		cmocka_unit_test(test_tty_needs_a_terminal),
		cmocka_unit_test(test_explicit_bzero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
