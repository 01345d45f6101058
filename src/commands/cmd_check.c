/*
 * cmd_check.c - "vmailctl check [dns|tls|all] [DOMAIN] [--json]": ask
 * the live world whether this server is set up right, and say what is
 * wrong, one line per check.
 *
 *   dns  for each hosted domain (or DOMAIN), every record "vmailctl dns"
 *        prints (core/dns_records.h): MX points here, SPF lets this
 *        server's address send (evaluated, not compared as text), the
 *        DKIM record of each active or pending selector carries its
 *        key, DMARC parses (and has the configured policy); the others
 *        (MTA-STS, TLS-RPT, SRV, CNAME, CAA, TLSA) are compared value by
 *        value.  Once for the server: A/AAAA of the host name,
 *        forward-confirmed reverse DNS of its address, and the
 *        blocklists of [dns] blocklists.
 *   tls  the certificate served on each port (25 and 587 STARTTLS, 465,
 *        143 and 110 STARTTLS, 993, 995, 443) at 127.0.0.1 with the host
 *        name as SNI: its names, days left, whether it verifies; and the
 *        TLS reports (RFC 8460) other servers mailed to the rua mailbox
 *        ([dns] tlsrpt_rua, else dmarc_rua, else the admin) in the last
 *        30 days, read where they are in its Maildir (any folder, left
 *        in place): failed sessions per reporting organisation and
 *        result type (lib/tlsrpt.h).
 *
 * DNS goes through the system resolver (lib/dnsq.h), so the answers are
 * those the rest of the world's resolvers see only once caches expire.
 * Judgements: core/dns_check.h; the TLS probe: lib/tlsprobe.h.
 *
 * Exit codes: 0 every check ok, 1 warnings only, 2 at least one error.
 * 2 also when nothing could be checked (VM_EXIT_USAGE: a usage error, no
 * directory, no host name): the reason is on stderr and stdout is empty,
 * so a script tells the two apart by the output.  (VM_EXIT_FAIL would
 * read as "warnings".)
 */
#include <ftw.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/directory.h"
#include "core/dkim_keys.h"
#include "core/dns_check.h"
#include "core/dns_records.h"
#include "core/maildir.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/dkim.h"
#include "lib/dnsq.h"
#include "lib/file.h"
#include "lib/output.h"
#include "lib/strlist.h"
#include "lib/tlsprobe.h"
#include "lib/tlsrpt.h"
#include "lib/validate.h"

static const char check_usage[] =
	"usage: vmailctl check [dns|tls|all] [DOMAIN] [--json]\n"
	"\n"
	"Check what the world sees of this server, one line per check:\n"
	"  dns  for DOMAIN (default: every hosted domain) each record of\n"
	"       'vmailctl dns': MX, SPF (does it let this server's address\n"
	"       send?), DKIM (is the key of each selector published as it\n"
	"       is?), DMARC, MTA-STS, TLS-RPT, SRV, CNAME, CAA, TLSA; and for\n"
	"       the server: A/AAAA of the host name, reverse DNS (a PTR\n"
	"       confirmed by its A record), the blocklists of [dns] blocklists\n"
	"  tls  the certificate served on ports 25, 587, 465, 143, 110, 993,\n"
	"       995 and 443: names, expiry, whether it verifies; and the TLS\n"
	"       reports (RFC 8460) in the rua mailbox of the last 30 days:\n"
	"       the sessions other servers saw fail, per organisation and type\n"
	"  all  both (the default)\n"
	"Each line says ok, missing, wrong, listed, warning or error, with\n"
	"what was found and what was expected.  DNS is asked through the\n"
	"system resolver (/etc/resolv.conf).\n"
	"\n"
	"  -j, --json   print a JSON object with every check\n"
	"  -h, --help   show this help\n"
	"\n"
	"Exit status: 0 every check is ok, 1 warnings only, 2 at least one\n"
	"error.  2 also when nothing could be checked (a usage error, no\n"
	"directory yet): then the reason goes to stderr and stdout stays\n"
	"empty.\n";

/* Certificates that expire sooner than this are a warning. */
#define CERT_WARN_DAYS 14
/* Seconds each TLS step may take. */
#define TLS_TIMEOUT 10

enum level { LV_OK, LV_WARN, LV_ERR };

struct row {
	const char *area;        /* "dns", "tls" */
	const char *state;       /* ok, missing, wrong, listed, warning, error */
	enum level level;
	char *check;             /* "MX", "DKIM", "PTR", "blocklist", "port 25" */
	char *name;              /* the DNS name or host:port looked at */
	char *message;           /* the sentence for the administrator */
	char *found;             /* what DNS/the server gave ("" none) */
	char *expected;          /* what vmail expects ("" none) */
};

struct report {
	struct row *v;
	size_t n, cap;
	bool nomem;
	struct timespec start;
	bool progress_shown;
};

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

__attribute__((format(printf, 6, 7)))
static void add(struct report *r, const char *area, const char *state,
		const char *check, const char *name, const char *fmt, ...)
{
	struct row *w;
	struct vm_buf b = VM_BUF_INIT;
	va_list ap;
	char *msg;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct row *v = realloc(r->v, cap * sizeof *v);

		if (!v) {
			r->nomem = true;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	va_start(ap, fmt);
	{
		char tmp[2048];

		vsnprintf(tmp, sizeof tmp, fmt, ap);
		vm_buf_puts(&b, tmp);
	}
	va_end(ap);
	msg = vm_buf_take(&b, NULL);
	w = &r->v[r->n];
	w->area = area;
	w->state = state;
	w->level = !strcmp(state, "ok") ? LV_OK :
		   !strcmp(state, "warning") ? LV_WARN : LV_ERR;
	w->check = dup0(check);
	w->name = dup0(name);
	if (w->name && w->name[0] && w->name[1] &&
	    w->name[strlen(w->name) - 1] == '.')
		w->name[strlen(w->name) - 1] = '\0';
	w->message = msg;
	w->found = dup0("");
	w->expected = dup0("");
	if (!msg || !w->check || !w->name || !w->found || !w->expected) {
		r->nomem = true;
		free(msg);
		free(w->check);
		free(w->name);
		free(w->found);
		free(w->expected);
		return;
	}
	r->n++;
}

/* Set found/expected of the last row. */
static void found_expected(struct report *r, const char *found,
			   const char *expected)
{
	struct row *w;

	if (!r->n)
		return;
	w = &r->v[r->n - 1];
	if (found) {
		free(w->found);
		w->found = dup0(found);
	}
	if (expected) {
		free(w->expected);
		w->expected = dup0(expected);
	}
	if (!w->found || !w->expected)
		r->nomem = true;
}

/* The last row counts as a warning only (a record that makes mail
 * safer or clients easier, not delivery possible). */
static void soften(struct report *r)
{
	if (r->n && r->v[r->n - 1].level == LV_ERR)
		r->v[r->n - 1].level = LV_WARN;
}

static void report_free(struct report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].check);
		free(r->v[i].name);
		free(r->v[i].message);
		free(r->v[i].found);
		free(r->v[i].expected);
	}
	free(r->v);
}

