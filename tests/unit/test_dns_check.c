/*
 * test_dns_check.c - unit tests for the judgements of "vmailctl check"
 * (src/core/dns_check.c): SPF evaluation over a table of DNS answers
 * (ip4/ip6 with prefixes, a, mx, include, redirect, qualifiers, loops,
 * failures), picking the SPF record, DKIM key comparison, DMARC
 * parsing, tag=value lists and DNSBL names and answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/dns_check.h"

/* The fake DNS: name, type, status, values ("|"-separated). */
static const struct fake {
	const char *name;
	int type;
	enum dnsq_status st;
	const char *vals;
} fakes[] = {
	{ "example.com", DNSQ_MX, DNSQ_OK, "10 mx1.example.com.|20 mx2.example.com." },
	{ "mx1.example.com.", DNSQ_A, DNSQ_OK, "192.0.2.10" },
	{ "mx2.example.com.", DNSQ_A, DNSQ_OK, "192.0.2.20" },
	{ "example.com", DNSQ_A, DNSQ_OK, "192.0.2.1" },
	{ "other.example", DNSQ_A, DNSQ_OK, "198.51.100.7" },
	{ "_spf.provider.example", DNSQ_TXT, DNSQ_OK,
	  "google-site-verification=x|v=spf1 ip4:203.0.113.0/24 include:_spf2.provider.example ~all" },
	{ "_spf2.provider.example", DNSQ_TXT, DNSQ_OK, "v=spf1 ip6:2001:db8::/32 -all" },
	{ "loop.example", DNSQ_TXT, DNSQ_OK, "v=spf1 include:loop.example -all" },
	{ "broken.example", DNSQ_TXT, DNSQ_SERVFAIL, "" },
	{ "nospf.example", DNSQ_TXT, DNSQ_OK, "hello" },
	{ "two.example", DNSQ_TXT, DNSQ_OK, "v=spf1 -all|v=spf1 +all" },
	{ "redir.example", DNSQ_TXT, DNSQ_OK, "v=spf1 mx:example.com -all" },
};

static bool fake_lookup(void *ctx, const char *name, int type,
			struct dnsq_answer *a)
{
	int *count = ctx;

	(*count)++;
	a->n = 0;
	a->status = DNSQ_NXDOMAIN;
	for (size_t i = 0; i < sizeof fakes / sizeof *fakes; i++) {
		char *copy, *save = NULL, *v;

		if (strcmp(fakes[i].name, name) || fakes[i].type != type)
			continue;
		a->status = fakes[i].st;
		copy = strdup(fakes[i].vals);
		for (v = strtok_r(copy, "|", &save); v && a->status == DNSQ_OK;
		     v = strtok_r(NULL, "|", &save))
			a->rr[a->n++] = strdup(v);
		free(copy);
		return true;
	}
	return true;
}

static enum spf_verdict spf(const char *rec, const char *ip, char *why)
{
	int count = 0;

	return spf_evaluate(rec, "example.com", ip, fake_lookup, &count, why,
			    256);
}

static void test_spf_mechanisms(void **state)
{
	char why[256];

	assert_int_equal(spf("v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.99", why),
			 SPF_PASS);
	assert_string_equal(why, "ip4:192.0.2.0/24 matches");
	assert_int_equal(spf("v=spf1 ip4:192.0.2.1 -all", "192.0.2.99", why),
			 SPF_NOT_COVERED);
	assert_non_null(strstr(why, "'-all' matches 192.0.2.99 first"));
	assert_int_equal(spf("v=spf1 mx -all", "192.0.2.20", why), SPF_PASS);
	assert_string_equal(why, "mx matches");
	assert_int_equal(spf("v=spf1 mx -all", "192.0.2.21", why),
			 SPF_NOT_COVERED);
	assert_int_equal(spf("v=spf1 mx/24 -all", "192.0.2.21", why), SPF_PASS);
	assert_int_equal(spf("v=spf1 a -all", "192.0.2.1", why), SPF_PASS);
	assert_int_equal(spf("v=spf1 a:other.example -all", "198.51.100.7", why),
			 SPF_PASS);
	assert_int_equal(spf("v=spf1 -ip4:192.0.2.5 +all", "192.0.2.5", why),
			 SPF_NOT_COVERED);
	assert_int_equal(spf("v=spf1 ~all", "192.0.2.5", why), SPF_NOT_COVERED);
	assert_int_equal(spf("v=spf1", "192.0.2.5", why), SPF_NOT_COVERED);
	assert_string_equal(why, "no mechanism matches 192.0.2.5");
	assert_int_equal(spf("v=spf1 ip6:2001:db8::/32 -all", "2001:db8::25",
			     why), SPF_PASS);
	assert_int_equal(spf("v=spf1 ip6:2001:db8::/32 -all", "2001:db9::25",
			     why), SPF_NOT_COVERED);
	/* An IPv4 mechanism never matches an IPv6 address. */
	assert_int_equal(spf("v=spf1 ip4:0.0.0.0/0 -all", "2001:db8::1", why),
			 SPF_NOT_COVERED);
	/* Macros and exists/ptr never match here. */
	assert_int_equal(spf("v=spf1 exists:%{i}.x.example ptr -all",
			     "192.0.2.5", why), SPF_NOT_COVERED);
	/* Upper case and unknown modifiers are fine. */
	assert_int_equal(spf("V=SPF1 IP4:192.0.2.5 foo=bar -all", "192.0.2.5",
			     why), SPF_PASS);
}

