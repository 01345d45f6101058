/*
 * dns_records.c - the DNS records of a hosted domain: the facts read on
 * this machine, the records built from them and vmail.conf, and their
 * zone-file and JSON forms.  See dns_records.h for who uses it and
 * docs/dns.md for why each record is there.
 *
 * Choices made here, with their reasons:
 * - SPF is "v=spf1 mx -all" (as Mail-in-a-Box and mailcow publish): the
 *   servers that receive the domain's mail are the ones that send it,
 *   so the record follows a change of address or of backup MX by
 *   itself, costs one lookup of the ten SPF allows, and "-all" is safe
 *   because every message leaves DKIM-signed (DMARC passes on DKIM when
 *   a forwarder breaks SPF).
 * - The names that must reach this server (mta-sts., autoconfig.,
 *   autodiscover.) are CNAMEs to the hostname, so that only the
 *   hostname's A/AAAA hold addresses.
 * - SRV priorities follow RFC 8314 5.1 and RFC 6186 3.5: implicit TLS
 *   (465) before STARTTLS (587), IMAP before POP3; plaintext IMAP and
 *   POP3 get the "0 0 0 ." record that says "not offered".
 * - CAA names the CA of [caa] issuer, else the one of [tls]
 *   acme_directory (a table of the CAs known here), with accounturi
 *   (RFC 8657) when ACME is on and the account is known, so no other
 *   account, even at the same CA, can get a certificate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/dkim_keys.h"
#include "core/dns_records.h"
#include "core/mta_sts.h"
#include "lib/diag.h"
#include "lib/dkim.h"
#include "lib/str.h"

/* ---- facts ------------------------------------------------------------ */

bool dns_tlsa_spki_sha256(const char *path, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	EVP_PKEY *key = NULL;
	BIO *bio = BIO_new_file(path, "r");
	int derlen;
	bool ok;

	hex[0] = '\0';
	if (!bio) {
		vm_err("cannot read the TLS key %s: %s", path,
		       strerror(errno ? errno : EIO));
		return false;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (!key && BIO_reset(bio) == 0)
		key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key) {
		vm_err("%s holds no PEM key", path);
		return false;
	}
	/* i2d_PUBKEY: the DER SubjectPublicKeyInfo, the "1" of 3 1 1. */
	derlen = i2d_PUBKEY(key, &der);
	EVP_PKEY_free(key);
	ok = derlen > 0 &&
	     EVP_Digest(der, (size_t)derlen, md, &mdlen, EVP_sha256(), NULL) &&
	     mdlen == 32;
	OPENSSL_free(der);
	if (!ok) {
		vm_err("cannot hash the public key of %s", path);
		return false;
	}
	for (unsigned i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return true;
}

/* Not reachable from the Internet: RFC 1918, CGNAT, loopback, link
 * local; for IPv6 also ULA and anything outside 2000::/3. */
static bool private_address(int family, const void *addr)
{
	const unsigned char *b = addr;

	if (family == AF_INET)
		return b[0] == 10 || b[0] == 127 || b[0] == 0 ||
		       (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) ||
		       (b[0] == 169 && b[1] == 254) ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64);
	return (b[0] & 0xe0) != 0x20;
}

/* The source address of a route to the root server a.root-servers.net
 * (any public address would do; nothing is sent). */
static bool route_source(int family, struct sockaddr_storage *ss)
{
	struct sockaddr_storage dst;
	socklen_t len = sizeof *ss;
	int fd;
	bool ok;

	memset(&dst, 0, sizeof dst);
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&dst;

		in->sin_family = AF_INET;
		in->sin_port = htons(53);
		inet_pton(AF_INET, "198.41.0.4", &in->sin_addr);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&dst;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(53);
		inet_pton(AF_INET6, "2001:503:ba3e::2:30", &in6->sin6_addr);
	}
	if ((fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&dst,
		     family == AF_INET ? sizeof(struct sockaddr_in) :
					 sizeof(struct sockaddr_in6)) == 0 &&
	     getsockname(fd, (struct sockaddr *)ss, &len) == 0;
	close(fd);
	return ok;
}

static const void *addr_of(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return &((const struct sockaddr_in *)sa)->sin_addr;
	return &((const struct sockaddr_in6 *)sa)->sin6_addr;
}