/* A progress line, on a terminal, once the checks have taken a while. */
static void progress(struct report *r, const char *what)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - r->start.tv_sec < 2 && !r->progress_shown)
		return;
	r->progress_shown = true;
	vm_progress("checking %s", what);
}

static bool lookup(void *ctx, const char *name, int type,
		   struct dnsq_answer *a)
{
	(void)ctx;
	return dnsq_lookup(name, type, a);
}

/* All values of an answer, "; "-separated, into out. */
static const char *joined(const struct dnsq_answer *a, char *out,
			  size_t size)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < a->n && o + 4 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? "; " : "",
				      a->rr[i]);
	if (o >= size)
		out[size - 1] = '\0';
	return out;
}

static bool lookup_failed(const struct dnsq_answer *a)
{
	return a->status == DNSQ_SERVFAIL || a->status == DNSQ_TIMEOUT ||
	       a->status == DNSQ_BADMSG;
}

/* The row for a lookup that failed; true if it did. */
static bool report_failure(struct report *r, const char *check,
			   const char *name, const struct dnsq_answer *a)
{
	if (!lookup_failed(a))
		return false;
	add(r, "dns", "error", check, name, "the lookup failed (%s): is the "
	    "resolver of /etc/resolv.conf working?", dnsq_status_name(a->status));
	return true;
}

/* ---- the server ----------------------------------------------------- */

struct server {
	const struct vm_config *cfg;
	char v4[16], v6[46];
};

static void check_host_addr(struct report *r, const struct server *sv,
			    int type, const char *ip)
{
	const char *h = sv->cfg->hostname, *tn = type == DNSQ_A ? "A" : "AAAA";
	struct dnsq_answer a;
	char found[1024];

	if (!dnsq_lookup(h, type, &a)) {
		r->nomem = true;
		return;
	}
	if (report_failure(r, tn, h, &a))
		;
	else if (a.status != DNSQ_OK) {
		add(r, "dns", "missing", tn, h, "the host name has no %s record "
		    "(%s): publish %s. IN %s %s", tn,
		    dnsq_status_name(a.status), h, tn, ip);
		found_expected(r, NULL, ip);
	} else if (addr_in(ip, a.rr, a.n)) {
		add(r, "dns", "ok", tn, h, "%s", joined(&a, found,
							sizeof found));
		found_expected(r, found, ip);
	} else {
		add(r, "dns", "wrong", tn, h, "does not point to this server: "
		    "found %s, expected %s", joined(&a, found, sizeof found), ip);
		found_expected(r, found, ip);
	}
	dnsq_answer_free(&a);
}

/* Forward-confirmed reverse DNS of ip. */
static void check_ptr(struct report *r, const struct server *sv,
		      const char *ip)
{
	const char *h = sv->cfg->hostname;
	char rev[80], found[1024], want[300];
	struct dnsq_answer a;
	const char *confirmed = NULL;
	bool host_named = false;

	if (!dnsq_reverse_name(ip, rev, sizeof rev))
		return;
	snprintf(want, sizeof want, "%s.", h);
	if (!dnsq_lookup(rev, DNSQ_PTR, &a)) {
		r->nomem = true;
		return;
	}
	if (report_failure(r, "PTR", rev, &a)) {
		dnsq_answer_free(&a);
		return;
	}
	if (a.status != DNSQ_OK) {
		add(r, "dns", "missing", "PTR", rev, "no reverse DNS for %s "
		    "(%s): ask the provider of the address for %s PTR %s",
		    ip, dnsq_status_name(a.status), ip, want);
		found_expected(r, NULL, want);
		return;
	}
	joined(&a, found, sizeof found);
	for (size_t i = 0; i < a.n && !host_named; i++) {
		struct dnsq_answer f;
		char name[300];

		snprintf(name, sizeof name, "%s", a.rr[i]);
		if (!dnsq_lookup(name, strchr(ip, ':') ? DNSQ_AAAA : DNSQ_A,
				 &f)) {
			r->nomem = true;
			break;
		}
		if (f.status == DNSQ_OK && addr_in(ip, f.rr, f.n)) {
			confirmed = a.rr[i];
			host_named = !strcasecmp(a.rr[i], want);
		}
		dnsq_answer_free(&f);
	}
	if (confirmed && host_named) {
		add(r, "dns", "ok", "PTR", rev, "%s, whose address is %s "
		    "(forward-confirmed)", confirmed, ip);
	} else if (confirmed) {
		add(r, "dns", "warning", "PTR", rev, "%s is forward-confirmed "
		    "but is not the host name %s (HELO): ask for %s PTR %s",
		    confirmed, want, ip, want);
	} else {
		add(r, "dns", "wrong", "PTR", rev, "%s does not resolve back to "
		    "%s (no forward confirmation): ask for %s PTR %s and "
		    "publish %s A/AAAA %s", found, ip, ip, want, want, ip);
	}
	found_expected(r, found, want);
	dnsq_answer_free(&a);
}

