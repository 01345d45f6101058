/*
 * acme.h - the parts of getting a certificate from an ACME CA that are
 * pure logic: which names the certificate covers, what the ACME client's
 * output means, and where its files live.  The run itself (DNS
 * pre-check, uacme, installing the certificate, reloads) is
 * setup/setup_acme.c; "vmailctl cert" (commands/cmd_cert.c) and setup
 * drive it.
 *
 * The client is Debian's uacme (C, small; libcurl), run as
 *     uacme -v -c ACME_DIR -a DIRECTORY -h /usr/share/uacme/uacme.sh
 *           issue HOSTNAME mta-sts.D autoconfig.D ...
 * with UACME_CHALLENGE_PATH set to the HTTP-01 webroot nginx serves.
 * Its key for the certificate is ACME_DIR/private/HOSTNAME/key.pem: a
 * copy of [tls] key (or of the next key during a rotation), so a renewal
 * never changes the key and a published TLSA 3 1 1 record stays valid.
 */
#ifndef VMAIL_ACME_H
#define VMAIL_ACME_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strlist.h"

/* uacme's configuration directory: account key, certificate keys, the
 * certificates it fetched (0700 root). */
#define ACME_DIR "/etc/vmail/acme"
/* The URI of the ACME account (one line), for the CAA record's
 * accounturi (vmailctl dns); written after the account is made or found. */
#define ACME_ACCOUNT_URI_FILE ACME_DIR "/account-uri"
/* The directory URL the account belongs to (a new one means a new
 * account). */
#define ACME_ACCOUNT_DIRECTORY_FILE ACME_DIR "/account-directory"
/* The last run's outcome: "time=", "result=" (issued, current, failed),
 * "message=" lines. */
#define ACME_STATUS_FILE ACME_DIR "/status"
/* The HTTP-01 webroot nginx serves at /.well-known/acme-challenge/
 * (contract with the web front), and the directory of the tokens. */
#define ACME_WEBROOT "/var/lib/vmail/www/acme"
#define ACME_CHALLENGE_DIR ACME_WEBROOT "/.well-known/acme-challenge"
/* uacme's packaged hook: writes the token for http-01 into
 * $UACME_CHALLENGE_PATH, removes it afterwards, declines other types. */
#define ACME_HOOK "/usr/share/uacme/uacme.sh"
/* The next key of a rotation lives beside [tls] key under this name. */
#define ACME_NEXT_KEY_NAME "next-key.pem"

/* The names of the certificate: hostname first, then mta-sts.D and
 * autoconfig.D of every domain of domains, in order, without
 * duplicates.  False when out of memory. */
bool acme_cert_names(const char *hostname, const struct vm_strlist *domains,
		     struct vm_strlist *out);

/* The path of the next key: the directory of key_path, then
 * ACME_NEXT_KEY_NAME.  False if it does not fit. */
bool acme_next_key_path(const char *key_path, char *out, size_t size);

/* One sentence that says why uacme's run failed, from what it printed
 * (its -v output and the CA's problem documents): DNS, port 80, the
 * rate limit, the CA unreachable, ... (see acme.c for the list). */
void acme_explain(const char *output, char *msg, size_t size);

/* The account URI uacme printed ("account location: URI", "account
 * created at URI", "Account already exists at URI").  False if none. */
bool acme_account_uri(const char *output, char *uri, size_t size);

/* Whether a TLSA record's presentation form ("3 1 1 HEX", any case and
 * spacing of the hex as DNS tools print it) is "3 1 1 hex". */
bool acme_tlsa_matches(const char *rdata, const char *hex);

#endif
