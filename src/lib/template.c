/*
 * template.c - render the configuration templates under templates/
 * (syntax in template.h).
 *
 * "vmailctl setup" fills a struct tvars with the settings (hostname,
 * paths, Dovecot version switches, ...) and renders each template file
 * with template_render_file(); the result goes to disk through
 * vm_write_file_if_changed().
 *
 * The renderer makes one pass over the text.  A stack remembers the open
 * blocks; output is produced only while every open block is "on".  Any
 * mistake in a template (undefined variable, bad tag, unbalanced block)
 * stops rendering with the line number, so a broken template can never
 * quietly produce a broken daemon configuration.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "lib/template.h"

#define MAX_DEPTH 32     /* deepest block nesting accepted */
#define MAX_NAME 64      /* longest variable name */

/* ---- variables ------------------------------------------------------ */

struct tvar {
	char *name;
	char *value;
};

struct tvars {
	struct tvar *v;
	size_t n, cap;
};

struct tvars *tvars_new(void)
{
	return calloc(1, sizeof(struct tvars));
}

void tvars_free(struct tvars *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].name);
		free(v->v[i].value);
	}
	free(v->v);
	free(v);
}

static struct tvar *tvars_find(const struct tvars *v, const char *name,
			       size_t namelen)
{
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->v[i].name) == namelen &&
		    !memcmp(v->v[i].name, name, namelen))
			return &v->v[i];
	return NULL;
}

bool tvars_set(struct tvars *v, const char *name, const char *value)
{
	struct tvar *t = tvars_find(v, name, strlen(name));
	char *copy = strdup(value);

	if (!copy)
		return false;
	if (t) {
		free(t->value);
		t->value = copy;
		return true;
	}
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		struct tvar *nv = realloc(v->v, cap * sizeof *nv);

		if (!nv) {
			free(copy);
			return false;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].name = strdup(name);
	if (!v->v[v->n].name) {
		free(copy);
		return false;
	}
	v->v[v->n].value = copy;
	v->n++;
	return true;
}

bool tvars_setf(struct tvars *v, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *value;
	bool ok;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&value, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	ok = tvars_set(v, name, value);
	free(value);
	return ok;
}

const char *tvars_get(const struct tvars *v, const char *name)
{
	const struct tvar *t = tvars_find(v, name, strlen(name));

	return t ? t->value : NULL;
}

/* Set and not empty, "0", "no" or "false". */
static bool truthy(const char *value)
{
	return value && *value && strcmp(value, "0") &&
	       strcasecmp(value, "no") && strcasecmp(value, "false");
}

/* ---- tags ----------------------------------------------------------- */

/* One parsed tag: {{name}}, {{#name}}, {{^name}}, {{/name}}, {{!...}}. */
struct tag {
	char kind;               /* 0 (variable), '#', '^', '/', '!' */
	char name[MAX_NAME + 1];
	const char *end;         /* just past the closing "}}" */
	int newlines;            /* inside the tag (comments may span lines) */
};

/* Renderer state. */
struct render {
	const char *text, *end;
	const struct tvars *vars;
	struct vm_buf out;
	int line;
	char *err;
	size_t errlen;
};

static bool fail(struct render *r, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct render *r, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->err || r->errlen == 0)
		return false;
	n = snprintf(r->err, r->errlen, "line %d: ", line);
	if (n < 0 || (size_t)n >= r->errlen)
		return false;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A comment runs to the next "}}", across lines if need be. */
static bool parse_comment(struct render *r, const char *p, struct tag *t)
{
	for (; p + 1 < r->end; p++) {
		if (p[0] == '}' && p[1] == '}') {
			t->end = p + 2;
			return true;
		}
		if (*p == '\n')
			t->newlines++;
	}
	return fail(r, r->line, "comment is never closed with '}}'");
}

/* Parse the tag starting at p (which points at "{{"). */
static bool parse_tag(struct render *r, const char *p, struct tag *t)
{
	const char *name;
	size_t n;

	memset(t, 0, sizeof *t);
	p += 2;
	if (p < r->end && (*p == '#' || *p == '^' || *p == '/' || *p == '!'))
		t->kind = *p++;
	if (t->kind == '!')
		return parse_comment(r, p, t);
	while (p < r->end && is_blank(*p))
		p++;
	name = p;
	while (p < r->end && name_char(*p))
		p++;
	n = (size_t)(p - name);
	while (p < r->end && is_blank(*p))
		p++;
	if (p + 1 >= r->end || p[0] != '}' || p[1] != '}') {
		unsigned char c = p < r->end ? (unsigned char)*p : 0;

		if (c > 0x20 && c < 0x7f && c != '}' && !name_char((char)c))
			return fail(r, r->line, "character '%c' is not "
				    "allowed in a tag name", c);
		return fail(r, r->line, "malformed tag (expected {{name}}, "
			    "{{#name}}, {{^name}}, {{/name}} or {{! comment }})");
	}
	if (n == 0)
		return fail(r, r->line, "tag without a name");
	if (n > MAX_NAME)
		return fail(r, r->line, "tag name longer than %d characters",
			    MAX_NAME);
	memcpy(t->name, name, n);
	t->name[n] = '\0';
	t->end = p + 2;
	return true;
}