void dns_find_address(int family, char *buf, size_t size, bool *private)
{
	struct sockaddr_storage ss;
	struct ifaddrs *ifa = NULL;
	const void *found = NULL;
	bool found_private = false;

	buf[0] = '\0';
	*private = false;
	if (route_source(family, &ss) && ss.ss_family == family) {
		found = addr_of((struct sockaddr *)&ss);
		if (inet_ntop(family, found, buf, (socklen_t)size))
			*private = private_address(family, found);
		else
			buf[0] = '\0';
		if (buf[0])
			return;
	}
	/* No route out: the first address of an interface, a public one
	 * if there is one. */
	if (getifaddrs(&ifa) != 0)
		return;
	found = NULL;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		const unsigned char *b;
		bool priv;

		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		b = addr_of(i->ifa_addr);
		if ((family == AF_INET && b[0] == 127) ||
		    (family == AF_INET6 &&
		     (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)b) ||
		      IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)b))))
			continue;
		priv = private_address(family, b);
		if (!found || (found_private && !priv)) {
			found = b;
			found_private = priv;
		}
	}
	if (found && inet_ntop(family, found, buf, (socklen_t)size))
		*private = found_private;
	else
		buf[0] = '\0';
	freeifaddrs(ifa);
}

/* The first line of path, without its line end; "" if the file is
 * missing.  False (printed) if it cannot be read. */
static bool read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	bool ok = true;

	out[0] = '\0';
	if (!f) {
		if (errno == ENOENT)
			return true;
		vm_errno("cannot read %s", path);
		return false;
	}
	if (fgets(out, (int)size, f))
		out[strcspn(out, "\r\n")] = '\0';
	else if (ferror(f)) {
		vm_errno("cannot read %s", path);
		ok = false;
	}
	fclose(f);
	return ok;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static bool add_dkim(struct dns_facts *f, const char *domain,
		     const struct dkim_key_row *k)
{
	struct dns_dkim_fact *v;
	char *txt = dkim_txt_value(domain, k->selector);

	if (!txt)
		return false;
	v = realloc(f->dkim, (f->ndkim + 1) * sizeof *v);
	if (!v) {
		free(txt);
		vm_errno("out of memory");
		return false;
	}
	f->dkim = v;
	memset(&v[f->ndkim], 0, sizeof v[f->ndkim]);
	vm_strlcpy(v[f->ndkim].selector, k->selector,
		   sizeof v[f->ndkim].selector);
	vm_strlcpy(v[f->ndkim].state, k->state, sizeof v[f->ndkim].state);
	v[f->ndkim++].txt = txt;
	return true;
}

bool dns_facts_gather(const struct vm_config *cfg, struct store *s,
		      const char *domain, struct dns_facts *f)
{
	struct dkim_keyset ks;
	const struct dkim_key_row *k;
	const char *next = env_or("VMAIL_TLS_NEXT_KEY", DNS_TLS_NEXT_KEY);
	bool ok = true;

	memset(f, 0, sizeof *f);
	if (cfg->ipv4[0])
		vm_strlcpy(f->ipv4, cfg->ipv4, sizeof f->ipv4);
	else
		dns_find_address(AF_INET, f->ipv4, sizeof f->ipv4,
				 &f->ipv4_private);
	if (cfg->ipv6[0])
		vm_strlcpy(f->ipv6, cfg->ipv6, sizeof f->ipv6);
	else
		dns_find_address(AF_INET6, f->ipv6, sizeof f->ipv6,
				 &f->ipv6_private);

	if (domain) {
		if (!dkim_keyset_load(s, domain, &ks))
			return false;
		if ((k = dkim_keyset_find(&ks, "active", NULL)))
			ok = add_dkim(f, domain, k);
		if (ok && (k = dkim_keyset_find(&ks, "pending", NULL)))
			ok = add_dkim(f, domain, k);
		dkim_keyset_free(&ks);
	}

	/* The current key must be readable; the next one only if it
	 * exists (a rollover is under way). */
	if (ok)
		ok = dns_tlsa_spki_sha256(cfg->tls_key, f->tlsa_current);
	if (ok && access(next, F_OK) == 0)
		ok = dns_tlsa_spki_sha256(next, f->tlsa_next);
	if (ok && cfg->acme)
		ok = read_line(env_or("VMAIL_ACME_ACCOUNT_URI",
				      DNS_ACME_ACCOUNT_URI),
			       f->acme_account, sizeof f->acme_account);
	if (!ok)
		dns_facts_free(f);
	return ok;
}

void dns_facts_free(struct dns_facts *f)
{
	for (size_t i = 0; i < f->ndkim; i++)
		free(f->dkim[i].txt);
	free(f->dkim);
	f->dkim = NULL;
	f->ndkim = 0;
}

