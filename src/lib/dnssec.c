/*
 * dnssec.c - DNS lookups with the resolver's "authentic data" verdict
 * (see dnssec.h).
 *
 * As dnsq_lookup() does: res_nmkquery() and res_nsend() on a private
 * resolver state (res_ninit), so nothing leaks into other lookups.  The
 * query gets the AD bit (asking for the verdict) and an EDNS0 OPT record
 * (room for TLSA answers over UDP; TCP when truncated anyway), and the
 * state RES_TRUSTAD, without which glibc clears the bit in answers.
 */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/dnssec.h"

#define ANSWER_MAX 65536
#define EDNS_UDP_SIZE 1232

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

bool dnssec_lookup(const char *name, int type, struct dnsq_answer *a,
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
	*authentic = false;
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
	st.options |= RES_TRUSTAD;
#endif
	qlen = res_nmkquery(&st, ns_o_query, fqdn, ns_c_in, type, NULL, 0,
			    NULL, q, sizeof q);
	if (qlen < NS_HFIXEDSZ || !add_opt(q, &qlen, sizeof q)) {
		res_nclose(&st);
		a->status = DNSQ_BADMSG;
		return true;
	}
	q[3] |= 0x20;                      /* AD: tell me if it validates */
	if (!(ans = malloc(ANSWER_MAX))) {
		res_nclose(&st);
		vm_errno("out of memory");
		return false;
	}
	n = res_nsend(&st, q, qlen, ans, ANSWER_MAX);
	res_nclose(&st);
	if (n < 0) {
		free(ans);
		return true;
	}
	*authentic = n >= NS_HFIXEDSZ && (ans[3] & 0x20);
	ok = dnsq_parse(ans, (size_t)n, type, a);
	free(ans);
	if (!ok)
		vm_errno("out of memory");
	if (ok && a->status != DNSQ_OK && a->status != DNSQ_NODATA &&
	    a->status != DNSQ_NXDOMAIN)
		*authentic = false;
	return ok;
}
