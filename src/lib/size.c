/*
 * size.c - parse byte sizes typed by an administrator (see size.h).
 *
 * Used for quotas ("vmailctl user quota a@b 2G") and for the limits in
 * vmail.conf.  The grammar is strict on purpose: a size that is not
 * exactly understood is refused with a reason instead of being guessed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/diag.h"
#include "lib/size.h"

#define SIZE_MAX_VALUE ((uint64_t)INT64_MAX)   /* SQLite stores int64 */

/* Bit shift for a unit letter (K=10 ... T=40), or -1 if not a unit. */
static int unit_shift(char c)
{
	switch (c) {
	case 'k': case 'K': return 10;
	case 'm': case 'M': return 20;
	case 'g': case 'G': return 30;
	case 't': case 'T': return 40;
	default: return -1;
	}
}

/* The optional suffix after the unit letter: "", "B" or "iB". */
static bool valid_suffix(const char *s, bool have_unit)
{
	if (*s == '\0')
		return true;
	if (!strcasecmp(s, "b"))
		return true;
	return have_unit && !strcasecmp(s, "ib");
}

bool parse_size(const char *s, uint64_t *out, char *why, size_t whylen)
{
	uint64_t n = 0;
	const char *p = s;
	int shift = 0;

	if (*s == '\0')
		return vm_why(why, whylen, "empty size");
	if (!strcasecmp(s, "unlimited")) {
		*out = 0;
		return true;
	}
	if (*s == '-' || *s == '+')
		return vm_why(why, whylen, "a size has no sign");
	if (*s == ' ' || *s == '\t')
		return vm_why(why, whylen, "white space is not allowed in a size");
	if (*p < '0' || *p > '9')
		return vm_why(why, whylen, "a size must start with a number "
			    "(like 10M)");
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');

		if (n > (SIZE_MAX_VALUE - digit) / 10)
			return vm_why(why, whylen, "size too large");
		n = n * 10 + digit;
	}
	if (*p == '.' || *p == ',')
		return vm_why(why, whylen, "decimals are not allowed in a size "
			    "(write 1536M, not 1.5G)");
	if (*p != '\0' && unit_shift(*p) >= 0)
		shift = unit_shift(*p++);
	if (!valid_suffix(p, shift > 0)) {
		if (strpbrk(p, " \t\r\n"))
			return vm_why(why, whylen,
				    "white space is not allowed in a size");
		return vm_why(why, whylen, "unknown unit '%.16s' (use K, M, G "
			    "or T)", shift > 0 ? p - 1 : p);
	}
	if (shift > 0 && n > (SIZE_MAX_VALUE >> shift))
		return vm_why(why, whylen, "size too large");
	*out = n << shift;
	return true;
}
