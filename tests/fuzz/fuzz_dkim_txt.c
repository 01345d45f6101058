/*
 * fuzz_dkim_txt.c - libFuzzer target for the TXT record helpers of
 * src/lib/dkim.c: dkim_txt_split(), dkim_txt_quote() and
 * dkim_txt_unquote().
 *
 * For any input taken as a TXT value: every string of the split holds at
 * most 255 bytes, all but the last are full, and their concatenation is
 * the input; quoting it and parsing the result back gives the input and
 * the same number of strings.  The input taken as zone-file text must
 * parse without crashing, and what parses re-quotes to strings of at
 * most 255 bytes.   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_split(const char *value, size_t len)
{
	size_t n = dkim_txt_split(len, NULL, 0);
	struct dkim_chunk *c = calloc(n, sizeof *c);
	char *joined = malloc(len + 1);
	size_t off = 0;

	if (!c || !joined)
		abort();
	if (dkim_txt_split(len, c, n) != n || n == 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (c[i].len > DKIM_TXT_STRING_MAX || c[i].off != off ||
		    (i + 1 < n && c[i].len != DKIM_TXT_STRING_MAX))
			abort();
		memcpy(joined + off, value + c[i].off, c[i].len);
		off += c[i].len;
	}
	if (off != len || memcmp(joined, value, len) != 0)
		abort();
	free(joined);
	free(c);
}

static void check_round_trip(const char *value, size_t len)
{
	char *quoted = dkim_txt_quote(value, len), *back = NULL;
	size_t backlen = 0;
	int n;

	if (!quoted)
		abort();
	n = dkim_txt_unquote(quoted, strlen(quoted), &back, &backlen);
	if (n < 1 || (size_t)n != dkim_txt_split(len, NULL, 0) ||
	    backlen != len || memcmp(back, value, len) != 0)
		abort();
	free(back);
	free(quoted);
}

static void check_parse(const char *text, size_t len)
{
	char *out = NULL;
	size_t outlen = 0;
	int n = dkim_txt_unquote(text, len, &out, &outlen);

	if (n < 0) {
		if (out)
			abort();
		return;
	}
	/* n strings of at most 255 bytes each. */
	if (!out || outlen > (size_t)n * DKIM_TXT_STRING_MAX)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Values are text in practice; NUL bytes are data here too, except
	 * that dkim_txt_quote() works on len bytes. */
	check_split((const char *)data, size);
	check_round_trip((const char *)data, size);
	check_parse((const char *)data, size);
	return 0;
}