static void check_blocklist(struct report *r, const char *zone,
			    const char *ip)
{
	char name[400], found[1024], why[1024] = "";
	struct dnsq_answer a, t;
	enum dnsbl_verdict v;

	if (!dnsbl_name(ip, zone, name, sizeof name))
		return;
	if (!dnsq_lookup(name, DNSQ_A, &a)) {
		r->nomem = true;
		return;
	}
	if (lookup_failed(&a)) {
		add(r, "dns", "warning", "blocklist", zone, "could not ask %s "
		    "about %s (%s)", zone, ip, dnsq_status_name(a.status));
		dnsq_answer_free(&a);
		return;
	}
	if (a.status != DNSQ_OK) {
		add(r, "dns", "ok", "blocklist", zone, "%s is not listed", ip);
		dnsq_answer_free(&a);
		return;
	}
	joined(&a, found, sizeof found);
	v = dnsbl_judge(a.rr[0]);
	if (dnsq_lookup(name, DNSQ_TXT, &t)) {
		if (t.status == DNSQ_OK)
			joined(&t, why, sizeof why);
		dnsq_answer_free(&t);
	}
	if (v == DNSBL_LISTED)
		add(r, "dns", "listed", "blocklist", zone, "%s is listed "
		    "(%s)%s%s", ip, found, why[0] ? ": " : "", why);
	else if (v == DNSBL_REFUSED)
		add(r, "dns", "warning", "blocklist", zone, "%s refused the "
		    "query (%s): it does not answer through public or shared "
		    "resolvers; ask it from your own resolver", zone, found);
	else
		add(r, "dns", "warning", "blocklist", zone, "odd answer %s "
		    "(not 127.0.0.x): is %s still a blocklist?", found, zone);
	found_expected(r, found, "NXDOMAIN");
	dnsq_answer_free(&a);
}

static void check_server_dns(struct report *r, const struct server *sv)
{
	char zones[VM_CONF_VALUE_MAX + 1], *save = NULL, *zone;

	progress(r, "the host name and its address");
	if (!sv->v4[0] && !sv->v6[0])
		add(r, "dns", "error", "address", sv->cfg->hostname,
		    "this server's public address is unknown: set [server] "
		    "ipv4 (and ipv6) in vmail.conf");
	if (sv->v4[0])
		check_host_addr(r, sv, DNSQ_A, sv->v4);
	if (sv->v6[0])
		check_host_addr(r, sv, DNSQ_AAAA, sv->v6);
	if (sv->v4[0])
		check_ptr(r, sv, sv->v4);
	if (sv->v6[0])
		check_ptr(r, sv, sv->v6);
	snprintf(zones, sizeof zones, "%s", sv->cfg->blocklists);
	progress(r, "the blocklists");
	for (zone = strtok_r(zones, " ", &save); zone;
	     zone = strtok_r(NULL, " ", &save)) {
		if (sv->v4[0])
			check_blocklist(r, zone, sv->v4);
	}
}

/* ---- a domain ------------------------------------------------------- */

static void check_mx(struct report *r, const struct server *sv,
		     const char *domain, const char *want)
{
	const char *h = sv->cfg->hostname;
	char found[2048];
	struct dnsq_answer a;
	bool here = false;

	if (!dnsq_lookup(domain, DNSQ_MX, &a)) {
		r->nomem = true;
		return;
	}
	if (report_failure(r, "MX", domain, &a)) {
		dnsq_answer_free(&a);
		return;
	}
	if (a.status != DNSQ_OK) {
		add(r, "dns", "missing", "MX", domain, "no MX record (%s): "
		    "publish %s. IN MX %s", dnsq_status_name(a.status), domain,
		    want);
		found_expected(r, NULL, want);
		return;
	}
	joined(&a, found, sizeof found);
	for (size_t i = 0; i < a.n && !here; i++) {
		const char *host = strchr(a.rr[i], ' ');
		char name[300];
		struct dnsq_answer f;

		if (!host)
			continue;
		snprintf(name, sizeof name, "%s", host + 1);
		if (strlen(name) > 1 && name[strlen(name) - 1] == '.')
			name[strlen(name) - 1] = '\0';
		if (!strcasecmp(name, h)) {
			here = true;
			break;
		}
		if (!sv->v4[0] || !dnsq_lookup(name, DNSQ_A, &f))
			continue;
		here = f.status == DNSQ_OK && addr_in(sv->v4, f.rr, f.n);
		dnsq_answer_free(&f);
	}
	if (here)
		add(r, "dns", "ok", "MX", domain, "%s", found);
	else
		add(r, "dns", "wrong", "MX", domain, "does not point here: "
		    "found %s, expected %s", found, want);
	found_expected(r, found, want);
	dnsq_answer_free(&a);
}

static void check_spf(struct report *r, const struct server *sv,
		      const char *domain, const char *want)
{
	struct dnsq_answer a;
	char why[512];
	const char *ip = sv->v4[0] ? sv->v4 : sv->v6;
	enum spf_verdict v;
	int i;

	if (!dnsq_lookup(domain, DNSQ_TXT, &a)) {
		r->nomem = true;
		return;
	}
	if (report_failure(r, "SPF", domain, &a)) {
		dnsq_answer_free(&a);
		return;
	}
	i = spf_pick(a.rr, a.n);
	if (i == -1) {
		add(r, "dns", "missing", "SPF", domain, "no SPF record: "
		    "publish %s. IN TXT \"%s\"", domain, want);
		found_expected(r, NULL, want);
	} else if (i == -2) {
		char found[2048];

		add(r, "dns", "wrong", "SPF", domain, "more than one SPF record "
		    "(receivers treat that as an error): %s",
		    joined(&a, found, sizeof found));
		found_expected(r, found, want);
	} else if (!ip[0]) {
		add(r, "dns", "warning", "SPF", domain, "cannot tell whether it "
		    "lets this server send: its address is unknown");
	} else {
		v = spf_evaluate(a.rr[i], domain, ip, lookup, NULL, why,
				 sizeof why);
		if (v == SPF_PASS)
			add(r, "dns", "ok", "SPF", domain, "\"%s\": %s",
			    a.rr[i], why);
		else if (v == SPF_NOT_COVERED)
			add(r, "dns", "wrong", "SPF", domain, "does not include "
			    "this server (%s): %s; found \"%s\", expected e.g. "
			    "\"%s\"", ip, why, a.rr[i], want);
		else if (v == SPF_INVALID)
			add(r, "dns", "wrong", "SPF", domain, "does not parse: "
			    "%s; found \"%s\"", why, a.rr[i]);
		else
			add(r, "dns", "warning", "SPF", domain, "could not be "
			    "evaluated: %s", why);
		found_expected(r, a.rr[i], want);
	}
	dnsq_answer_free(&a);
}

