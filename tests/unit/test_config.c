/*
 * test_config.c - unit tests for src/lib/config.c: defaults, parsing,
 * the errors an administrator's typo must produce (with line numbers),
 * config_format() -> config_parse() round trips, and config_load().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/str.h"

#define MB (1024ULL * 1024)
#define GB (1024ULL * MB)

static void test_defaults(void **state)
{
	struct vm_config cfg;

	(void)state;
	memset(&cfg, 'x', sizeof cfg);
	config_defaults(&cfg);
	assert_string_equal(cfg.hostname, "");
	assert_string_equal(cfg.domain, "");
	assert_string_equal(cfg.admin, "");
	assert_int_equal(cfg.message_size_limit, 50 * MB);
	assert_int_equal(cfg.default_quota, 2 * GB);
	assert_string_equal(cfg.tls_cert, "/etc/vmail/tls/cert.pem");
	assert_string_equal(cfg.tls_key, "/etc/vmail/tls/key.pem");
	assert_string_equal(cfg.database, VMAIL_DB_PATH);
	assert_string_equal(cfg.mail_root, "/var/vmail");
	assert_int_equal(cfg.spam_reject, 1500);
	assert_int_equal(cfg.spam_add_header, 600);
	assert_int_equal(cfg.spam_greylist, 400);
	assert_true(cfg.greylisting);
	assert_int_equal(cfg.greylist_delay, 300);
	assert_int_equal(cfg.spam_engine, VM_SPAM_RSPAMD);
}

static void expect_parse(const char *text, struct vm_config *cfg)
{
	char err[256] = "";

	if (!config_parse(text, cfg, err, sizeof err))
		fail_msg("parse failed: %s\n--- text:\n%s", err, text);
}

static void expect_error(const char *text, const char *want)
{
	struct vm_config cfg;
	char err[256] = "";

	if (config_parse(text, &cfg, err, sizeof err))
		fail_msg("accepted:\n%s", text);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_parse_full(void **state)
{
	struct vm_config cfg;

	(void)state;
	expect_parse("; comment\n"
		     "# another comment\n"
		     "[server]\n"
		     "hostname = Mail.Example.COM   ; inline comment\n"
		     "domain=example.com\n"
		     "admin = Boss@Example.com\n"
		     "\n"
		     "[limits]\n"
		     "message_size_limit = 25M\n"
		     "default_quota = unlimited\n"
		     "[tls]\n"
		     "cert = /etc/ssl/mail/fullchain.pem\n"
		     "key = /etc/ssl/mail/privkey.pem\n"
		     "[paths]\n"
		     "database = /srv/vmail/vmail.db\n"
		     "mail = /srv/mail\n", &cfg);
	assert_string_equal(cfg.hostname, "mail.example.com");
	assert_string_equal(cfg.domain, "example.com");
	assert_string_equal(cfg.admin, "boss@example.com");
	assert_int_equal(cfg.message_size_limit, 25 * MB);
	assert_int_equal(cfg.default_quota, 0);
	assert_string_equal(cfg.tls_cert, "/etc/ssl/mail/fullchain.pem");
	assert_string_equal(cfg.tls_key, "/etc/ssl/mail/privkey.pem");
	assert_string_equal(cfg.database, "/srv/vmail/vmail.db");
	assert_string_equal(cfg.mail_root, "/srv/mail");
}

static void test_parse_partial_keeps_defaults(void **state)
{
	struct vm_config cfg;

	(void)state;
	expect_parse("[server]\nhostname = mx.example.org\n", &cfg);
	assert_string_equal(cfg.hostname, "mx.example.org");
	assert_string_equal(cfg.domain, "");
	assert_int_equal(cfg.message_size_limit, 50 * MB);
	assert_int_equal(cfg.default_quota, 2 * GB);
	assert_string_equal(cfg.database, VMAIL_DB_PATH);

	expect_parse("", &cfg);
	assert_string_equal(cfg.hostname, "");
	expect_parse("[limits]\n", &cfg);
	expect_parse("\xef\xbb\xbf[server]\r\ndomain = example.net\r\n", &cfg);
	assert_string_equal(cfg.domain, "example.net");
	/* Empty host/admin values mean "not set yet". */
	expect_parse("[server]\nhostname =\nadmin =\n", &cfg);
	assert_string_equal(cfg.hostname, "");
	assert_string_equal(cfg.admin, "");
}

