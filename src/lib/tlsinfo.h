/*
 * tlsinfo.h - what vmailctl needs to know about a certificate and a key
 * (OpenSSL 3 API): the names a certificate covers, who issued it, when
 * it expires, and the TLSA "3 1 1" digest of a key (SHA-256 of its
 * SubjectPublicKeyInfo, RFC 6698 / RFC 7671) that DANE publishes for
 * port 25.  Also makes the next key of a rotation.
 *
 *   struct tlsinfo_cert c;
 *   if (tlsinfo_cert_load("/etc/vmail/tls/cert.pem", &c, why, sizeof why))
 *       ... c.names, c.not_after, c.self_signed ...
 *   tlsinfo_cert_free(&c);
 *
 * Used by the ACME step (setup_acme.c), "vmailctl cert" and the DNS
 * records (the TLSA of the current key and, during a rotation, of the
 * next one).  Nothing here prints: failures come back as a reason.
 */
#ifndef VMAIL_TLSINFO_H
#define VMAIL_TLSINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/strlist.h"

/* 64 hex digits and a NUL. */
#define TLSINFO_TLSA_HEX 65

struct tlsinfo_cert {
	struct vm_strlist names;   /* subjectAltName DNS names, lower case */
	char subject_cn[256];
	char issuer_cn[256];
	bool self_signed;          /* issuer == subject and it verifies
				      with its own key */
	time_t not_before, not_after;
	char spki_sha256[TLSINFO_TLSA_HEX];   /* TLSA 3 1 1 of its key */
};

/* Load the first certificate of a PEM file (the leaf of a chain). */
bool tlsinfo_cert_load(const char *path, struct tlsinfo_cert *out,
		       char *why, size_t whylen);
/* The same from PEM text in memory. */
bool tlsinfo_cert_parse(const char *pem, size_t len, struct tlsinfo_cert *out,
			char *why, size_t whylen);
void tlsinfo_cert_free(struct tlsinfo_cert *c);

/* The TLSA 3 1 1 digest (lower-case hex) of the private key in PEM file
 * path (its public half). */
bool tlsinfo_key_tlsa(const char *path, char hex[TLSINFO_TLSA_HEX],
		      char *why, size_t whylen);

/* Make a new RSA-3072 private key at path (0600, written atomically)
 * unless a file is there already.  1 made, 0 was there, -1 error (why). */
int tlsinfo_new_key(const char *path, char *why, size_t whylen);

#endif
