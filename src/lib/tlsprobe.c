/*
 * tlsprobe.c - fetch and judge the certificate a TLS server serves (see
 * tlsprobe.h).
 *
 * The connection is a plain socket with a connect timeout (non-blocking
 * connect, poll) and SO_RCVTIMEO/SO_SNDTIMEO afterwards; the plaintext
 * part (greeting, EHLO/CAPA, STARTTLS) is read into a 16 KB buffer and
 * cut into replies by tlsprobe_reply().  The handshake verifies nothing
 * itself (SSL_VERIFY_NONE: a self-signed certificate must still be
 * looked at); the chain's verdict is read afterwards with
 * SSL_get_verify_result() against the default paths (the system store),
 * and the name with X509_check_host().
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/tlsprobe.h"

#define LINE_MAX_LEN 1000

/* ---- the plaintext replies ------------------------------------------ */

/* The line at p (end at most at end): its length through the LF, 0 if
 * incomplete, -1 if too long. */
static long line_len(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	if (!lf)
		return end - p > LINE_MAX_LEN ? -1 : 0;
	if (lf - p + 1 > LINE_MAX_LEN + 2)
		return -1;
	return lf - p + 1;
}

/* The text of a line without its CR LF. */
static size_t text_len(const char *p, long n)
{
	size_t t = (size_t)n - 1;

	if (t && p[t - 1] == '\r')
		t--;
	return t;
}

static long smtp_reply(const char *buf, size_t len, bool *ok, bool *starttls)
{
	const char *p = buf, *end = buf + len;
	char code[3];

	for (bool first = true;; first = false) {
		long n = line_len(p, end);
		size_t t;

		if (n <= 0)
			return n;
		t = text_len(p, n);
		if (t < 3 || !(p[0] >= '2' && p[0] <= '5') ||
		    !(p[1] >= '0' && p[1] <= '9') ||
		    !(p[2] >= '0' && p[2] <= '9') ||
		    (t > 3 && p[3] != ' ' && p[3] != '-'))
			return -1;
		if (first)
			memcpy(code, p, 3);
		else if (memcmp(code, p, 3))
			return -1;
		if (t >= 12 && !strncasecmp(p + 4, "STARTTLS", 8) &&
		    (t == 12 || p[12] == ' '))
			*starttls = true;
		p += n;
		if (t == 3 || p[-n + 3] == ' ') {
			*ok = code[0] == '2';
			return p - buf;
		}
	}
}

static bool word_at(const char *p, size_t t, const char *w)
{
	size_t n = strlen(w);

	return t >= n && !strncasecmp(p, w, n) && (t == n || p[n] == ' ');
}

static long imap_reply(const char *tag, const char *buf, size_t len, bool *ok)
{
	const char *p = buf, *end = buf + len;

	for (;;) {
		long n = line_len(p, end);
		size_t t, tl;

		if (n <= 0)
			return n;
		t = text_len(p, n);
		if (!tag) {
			if (t < 2 || p[0] != '*' || p[1] != ' ')
				return -1;
			*ok = word_at(p + 2, t - 2, "OK") ||
			      word_at(p + 2, t - 2, "PREAUTH");
			return n;
		}
		tl = strlen(tag);
		if (t > tl && !memcmp(p, tag, tl) && p[tl] == ' ') {
			*ok = word_at(p + tl + 1, t - tl - 1, "OK");
			return p + n - buf;
		}
		if (t < 2 || p[0] != '*' || p[1] != ' ')
			return -1;
		p += n;
	}
}

static long pop3_reply(const char *buf, size_t len, bool *ok)
{
	long n = line_len(buf, buf + len);
	size_t t;

	if (n <= 0)
		return n;
	t = text_len(buf, n);
	if (word_at(buf, t, "+OK"))
		*ok = true;
	else if (word_at(buf, t, "-ERR"))
		*ok = false;
	else
		return -1;
	return n;
}

long tlsprobe_reply(enum tlsprobe_proto proto, const char *tag,
		    const char *buf, size_t len, bool *ok, bool *starttls)
{
	*ok = false;
	switch (proto) {
	case TLSPROBE_SMTP:
		return smtp_reply(buf, len, ok, starttls);
	case TLSPROBE_IMAP:
		return imap_reply(tag, buf, len, ok);
	case TLSPROBE_POP3:
		return pop3_reply(buf, len, ok);
	case TLSPROBE_TLS:
		break;
	}
	return -1;
}