/* ---- building --------------------------------------------------------- */

struct builder {
	struct dns_record_set *set;
	bool nomem;
};

static void add(struct builder *b, enum dns_scope scope, bool advisory,
		const char *type, const char *name, const char *value,
		const char *why)
{
	struct dns_record *v, *r;

	if (b->nomem)
		return;
	v = realloc(b->set->v, (b->set->n + 1) * sizeof *v);
	if (!v) {
		b->nomem = true;
		return;
	}
	b->set->v = v;
	r = &v[b->set->n];
	memset(r, 0, sizeof *r);
	r->name = strdup(name);
	r->value = strdup(value);
	r->why = strdup(why);
	vm_strlcpy(r->type, type, sizeof r->type);
	r->ttl = DNS_TTL;
	r->scope = scope;
	r->advisory = advisory;
	b->set->n++;
	if (!r->name || !r->value || !r->why)
		b->nomem = true;
}

/* printf into a fresh string; NULL when out of memory (b->nomem). */
static char *fmt(struct builder *b, const char *f, ...)
	__attribute__((format(printf, 2, 3)));
static char *fmt(struct builder *b, const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, f);
	n = vasprintf(&s, f, ap);
	va_end(ap);
	if (n < 0) {
		b->nomem = true;
		return NULL;
	}
	return s;
}

/* One record whose name and value are formatted strings (freed here). */
static void add_own(struct builder *b, enum dns_scope scope, bool advisory,
		    const char *type, char *name, char *value,
		    const char *why)
{
	if (name && value)
		add(b, scope, advisory, type, name, value, why);
	else
		b->nomem = true;
	free(name);
	free(value);
}

/* A TXT record: value quoted in strings of at most 255 bytes. */
static void add_txt(struct builder *b, char *name, const char *text,
		    const char *why)
{
	char *quoted = text ? dkim_txt_quote(text, strlen(text)) : NULL;

	add_own(b, DNS_SCOPE_DOMAIN, false, "TXT", name, quoted, why);
}

/* The mailbox reports go to: [dns] dmarc_rua, the admin, or
 * postmaster@ the domain itself. */
static const char *dmarc_rua(const struct vm_config *cfg, const char *domain,
			     char *buf, size_t size)
{
	if (cfg->dmarc_rua[0])
		return cfg->dmarc_rua;
	if (cfg->admin[0])
		return cfg->admin;
	if (cfg->domain[0] &&
	    vm_snprintf(buf, size, "admin@%s", cfg->domain))
		return buf;
	snprintf(buf, size, "postmaster@%s", domain);
	return buf;
}

/* The CAA issuer domain of a known ACME directory, by host name. */
static const char *ca_of_directory(const char *url)
{
	static const struct {
		const char *host_suffix;
		const char *caa;
	} cas[] = {
		{ "api.letsencrypt.org", "letsencrypt.org" },
		{ "acme.zerossl.com", "sectigo.com" },
		{ "api.buypass.com", "buypass.com" },
		{ "api.test4.buypass.no", "buypass.com" },
		{ "api.pki.goog", "pki.goog" },
		{ "acme.ssl.com", "ssl.com" },
	};
	const char *host, *end;
	size_t len;

	if (strncmp(url, "https://", 8))
		return NULL;
	host = url + 8;
	end = host + strcspn(host, "/:?#");
	len = (size_t)(end - host);
	for (size_t i = 0; i < sizeof cas / sizeof cas[0]; i++) {
		size_t sl = strlen(cas[i].host_suffix);

		if (len >= sl && !strncasecmp(end - sl, cas[i].host_suffix, sl) &&
		    (len == sl || end[-(long)sl - 1] == '.'))
			return cas[i].caa;
	}
	return NULL;
}

const char *dns_caa_issuer(const struct vm_config *cfg)
{
	if (cfg->caa_issuer[0])
		return cfg->caa_issuer;
	return ca_of_directory(cfg->acme_directory);
}

/* The reverse name of an address: 4.3.2.1.in-addr.arpa. or the 32
 * nibbles of IPv6 under ip6.arpa.  NULL if addr does not parse (then
 * there is no PTR to ask for) or memory ran out (b->nomem). */
