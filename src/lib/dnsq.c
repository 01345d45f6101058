/*
 * dnsq.c - DNS lookups through the system resolver, answers in
 * presentation form (see dnsq.h).
 *
 * A lookup builds the query with res_nmkquery() and sends it with
 * res_nsend() (a private resolver state from res_ninit(), so the
 * settings here never leak into other code): unlike res_nquery(), that
 * hands back every answer, so NXDOMAIN, NODATA, SERVFAIL and "no server
 * answered" stay apart.  The answer is then read by dnsq_parse() with
 * libresolv's ns_initparse()/ns_parserr(); names inside rdata are
 * expanded with ns_name_uncompress(), which refuses pointer loops and
 * pointers out of the message.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/dnsq.h"

#define ANSWER_MAX 65536
#define EDNS_UDP_SIZE 1232

const char *dnsq_type_name(int type, char *buf, size_t size)
{
	switch (type) {
	case DNSQ_A: return "A";
	case DNSQ_NS: return "NS";
	case DNSQ_CNAME: return "CNAME";
	case DNSQ_PTR: return "PTR";
	case DNSQ_MX: return "MX";
	case DNSQ_TXT: return "TXT";
	case DNSQ_AAAA: return "AAAA";
	case DNSQ_SRV: return "SRV";
	case DNSQ_TLSA: return "TLSA";
	case DNSQ_CAA: return "CAA";
	}
	snprintf(buf, size, "TYPE%d", type);
	return buf;
}

const char *dnsq_status_name(enum dnsq_status st)
{
	switch (st) {
	case DNSQ_OK: return "ok";
	case DNSQ_NODATA: return "NODATA";
	case DNSQ_NXDOMAIN: return "NXDOMAIN";
	case DNSQ_SERVFAIL: return "SERVFAIL";
	case DNSQ_TIMEOUT: return "timeout";
	case DNSQ_BADMSG: return "bad answer";
	}
	return "?";
}

void dnsq_answer_free(struct dnsq_answer *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rr[i]);
	a->n = 0;
}

/* ---- rdata to text -------------------------------------------------- */

/* The name at p (inside rdata [p, end)) as "name." into b; the bytes it
 * takes in *used.  False if malformed. */
static bool rd_name(ns_msg *h, const unsigned char *p,
		    const unsigned char *end, struct vm_buf *b, size_t *used)
{
	char name[NS_MAXDNAME];
	int n = ns_name_uncompress(ns_msg_base(*h), ns_msg_end(*h), p, name,
				   sizeof name);

	if (n < 0 || p + n > end)
		return false;
	*used = (size_t)n;
	if (name[0] == '\0' || !strcmp(name, "."))
		return vm_buf_puts(b, ".");
	return vm_buf_printf(b, "%s.", name);
}

/* One byte of a character-string: printable ASCII as is, the rest (and
 * '\' and, when quoted, '"') as \DDD. */
static void rd_char(struct vm_buf *b, unsigned char c, bool quoted)
{
	if (c < 0x20 || c > 0x7e || c == '\\' || (quoted && c == '"'))
		vm_buf_printf(b, "\\%03u", c);
	else
		vm_buf_add(b, &c, 1);
}

static bool rd_txt(const unsigned char *p, const unsigned char *end,
		   struct vm_buf *b)
{
	if (p == end)
		return false;   /* RFC 1035: at least one character-string */
	while (p < end) {
		size_t n = *p++;

		if ((size_t)(end - p) < n)
			return false;
		for (size_t i = 0; i < n; i++)
			rd_char(b, p[i], false);
		p += n;
	}
	if (!b->data)
		vm_buf_puts(b, "");
	return true;
}

static bool rd_caa(const unsigned char *p, const unsigned char *end,
		   struct vm_buf *b)
{
	size_t taglen;

