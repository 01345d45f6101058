/*
 * test_dnsq.c - unit tests for dnsq_parse() (src/lib/dnsq.c), the DNS
 * answer parser of "vmailctl check", on hand-made answer messages:
 * every record type in presentation form, compression pointers, the
 * RCODEs, and malformed messages (truncated, pointer loops, pointers
 * out of the message, rdata of the wrong length); and dnsq_reverse_name().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/dnsq.h"

/* A message under construction. */
struct pkt {
	unsigned char b[4096];
	size_t len;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->len + n <= sizeof p->b);
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void put8(struct pkt *p, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(p, &c, 1);
}

static void put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 255);
}

/* "www.example.com" as labels, ending with the root label. */
static void put_name(struct pkt *p, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);

		put8(p, (unsigned)n);
		put(p, name, n);
		name += n + (dot ? 1 : 0);
	}
	put8(p, 0);
}

/* Header (QR, RD, RA, rcode; one question, an answers) and the question
 * name/type.  The question name starts at offset 12. */
static void header(struct pkt *p, unsigned rcode, unsigned an,
		   const char *qname, unsigned qtype)
{
	p->len = 0;
	put16(p, 0x1234);
	put16(p, 0x8180 | rcode);
	put16(p, 1);
	put16(p, an);
	put16(p, 0);
	put16(p, 0);
	put_name(p, qname);
	put16(p, qtype);
	put16(p, 1);
}

/* An answer record owned by the question name (pointer to offset 12);
 * returns the offset of its rdata. */
static size_t rr_begin(struct pkt *p, unsigned type, unsigned rdlen)
{
	put16(p, 0xc00c);
	put16(p, type);
	put16(p, 1);
	put16(p, 0);
	put16(p, 300);
	put16(p, rdlen);
	return p->len;
}

static void parse(struct pkt *p, int type, struct dnsq_answer *a)
{
	assert_true(dnsq_parse(p->b, p->len, type, a));
}

static void test_a_aaaa(void **state)
{
	static const unsigned char v4[4] = { 192, 0, 2, 1 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct dnsq_answer a;
	struct pkt p;

	header(&p, 0, 2, "mail.example.com", DNSQ_A);
	rr_begin(&p, DNSQ_A, 4);
	put(&p, v4, 4);
	rr_begin(&p, DNSQ_A, 4);
	put(&p, "\x0a\x00\x00\x05", 4);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.rr[0], "192.0.2.1");
	assert_string_equal(a.rr[1], "10.0.0.5");
	dnsq_answer_free(&a);

	header(&p, 0, 1, "mail.example.com", DNSQ_AAAA);
	rr_begin(&p, DNSQ_AAAA, 16);
	put(&p, v6, 16);
	parse(&p, DNSQ_AAAA, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_string_equal(a.rr[0], "2001:db8::1");
	dnsq_answer_free(&a);

	/* An A record of 5 bytes is malformed. */
	header(&p, 0, 1, "mail.example.com", DNSQ_A);
	rr_begin(&p, DNSQ_A, 5);
	put(&p, "\1\2\3\4\5", 5);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);
	assert_int_equal(a.n, 0);
}

static void test_mx_compressed(void **state)
{
	struct dnsq_answer a;
	struct pkt p;

	/* "example.com" MX 10 mail.<ptr to example.com at offset 12>. */
	size_t rd;

	header(&p, 0, 2, "example.com", DNSQ_MX);
	rd = rr_begin(&p, DNSQ_MX, 2 + 6 + 2);
	put16(&p, 10);
	put8(&p, 5);
	put(&p, "mail2", 5);
	put16(&p, 0xc00c);
	/* The second: a name that points into the first one's rdata. */
	rr_begin(&p, DNSQ_MX, 4);
	put16(&p, 20);
	put16(&p, 0xc000 | (unsigned)(rd + 2));
	parse(&p, DNSQ_MX, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.rr[0], "10 mail2.example.com.");
	assert_string_equal(a.rr[1], "20 mail2.example.com.");
	dnsq_answer_free(&a);
}

