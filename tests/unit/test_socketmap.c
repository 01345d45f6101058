/*
 * test_socketmap.c - unit tests for socketmap_parse() and
 * socketmap_reply() (src/lib/socketmap.c), Postfix's socketmap
 * netstrings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/socketmap.h"

/* Parse text (a copy); expect rc, and for 1 the name, key and length. */
static void expect(const char *text, int rc, const char *name,
		   const char *key, size_t used_want)
{
	char buf[256];
	struct socketmap_request req;
	size_t used = 999;
	int got;

	snprintf(buf, sizeof buf, "%s", text);
	got = socketmap_parse(buf, strlen(text), &req, &used);
	if (got != rc)
		fail_msg("'%s': %d, want %d", text, got, rc);
	if (rc != 1)
		return;
	assert_string_equal(req.name, name);
	assert_string_equal(req.key, key);
	assert_int_equal(req.key_len, strlen(key));
	assert_int_equal(used, used_want);
}

static void test_requests(void **state)
{
	(void)state;
	expect("16:dane example.com,", 1, "dane", "example.com", 20);
	/* two in a row: the first only */
	expect("5:m a.b,5:m c.d,", 1, "m", "a.b", 8);
	/* an empty key is a request too (Postfix never sends one) */
	expect("5:dane ,", 1, "dane", "", 8);
	/* the key may hold spaces */
	expect("7:m a b c,", 1, "m", "a b c", 10);
}

static void test_incomplete(void **state)
{
	(void)state;
	expect("", 0, NULL, NULL, 0);
	expect("1", 0, NULL, NULL, 0);
	expect("16", 0, NULL, NULL, 0);
	expect("16:", 0, NULL, NULL, 0);
	expect("16:dane exam", 0, NULL, NULL, 0);
	expect("16:dane example.com", 0, NULL, NULL, 0);
	expect("100000", 0, NULL, NULL, 0);
}

static void test_malformed(void **state)
{
	(void)state;
	expect(":dane x,", -1, NULL, NULL, 0);          /* no length */
	expect("x:dane x,", -1, NULL, NULL, 0);
	expect("06:dane x,", -1, NULL, NULL, 0);        /* leading zero */
	expect("6;dane x,", -1, NULL, NULL, 0);
	expect("6:dane x;", -1, NULL, NULL, 0);         /* no comma */
	expect("6:danexx,", -1, NULL, NULL, 0);         /* no space */
	expect("6: danex,", -1, NULL, NULL, 0);         /* empty name */
	expect("100001:", -1, NULL, NULL, 0);           /* too long */
	expect("1000000", -1, NULL, NULL, 0);           /* 7 digits */
	expect("0:,", -1, NULL, NULL, 0);
}

static void test_nul_and_long_name(void **state)
{
	char buf[128];
	struct socketmap_request req;
	size_t used;
	char name[SOCKETMAP_NAME_MAX + 2];
	int n;

	(void)state;
	memcpy(buf, "6:da\0e x,", 9);
	assert_int_equal(socketmap_parse(buf, 9, &req, &used), -1);
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	n = snprintf(buf, sizeof buf, "%zu:%s k,", strlen(name) + 2, name);
	assert_int_equal(socketmap_parse(buf, (size_t)n, &req, &used), -1);
	name[SOCKETMAP_NAME_MAX] = '\0';   /* exactly the limit */
	n = snprintf(buf, sizeof buf, "%zu:%s k,", strlen(name) + 2, name);
	assert_int_equal(socketmap_parse(buf, (size_t)n, &req, &used), 1);
	assert_string_equal(req.key, "k");
}

static void test_replies(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(socketmap_reply("OK", "dane", out, sizeof out), 10);
	assert_string_equal(out, "7:OK dane,");
	socketmap_reply("NOTFOUND", NULL, out, sizeof out);
	assert_string_equal(out, "9:NOTFOUND ,");
	socketmap_reply("TEMP", "MX lookup failed", out, sizeof out);
	assert_string_equal(out, "21:TEMP MX lookup failed,");
	/* does not fit */
	assert_int_equal(socketmap_reply("TEMP", "a long reason that does "
					 "not fit", out, 16), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nul_and_long_name),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
