/*
 * fuzz_dns_records.c - libFuzzer target for the DNS record builder
 * (src/core/dns_records.c) and the MTA-STS policy (src/core/mta_sts.c).
 *
 * The input is split at newlines into the values the builder takes from
 * outside: [server] backup_mx, ipv4, ipv6, [tls] acme_directory, [caa]
 * issuer, [dns] dmarc_rua, the ACME account URI (a file the ACME client
 * writes) and a DKIM TXT value.  Whatever they hold, building must not
 * crash, every owner name must be fully qualified, every TXT value must
 * parse back (dkim_txt_unquote) into strings of at most 255 bytes, and
 * the zone text must be comment lines and "NAME TTL IN TYPE VALUE" lines
 * only.   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns_records.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/dkim.h"
#include "lib/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next newline-terminated field of [*p, end) into out (cut to fit). */
static void field(const char **p, const char *end, char *out, size_t size)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = (size_t)((nl ? nl : end) - *p);

	if (n >= size)
		n = size - 1;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p = nl ? nl + 1 : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config cfg;
	struct dns_facts f;
	struct dns_dkim_fact key;
	struct dns_record_set set = DNS_RECORD_SET_INIT;
	struct vm_buf b = VM_BUF_INIT;
	const char *p = (const char *)data, *end = p + size;
	char txt[600];
	char *text;

	config_defaults(&cfg);
	vm_strlcpy(cfg.hostname, "mail.example.com", sizeof cfg.hostname);
	vm_strlcpy(cfg.domain, "example.com", sizeof cfg.domain);
	cfg.acme = true;
	memset(&f, 0, sizeof f);
	memset(&key, 0, sizeof key);
	field(&p, end, cfg.backup_mx, sizeof cfg.backup_mx);
	field(&p, end, f.ipv4, sizeof f.ipv4);
	field(&p, end, f.ipv6, sizeof f.ipv6);
	field(&p, end, cfg.acme_directory, sizeof cfg.acme_directory);
	field(&p, end, cfg.caa_issuer, sizeof cfg.caa_issuer);
	field(&p, end, cfg.dmarc_rua, sizeof cfg.dmarc_rua);
	field(&p, end, f.acme_account, sizeof f.acme_account);
	field(&p, end, txt, sizeof txt);
	strcpy(key.selector, "s1");
	strcpy(key.state, "active");
	key.txt = txt;
	f.dkim = &key;
	f.ndkim = 1;
	memset(f.tlsa_current, 'a', 64);

	if (!dns_records_build(&cfg, "example.org", &f, &set))
		return 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct dns_record *r = &set.v[i];
		size_t len = strlen(r->name);

		if (!len || r->name[len - 1] != '.')
			abort();
		if (!strcmp(r->type, "TXT")) {
			char *out = NULL;
			size_t outlen;

			if (dkim_txt_unquote(r->value, strlen(r->value), &out,
					     &outlen) < 1)
				abort();
			free(out);
		}
	}
	dns_records_zone(&set, DNS_SCOPE_ALL, &b);
	text = vm_buf_take(&b, NULL);
	if (!text)
		abort();
	/* No field holds a newline (they are split at them), so every line
	 * is one the builder made: a comment or a record. */
	for (char *line = text, *nl; *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			abort();
		*nl = '\0';
		if (strncmp(line, "; ", 2) && !strstr(line, " 3600 IN "))
			abort();
	}
	free(text);
	dns_records_free(&set);
	return 0;
}
