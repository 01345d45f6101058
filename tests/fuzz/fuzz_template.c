/*
 * fuzz_template.c - libFuzzer target for the template renderer
 * (src/lib/template.c).
 *
 * Renders arbitrary bytes as a template (not NUL-terminated, so reads
 * past the end are caught) with a few variables set, and checks that
 * success gives a NUL-terminated result of the reported length and that
 * failure always says why with a line number.   make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tvars *vars;

static void make_vars(void)
{
	vars = tvars_new();
	if (!vars || !tvars_set(vars, "hostname", "mail.example.com") ||
	    !tvars_set(vars, "a", "1") || !tvars_set(vars, "b", "0") ||
	    !tvars_set(vars, "x.y", "{{a}}") || !tvars_set(vars, "e", ""))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), err[128];
	size_t len = (size_t)-1;
	char *out;

	if (!text)
		return 0;
	if (!vars)
		make_vars();
	memcpy(text, data, size);
	out = template_render(text, size, vars, &len, err, sizeof err);
	if (out) {
		if (out[len] != '\0')
			abort();
		free(out);
	} else if (strncmp(err, "line ", 5) != 0 && strcmp(err, "out of memory")) {
		abort();
	}
	free(text);
	return 0;
}