/* s for a message: at most 40 characters around pos. */
static const char *excerpt(const char *s, size_t pos, char *buf, size_t size)
{
	size_t from = pos > 16 ? pos - 16 : 0, len = strlen(s);

	snprintf(buf, size, "%s%.32s%s", from ? "..." : "", s + from,
		 from + 32 < len ? "..." : "");
	return buf;
}

static void check_dkim_key(struct report *r, const char *domain,
			   const struct dkim_key_row *k)
{
	char name[400], ex1[80], ex2[80];
	char *want = dkim_txt_value(domain, k->selector);
	bool pending = !strcmp(k->state, "pending");
	const char *bad = pending ? "warning" : NULL;
	struct dnsq_answer a;
	int best = -1;
	size_t pos = 0, bestpos = 0;

	if (!want) {
		add(r, "dns", "error", "DKIM", domain, "cannot read the key of "
		    "selector %s", k->selector);
		return;
	}
	snprintf(name, sizeof name, "%s._domainkey.%s", k->selector, domain);
	if (!dnsq_lookup(name, DNSQ_TXT, &a)) {
		r->nomem = true;
		free(want);
		return;
	}
	if (report_failure(r, "DKIM", name, &a))
		goto out;
	if (a.status != DNSQ_OK) {
		add(r, "dns", bad ? bad : "missing", "DKIM", name, "selector %s "
		    "(%s) is not published (%s): publish the record of "
		    "'vmailctl dkim show %s'", k->selector, k->state,
		    dnsq_status_name(a.status), domain);
		found_expected(r, NULL, want);
		goto out;
	}
	for (size_t i = 0; i < a.n; i++) {
		enum dkim_verdict v = dkim_compare(a.rr[i], want, &pos);

		if (v == DKIM_SAME) {
			best = (int)i;
			bestpos = (size_t)-1;
			break;
		}
		if (v == DKIM_OTHER_KEY && (best < 0 || pos > bestpos)) {
			best = (int)i;
			bestpos = pos;
		}
	}
	if (best >= 0 && bestpos == (size_t)-1) {
		add(r, "dns", "ok", "DKIM", name, "selector %s (%s): the "
		    "published key is the signing key", k->selector, k->state);
	} else if (best >= 0) {
		char fp[4096], ep[4096];

		if (!tag_value(a.rr[best], "p", true, fp, sizeof fp))
			fp[0] = '\0';
		if (!tag_value(want, "p", true, ep, sizeof ep))
			ep[0] = '\0';
		add(r, "dns", bad ? bad : "wrong", "DKIM", name, "selector %s "
		    "(%s): the p= key differs from the signing key at "
		    "character %zu of %zu: found %s, expected %s (copy it "
		    "again from 'vmailctl dkim show %s')", k->selector,
		    k->state, bestpos + 1, strlen(ep),
		    excerpt(fp, bestpos, ex1, sizeof ex1),
		    excerpt(ep, bestpos, ex2, sizeof ex2), domain);
		found_expected(r, a.rr[best], want);
	} else {
		add(r, "dns", bad ? bad : "wrong", "DKIM", name, "selector %s "
		    "(%s): not a DKIM key record (no v=DKIM1; p=...): found "
		    "\"%s\"", k->selector, k->state,
		    excerpt(a.rr[0], 0, ex1, sizeof ex1));
		found_expected(r, a.rr[0], want);
	}
out:
	dnsq_answer_free(&a);
	free(want);
}

static void check_dkim(struct report *r, struct store *s, const char *domain)
{
	struct dkim_keyset ks;
	bool any = false;

	if (!dkim_keyset_load(s, domain, &ks)) {
		add(r, "dns", "error", "DKIM", domain, "cannot read the DKIM "
		    "keys of the directory");
		return;
	}
	for (size_t i = 0; i < ks.n; i++)
		if (!strcmp(ks.v[i].state, "active") ||
		    !strcmp(ks.v[i].state, "pending")) {
			check_dkim_key(r, domain, &ks.v[i]);
			any = true;
		}
	if (!any)
		add(r, "dns", "error", "DKIM", domain, "the domain has no DKIM "
		    "key (run 'vmailctl setup')");
	dkim_keyset_free(&ks);
}

/* The TXT records of name that start with prefix: -1 lookup failed
 * (reported), else how many (the first in *first). */
static int txt_with(struct report *r, const char *check, const char *name,
		    const char *prefix, struct dnsq_answer *a, int *first)
{
	int n = 0;

	*first = -1;
	if (!dnsq_lookup(name, DNSQ_TXT, a)) {
		r->nomem = true;
		return -1;
	}
	if (report_failure(r, check, name, a)) {
		dnsq_answer_free(a);
		return -1;
	}
	for (size_t i = 0; i < a->n; i++)
		if (!strncmp(a->rr[i], prefix, strlen(prefix))) {
			if (*first < 0)
				*first = (int)i;
			n++;
		}
	return n;
}