static void test_unknown_keys_and_sections(void **state)
{
	(void)state;
	expect_error("[server]\nhostname = mail.example.com\nhostnme = x\n",
		     "line 3: unknown key 'hostnme' in [server]");
	expect_error("\n\n[srever]\nhostname = mail.example.com\n",
		     "line 4: unknown section [srever]");
	expect_error("hostname = mail.example.com\n",
		     "line 1: 'hostname' is outside a section");
	expect_error("[limits]\ndomain = example.com\n",
		     "line 2: 'domain' belongs in [server], not in [limits]");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_error("[limits]\nmessage_size_limit = 12GIGA\n",
		     "line 2: message_size_limit: unknown unit");
	expect_error("[limits]\n\ndefault_quota = -5M\n",
		     "line 3: default_quota: ");
	expect_error("[limits]\ndefault_quota =\n", "line 2: default_quota: ");
	expect_error("[limits]\ndefault_quota = 5.5G\n", "decimals");
	expect_error("[server]\nhostname = localhost\n",
		     "line 2: hostname: ");
	expect_error("[server]\ndomain = exa mple.com\n", "line 2: domain: ");
	expect_error("[server]\ndomain = example.com'; --\n", "line 2: domain");
	expect_error("[server]\nadmin = admin\n", "line 2: admin: ");
	expect_error("[server]\nadmin = a b@example.com\n", "line 2: admin: ");
	expect_error("[paths]\ndatabase = vmail.db\n",
		     "line 2: database: not an absolute path");
	expect_error("[paths]\nmail = /var/v mail\n", "line 2: mail: ");
	expect_error("[tls]\ncert =\n", "line 2: cert: ");
	expect_error("[paths]\nmail=/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "\n", "line 2: mail: value longer than 160");
}

static void test_syntax_errors(void **state)
{
	char line[400];

	(void)state;
	expect_error("[server]\nhostname\n", "line 2: syntax error");
	expect_error("[server\nhostname = a.b\n", "line 1: syntax error");
	expect_error("[server]\nhostname = a.example\nhostname = b.example\n",
		     "line 3: 'hostname' is set twice (first on line 2");
	/* An indented line continues the value above (inih multi-line). */
	expect_error("[server]\nhostname = a.example\n  more\n",
		     "line 3: 'hostname' is set twice");
	/* The first error wins, whichever kind it is. */
	expect_error("[server]\nbogus line\nnokey = 1\n", "line 2: syntax");
	expect_error("[server]\nnokey = 1\nbogus line\n", "line 2: unknown key");
	/* Over-long lines are refused, not split. */
	snprintf(line, sizeof line, "[paths]\n\nmail = /%0300d\n", 0);
	expect_error(line, "line 3: line longer than");
}

static void test_format_round_trip(void **state)
{
	struct vm_config a, b;
	char *text, *again;

	(void)state;
	config_defaults(&a);
	vm_strlcpy(a.hostname, "mail.example.com", sizeof a.hostname);
	vm_strlcpy(a.domain, "example.com", sizeof a.domain);
	vm_strlcpy(a.admin, "admin@example.com", sizeof a.admin);
	a.message_size_limit = 1536ULL * 1024;  /* 1536K, not a round M */
	a.default_quota = 12345;                /* no unit at all */
	vm_strlcpy(a.mail_root, "/srv/mail", sizeof a.mail_root);

	text = config_format(&a);
	assert_non_null(text);
	/* Readable: commented, with the values where an admin looks. */
	assert_non_null(strstr(text, "[server]\n"));
	assert_non_null(strstr(text, "\nhostname = mail.example.com\n"));
	assert_non_null(strstr(text, "\nmessage_size_limit = 1536K\n"));
	assert_non_null(strstr(text, "\ndefault_quota = 12345\n"));
	assert_non_null(strstr(text, "\n# "));
	assert_non_null(strstr(text, "[tls]\n"));
	assert_non_null(strstr(text, "[paths]\n"));

	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	/* Formatting is stable, so setup rewrites nothing on a re-run. */
	again = config_format(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);

	/* Defaults (empty host names) round-trip as well. */
	config_defaults(&a);
	text = config_format(&a);
	assert_non_null(strstr(text, "\nmessage_size_limit = 50M\n"));
	assert_non_null(strstr(text, "\ndefault_quota = 2G\n"));
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	free(text);

	a.message_size_limit = 0;
	a.default_quota = 3ULL << 40;
	text = config_format(&a);
	assert_non_null(strstr(text, "\nmessage_size_limit = 0\n"));
	assert_non_null(strstr(text, "\ndefault_quota = 3T\n"));
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	free(text);

	/* A value the file could not hold is refused, not written. */
	memset(a.mail_root, 'm', VM_CONF_VALUE_MAX + 1);
	a.mail_root[0] = '/';
	a.mail_root[VM_CONF_VALUE_MAX + 1] = '\0';
	assert_null(config_format(&a));
	a.mail_root[VM_CONF_VALUE_MAX] = '\0';
	text = config_format(&a);
	assert_non_null(text);
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	free(text);
}

/* [spam]: scores with up to two decimals, rising thresholds, yes/no. */
static void test_spam_settings(void **state)
{
	struct vm_config a;

	(void)state;
	expect_parse("[spam]\nreject = 20\nadd_header = 7.5\n"
		     "greylist = 3.25\ngreylisting = no\n", &a);
	assert_int_equal(a.spam_reject, 2000);
	assert_int_equal(a.spam_add_header, 750);
	assert_int_equal(a.spam_greylist, 325);
	assert_false(a.greylisting);
	expect_parse("[spam]\ngreylisting = yes\n", &a);
	assert_true(a.greylisting);

	expect_error("[spam]\nreject = -1\n", "line 2: reject: not a score");
	expect_error("[spam]\nreject = 1e3\n", "not a score");
	expect_error("[spam]\nreject = 6.125\n", "not a score");
	expect_error("[spam]\nreject = 6.\n", "not a score");
	expect_error("[spam]\nreject = .5\n", "not a score");
	expect_error("[spam]\nreject = 0\n", "greater than 0");
	expect_error("[spam]\nreject = 1000.01\n", "at most 1000");
	expect_error("[spam]\nreject = 99999999999\n", "at most 1000");
	expect_error("[spam]\ngreylisting = true\n", "must be yes or no");
	expect_error("[spam]\ngreylisting = Yes\n", "must be yes or no");
	expect_error("[spam]\nreject = 15\nspam = 3\n",
		     "line 3: unknown key 'spam' in [spam]");
	/* The order: a clash with a default is reported too. */
	expect_error("[spam]\nadd_header = 20\n",
		     "line 2: [spam] scores must rise: greylist (4) < "
		     "add_header (20) < reject (15)");
	expect_error("[spam]\ngreylist = 6\nreject = 30\n",
		     "line 3: [spam] scores must rise");
	expect_error("[spam]\ngreylist = 10\nadd_header = 10\n"
		     "reject = 20\n", "must rise");
}

static void test_spam_round_trip(void **state)
{
	struct vm_config a, b;
	char buf[16], *text, *again;

	(void)state;
	config_format_score(1500, buf, sizeof buf);
	assert_string_equal(buf, "15");
	config_format_score(650, buf, sizeof buf);
	assert_string_equal(buf, "6.5");
	config_format_score(625, buf, sizeof buf);
	assert_string_equal(buf, "6.25");
	config_format_score(1, buf, sizeof buf);
	assert_string_equal(buf, "0.01");

	config_defaults(&a);
	text = config_format(&a);
	assert_non_null(strstr(text, "\n[spam]\n"));
	assert_non_null(strstr(text, "\nreject = 15\n"));
	assert_non_null(strstr(text, "\nadd_header = 6\n"));
	assert_non_null(strstr(text, "\ngreylist = 4\n"));
	assert_non_null(strstr(text, "\ngreylisting = yes\n"));
	free(text);

	a.spam_reject = 2005;
	a.spam_add_header = 750;
	a.spam_greylist = 1;
	a.greylisting = false;
	text = config_format(&a);
	assert_non_null(strstr(text, "\nreject = 20.05\n"));
	assert_non_null(strstr(text, "\ngreylisting = no\n"));
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	again = config_format(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);
}

/* [spam] greylist_delay: a number with s, m or h, 1s to 12h; written
 * back in its largest exact unit. */
static void test_greylist_delay(void **state)
{
	struct vm_config a, b;
	char *text;

	(void)state;
	expect_parse("[spam]\ngreylist_delay = 30s\n", &a);
	assert_int_equal(a.greylist_delay, 30);
	expect_parse("[spam]\ngreylist_delay = 5m\n", &a);
	assert_int_equal(a.greylist_delay, 300);
	expect_parse("[spam]\ngreylist_delay = 2h\n", &a);
	assert_int_equal(a.greylist_delay, 7200);
	expect_parse("[spam]\ngreylist_delay = 12h\n", &a);
	assert_int_equal(a.greylist_delay, 43200);
	expect_parse("[spam]\ngreylist_delay = 43200s\n", &a);
	assert_int_equal(a.greylist_delay, 43200);
	expect_parse("[spam]\ngreylist_delay = 1s\n", &a);
	assert_int_equal(a.greylist_delay, 1);

	expect_error("[spam]\ngreylist_delay = 300\n",
		     "line 2: greylist_delay: not a duration");
	expect_error("[spam]\ngreylist_delay = 5min\n", "not a duration");
	expect_error("[spam]\ngreylist_delay = 5M\n", "not a duration");
	expect_error("[spam]\ngreylist_delay = 5 m\n", "not a duration");
	expect_error("[spam]\ngreylist_delay = -5m\n", "not a duration");
	expect_error("[spam]\ngreylist_delay = 1.5m\n", "not a duration");
	expect_error("[spam]\ngreylist_delay = m\n", "not a duration");
	expect_error("[spam]\ngreylist_delay = 0s\n", "at least 1s");
	expect_error("[spam]\ngreylist_delay = 13h\n", "at most 12h");
	expect_error("[spam]\ngreylist_delay = 43201s\n", "at most 12h");
	expect_error("[spam]\ngreylist_delay = 99999999999999h\n",
		     "at most 12h");

	config_defaults(&a);
	text = config_format(&a);
	assert_non_null(strstr(text, "\ngreylist_delay = 5m\n"));
	free(text);
	for (uint32_t n = 1; n <= 43200; n += 59) {
		a.greylist_delay = n;
		text = config_format(&a);
		expect_parse(text, &b);
		assert_int_equal(b.greylist_delay, n);
		free(text);
	}
	a.greylist_delay = 3600;
	text = config_format(&a);
	assert_non_null(strstr(text, "\ngreylist_delay = 1h\n"));
	free(text);
	a.greylist_delay = 90;
	text = config_format(&a);
	assert_non_null(strstr(text, "\ngreylist_delay = 90s\n"));
	free(text);
}

/* [limits] messages_per_hour, recipients_per_hour: counts, 0 = none. */
static void test_send_limits(void **state)
{
	struct vm_config a, b;
	char *text, *again;

	(void)state;
	config_defaults(&a);
	assert_int_equal(a.messages_per_hour, 200);
	assert_int_equal(a.recipients_per_hour, 1000);
	expect_parse("[limits]\nmessages_per_hour = 50\n", &a);
	assert_int_equal(a.messages_per_hour, 50);
	assert_int_equal(a.recipients_per_hour, 1000);
	expect_parse("[limits]\nrecipients_per_hour = 0\n"
		     "messages_per_hour = 1000000\n", &a);
	assert_int_equal(a.messages_per_hour, VM_SEND_LIMIT_MAX);
	assert_int_equal(a.recipients_per_hour, 0);
	expect_error("[limits]\nmessages_per_hour = 1000001\n",
		     "line 2: messages_per_hour: at most 1000000");
	expect_error("[limits]\nmessages_per_hour = 99999999999999999999\n",
		     "at most 1000000");
	expect_error("[limits]\nrecipients_per_hour = -1\n",
		     "line 2: recipients_per_hour: not a whole number");
	expect_error("[limits]\nrecipients_per_hour = 10/h\n",
		     "not a whole number");
	expect_error("[limits]\nrecipients_per_hour = 1.5\n",
		     "not a whole number");
	expect_error("[limits]\nmessages_per_hour =\n", "not a whole number");
	expect_error("[limits]\nmessages_per_hour = unlimited\n",
		     "not a whole number");
	expect_error("[limits]\nmessages_per_hour = 5\nmessages_per_hour = 6\n",
		     "line 3: 'messages_per_hour' is set twice");

	/* The same parser serves "vmailctl user limit". */
	{
		uint32_t n = 7;
		char why[128];

		assert_true(config_parse_count("0", &n, why, sizeof why));
		assert_int_equal(n, 0);
		assert_true(config_parse_count("42", &n, why, sizeof why));
		assert_int_equal(n, 42);
		assert_false(config_parse_count("", &n, why, sizeof why));
		assert_false(config_parse_count(" 5", &n, why, sizeof why));
		assert_false(config_parse_count("5 ", &n, why, sizeof why));
		assert_false(config_parse_count("+5", &n, why, sizeof why));
		assert_false(config_parse_count("1000001", &n, why, sizeof why));
		assert_int_equal(n, 42);
	}

	config_defaults(&a);
	text = config_format(&a);
	assert_non_null(strstr(text, "\nmessages_per_hour = 200\n"));
	assert_non_null(strstr(text, "\nrecipients_per_hour = 1000\n"));
	free(text);
	a.messages_per_hour = 0;
	a.recipients_per_hour = 7;
	text = config_format(&a);
	assert_non_null(strstr(text, "\nmessages_per_hour = 0\n"));
	assert_non_null(strstr(text, "\nrecipients_per_hour = 7\n"));
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	again = config_format(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);
}

/* [antivirus]: on by default, yes/no, round-trips. */
static void test_antivirus(void **state)
{
	struct vm_config a, b;
	char *text, *again;

	(void)state;
	config_defaults(&a);
	assert_true(a.antivirus);
	expect_parse("[antivirus]\nenabled = no\n", &a);
	assert_false(a.antivirus);
	expect_parse("[antivirus]\nenabled = yes\n", &a);
	assert_true(a.antivirus);
	expect_error("[antivirus]\nenabled = off\n", "must be yes or no");
	expect_error("[antivirus]\nclamd = yes\n",
		     "line 2: unknown key 'clamd' in [antivirus]");

	config_defaults(&a);
	text = config_format(&a);
	assert_non_null(strstr(text, "\n[antivirus]\n"));
	assert_non_null(strstr(text, "\nenabled = yes\n"));
	free(text);
	a.antivirus = false;
	text = config_format(&a);
	assert_non_null(strstr(text, "\nenabled = no\n"));
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	again = config_format(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);
}

/* The settings of the web front, DNS and deliverability (issue 8):
 * defaults, each kind's checks and messages, and a round trip. */
static void test_dns_and_tls_settings(void **state)
{
	struct vm_config a, b;
	char *text, *again;

	(void)state;
	config_defaults(&a);
	assert_string_equal(a.role, "primary");
	assert_false(a.acme);
	assert_string_equal(a.acme_directory,
			    "https://acme-v02.api.letsencrypt.org/directory");
	assert_string_equal(a.dmarc_policy, "quarantine");
	assert_string_equal(a.blocklists, "zen.spamhaus.org");
	assert_string_equal(a.mta_sts_mode, "testing");
	assert_int_equal(a.mta_sts_max_age, 7 * 86400);
	assert_int_equal(a.dkim_rotate, 0);

	expect_parse("[server]\nrole = backup-mx\nprimary = MX1.Example.com\n"
		     "backup_mx = mx2.example.com mx3.example.net\n"
		     "ipv4 = 198.51.100.7\nipv6 = 2001:DB8::7\n"
		     "[tls]\nacme = yes\nacme_email = ops@example.com\n"
		     "acme_directory = https://ca.test:14000/dir\n"
		     "[dns]\ndmarc_policy = reject\nblocklists =\n"
		     "[mta_sts]\nmode = enforce\nmax_age = 6 months\n"
		     "[dkim]\nrotate = 1y\n", &a);
	assert_string_equal(a.role, "backup-mx");
	assert_string_equal(a.primary, "mx1.example.com");
	assert_string_equal(a.backup_mx, "mx2.example.com mx3.example.net");
	assert_string_equal(a.ipv4, "198.51.100.7");
	assert_string_equal(a.ipv6, "2001:db8::7");
	assert_true(a.acme);
	assert_string_equal(a.acme_directory, "https://ca.test:14000/dir");
	assert_string_equal(a.dmarc_policy, "reject");
	assert_string_equal(a.blocklists, "");
	assert_string_equal(a.mta_sts_mode, "enforce");
	assert_int_equal(a.mta_sts_max_age, 180 * 86400);
	assert_int_equal(a.dkim_rotate, 365 * 86400);
	expect_parse("[mta_sts]\nmax_age = 2 weeks\n[dkim]\nrotate = 90d\n", &a);
	assert_int_equal(a.mta_sts_max_age, 14 * 86400);
	assert_int_equal(a.dkim_rotate, 90 * 86400);

	expect_error("[server]\nrole = secondary\n",
		     "role: must be one of: primary backup-mx");
	expect_error("[server]\nbackup_mx = mx2.example.com  mx3.example.com\n",
		     "backup_mx: not a list of host names");
	expect_error("[server]\nbackup_mx = mx2.example.com \"x\"\n",
		     "backup_mx: \"x\"");
	expect_error("[server]\nipv4 = 198.51.100.300\n", "not an IPv4 address");
	expect_error("[server]\nipv4 = 2001:db8::1\n", "not an IPv4 address");
	expect_error("[server]\nipv6 = 2001:0db8::1\n", "not an IPv6 address");
	expect_error("[tls]\nacme_directory = http://ca.test/dir\n",
		     "not an https:// URL");
	expect_error("[tls]\nacme_directory = https://ca.test/\"x\n",
		     "not an https:// URL");
	expect_error("[dns]\ndmarc_policy = strict\n",
		     "must be one of: none quarantine reject");
	expect_error("[mta_sts]\nmode = on\n", "must be one of: testing");
	expect_error("[mta_sts]\nmax_age = 7\n", "not a period");
	expect_error("[mta_sts]\nmax_age = no\n", "not a period");
	expect_error("[mta_sts]\nmax_age = 0d\n", "at least 1 day");
	expect_error("[mta_sts]\nmax_age = 3y\n", "at most 730 days");
	expect_error("[dkim]\nrotate = 6 mon\n", "not a period");
	expect_parse("[dkim]\nrotate = no\n", &a);
	assert_int_equal(a.dkim_rotate, 0);

	/* round trip of non-default values */
	config_defaults(&a);
	vm_strlcpy(a.role, "backup-mx", sizeof a.role);
	vm_strlcpy(a.primary, "mx1.example.com", sizeof a.primary);
	vm_strlcpy(a.mta_sts_mode, "enforce", sizeof a.mta_sts_mode);
	a.mta_sts_max_age = 10 * 86400;
	a.dkim_rotate = 180 * 86400;
	text = config_format(&a);
	assert_non_null(strstr(text, "\nmax_age = 10d\n"));
	assert_non_null(strstr(text, "\nrotate = 6 months\n"));
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	again = config_format(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);
}

/* [spam] engine: rspamd by default, rspamd or spamassassin exactly,
 * round-trips; the name helpers agree with the parser. */
static void test_spam_engine(void **state)
{
	struct vm_config a, b;
	enum vm_spam_engine e = VM_SPAM_RSPAMD;
	char *text, *again;

	(void)state;
	expect_parse("[spam]\nreject = 20\n", &a);
	assert_int_equal(a.spam_engine, VM_SPAM_RSPAMD);
	expect_parse("[spam]\nengine = spamassassin\n", &a);
	assert_int_equal(a.spam_engine, VM_SPAM_SPAMASSASSIN);
	expect_parse("[spam]\nengine = rspamd\n", &a);
	assert_int_equal(a.spam_engine, VM_SPAM_RSPAMD);
	expect_error("[spam]\nengine = SpamAssassin\n",
		     "line 2: engine: must be rspamd or spamassassin");
	expect_error("[spam]\nengine = spamd\n", "must be rspamd or spamassassin");
	expect_error("[spam]\nengine =\n", "must be rspamd or spamassassin");
	expect_error("[spam]\nengine = rspamd\nengine = spamassassin\n",
		     "line 3: 'engine' is set twice");
	expect_error("[antivirus]\nengine = rspamd\n",
		     "line 2: 'engine' belongs in [spam], not in [antivirus]");

	assert_true(config_parse_spam_engine("spamassassin", &e));
	assert_int_equal(e, VM_SPAM_SPAMASSASSIN);
	assert_true(config_parse_spam_engine("rspamd", &e));
	assert_int_equal(e, VM_SPAM_RSPAMD);
	assert_false(config_parse_spam_engine("rspamd ", &e));
	assert_false(config_parse_spam_engine("", &e));
	assert_int_equal(e, VM_SPAM_RSPAMD);
	assert_string_equal(config_spam_engine_name(VM_SPAM_RSPAMD), "rspamd");
	assert_string_equal(config_spam_engine_name(VM_SPAM_SPAMASSASSIN),
			    "spamassassin");

	config_defaults(&a);
	text = config_format(&a);
	assert_non_null(strstr(text, "\n[spam]\n"));
	assert_non_null(strstr(text, "\nengine = rspamd\n"));
	free(text);
	a.spam_engine = VM_SPAM_SPAMASSASSIN;
	text = config_format(&a);
	assert_non_null(strstr(text, "\nengine = spamassassin\n"));
	expect_parse(text, &b);
	assert_memory_equal(&a, &b, sizeof a);
	again = config_format(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);
}

static void test_load(void **state)
{
	char dir[] = "/tmp/vmail-test-config.XXXXXX", path[256];
	const char *const rm[] = { "rm", "-rf", dir, NULL };
	const char *good = "[server]\nhostname = mail.example.com\n";
	const char *bad = "[server]\nhostname = mail.example.com\nfoo = 1\n";
	struct vm_config cfg;
	bool found = true;
	int saved, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/vmail.conf", dir);
	assert_true(config_load(path, &cfg, &found));
	assert_false(found);
	assert_int_equal(cfg.default_quota, 2 * GB);

	assert_int_equal(vm_write_file_if_changed(path, good, strlen(good),
		0644, (uid_t)-1, (gid_t)-1), 1);
	assert_true(config_load(path, &cfg, &found));
	assert_true(found);
	assert_string_equal(cfg.hostname, "mail.example.com");

	/* Errors are printed as "path:line: reason". */
	assert_int_equal(vm_write_file_if_changed(path, bad, strlen(bad),
		0644, (uid_t)-1, (gid_t)-1), 1);
	snprintf(path, sizeof path, "%s/stderr", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved = dup(STDERR_FILENO);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	snprintf(path, sizeof path, "%s/vmail.conf", dir);
	assert_false(config_load(path, &cfg, &found));
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	{
		char want[300], errpath[256];
		char *text;

		snprintf(errpath, sizeof errpath, "%s/stderr", dir);
		text = vm_read_file(errpath, NULL);
		assert_non_null(text);
		snprintf(want, sizeof want, "%s:3: unknown key 'foo'", path);
		if (!strstr(text, want))
			fail_msg("stderr '%s' lacks '%s'", text, want);
		free(text);
	}
	assert_int_equal(vm_run_quiet(rm), 0);
}

static void test_paths_from_environment(void **state)
{
	(void)state;
	unsetenv("VMAIL_CONF");
	assert_string_equal(config_path(), VMAIL_CONF_PATH);
	setenv("VMAIL_CONF", "/tmp/x.conf", 1);
	assert_string_equal(config_path(), "/tmp/x.conf");
	unsetenv("VMAIL_CONF");

	setenv("VMAIL_TEMPLATES", "/tmp/templates", 1);
	assert_string_equal(config_templates_dir(), "/tmp/templates");
	unsetenv("VMAIL_TEMPLATES");
	assert_non_null(strstr(config_templates_dir(), "/templates"));
	assert_true(config_templates_dir()[0] == '/');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_partial_keeps_defaults),
		cmocka_unit_test(test_unknown_keys_and_sections),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_spam_settings),
		cmocka_unit_test(test_spam_round_trip),
		cmocka_unit_test(test_send_limits),
		cmocka_unit_test(test_greylist_delay),
		cmocka_unit_test(test_antivirus),
		cmocka_unit_test(test_spam_engine),
		cmocka_unit_test(test_dns_and_tls_settings),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_paths_from_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
