/*
 * test_config_edit.c - unit tests for src/lib/config_edit.c: an existing
 * vmail.conf keeps every byte but the values that change; missing keys
 * and sections are added where they belong; what cannot be edited
 * safely is refused with a reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/config_edit.h"
#include "lib/str.h"

/* An administrator's file: comments of their own, sections and keys in
 * another order than setup writes them, inline comments, a size written
 * in another unit, blank lines, a key with an empty value. */
static const char ADMIN_FILE[] =
	"# My mail server.  Do not touch without asking Kim.\n"
	"\n"
	"[spam]\n"
	"greylisting = yes   ; Kim wants it\n"
	"engine = rspamd\n"
	"\n"
	"[server]\n"
	"  domain = example.com\n"
	"hostname = Mail.Example.com    ; the A record is at Hetzner\n"
	"admin =\n"
	"role = primary\n"
	"primary =\n"
	"backup_mx =\n"
	"ipv4 =\n"
	"ipv6 =\n"
	"\n"
	"[limits]\n"
	"message_size_limit = 51200K\n"
	"default_quota = 2G\n"
	"messages_per_hour = 200\n"
	"recipients_per_hour = 1000\n"
	"\n"
	"[tls]\n"
	"cert = /etc/vmail/tls/cert.pem\n"
	"key = /etc/vmail/tls/key.pem\n"
	"acme = no\n"
	"acme_email =\n"
	"acme_directory = https://acme-v02.api.letsencrypt.org/directory\n"
	"\n"
	"[paths]\n"
	"database = /var/lib/vmail/vmail.db\n"
	"mail = /var/vmail\n"
	"\n"
	"[spam]\n"
	"reject = 15\n"
	"add_header = 6\n"
	"greylist = 4\n"
	"greylist_delay = 5m\n"
	"\n"
	"[antivirus]\n"
	"enabled = yes\n"
	"\n"
	"[dns]\n"
	"dmarc_policy = quarantine\n"
	"dmarc_rua =\n"
	"tlsrpt_rua =\n"
	"blocklists = zen.spamhaus.org\n"
	"\n"
	"[mta_sts]\n"
	"mode = testing\n"
	"max_age = 1w\n"
	"\n"
	"[dkim]\n"
	"rotate = no\n"
	"\n"
	"[caa]\n"
	"issuer =\n"
	"# the end\n";

static void parse(const char *text, struct vm_config *cfg)
{
	char err[256] = "";

	if (!config_parse(text, cfg, err, sizeof err))
		fail_msg("parse failed: %s\n--- text:\n%s", err, text);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static char *edit(const char *text, const struct vm_config *cfg)
{
	char why[512] = "";
	char *out = config_edit(text, cfg, why, sizeof why);

	if (!out)
		fail_msg("config_edit failed: %s\n--- text:\n%s", why, text);
	return out;
}

/* text with the first occurrence of from replaced by to. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	return out;
}

static void test_same_settings_change_nothing(void **state)
{
	struct vm_config cfg;
	char *out;

	(void)state;
	parse(ADMIN_FILE, &cfg);
	out = edit(ADMIN_FILE, &cfg);
	assert_string_equal(out, ADMIN_FILE);
	free(out);
}

static void test_only_the_changed_value(void **state)
{
	struct vm_config cfg;
	char *out, *want, *want2;

	(void)state;
	parse(ADMIN_FILE, &cfg);
	vm_strlcpy(cfg.hostname, "mx.example.org", sizeof cfg.hostname);
	cfg.greylisting = false;
	out = edit(ADMIN_FILE, &cfg);
	want = replaced(ADMIN_FILE, "hostname = Mail.Example.com    ;",
			"hostname = mx.example.org    ;");
	want2 = replaced(want, "greylisting = yes   ;", "greylisting = no   ;");
	assert_string_equal(out, want2);
	free(out);
	free(want);
	free(want2);
}

static void test_same_value_spelled_otherwise(void **state)
{
	struct vm_config cfg;
	char *out;

	(void)state;
	parse(ADMIN_FILE, &cfg);
	/* What setup would have after "--message-size-limit 50M
	 * --hostname mail.example.com": the same values. */
	cfg.message_size_limit = 50ULL << 20;
	vm_strlcpy(cfg.hostname, "mail.example.com", sizeof cfg.hostname);
	out = edit(ADMIN_FILE, &cfg);
	assert_string_equal(out, ADMIN_FILE);
	free(out);
}