static void check_dmarc(struct report *r, const struct server *sv,
			const char *domain, const char *want)
{
	char name[300], policy[16], why[200];
	struct dnsq_answer a;
	int first, n;

	snprintf(name, sizeof name, "_dmarc.%s", domain);
	if ((n = txt_with(r, "DMARC", name, "v=DMARC1", &a, &first)) < 0)
		return;
	if (n == 0) {
		add(r, "dns", "missing", "DMARC", name, "no DMARC record: "
		    "publish %s. IN TXT \"%s\"", name, want);
		found_expected(r, NULL, want);
	} else if (n > 1) {
		add(r, "dns", "wrong", "DMARC", name, "more than one DMARC "
		    "record (receivers ignore them all)");
		found_expected(r, a.rr[first], want);
	} else if (!dmarc_parse(a.rr[first], policy, why, sizeof why)) {
		add(r, "dns", "wrong", "DMARC", name, "\"%s\" %s",
		    a.rr[first], why);
		found_expected(r, a.rr[first], want);
	} else if (strcmp(policy, sv->cfg->dmarc_policy)) {
		add(r, "dns", "warning", "DMARC", name, "p=%s, but [dns] "
		    "dmarc_policy is %s: found \"%s\"", policy,
		    sv->cfg->dmarc_policy, a.rr[first]);
		found_expected(r, a.rr[first], want);
	} else {
		add(r, "dns", "ok", "DMARC", name, "\"%s\"", a.rr[first]);
		found_expected(r, a.rr[first], want);
	}
	dnsq_answer_free(&a);
}

/* ---- the other records of "vmailctl dns" ----------------------------- */

static const struct rtype {
	const char *name;
	int type;
	const char *check;
	bool missing_ok;   /* missing is a warning */
	bool wrong_ok;     /* wrong is a warning */
} rtypes[] = {
	{ "A", DNSQ_A, "A", false, false },
	{ "AAAA", DNSQ_AAAA, "AAAA", false, false },
	{ "CNAME", DNSQ_CNAME, "CNAME", true, false },
	{ "SRV", DNSQ_SRV, "SRV", true, false },
	{ "CAA", DNSQ_CAA, "CAA", true, false },
	{ "TLSA", DNSQ_TLSA, "TLSA", true, false },
	{ "TXT", DNSQ_TXT, "TXT", true, true },
	{ "MX", DNSQ_MX, "MX", false, false },
	{ "PTR", DNSQ_PTR, "PTR", false, false },
};

static const struct rtype *rtype_of(const char *name)
{
	for (size_t i = 0; i < sizeof rtypes / sizeof *rtypes; i++)
		if (!strcmp(rtypes[i].name, name))
			return &rtypes[i];
	return NULL;
}

/* A record value of the builder as dnsq prints it: TXT unquoted. */
static char *plain_value(const struct dns_record *rec)
{
	char *out = NULL;
	size_t len;

	if (strcmp(rec->type, "TXT"))
		return strdup(rec->value);
	if (dkim_txt_unquote(rec->value, strlen(rec->value), &out, &len) < 0)
		return strdup(rec->value);
	return out;
}

/* What a TXT record is, by its name or its value. */
static const char *txt_check(const char *name, const char *value)
{
	if (!strncmp(name, "_mta-sts.", 9))
		return "MTA-STS";
	if (!strncmp(name, "_smtp._tls.", 11))
		return "TLS-RPT";
	if (strstr(name, "._report._dmarc."))
		return "DMARC-auth";
	if (!strncmp(value, "v=spf1", 6))
		return "SPF";
	return "TXT";
}

static bool same_value(const char *type, const char *a, const char *b)
{
	return !strcmp(type, "TXT") ? !strcmp(a, b) : !strcasecmp(a, b);
}

/* The records of set at name with type (from index i on) against what
 * DNS serves. */
static void check_generic(struct report *r, const struct dns_record_set *set,
			  size_t i)
{
	const struct dns_record *rec = &set->v[i];
	const struct rtype *t = rtype_of(rec->type);
	char want[4096] = "", found[4096], *first = NULL;
	const char *check;
	struct dnsq_answer a;
	size_t o = 0, nmiss = 0;

	if (!t)
		return;
	for (size_t k = i; k < set->n; k++) {
		char *v;

		if (strcmp(set->v[k].name, rec->name) ||
		    strcmp(set->v[k].type, rec->type))
			continue;
		if (!(v = plain_value(&set->v[k]))) {
			r->nomem = true;
			free(first);
			return;
		}
		if (o < sizeof want)
			o += (size_t)snprintf(want + o, sizeof want - o,
					      "%s%s", o ? "; " : "", v);
		if (!first)
			first = v;
		else
			free(v);
	}
	if (o >= sizeof want)
		want[sizeof want - 1] = '\0';
	check = !strcmp(rec->type, "TXT") ? txt_check(rec->name, first) :
		t->check;
	if (!dnsq_lookup(rec->name, t->type, &a)) {
		r->nomem = true;
		free(first);
		return;
	}
	if (report_failure(r, check, rec->name, &a))
		goto out;
	if (a.status != DNSQ_OK) {
		add(r, "dns", "missing", check, rec->name, "no %s record (%s): "
		    "publish %s IN %s %s (%s)", rec->type,
		    dnsq_status_name(a.status), rec->name, rec->type,
		    rec->value, rec->why);
		if (t->missing_ok)
			soften(r);
		found_expected(r, NULL, want);
		goto out;
	}
	joined(&a, found, sizeof found);
	for (size_t k = i; k < set->n; k++) {
		char *v;
		bool hit = false;

		if (strcmp(set->v[k].name, rec->name) ||
		    strcmp(set->v[k].type, rec->type))
			continue;
		if (!(v = plain_value(&set->v[k]))) {
			r->nomem = true;
			goto out;
		}
		for (size_t j = 0; j < a.n && !hit; j++)
			hit = same_value(rec->type, a.rr[j], v);
		nmiss += !hit;
		free(v);
	}
	if (nmiss == 0) {
		add(r, "dns", "ok", check, rec->name, "%s", found);
	} else {
		add(r, "dns", "wrong", check, rec->name, "found %s; expected "
		    "%s (%s)", found, want, rec->why);
		if (t->wrong_ok)
			soften(r);
	}
	found_expected(r, found, want);
out:
	dnsq_answer_free(&a);
	free(first);
}

