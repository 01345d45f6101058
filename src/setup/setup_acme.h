/*
 * setup_acme.h - getting, renewing and installing the certificate from
 * an ACME CA ([tls] acme = yes), for "vmailctl setup" (the first try)
 * and "vmailctl cert" (renew, rotate-key; the systemd timer
 * vmail-cert.timer runs "vmailctl cert renew").  Pure parts: core/acme.h.
 */
#ifndef VMAIL_SETUP_ACME_H
#define VMAIL_SETUP_ACME_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/config.h"
#include "store/store.h"

enum acme_outcome {
	ACME_ISSUED,     /* a new certificate is installed */
	ACME_CURRENT,    /* the installed one is still good: nothing done */
	ACME_FAILED,     /* msg says why; the installed one stays */
};

struct acme_request {
	bool force;            /* a new certificate even if the current
				  one is good (cert renew --force) */
	const char *key;       /* the key to certify: NULL = [tls] key;
				  else the next key of a rotation, which
				  becomes [tls] key once certified */
};

/*
 * One run: the names (hostname, mta-sts. and autoconfig. of every
 * domain in s), checked in DNS first (the hostname must point to this
 * server; a domain's name that does not is left out with a warning);
 * the ACME account (made on first use; its URI saved in
 * ACME_ACCOUNT_URI_FILE); uacme; then the certificate and chain
 * written to [tls] cert (and the key to [tls] key when it changes)
 * atomically, and Postfix, Dovecot and nginx (when running) reloaded
 * gracefully.  The outcome is also saved in ACME_STATUS_FILE.  msg gets
 * one sentence: what was done, or why it failed.
 */
enum acme_outcome setup_acme_run(const struct vm_config *cfg, struct store *s,
				 const struct acme_request *rq, char *msg,
				 size_t msglen);

/* The step of "vmailctl setup": with [tls] acme = yes, enable the timer
 * and try the first certificate (a failure is reported as a warning:
 * setup goes on and the self-signed certificate stays); with "no",
 * disable the timer.  False only on an error setup must stop for. */
bool setup_acme(const struct vm_config *cfg, struct store *s);

/* The TLSA record of port 25 for a key's digest, one line:
 * "_25._tcp.HOSTNAME. IN TLSA 3 1 1 HEX". */
void setup_acme_tlsa_line(const char *hostname, const char *hex, char *out,
			  size_t size);

/* Whether DNS (the system resolver) serves "3 1 1 hex" at
 * _25._tcp.hostname.  1 yes, 0 no (found says what it got), -1 the
 * query failed (found says why). */
int setup_acme_tlsa_visible(const char *hostname, const char *hex,
			    char *found, size_t foundlen);

#endif
