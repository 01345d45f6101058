/*
 * fuzz_postfix_merge.c - libFuzzer target for postfix_main_merge()
 * (src/setup/setup_local.c), the merge of the local postfix-main.cf
 * over the rendered main.cf.
 *
 * The input is split into the rendered text and the overrides at its
 * first NUL byte, or in the middle if it has none.  When the merge
 * succeeds, the result (read back with a small main.cf reader of its
 * own, written apart from the one under test) must hold each override
 * name exactly once, hold no name twice unless the rendered text
 * already did, and end with a newline; with no overrides it must be the
 * rendered text.  When the merge fails it must name a line that exists.
 *   make fuzz
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "setup/setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The names set in main.cf text, sorted (a malloc'd array of malloc'd
 * strings; *n of them). */
struct names {
	char **v;
	size_t n;
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A line that starts with a name character starts a setting (every
 * other line is blank, a comment or a continuation in merged output). */
static struct names read_names(const char *text, size_t *lines)
{
	struct names ns = { calloc(strlen(text) + 1, sizeof(char *)), 0 };

	if (!ns.v)
		abort();
	*lines = 0;
	for (const char *p = text; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t k = 0;

		(*lines)++;
		while (name_char(p[k]))
			k++;
		if (k > 0 && !(ns.v[ns.n++] = strndup(p, k)))
			abort();
		if (!nl)
			break;
		p = nl + 1;
	}
	qsort(ns.v, ns.n, sizeof *ns.v, cmp_names);
	return ns;
}

static void free_names(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

static bool has_twice(const struct names *ns)
{
	for (size_t i = 1; i < ns->n; i++)
		if (!strcmp(ns->v[i - 1], ns->v[i]))
			return true;
	return false;
}

static size_t count(const struct names *ns, const char *name)
{
	size_t c = 0;

	for (size_t i = 0; i < ns->n; i++)
		c += !strcmp(ns->v[i], name);
	return c;
}

static void check_merged(const char *rendered, const char *overrides,
			 const char *out)
{
	size_t lines, len = strlen(out);
	struct names in = read_names(rendered, &lines);
	struct names over = read_names(overrides, &lines);
	struct names got = read_names(out, &lines);

	if (len > 0 && out[len - 1] != '\n')
		abort();
	if (!has_twice(&in) && has_twice(&got))
		abort();
	for (size_t i = 0; i < over.n; i++)
		if (count(&got, over.v[i]) < 1 ||
		    (count(&in, over.v[i]) < 2 && count(&got, over.v[i]) != 1))
			abort();
	free_names(&in);
	free_names(&over);
	free_names(&got);
}

/* Merging no overrides gives back the text (with a final newline). */
static void check_identity(const char *rendered)
{
	size_t len = strlen(rendered);
	int bad;
	char *out = postfix_main_merge(rendered, "", "local.cf", &bad);

	if (!out)
		abort();   /* rendered was just merged successfully */
	if (strncmp(out, rendered, len) != 0 ||
	    strlen(out) != len + (len > 0 && rendered[len - 1] != '\n'))
		abort();
	free(out);
}

static void check_bad_line(const char *rendered, const char *overrides,
			   int bad)
{
	size_t lines;
	struct names ns;

	if (bad == 0)
		abort();   /* "out of memory": not here */
	ns = read_names(bad > 0 ? overrides : rendered, &lines);
	if ((size_t)(bad > 0 ? bad : -(long)bad) > lines)
		abort();
	free_names(&ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t cut = nul ? (size_t)(nul - data) : size / 2;
	size_t skip = nul ? 1 : 0;
	char *rendered = strndup((const char *)data, cut);
	char *overrides = malloc(size - cut - skip + 1);
	char *out;
	int bad = 0;

	if (!rendered || !overrides)
		abort();
	memcpy(overrides, data + cut + skip, size - cut - skip);
	overrides[size - cut - skip] = '\0';

	out = postfix_main_merge(rendered, overrides, "local.cf", &bad);
	if (out) {
		check_merged(rendered, overrides, out);
		check_identity(rendered);
		free(out);
	} else {
		check_bad_line(rendered, overrides, bad);
	}
	free(rendered);
	free(overrides);
	return 0;
}