/* Whether the record at i is the first of its name and type in set. */
static bool first_of_kind(const struct dns_record_set *set, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(set->v[k].name, set->v[i].name) &&
		    !strcmp(set->v[k].type, set->v[i].type))
			return false;
	return true;
}

static void check_domain(struct report *r, struct store *s,
			 const struct server *sv, const char *domain,
			 bool host_too)
{
	struct dns_record_set set = DNS_RECORD_SET_INIT;
	char apex[300], dmarc[300], mx[1024] = "";
	size_t o = 0;

	progress(r, domain);
	if (!dns_records_for_domain(sv->cfg, s, domain, &set)) {
		add(r, "dns", "error", "records", domain, "cannot build the "
		    "records of the domain (see above)");
		return;
	}
	snprintf(apex, sizeof apex, "%s.", domain);
	snprintf(dmarc, sizeof dmarc, "_dmarc.%s.", domain);
	for (size_t i = 0; i < set.n; i++)
		if (!strcmp(set.v[i].type, "MX") &&
		    !strcmp(set.v[i].name, apex) && o < sizeof mx)
			o += (size_t)snprintf(mx + o, sizeof mx - o, "%s%s",
					      o ? "; " : "", set.v[i].value);
	if (mx[0])
		check_mx(r, sv, domain, mx);
	for (size_t i = 0; i < set.n; i++) {
		const struct dns_record *rec = &set.v[i];
		char *v;

		if (!first_of_kind(&set, i) || !strcmp(rec->type, "MX") ||
		    !strcmp(rec->type, "PTR") || strstr(rec->name, "._domainkey."))
			continue;
		if (rec->scope == DNS_SCOPE_HOST &&
		    (!host_too || !strcmp(rec->type, "A") ||
		     !strcmp(rec->type, "AAAA")))
			continue;   /* the server's own checks have them */
		if (!strcmp(rec->type, "TXT") &&
		    (!strcmp(rec->name, apex) || !strcmp(rec->name, dmarc))) {
			if (!(v = plain_value(rec))) {
				r->nomem = true;
				break;
			}
			/* DKIM (from the store's keys: their states) goes
			 * between SPF and DMARC. */
			if (!strcmp(rec->name, dmarc)) {
				check_dkim(r, s, domain);
				check_dmarc(r, sv, domain, v);
			} else if (!strncmp(v, "v=spf1", 6)) {
				check_spf(r, sv, domain, v);
			}
			free(v);
			continue;
		}
		check_generic(r, &set, i);
	}
	dns_records_free(&set);
}

/* ---- certificates --------------------------------------------------- */

static const struct port {
	unsigned port;
	enum tlsprobe_proto proto;
	const char *what;
	bool optional;    /* nothing listening is a warning */
} ports[] = {
	{ 25, TLSPROBE_SMTP, "SMTP, STARTTLS", false },
	{ 587, TLSPROBE_SMTP, "submission, STARTTLS", false },
	{ 465, TLSPROBE_TLS, "submission, TLS", false },
	{ 143, TLSPROBE_IMAP, "IMAP, STARTTLS", false },
	{ 993, TLSPROBE_TLS, "IMAP, TLS", false },
	{ 110, TLSPROBE_POP3, "POP3, STARTTLS", false },
	{ 995, TLSPROBE_TLS, "POP3, TLS", false },
	{ 443, TLSPROBE_TLS, "HTTPS", true },
};

static void check_port(struct report *r, const struct vm_config *cfg,
		       const struct port *p)
{
	struct tlsprobe_result t;
	char check[16], name[300], expiry[32], soon[128];
	struct tm tm;

	snprintf(check, sizeof check, "port %u", p->port);
	snprintf(name, sizeof name, "127.0.0.1:%u (%s)", p->port, p->what);
	if (!tlsprobe_run("127.0.0.1", p->port, p->proto, cfg->hostname,
			  TLS_TIMEOUT, &t)) {
		add(r, "tls", t.refused && p->optional ? "warning" : "error",
		    check, name, "%s", t.error);
		return;
	}
	gmtime_r(&t.not_after, &tm);
	strftime(expiry, sizeof expiry, "%Y-%m-%d", &tm);
	snprintf(soon, sizeof soon, "; expires in %ld days (%s): is "
		 "renewal working?", t.days_left, expiry);
	if (!t.name_match)
		add(r, "tls", "wrong", check, name, "the certificate does not "
		    "name %s: it names %s", cfg->hostname, t.names);
	else if (t.days_left < 0)
		add(r, "tls", "error", check, name, "the certificate expired "
		    "on %s", expiry);
	else if (!t.verified && !t.self_signed)
		add(r, "tls", "error", check, name, "the certificate does not "
		    "verify against the system's trust store: %s",
		    t.verify_error);
	else if (t.self_signed)
		add(r, "tls", "warning", check, name, "self-signed: mail "
		    "clients warn and other servers cannot verify it (%s; "
		    "%ld days left; %s)%s", t.names, t.days_left,
		    t.tls_version, t.days_left < CERT_WARN_DAYS ? soon : "");
	else if (t.days_left < CERT_WARN_DAYS)
		add(r, "tls", "warning", check, name, "%s; verified%s",
		    t.names, soon);
	else
		add(r, "tls", "ok", check, name, "%s; verified; %ld days left "
		    "(until %s); %s", t.names, t.days_left, expiry,
		    t.tls_version);
	found_expected(r, t.names, cfg->hostname);
}

/* ---- TLS reports ---------------------------------------------------- */

/* Reports older than this are not summed up. */
#define TLSRPT_DAYS 30
/* Larger messages are not reports. */
#define TLSRPT_MAX_MESSAGE (10u << 20)

struct rpt_sum {
	char org[128];
	char type[64];
	char mx[256];
	uint64_t sessions;
};