static void test_txt_joined(void **state)
{
	struct dnsq_answer a;
	struct pkt p;

	header(&p, 0, 1, "example.com", DNSQ_TXT);
	rr_begin(&p, DNSQ_TXT, 1 + 9 + 1 + 5 + 1 + 3);
	put8(&p, 9);
	put(&p, "v=spf1 mx", 9);
	put8(&p, 5);
	put(&p, " -all", 5);
	put8(&p, 3);
	put(&p, "a\\\x01", 3);
	parse(&p, DNSQ_TXT, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_string_equal(a.rr[0], "v=spf1 mx -alla\\092\\001");
	dnsq_answer_free(&a);

	/* A string longer than the rdata is malformed. */
	header(&p, 0, 1, "example.com", DNSQ_TXT);
	rr_begin(&p, DNSQ_TXT, 3);
	put8(&p, 9);
	put(&p, "ab", 2);
	parse(&p, DNSQ_TXT, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);

	/* One empty string is an empty value. */
	header(&p, 0, 1, "example.com", DNSQ_TXT);
	rr_begin(&p, DNSQ_TXT, 1);
	put8(&p, 0);
	parse(&p, DNSQ_TXT, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_string_equal(a.rr[0], "");
	dnsq_answer_free(&a);
}

static void test_cname_skipped(void **state)
{
	struct dnsq_answer a;
	struct pkt p;
	size_t target;

	/* www CNAME host.example.com; host.example.com A 192.0.2.7 */
	header(&p, 0, 2, "www.example.com", DNSQ_A);
	rr_begin(&p, DNSQ_CNAME, 7);
	target = p.len;
	put8(&p, 4);
	put(&p, "host", 4);
	put16(&p, 0xc010);   /* "example.com" inside the question */
	put16(&p, 0xc000 | (unsigned)target);
	put16(&p, DNSQ_A);
	put16(&p, 1);
	put16(&p, 0);
	put16(&p, 60);
	put16(&p, 4);
	put(&p, "\xc0\x00\x02\x07", 4);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.rr[0], "192.0.2.7");
	dnsq_answer_free(&a);

	parse(&p, DNSQ_CNAME, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_string_equal(a.rr[0], "host.example.com.");
	dnsq_answer_free(&a);
}

static void test_srv_caa_tlsa_ptr(void **state)
{
	struct dnsq_answer a;
	struct pkt p;

	header(&p, 0, 1, "_imaps._tcp.example.com", DNSQ_SRV);
	rr_begin(&p, DNSQ_SRV, 6 + 1);
	put16(&p, 0);
	put16(&p, 1);
	put16(&p, 993);
	put8(&p, 0);          /* "." : the null target of RFC 2782 */
	parse(&p, DNSQ_SRV, &a);
	assert_string_equal(a.rr[0], "0 1 993 .");
	dnsq_answer_free(&a);

	header(&p, 0, 1, "example.com", DNSQ_CAA);
	rr_begin(&p, DNSQ_CAA, 2 + 5 + 15);
	put8(&p, 128);
	put8(&p, 5);
	put(&p, "issue", 5);
	put(&p, "letsencrypt.org", 15);
	parse(&p, DNSQ_CAA, &a);
	assert_string_equal(a.rr[0], "128 issue \"letsencrypt.org\"");
	dnsq_answer_free(&a);

	header(&p, 0, 1, "_25._tcp.mail.example.com", DNSQ_TLSA);
	rr_begin(&p, DNSQ_TLSA, 3 + 4);
	put(&p, "\3\1\1\xde\xad\xbe\xef", 7);
	parse(&p, DNSQ_TLSA, &a);
	assert_string_equal(a.rr[0], "3 1 1 DEADBEEF");
	dnsq_answer_free(&a);

	header(&p, 0, 1, "1.2.0.192.in-addr.arpa", DNSQ_PTR);
	rr_begin(&p, DNSQ_PTR, 16);
	put_name(&p, "mx.example.com");
	parse(&p, DNSQ_PTR, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_string_equal(a.rr[0], "mx.example.com.");
	dnsq_answer_free(&a);
}

static void test_rcodes(void **state)
{
	struct dnsq_answer a;
	struct pkt p;

	header(&p, 3, 0, "nope.example.com", DNSQ_A);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_NXDOMAIN);
	header(&p, 0, 0, "example.com", DNSQ_A);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_NODATA);
	header(&p, 2, 0, "example.com", DNSQ_A);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_SERVFAIL);
	header(&p, 5, 0, "example.com", DNSQ_A);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_SERVFAIL);
	/* Records of another type only: NODATA. */
	header(&p, 0, 1, "example.com", DNSQ_MX);
	rr_begin(&p, DNSQ_A, 4);
	put(&p, "\1\2\3\4", 4);
	parse(&p, DNSQ_MX, &a);
	assert_int_equal(a.status, DNSQ_NODATA);
	/* A query (QR clear) is not an answer. */
	header(&p, 0, 0, "example.com", DNSQ_A);
	p.b[2] &= 0x7f;
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);
}

