/*
 * tlscert.h - the server's TLS key and certificate.
 *
 * tlscert_ensure_selfsigned() creates, with the OpenSSL 3 API, an RSA-3072
 * (or P-256 ECDSA) key and a self-signed X.509 certificate for hostname
 * (CN and subjectAltName DNS:hostname, 10 years) when the files do not
 * exist yet.  The key is written 0600 root, the cert 0644.  Existing files
 * are never touched (an administrator may have put a real certificate
 * there).
 */
#ifndef VMAIL_TLSCERT_H
#define VMAIL_TLSCERT_H

#include <stdbool.h>

/* Returns 1 if created, 0 if both already existed, -1 on error. */
int tlscert_ensure_selfsigned(const char *hostname, const char *cert_path,
			      const char *key_path);

/* True if the PEM certificate at path names hostname in its SAN or CN. */
bool tlscert_names_host(const char *cert_path, const char *hostname);

#endif
