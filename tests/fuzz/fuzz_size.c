/*
 * fuzz_size.c - libFuzzer target for parse_size() (src/lib/size.c) and
 * out_size() (src/lib/output.c).
 *
 * Checks that an accepted size never exceeds 2^63-1, that the output is
 * untouched on rejection, and that out_size() of any value stays within
 * its 32-byte buffer.   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/output.h"
#include "lib/size.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char why[64], buf[32];
	uint64_t n = 42, v;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_size(s, &n, why, sizeof why)) {
		if (n > (uint64_t)INT64_MAX)
			abort();
		out_size(n, buf);
		if (strlen(buf) >= sizeof buf)
			abort();
	} else if (n != 42 || why[0] == '\0') {
		abort();
	}
	/* Any 8 bytes as a value. */
	if (size >= 8) {
		memcpy(&v, data, sizeof v);
		out_size(v, buf);
		if (strlen(buf) >= sizeof buf)
			abort();
	}
	free(s);
	return 0;
}
