/*
 * tls_policy.h - which TLS policy Postfix applies to a destination
 * domain of outgoing mail, first of the two policy maps in main.cf
 * (docs/outbound-tls.md):
 *
 *	smtp_tls_policy_maps = socketmap:inet:127.0.0.1:8462:dane,
 *	                       socketmap:inet:127.0.0.1:8461:postfix
 *
 * The second map, postfix-mta-sts-resolver, answers "secure match=..."
 * for every domain with an MTA-STS policy, and a policy map's answer
 * replaces smtp_tls_security_level = dane: alone, MTA-STS would win over
 * DANE for a domain that has both.  This decision comes first and keeps
 * DANE first (RFC 8461 2: a DANE-capable sender uses DANE where the
 * receiver publishes it):
 *
 *	the domain's MX RRset (or, without MX, the domain itself) is
 *	DNSSEC-validated, and at least one MX host has a validated TLSA
 *	RRset at _25._tcp.HOST                     -> "dane" (Postfix's
 *	                                              DANE, nothing else)
 *	a lookup failed (SERVFAIL: also what a bogus answer is, timeout)
 *	                                           -> temporary failure
 *	                                              (Postfix defers the
 *	                                              mail: an attacker
 *	                                              who breaks DNS does
 *	                                              not get a downgrade)
 *	anything else (unsigned, no TLSA)          -> not found: the next
 *	                                              map, MTA-STS, then
 *	                                              the default level
 *
 * The DNS is a callback, so the decision is tested without a network
 * (tests/unit/test_tls_policy.c); "vmailctl tls-policy" gives it
 * dnsq_lookup_authentic() (lib/dnsq.h).
 */
#ifndef VMAIL_TLS_POLICY_H
#define VMAIL_TLS_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/dnsq.h"

/* At most this many MX hosts are asked for TLSA records. */
#define TLS_POLICY_MAX_MX 10

/* One lookup: fills *a and *authentic (see dnsq_lookup_authentic); false only
 * when memory ran out. */
typedef bool tls_policy_lookup_fn(void *ctx, const char *name, int type,
				  struct dnsq_answer *a, bool *authentic);

enum tls_policy_verdict {
	TLS_POLICY_DANE,       /* reply "OK dane" */
	TLS_POLICY_NOTFOUND,   /* reply "NOTFOUND": the next map decides */
	TLS_POLICY_TEMP,       /* reply "TEMP why": Postfix defers */
	TLS_POLICY_ERROR,      /* out of memory (reply TEMP as well) */
};

/*
 * The verdict for the lookup key Postfix sends (the next-hop domain,
 * lower case, without the final dot).  Keys that are not a plain domain
 * (".parent" for parent-domain matching, "[host]:port" next hops, bad
 * names) are NOTFOUND.  why[whylen] gets one line for the log and the
 * TEMP reply (what was found or what failed).
 */
enum tls_policy_verdict tls_policy_decide(const char *key,
					  tls_policy_lookup_fn *lookup,
					  void *ctx, char *why, size_t whylen);

#endif