struct rpt_state {
	time_t since;
	struct vm_strlist ids;     /* report-ids seen (a report mailed twice) */
	struct vm_strlist orgs;
	struct rpt_sum *v;
	size_t n;
	int reports, bad;
	uint64_t ok_sessions, failed_sessions;
	bool nomem;
};

static struct rpt_state *rpt_current;   /* for nftw() */

static void rpt_add(struct rpt_state *st, const char *org,
		    const struct tlsrpt_failure *f)
{
	struct rpt_sum *v;

	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->v[i].org, org) && !strcmp(st->v[i].type, f->type)) {
			st->v[i].sessions += f->sessions;
			return;
		}
	if (!(v = realloc(st->v, (st->n + 1) * sizeof *v))) {
		st->nomem = true;
		return;
	}
	st->v = v;
	snprintf(v[st->n].org, sizeof v->org, "%s", org);
	snprintf(v[st->n].type, sizeof v->type, "%s", f->type);
	snprintf(v[st->n].mx, sizeof v->mx, "%s", f->mx);
	v[st->n++].sessions = f->sessions;
}

static void rpt_report(const char *json, size_t len, void *ctx)
{
	struct rpt_state *st = ctx;
	struct tlsrpt_report rep;
	char why[128], id[300];

	if (!tlsrpt_parse(json, len, &rep, why, sizeof why)) {
		st->bad++;
		tlsrpt_free(&rep);
		return;
	}
	snprintf(id, sizeof id, "%s/%s", rep.org, rep.id);
	if (rep.end >= st->since && (!rep.id[0] || !vm_strlist_has(&st->ids, id))) {
		if ((rep.id[0] && !vm_strlist_add(&st->ids, id)) ||
		    (!vm_strlist_has(&st->orgs, rep.org) &&
		     !vm_strlist_add(&st->orgs, rep.org)))
			st->nomem = true;
		st->reports++;
		st->ok_sessions += rep.ok_sessions;
		st->failed_sessions += rep.failed_sessions;
		for (size_t i = 0; i < rep.nfail; i++)
			rpt_add(st, rep.org, &rep.fail[i]);
	}
	tlsrpt_free(&rep);
}

/* Each message file (in a cur/ or new/ directory) of the Maildir. */
static int rpt_file(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	struct rpt_state *st = rpt_current;
	const char *slash = strrchr(path, '/');
	size_t len;
	char *msg;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(sb->st_mode) || !slash ||
	    sb->st_size > (off_t)TLSRPT_MAX_MESSAGE ||
	    sb->st_mtime < st->since)
		return 0;
	if (slash - path < 4 || (strncmp(slash - 4, "/cur", 4) &&
				 strncmp(slash - 4, "/new", 4)))
		return 0;
	if (!(msg = vm_read_file(path, &len)))
		return 0;
	tlsrpt_attachments(msg, len, rpt_report, st);
	free(msg);
	return 0;
}

/* The TLS reports of the last TLSRPT_DAYS days in the rua mailbox. */
static void check_tlsrpt(struct report *r, const struct vm_config *cfg)
{
	const char *rua = cfg->tlsrpt_rua[0] ? cfg->tlsrpt_rua :
			  cfg->dmarc_rua[0] ? cfg->dmarc_rua : cfg->admin;
	struct rpt_state st = { .ids = VM_STRLIST_INIT,
				.orgs = VM_STRLIST_INIT };
	char dir[4096];
	int found;

	progress(r, "the TLS reports");
	if (!rua[0])
		return;
	found = maildir_find(cfg->mail_root, rua, dir, sizeof dir);
	if (found <= 0) {
		add(r, "tls", "ok", "TLS-RPT", rua, "no mailbox here for %s: "
		    "its TLS reports are not summed up", rua);
		return;
	}
	st.since = time(NULL) - TLSRPT_DAYS * 86400L;
	rpt_current = &st;
	nftw(dir, rpt_file, 16, FTW_PHYS | FTW_MOUNT);
	rpt_current = NULL;
	if (st.nomem)
		r->nomem = true;
	if (!st.reports)
		add(r, "tls", "ok", "TLS-RPT", rua, "no TLS reports in the last "
		    "%d days%s", TLSRPT_DAYS, st.bad ? " (some did not parse)" :
		    "");
	else if (!st.failed_sessions)
		add(r, "tls", "ok", "TLS-RPT", rua, "%d reports from %zu "
		    "organisations in the last %d days: %llu sessions, none "
		    "failed", st.reports, st.orgs.n, TLSRPT_DAYS,
		    (unsigned long long)st.ok_sessions);
	else
		add(r, "tls", "warning", "TLS-RPT", rua, "%d reports from %zu "
		    "organisations in the last %d days: %llu of %llu sessions "
		    "failed", st.reports, st.orgs.n, TLSRPT_DAYS,
		    (unsigned long long)st.failed_sessions,
		    (unsigned long long)(st.ok_sessions + st.failed_sessions));
	for (size_t i = 0; i < st.n; i++)
		add(r, "tls", "warning", "TLS-RPT", st.v[i].org, "%s: %llu "
		    "failed sessions%s%s (as %s saw them)", st.v[i].type,
		    (unsigned long long)st.v[i].sessions,
		    st.v[i].mx[0] ? " at " : "", st.v[i].mx, st.v[i].org);
	free(st.v);
	vm_strlist_free(&st.ids);
	vm_strlist_free(&st.orgs);
}

/* ---- output --------------------------------------------------------- */

static int print_text(const struct report *r)
{
	int wc = 5, wn = 4;

	for (size_t i = 0; i < r->n; i++) {
		int c = (int)strlen(r->v[i].check), n = (int)strlen(r->v[i].name);

		wc = c > wc ? c : wc;
		wn = n > wn ? n : wn;
	}
	if (wn > 50)
		wn = 50;
	for (size_t i = 0; i < r->n; i++)
		printf("%-8s %-*s %-*s %s\n", r->v[i].state, wc, r->v[i].check,
		       wn, r->v[i].name, r->v[i].message);
	return cmd_flush_stdout();
}

