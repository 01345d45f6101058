/*
 * fuzz_tlsprobe_reply.c - libFuzzer target for tlsprobe_reply()
 * (src/lib/tlsprobe.c), the reader of the SMTP, IMAP and POP3 replies a
 * server sends before STARTTLS ("vmailctl check tls").
 *
 * The first byte picks the protocol (and, for IMAP, a tag or the
 * greeting).  Checks that a complete reply never claims more bytes than
 * given and ends with a LF, and that feeding the input in two pieces
 * never finds a reply the whole input does not have.   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tlsprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tlsprobe_proto protos[] = {
		TLSPROBE_SMTP, TLSPROBE_IMAP, TLSPROBE_IMAP, TLSPROBE_POP3,
	};
	const char *buf = (const char *)data + 1;
	enum tlsprobe_proto p;
	const char *tag;
	bool ok, st = false;
	long n, half;

	if (size < 1)
		return 0;
	p = protos[data[0] & 3];
	tag = (data[0] & 3) == 2 ? "a1" : NULL;
	size--;
	n = tlsprobe_reply(p, tag, buf, size, &ok, &st);
	if (n > (long)size || n < -1)
		abort();
	if (n > 0 && buf[n - 1] != '\n')
		abort();
	/* A prefix that already holds a whole reply gives the same one. */
	half = tlsprobe_reply(p, tag, buf, size / 2, &ok, &st);
	if (half > 0 && half != n)
		abort();
	return 0;
}
