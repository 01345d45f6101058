/*
 * fuzz_tlsrpt.c - libFuzzer target for src/lib/tlsrpt.c, which reads the
 * TLS reports other servers mail us (RFC 8460): the report JSON parser,
 * gunzip, and the MIME reader that finds the report parts of a message.
 *
 * The first byte picks what the rest is: a report (JSON), a gzip stream,
 * or a mail message whose reports are parsed in turn.  Checks that a
 * parsed report's counts and failure list stay within bounds and its
 * names are NUL-terminated printable text, and that nothing leaks.
 *   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/tlsrpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_report(const char *json, size_t len, void *ctx)
{
	struct tlsrpt_report r;
	char why[128];

	(void)ctx;
	if (tlsrpt_parse(json, len, &r, why, sizeof why)) {
		if (r.nfail > TLSRPT_MAX_FAILURES || strlen(r.org) >= sizeof r.org)
			abort();
		for (size_t i = 0; i < r.nfail; i++)
			for (const char *p = r.fail[i].type; *p; p++)
				if ((unsigned char)*p < 0x20)
					abort();
	} else if (!why[0]) {
		abort();
	}
	tlsrpt_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out;
	size_t outlen;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_report((const char *)data + 1, size - 1, NULL);
		break;
	case 1:
		if (tlsrpt_gunzip(data + 1, size - 1, 1 << 16, &out, &outlen)) {
			if (outlen > 1 << 16 || out[outlen] != '\0')
				abort();
			free(out);
		}
		break;
	default:
		tlsrpt_attachments((const char *)data + 1, size - 1,
				   check_report, NULL);
	}
	return 0;
}