static void test_spf_include_redirect(void **state)
{
	char why[256];

	assert_int_equal(spf("v=spf1 include:_spf.provider.example -all",
			     "203.0.113.9", why), SPF_PASS);
	assert_string_equal(why, "ip4:203.0.113.0/24 matches in "
				 "_spf.provider.example");
	/* Two levels deep. */
	assert_int_equal(spf("v=spf1 include:_spf.provider.example -all",
			     "2001:db8::9", why), SPF_PASS);
	/* ~all inside an include is "no match" there; our -all decides. */
	assert_int_equal(spf("v=spf1 include:_spf.provider.example -all",
			     "192.0.2.200", why), SPF_NOT_COVERED);
	assert_non_null(strstr(why, "'-all' matches"));
	assert_int_equal(spf("v=spf1 redirect=redir.example", "192.0.2.10",
			     why), SPF_PASS);
	assert_int_equal(spf("v=spf1 redirect=redir.example", "192.0.2.11",
			     why), SPF_NOT_COVERED);
	/* A loop stops after SPF_MAX_DEPTH levels. */
	assert_int_equal(spf("v=spf1 include:loop.example -all", "192.0.2.1",
			     why), SPF_INVALID);
	assert_non_null(strstr(why, "deeper than"));
	assert_int_equal(spf("v=spf1 include:broken.example -all", "192.0.2.1",
			     why), SPF_TEMPFAIL);
	assert_int_equal(spf("v=spf1 include:nospf.example -all", "192.0.2.1",
			     why), SPF_INVALID);
	assert_string_equal(why, "nospf.example has no SPF record");
	assert_int_equal(spf("v=spf1 include:two.example -all", "192.0.2.1",
			     why), SPF_INVALID);
	assert_int_equal(spf("v=spf1 include:missing.example -all",
			     "192.0.2.1", why), SPF_INVALID);
}

static void test_spf_invalid(void **state)
{
	char why[256];

	assert_int_equal(spf("v=spf10 -all", "192.0.2.1", why), SPF_INVALID);
	assert_int_equal(spf("v=spf1 ip4:192.0.2.300 -all", "192.0.2.1", why),
			 SPF_INVALID);
	assert_non_null(strstr(why, "'ip4:192.0.2.300' does not parse"));
	assert_int_equal(spf("v=spf1 ip4:192.0.2.0/33 -all", "192.0.2.1", why),
			 SPF_INVALID);
	assert_int_equal(spf("v=spf1 frob -all", "192.0.2.1", why),
			 SPF_INVALID);
	assert_int_equal(spf("v=spf1 a/99 -all", "192.0.2.1", why),
			 SPF_INVALID);
	assert_int_equal(spf("v=spf1 -all", "nonsense", why), SPF_INVALID);
}

static void test_spf_pick(void **state)
{
	char *one[] = { "hello", "v=spf1 mx -all" };
	char *two[] = { "v=spf1 mx -all", "v=spf1 -all" };
	char *none[] = { "v=spf10", "spf1" };

	assert_int_equal(spf_pick(one, 2), 1);
	assert_int_equal(spf_pick(two, 2), -2);
	assert_int_equal(spf_pick(none, 2), -1);
}

