/*
 * test_tlsrpt.c - unit tests for src/lib/tlsrpt.c: the RFC 8460 report
 * parser (the RFC's own example, missing and wrong members, bounds), the
 * date-times, gunzip (good, truncated, too large) and finding the
 * reports in mail (base64 gzip and plain JSON parts, nested multiparts,
 * a message that is the report itself, parts that do not decode).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/tlsrpt.h"

/* RFC 8460 appendix B, shortened. */
static const char report[] =
	"{\"organization-name\": \"Company-X\",\n"
	" \"date-range\": {\"start-datetime\": \"2016-04-01T00:00:00Z\",\n"
	"                \"end-datetime\": \"2016-04-01T23:59:59Z\"},\n"
	" \"contact-info\": \"sts-reporting@company-x.example\",\n"
	" \"report-id\": \"5065427c-23d3-47ca-b6e0-946ea0e8c4be\",\n"
	" \"policies\": [{\n"
	"   \"policy\": {\"policy-type\": \"sts\",\n"
	"              \"policy-domain\": \"company-y.example\"},\n"
	"   \"summary\": {\"total-successful-session-count\": 5326,\n"
	"               \"total-failure-session-count\": 303},\n"
	"   \"failure-details\": [\n"
	"     {\"result-type\": \"certificate-expired\",\n"
	"      \"sending-mta-ip\": \"2001:db8:abcd:0012::1\",\n"
	"      \"receiving-mx-hostname\": \"mx1.mail.company-y.example\",\n"
	"      \"failed-session-count\": 100},\n"
	"     {\"result-type\": \"starttls-not-supported\",\n"
	"      \"failed-session-count\": 200},\n"
	"     {\"result-type\": \"validation-failure\",\n"
	"      \"failed-session-count\": 3}]}]}\n";

static void test_parse_rfc_example(void **state)
{
	struct tlsrpt_report r;
	char why[128];

	assert_true(tlsrpt_parse(report, strlen(report), &r, why, sizeof why));
	assert_string_equal(r.org, "Company-X");
	assert_string_equal(r.id, "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
	assert_int_equal(r.start, 1459468800);
	assert_int_equal(r.end, 1459468800 + 86399);
	assert_int_equal(r.ok_sessions, 5326);
	assert_int_equal(r.failed_sessions, 303);
	assert_int_equal(r.nfail, 3);
	assert_string_equal(r.fail[0].type, "certificate-expired");
	assert_string_equal(r.fail[0].mx, "mx1.mail.company-y.example");
	assert_int_equal(r.fail[0].sessions, 100);
	assert_string_equal(r.fail[1].mx, "");
	assert_int_equal(r.fail[2].sessions, 3);
	tlsrpt_free(&r);
}

static void expect_bad(const char *json, const char *reason)
{
	struct tlsrpt_report r;
	char why[128] = "";

	assert_false(tlsrpt_parse(json, strlen(json), &r, why, sizeof why));
	assert_string_equal(why, reason);
	tlsrpt_free(&r);
}

static void test_parse_bad(void **state)
{
	const char *range = "\"date-range\": {\"start-datetime\": "
			    "\"2016-04-01T00:00:00Z\", \"end-datetime\": "
			    "\"2016-04-01T23:59:59Z\"}";
	char buf[1024];

	expect_bad("", "not JSON");
	expect_bad("{\"organization-name\": ", "not JSON");
	expect_bad("[1, 2]", "not a JSON object");
	expect_bad("{}", "no organization-name");
	expect_bad("{\"organization-name\": 7}", "no organization-name");
	expect_bad("{\"organization-name\": \"x\"}", "no valid date-range");
	snprintf(buf, sizeof buf, "{\"organization-name\": \"x\", %s}", range);
	expect_bad(buf, "no policies array");
	snprintf(buf, sizeof buf, "{\"organization-name\": \"x\", %s, "
		 "\"policies\": [{\"summary\": {\"total-successful-session-count\""
		 ": -1, \"total-failure-session-count\": 0}}]}", range);
	expect_bad(buf, "a policy without a valid summary");
	snprintf(buf, sizeof buf, "{\"organization-name\": \"x\", %s, "
		 "\"policies\": [{\"summary\": {\"total-successful-session-count\""
		 ": 1, \"total-failure-session-count\": \"2\"}}]}", range);
	expect_bad(buf, "a policy without a valid summary");
	snprintf(buf, sizeof buf, "{\"organization-name\": \"x\", %s, "
		 "\"policies\": [{\"summary\": {\"total-successful-session-count\""
		 ": 1, \"total-failure-session-count\": 2}, \"failure-details\": "
		 "[{\"result-type\": \"x\"}]}]}", range);
	expect_bad(buf, "a failure detail without result-type or "
			"failed-session-count");
	/* Control characters in names become '?'. */
	snprintf(buf, sizeof buf, "{\"organization-name\": \"a\\u0007b\", %s, "
		 "\"policies\": []}", range);
	{
		struct tlsrpt_report r;
		char why[64];

		assert_true(tlsrpt_parse(buf, strlen(buf), &r, why, sizeof why));
		assert_string_equal(r.org, "a?b");
		tlsrpt_free(&r);
	}
}

static void test_times(void **state)
{
	time_t t;

	assert_true(tlsrpt_parse_time("1970-01-01T00:00:00Z", &t));
	assert_int_equal(t, 0);
	assert_true(tlsrpt_parse_time("2016-04-01T02:00:00+02:00", &t));
	assert_int_equal(t, 1459468800);
	assert_true(tlsrpt_parse_time("2016-04-01T00:00:00.123Z", &t));
	assert_int_equal(t, 1459468800);
	assert_false(tlsrpt_parse_time("2016-04-01", &t));
	assert_false(tlsrpt_parse_time("2016-04-01T00:00:00", &t));
	assert_false(tlsrpt_parse_time("2016-13-01T00:00:00Z", &t));
	assert_false(tlsrpt_parse_time("2016-04-01T00:00:00Zx", &t));
}

/* report, gzipped. */
static unsigned char *gz(const char *s, size_t *len)
{
	z_stream z = { 0 };
	unsigned char *out = malloc(strlen(s) + 1024);

	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)s;
	z.avail_in = (unsigned)strlen(s);
	z.next_out = out;
	z.avail_out = (unsigned)strlen(s) + 1024;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*len = z.total_out;
	deflateEnd(&z);
	return out;
}

