/*
 * dns_records.h - every DNS record a hosted domain needs, as vmail
 * expects to find it published: the list "vmailctl dns" prints (zone
 * file or JSON, commands/cmd_dns.c) and "vmailctl check" compares with
 * the live answers (commands/cmd_check.c).
 *
 * Building is two steps, so that the records themselves are a pure
 * function that unit tests feed by hand:
 *
 *   1. dns_facts_gather(): what must be read or found out on this
 *      machine - the server's public addresses ([server] ipv4/ipv6, or
 *      the source address of the route to a public address), the DKIM
 *      keys of the domain (active, pending, retired: core/dkim_keys.h),
 *      the SHA-256 of the TLS key's SubjectPublicKeyInfo ([tls] key, and
 *      DNS_TLS_NEXT_KEY during a key rollover), the ACME account URI
 *      (DNS_ACME_ACCOUNT_URI, written by the ACME client).
 *   2. dns_records_build(): the records, from vmail.conf and the facts.
 *
 *	struct dns_facts f;
 *	struct dns_record_set set = DNS_RECORD_SET_INIT;
 *	if (dns_facts_gather(cfg, store, "example.com", &f) &&
 *	    dns_records_build(cfg, "example.com", &f, &set))
 *		dns_records_zone(&set, DNS_SCOPE_ALL, &buf);
 *	dns_records_free(&set);
 *	dns_facts_free(&f);
 *
 * Every owner name is fully qualified, with its trailing dot, in lower
 * case.  Values are in zone-file presentation form, exactly as a
 * resolver prints the rdata: names fully qualified with the dot, TXT
 * values as quoted strings of at most 255 bytes each ("..." "..."),
 * CAA as FLAGS TAG "VALUE", TLSA as 3 1 1 HEX (lower case).
 *
 * Some records concern the server, not the domain (the hostname's A,
 * AAAA, TLSA, and the PTR of its addresses): their scope is
 * DNS_SCOPE_HOST, and they are the same for every domain, so a listing
 * of several domains prints them once.  An advisory record is not one
 * to publish as it is - the PTR, which the provider of the address
 * publishes, and an A or AAAA of a private address found at run time
 * (behind NAT the public one must be set): zone output prints it as a
 * comment.
 */
#ifndef VMAIL_DNS_RECORDS_H
#define VMAIL_DNS_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "store/store.h"

struct json_object;

/* Written by the ACME client: the account's URI (one line), for CAA
 * accounturi (RFC 8657). */
#define DNS_ACME_ACCOUNT_URI "/etc/vmail/acme/account-uri"
/* Written by the TLS key rollover: the key that replaces [tls] key;
 * while it exists both TLSA records are published. */
#define DNS_TLS_NEXT_KEY "/etc/vmail/tls/next-key.pem"
/* The TTL of every record. */
#define DNS_TTL 3600

enum dns_scope {
	DNS_SCOPE_DOMAIN = 1,   /* the domain's own names */
	DNS_SCOPE_HOST = 2,     /* the server's: same for every domain */
	DNS_SCOPE_ALL = 3,
};

struct dns_record {
	char *name;             /* owner, FQDN with trailing dot */
	char type[8];           /* "MX", "TXT", "CAA", ... */
	char *value;            /* rdata in presentation form */
	uint32_t ttl;
	char *why;              /* one sentence: what it is for */
	enum dns_scope scope;
	bool advisory;          /* not to publish as is (PTR, private A) */
};

struct dns_record_set {
	struct dns_record *v;
	size_t n;
};
#define DNS_RECORD_SET_INIT { NULL, 0 }

/* One DKIM key of the domain as published. */
struct dns_dkim_fact {
	char selector[64];
	char state[8];          /* active, pending, retired */
	char *txt;              /* "v=DKIM1; k=rsa; p=..." (unquoted) */
};

/* What dns_records_build() needs besides vmail.conf. */
struct dns_facts {
	char ipv4[16];          /* "" = none */
	char ipv6[46];          /* "" = none */
	bool ipv4_private;      /* found, but not a public address */
	bool ipv6_private;
	struct dns_dkim_fact *dkim;     /* active first, then pending, retired */
	size_t ndkim;
	char tlsa_current[65];  /* hex SHA-256 of the SPKI; "" = no key */
	char tlsa_next[65];     /* "" = no rollover under way */
	char acme_account[512]; /* "" = not known */
};

/*
 * Gather the facts for domain (NULL: only the server's, no DKIM keys -
 * for a backup MX, which hosts no domain): addresses (cfg.ipv4/ipv6 or found out),
 * the domain's DKIM keys from the store, the TLSA hashes of cfg.tls_key
 * and DNS_TLS_NEXT_KEY ($VMAIL_TLS_NEXT_KEY replaces the path, for
 * tests), the ACME account URI from DNS_ACME_ACCOUNT_URI
 * ($VMAIL_ACME_ACCOUNT_URI likewise).  False with the reason printed
 * (an unreadable key, a store error).  Free with dns_facts_free().
 */
bool dns_facts_gather(const struct vm_config *cfg, struct store *s,
		      const char *domain, struct dns_facts *f);
void dns_facts_free(struct dns_facts *f);

/* Hex SHA-256 of the DER SubjectPublicKeyInfo of the PEM private (or
 * public) key in path: the value of a TLSA 3 1 1.  hex >= 65 bytes.
 * False with the reason printed. */
bool dns_tlsa_spki_sha256(const char *path, char hex[65]);

/*
 * The source address the kernel would use to reach a public address of
 * family (AF_INET, AF_INET6) - a UDP socket connected, nothing sent -
 * or else the first global address of an interface (getifaddrs).  ""
 * if there is none; *private set when it is not a public address
 * (RFC 1918, CGNAT, ULA, ...).  buf >= 46 bytes.
 */
void dns_find_address(int family, char *buf, size_t size, bool *private);

/* The CA's domain for CAA: [caa] issuer, else the CA of [tls]
 * acme_directory when it is one of the CAs known here (Let's Encrypt,
 * ZeroSSL, Buypass, Google, SSL.com); NULL if unknown. */
const char *dns_caa_issuer(const struct vm_config *cfg);

/*
 * The records of domain (a hosted domain, lower case, no trailing dot),
 * appended to set in a fixed order: MX, SPF, DKIM, DMARC, MTA-STS,
 * TLS-RPT, SRV, autoconfig/autodiscover, CAA, then the host's A, AAAA,
 * TLSA, PTR.  domain NULL: the host's records only.  False if
 * cfg.hostname is empty or memory ran out (printed; set freed).
 */
bool dns_records_build(const struct vm_config *cfg, const char *domain,
		       const struct dns_facts *f, struct dns_record_set *set);
void dns_records_free(struct dns_record_set *set);

/* Both steps for one domain (NULL: the server's records only): gather,
 * then build into set.  False with the reason printed. */
bool dns_records_for_domain(const struct vm_config *cfg, struct store *s,
			    const char *domain, struct dns_record_set *set);

/*
 * The records of set whose scope is in scopes, in zone-file syntax: each
 * after a comment with its why, "NAME TTL IN TYPE VALUE" with fully
 * qualified names; advisory ones as comments.  Appended to out.
 */
void dns_records_zone(const struct dns_record_set *set, unsigned scopes,
		      struct vm_buf *out);

/*
 * The same records as JSON objects {"name", "type", "value", "ttl",
 * "why", "scope": "domain"|"host", "advisory"} appended to the json-c
 * array.  False if memory ran out.
 */
bool dns_records_json(const struct dns_record_set *set, unsigned scopes,
		      struct json_object *array);

#endif