	if (end - p < 2)
		return false;
	taglen = p[1];
	if (taglen == 0 || (size_t)(end - p - 2) < taglen)
		return false;
	vm_buf_printf(b, "%u ", p[0]);
	for (size_t i = 0; i < taglen; i++) {
		unsigned char c = p[2 + i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return false;   /* RFC 8659 4.1: tag is alphanumeric */
		vm_buf_add(b, &c, 1);
	}
	vm_buf_puts(b, " \"");
	for (p += 2 + taglen; p < end; p++)
		rd_char(b, *p, true);
	vm_buf_puts(b, "\"");
	return true;
}

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* The rdata of rr (of type) as text into b; false if malformed. */
static bool rdata_text(ns_msg *h, ns_rr *rr, int type, struct vm_buf *b)
{
	const unsigned char *p = ns_rr_rdata(*rr);
	const unsigned char *end = p + ns_rr_rdlen(*rr);
	size_t len = ns_rr_rdlen(*rr), used;
	char addr[INET6_ADDRSTRLEN];

	switch (type) {
	case DNSQ_A:
		if (len != 4 || !inet_ntop(AF_INET, p, addr, sizeof addr))
			return false;
		return vm_buf_puts(b, addr);
	case DNSQ_AAAA:
		if (len != 16 || !inet_ntop(AF_INET6, p, addr, sizeof addr))
			return false;
		return vm_buf_puts(b, addr);
	case DNSQ_NS:
	case DNSQ_CNAME:
	case DNSQ_PTR:
		return rd_name(h, p, end, b, &used) && used == len;
	case DNSQ_MX:
		if (len < 3)
			return false;
		vm_buf_printf(b, "%u ", rd16(p));
		return rd_name(h, p + 2, end, b, &used) && used == len - 2;
	case DNSQ_SRV:
		if (len < 7)
			return false;
		vm_buf_printf(b, "%u %u %u ", rd16(p), rd16(p + 2),
			      rd16(p + 4));
		return rd_name(h, p + 6, end, b, &used) && used == len - 6;
	case DNSQ_TXT:
		return rd_txt(p, end, b);
	case DNSQ_CAA:
		return rd_caa(p, end, b);
	case DNSQ_TLSA:
		if (len < 4)
			return false;
		vm_buf_printf(b, "%u %u %u ", p[0], p[1], p[2]);
		for (p += 3; p < end; p++)
			vm_buf_printf(b, "%02X", *p);
		return true;
	}
	return false;
}

/* ---- the answer ----------------------------------------------------- */

bool dnsq_parse(const unsigned char *msg, size_t len, int type,
		struct dnsq_answer *a)
{
	ns_msg h;
	int rcode, count;

