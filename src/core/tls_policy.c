/*
 * tls_policy.c - DANE before MTA-STS: the decision of the first TLS
 * policy map of outgoing mail (see tls_policy.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/tls_policy.h"
#include "lib/str.h"
#include "lib/validate.h"

/* The host name of an MX record's presentation form "PREF HOST.",
 * without the final dot, into out; false if it is not one ("." is the
 * null MX of RFC 7505: no mail at all). */
static bool mx_host(const char *rr, char *out, size_t size)
{
	const char *sp = strchr(rr, ' ');
	size_t n;

	if (!sp || !sp[1])
		return false;
	sp++;
	n = strlen(sp);
	if (n && sp[n - 1] == '.')
		n--;
	if (n == 0 || n >= size)
		return false;
	memcpy(out, sp, n);
	out[n] = '\0';
	return true;
}

static bool failed(enum dnsq_status st)
{
	return st == DNSQ_SERVFAIL || st == DNSQ_TIMEOUT || st == DNSQ_BADMSG;
}

/* How a failed lookup reads in the log.  libresolv tries the next server
 * after a SERVFAIL and reports no answer when none is left, so a timeout
 * may be a SERVFAIL, which is what a signature that does not validate
 * gives. */
static const char *failure(enum dnsq_status st)
{
	return st == DNSQ_BADMSG ? "a bad answer" :
	       "SERVFAIL or no answer (a DNSSEC validation failure is SERVFAIL)";
}

/* Has host a validated TLSA RRset for port 25?  1 yes, 0 no, -1 the
 * lookup failed (why says so), -2 out of memory. */
static int host_has_tlsa(const char *host, tls_policy_lookup_fn *lookup,
			 void *ctx, char *why, size_t whylen)
{
	char name[VM_DOMAIN_MAX + 16];
	struct dnsq_answer a;
	bool authentic;
	int rc;

	if (!vm_snprintf(name, sizeof name, "_25._tcp.%s", host))
		return 0;
	if (!lookup(ctx, name, DNSQ_TLSA, &a, &authentic))
		return -2;
	if (failed(a.status)) {
		snprintf(why, whylen, "TLSA lookup of %s failed: %s", name,
			 failure(a.status));
		rc = -1;
	} else {
		rc = a.status == DNSQ_OK && a.n > 0 && authentic;
		if (rc)
			snprintf(why, whylen, "%s has DNSSEC-validated TLSA "
				 "records", name);
	}
	dnsq_answer_free(&a);
	return rc;
}

enum tls_policy_verdict tls_policy_decide(const char *key,
					  tls_policy_lookup_fn *lookup,
					  void *ctx, char *why, size_t whylen)
{
	char hosts[TLS_POLICY_MAX_MX][VM_DOMAIN_MAX + 1], bad[128];
	struct dnsq_answer a;
	bool authentic;
	size_t n = 0;

	if (!valid_domain(key, bad, sizeof bad)) {
		snprintf(why, whylen, "not a domain name: %s", bad);
		return TLS_POLICY_NOTFOUND;
	}
	if (!lookup(ctx, key, DNSQ_MX, &a, &authentic))
		return TLS_POLICY_ERROR;
	if (failed(a.status)) {
		snprintf(why, whylen, "MX lookup of %s failed: %s", key,
			 failure(a.status));
		dnsq_answer_free(&a);
		return TLS_POLICY_TEMP;
	}
	if (!authentic || a.status == DNSQ_NXDOMAIN) {
		snprintf(why, whylen, "the MX records of %s are %s", key,
			 a.status == DNSQ_NXDOMAIN ? "not there (NXDOMAIN)" :
			 "not DNSSEC-signed");
		dnsq_answer_free(&a);
		return TLS_POLICY_NOTFOUND;
	}
	if (a.status == DNSQ_NODATA) {
		/* no MX: mail goes to the domain's own address (RFC 5321 5.1) */
		vm_strlcpy(hosts[n++], key, sizeof hosts[0]);
	}
	for (size_t i = 0; a.status == DNSQ_OK && i < a.n &&
	     n < TLS_POLICY_MAX_MX; i++)
		if (mx_host(a.rr[i], hosts[n], sizeof hosts[0]))
			n++;
	dnsq_answer_free(&a);
	for (size_t i = 0; i < n; i++) {
		int rc = host_has_tlsa(hosts[i], lookup, ctx, why, whylen);

		if (rc == -2)
			return TLS_POLICY_ERROR;
		if (rc < 0)
			return TLS_POLICY_TEMP;
		if (rc > 0)
			return TLS_POLICY_DANE;
	}
	snprintf(why, whylen, "no DNSSEC-validated TLSA records for the %zu "
		 "MX host%s of %s", n, n == 1 ? "" : "s", key);
	return TLS_POLICY_NOTFOUND;
}