static void test_empty_value_filled(void **state)
{
	struct vm_config cfg, back;
	char *out, *want;

	(void)state;
	parse(ADMIN_FILE, &cfg);
	vm_strlcpy(cfg.admin, "admin@example.com", sizeof cfg.admin);
	out = edit(ADMIN_FILE, &cfg);
	want = replaced(ADMIN_FILE, "admin =\n", "admin = admin@example.com\n");
	assert_string_equal(out, want);
	parse(out, &back);
	assert_string_equal(back.admin, "admin@example.com");
	free(out);
	free(want);

	/* ... also when an inline comment follows the empty value. */
	out = replaced(ADMIN_FILE, "admin =\n", "admin =    ; later\n");
	want = edit(out, &cfg);
	parse(want, &back);
	assert_string_equal(back.admin, "admin@example.com");
	assert_non_null(strstr(want, "admin = admin@example.com    ; later\n"));
	free(out);
	free(want);
}

static void test_missing_keys_added_in_their_section(void **state)
{
	const char *text =
		"# mine\n"
		"[server]\n"
		"hostname = mail.example.com\n"
		"domain = example.com\n"
		"# about limits\n"
		"[limits]\n"
		"default_quota = 1G\n"
		"\n"
		"# trailing comment of limits\n";
	struct vm_config cfg, back;
	char *out;
	const char *limits, *server_end, *quota;

	(void)state;
	parse(text, &cfg);
	out = edit(text, &cfg);
	parse(out, &back);
	assert_memory_equal(&cfg, &back, sizeof cfg);
	/* The old lines are all there, in order, and come first... */
	assert_true(starts_with(out, "# mine\n[server]\nhostname = mail.example.com\n"
				"domain = example.com\n"));
	/* ... admin right after domain, the rest of [server] after it,
	 * before the next section's comment. */
	assert_non_null(strstr(out, "domain = example.com\n\n# The "
			       "administrator's mailbox"));
	server_end = strstr(out, "ipv6 = \n# about limits\n[limits]\n"
			    "default_quota = 1G\n");
	assert_non_null(server_end);
	/* message_size_limit and the hourly limits after default_quota,
	 * with their comments, before the comment that ended the section. */
	limits = strstr(out, "[limits]\n");
	quota = strstr(limits, "default_quota = 1G\n\n# Largest message");
	assert_non_null(quota);
	assert_non_null(strstr(quota, "recipients_per_hour = 1000\n\n"
			       "# trailing comment of limits\n"));
	/* The sections the file lacks, at the end, in setup's order. */
	assert_non_null(strstr(out, "# trailing comment of limits\n\n[tls]\n"
			       "# Certificate chain"));
	assert_true(strstr(out, "[tls]") < strstr(out, "[paths]"));
	assert_true(strstr(out, "[paths]") < strstr(out, "[spam]"));
	assert_true(strstr(out, "[spam]") < strstr(out, "[antivirus]"));
	assert_true(strstr(out, "[antivirus]") < strstr(out, "[dns]"));
	assert_true(strstr(out, "[dns]") < strstr(out, "[mta_sts]"));
	assert_true(strstr(out, "[mta_sts]") < strstr(out, "[dkim]"));
	assert_true(strstr(out, "[dkim]") < strstr(out, "[caa]"));
	free(out);
}

static void test_crlf_and_no_final_newline(void **state)
{
	const char *text = "[server]\r\nhostname = a.example.com\r\n"
			   "domain = example.com";
	struct vm_config cfg, back;
	char *out;

	(void)state;
	parse(text, &cfg);
	vm_strlcpy(cfg.hostname, "b.example.com", sizeof cfg.hostname);
	out = edit(text, &cfg);
	assert_true(starts_with(out, "[server]\r\nhostname = b.example.com\r\n"
				"domain = example.com\r\n"));
	assert_null(strstr(out, "[limits]\n"));   /* CRLF throughout */
	assert_non_null(strstr(out, "\r\n[limits]\r\n"));
	parse(out, &back);
	assert_string_equal(back.hostname, "b.example.com");
	free(out);
}

