/*
 * fuzz_config.c - libFuzzer target for config_parse() and
 * config_format() (src/lib/config.c).
 *
 * Any text config_parse() accepts must survive a round trip: formatting
 * the result and parsing that again gives the same settings, and
 * formatting is stable.  Errors must carry a line number.   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[256];
	struct vm_config a, b;
	char *out, *again;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_parse(text, &a, err, sizeof err)) {
		out = config_format(&a);
		if (!out)
			abort();
		if (!config_parse(out, &b, err, sizeof err) ||
		    memcmp(&a, &b, sizeof a) != 0)
			abort();
		again = config_format(&b);
		if (!again || strcmp(out, again) != 0)
			abort();
		free(out);
		free(again);
	} else if (strncmp(err, "line ", 5) != 0) {
		abort();
	}
	free(text);
	return 0;
}