static char *reverse_name(struct builder *b, int family, const char *addr)
{
	unsigned char a[16];
	char *s, *p;

	if (inet_pton(family, addr, a) != 1)
		return NULL;
	if (family == AF_INET)
		return fmt(b, "%u.%u.%u.%u.in-addr.arpa.", a[3], a[2], a[1],
			   a[0]);
	if (!(s = malloc(32 * 2 + sizeof "ip6.arpa."))) {
		b->nomem = true;
		return NULL;
	}
	p = s;
	for (int i = 15; i >= 0; i--) {
		p += sprintf(p, "%x.%x.", a[i] & 15, a[i] >> 4);
	}
	strcpy(p, "ip6.arpa.");
	return s;
}

static void build_mx(struct builder *b, const struct vm_config *cfg,
		     const char *d)
{
	const char *p = cfg->backup_mx;
	int pref = 20;

	add_own(b, DNS_SCOPE_DOMAIN, false, "MX", fmt(b, "%s.", d),
		fmt(b, "10 %s.", cfg->hostname),
		"This server receives the domain's mail.");
	while (*p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n)
			add_own(b, DNS_SCOPE_DOMAIN, false, "MX",
				fmt(b, "%s.", d),
				fmt(b, "%d %.*s.", pref, (int)n, p),
				"A backup MX ([server] backup_mx): it queues "
				"the mail while this server is down.");
		pref += 10;
		p += n;
	}
}

static void build_auth(struct builder *b, const struct vm_config *cfg,
		       const char *d, const struct dns_facts *f)
{
	char rbuf[320];
	const char *rua = dmarc_rua(cfg, d, rbuf, sizeof rbuf);
	const char *rua_domain = strrchr(rua, '@');
	char *v;

	add_txt(b, fmt(b, "%s.", d), "v=spf1 mx -all",
		"SPF: only the domain's MX hosts send its mail; others fail "
		"(-all).");
	for (size_t i = 0; i < f->ndkim; i++) {
		bool pending = !strcmp(f->dkim[i].state, "pending");

		add_txt(b, fmt(b, "%s._domainkey.%s.", f->dkim[i].selector, d),
			f->dkim[i].txt,
			pending ? "DKIM: the pending key of a rotation; publish "
				  "it before 'vmailctl dkim rotate --activate'." :
				  "DKIM: the public key outgoing mail is signed "
				  "with.");
	}
	v = fmt(b, "v=DMARC1; p=%s; rua=mailto:%s", cfg->dmarc_policy, rua);
	add_txt(b, fmt(b, "_dmarc.%s.", d), v,
		"DMARC: what receivers do with mail that fails SPF and DKIM "
		"([dns] dmarc_policy), and where they send reports.");
	free(v);
	/* RFC 7489 7.1: reports for D go to another domain only if that
	 * domain agrees. */
	if (rua_domain && strcasecmp(rua_domain + 1, d))
		add_txt(b, fmt(b, "%s._report._dmarc.%s.", d, rua_domain + 1),
			"v=DMARC1",
			"DMARC: lets the report mailbox's domain receive the "
			"reports of this one (RFC 7489 7.1); it goes into that "
			"domain's zone.");
}

static void build_transport(struct builder *b, const struct vm_config *cfg,
			    const char *d)
{
	char rbuf[320];
	const char *h = cfg->hostname;
	const char *tlsrpt = cfg->tlsrpt_rua[0] ? cfg->tlsrpt_rua :
			     dmarc_rua(cfg, d, rbuf, sizeof rbuf);
	char *v;

	if (strcmp(cfg->mta_sts_mode, "none")) {
		struct vm_buf pol = VM_BUF_INIT;
		char id[MTA_STS_ID_LEN + 1];

		if (!mta_sts_policy(cfg, &pol)) {
			vm_buf_free(&pol);
			b->nomem = true;
			return;
		}
		mta_sts_policy_id(pol.data, pol.len, id);
		vm_buf_free(&pol);
		v = fmt(b, "v=STSv1; id=%s", id);
		add_txt(b, fmt(b, "_mta-sts.%s.", d), v,
			"MTA-STS: senders fetch the policy ([mta_sts] mode) "
			"again whenever this id changes.");
		free(v);
		add_own(b, DNS_SCOPE_DOMAIN, false, "CNAME",
			fmt(b, "mta-sts.%s.", d), fmt(b, "%s.", h),
			"MTA-STS: the policy is served by this server at "
			"https://mta-sts.DOMAIN/.well-known/mta-sts.txt.");
	}
	v = fmt(b, "v=TLSRPTv1; rua=mailto:%s", tlsrpt);
	add_txt(b, fmt(b, "_smtp._tls.%s.", d), v,
		"TLS-RPT: where senders report failed TLS connections "
		"(RFC 8460).");
	free(v);
}