static void test_header_before_indented_header(void **state)
{
	/* [spam] has no key, and the next line is an indented header: keys
	 * added after [spam] would turn it into a continuation line, so
	 * they go into a new [spam] block at the end instead. */
	const char *text = "[server]\nhostname = a.example.com\n[spam]\n"
			   "  [antivirus]\nenabled = no\n";
	struct vm_config cfg, back;
	char *out;

	(void)state;
	parse(text, &cfg);
	out = edit(text, &cfg);
	assert_true(starts_with(out, "[server]\nhostname = a.example.com\n"));
	assert_non_null(strstr(out, "[spam]\n  [antivirus]\nenabled = no\n"));
	parse(out, &back);
	assert_false(back.antivirus);
	assert_memory_equal(&cfg, &back, sizeof cfg);
	free(out);
}

/* How many times needle is in haystack. */
static int occurrences(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_header_without_keys(void **state)
{
	/* [spam] has a header and no key (with and without a final line
	 * end): its keys go right after that header, not into a second
	 * [spam] block. */
	const char *texts[] = {
		"[server]\nhostname = a.example.com\n# c\n[spam]\n",
		"[server]\nhostname = a.example.com\n# c\n[spam]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct vm_config cfg, back;
		char *out;

		parse(texts[i], &cfg);
		out = edit(texts[i], &cfg);
		assert_int_equal(occurrences(out, "[spam]"), 1);
		assert_non_null(strstr(out, "# c\n[spam]\n"));
		assert_true(strstr(out, "greylisting = ") > strstr(out, "[spam]"));
		parse(out, &back);
		assert_memory_equal(&cfg, &back, sizeof cfg);
		free(out);
	}
}

static void test_byte_order_mark_kept(void **state)
{
	const char *text = "\xEF\xBB\xBF[server]\nhostname = a.example.com\n"
			   "domain = example.com\nadmin = a@example.com\n";
	struct vm_config cfg;
	char *out;

	(void)state;
	parse(text, &cfg);
	vm_strlcpy(cfg.domain, "example.org", sizeof cfg.domain);
	out = edit(text, &cfg);
	assert_true(starts_with(out, "\xEF\xBB\xBF[server]\nhostname = a.example.com\n"
				"domain = example.org\nadmin = a@example.com\n"));
	free(out);
}

static void test_refused(void **state)
{
	struct vm_config cfg;
	char why[512], line[400];
	const char *dup = "[server]\nhostname = a.example.com\nhostname = b.example.com\n";
	const char *wrong = "[limits]\nhostname = a.example.com\n";

	(void)state;
	config_defaults(&cfg);
	assert_null(config_edit(dup, &cfg, why, sizeof why));
	assert_non_null(strstr(why, "line 3: 'hostname' is set twice"));
	assert_null(config_edit(wrong, &cfg, why, sizeof why));
	assert_string_equal(why, "line 2: 'hostname' belongs in [server], "
			    "not in [limits]");

	/* A value that would make its line too long for the parser. */
	snprintf(line, sizeof line, "[server]\nhostname = a.example.com ;%0150d\n", 0);
	assert_true(config_parse(line, &cfg, why, sizeof why));
	vm_strlcpy(cfg.hostname, "a-much-longer-name-for-this-server.example.com",
		   sizeof cfg.hostname);
	assert_null(config_edit(line, &cfg, why, sizeof why));
	assert_non_null(strstr(why, "after the change, line 2: line longer than"));
}

static void test_empty_file_is_written_new(void **state)
{
	struct vm_config cfg;
	char *out, *fresh;

	(void)state;
	config_defaults(&cfg);
	vm_strlcpy(cfg.hostname, "a.example.com", sizeof cfg.hostname);
	out = edit("", &cfg);
	fresh = config_format(&cfg);
	assert_string_equal(out, fresh);
	free(out);
	free(fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_settings_change_nothing),
		cmocka_unit_test(test_only_the_changed_value),
		cmocka_unit_test(test_same_value_spelled_otherwise),
		cmocka_unit_test(test_empty_value_filled),
		cmocka_unit_test(test_missing_keys_added_in_their_section),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_header_before_indented_header),
		cmocka_unit_test(test_header_without_keys),
		cmocka_unit_test(test_byte_order_mark_kept),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_empty_file_is_written_new),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
