/*
 * tlsconn.h - one TLS connection, as client or server, with OpenSSL:
 * for the backup MX's recipient list (cmd_backup_mx.c), which the
 * primary serves on a socket systemd hands it and the backup fetches.
 *
 *   server:  c = tlsconn_server(0, cert, key, 10, why, sizeof why);
 *            (the key is read: now drop privileges, privdrop.h)
 *            tlsconn_handshake(c, why, sizeof why);
 *   client:  c = tlsconn_connect(host, port, pin, 20, why, sizeof why);
 *            tlsconn_write(c, ...); tlsconn_read_line(c, ...);
 *            text = tlsconn_read_all(c, max, &len, why, sizeof why);
 *            tlsconn_close(c);
 *
 * TLS 1.2 or later only.  The client trusts the server if either its
 * public key is the pinned one (pin: the SHA-256 of the certificate's
 * SubjectPublicKeyInfo, 64 lower-case hex digits, as in a TLSA 3 1 1
 * record; names are then not checked, as DANE-EE does), or its chain
 * verifies against the system's CAs and names host.  Every read and
 * write gives up after the timeout (seconds).  Nothing here prints:
 * failures come back in why.
 */
#ifndef VMAIL_TLSCONN_H
#define VMAIL_TLSCONN_H

#include <stdbool.h>
#include <stddef.h>

#define TLSCONN_PIN_LEN 64

struct tlsconn;

/* A server connection on fd in two steps: the certificate and key
 * loaded, no byte read from fd yet; then the handshake (on failure c
 * stays, to be closed). */
struct tlsconn *tlsconn_server(int fd, const char *cert, const char *key,
			       int timeout, char *why, size_t whylen);
bool tlsconn_handshake(struct tlsconn *c, char *why, size_t whylen);
struct tlsconn *tlsconn_connect(const char *host, const char *port,
				const char *pin, int timeout, char *why,
				size_t whylen);
bool tlsconn_write(struct tlsconn *c, const void *p, size_t n);
/* One line ending in '\n' (dropped; a '\r' before it too) into buf; false
 * on EOF, error, or a line longer than size - 1. */
bool tlsconn_read_line(struct tlsconn *c, char *buf, size_t size);
/* Everything until the peer closes, at most max bytes (more: an error).
 * malloc'd, NUL-terminated. */
char *tlsconn_read_all(struct tlsconn *c, size_t max, size_t *len,
		       char *why, size_t whylen);
/* Close (with close_notify) and free; NULL is fine. */
void tlsconn_close(struct tlsconn *c);

/* The pin of the certificate in the PEM file path, into hex (65 bytes). */
bool tlsconn_cert_pin(const char *path, char hex[TLSCONN_PIN_LEN + 1],
		      char *why, size_t whylen);

#endif