static void build_clients(struct builder *b, const struct vm_config *cfg,
			  const char *d)
{
	static const struct {
		const char *service;
		const char *target;     /* NULL: "0 0 0 ." */
		const char *why;
	} srv[] = {
		{ "_submissions", "0 1 465", "Mail clients send over implicit "
		  "TLS on port 465 (RFC 8314)." },
		{ "_submission", "10 1 587", "Mail clients send with STARTTLS "
		  "on port 587 (RFC 6186)." },
		{ "_imaps", "0 1 993", "Mail clients read over IMAP with "
		  "implicit TLS on port 993 (RFC 8314)." },
		{ "_pop3s", "10 1 995", "Mail clients read over POP3 with "
		  "implicit TLS on port 995 (RFC 8314)." },
		{ "_imap", NULL, "IMAP without implicit TLS is not offered "
		  "to clients (RFC 6186: \"0 0 0 .\")." },
		{ "_pop3", NULL, "POP3 without implicit TLS is not offered "
		  "to clients (RFC 6186: \"0 0 0 .\")." },
	};
	const char *h = cfg->hostname;

	for (size_t i = 0; i < sizeof srv / sizeof srv[0]; i++)
		add_own(b, DNS_SCOPE_DOMAIN, false, "SRV",
			fmt(b, "%s._tcp.%s.", srv[i].service, d),
			srv[i].target ? fmt(b, "%s %s.", srv[i].target, h) :
					fmt(b, "0 0 0 ."),
			srv[i].why);
	add_own(b, DNS_SCOPE_DOMAIN, false, "CNAME",
		fmt(b, "autoconfig.%s.", d), fmt(b, "%s.", h),
		"Thunderbird-style autoconfiguration, served by this server.");
	add_own(b, DNS_SCOPE_DOMAIN, false, "CNAME",
		fmt(b, "autodiscover.%s.", d), fmt(b, "%s.", h),
		"Outlook autodiscover, served by this server.");
	add_own(b, DNS_SCOPE_DOMAIN, false, "SRV",
		fmt(b, "_autodiscover._tcp.%s.", d), fmt(b, "0 1 443 %s.", h),
		"Outlook autodiscover: the HTTPS server that answers it.");
}

/* An account URI that can stand inside the CAA value's quotes: printable
 * ASCII without space, '"', '\\' or ';' (RFC 8657 accounturi). */
static bool uri_ok(const char *uri)
{
	if (strncmp(uri, "https://", 8) || !uri[8])
		return false;
	for (const char *p = uri; *p; p++)
		if (*p <= ' ' || *p > '~' || strchr("\"\\;", *p))
			return false;
	return true;
}

static void build_caa(struct builder *b, const struct vm_config *cfg,
		      const char *d, const struct dns_facts *f)
{
	char rbuf[320];
	const char *ca = dns_caa_issuer(cfg);

	if (ca) {
		bool account = cfg->acme && uri_ok(f->acme_account);

		add_own(b, DNS_SCOPE_DOMAIN, false, "CAA", fmt(b, "%s.", d),
			account ? fmt(b, "0 issue \"%s; accounturi=%s\"", ca,
				      f->acme_account) :
				  fmt(b, "0 issue \"%s\"", ca),
			account ? "CAA: only this server's ACME account at this "
				  "CA may get certificates for the domain "
				  "(RFC 8657)." :
				  "CAA: only this CA may issue certificates for "
				  "the domain ([caa] issuer, [tls] "
				  "acme_directory).");
	}
	add_own(b, DNS_SCOPE_DOMAIN, false, "CAA", fmt(b, "%s.", d),
		fmt(b, "0 iodef \"mailto:%s\"",
		    dmarc_rua(cfg, d, rbuf, sizeof rbuf)),
		"CAA: where a CA reports a refused certificate request.");
}

