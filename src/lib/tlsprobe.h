/*
 * tlsprobe.h - fetch the certificate a TLS server serves (OpenSSL), for
 * "vmailctl check tls": connect to a port, speak STARTTLS first where
 * the protocol wants it (SMTP, IMAP, POP3), shake hands with SNI, and
 * report the certificate's names, its expiry, and whether its chain
 * verifies against the system's trust store.
 *
 *	struct tlsprobe_result r;
 *	if (tlsprobe_run("127.0.0.1", 25, TLSPROBE_SMTP, "mail.example.com",
 *			 10, &r))
 *		printf("%s, %ld days left\n", r.names, r.days_left);
 *	else
 *		puts(r.error);
 *
 * tlsprobe_reply() is the reader of the plaintext replies before
 * STARTTLS (network input), pure, for the unit tests and
 * tests/fuzz/fuzz_tlsprobe_reply.c.
 */
#ifndef VMAIL_TLSPROBE_H
#define VMAIL_TLSPROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum tlsprobe_proto {
	TLSPROBE_TLS,    /* TLS from the first byte (465, 993, 995, 443) */
	TLSPROBE_SMTP,   /* greeting, EHLO, STARTTLS (25, 587) */
	TLSPROBE_IMAP,   /* greeting, "a1 STARTTLS" (143) */
	TLSPROBE_POP3,   /* greeting, STLS (110) */
};

struct tlsprobe_result {
	bool refused;           /* nothing listens (connection refused) */
	char error[256];        /* why there is no certificate ("" if one) */
	char names[1024];       /* subjectAltName DNS names, space-separated
				 * (the CN when there are none) */
	bool name_match;        /* the host name is among them (wildcards
				 * as RFC 6125 allows) */
	time_t not_after;
	long days_left;         /* whole days until not_after (< 0: expired) */
	bool verified;          /* the chain verifies against the system store */
	bool self_signed;       /* the leaf, or the chain's root, is self-signed
				 * and not trusted */
	char verify_error[128]; /* OpenSSL's reason when not verified */
	char tls_version[16];   /* "TLSv1.3" */
};

/*
 * Connect to addr (an address or a name) port, speak proto, shake hands
 * with SNI host, and fill *r.  Every step waits at most timeout seconds.
 * True when a certificate was received (whether or not it verifies);
 * false with the reason in r->error.
 */
bool tlsprobe_run(const char *addr, unsigned port, enum tlsprobe_proto proto,
		  const char *host, int timeout, struct tlsprobe_result *r);

/*
 * One complete reply of proto at the start of buf[len]:
 *   SMTP  lines "CODE-text" up to the last "CODE text" (one code);
 *   IMAP  the greeting ("* OK ..." when tag is NULL), or untagged
 *         lines up to the one starting with tag ("a1 OK ...");
 *   POP3  one line, "+OK ..." or "-ERR ...".
 * Returns its length (through the last line's LF), 0 when more bytes are
 * needed, -1 when it is malformed (or a line is longer than 1000 bytes).
 * *ok: the reply is positive (SMTP 2xx, IMAP OK/PREAUTH, POP3 +OK);
 * *starttls: an SMTP reply had a line "STARTTLS" (EHLO keyword).
 */
long tlsprobe_reply(enum tlsprobe_proto proto, const char *tag,
		    const char *buf, size_t len, bool *ok, bool *starttls);

#endif
