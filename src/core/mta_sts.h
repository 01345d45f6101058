/*
 * mta_sts.h - the MTA-STS policy of a hosted domain (RFC 8461) and the id
 * that announces it.  The same text is served at
 * https://mta-sts.DOMAIN/.well-known/mta-sts.txt (the web front renders
 * it into its per-domain files) and hashed into the id of the _mta-sts
 * TXT record that "vmailctl dns" prints (core/dns_records.c), so the id
 * changes exactly when the policy does and senders fetch it anew.
 *
 * The policy is the same for every hosted domain: their MX is this
 * server (cfg.hostname) and its backups (cfg.backup_mx).
 *
 *	struct vm_buf b = VM_BUF_INIT;
 *	char id[MTA_STS_ID_LEN + 1];
 *	if (mta_sts_policy(cfg, &b))
 *		mta_sts_policy_id(b.data, b.len, id);
 *	vm_buf_free(&b);
 */
#ifndef VMAIL_MTA_STS_H
#define VMAIL_MTA_STS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/config.h"

/* The policy served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461 3.2),
 * CRLF line ends: version: STSv1, mode, one "mx:" per name (cfg.hostname, then each
 * of cfg.backup_mx), max_age.  Appended to out; false if cfg.hostname is
 * empty (nothing appended) or memory ran out (out then fails as vm_buf
 * does). */
bool mta_sts_policy(const struct vm_config *cfg, struct vm_buf *out);

/* The id of the _mta-sts TXT record: 20 lower-case hex digits of SHA-256(policy). */
#define MTA_STS_ID_LEN 20
void mta_sts_policy_id(const char *policy, size_t len, char id[MTA_STS_ID_LEN + 1]);

#endif
