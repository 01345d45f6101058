/*
 * test_header_privacy.c - the header_checks of the submission ports'
 * cleanup (templates/postfix/submission-header-checks.regexp), applied
 * as Postfix's regexp: tables apply them: each "/PATTERN/ ACTION [TEXT]"
 * line compiled with regcomp(REG_EXTENDED | REG_ICASE) (the same C
 * library as Postfix's), the first matching line decides, "$N" in TEXT
 * is the N-th group; a header is one string, its continuation lines
 * joined with "\n".  The end-to-end side is tests/e2e/test_900 (the
 * headers as a second server receives them, DKIM still passing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "lib/template.h"

#define MAX_RULES 32

struct rule {
	regex_t re;
	char action[16];
	char text[512];
};

static struct rule rules[MAX_RULES];
static size_t nrules;

/* Render the template and compile its rules. */
static int load(void **state)
{
	char path[256], err[256], *text, *line, *save = NULL;
	struct tvars *v = tvars_new();

	(void)state;
	snprintf(path, sizeof path, "%s/postfix/submission-header-checks.regexp",
		 getenv("VMAIL_TEMPLATES") ? getenv("VMAIL_TEMPLATES") :
		 "templates");
	assert_non_null(v);
	assert_true(tvars_set(v, "postfix_map_dir", "/etc/postfix/vmail"));
	text = template_render_file(path, v, NULL, err, sizeof err);
	if (!text)
		fail_msg("%s", err);
	tvars_free(v);
	nrules = 0;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end, *rest, *sp;
		struct rule *r;

		if (line[0] != '/')
			continue;
		assert_true(nrules < MAX_RULES);
		r = &rules[nrules++];
		assert_non_null(end = strrchr(line, '/'));
		assert_true(end > line);
		*end = '\0';
		rest = end + 1;
		assert_true(*rest == ' ');       /* no flags: the defaults */
		rest++;
		if (regcomp(&r->re, line + 1, REG_EXTENDED | REG_ICASE))
			fail_msg("does not compile: %s", line + 1);
		sp = strchr(rest, ' ');
		snprintf(r->action, sizeof r->action, "%.*s",
			 sp ? (int)(sp - rest) : (int)strlen(rest), rest);
		snprintf(r->text, sizeof r->text, "%s", sp ? sp + 1 : "");
	}
	free(text);
	assert_true(nrules >= 5);
	return 0;
}

static int unload(void **state)
{
	(void)state;
	for (size_t i = 0; i < nrules; i++)
		regfree(&rules[i].re);
	return 0;
}

/* What the table does to header: "" (no rule matched), "IGNORE", or
 * the header that replaces it. */
static const char *apply(const char *header)
{
	static char out[1024];
	regmatch_t m[10];

	for (size_t i = 0; i < nrules; i++) {
		const char *t;
		size_t o = 0;

		if (regexec(&rules[i].re, header, 10, m, 0))
			continue;
		if (!strcmp(rules[i].action, "IGNORE"))
			return "IGNORE";
		assert_string_equal(rules[i].action, "REPLACE");
		for (t = rules[i].text; *t && o < sizeof out - 1; t++) {
			if (t[0] == '$' && t[1] >= '1' && t[1] <= '9') {
				int g = t[1] - '0';
				size_t n = m[g].rm_so < 0 ? 0 :
					   (size_t)(m[g].rm_eo - m[g].rm_so);

				assert_true(o + n < sizeof out);
				memcpy(out + o, header + m[g].rm_so, n);
				o += n;
				t++;
			} else {
				out[o++] = *t;
			}
		}
		out[o] = '\0';
		return out;
	}
	return "";
}

/* Our smtpd's Received header on 587, as Postfix 3.7 and 3.10 write
 * it: rewritten to the server's hop alone. */
static void test_own_received_rewritten(void **state)
{
	const char *h =
		"Received: from laptop-anna.fritz.box (p5b0c1d2e.dip0.t-ipconnect.de [91.12.29.46])\n"
		"\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
		"\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\n"
		"\t(No client certificate requested)\n"
		"\tby mail.example.com (Postfix) with ESMTPSA id 4ABCdef123\n"
		"\tfor <bob@example.org>; Tue,  1 Dec 2026 23:50:00 +0000 (UTC)";
	const char *r;

	(void)state;
	r = apply(h);
	assert_string_equal(r, "Received: from authenticated-user by "
			    "mail.example.com (Postfix) with ESMTPSA id "
			    "4ABCdef123; Tue,  1 Dec 2026 23:50:00 +0000 (UTC)");
	assert_null(strstr(r, "91.12.29.46"));
	assert_null(strstr(r, "laptop-anna"));
	assert_null(strstr(r, "bob@"));
}

