/*
 * tlsconn.c - one TLS connection with OpenSSL (see tlsconn.h): the
 * server side on a socket it is given (systemd's Accept=yes), the
 * client side with a pinned key or the system's CAs.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/diag.h"
#include "lib/str.h"
#include "lib/tlsconn.h"

struct tlsconn {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	bool own_fd;
	char pending[512];      /* read ahead by tlsconn_read_line() */
	size_t npending;
};

static const char *ssl_reason(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if (!e)
		return "connection closed or timed out";
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return buf;
}

static void set_timeouts(int fd, int timeout)
{
	struct timeval tv = { .tv_sec = timeout };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static struct tlsconn *conn_new(bool server, char *why, size_t whylen)
{
	struct tlsconn *c = calloc(1, sizeof *c);

	if (!c) {
		vm_why(why, whylen, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!c->ctx ||
	    !SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION)) {
		vm_why(why, whylen, "TLS: %s", ssl_reason());
		tlsconn_close(c);
		return NULL;
	}
	return c;
}

struct tlsconn *tlsconn_server(int fd, const char *cert, const char *key,
			       int timeout, char *why, size_t whylen)
{
	struct tlsconn *c = conn_new(true, why, whylen);

	if (!c)
		return NULL;
	c->fd = fd;
	set_timeouts(fd, timeout);
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    !(c->ssl = SSL_new(c->ctx)) || SSL_set_fd(c->ssl, fd) != 1) {
		vm_why(why, whylen, "TLS: %s", ssl_reason());
		tlsconn_close(c);
		return NULL;
	}
	return c;
}

bool tlsconn_handshake(struct tlsconn *c, char *why, size_t whylen)
{
	if (SSL_accept(c->ssl) != 1) {
		vm_why(why, whylen, "TLS: %s", ssl_reason());
		return false;
	}
	return true;
}

/* SHA-256 of the certificate's SubjectPublicKeyInfo, in hex. */
static bool cert_pin(X509 *x, char hex[TLSCONN_PIN_LEN + 1])
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	bool ok;

	if (n <= 0)
		return false;
	ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) &&
	     mdlen == TLSCONN_PIN_LEN / 2;
	OPENSSL_free(der);
	for (unsigned int i = 0; ok && i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return ok;
}

bool tlsconn_cert_pin(const char *path, char hex[TLSCONN_PIN_LEN + 1],
		      char *why, size_t whylen)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	bool ok;

	if (!f)
		return vm_why(why, whylen, "cannot read %s: %s", path,
			      strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!x)
		return vm_why(why, whylen, "%s: no certificate: %s", path,
			      ssl_reason());
	ok = cert_pin(x, hex);
	X509_free(x);
	return ok || vm_why(why, whylen, "%s: cannot hash its key", path);
}

static int dial(const char *host, const char *port, int timeout, char *why,
		size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc, err = 0;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		vm_why(why, whylen, "cannot resolve %s: %s", host,
		       gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		set_timeouts(fd, timeout);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		vm_why(why, whylen, "cannot connect to %s port %s: %s", host,
		       port, strerror(err ? err : ECONNREFUSED));
	return fd;
}

struct tlsconn *tlsconn_connect(const char *host, const char *port,
				const char *pin, int timeout, char *why,
				size_t whylen)
{
	struct tlsconn *c = conn_new(false, why, whylen);
	char got[TLSCONN_PIN_LEN + 1] = "";
	X509 *peer;
	long vr;

	if (!c)
		return NULL;
	if ((c->fd = dial(host, port, timeout, why, whylen)) < 0) {
		tlsconn_close(c);
		return NULL;
	}
	c->own_fd = true;
	/* Verified below, after the handshake: the pin or the chain. */
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_set_default_verify_paths(c->ctx) != 1 ||
	    !(c->ssl = SSL_new(c->ctx)) ||
	    SSL_set_tlsext_host_name(c->ssl, host) != 1 ||
	    SSL_set1_host(c->ssl, host) != 1 ||
	    SSL_set_fd(c->ssl, c->fd) != 1 || SSL_connect(c->ssl) != 1) {
		vm_why(why, whylen, "TLS with %s: %s", host, ssl_reason());
		tlsconn_close(c);
		return NULL;
	}
	peer = SSL_get1_peer_certificate(c->ssl);
	if (!peer || !cert_pin(peer, got)) {
		X509_free(peer);
		vm_why(why, whylen, "TLS with %s: no server certificate", host);
		tlsconn_close(c);
		return NULL;
	}
	X509_free(peer);
	if (pin && *pin && !strcmp(pin, got))
		return c;
	vr = SSL_get_verify_result(c->ssl);
	if (vr == X509_V_OK)
		return c;
	if (pin && *pin)
		vm_why(why, whylen, "%s's certificate is not trusted: its key "
		       "(pin %s) is not the pinned one, and its chain does not "
		       "verify (%s)", host, got,
		       X509_verify_cert_error_string(vr));
	else
		vm_why(why, whylen, "%s's certificate is not trusted: %s "
		       "(pin of its key: %s)", host,
		       X509_verify_cert_error_string(vr), got);
	tlsconn_close(c);
	return NULL;
}

bool tlsconn_write(struct tlsconn *c, const void *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t w = 0;

		if (SSL_write_ex(c->ssl, (const char *)p + done, n - done, &w)
		    != 1)
			return false;
		done += w;
	}
	return true;
}

bool tlsconn_read_line(struct tlsconn *c, char *buf, size_t size)
{
	for (;;) {
		char *nl = memchr(c->pending, '\n', c->npending);
		size_t r = 0;

		if (nl) {
			size_t n = (size_t)(nl - c->pending);

			if (n >= size)
				return false;
			memcpy(buf, c->pending, n);
			buf[n] = '\0';
			if (n && buf[n - 1] == '\r')
				buf[n - 1] = '\0';
			c->npending -= n + 1;
			memmove(c->pending, nl + 1, c->npending);
			return true;
		}
		if (c->npending >= size || c->npending == sizeof c->pending)
			return false;
		if (SSL_read_ex(c->ssl, c->pending + c->npending,
				sizeof c->pending - c->npending, &r) != 1)
			return false;
		c->npending += r;
	}
}

char *tlsconn_read_all(struct tlsconn *c, size_t max, size_t *len,
		       char *why, size_t whylen)
{
	size_t cap = 65536, n = c->npending;
	char *buf = malloc(cap + 1);

	if (!buf) {
		vm_why(why, whylen, "out of memory");
		return NULL;
	}
	memcpy(buf, c->pending, n);
	c->npending = 0;
	for (;;) {
		size_t r = 0;
		int rc;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				vm_why(why, whylen, "more than %zu bytes", max);
				return NULL;
			}
			cap *= 2;
			if (!(nb = realloc(buf, cap + 1))) {
				free(buf);
				vm_why(why, whylen, "out of memory");
				return NULL;
			}
			buf = nb;
		}
		rc = SSL_read_ex(c->ssl, buf + n, cap - n, &r);
		if (rc == 1) {
			n += r;
			continue;
		}
		if (SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN)
			break;
		free(buf);
		vm_why(why, whylen, "reading: %s", ssl_reason());
		return NULL;
	}
	if (n > max) {
		free(buf);
		vm_why(why, whylen, "more than %zu bytes", max);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

void tlsconn_close(struct tlsconn *c)
{
	if (!c)
		return;
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->own_fd && c->fd >= 0)
		close(c->fd);
	/* what was read ahead may be a secret ("LIST TOKEN") */
	OPENSSL_cleanse(c->pending, sizeof c->pending);
	free(c);
}