static void test_gunzip(void **state)
{
	size_t len, outlen;
	unsigned char *g = gz(report, &len);
	char *out;

	assert_true(tlsrpt_gunzip(g, len, TLSRPT_MAX_JSON, &out, &outlen));
	assert_int_equal(outlen, strlen(report));
	assert_string_equal(out, report);
	free(out);
	/* Too large for max. */
	assert_false(tlsrpt_gunzip(g, len, 100, &out, &outlen));
	assert_null(out);
	/* Every truncation fails. */
	for (size_t n = 0; n < len; n++)
		assert_false(tlsrpt_gunzip(g, n, TLSRPT_MAX_JSON, &out, &outlen));
	/* Not gzip. */
	assert_false(tlsrpt_gunzip((const unsigned char *)report,
				   strlen(report), TLSRPT_MAX_JSON, &out,
				   &outlen));
	free(g);
}

static void b64(const unsigned char *d, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				"0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16 |
			     (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) |
			     (i + 2 < n ? d[i + 2] : 0);

		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? t[v & 63] : '=';
		if (o % 77 == 76)
			out[o++] = '\n';
	}
	out[o] = '\0';
}

struct seen {
	int n;
	size_t len[4];
};

static void on_report(const char *json, size_t len, void *ctx)
{
	struct seen *s = ctx;
	struct tlsrpt_report r;
	char why[64];

	assert_true(tlsrpt_parse(json, len, &r, why, sizeof why));
	assert_string_equal(r.org, "Company-X");
	tlsrpt_free(&r);
	if (s->n < 4)
		s->len[s->n] = len;
	s->n++;
}

static void test_attachments(void **state)
{
	size_t len;
	unsigned char *g = gz(report, &len);
	char *enc = malloc(len * 2 + 100), *msg = malloc(len * 2 + 4096);
	struct seen s = { 0 };

	b64(g, len, enc);
	snprintf(msg, len * 2 + 4096,
		 "From: noreply-smtp-tls-reporting@google.com\r\n"
		 "Subject: Report Domain: example.com\r\n"
		 "TLS-Report-Domain: example.com\r\n"
		 "Content-Type: multipart/report; report-type=tlsrpt;\r\n"
		 "\tboundary=\"b1\"\r\n\r\n"
		 "preamble\r\n--b1\r\n"
		 "Content-Type: text/plain\r\n\r\nThis is a report.\r\n"
		 "--b1\r\n"
		 "Content-Type: Application/TLSRPT+GZIP;\r\n"
		 "  name=\"x.json.gz\"\r\n"
		 "Content-Transfer-Encoding: BASE64\r\n"
		 "Content-Disposition: attachment\r\n\r\n%s\r\n"
		 "--b1\r\n"
		 "Content-Type: multipart/mixed; boundary=b2\r\n\r\n"
		 "--b2\r\nContent-Type: application/tlsrpt+json\r\n\r\n%s\r\n"
		 "--b2--\r\n--b1--\r\nepilogue\r\n", enc, report);
	assert_int_equal(tlsrpt_attachments(msg, strlen(msg), on_report, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.len[0], strlen(report));

	/* The whole message is the report. */
	s.n = 0;
	snprintf(msg, len * 2 + 4096, "Content-Type: application/tlsrpt+json\n"
		 "\n%s", report);
	assert_int_equal(tlsrpt_attachments(msg, strlen(msg), on_report, &s), 1);

	/* Broken base64, no report type, an empty message: nothing. */
	s.n = 0;
	snprintf(msg, len * 2 + 4096, "Content-Type: multipart/report; "
		 "boundary=x\n\n--x\nContent-Type: application/tlsrpt+gzip\n"
		 "Content-Transfer-Encoding: base64\n\n!!!!\n--x\n"
		 "Content-Type: application/json\n\n%s\n--x--\n", report);
	assert_int_equal(tlsrpt_attachments(msg, strlen(msg), on_report, &s), 0);
	assert_int_equal(tlsrpt_attachments("", 0, on_report, &s), 0);
	assert_int_equal(s.n, 0);
	free(g);
	free(enc);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rfc_example),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_gunzip),
		cmocka_unit_test(test_attachments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
