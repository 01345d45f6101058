/*
 * test_dns_records.c - unit tests for the DNS record builder
 * (src/core/dns_records.c): every record type from hand-made facts, the
 * order of backup MX, a pending DKIM key, MTA-STS mode none, no IPv6,
 * CAA with and without an ACME account, the TLSA value of a fixed key
 * (computed with "openssl pkey -pubout -outform DER | sha256sum"), the
 * reverse names, and the zone and JSON forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "core/dns_records.h"
#include "core/mta_sts.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/str.h"
#include "scratch_dir.h"

/* A P-256 key and the SHA-256 of its SubjectPublicKeyInfo, from openssl. */
static const char ec_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIx8Cb9BLLsNK4DLp\n"
	"lj9tb49miy78Nj9mjRZPGegK2zihRANCAAR2CXxQkZqCAjTi+QkqhcqePUF8UcNI\n"
	"WA4a7I42M7l/TciZa8+xt/xe4RP16E/EUNRVCLEvCd0PX27SW4MY6uYz\n"
	"-----END PRIVATE KEY-----\n";
static const char ec_spki_sha256[] =
	"ac17992629c2514a3e716284bb3fbd4d7ce3b30b51d435e42fcec9567e0dfcc3";

static struct dns_dkim_fact dkim_active = {
	"vm20260101", "active", (char *)"v=DKIM1; k=rsa; p=AAAA"
};
static struct dns_dkim_fact dkim_two[2] = {
	{ "vm20260101", "active", (char *)"v=DKIM1; k=rsa; p=AAAA" },
	{ "vm20260701", "pending", (char *)"v=DKIM1; k=rsa; p=BBBB" },
};

static void base(struct vm_config *cfg, struct dns_facts *f)
{
	config_defaults(cfg);
	vm_strlcpy(cfg->hostname, "mail.example.com", sizeof cfg->hostname);
	vm_strlcpy(cfg->domain, "example.com", sizeof cfg->domain);
	vm_strlcpy(cfg->admin, "admin@example.com", sizeof cfg->admin);
	memset(f, 0, sizeof *f);
	vm_strlcpy(f->ipv4, "198.51.100.25", sizeof f->ipv4);
	vm_strlcpy(f->ipv6, "2001:db8::25", sizeof f->ipv6);
	f->dkim = &dkim_active;
	f->ndkim = 1;
	vm_strlcpy(f->tlsa_current, ec_spki_sha256, sizeof f->tlsa_current);
}

static void build(const struct vm_config *cfg, const struct dns_facts *f,
		  const char *domain, struct dns_record_set *set)
{
	set->v = NULL;
	set->n = 0;
	assert_true(dns_records_build(cfg, domain, f, set));
}

/* How many records of type at name; the value of the first in *value. */
static size_t count(const struct dns_record_set *set, const char *type,
		    const char *name, const char **value)
{
	size_t n = 0;

	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].type, type) &&
		    !strcmp(set->v[i].name, name)) {
			if (!n && value)
				*value = set->v[i].value;
			n++;
		}
	return n;
}

/* The one record of type at name with value. */
static const struct dns_record *find(const struct dns_record_set *set,
				     const char *type, const char *name,
				     const char *value)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].type, type) &&
		    !strcmp(set->v[i].name, name) &&
		    !strcmp(set->v[i].value, value))
			return &set->v[i];
	fail_msg("no %s %s %s", name, type, value);
	return NULL;
}

