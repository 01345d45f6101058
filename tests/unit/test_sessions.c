/*
 * test_sessions.c - unit tests for src/lib/sessions.c: reading the
 * sessions of exactly one user out of "doveadm who -1" (Dovecot 2.3 and
 * 2.4 formats), never those of a user whose name merely matches it as a
 * mask, nor a process another user shares.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/types.h>

#include "lib/sessions.h"

/* Dovecot 2.3: username proto pid ip. */
static const char WHO_23[] =
	"username                                proto pid  ip        \n"
	"a*b@example.com                         imap  8903 198.18.4.1\n"
	"axb@example.com                         imap  8904 198.18.4.1\n"
	"a*b@example.com                         sieve 8905 198.18.4.1\n"
	"a*b@example.com                         pop3  8905 198.18.4.1\n";

/* Dovecot 2.4: username service pid ip dest_ip. */
static const char WHO_24[] =
	"username                         service     pid  ip         dest_ip\n"
	"a*b@example.com                  managesieve 8493 198.18.4.1        \n"
	"a*b@example.com                  imap        8491 198.18.4.1        \n"
	"other@example.com                imap        8491 198.18.4.1        \n"
	"a*b@example.com                  pop3        8495 198.18.4.1        \n";

static void test_exact_user_only(void **state)
{
	pid_t pids[8];

	(void)state;
	assert_int_equal(sessions_pids(WHO_23, "a*b@example.com", pids, 8), 2);
	assert_int_equal(pids[0], 8903);
	assert_int_equal(pids[1], 8905);
	assert_int_equal(sessions_pids(WHO_23, "axb@example.com", pids, 8), 1);
	assert_int_equal(pids[0], 8904);
	assert_int_equal(sessions_pids(WHO_23, "*@example.com", pids, 8), 0);
	assert_int_equal(sessions_pids(WHO_23, "a", pids, 8), 0);
}

static void test_shared_process_spared(void **state)
{
	pid_t pids[8];

	(void)state;
	/* 8491 also serves other@example.com: not signalled. */
	assert_int_equal(sessions_pids(WHO_24, "a*b@example.com", pids, 8), 2);
	assert_int_equal(pids[0], 8493);
	assert_int_equal(pids[1], 8495);
}

static void test_odd_input(void **state)
{
	pid_t pids[2];

	(void)state;
	assert_int_equal(sessions_pids("", "u@example.com", pids, 2), 0);
	/* The header line is never a session, whatever it says. */
	assert_int_equal(sessions_pids("u@example.com imap 500 ip\n",
				       "u@example.com", pids, 2), 0);
	assert_int_equal(sessions_pids("h\nu@example.com imap 1 ip\n"
				       "u@example.com imap x ip\n"
				       "u@example.com imap -5 ip\n"
				       "u@example.com imap 99999999999 ip\n"
				       "u@example.com imap\n"
				       "u@example.com\n",
				       "u@example.com", pids, 2), 0);
	/* At most max, each once. */
	assert_int_equal(sessions_pids("h\nu imap 10 ip\nu pop3 10 ip\n"
				       "u imap 11 ip\nu imap 12 ip\n", "u",
				       pids, 2), 2);
	assert_int_equal(pids[0], 10);
	assert_int_equal(pids[1], 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_user_only),
		cmocka_unit_test(test_shared_process_spared),
		cmocka_unit_test(test_odd_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
