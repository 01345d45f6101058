/*
 * test_setup_postfix.c - unit tests for what setup learns from the
 * installed daemons' own tools: the Postfix features of
 * src/setup/setup_postfix.c (which smtpd_forbid_bare_newline value this
 * release takes, from "postconf -d" output), and which words of
 * "rspamadm configtest" are not about the configuration
 * (setup_rspamd_drop_noise in src/setup/setup_check.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "setup/setup.h"

static bool parse(const char *out, struct postfix_features *f, char *why,
		  size_t whylen)
{
	memset(f, 0, sizeof *f);
	return postfix_features_parse(out, f, why, whylen);
}

static void assert_value(const char *out, const char *want)
{
	struct postfix_features f;
	char why[256] = "";

	assert_true(parse(out, &f, why, sizeof why));
	assert_string_equal(f.bare_newline, want);
}

static void test_releases(void **state)
{
	(void)state;
	/* bookworm, trixie */
	assert_value("mail_version = 3.7.11\n"
		     "smtpd_forbid_bare_newline = no\n", "normalize");
	assert_value("mail_version = 3.10.13\n"
		     "smtpd_forbid_bare_newline = normalize\n", "normalize");
	/* the first fixes knew only yes/no */
	assert_value("smtpd_forbid_bare_newline = no\n"
		     "mail_version = 3.7.10\n", "yes");
	assert_value("mail_version = 3.8.5\n"
		     "smtpd_forbid_bare_newline = no\n", "yes");
	assert_value("mail_version = 3.8.6\n"
		     "smtpd_forbid_bare_newline = no\n", "normalize");
	/* a distribution's backport into an older version */
	assert_value("mail_version = 3.6.4\n"
		     "smtpd_forbid_bare_newline = no\n", "yes");
	assert_value("mail_version = 3.9\n"
		     "smtpd_forbid_bare_newline = normalize\n", "normalize");
	assert_value("mail_version = 4.0.1\n"
		     "smtpd_forbid_bare_newline = normalize\n", "normalize");
}

static void test_pipelining_and_refusals(void **state)
{
	struct postfix_features f;
	char why[256] = "";

	(void)state;
	assert_true(parse("mail_version = 3.7.11\n"
			  "smtpd_forbid_bare_newline = no\n"
			  "smtpd_forbid_unauth_pipelining = no\n", &f, why,
			  sizeof why));
	assert_true(f.unauth_pipelining);
	assert_true(parse("mail_version = 3.7.11\n"
			  "smtpd_forbid_bare_newline = no\n", &f, why,
			  sizeof why));
	assert_false(f.unauth_pipelining);

	assert_false(parse("mail_version = 3.6.4\n", &f, why, sizeof why));
	assert_non_null(strstr(why, "CVE-2023-51764"));
	assert_false(parse("smtpd_forbid_bare_newline = no\n", &f, why,
			   sizeof why));
	assert_false(parse("mail_version = x\n"
			   "smtpd_forbid_bare_newline = no\n", &f, why,
			   sizeof why));
	/* a name that only starts like the one asked for */
	assert_false(parse("mail_version = 3.7.11\n"
			   "smtpd_forbid_bare_newline_exclusions = x\n", &f,
			   why, sizeof why));
}

static void test_configtest_noise(void **state)
{
	char text[] =
		"address resolution for fuzzy1.rspamd.com failed: Name or "
		"service not known\n"
		"address resolution for fuzzy2.rspamd.com failed: Name or "
		"service not known\n"
		"cannot read servers definition\n"
		"both auth_only (true) and sign_authenticated (true) for "
		"dkim_signing are specified, prefer auth_only\n"
		"cannot read servers definition\n";
	char quiet[] = "address resolution for x failed: y\n"
		       "cannot read servers definition\n";

	(void)state;
	setup_rspamd_drop_noise(text);
	/* the warning stays, and so does a servers complaint of its own */
	assert_string_equal(text,
		"both auth_only (true) and sign_authenticated (true) for "
		"dkim_signing are specified, prefer auth_only\n"
		"cannot read servers definition\n");
	setup_rspamd_drop_noise(quiet);
	assert_string_equal(quiet, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_releases),
		cmocka_unit_test(test_pipelining_and_refusals),
		cmocka_unit_test(test_configtest_noise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