static void test_every_type(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;
	struct vm_buf pol = VM_BUF_INIT;
	char id[MTA_STS_ID_LEN + 1], want[128];
	const struct dns_record *r;

	(void)state;
	base(&cfg, &f);
	build(&cfg, &f, "example.org", &set);

	find(&set, "MX", "example.org.", "10 mail.example.com.");
	assert_int_equal(count(&set, "MX", "example.org.", NULL), 1);
	find(&set, "TXT", "example.org.", "\"v=spf1 mx -all\"");
	find(&set, "TXT", "vm20260101._domainkey.example.org.",
	     "\"v=DKIM1; k=rsa; p=AAAA\"");
	find(&set, "TXT", "_dmarc.example.org.",
	     "\"v=DMARC1; p=quarantine; rua=mailto:admin@example.com\"");
	/* The reports go to another domain: it must agree (RFC 7489). */
	find(&set, "TXT", "example.org._report._dmarc.example.com.",
	     "\"v=DMARC1\"");
	assert_true(mta_sts_policy(&cfg, &pol));
	mta_sts_policy_id(pol.data, pol.len, id);
	vm_buf_free(&pol);
	snprintf(want, sizeof want, "\"v=STSv1; id=%s\"", id);
	find(&set, "TXT", "_mta-sts.example.org.", want);
	find(&set, "CNAME", "mta-sts.example.org.", "mail.example.com.");
	find(&set, "TXT", "_smtp._tls.example.org.",
	     "\"v=TLSRPTv1; rua=mailto:admin@example.com\"");
	find(&set, "SRV", "_submissions._tcp.example.org.",
	     "0 1 465 mail.example.com.");
	find(&set, "SRV", "_submission._tcp.example.org.",
	     "10 1 587 mail.example.com.");
	find(&set, "SRV", "_imaps._tcp.example.org.", "0 1 993 mail.example.com.");
	find(&set, "SRV", "_pop3s._tcp.example.org.",
	     "10 1 995 mail.example.com.");
	find(&set, "SRV", "_imap._tcp.example.org.", "0 0 0 .");
	find(&set, "SRV", "_pop3._tcp.example.org.", "0 0 0 .");
	find(&set, "CNAME", "autoconfig.example.org.", "mail.example.com.");
	find(&set, "CNAME", "autodiscover.example.org.", "mail.example.com.");
	find(&set, "SRV", "_autodiscover._tcp.example.org.",
	     "0 1 443 mail.example.com.");
	find(&set, "CAA", "example.org.", "0 issue \"letsencrypt.org\"");
	find(&set, "CAA", "example.org.", "0 iodef \"mailto:admin@example.com\"");

	r = find(&set, "A", "mail.example.com.", "198.51.100.25");
	assert_int_equal(r->scope, DNS_SCOPE_HOST);
	assert_false(r->advisory);
	r = find(&set, "AAAA", "mail.example.com.", "2001:db8::25");
	assert_int_equal(r->scope, DNS_SCOPE_HOST);
	snprintf(want, sizeof want, "3 1 1 %s", ec_spki_sha256);
	r = find(&set, "TLSA", "_25._tcp.mail.example.com.", want);
	assert_int_equal(r->scope, DNS_SCOPE_HOST);
	r = find(&set, "PTR", "25.100.51.198.in-addr.arpa.", "mail.example.com.");
	assert_true(r->advisory);
	assert_int_equal(r->scope, DNS_SCOPE_HOST);
	r = find(&set, "PTR", "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
			      "8.b.d.0.1.0.0.2.ip6.arpa.", "mail.example.com.");
	assert_true(r->advisory);

	/* Everything else is the domain's, none advisory but the PTRs;
	 * every owner is fully qualified; every record has a why. */
	for (size_t i = 0; i < set.n; i++) {
		const struct dns_record *x = &set.v[i];
		size_t len = strlen(x->name);

		assert_true(len > 1 && x->name[len - 1] == '.');
		assert_true(strlen(x->why) > 10);
		assert_int_equal(x->ttl, DNS_TTL);
		assert_int_equal(x->advisory, !strcmp(x->type, "PTR"));
		if (strcmp(x->type, "A") && strcmp(x->type, "AAAA") &&
		    strcmp(x->type, "TLSA") && strcmp(x->type, "PTR"))
			assert_int_equal(x->scope, DNS_SCOPE_DOMAIN);
	}
	assert_int_equal(set.n, 19 + 5);
	dns_records_free(&set);
	assert_int_equal(set.n, 0);
}

static void test_backup_mx_order(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;
	const char *mx[3] = { NULL, NULL, NULL };
	size_t n = 0;

	(void)state;
	base(&cfg, &f);
	vm_strlcpy(cfg.backup_mx, "mx2.example.net  mx1.example.org",
		   sizeof cfg.backup_mx);
	build(&cfg, &f, "example.com", &set);
	for (size_t i = 0; i < set.n; i++)
		if (!strcmp(set.v[i].type, "MX")) {
			assert_true(n < 3);
			mx[n++] = set.v[i].value;
		}
	assert_int_equal(n, 3);
	assert_string_equal(mx[0], "10 mail.example.com.");
	assert_string_equal(mx[1], "20 mx2.example.net.");
	assert_string_equal(mx[2], "30 mx1.example.org.");
	/* The reports stay in the domain: no authorization record. */
	assert_int_equal(count(&set, "TXT",
			       "example.com._report._dmarc.example.com.",
			       NULL), 0);
	dns_records_free(&set);
}

