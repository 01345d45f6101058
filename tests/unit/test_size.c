/*
 * test_size.c - unit tests for parse_size() (src/lib/size.c) and
 * out_size() (src/lib/output.c), the two directions of byte sizes, and
 * for out_json(), the other half of output.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/output.h"
#include "lib/size.h"

#define KB 1024ULL
#define MB (1024ULL * KB)
#define GB (1024ULL * MB)
#define TB (1024ULL * GB)

static void expect_size(const char *s, uint64_t want)
{
	char why[128] = "";
	uint64_t got = 12345;

	if (!parse_size(s, &got, why, sizeof why))
		fail_msg("rejected '%s': %s", s, why);
	if (got != want)
		fail_msg("'%s' gave %" PRIu64 ", want %" PRIu64, s, got, want);
}

static void expect_bad(const char *s)
{
	char why[128] = "";
	uint64_t got = 12345;

	if (parse_size(s, &got, why, sizeof why))
		fail_msg("accepted '%s' as %" PRIu64, s, got);
	if (!why[0])
		fail_msg("no reason for '%s'", s);
	if (got != 12345)
		fail_msg("'%s' changed the output on failure", s);
}

static void test_plain_numbers(void **state)
{
	(void)state;
	expect_size("0", 0);
	expect_size("1", 1);
	expect_size("512", 512);
	expect_size("007", 7);
	expect_size("1000B", 1000);
	expect_size("9223372036854775807", 9223372036854775807ULL);
}

static void test_units(void **state)
{
	(void)state;
	expect_size("10M", 10485760);
	expect_size("10M", 10 * MB);
	expect_size("1G", GB);
	expect_size("1536k", 1536 * KB);
	expect_size("1K", KB);
	expect_size("2T", 2 * TB);
	expect_size("10MB", 10 * MB);
	expect_size("10MiB", 10 * MB);
	expect_size("10m", 10 * MB);
	expect_size("10mb", 10 * MB);
	expect_size("1g", GB);
	expect_size("3t", 3 * TB);
	expect_size("0M", 0);
	expect_size("8388607T", 8388607 * TB);
}

static void test_unlimited(void **state)
{
	(void)state;
	expect_size("unlimited", 0);
	expect_size("UNLIMITED", 0);
}

static void test_rejected(void **state)
{
	(void)state;
	expect_bad("");
	expect_bad("-5M");
	expect_bad("-1");
	expect_bad("+5M");
	expect_bad("12GIGA");
	expect_bad("M");
	expect_bad("MB");
	expect_bad("B");
	expect_bad(" 5M");
	expect_bad("5M ");
	expect_bad("5 M");
	expect_bad("5\tM");
	expect_bad("5M\n");
	expect_bad("5.5M");
	expect_bad("5,5M");
	expect_bad("0x10");
	expect_bad("1e6");
	expect_bad("10P");
	expect_bad("10X");
	expect_bad("10iB");
	expect_bad("10MM");
	expect_bad("10MBB");
	expect_bad("10Mi");
	expect_bad("10KiBs");
	expect_bad("unlimitedx");
	expect_bad("none");
	expect_bad("10M\xc2\xa0");
	expect_bad("18446744073709551616");
	expect_bad("18446744073709551615");
	expect_bad("9223372036854775808");
	expect_bad("99999999999999999999999999999");
	expect_bad("8388608T");
	expect_bad("9007199254740992K");
}

static void test_reasons(void **state)
{
	char why[128];
	uint64_t n;

	(void)state;
	assert_false(parse_size("12GIGA", &n, why, sizeof why));
	assert_non_null(strstr(why, "unit"));
	assert_false(parse_size("5.5M", &n, why, sizeof why));
	assert_non_null(strstr(why, "decimal"));
	assert_false(parse_size("-5M", &n, why, sizeof why));
	assert_non_null(strstr(why, "sign"));
	assert_false(parse_size("18446744073709551616", &n, why, sizeof why));
	assert_non_null(strstr(why, "large"));
	assert_false(parse_size("x", &n, NULL, 0));
}

static void expect_out(uint64_t bytes, const char *want)
{
	char buf[32];

	assert_string_equal(out_size(bytes, buf), want);
}

static void test_out_size(void **state)
{
	(void)state;
	expect_out(0, "0");
	expect_out(512, "512");
	expect_out(1023, "1023");
	expect_out(KB, "1K");
	expect_out(1536, "1.5K");
	expect_out(10 * MB, "10M");
	expect_out(GB + GB / 2, "1.5G");
	expect_out(2 * GB, "2G");
	expect_out(GB + 1, "1.0G");
	expect_out(5 * TB, "5T");
	expect_out(UINT64_MAX, "16.0E");
}

static void test_round_trip(void **state)
{
	const uint64_t values[] = { 0, 1, KB, 10 * MB, 2 * GB, 3 * TB };
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		uint64_t n;

		assert_true(parse_size(out_size(values[i], buf), &n, NULL, 0));
		assert_int_equal(n, values[i]);
	}
}

/* Run out_json(obj) with stdout sent to a file; return what it wrote. */
static char *capture_json(struct json_object *obj, int *ret)
{
	char path[] = "/tmp/vmail-test-json.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	char *text;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);
	*ret = out_json(obj);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	text = vm_read_file(path, NULL);
	unlink(path);
	assert_non_null(text);
	return text;
}

static void test_out_json(void **state)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	int ret = -1;
	char *text;

	(void)state;
	json_object_object_add(obj, "address",
			       json_object_new_string("john@example.com"));
	json_object_object_add(obj, "home",
			       json_object_new_string("/var/vmail/example.com/john"));
	json_object_object_add(obj, "quota_bytes",
			       json_object_new_int64(10485760));
	json_object_array_add(arr, json_object_new_string("a\"b"));
	json_object_object_add(obj, "list", arr);
	text = capture_json(obj, &ret);
	assert_int_equal(ret, 0);
	/* Pretty (one key per line), slashes not escaped, ends in newline. */
	assert_non_null(strstr(text, "\n  \"address\": \"john@example.com\""));
	assert_non_null(strstr(text, "\"/var/vmail/example.com/john\""));
	assert_non_null(strstr(text, "\"quota_bytes\": 10485760"));
	assert_non_null(strstr(text, "\"a\\\"b\""));
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_int_equal(text[0], '{');
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_numbers),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_out_size),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_out_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
