/*
 * test_validate.c - unit tests for src/lib/validate.c.
 *
 * Each validator gets lists of inputs that must pass and inputs that
 * must fail (with a non-empty reason).  The failing lists cover what an
 * attacker or a typo would bring: quotes and SQL metacharacters, white
 * space, control characters, non-ASCII bytes, upper case, over-long
 * labels and names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/validate.h"

typedef bool (*validator)(const char *, char *, size_t);

static void expect_ok(validator fn, const char *const *list)
{
	for (; *list; list++) {
		char why[128] = "";

		if (!fn(*list, why, sizeof why))
			fail_msg("rejected '%s': %s", *list, why);
	}
}

static void expect_bad(validator fn, const char *const *list)
{
	for (; *list; list++) {
		char why[128] = "";

		if (fn(*list, why, sizeof why))
			fail_msg("accepted '%s'", *list);
		if (why[0] == '\0')
			fail_msg("no reason given for '%s'", *list);
	}
}

/* A string of n copies of c (n < 600). */
static const char *repeat(char c, size_t n)
{
	static char buf[8][600];
	static int slot;
	char *b = buf[slot++ % 8];

	memset(b, c, n);
	b[n] = '\0';
	return b;
}

/* ---- domains -------------------------------------------------------- */

static void test_domain_good(void **state)
{
	static char longest[VM_DOMAIN_MAX + 1];
	const char *good[] = {
		"example.com", "mail.example.com", "a.b", "x-y.example.org",
		"xn--bcher-kva.example", "123.example.com", "a1.b2.c3",
		"example.c0m", "sub.sub.sub.example.co.uk", NULL, NULL, NULL,
	};
	char label63[80];

	(void)state;
	snprintf(label63, sizeof label63, "%s.com", repeat('a', 63));
	good[9] = label63;
	/* 253 characters: 63+1+63+1+63+1+61 */
	snprintf(longest, sizeof longest, "%s.%s.%s.%s", repeat('a', 63),
		 repeat('b', 63), repeat('c', 63), repeat('d', 61));
	assert_int_equal(strlen(longest), 253);
	good[10] = longest;
	expect_ok(valid_domain, good);
}

static void test_domain_bad(void **state)
{
	static char label64[80], toolong[300];
	const char *bad[] = {
		"", "com", "localhost", ".example.com", "example.com.",
		"example..com", "-example.com", "example-.com", "ex_ample.com",
		"Example.com", "EXAMPLE.COM", "example.COM", "exa mple.com",
		" example.com", "example.com ", "example.com\n", "exa\tmple.com",
		"exa'mple.com", "example.com'", "example.com;", "a;drop.com",
		"example.com--", "--.com", "exa\"mple.com", "exa\\mple.com",
		"ex@mple.com", "example.com/x", "b\xc3\xbc" "cher.de",
		"\xff.com", "ex\x01" "ample.com", "ex\x7f" "ample.com",
		"example.123", "1.2.3.4", "*.example.com", "exa%mple.com",
		"example.com:25", "[127.0.0.1]", ".", "..", NULL, NULL, NULL,
	};
	size_t n = sizeof bad / sizeof bad[0];

	(void)state;
	snprintf(label64, sizeof label64, "%s.com", repeat('a', 64));
	bad[n - 3] = label64;
	/* 254 characters in total, every label short enough. */
	snprintf(toolong, sizeof toolong, "%s.%s.%s.%s", repeat('a', 63),
		 repeat('b', 63), repeat('c', 63), repeat('d', 62));
	assert_int_equal(strlen(toolong), 254);
	bad[n - 2] = toolong;
	expect_bad(valid_domain, bad);
}

static void test_domain_reasons(void **state)
{
	char why[128], name[80];

	(void)state;
	snprintf(name, sizeof name, "%s.com", repeat('a', 64));
	assert_false(valid_domain(name, why, sizeof why));
	assert_non_null(strstr(why, "63"));
	assert_false(valid_domain("Example.com", why, sizeof why));
	assert_non_null(strstr(why, "upper-case"));
	assert_false(valid_domain("com", why, sizeof why));
	assert_non_null(strstr(why, "two labels"));
	/* A NULL reason buffer is fine. */
	assert_false(valid_domain("bad domain", NULL, 0));
	/* A tiny reason buffer is truncated, not overrun. */
	assert_false(valid_domain("bad domain.com", why, 4));
	assert_int_equal(strlen(why), 3);
}

/* ---- local parts ---------------------------------------------------- */

static void test_localpart(void **state)
{
	const char *good[] = {
		"a", "john", "john.doe", "john+tag", "j_d", "x-y", "0",
		"a#b", "a$b", "a&b", "a*b", "a=b", "a?b", "a^b", "a`b",
		"a{b}", "a|b", "a~b", "a--b", NULL, NULL,
	};
	const char *bad[] = {
		"", ".john", "john.", "jo..hn", "John", "JOHN", "jo hn",
		" john", "john ", "jo\"hn", "\"john\"", "jo'hn", "jo\\hn",
		"jo/hn", "jo%hn", "jo!hn", "jo@hn", "jo,hn", "jo;hn",
		"jo:hn", "jo(hn)", "jo<hn>", "jo[hn]", "j\xc3\xb6rg",
		"jo\x01hn", "jo\nhn", "jo\thn", "jo\x7fhn", "-john", "--",
		"x'; drop table mailbox; --", ".", "..", NULL, NULL,
	};
	size_t nb = sizeof bad / sizeof bad[0];

	(void)state;
	good[sizeof good / sizeof good[0] - 2] = repeat('a', 64);
	bad[nb - 2] = repeat('a', 65);
	expect_ok(valid_localpart, good);
	expect_bad(valid_localpart, bad);
}

