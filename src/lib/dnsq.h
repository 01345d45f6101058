/*
 * dnsq.h - DNS lookups through the system resolver (libresolv, the
 * servers of /etc/resolv.conf), for "vmailctl check" and "vmailctl
 * tls-policy": the records of one name and type as presentation-form
 * strings, whether the name exists at all, and (dnsq_lookup_authentic)
 * whether the answer is DNSSEC-validated.
 *
 *	struct dnsq_answer a;
 *	dnsq_lookup("example.com", DNSQ_MX, &a);
 *	if (a.status == DNSQ_OK)
 *		for (size_t i = 0; i < a.n; i++)
 *			puts(a.rr[i]);             "10 mail.example.com."
 *	dnsq_answer_free(&a);
 *
 * Presentation forms (RFC 1035 zone-file syntax, names with their final
 * dot): A "192.0.2.1", AAAA "2001:db8::1", MX "10 mx.example.", TXT the
 * character-strings concatenated without separator as RFC 7208 3.3 and
 * RFC 6376 3.6.2.2 read them, bytes outside printable ASCII and '\' as
 * "\DDD"; CNAME, PTR, NS "name."; SRV "prio weight port target."; CAA
 * 'flags tag "value"'; TLSA "usage selector mtype HEX".  Only the answer
 * records of the type asked are returned (a CNAME chain the resolver
 * followed is skipped), in the order of the answer.
 *
 * dnsq_parse() is the whole answer parser, pure (a byte buffer in, no
 * network), for the unit tests and tests/fuzz/fuzz_dnsq_parse.c.
 *
 * Tests only: $VMAIL_DNS_SERVER = "IPV4 PORT" replaces the servers of
 * /etc/resolv.conf (tests/cli/run answers from its own server on the
 * loopback, docs/testing.md).
 */
#ifndef VMAIL_DNSQ_H
#define VMAIL_DNSQ_H

#include <stdbool.h>
#include <stddef.h>

/* Record types, as their numbers on the wire. */
enum dnsq_type {
	DNSQ_A = 1,
	DNSQ_NS = 2,
	DNSQ_CNAME = 5,
	DNSQ_PTR = 12,
	DNSQ_MX = 15,
	DNSQ_TXT = 16,
	DNSQ_AAAA = 28,
	DNSQ_SRV = 33,
	DNSQ_TLSA = 52,
	DNSQ_CAA = 257,
};

enum dnsq_status {
	DNSQ_OK,        /* at least one record of the type */
	DNSQ_NODATA,    /* the name exists, without records of the type */
	DNSQ_NXDOMAIN,  /* the name does not exist */
	DNSQ_SERVFAIL,  /* the server failed or refused (SERVFAIL, REFUSED..) */
	DNSQ_TIMEOUT,   /* no answer from any server */
	DNSQ_BADMSG,    /* an answer that does not parse */
};

/* At most this many records are kept per answer (more are ignored). */
#define DNSQ_MAX_RR 64

struct dnsq_answer {
	enum dnsq_status status;
	size_t n;                /* records in rr (0 unless DNSQ_OK) */
	char *rr[DNSQ_MAX_RR];   /* malloc'd presentation forms */
};

/* "A", "MX", ... ("TYPE123" for others: buf >= 16 bytes). */
const char *dnsq_type_name(int type, char *buf, size_t size);
/* "ok", "NODATA", "NXDOMAIN", "SERVFAIL", "timeout", "bad answer". */
const char *dnsq_status_name(enum dnsq_status st);

/*
 * Parse the answer message msg[len] to a question of type: fills *a
 * (status from the RCODE and the answer section).  Returns false only
 * when memory ran out (*a then holds nothing); a malformed message is
 * DNSQ_BADMSG.  Compression pointers are followed (loops and pointers
 * out of the message are malformed).
 */
bool dnsq_parse(const unsigned char *msg, size_t len, int type,
		struct dnsq_answer *a);

/*
 * Ask the system resolver for name (with or without the final dot;
 * never searched in the resolv.conf search list) and type.  Each server
 * gets 2 tries of 3 seconds over UDP, TCP when the answer is truncated.
 * False only when memory ran out or the resolver could not start
 * (printed); failures of DNS are a status.
 */
bool dnsq_lookup(const char *name, int type, struct dnsq_answer *a);

/*
 * Like dnsq_lookup(), and *authentic is true when the resolver set the
 * AD bit (RFC 6840 5.7): the answer, records or NODATA/NXDOMAIN, is
 * DNSSEC-validated.  The bit means something only from a validating
 * resolver this machine trusts: vmail's setup points resolv.conf at its
 * own unbound (setup_resolver.c); glibc passes the bit on only with
 * RES_TRUSTAD, which the private resolver state sets.  Used by
 * "vmailctl tls-policy" (DANE needs validated answers).
 */
bool dnsq_lookup_authentic(const char *name, int type, struct dnsq_answer *a,
			   bool *authentic);

void dnsq_answer_free(struct dnsq_answer *a);

/* The name to ask for the PTR of addr (IPv4 or IPv6 text):
 * "4.3.2.1.in-addr.arpa", the nibbles under ip6.arpa.  False if addr is
 * not an address.  out >= 74 bytes. */
bool dnsq_reverse_name(const char *addr, char *out, size_t size);

#endif
