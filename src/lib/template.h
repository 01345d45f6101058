/*
 * template.h - the renderer for configuration templates under templates/.
 *
 * Syntax (kept tiny so templates stay readable as the config they make):
 *   {{name}}            the value of variable name
 *   {{#name}} ... {{/name}}   the block, if name is set and "truthy"
 *                       (not empty, not "0", not "no", not "false")
 *   {{^name}} ... {{/name}}   the block, if name is not truthy
 *   {{! comment }}      dropped from the output (ends at the first "}}";
 *                       may span lines)
 * A line that consists only of a block tag ({{#x}}, {{^x}}, {{/x}}, or a
 * comment) plus whitespace is removed entirely, so blocks do not leave
 * blank lines.  Blocks nest.  Names are [A-Za-z0-9_.]+ (blanks around
 * the name are allowed: {{ name }}).
 * Referencing an undefined variable, an unclosed or mismatched block, or
 * a malformed tag is an error (reported with the line number), so a typo
 * in a template fails loudly instead of writing a broken config.
 */
#ifndef VMAIL_TEMPLATE_H
#define VMAIL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

struct tvars; /* a set of name=value pairs */

struct tvars *tvars_new(void);
void tvars_free(struct tvars *v);
/* Set (copying name and value); replaces an existing value. */
bool tvars_set(struct tvars *v, const char *name, const char *value);
bool tvars_setf(struct tvars *v, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* NULL if unset. */
const char *tvars_get(const struct tvars *v, const char *name);

/*
 * Render template text (len bytes; need not be NUL-terminated).
 * On success returns a malloc'd NUL-terminated result (*outlen set if
 * non-NULL).  On error returns NULL and writes "line N: reason" to err.
 */
char *template_render(const char *text, size_t len, const struct tvars *v,
		      size_t *outlen, char *err, size_t errlen);

/* Read the file at path and render it; errors are "path:line N: reason". */
char *template_render_file(const char *path, const struct tvars *v,
			   size_t *outlen, char *err, size_t errlen);

#endif