static void test_mailbox_localpart(void **state)
{
	const char *good[] = { "john", "john.doe", "j-d_x", "0815", NULL };
	/* valid local parts (aliases may have them), but not logins */
	const char *bad[] = { "john+tag", "+", "a+", "", "John", "jo'hn",
			      "a#b", "a$b", "a&b", "a*b", "a=b", "a?b", "a^b",
			      "a`b", "a{b", "a|b", "a}b", "a~b", NULL };
	char why[128];

	(void)state;
	expect_ok(valid_mailbox_localpart, good);
	expect_bad(valid_mailbox_localpart, bad);
	assert_false(valid_mailbox_localpart("a+b", why, sizeof why));
	assert_non_null(strstr(why, "'+'"));
	assert_true(valid_localpart("a*b", why, sizeof why));
	assert_false(valid_mailbox_localpart("a*b", why, sizeof why));
	assert_non_null(strstr(why, "'*'"));
}

/* ---- addresses ------------------------------------------------------ */

static void test_address(void **state)
{
	static char long_local[100], long_domain[300], max_addr[400];
	const char *good[] = {
		"john@example.com", "john.doe+tag@mail.example.co.uk",
		"a@b.cd", NULL, NULL,
	};
	const char *bad[] = {
		"", "john", "@example.com", "john@", "john@@example.com",
		"john@localhost", "John@example.com", "john@Example.com",
		"jo hn@example.com", "john@exa mple.com", "john@example.com ",
		" john@example.com", "jo'hn@example.com",
		"john@example.com'; drop table mailbox; --",
		"john;@example.com", "jo\"hn\"@example.com", "jo\nhn@example.com",
		"j\xc3\xb6rg@example.com", "john@example..com", ".john@example.com",
		"a@b@example.com", "john@-example.com", "<john@example.com>",
		NULL, NULL, NULL,
	};
	size_t nb = sizeof bad / sizeof bad[0];

	(void)state;
	/* Longest valid: 64 + 1 + 253. */
	snprintf(max_addr, sizeof max_addr, "%s@%s.%s.%s.%s", repeat('u', 64),
		 repeat('a', 63), repeat('b', 63), repeat('c', 63),
		 repeat('d', 61));
	assert_int_equal(strlen(max_addr), VM_ADDRESS_MAX);
	good[3] = max_addr;
	expect_ok(valid_address, good);

	snprintf(long_local, sizeof long_local, "%s@example.com",
		 repeat('u', 65));
	snprintf(long_domain, sizeof long_domain, "u@%s.%s.%s.%s",
		 repeat('a', 63), repeat('b', 63), repeat('c', 63),
		 repeat('d', 62));
	bad[nb - 3] = long_local;
	bad[nb - 2] = long_domain;
	expect_bad(valid_address, bad);
}

static void test_alias_source(void **state)
{
	const char *good[] = { "john@example.com", "@example.com",
			       "info+x@example.com", NULL };
	const char *bad[] = { "@", "@@example.com", "@Example.com", "@localhost",
			      "john", "example.com", "@example.com ", "",
			      "@exa'mple.com", NULL };

	(void)state;
	expect_ok(valid_alias_source, good);
	expect_bad(valid_alias_source, bad);
}

static void test_split_address(void **state)
{
	char local[VM_LOCALPART_MAX + 1], domain[VM_DOMAIN_MAX + 1];
	char small[4];

	(void)state;
	assert_true(split_address("john.doe@example.com", local, sizeof local,
				  domain, sizeof domain));
	assert_string_equal(local, "john.doe");
	assert_string_equal(domain, "example.com");

	/* Split at the last '@'. */
	assert_true(split_address("a@b@c.d", local, sizeof local, domain,
				  sizeof domain));
	assert_string_equal(local, "a@b");
	assert_string_equal(domain, "c.d");

	assert_true(split_address("@example.com", local, sizeof local, domain,
				  sizeof domain));
	assert_string_equal(local, "");
	assert_string_equal(domain, "example.com");

	assert_false(split_address("no-at-sign", local, sizeof local, domain,
				   sizeof domain));
	assert_false(split_address("long@example.com", small, sizeof small,
				   domain, sizeof domain));
	assert_false(split_address("abc@example.com", local, sizeof local,
				   small, sizeof small));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_good),
		cmocka_unit_test(test_domain_bad),
		cmocka_unit_test(test_domain_reasons),
		cmocka_unit_test(test_localpart),
		cmocka_unit_test(test_mailbox_localpart),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_alias_source),
		cmocka_unit_test(test_split_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