static void build_host(struct builder *b, const struct vm_config *cfg,
		       const struct dns_facts *f)
{
	const char *h = cfg->hostname;
	const char *addr[2] = { f->ipv4, f->ipv6 };
	const int family[2] = { AF_INET, AF_INET6 };

	/* A private address found at run time is not one to publish: the
	 * record is advisory (a comment), and has no PTR to ask for. */
	if (f->ipv4[0])
		add_own(b, DNS_SCOPE_HOST, f->ipv4_private, "A",
			fmt(b, "%s.", h), fmt(b, "%s", f->ipv4),
			f->ipv4_private ?
			"This machine's IPv4 address is a private one: behind "
			"NAT set [server] ipv4 to the public address, then "
			"publish its A record." :
			"The server's IPv4 address ([server] ipv4, or the "
			"source address of its route out).");
	if (f->ipv6[0])
		add_own(b, DNS_SCOPE_HOST, f->ipv6_private, "AAAA",
			fmt(b, "%s.", h), fmt(b, "%s", f->ipv6),
			f->ipv6_private ?
			"This machine's IPv6 address is not a global one: "
			"publish an AAAA record only for a global address "
			"([server] ipv6)." :
			"The server's IPv6 address ([server] ipv6, or the "
			"source address of its route out).");
	if (f->tlsa_current[0])
		add_own(b, DNS_SCOPE_HOST, false, "TLSA",
			fmt(b, "_25._tcp.%s.", h),
			fmt(b, "3 1 1 %s", f->tlsa_current),
			"DANE: the SHA-256 of the public key port 25 presents "
			"([tls] key); it stays across certificate renewals.");
	if (f->tlsa_next[0])
		add_own(b, DNS_SCOPE_HOST, false, "TLSA",
			fmt(b, "_25._tcp.%s.", h),
			fmt(b, "3 1 1 %s", f->tlsa_next),
			"DANE: the next key of a rollover; publish it before "
			"the key changes, keep the old one until it has.");
	for (int i = 0; i < 2; i++) {
		bool priv = i ? f->ipv6_private : f->ipv4_private;
		char *rev = addr[i][0] && !priv ?
			    reverse_name(b, family[i], addr[i]) : NULL;

		if (rev)
			add_own(b, DNS_SCOPE_HOST, true, "PTR", rev,
				fmt(b, "%s.", h),
				"Reverse DNS: ask the provider of the address "
				"for this PTR; receivers distrust a server "
				"without one that matches its name.");
	}
}

bool dns_records_build(const struct vm_config *cfg, const char *domain,
		       const struct dns_facts *f, struct dns_record_set *set)
{
	struct builder b = { set, false };

	if (!cfg->hostname[0]) {
		vm_err("[server] hostname is not set (run 'vmailctl setup')");
		return false;
	}
	if (domain) {
		build_mx(&b, cfg, domain);
		build_auth(&b, cfg, domain, f);
		build_transport(&b, cfg, domain);
		build_clients(&b, cfg, domain);
		build_caa(&b, cfg, domain, f);
	}
	build_host(&b, cfg, f);
	if (b.nomem) {
		vm_err("out of memory");
		dns_records_free(set);
		return false;
	}
	return true;
}

void dns_records_free(struct dns_record_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].name);
		free(set->v[i].value);
		free(set->v[i].why);
	}
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

bool dns_records_for_domain(const struct vm_config *cfg, struct store *s,
			    const char *domain, struct dns_record_set *set)
{
	struct dns_facts f;
	bool ok;

	if (!dns_facts_gather(cfg, s, domain, &f))
		return false;
	ok = dns_records_build(cfg, domain, &f, set);
	dns_facts_free(&f);
	return ok;
}

/* ---- output ----------------------------------------------------------- */

void dns_records_zone(const struct dns_record_set *set, unsigned scopes,
		      struct vm_buf *out)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct dns_record *r = &set->v[i];

		if (!(r->scope & scopes))
			continue;
		vm_buf_printf(out, "; %s\n%s%s %u IN %s %s\n", r->why,
			      r->advisory ? "; " : "", r->name,
			      (unsigned)r->ttl, r->type, r->value);
	}
}

bool dns_records_json(const struct dns_record_set *set, unsigned scopes,
		      struct json_object *array)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct dns_record *r = &set->v[i];
		struct json_object *o;

		if (!(r->scope & scopes))
			continue;
		if (!(o = json_object_new_object()))
			return false;
		json_object_object_add(o, "name",
				       json_object_new_string(r->name));
		json_object_object_add(o, "type",
				       json_object_new_string(r->type));
		json_object_object_add(o, "value",
				       json_object_new_string(r->value));
		json_object_object_add(o, "ttl",
				       json_object_new_int64(r->ttl));
		json_object_object_add(o, "why",
				       json_object_new_string(r->why));
		json_object_object_add(o, "scope", json_object_new_string(
				       r->scope == DNS_SCOPE_HOST ? "host" :
								    "domain"));
		json_object_object_add(o, "advisory",
				       json_object_new_boolean(r->advisory));
		if (json_object_array_add(array, o)) {
			json_object_put(o);
			return false;
		}
	}
	return true;
}
