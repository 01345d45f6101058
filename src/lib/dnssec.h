/*
 * dnssec.h - DNS lookups that say whether the answer is authentic: the
 * system resolver (/etc/resolv.conf: unbound on 127.0.0.1 on a vmail
 * server, which validates DNSSEC) asked with the AD bit (RFC 6840 5.7),
 * and the AD bit of its answer read.
 *
 *	struct dnsq_answer a;
 *	bool authentic;
 *	dnssec_lookup("_25._tcp.mx.example.com", DNSQ_TLSA, &a, &authentic);
 *
 * The AD bit means something only from a validating resolver this
 * machine trusts: vmail's setup points resolv.conf at its own unbound
 * (setup_resolver.c); glibc passes the bit on only with RES_TRUSTAD,
 * which the private resolver state here sets.  The answer's records
 * are parsed by dnsq_parse() (dnsq.h).  Used by "vmailctl tls-policy".
 */
#ifndef VMAIL_DNSSEC_H
#define VMAIL_DNSSEC_H

#include <stdbool.h>

#include "lib/dnsq.h"

/*
 * Like dnsq_lookup(), and *authentic is true when the resolver set the
 * AD bit (the answer, records or NODATA/NXDOMAIN, is DNSSEC-validated).
 * False only when memory ran out or the resolver could not start.
 */
bool dnssec_lookup(const char *name, int type, struct dnsq_answer *a,
		   bool *authentic);

#endif
