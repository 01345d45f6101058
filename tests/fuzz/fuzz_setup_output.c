/*
 * fuzz_setup_output.c - libFuzzer target for the parsers of the daemons'
 * tools' output that setup reads: postfix_features_parse() ("postconf
 * -d", src/setup/setup_postfix.c) and setup_rspamd_drop_noise()
 * ("rspamadm configtest", src/setup/setup_check.c).
 *
 * Checks that an accepted postconf output gives one of the two values
 * setup may render, and that dropping the noise only ever removes whole
 * lines: the result is no longer than the input, a second pass changes
 * nothing, and nothing is left that starts like a resolver line.
 *   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "setup/setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct postfix_features f;
	char why[256];
	char *s = malloc(size + 1), *again;
	size_t once;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&f, 0, sizeof f);
	if (postfix_features_parse(s, &f, why, sizeof why) &&
	    strcmp(f.bare_newline, "normalize") && strcmp(f.bare_newline, "yes"))
		abort();
	setup_rspamd_drop_noise(s);
	once = strlen(s);
	if (once > size || !(again = strdup(s)))
		abort();
	setup_rspamd_drop_noise(again);
	if (strcmp(again, s) || !strncmp(s, "address resolution for ", 23) ||
	    strstr(s, "\naddress resolution for "))
		abort();
	free(again);
	free(s);
	return 0;
}