/* Several recipients (no "for"), SMTPUTF8, IPv6, an address literal as
 * the EHLO name. */
static void test_variants_rewritten(void **state)
{
	(void)state;
	assert_string_equal(apply(
		"Received: from [192.168.1.20] (unknown [2001:db8::7])\n"
		"\t(using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits))\n"
		"\t(No client certificate requested)\n"
		"\tby mx.example.com (Postfix) with UTF8SMTPSA id 4Zx9Qk1ab2z9sT;\n"
		"\tWed,  2 Dec 2026 00:01:02 +0100 (CET)"),
		"Received: from authenticated-user by mx.example.com (Postfix) "
		"with UTF8SMTPSA id 4Zx9Qk1ab2z9sT; Wed,  2 Dec 2026 00:01:02 "
		"+0100 (CET)");
	/* lower case, as a client might fold it: still ours */
	assert_string_equal(apply(
		"received: from a.example (a.example [203.0.113.5]) by "
		"mail.example.com (Postfix) with ESMTPA id ABC; Thu, 3 Dec 2026 "
		"10:00:00 +0000"),
		"Received: from authenticated-user by mail.example.com (Postfix) "
		"with ESMTPA id ABC; Thu, 3 Dec 2026 10:00:00 +0000");
}

/* Received headers that came with the message go; so does anything
 * unusual enough for the rewrite not to match. */
static void test_other_received_dropped(void **state)
{
	(void)state;
	assert_string_equal(apply(
		"Received: by laptop.home (Postfix, from userid 1000)\n"
		"\tid 0A1B2C; Tue,  1 Dec 2026 23:49:00 +0100 (CET)"), "IGNORE");
	assert_string_equal(apply(
		"Received: from client.example.net ([198.51.100.7])\n"
		"\tby mail.example.com with ESMTPSA; Tue, 1 Dec 2026"), "IGNORE");
}

static void test_client_headers_dropped(void **state)
{
	static const char *const h[] = {
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Thunderbird/128.5.0",
		"X-Mailer: Apple Mail (2.3826.300.87.4.3)",
		"x-mailer: Microsoft Outlook 16.0",
		"X-Originating-IP: [203.0.113.9]",
		"X-Forwarded-For: 203.0.113.9",
		"X-Enigmail: v2.2",
		"X-Pgp-Agent: GPGMail 2023.1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
		assert_string_equal(apply(h[i]), "IGNORE");
}

static void test_mime_version_comment(void **state)
{
	(void)state;
	assert_string_equal(apply("MIME-Version: 1.0 (Mac OS X Mail 16.0 \\(3826\\))"),
			    "MIME-Version: 1.0");
	assert_string_equal(apply("Mime-Version: 1.0 (1.0)"), "MIME-Version: 1.0");
	assert_string_equal(apply("MIME-Version: 1.0"), "");
}

/* What the recipient needs stays as it is. */
static void test_rest_untouched(void **state)
{
	static const char *const h[] = {
		"From: Anna <anna@example.com>",
		"To: bob@example.org",
		"Subject: Received: User-Agent: X-Mailer:",
		"Date: Tue, 1 Dec 2026 23:50:00 +0000",
		"Message-ID: <x@example.com>",
		"Content-Type: text/plain; charset=utf-8",
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; b=x",
		"X-Mailer-Version: 2",
		"In-Reply-To: <y@example.org>",
		"Return-Receipt-To: anna@example.com",
	};

	(void)state;
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
		assert_string_equal(apply(h[i]), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_received_rewritten),
		cmocka_unit_test(test_variants_rewritten),
		cmocka_unit_test(test_other_received_dropped),
		cmocka_unit_test(test_client_headers_dropped),
		cmocka_unit_test(test_mime_version_comment),
		cmocka_unit_test(test_rest_untouched),
	};

	return cmocka_run_group_tests(tests, load, unload);
}
