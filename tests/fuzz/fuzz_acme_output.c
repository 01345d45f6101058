/*
 * fuzz_acme_output.c - libFuzzer target for acme_explain(),
 * acme_account_uri() and acme_tlsa_matches() (src/core/acme.c): what
 * uacme prints holds the CA's problem documents, network input.
 *
 * Checks that the sentence is always a NUL-terminated string within its
 * buffer, printable (no control characters from the input), and that a
 * found URI starts with http(s):// and has no white space.   make fuzz
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/acme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	char msg[300], uri[200];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(msg, 'x', sizeof msg);
	acme_explain(text, msg, sizeof msg);
	if (!memchr(msg, '\0', sizeof msg))
		abort();
	for (const char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	if (acme_account_uri(text, uri, sizeof uri)) {
		if (strncmp(uri, "https://", 8) && strncmp(uri, "http://", 7))
			abort();
		for (const char *p = uri; *p; p++)
			if (isspace((unsigned char)*p))
				abort();
	}
	(void)acme_tlsa_matches(text, "abcdef0123");
	free(text);
	return 0;
}
