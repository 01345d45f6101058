/*
 * fuzz_validate.c - libFuzzer target for src/lib/validate.c.
 *
 * Feeds arbitrary bytes to every validator and checks the promises the
 * rest of vmail relies on: anything accepted is short, lower-case,
 * printable ASCII without quotes or white space, and an accepted
 * address splits into a valid local part and domain.
 *   make fuzz            (builds build/fuzz/fuzz_validate and runs it)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything any validator accepts must pass this. */
static void check_safe(const char *s)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z') ||
		    c == '\'' || c == '"' || c == '\\' || c == ';' ||
		    c == '/' || c == '%' || c == ',')
			abort();
	}
	if (strlen(s) > VM_ADDRESS_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char why[64], local[VM_LOCALPART_MAX + 1], domain[VM_DOMAIN_MAX + 1];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (valid_domain(s, why, sizeof why)) {
		check_safe(s);
		if (strlen(s) > VM_DOMAIN_MAX || strchr(s, '@'))
			abort();
	}
	if (valid_localpart(s, why, sizeof why)) {
		check_safe(s);
		if (strlen(s) > VM_LOCALPART_MAX || s[0] == '.' || s[0] == '-')
			abort();
	}
	if (valid_mailbox_localpart(s, why, sizeof why) && strchr(s, '+'))
		abort();
	if (valid_address(s, why, sizeof why)) {
		check_safe(s);
		if (!split_address(s, local, sizeof local, domain, sizeof domain) ||
		    !valid_localpart(local, NULL, 0) ||
		    !valid_domain(domain, NULL, 0))
			abort();
	}
	if (valid_alias_source(s, why, sizeof why))
		check_safe(s);
	/* Reasons always fit and end in NUL, even in a tiny buffer. */
	why[0] = '\0';
	valid_address(s, why, 5);
	if (strlen(why) >= 5)
		abort();
	free(s);
	return 0;
}
