/*
 * dns_check.h - the judgements of "vmailctl check" on what DNS serves:
 * whether an SPF record lets this server's address send (RFC 7208
 * evaluation of ip4/ip6/a/mx/include/redirect, a few levels deep),
 * whether a DKIM record carries the key of its selector, whether a DMARC
 * record parses, which blocklist answers mean "listed", and the
 * server's own addresses.  Used by cmd_check.c.
 *
 * The functions that need more DNS get it through a dns_check_lookup
 * (dnsq_lookup() in the command, a table in the unit tests), so every
 * judgement can be tested without a network.
 */
#ifndef VMAIL_DNS_CHECK_H
#define VMAIL_DNS_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"
#include "lib/dnsq.h"

typedef bool dns_check_lookup(void *ctx, const char *name, int type,
			      struct dnsq_answer *a);

/* How deep include: and redirect= are followed (RFC 7208 allows 10
 * DNS-querying terms; five levels is plenty for a check). */
#define SPF_MAX_DEPTH 5

enum spf_verdict {
	SPF_PASS,         /* a "+" mechanism matches the address */
	SPF_NOT_COVERED,  /* nothing lets it pass (or "-all" etc. first) */
	SPF_INVALID,      /* no "v=spf1" record, or one that does not parse */
	SPF_TEMPFAIL,     /* a lookup the answer depends on failed */
};

/*
 * Evaluate the SPF record (the TXT value, "v=spf1 ...") of domain for
 * the address ip (IPv4 or IPv6 text): which mechanism decides.  why gets
 * a sentence for the administrator: the mechanism that matched ("ip4:
 * 192.0.2.0/24"), or what is wrong.  Macros (%{...}), exists: and ptr
 * never match here.
 */
enum spf_verdict spf_evaluate(const char *record, const char *domain,
			      const char *ip, dns_check_lookup *lookup,
			      void *ctx, char *why, size_t whylen);

/* The one "v=spf1" record among the TXT values txt[n]: its index, -1 if
 * none, -2 if more than one (RFC 7208 4.5: permerror). */
int spf_pick(char *const *txt, size_t n);

/*
 * The value of tag (e.g. "p", "v") in a tag=value list (DKIM RFC 6376
 * 3.2, DMARC RFC 7489 6.4) into out, white space removed from the value
 * when strip_ws.  False if the tag is absent or the list does not parse.
 */
bool tag_value(const char *list, const char *tag, bool strip_ws, char *out,
	       size_t size);

enum dkim_verdict {
	DKIM_SAME,        /* the p= key of found is the expected one */
	DKIM_OTHER_KEY,   /* a DKIM record with another key */
	DKIM_NOT_DKIM,    /* not a DKIM key record (no p=, v= not DKIM1) */
};

/* Compare the DKIM record found (TXT value) with the expected one (what
 * dkim_txt_value() gives).  For DKIM_OTHER_KEY, *pos is the first
 * character (from 0) of the base64 key where they differ. */
enum dkim_verdict dkim_compare(const char *found, const char *expected,
			       size_t *pos);

/* A DMARC record (the TXT value of _dmarc.DOMAIN): true when it is
 * "v=DMARC1" with a valid p= (none, quarantine, reject), the policy in
 * policy (size >= 16); false with the reason in why. */
bool dmarc_parse(const char *record, char *policy, char *why, size_t whylen);

/* The DNSBL name for ip in zone: "4.3.2.1.zone" (IPv4), the nibbles for
 * IPv6.  False if ip is not an address or the name is too long. */
bool dnsbl_name(const char *ip, const char *zone, char *out, size_t size);

enum dnsbl_verdict {
	DNSBL_LISTED,     /* 127.0.0.2 - 127.0.0.254 and others of 127/8 */
	DNSBL_REFUSED,    /* 127.255.255.x: the list refused the query
			   * (Spamhaus: public resolver, or rate limit) */
	DNSBL_ODD,        /* an answer outside 127/8 (a wildcard zone?) */
};
enum dnsbl_verdict dnsbl_judge(const char *a);

/* Whether the address text ip is among the A/AAAA values (compared as
 * addresses, not text). */
bool addr_in(const char *ip, char *const *addrs, size_t n);

#endif
