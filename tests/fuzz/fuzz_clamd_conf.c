/*
 * fuzz_clamd_conf.c - libFuzzer target for clamd_conf_raise() and
 * clamd_parse_size() (src/lib/clamd_conf.c).
 *
 * The first 4 bytes pick the minimum (in KiB), the rest is the file.
 * Checks that the result always sets every directive to at least the
 * minimum (a second pass changes nothing) and that an unchanged result
 * is the input byte for byte.  (Texts with NUL bytes are not looked at:
 * setup refuses such a clamd.conf before calling it.)   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clamd_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t kib;
	uint64_t n;
	bool changed, again;
	char *once, *twice;

	(void)clamd_parse_size((const char *)data, size, &n);
	if (size < 4 || memchr(data + 4, '\0', size - 4))
		return 0;
	memcpy(&kib, data, 4);
	once = clamd_conf_raise((const char *)data + 4, size - 4,
				(uint64_t)kib * 1024, &changed);
	if (!once)
		return 0;
	if (!changed && (strlen(once) != size - 4 ||
			 memcmp(once, data + 4, size - 4) != 0))
		abort();
	twice = clamd_conf_raise(once, strlen(once), (uint64_t)kib * 1024, &again);
	if (twice && again)
		abort();
	free(once);
	free(twice);
	return 0;
}
