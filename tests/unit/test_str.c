/*
 * test_str.c - unit tests for src/lib/str.c: bounded copies and formats,
 * lower-casing, the directory part of a path.
 *
 * Run by "make test".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/str.h"

static void test_strlcpy(void **state)
{
	char buf[6];

	(void)state;
	assert_true(vm_strlcpy(buf, "hello", sizeof buf));
	assert_string_equal(buf, "hello");
	assert_false(vm_strlcpy(buf, "hello!", sizeof buf));
	assert_string_equal(buf, "hello");
	assert_true(vm_strlcpy(buf, "", sizeof buf));
	assert_string_equal(buf, "");
	assert_false(vm_strlcpy(buf, "x", 0));
}

static void test_snprintf(void **state)
{
	char buf[8];

	(void)state;
	assert_true(vm_snprintf(buf, sizeof buf, "%d-%s", 42, "ab"));
	assert_string_equal(buf, "42-ab");
	assert_true(vm_snprintf(buf, sizeof buf, "%s", "1234567"));
	assert_false(vm_snprintf(buf, sizeof buf, "%s", "12345678"));
	assert_string_equal(buf, "1234567");
}

static void test_ascii_lower(void **state)
{
	char s[] = "Mail.EXAMPLE.com-\xc3\x84Z";

	(void)state;
	vm_ascii_lower(s);
	assert_string_equal(s, "mail.example.com-\xc3\x84z");
}

static void test_dir_of(void **state)
{
	static const struct {
		const char *path, *dir;
	} cases[] = {
		{ "/var/lib/x.db", "/var/lib" },
		{ "x.db", "." },
		{ "/x.db", "/" },
		{ "a/b/", "a/b" },
	};
	char dir[9];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		assert_true(vm_dir_of(cases[i].path, dir, sizeof dir));
		assert_string_equal(dir, cases[i].dir);
	}
	assert_false(vm_dir_of("/var/lib/vmail/x.db", dir, sizeof dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_snprintf),
		cmocka_unit_test(test_ascii_lower),
		cmocka_unit_test(test_dir_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