/*
 * A block or comment tag alone on its line (only blanks around it) is
 * "standalone": the whole line disappears from the output.  line_start
 * is where the tag's line begins.  On success *next is where the text
 * after the line resumes (past its newline).
 */
static bool standalone(const struct render *r, const char *line_start,
		       const char *tag_start, const struct tag *t,
		       const char **next)
{
	const char *p;

	if (t->kind == 0)
		return false;
	for (p = line_start; p < tag_start; p++)
		if (!is_blank(*p))
			return false;
	for (p = t->end; p < r->end && *p != '\n'; p++)
		if (!is_blank(*p) && !(*p == '\r' && p + 1 < r->end &&
				       p[1] == '\n'))
			return false;
	*next = p < r->end ? p + 1 : p;
	return true;
}

/* ---- rendering ------------------------------------------------------ */

struct block {
	char kind;     /* '#' or '^' */
	char name[MAX_NAME + 1];
	int line;
	bool was_on;   /* output state outside this block */
};

/* Copy text [p, q) to the output if on; count its lines. */
static void emit_text(struct render *r, const char *p, const char *q, bool on)
{
	if (on)
		vm_buf_add(&r->out, p, (size_t)(q - p));
	for (; p < q; p++)
		if (*p == '\n')
			r->line++;
}

/* Apply a parsed tag.  *on is the current output state. */
static bool apply_tag(struct render *r, const struct tag *t,
		      struct block *stack, int *depth, bool *on, int line)
{
	const char *value;

	switch (t->kind) {
	case '#':
	case '^':
		if (*depth == MAX_DEPTH)
			return fail(r, line, "blocks nested more than %d deep",
				    MAX_DEPTH);
		stack[*depth].kind = t->kind;
		memcpy(stack[*depth].name, t->name, sizeof t->name);
		stack[*depth].line = line;
		stack[*depth].was_on = *on;
		(*depth)++;
		value = tvars_get(r->vars, t->name);
		*on = *on && (t->kind == '#' ? truthy(value) : !truthy(value));
		return true;
	case '/':
		if (*depth == 0)
			return fail(r, line, "{{/%s}} without an open block",
				    t->name);
		if (strcmp(stack[*depth - 1].name, t->name))
			return fail(r, line, "{{/%s}} does not close {{%c%s}} "
				    "opened on line %d", t->name,
				    stack[*depth - 1].kind,
				    stack[*depth - 1].name,
				    stack[*depth - 1].line);
		(*depth)--;
		*on = stack[*depth].was_on;
		return true;
	case '!':
		return true;
	default:
		if (!*on)
			return true;
		value = tvars_get(r->vars, t->name);
		if (!value)
			return fail(r, line, "undefined variable '%s'", t->name);
		vm_buf_puts(&r->out, value);
		return true;
	}
}

static bool render(struct render *r)
{
	struct block stack[MAX_DEPTH];
	const char *p = r->text, *line_start = r->text;
	int depth = 0;
	bool on = true;

	while (p < r->end) {
		const char *open = memmem(p, (size_t)(r->end - p), "{{", 2);
		const char *next;
		struct tag t;
		int line;

		if (!open) {
			emit_text(r, p, r->end, on);
			break;
		}
		/* Where does the tag's line start? */
		for (const char *q = p; q < open; q++)
			if (*q == '\n')
				line_start = q + 1;
		emit_text(r, p, open, on);
		line = r->line;
		if (!parse_tag(r, open, &t))
			return false;
		if (standalone(r, line_start, open, &t, &next)) {
			/* Take back the blanks before the tag. */
			if (on)
				vm_buf_truncate(&r->out, r->out.len -
						(size_t)(open - line_start));
			r->line += t.newlines;
			if (next > t.end && next[-1] == '\n')
				r->line++;
			p = next;
			line_start = next;
		} else {
			r->line += t.newlines;
			p = t.end;
		}
		if (!apply_tag(r, &t, stack, &depth, &on, line))
			return false;
	}
	if (depth > 0)
		return fail(r, stack[depth - 1].line,
			    "{{%c%s}} is never closed", stack[depth - 1].kind,
			    stack[depth - 1].name);
	return true;
}

char *template_render(const char *text, size_t len, const struct tvars *v,
		      size_t *outlen, char *err, size_t errlen)
{
	struct render r = {
		.text = text, .end = text + len, .vars = v,
		.out = VM_BUF_INIT, .line = 1, .err = err, .errlen = errlen,
	};
	char *result;

	if (err && errlen)
		err[0] = '\0';
	if (!render(&r)) {
		vm_buf_free(&r.out);
		return NULL;
	}
	result = vm_buf_take(&r.out, outlen);
	if (!result && err && errlen)
		snprintf(err, errlen, "out of memory");
	return result;
}

char *template_render_file(const char *path, const struct tvars *v,
			   size_t *outlen, char *err, size_t errlen)
{
	char reason[512];
	size_t len;
	char *text = vm_read_file(path, &len), *result;

	if (!text) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	result = template_render(text, len, v, outlen, reason, sizeof reason);
	free(text);
	if (!result && err && errlen)
		snprintf(err, errlen, "%s:%s", path, reason);
	return result;
}