static int print_json(const struct report *r, int warnings, int errors,
		      double seconds)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < r->n; i++) {
		struct json_object *c = json_object_new_object();
		const struct row *w = &r->v[i];

		json_object_object_add(c, "area", json_object_new_string(w->area));
		json_object_object_add(c, "check",
				       json_object_new_string(w->check));
		json_object_object_add(c, "name", json_object_new_string(w->name));
		json_object_object_add(c, "status",
				       json_object_new_string(w->state));
		json_object_object_add(c, "level", json_object_new_string(
			w->level == LV_OK ? "ok" : w->level == LV_WARN ?
			"warning" : "error"));
		json_object_object_add(c, "message",
				       json_object_new_string(w->message));
		json_object_object_add(c, "found",
				       json_object_new_string(w->found));
		json_object_object_add(c, "expected",
				       json_object_new_string(w->expected));
		json_object_array_add(arr, c);
	}
	json_object_object_add(o, "checks", arr);
	json_object_object_add(o, "warnings", json_object_new_int(warnings));
	json_object_object_add(o, "errors", json_object_new_int(errors));
	json_object_object_add(o, "seconds", json_object_new_double(seconds));
	return out_json(o) == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
}

/* ---- the command ---------------------------------------------------- */

struct check_opts {
	bool json, dns, tls;
	char domain[VM_DOMAIN_MAX + 1];
};

static int parse(int argc, char **argv, struct check_opts *o)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool mode = false;
	int c;

	optind = 0;
	while ((c = cmd_getopt("check", argc, argv, "jh", opts)) != -1) {
		if (c == 'j')
			o->json = true;
		else if (c == 'h')
			return cmd_help(check_usage);
		else
			return cmd_usage_error(check_usage, NULL);
	}
	o->dns = o->tls = true;
	for (int i = optind; i < argc; i++) {
		const char *a = argv[i];

		if (!mode && (!strcmp(a, "dns") || !strcmp(a, "tls") ||
			      !strcmp(a, "all"))) {
			mode = true;
			o->dns = strcmp(a, "tls") != 0;
			o->tls = strcmp(a, "dns") != 0;
		} else if (!o->domain[0]) {
			if (!cmd_arg_domain(a, o->domain, sizeof o->domain))
				return VM_EXIT_USAGE;
		} else {
			return cmd_usage_error(check_usage, "check: expected at "
					       "most one of dns, tls, all and "
					       "one DOMAIN");
		}
	}
	return -1;
}

static int collect_domain(const struct store_domain *d, void *ctx)
{
	return vm_strlist_add(ctx, d->name) ? 0 : 1;
}

/* This server's addresses as "vmailctl dns" finds them: [server]
 * ipv4/ipv6, else the source address towards the world
 * (dns_find_address). */
static void server_addrs(struct server *sv)
{
	bool priv;

	snprintf(sv->v4, sizeof sv->v4, "%s", sv->cfg->ipv4);
	snprintf(sv->v6, sizeof sv->v6, "%s", sv->cfg->ipv6);
	if (!sv->v4[0])
		dns_find_address(AF_INET, sv->v4, sizeof sv->v4, &priv);
	if (!sv->v6[0])
		dns_find_address(AF_INET6, sv->v6, sizeof sv->v6, &priv);
}

static bool run_dns(struct report *r, const struct check_opts *o,
		    struct store *s, const struct server *sv)
{
	struct vm_strlist domains = VM_STRLIST_INIT;
	enum store_status st;

	if (o->domain[0]) {
		if (!directory_require_domain(s, o->domain))
			return false;
		if (!vm_strlist_add(&domains, o->domain))
			return false;
	} else if ((st = store_domain_list(s, collect_domain, &domains)) !=
		   STORE_OK) {
		directory_fail(s, st);
		vm_strlist_free(&domains);
		return false;
	}
	check_server_dns(r, sv);
	for (size_t i = 0; i < domains.n; i++)
		check_domain(r, s, sv, domains.v[i], i == 0);
	vm_strlist_free(&domains);
	return true;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	struct report r = { 0 };
	struct vm_config cfg;
	struct server sv = { &cfg, "", "" };
	struct store *s = NULL;
	struct timespec end;
	int warnings = 0, errors = 0, ret = parse(argc, argv, &o);
	double secs;

	if (ret >= 0)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &r.start);
	if (o.dns) {
		if (!(s = cmd_open_store_existing(&cfg)))
			return VM_EXIT_USAGE;
	} else if (!cmd_load_config(&cfg)) {
		return VM_EXIT_USAGE;
	}
	if (!cfg.hostname[0]) {
		vm_err("no host name in %s: run 'vmailctl setup' first",
		       config_path());
		store_close(s);
		return VM_EXIT_USAGE;
	}
	server_addrs(&sv);
	if (o.dns && !run_dns(&r, &o, s, &sv)) {
		store_close(s);
		report_free(&r);
		return VM_EXIT_USAGE;
	}
	store_close(s);
	if (o.tls) {
		progress(&r, "the certificates");
		for (size_t i = 0; i < sizeof ports / sizeof *ports; i++)
			check_port(&r, &cfg, &ports[i]);
		check_tlsrpt(&r, &cfg);
	}
	if (r.nomem) {
		vm_errno("out of memory");
		report_free(&r);
		return VM_EXIT_USAGE;
	}
	for (size_t i = 0; i < r.n; i++) {
		warnings += r.v[i].level == LV_WARN;
		errors += r.v[i].level == LV_ERR;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	secs = (double)(end.tv_sec - r.start.tv_sec) +
	       (double)(end.tv_nsec - r.start.tv_nsec) / 1e9;
	ret = o.json ? print_json(&r, warnings, errors, secs) : print_text(&r);
	report_free(&r);
	if (ret != VM_EXIT_OK)
		return VM_EXIT_USAGE;
	return errors ? 2 : warnings ? 1 : 0;
}