static void test_pending_dkim(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;
	const struct dns_record *a, *p;

	(void)state;
	base(&cfg, &f);
	f.dkim = dkim_two;
	f.ndkim = 2;
	build(&cfg, &f, "example.com", &set);
	a = find(&set, "TXT", "vm20260101._domainkey.example.com.",
		 "\"v=DKIM1; k=rsa; p=AAAA\"");
	p = find(&set, "TXT", "vm20260701._domainkey.example.com.",
		 "\"v=DKIM1; k=rsa; p=BBBB\"");
	assert_true(a < p);
	assert_non_null(strstr(p->why, "pending"));
	dns_records_free(&set);
}

static void test_long_txt_split(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;
	struct dns_dkim_fact big;
	char txt[420];
	const char *v = NULL;

	(void)state;
	base(&cfg, &f);
	memset(&big, 0, sizeof big);
	strcpy(big.selector, "s");
	strcpy(big.state, "active");
	memset(txt, 'A', sizeof txt - 1);
	txt[sizeof txt - 1] = '\0';
	big.txt = txt;
	f.dkim = &big;
	build(&cfg, &f, "example.com", &set);
	assert_int_equal(count(&set, "TXT", "s._domainkey.example.com.", &v), 1);
	/* Two strings: 255 bytes, then the rest. */
	assert_int_equal(strlen(v), 419 + 4 + 1);
	assert_memory_equal(v + 256, "\" \"", 3);
	dns_records_free(&set);
}

static void test_mode_none_no_ipv6(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;

	(void)state;
	base(&cfg, &f);
	vm_strlcpy(cfg.mta_sts_mode, "none", sizeof cfg.mta_sts_mode);
	f.ipv6[0] = '\0';
	f.ndkim = 0;
	f.tlsa_current[0] = '\0';
	build(&cfg, &f, "example.com", &set);
	assert_int_equal(count(&set, "TXT", "_mta-sts.example.com.", NULL), 0);
	assert_int_equal(count(&set, "CNAME", "mta-sts.example.com.", NULL), 0);
	for (size_t i = 0; i < set.n; i++) {
		assert_string_not_equal(set.v[i].type, "AAAA");
		assert_string_not_equal(set.v[i].type, "TLSA");
		assert_null(strstr(set.v[i].name, "ip6.arpa"));
		assert_null(strstr(set.v[i].name, "_domainkey"));
	}
	assert_int_equal(count(&set, "A", "mail.example.com.", NULL), 1);
	assert_int_equal(count(&set, "PTR", "25.100.51.198.in-addr.arpa.",
			       NULL), 1);
	dns_records_free(&set);
	/* An address that does not parse has no PTR to ask for. */
	vm_strlcpy(f.ipv4, "not-an-ip", sizeof f.ipv4);
	build(&cfg, &f, "example.com", &set);
	for (size_t i = 0; i < set.n; i++)
		assert_string_not_equal(set.v[i].type, "PTR");
	/* TLS-RPT does not depend on MTA-STS (DANE failures too). */
	assert_int_equal(count(&set, "TXT", "_smtp._tls.example.com.", NULL), 1);
	dns_records_free(&set);
}

static void test_private_addresses(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;
	const struct dns_record *r;

	(void)state;
	base(&cfg, &f);
	vm_strlcpy(f.ipv4, "10.0.0.5", sizeof f.ipv4);
	vm_strlcpy(f.ipv6, "fd00::2", sizeof f.ipv6);
	f.ipv4_private = f.ipv6_private = true;
	build(&cfg, &f, "example.com", &set);
	/* Found, but not to publish: advisory, and no PTR to ask for. */
	r = find(&set, "A", "mail.example.com.", "10.0.0.5");
	assert_true(r->advisory);
	assert_non_null(strstr(r->why, "[server] ipv4"));
	r = find(&set, "AAAA", "mail.example.com.", "fd00::2");
	assert_true(r->advisory);
	for (size_t i = 0; i < set.n; i++)
		assert_string_not_equal(set.v[i].type, "PTR");
	dns_records_free(&set);
}

static void test_host_only(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;

	(void)state;
	base(&cfg, &f);
	build(&cfg, &f, NULL, &set);
	assert_int_equal(set.n, 5);
	for (size_t i = 0; i < set.n; i++)
		assert_int_equal(set.v[i].scope, DNS_SCOPE_HOST);
	dns_records_free(&set);
}