static void test_dkim_compare(void **state)
{
	const char *want = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC";
	size_t pos;

	assert_int_equal(dkim_compare(want, want, &pos), DKIM_SAME);
	/* White space inside p= (long records split) does not matter. */
	assert_int_equal(dkim_compare("v=DKIM1;k=rsa; p=MIIBIjANBgkq hkiG9w0"
				      "BAQEFAAOC", want, &pos), DKIM_SAME);
	assert_int_equal(dkim_compare("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0"
				      "BAQEFAAOX", want, &pos), DKIM_OTHER_KEY);
	assert_int_equal(pos, 27);
	assert_int_equal(dkim_compare("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0"
				      "BAQEFAA", want, &pos), DKIM_OTHER_KEY);
	assert_int_equal(dkim_compare("v=DKIM1; k=rsa; p=", want, &pos),
			 DKIM_NOT_DKIM);
	assert_int_equal(dkim_compare("v=spf1 -all", want, &pos),
			 DKIM_NOT_DKIM);
	assert_int_equal(dkim_compare("v=DKIM2; p=MIIB", want, &pos),
			 DKIM_NOT_DKIM);
}

static void test_tag_value(void **state)
{
	char out[64];

	assert_true(tag_value("v=DMARC1; p=reject; rua=mailto:a@b", "rua",
			      false, out, sizeof out));
	assert_string_equal(out, "mailto:a@b");
	assert_true(tag_value(" v = DKIM1 ;p= a b c ", "p", true, out,
			      sizeof out));
	assert_string_equal(out, "abc");
	assert_false(tag_value("v=DKIM1; k=rsa", "p", true, out, sizeof out));
	assert_false(tag_value("v=DKIM1; junk; p=x", "p", true, out,
			       sizeof out));
	assert_false(tag_value("p=0123456789", "p", true, out, 5));
	assert_true(tag_value("v=DKIM1;;p=x;", "p", true, out, sizeof out));
	assert_string_equal(out, "x");
}

static void test_dmarc(void **state)
{
	char pol[16], why[128];

	assert_true(dmarc_parse("v=DMARC1; p=quarantine; rua=mailto:x@y", pol,
				why, sizeof why));
	assert_string_equal(pol, "quarantine");
	assert_true(dmarc_parse("v=DMARC1;p=reject", pol, why, sizeof why));
	assert_false(dmarc_parse("v=DMARC1; rua=mailto:x@y", pol, why,
				 sizeof why));
	assert_string_equal(why, "has no p= policy");
	assert_false(dmarc_parse("v=DMARC1; p=quarantaine", pol, why,
				 sizeof why));
	assert_false(dmarc_parse("p=reject; v=DMARC1", pol, why, sizeof why));
	assert_false(dmarc_parse("v=DMARC10; p=reject", pol, why, sizeof why));
}

static void test_dnsbl(void **state)
{
	char name[300];
	char *addrs[] = { "192.0.2.1", "2001:db8:0::25" };

	assert_true(dnsbl_name("198.18.3.12", "zen.spamhaus.org", name,
			       sizeof name));
	assert_string_equal(name, "12.3.18.198.zen.spamhaus.org");
	assert_true(dnsbl_name("2001:db8::1", "bl.example", name, sizeof name));
	assert_int_equal(strncmp(name, "1.0.0.0.", 8), 0);
	assert_non_null(strstr(name, ".8.b.d.0.1.0.0.2.bl.example"));
	assert_false(dnsbl_name("mail.example.com", "bl.example", name,
				sizeof name));
	assert_int_equal(dnsbl_judge("127.0.0.2"), DNSBL_LISTED);
	assert_int_equal(dnsbl_judge("127.0.0.10"), DNSBL_LISTED);
	assert_int_equal(dnsbl_judge("127.255.255.254"), DNSBL_REFUSED);
	assert_int_equal(dnsbl_judge("192.0.2.1"), DNSBL_ODD);
	assert_true(addr_in("2001:db8::25", addrs, 2));
	assert_true(addr_in("192.0.2.1", addrs, 2));
	assert_false(addr_in("192.0.2.2", addrs, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spf_mechanisms),
		cmocka_unit_test(test_spf_include_redirect),
		cmocka_unit_test(test_spf_invalid),
		cmocka_unit_test(test_spf_pick),
		cmocka_unit_test(test_dkim_compare),
		cmocka_unit_test(test_tag_value),
		cmocka_unit_test(test_dmarc),
		cmocka_unit_test(test_dnsbl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
