/*
 * clamd_conf.c - raise clamd's size directives to the message size limit.
 *
 * clamd.conf is "Name value" per line ('#' starts a comment).  Only the
 * lines of the directives in clamd_size_directives are looked at, and
 * only rewritten when their value is too small: the file stays the
 * administrator's (and Debian's, whose clamav-daemon reads the values
 * back into debconf on upgrades).  See clamd_conf.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/clamd_conf.h"

#define MIB (1024ULL * 1024ULL)

const char *const clamd_size_directives[] = {
	"StreamMaxLength", "MaxFileSize", "MaxScanSize", NULL,
};

bool clamd_parse_size(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0, mult = 1;
	size_t i = 0;

	if (len == 0 || !isdigit((unsigned char)s[0]))
		return false;
	for (; i < len && isdigit((unsigned char)s[i]); i++) {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < len) {
		if (s[i] == 'k' || s[i] == 'K')
			mult = 1024;
		else if (s[i] == 'm' || s[i] == 'M')
			mult = MIB;
		else
			return false;
		if (++i != len)
			return false;
	}
	if (n > UINT64_MAX / mult)
		return false;
	*out = n * mult;
	return true;
}

uint64_t clamd_needed_size(uint64_t max_message)
{
	uint64_t mib = max_message / MIB + (max_message % MIB != 0);

	return (mib + 1) * MIB;
}

/* Which of names[] does this line set?  -1 if none.  The end of the
 * name goes to *ne, the value's bounds to *vs, *ve. */
static int directive_of(const char *line, size_t len,
			const char *const *names, size_t *ne, size_t *vs,
			size_t *ve)
{
	size_t i = 0, ns;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	ns = i;
	while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
		i++;
	*ne = i;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	*vs = i;
	while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
		i++;
	*ve = i;
	if (ns < len && line[ns] == '#')
		return -1;
	for (int d = 0; names[d]; d++) {
		const char *name = names[d];

		if (*ne - ns == strlen(name) &&
		    !strncasecmp(line + ns, name, *ne - ns))
			return d;
	}
	return -1;
}

/* A line with its value replaced: the name as written, value, the rest. */
static void put_replaced(struct vm_buf *out, const char *line, size_t llen,
			 size_t ne, size_t vs, size_t ve, const char *value)
{
	vm_buf_add(out, line, vs);
	if (vs == ne)
		vm_buf_puts(out, " ");
	vm_buf_puts(out, value);
	vm_buf_add(out, line + ve, llen - ve);
	vm_buf_puts(out, "\n");
}

/* Append "name value" (after a last line that had no newline). */
static void put_missing(struct vm_buf *out, const char *name,
			const char *value)
{
	if (out->len > 0 && out->data && out->data[out->len - 1] != '\n')
		vm_buf_puts(out, "\n");
	vm_buf_printf(out, "%s %s\n", name, value);
}

char *clamd_conf_raise(const char *text, size_t len, uint64_t min_bytes,
		       bool *changed)
{
	struct vm_buf out = VM_BUF_INIT;
	bool seen[8] = { false };
	char value[32];
	size_t pos = 0;

	*changed = false;
	snprintf(value, sizeof value, "%lluM",
		 (unsigned long long)(min_bytes / MIB + (min_bytes % MIB != 0)));
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		size_t ne, vs, ve;
		uint64_t cur;
		int d = directive_of(line, llen, clamd_size_directives, &ne,
				     &vs, &ve);

		pos += llen + (nl != NULL);
		if (d >= 0)
			seen[d] = true;
		if (d < 0 || (clamd_parse_size(line + vs, ve - vs, &cur) &&
			      cur >= min_bytes)) {
			vm_buf_add(&out, line, llen + (nl != NULL));
			continue;
		}
		*changed = true;
		put_replaced(&out, line, llen, ne, vs, ve, value);
	}
	for (int d = 0; clamd_size_directives[d]; d++) {
		if (seen[d])
			continue;
		*changed = true;
		put_missing(&out, clamd_size_directives[d], value);
	}
	return vm_buf_take(&out, NULL);
}

char *clamd_conf_set(const char *text, size_t len,
		     const struct clamd_setting *set, size_t n, bool *changed)
{
	struct vm_buf out = VM_BUF_INIT;
	const char *names[9];
	bool seen[8] = { false };
	size_t pos = 0;

	*changed = false;
	if (n > 8) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = set[i].name;
	names[n] = NULL;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		size_t ne, vs, ve;
		int d = directive_of(line, llen, names, &ne, &vs, &ve);

		pos += llen + (nl != NULL);
		if (d >= 0)
			seen[d] = true;
		if (d < 0 || (ve - vs == strlen(set[d].value) &&
			      !strncmp(line + vs, set[d].value, ve - vs))) {
			vm_buf_add(&out, line, llen + (nl != NULL));
			continue;
		}
		*changed = true;
		put_replaced(&out, line, llen, ne, vs, ve, set[d].value);
	}
	for (size_t d = 0; d < n; d++) {
		if (seen[d])
			continue;
		*changed = true;
		put_missing(&out, set[d].name, set[d].value);
	}
	return vm_buf_take(&out, NULL);
}