	a->n = 0;
	a->status = DNSQ_BADMSG;
	if (len > 65535 || ns_initparse(msg, (int)len, &h) < 0)
		return true;
	if (!ns_msg_getflag(h, ns_f_qr))
		return true;
	rcode = ns_msg_getflag(h, ns_f_rcode);
	if (rcode == ns_r_nxdomain) {
		a->status = DNSQ_NXDOMAIN;
		return true;
	}
	if (rcode != ns_r_noerror) {
		a->status = DNSQ_SERVFAIL;
		return true;
	}
	count = ns_msg_count(h, ns_s_an);
	for (int i = 0; i < count; i++) {
		struct vm_buf b = VM_BUF_INIT;
		ns_rr rr;
		char *text;

		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			goto bad;
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
			continue;
		if (!rdata_text(&h, &rr, type, &b)) {
			vm_buf_free(&b);
			goto bad;
		}
		if (!(text = vm_buf_take(&b, NULL))) {
			dnsq_answer_free(a);
			return false;
		}
		if (a->n == DNSQ_MAX_RR) {
			free(text);
			continue;
		}
		a->rr[a->n++] = text;
	}
	a->status = a->n ? DNSQ_OK : DNSQ_NODATA;
	return true;
bad:
	dnsq_answer_free(a);
	a->status = DNSQ_BADMSG;
	return true;
}

/* ---- the query ------------------------------------------------------ */

/* Tests only (tests/cli/run): $VMAIL_DNS_SERVER = "IPV4 PORT" replaces
 * the servers of /etc/resolv.conf, so that a test can answer from a
 * server of its own on the loopback. */
static void use_test_server(struct __res_state *st)
{
	const char *env = getenv("VMAIL_DNS_SERVER");
	char addr[INET_ADDRSTRLEN];
	unsigned port;
	struct in_addr in;

	if (!env || sscanf(env, "%15s %u", addr, &port) != 2 || port == 0 ||
	    port > 65535 || inet_pton(AF_INET, addr, &in) != 1)
		return;
	memset(&st->nsaddr_list[0], 0, sizeof st->nsaddr_list[0]);
	st->nsaddr_list[0].sin_family = AF_INET;
	st->nsaddr_list[0].sin_port = htons((uint16_t)port);
	st->nsaddr_list[0].sin_addr = in;
	st->nscount = 1;
}

/* Append an OPT record (RFC 6891) to the query q[*len]: root name,
 * type 41, class = UDP size, TTL 0, no data; ARCOUNT + 1. */
static bool add_opt(unsigned char *q, int *len, size_t size)
{
	static const unsigned char opt[] = {
		0, 0, 41, EDNS_UDP_SIZE >> 8, EDNS_UDP_SIZE & 0xff,
		0, 0, 0, 0, 0, 0
	};
	unsigned ar;

	if (*len < NS_HFIXEDSZ || (size_t)*len + sizeof opt > size)
		return false;
	memcpy(q + *len, opt, sizeof opt);
	*len += (int)sizeof opt;
	ar = (unsigned)(q[10] << 8 | q[11]) + 1;
	q[10] = (unsigned char)(ar >> 8);
	q[11] = (unsigned char)ar;
	return true;
}

/*
 * The one lookup of both entry points: res_nmkquery() and res_nsend() on
 * a private resolver state (res_ninit), so nothing leaks into other
 * lookups.  With authentic, the query also gets the AD bit (asking for
 * the verdict) and an EDNS0 OPT record (room for TLSA answers over UDP;
 * TCP when truncated anyway), and the state RES_TRUSTAD, without which
 * glibc clears the bit in answers.
 */
static bool lookup(const char *name, int type, struct dnsq_answer *a,
		   bool *authentic)
{
	struct __res_state st;
	unsigned char q[NS_PACKETSZ];
	unsigned char *ans;
	char fqdn[NS_MAXDNAME + 2];
	int qlen, n;
	bool ok;

	a->n = 0;
	a->status = DNSQ_TIMEOUT;
	if (authentic)
		*authentic = false;
	/* A final dot: the name as given, never searched. */
	if (snprintf(fqdn, sizeof fqdn, "%s%s", name,
		     name[0] && name[strlen(name) - 1] == '.' ? "" : ".") >=
	    (int)sizeof fqdn) {
		a->status = DNSQ_BADMSG;
		return true;
	}
	memset(&st, 0, sizeof st);
	if (res_ninit(&st) < 0) {
		vm_err("cannot start the DNS resolver (/etc/resolv.conf)");
		return false;
	}
	st.retrans = 3;
	st.retry = 2;
#ifdef RES_TRUSTAD
	if (authentic)
		st.options |= RES_TRUSTAD;
#endif
	use_test_server(&st);
	qlen = res_nmkquery(&st, ns_o_query, fqdn, ns_c_in, type, NULL, 0,
			    NULL, q, sizeof q);
	if (qlen < NS_HFIXEDSZ || (authentic && !add_opt(q, &qlen, sizeof q))) {
		res_nclose(&st);
		a->status = DNSQ_BADMSG;   /* a name that cannot be asked */
		return true;
	}
	if (authentic)
		q[3] |= 0x20;              /* AD: tell me if it validates */
	if (!(ans = malloc(ANSWER_MAX))) {
		res_nclose(&st);
		vm_errno("out of memory");
		return false;
	}
	n = res_nsend(&st, q, qlen, ans, ANSWER_MAX);
	res_nclose(&st);
	if (n < 0) {
		free(ans);
		a->status = DNSQ_TIMEOUT;
		return true;
	}
	ok = dnsq_parse(ans, (size_t)n, type, a);
	if (ok && authentic)
		*authentic = n >= NS_HFIXEDSZ && (ans[3] & 0x20) &&
			     (a->status == DNSQ_OK || a->status == DNSQ_NODATA ||
			      a->status == DNSQ_NXDOMAIN);
	free(ans);
	if (!ok)
		vm_errno("out of memory");
	return ok;
}

bool dnsq_lookup(const char *name, int type, struct dnsq_answer *a)
{
	return lookup(name, type, a, NULL);
}

bool dnsq_lookup_authentic(const char *name, int type, struct dnsq_answer *a,
			   bool *authentic)
{
	return lookup(name, type, a, authentic);
}

bool dnsq_reverse_name(const char *addr, char *out, size_t size)
{
	unsigned char b[16];
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (inet_pton(AF_INET, addr, b) == 1)
		return snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", b[3],
				b[2], b[1], b[0]) < (int)size;
	if (inet_pton(AF_INET6, addr, b) != 1 || size < 74)
		return false;
	for (int i = 15; i >= 0; i--) {
		out[o++] = hex[b[i] & 15];
		out[o++] = '.';
		out[o++] = hex[b[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", 9);
	return true;
}