static void test_malformed(void **state)
{
	struct dnsq_answer a;
	struct pkt p, full;
	size_t rd;

	/* Every truncation of a good answer is malformed, never a crash. */
	header(&full, 0, 1, "example.com", DNSQ_MX);
	rr_begin(&full, DNSQ_MX, 2 + 2 + 2);
	put16(&full, 10);
	put8(&full, 1);
	put8(&full, 'm');
	put16(&full, 0xc00c);
	for (size_t n = 0; n < full.len; n++) {
		assert_true(dnsq_parse(full.b, n, DNSQ_MX, &a));
		assert_int_equal(a.status, DNSQ_BADMSG);
		assert_int_equal(a.n, 0);
	}

	/* A pointer to itself in the rdata: a loop. */
	header(&p, 0, 1, "example.com", DNSQ_CNAME);
	rd = rr_begin(&p, DNSQ_CNAME, 2);
	put16(&p, 0xc000 | (unsigned)rd);
	parse(&p, DNSQ_CNAME, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);

	/* Two pointers to each other. */
	header(&p, 0, 1, "example.com", DNSQ_CNAME);
	rd = rr_begin(&p, DNSQ_CNAME, 4);
	put16(&p, 0xc000 | (unsigned)(rd + 2));
	put16(&p, 0xc000 | (unsigned)rd);
	parse(&p, DNSQ_CNAME, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);

	/* A pointer past the end of the message. */
	header(&p, 0, 1, "example.com", DNSQ_PTR);
	rr_begin(&p, DNSQ_PTR, 2);
	put16(&p, 0xc000 | 0x3ff);
	parse(&p, DNSQ_PTR, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);

	/* The owner name a loop (pointer to its own offset). */
	header(&p, 0, 1, "example.com", DNSQ_A);
	rd = p.len;
	put16(&p, 0xc000 | (unsigned)rd);
	put16(&p, DNSQ_A);
	put16(&p, 1);
	put16(&p, 0);
	put16(&p, 1);
	put16(&p, 4);
	put(&p, "\1\2\3\4", 4);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);

	/* An MX name that runs beyond its rdata. */
	header(&p, 0, 1, "example.com", DNSQ_MX);
	rr_begin(&p, DNSQ_MX, 3);
	put16(&p, 10);
	put8(&p, 0);
	put_name(&p, "x");   /* trailing garbage after the message */
	p.b[p.len - 4] = 1;  /* the root becomes a label of length 1 */
	parse(&p, DNSQ_MX, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);

	/* More answers announced than present. */
	header(&p, 0, 3, "example.com", DNSQ_A);
	rr_begin(&p, DNSQ_A, 4);
	put(&p, "\1\2\3\4", 4);
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_BADMSG);
	assert_int_equal(a.n, 0);
}

static void test_many_records(void **state)
{
	struct dnsq_answer a;
	struct pkt p;

	header(&p, 0, 100, "example.com", DNSQ_A);
	for (int i = 0; i < 100; i++) {
		rr_begin(&p, DNSQ_A, 4);
		put8(&p, 10);
		put8(&p, 0);
		put8(&p, 0);
		put8(&p, (unsigned)i);
	}
	parse(&p, DNSQ_A, &a);
	assert_int_equal(a.status, DNSQ_OK);
	assert_int_equal(a.n, DNSQ_MAX_RR);
	assert_string_equal(a.rr[63], "10.0.0.63");
	dnsq_answer_free(&a);
}

static void test_reverse_name(void **state)
{
	char out[80];

	assert_true(dnsq_reverse_name("198.18.3.12", out, sizeof out));
	assert_string_equal(out, "12.3.18.198.in-addr.arpa");
	assert_true(dnsq_reverse_name("2001:db8::1", out, sizeof out));
	assert_string_equal(out, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
				 "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_false(dnsq_reverse_name("mail.example.com", out, sizeof out));
	assert_false(dnsq_reverse_name("1.2.3", out, sizeof out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_aaaa),
		cmocka_unit_test(test_mx_compressed),
		cmocka_unit_test(test_txt_joined),
		cmocka_unit_test(test_cname_skipped),
		cmocka_unit_test(test_srv_caa_tlsa_ptr),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_reverse_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