/* ---- the connection ------------------------------------------------- */

struct conn {
	int fd;
	char buf[16384];
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static bool fail(struct tlsprobe_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
	return false;
}

static bool dial(const char *addr, unsigned port, int timeout,
		 struct tlsprobe_result *r, int *fdp)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	struct timeval tv = { .tv_sec = timeout };
	char service[8];
	int err = 0, rc;

	snprintf(service, sizeof service, "%u", port);
	if ((rc = getaddrinfo(addr, service, &hints, &res)) != 0)
		return fail(r, "cannot resolve %s", addr);
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK,
				ai->ai_protocol);
		struct pollfd pfd;
		socklen_t sl = sizeof err;

		if (fd < 0) {
			err = errno;
			continue;
		}
		err = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			err = errno;
			if (err == EINPROGRESS) {
				pfd.fd = fd;
				pfd.events = POLLOUT;
				rc = poll(&pfd, 1, timeout * 1000);
				if (rc == 0)
					err = ETIMEDOUT;
				else if (rc < 0 ||
					 getsockopt(fd, SOL_SOCKET, SO_ERROR,
						    &err, &sl) < 0)
					err = errno;
			}
		}
		if (err == 0 &&
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0) {
			freeaddrinfo(res);
			*fdp = fd;
			return true;
		}
		close(fd);
	}
	freeaddrinfo(res);
	r->refused = err == ECONNREFUSED;
	if (err == ECONNREFUSED)
		return fail(r, "connection refused: nothing listens");
	if (err == ETIMEDOUT)
		return fail(r, "no answer to the connection (timeout)");
	return fail(r, "cannot connect: %s", strerror(err ? err : EIO));
}

/* Read until one reply is complete; it is left at the start of c->buf
 * and its length returned (0 on failure, reason in r). */
static size_t read_reply(struct conn *c, enum tlsprobe_proto proto,
			 const char *tag, bool *ok, bool *starttls,
			 struct tlsprobe_result *r)
{
	for (;;) {
		long n = tlsprobe_reply(proto, tag, c->buf, c->len, ok,
					starttls);
		ssize_t got;

		if (n > 0)
			return (size_t)n;
		if (n < 0) {
			fail(r, "the server's reply before STARTTLS does not "
				"parse");
			return 0;
		}
		if (c->len == sizeof c->buf) {
			fail(r, "the server's reply before STARTTLS is too "
				"long");
			return 0;
		}
		got = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
		if (got <= 0) {
			if (got == 0)
				fail(r, "the server closed the connection "
					"before STARTTLS");
			else
				fail(r, "no reply from the server before "
					"STARTTLS (timeout)");
			return 0;
		}
		c->len += (size_t)got;
	}
}

/* Send line, read one reply, drop it from the buffer.  *ok as
 * tlsprobe_reply's. */
static bool exchange(struct conn *c, enum tlsprobe_proto proto,
		     const char *line, const char *tag, bool *ok,
		     bool *starttls, struct tlsprobe_result *r)
{
	size_t n;

	if (line && send(c->fd, line, strlen(line), MSG_NOSIGNAL) !=
			    (ssize_t)strlen(line))
		return fail(r, "cannot send to the server: %s", strerror(errno));
	if (!(n = read_reply(c, proto, tag, ok, starttls, r)))
		return false;
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	return true;
}

