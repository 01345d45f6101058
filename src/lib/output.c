/*
 * output.c - printing results for people and for scripts (see output.h).
 *
 * "list" and "show" commands build a json_object when --json is given
 * and hand it to out_json(); in text mode they print sizes with
 * out_size() so quotas read "2G" rather than "2147483648".
 */
#include <inttypes.h>
#include <stdio.h>

#include "lib/output.h"

int out_json(struct json_object *obj)
{
	const char *text = json_object_to_json_string_ext(obj,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = 0;

	if (!text || fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF)
		ret = -1;
	json_object_put(obj);
	return ret;
}

const char *out_size(uint64_t bytes, char *buf)
{
	static const char units[] = "KMGTPE";
	uint64_t unit = 1024, whole, tenths;
	int i = 0;

	if (bytes < 1024) {
		snprintf(buf, 32, "%" PRIu64, bytes);
		return buf;
	}
	/* The largest unit the value reaches. */
	while (i < 5 && bytes / unit >= 1024) {
		unit *= 1024;
		i++;
	}
	whole = bytes / unit;
	/* One decimal, rounded; exact multiples print without one. */
	tenths = ((bytes % unit) / (unit / 1024) * 10 + 512) / 1024;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	/* whole is below 1025 here, so it fits an unsigned int. */
	if (bytes % unit == 0)
		snprintf(buf, 32, "%u%c", (unsigned)whole, units[i]);
	else
		snprintf(buf, 32, "%u.%u%c", (unsigned)whole, (unsigned)tenths,
			 units[i]);
	return buf;
}
