/*
 * mta_sts.c - the MTA-STS policy text and its id.  See mta_sts.h for who
 * uses them.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core/mta_sts.h"

bool mta_sts_policy(const struct vm_config *cfg, struct vm_buf *out)
{
	const char *p = cfg->backup_mx;

	if (!cfg->hostname[0] || out->nomem)
		return false;
	vm_buf_printf(out, "version: STSv1\r\nmode: %s\r\nmx: %s\r\n",
		      cfg->mta_sts_mode, cfg->hostname);
	/* backup_mx is "HOST HOST ..." (config.c checks each name). */
	while (*p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n) {
			vm_buf_puts(out, "mx: ");
			vm_buf_add(out, p, n);
			vm_buf_puts(out, "\r\n");
		}
		p += n;
	}
	vm_buf_printf(out, "max_age: %u\r\n", (unsigned)cfg->mta_sts_max_age);
	return !out->nomem;
}

void mta_sts_policy_id(const char *policy, size_t len,
		       char id[MTA_STS_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	memset(md, 0, sizeof md);
	/* EVP_Digest of SHA-256 fails only when OpenSSL itself is broken;
	 * the id is then that of an all-zero digest, still well-formed. */
	if (!EVP_Digest(policy, len, md, &mdlen, EVP_sha256(), NULL))
		memset(md, 0, sizeof md);
	for (size_t i = 0; i < MTA_STS_ID_LEN / 2; i++) {
		id[2 * i] = hex[md[i] >> 4];
		id[2 * i + 1] = hex[md[i] & 15];
	}
	id[MTA_STS_ID_LEN] = '\0';
}
