/*
 * test_tlsprobe.c - unit tests for tlsprobe_reply() (src/lib/tlsprobe.c),
 * the reader of the SMTP, IMAP and POP3 replies before STARTTLS: whole
 * and partial replies, the STARTTLS keyword, and malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/tlsprobe.h"

static long reply(enum tlsprobe_proto p, const char *tag, const char *s,
		  bool *ok, bool *st)
{
	*st = false;
	return tlsprobe_reply(p, tag, s, strlen(s), ok, st);
}

static void test_smtp(void **state)
{
	const char *ehlo = "250-mail.example.com\r\n250-PIPELINING\r\n"
			   "250-STARTTLS\r\n250 8BITMIME\r\nextra";
	bool ok, st;

	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "220 mail ESMTP\r\n", &ok,
			       &st), 16);
	assert_true(ok);
	assert_false(st);
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, ehlo, &ok, &st),
			 (long)strlen(ehlo) - 5);
	assert_true(ok);
	assert_true(st);
	/* Every prefix of it is incomplete, not malformed. */
	for (size_t n = 0; n < strlen(ehlo) - 5; n++) {
		st = false;
		assert_int_equal(tlsprobe_reply(TLSPROBE_SMTP, NULL, ehlo, n,
						&ok, &st), 0);
	}
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "250-a\r\n250 STARTTLSX\r\n",
			       &ok, &st), 22);
	assert_false(st);
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "554 no\r\n", &ok, &st), 8);
	assert_false(ok);
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "220\n", &ok, &st), 4);
	assert_true(ok);
	/* Malformed: no code, codes that differ, a bad separator. */
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "hello\r\n", &ok, &st), -1);
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "250-a\r\n251 b\r\n", &ok,
			       &st), -1);
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "250xa\r\n", &ok, &st), -1);
	assert_int_equal(reply(TLSPROBE_SMTP, NULL, "25\r\n", &ok, &st), -1);
}

static void test_long_line(void **state)
{
	char big[1200];
	bool ok, st;

	memset(big, 'a', sizeof big);
	memcpy(big, "250-", 4);
	assert_int_equal(tlsprobe_reply(TLSPROBE_SMTP, NULL, big, sizeof big,
					&ok, &st), -1);
	big[sizeof big - 1] = '\n';
	assert_int_equal(tlsprobe_reply(TLSPROBE_SMTP, NULL, big, sizeof big,
					&ok, &st), -1);
}

static void test_imap(void **state)
{
	bool ok, st;
	const char *greet = "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n";

	assert_int_equal(reply(TLSPROBE_IMAP, NULL, greet, &ok, &st),
			 (long)strlen(greet));
	assert_true(ok);
	assert_int_equal(reply(TLSPROBE_IMAP, NULL, "* BYE go away\r\n", &ok,
			       &st), 15);
	assert_false(ok);
	assert_int_equal(reply(TLSPROBE_IMAP, "a1", "* OK x\r\na1 OK Begin TLS\r\n",
			       &ok, &st), 25);
	assert_true(ok);
	assert_int_equal(reply(TLSPROBE_IMAP, "a1", "a1 NO\r\n", &ok, &st), 7);
	assert_false(ok);
	assert_int_equal(reply(TLSPROBE_IMAP, "a1", "* OK x\r\n", &ok, &st), 0);
	assert_int_equal(reply(TLSPROBE_IMAP, "a1", "a2 OK\r\n", &ok, &st), -1);
	assert_int_equal(reply(TLSPROBE_IMAP, NULL, "OK\r\n", &ok, &st), -1);
}

static void test_pop3(void **state)
{
	bool ok, st;

	assert_int_equal(reply(TLSPROBE_POP3, NULL, "+OK Dovecot ready.\r\n",
			       &ok, &st), 20);
	assert_true(ok);
	assert_int_equal(reply(TLSPROBE_POP3, NULL, "-ERR no\r\n", &ok, &st), 9);
	assert_false(ok);
	assert_int_equal(reply(TLSPROBE_POP3, NULL, "+OK", &ok, &st), 0);
	assert_int_equal(reply(TLSPROBE_POP3, NULL, "+OKAY\r\n", &ok, &st), -1);
	assert_int_equal(reply(TLSPROBE_TLS, NULL, "+OK\r\n", &ok, &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_imap),
		cmocka_unit_test(test_pop3),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