static void test_policy_and_rua(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;

	(void)state;
	base(&cfg, &f);
	vm_strlcpy(cfg.dmarc_policy, "reject", sizeof cfg.dmarc_policy);
	vm_strlcpy(cfg.dmarc_rua, "dmarc@example.com", sizeof cfg.dmarc_rua);
	vm_strlcpy(cfg.tlsrpt_rua, "tls@example.com", sizeof cfg.tlsrpt_rua);
	build(&cfg, &f, "example.com", &set);
	find(&set, "TXT", "_dmarc.example.com.",
	     "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.com\"");
	find(&set, "TXT", "_smtp._tls.example.com.",
	     "\"v=TLSRPTv1; rua=mailto:tls@example.com\"");
	dns_records_free(&set);

	/* No admin set: admin@ the first domain, as setup does. */
	cfg.dmarc_rua[0] = cfg.tlsrpt_rua[0] = cfg.admin[0] = '\0';
	build(&cfg, &f, "example.com", &set);
	find(&set, "TXT", "_smtp._tls.example.com.",
	     "\"v=TLSRPTv1; rua=mailto:admin@example.com\"");
	dns_records_free(&set);
}

static void test_caa(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;

	(void)state;
	base(&cfg, &f);
	/* ACME on, account known: accounturi. */
	cfg.acme = true;
	vm_strlcpy(f.acme_account, "https://acme-v02.api.letsencrypt.org/acme/acct/42",
		   sizeof f.acme_account);
	build(&cfg, &f, "example.com", &set);
	find(&set, "CAA", "example.com.", "0 issue \"letsencrypt.org; "
	     "accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/42\"");
	dns_records_free(&set);

	/* A URI that would break out of the quotes is left out. */
	vm_strlcpy(f.acme_account, "https://ca.example/a\"b", sizeof f.acme_account);
	build(&cfg, &f, "example.com", &set);
	find(&set, "CAA", "example.com.", "0 issue \"letsencrypt.org\"");
	dns_records_free(&set);
	vm_strlcpy(f.acme_account, "https://ca.example/acct/1; x=y",
		   sizeof f.acme_account);
	build(&cfg, &f, "example.com", &set);
	find(&set, "CAA", "example.com.", "0 issue \"letsencrypt.org\"");
	dns_records_free(&set);

	/* ACME off: the account is not ours to bind to. */
	cfg.acme = false;
	build(&cfg, &f, "example.com", &set);
	find(&set, "CAA", "example.com.", "0 issue \"letsencrypt.org\"");
	dns_records_free(&set);

	/* Another known CA, by its directory. */
	vm_strlcpy(cfg.acme_directory, "https://acme.zerossl.com/v2/DV90",
		   sizeof cfg.acme_directory);
	assert_string_equal(dns_caa_issuer(&cfg), "sectigo.com");
	vm_strlcpy(cfg.acme_directory,
		   "https://acme-staging-v02.api.letsencrypt.org/directory",
		   sizeof cfg.acme_directory);
	assert_string_equal(dns_caa_issuer(&cfg), "letsencrypt.org");
	/* Not a suffix match on a label boundary: unknown. */
	vm_strlcpy(cfg.acme_directory, "https://evilapi.letsencrypt.org.example/d",
		   sizeof cfg.acme_directory);
	assert_null(dns_caa_issuer(&cfg));
	vm_strlcpy(cfg.acme_directory, "https://ca.internal:14000/dir",
		   sizeof cfg.acme_directory);
	assert_null(dns_caa_issuer(&cfg));
	/* Unknown CA: no issue record, iodef still. */
	build(&cfg, &f, "example.com", &set);
	assert_int_equal(count(&set, "CAA", "example.com.", NULL), 1);
	find(&set, "CAA", "example.com.", "0 iodef \"mailto:admin@example.com\"");
	dns_records_free(&set);
	/* [caa] issuer names it. */
	vm_strlcpy(cfg.caa_issuer, "ca.example.net", sizeof cfg.caa_issuer);
	build(&cfg, &f, "example.com", &set);
	find(&set, "CAA", "example.com.", "0 issue \"ca.example.net\"");
	dns_records_free(&set);
}

static void test_tlsa_of_key(void **state)
{
	char path[256], hex[65];
	FILE *fp;

	(void)state;
	scratch_path(path, sizeof path, "key.pem");
	assert_non_null(fp = fopen(path, "w"));
	fputs(ec_key, fp);
	fclose(fp);
	assert_true(dns_tlsa_spki_sha256(path, hex));
	assert_string_equal(hex, ec_spki_sha256);

	/* Not a key; missing. */
	scratch_path(path, sizeof path, "junk.pem");
	assert_non_null(fp = fopen(path, "w"));
	fputs("hello\n", fp);
	fclose(fp);
	assert_false(dns_tlsa_spki_sha256(path, hex));
	scratch_path(path, sizeof path, "missing.pem");
	assert_false(dns_tlsa_spki_sha256(path, hex));
}

