/*
 * dns_check.c - the judgements of "vmailctl check" on DNS answers (see
 * dns_check.h): SPF evaluation for one address, DKIM key comparison,
 * DMARC parsing, DNSBL answers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dns_check.h"
#include "lib/diag.h"
#include "lib/dnsq.h"
#include "lib/str.h"

/* ---- addresses ------------------------------------------------------ */

struct addr {
	int family;
	unsigned char b[16];
};

static bool addr_parse(const char *s, struct addr *a)
{
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

/* The first bits bits of a and b agree (same family). */
static bool prefix_match(const struct addr *a, const struct addr *b,
			 int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (a->family != b->family)
		return false;
	if (memcmp(a->b, b->b, (size_t)full))
		return false;
	if (rest) {
		unsigned char m = (unsigned char)(0xff << (8 - rest));

		return (a->b[full] & m) == (b->b[full] & m);
	}
	return true;
}

bool addr_in(const char *ip, char *const *addrs, size_t n)
{
	struct addr me, x;

	if (!addr_parse(ip, &me))
		return false;
	for (size_t i = 0; i < n; i++)
		if (addr_parse(addrs[i], &x) && prefix_match(&me, &x,
				me.family == AF_INET ? 32 : 128))
			return true;
	return false;
}

/* ---- SPF ------------------------------------------------------------ */

int spf_pick(char *const *txt, size_t n)
{
	int found = -1;

	for (size_t i = 0; i < n; i++) {
		const char *t = txt[i];

		if (strncasecmp(t, "v=spf1", 6) || (t[6] && t[6] != ' '))
			continue;
		if (found >= 0)
			return -2;
		found = (int)i;
	}
	return found;
}

struct spf {
	const char *ip;
	struct addr me;
	dns_check_lookup *lookup;
	void *ctx;
	char *why;
	size_t whylen;
};

static enum spf_verdict spf_record(struct spf *s, const char *record,
				   const char *domain, int depth);

/* Split "domain/cidr4//cidr6" (after "a:" or "mx:", or "/24" alone);
 * false if malformed. */
static bool spf_target(const char *arg, const char *domain, char *target,
		       size_t size, int *cidr4, int *cidr6)
{
	const char *slash = strchr(arg, '/');
	size_t dlen = slash ? (size_t)(slash - arg) : strlen(arg);

	*cidr4 = 32;
	*cidr6 = 128;
	if (dlen == 0)
		snprintf(target, size, "%s", domain);
	else if (dlen >= size)
		return false;
	else {
		memcpy(target, arg, dlen);
		target[dlen] = '\0';
	}
	if (slash) {
		char *end;
		long v;

		if (slash[1] != '/') {
			v = strtol(slash + 1, &end, 10);
			if (end == slash + 1 || v < 0 || v > 32)
				return false;
			*cidr4 = (int)v;
			slash = end;
			if (*slash == '\0')
				return true;
		}
		if (slash[0] != '/' || slash[1] != '/')
			return false;
		v = strtol(slash + 2, &end, 10);
		if (end == slash + 2 || *end || v < 0 || v > 128)
			return false;
		*cidr6 = (int)v;
	}
	return true;
}

/* 1: an address of host (A or AAAA, as our address) is within cidr;
 * 0: none; -1: the lookup failed. */
static int host_matches(struct spf *s, const char *host, int cidr4, int cidr6)
{
	struct dnsq_answer a;
	int type = s->me.family == AF_INET ? DNSQ_A : DNSQ_AAAA;
	int hit = 0;

	if (!s->lookup(s->ctx, host, type, &a))
		return -1;
	if (a.status == DNSQ_SERVFAIL || a.status == DNSQ_TIMEOUT ||
	    a.status == DNSQ_BADMSG) {
		vm_why(s->why, s->whylen, "the lookup of %s failed (%s)", host,
		       dnsq_status_name(a.status));
		return -1;
	}
	for (size_t i = 0; i < a.n && !hit; i++) {
		struct addr x;

		if (addr_parse(a.rr[i], &x) &&
		    prefix_match(&s->me, &x,
				 x.family == AF_INET ? cidr4 : cidr6))
			hit = 1;
	}
	dnsq_answer_free(&a);
	return hit;
}

static int mx_matches(struct spf *s, const char *domain, int cidr4, int cidr6)
{
	struct dnsq_answer a;
	int hit = 0;

	if (!s->lookup(s->ctx, domain, DNSQ_MX, &a))
		return -1;
	if (a.status == DNSQ_SERVFAIL || a.status == DNSQ_TIMEOUT ||
	    a.status == DNSQ_BADMSG) {
		vm_why(s->why, s->whylen, "the MX lookup of %s failed (%s)",
		       domain, dnsq_status_name(a.status));
		return -1;
	}
	for (size_t i = 0; i < a.n && hit == 0; i++) {
		const char *host = strchr(a.rr[i], ' ');

		if (host)
			hit = host_matches(s, host + 1, cidr4, cidr6);
	}
	dnsq_answer_free(&a);
	return hit;
}

static int ip_matches(struct spf *s, const char *arg, int family)
{
	char buf[64];
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	int bits = family == AF_INET ? 32 : 128;
	struct addr x;

	if (n >= sizeof buf)
		return -2;
	memcpy(buf, arg, n);
	buf[n] = '\0';
	if (!addr_parse(buf, &x) || x.family != family)
		return -2;
	if (slash) {
		char *end;
		long v = strtol(slash + 1, &end, 10);

		if (end == slash + 1 || *end || v < 0 || v > bits)
			return -2;
		bits = (int)v;
	}
	return prefix_match(&s->me, &x, bits);
}

/* The SPF record of domain, evaluated one level deeper. */
static enum spf_verdict spf_domain(struct spf *s, const char *domain,
				   int depth)
{
	struct dnsq_answer a;
	enum spf_verdict v;
	int i;

	if (depth >= SPF_MAX_DEPTH) {
		vm_why(s->why, s->whylen, "include:/redirect= nest deeper than "
		       "%d levels (at %s)", SPF_MAX_DEPTH, domain);
		return SPF_INVALID;
	}
	if (!s->lookup(s->ctx, domain, DNSQ_TXT, &a))
		return SPF_TEMPFAIL;
	if (a.status == DNSQ_SERVFAIL || a.status == DNSQ_TIMEOUT ||
	    a.status == DNSQ_BADMSG) {
		vm_why(s->why, s->whylen, "the TXT lookup of %s failed (%s)",
		       domain, dnsq_status_name(a.status));
		dnsq_answer_free(&a);
		return SPF_TEMPFAIL;
	}
	i = spf_pick(a.rr, a.n);
	if (i < 0) {
		vm_why(s->why, s->whylen, i == -1 ? "%s has no SPF record" :
		       "%s has more than one SPF record", domain);
		dnsq_answer_free(&a);
		return SPF_INVALID;
	}
	v = spf_record(s, a.rr[i], domain, depth + 1);
	dnsq_answer_free(&a);
	return v;
}

static enum spf_verdict spf_record(struct spf *s, const char *record,
				   const char *domain, int depth)
{
	char *copy = strdup(record), *save = NULL, *term;
	char redirect[256] = "";
	enum spf_verdict v = SPF_NOT_COVERED;

	if (!copy)
		return SPF_TEMPFAIL;
	vm_why(s->why, s->whylen, "no mechanism matches %s", s->ip);
	term = strtok_r(copy, " ", &save);
	if (!term || strcasecmp(term, "v=spf1")) {
		vm_why(s->why, s->whylen, "%s: not an SPF record (no v=spf1)",
		       domain);
		free(copy);
		return SPF_INVALID;
	}
	while ((term = strtok_r(NULL, " ", &save))) {
		char q = '+', target[256];
		const char *name = term, *arg;
		size_t nlen;
		int hit, c4, c6;
		bool inner = false;   /* why names the include's mechanism */

		if (strchr("+-~?", *name))
			q = *name++;
		nlen = strcspn(name, ":/=");
		arg = name + nlen;
		if (*arg == '=') {        /* a modifier */
			if (nlen == 8 && !strncasecmp(name, "redirect", 8))
				snprintf(redirect, sizeof redirect, "%s",
					 arg + 1);
			continue;
		}
		if (*arg == ':')
			arg++;
		if (strchr(arg, '%')) {   /* a macro: not evaluated here */
			continue;
		} else if (nlen == 3 && !strncasecmp(name, "all", 3) && !*arg) {
			hit = 1;
		} else if (nlen == 3 && !strncasecmp(name, "ip4", 3)) {
			hit = s->me.family == AF_INET ? ip_matches(s, arg,
								   AF_INET) :
				ip_matches(s, arg, AF_INET) == -2 ? -2 : 0;
		} else if (nlen == 3 && !strncasecmp(name, "ip6", 3)) {
			hit = s->me.family == AF_INET6 ? ip_matches(s, arg,
								    AF_INET6) :
				ip_matches(s, arg, AF_INET6) == -2 ? -2 : 0;
		} else if ((nlen == 1 && !strncasecmp(name, "a", 1)) ||
			   (nlen == 2 && !strncasecmp(name, "mx", 2))) {
			if (!spf_target(arg, domain, target, sizeof target,
					&c4, &c6))
				hit = -2;
			else
				hit = nlen == 1 ?
				      host_matches(s, target, c4, c6) :
				      mx_matches(s, target, c4, c6);
		} else if (nlen == 7 && !strncasecmp(name, "include", 7) &&
			   *arg) {
			enum spf_verdict iv = spf_domain(s, arg, depth);

			if (iv == SPF_INVALID || iv == SPF_TEMPFAIL) {
				v = iv;
				break;
			}
			hit = iv == SPF_PASS;
			inner = hit;
			if (!hit)
				vm_why(s->why, s->whylen, "no mechanism "
				       "matches %s", s->ip);
		} else if ((nlen == 6 && !strncasecmp(name, "exists", 6)) ||
			   (nlen == 3 && !strncasecmp(name, "ptr", 3))) {
			hit = 0;
		} else {
			hit = -2;
		}
		if (hit == -2) {
			vm_why(s->why, s->whylen, "%s: the term '%s' does not "
			       "parse", domain, term);
			v = SPF_INVALID;
			break;
		}
		if (hit < 0) {
			v = SPF_TEMPFAIL;
			break;
		}
		if (hit) {
			if (q == '+') {
				if (!inner)
					vm_why(s->why, s->whylen, "%s matches"
					       "%s%s", term, depth ? " in " : "",
					       depth ? domain : "");
				v = SPF_PASS;
			} else {
				vm_why(s->why, s->whylen, "'%s'%s%s matches "
				       "%s first", term, depth ? " of " : "",
				       depth ? domain : "", s->ip);
				v = SPF_NOT_COVERED;
			}
			free(copy);
			return v;
		}
	}
	free(copy);
	if (v == SPF_NOT_COVERED && redirect[0]) {
		if (strchr(redirect, '%'))
			return v;
		return spf_domain(s, redirect, depth);
	}
	return v;
}

enum spf_verdict spf_evaluate(const char *record, const char *domain,
			      const char *ip, dns_check_lookup *lookup,
			      void *ctx, char *why, size_t whylen)
{
	struct spf s = { ip, { 0, { 0 } }, lookup, ctx, why, whylen };

	if (!addr_parse(ip, &s.me)) {
		vm_why(why, whylen, "'%s' is not an address", ip);
		return SPF_INVALID;
	}
	return spf_record(&s, record, domain, 0);
}

/* ---- tag=value lists: DKIM, DMARC ----------------------------------- */

bool tag_value(const char *list, const char *tag, bool strip_ws, char *out,
	       size_t size)
{
	size_t tlen = strlen(tag);
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ';'), *eq;
		const char *t0, *t1, *v0, *v1;

		if (!end)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		t0 = p;
		while (t0 < end && isspace((unsigned char)*t0))
			t0++;
		if (!eq) {
			if (t0 != end)
				return false;   /* "junk;" */
			p = *end ? end + 1 : end;
			continue;
		}
		t1 = eq;
		while (t1 > t0 && isspace((unsigned char)t1[-1]))
			t1--;
		if ((size_t)(t1 - t0) == tlen && !memcmp(t0, tag, tlen)) {
			size_t o = 0;

			v0 = eq + 1;
			v1 = end;
			while (v0 < v1 && isspace((unsigned char)*v0))
				v0++;
			while (v1 > v0 && isspace((unsigned char)v1[-1]))
				v1--;
			for (const char *c = v0; c < v1; c++) {
				if (strip_ws && isspace((unsigned char)*c))
					continue;
				if (o + 1 >= size)
					return false;
				out[o++] = *c;
			}
			out[o] = '\0';
			return true;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

enum dkim_verdict dkim_compare(const char *found, const char *expected,
			       size_t *pos)
{
	size_t flen = strlen(found) + 1, elen = strlen(expected) + 1;
	char *fp = malloc(flen), *ep = malloc(elen), v[16];
	enum dkim_verdict r = DKIM_NOT_DKIM;
	size_t i = 0;

	*pos = 0;
	if (!fp || !ep)
		goto out;
	if (tag_value(found, "v", true, v, sizeof v) && strcmp(v, "DKIM1"))
		goto out;
	if (!tag_value(found, "p", true, fp, flen) || !fp[0] ||
	    !tag_value(expected, "p", true, ep, elen))
		goto out;
	while (fp[i] && fp[i] == ep[i])
		i++;
	r = fp[i] == ep[i] ? DKIM_SAME : DKIM_OTHER_KEY;
	*pos = i;
out:
	free(fp);
	free(ep);
	return r;
}

bool dmarc_parse(const char *record, char *policy, char *why, size_t whylen)
{
	char v[16];
	const char *p = record;

	while (isspace((unsigned char)*p))
		p++;
	if (strncmp(p, "v=DMARC1", 8) || (p[8] && p[8] != ';' &&
					  !isspace((unsigned char)p[8])))
		return vm_why(why, whylen, "does not start with v=DMARC1");
	if (!tag_value(record, "p", true, v, sizeof v))
		return vm_why(why, whylen, "has no p= policy");
	if (strcmp(v, "none") && strcmp(v, "quarantine") && strcmp(v, "reject"))
		return vm_why(why, whylen, "p=%.15s is not none, quarantine "
			      "or reject", v);
	snprintf(policy, 16, "%s", v);
	return true;
}

/* ---- blocklists ----------------------------------------------------- */

bool dnsbl_name(const char *ip, const char *zone, char *out, size_t size)
{
	char rev[80];
	char *arpa;

	if (!dnsq_reverse_name(ip, rev, sizeof rev))
		return false;
	arpa = strstr(rev, strchr(ip, ':') ? "ip6.arpa" : "in-addr.arpa");
	if (!arpa)
		return false;
	*arpa = '\0';
	return vm_snprintf(out, size, "%s%s", rev, zone);
}

enum dnsbl_verdict dnsbl_judge(const char *a)
{
	struct addr x;

	if (!addr_parse(a, &x) || x.family != AF_INET || x.b[0] != 127)
		return DNSBL_ODD;
	if (x.b[1] == 255 && x.b[2] == 255)
		return DNSBL_REFUSED;
	return DNSBL_LISTED;
}