static bool starttls(struct conn *c, enum tlsprobe_proto proto,
		     const char *host, struct tlsprobe_result *r)
{
	bool ok = false, offered = false;
	char ehlo[300];

	if (proto == TLSPROBE_TLS)
		return true;
	if (!exchange(c, proto, NULL, NULL, &ok, &offered, r))
		return false;
	if (!ok)
		return fail(r, "the server's greeting is not positive");
	switch (proto) {
	case TLSPROBE_SMTP:
		snprintf(ehlo, sizeof ehlo, "EHLO %s\r\n", host);
		if (!exchange(c, proto, ehlo, NULL, &ok, &offered, r))
			return false;
		if (!ok || !offered)
			return fail(r, "the server does not offer STARTTLS");
		if (!exchange(c, proto, "STARTTLS\r\n", NULL, &ok, &offered, r))
			return false;
		break;
	case TLSPROBE_IMAP:
		if (!exchange(c, proto, "a1 STARTTLS\r\n", "a1", &ok, &offered,
			      r))
			return false;
		break;
	case TLSPROBE_POP3:
		if (!exchange(c, proto, "STLS\r\n", NULL, &ok, &offered, r))
			return false;
		break;
	case TLSPROBE_TLS:
		return true;
	}
	if (!ok)
		return fail(r, "the server refused STARTTLS");
	if (c->len)
		return fail(r, "the server sent more after its STARTTLS "
			       "reply");
	return true;
}

/* ---- the certificate ------------------------------------------------ */

static void cert_names(X509 *cert, struct tlsprobe_result *r)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name,
					       NULL, NULL);
	size_t o = 0;

	r->names[0] = '\0';
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *s;
		int n;

		if (g->type != GEN_DNS)
			continue;
		s = ASN1_STRING_get0_data(g->d.dNSName);
		n = ASN1_STRING_length(g->d.dNSName);
		if (o + (size_t)n + 2 > sizeof r->names)
			break;
		if (o)
			r->names[o++] = ' ';
		for (int k = 0; k < n; k++)
			r->names[o++] = s[k] > 0x20 && s[k] < 0x7f ?
					(char)s[k] : '?';
		r->names[o] = '\0';
	}
	GENERAL_NAMES_free(gens);
	if (!o)
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
					  NID_commonName, r->names,
					  (int)sizeof r->names);
}

static void judge(SSL *ssl, X509 *cert, const char *host,
		  struct tlsprobe_result *r)
{
	long v = SSL_get_verify_result(ssl);
	int days = 0, secs = 0;
	const ASN1_TIME *na = X509_get0_notAfter(cert);
	struct tm tm;

	cert_names(cert, r);
	r->name_match = X509_check_host(cert, host, 0, 0, NULL) == 1;
	if (ASN1_TIME_to_tm(na, &tm))
		r->not_after = timegm(&tm);
	if (ASN1_TIME_diff(&days, &secs, NULL, na))
		r->days_left = days - (secs < 0 && days <= 0 ? 1 : 0);
	r->verified = v == X509_V_OK;
	r->self_signed = v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
			 v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
	if (!r->verified)
		snprintf(r->verify_error, sizeof r->verify_error, "%s",
			 X509_verify_cert_error_string(v));
	snprintf(r->tls_version, sizeof r->tls_version, "%s",
		 SSL_get_version(ssl));
}

bool tlsprobe_run(const char *addr, unsigned port, enum tlsprobe_proto proto,
		  const char *host, int timeout, struct tlsprobe_result *r)
{
	static struct conn c;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *cert = NULL;
	bool ok = false;

	memset(r, 0, sizeof *r);
	c.len = 0;
	if (!dial(addr, port, timeout, r, &c.fd))
		return false;
	if (!starttls(&c, proto, host, r))
		goto out;
	if (!(ctx = SSL_CTX_new(TLS_client_method())) ||
	    !SSL_CTX_set_default_verify_paths(ctx) ||
	    !(ssl = SSL_new(ctx)) || !SSL_set_fd(ssl, c.fd) ||
	    !SSL_set_tlsext_host_name(ssl, host)) {
		fail(r, "cannot set up TLS (OpenSSL)");
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	if (SSL_connect(ssl) != 1) {
		unsigned long e = ERR_get_error();
		char why[160];

		ERR_error_string_n(e, why, sizeof why);
		fail(r, "TLS handshake failed: %s", e ? why : "connection "
			"closed or timed out");
		goto out;
	}
	if (!(cert = SSL_get1_peer_certificate(ssl))) {
		fail(r, "the server sent no certificate");
		goto out;
	}
	judge(ssl, cert, host, r);
	ok = true;
	SSL_shutdown(ssl);
out:
	X509_free(cert);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	close(c.fd);
	return ok;
}