static void test_rollover_tlsa(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;
	size_t n = 0;

	(void)state;
	base(&cfg, &f);
	memset(f.tlsa_next, 'b', 64);
	f.tlsa_next[64] = '\0';
	build(&cfg, &f, "example.com", &set);
	for (size_t i = 0; i < set.n; i++)
		if (!strcmp(set.v[i].type, "TLSA"))
			n++;
	assert_int_equal(n, 2);
	dns_records_free(&set);
}

static void test_zone_and_json(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set;
	struct vm_buf b = VM_BUF_INIT;
	struct json_object *arr = json_object_new_array(), *o, *v;
	char *text;

	(void)state;
	base(&cfg, &f);
	build(&cfg, &f, "example.com", &set);

	dns_records_zone(&set, DNS_SCOPE_DOMAIN, &b);
	assert_non_null(text = vm_buf_take(&b, NULL));
	assert_non_null(strstr(text, "\nexample.com. 3600 IN MX 10 "
				     "mail.example.com.\n"));
	assert_non_null(strstr(text, "; This server receives"));
	assert_null(strstr(text, "IN A "));
	free(text);

	dns_records_zone(&set, DNS_SCOPE_HOST, &b);
	assert_non_null(text = vm_buf_take(&b, NULL));
	assert_int_equal(strncmp(text, "; ", 2), 0);
	assert_non_null(strstr(text, "\nmail.example.com. 3600 IN A "
				     "198.51.100.25\n"));
	/* The PTR is advisory: a comment. */
	assert_non_null(strstr(text, "\n; 25.100.51.198.in-addr.arpa. 3600 "
				     "IN PTR mail.example.com.\n"));
	assert_null(strstr(text, "IN MX"));
	/* Every line is a comment or a record. */
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		assert_true(line[0] == ';' || strstr(line, " 3600 IN "));
	free(text);

	assert_true(dns_records_json(&set, DNS_SCOPE_ALL, arr));
	assert_int_equal(json_object_array_length(arr), set.n);
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "name", &v));
	assert_string_equal(json_object_get_string(v), "example.com.");
	assert_true(json_object_object_get_ex(o, "type", &v));
	assert_string_equal(json_object_get_string(v), "MX");
	assert_true(json_object_object_get_ex(o, "value", &v));
	assert_string_equal(json_object_get_string(v), "10 mail.example.com.");
	assert_true(json_object_object_get_ex(o, "ttl", &v));
	assert_int_equal(json_object_get_int(v), 3600);
	assert_true(json_object_object_get_ex(o, "why", &v));
	assert_true(json_object_object_get_ex(o, "scope", &v));
	assert_string_equal(json_object_get_string(v), "domain");
	assert_true(json_object_object_get_ex(o, "advisory", &v));
	assert_false(json_object_get_boolean(v));
	json_object_put(arr);

	arr = json_object_new_array();
	assert_true(dns_records_json(&set, DNS_SCOPE_HOST, arr));
	assert_int_equal(json_object_array_length(arr), 5);
	json_object_put(arr);
	dns_records_free(&set);
}

static void test_no_hostname(void **state)
{
	struct vm_config cfg;
	struct dns_facts f;
	struct dns_record_set set = DNS_RECORD_SET_INIT;

	(void)state;
	base(&cfg, &f);
	cfg.hostname[0] = '\0';
	assert_false(dns_records_build(&cfg, "example.com", &f, &set));
	assert_int_equal(set.n, 0);
}

static void test_find_address(void **state)
{
	char buf[46];
	bool priv = true;

	(void)state;
	/* Whatever this machine has: empty, or an address that parses. */
	dns_find_address(AF_INET, buf, sizeof buf, &priv);
	if (buf[0]) {
		unsigned char a[4];

		assert_int_equal(inet_pton(AF_INET, buf, a), 1);
		assert_int_not_equal(a[0], 127);
	} else {
		assert_false(priv);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_backup_mx_order),
		cmocka_unit_test(test_pending_dkim),
		cmocka_unit_test(test_long_txt_split),
		cmocka_unit_test(test_mode_none_no_ipv6),
		cmocka_unit_test(test_private_addresses),
		cmocka_unit_test(test_host_only),
		cmocka_unit_test(test_policy_and_rua),
		cmocka_unit_test(test_caa),
		cmocka_unit_test(test_tlsa_of_key),
		cmocka_unit_test(test_rollover_tlsa),
		cmocka_unit_test(test_zone_and_json),
		cmocka_unit_test(test_no_hostname),
		cmocka_unit_test(test_find_address),
	};

	return cmocka_run_group_tests(tests, scratch_dir_setup,
				      scratch_dir_teardown);
}
