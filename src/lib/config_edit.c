/*
 * config_edit.c - config_edit(): the values of an existing vmail.conf
 * changed in place, everything else kept (see config_edit.h).
 *
 * libinih reads the text first (config_parse_where() in config.c): an
 * invalid file is refused as it is by every command, and for a valid
 * one inih says on which line each key is and what its value is.  The
 * editor then copies the text line by line, and
 *   - on the line of a key whose value changes, replaces just the value
 *     (what follows it, an inline "; comment" say, stays);
 *   - after the last key of a section (or its header, if it has no key
 *     yet), adds the keys of that section the file lacks;
 *   - at the end, adds the sections the file lacks.
 * To find section headers for that last step it reads lines the way
 * inih does (a byte-order mark, comments, continuation lines).  The
 * result is parsed again and must give exactly the settings asked for;
 * anything else is an error and the caller keeps the old file.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "lib/config_edit.h"
#include "lib/config_internal.h"
#include "lib/str.h"

enum line_kind { L_OTHER, L_HEADER, L_KEY };

struct line {
	const char *start;     /* first byte */
	size_t len;            /* bytes before the '\n' */
	bool nl;               /* ended by '\n' (the last may not be) */
	enum line_kind kind;
	int section;           /* L_HEADER: index in sections[], or -1 */
};

struct edit {
	const struct vm_config *cfg;
	struct vm_config old;
	struct config_where where;
	struct line *lines;    /* lines[0] is line 1 */
	size_t n;
	const char *eol;       /* "\n", or "\r\n" if the file uses it */
	const char *sections[CONFIG_SETTINGS_MAX];   /* distinct, in order */
	size_t nsections;
	int anchor[CONFIG_SETTINGS_MAX];   /* per section: line to add after */
	struct vm_buf out;
};

static bool is_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

/* The line's text as inih sees it: without a byte-order mark (line 1),
 * trailing white space, and leading white space; [*s, *e). */
static void trimmed(const struct line *l, size_t lineno, const char **s,
		    const char **e)
{
	const char *p = l->start, *end = l->start + l->len;

	if (lineno == 1 && l->len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (end > p && is_space(end[-1]))
		end--;
	while (p < end && is_space(*p))
		p++;
	*s = p;
	*e = end;
}

/* inih's ini_find_chars_or_comment() on [s, e): the first of chars, or
 * of ';' after white space (an inline comment), or e. */
static const char *find_chars_or_comment(const char *s, const char *e,
					 const char *chars)
{
	bool was_space = false;

	for (; s < e; s++) {
		if (strchr(chars, *s) || (was_space && *s == ';'))
			return s;
		was_space = is_space(*s);
	}
	return e;
}

static int section_index(const struct edit *ed, const char *name,
			 size_t len)
{
	for (size_t k = 0; k < ed->nsections; k++)
		if (strlen(ed->sections[k]) == len &&
		    !memcmp(ed->sections[k], name, len))
			return (int)k;
	return -1;
}

/* Would line i, coming right after a key line, be read as part of that
 * key's value (an indented line that is not blank or a comment)? */
static bool continues(const struct edit *ed, size_t i)
{
	const struct line *l = &ed->lines[i];
	const char *s, *e;

	trimmed(l, i + 1, &s, &e);
	return s < e && *s != ';' && *s != '#' && s > l->start;
}

/* Split the text into lines and classify them as inih would. */
static bool read_lines(struct edit *ed, const char *text)
{
	size_t cap = 1;
	bool after_key = false;

	for (const char *p = text; *p; p++)
		cap += *p == '\n';
	if (!(ed->lines = calloc(cap, sizeof *ed->lines)))
		return false;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		struct line *l = &ed->lines[ed->n];
		const char *s, *e, *close;

		l->start = p;
		l->len = nl ? (size_t)(nl - p) : strlen(p);
		l->nl = nl != NULL;
		l->section = -1;
		p += l->len + l->nl;
		if (!ed->eol && l->nl)   /* the first line end decides */
			ed->eol = l->len && l->start[l->len - 1] == '\r' ?
				  "\r\n" : "\n";
		trimmed(l, ed->n + 1, &s, &e);
		ed->n++;
		if (s == e || *s == ';' || *s == '#')
			continue;                  /* blank or comment */
		if (after_key && s > l->start)
			continue;                  /* continuation */
		if (*s == '[') {
			close = find_chars_or_comment(s + 1, e, "]");
			if (close < e && *close == ']') {
				l->kind = L_HEADER;
				l->section = section_index(ed, s + 1,
						(size_t)(close - s - 1));
			}
			after_key = false;
			continue;
		}
		l->kind = L_KEY;
		after_key = true;
	}
	if (!ed->eol)
		ed->eol = "\n";
	return true;
}

/* The sections of the table, distinct, in order: before read_lines(),
 * which numbers the headers it finds by them. */
static void list_sections(struct edit *ed)
{
	for (size_t i = 0; i < config_settings(); i++) {
		const char *sec = config_setting_section(i);

		if (section_index(ed, sec, strlen(sec)) < 0)
			ed->sections[ed->nsections++] = sec;
	}
}

/* For each section the line after which its missing keys go: its last
 * key, else its last header; 0 = none, or a header whose next line
 * would then become a continuation (the keys go into a new block at the
 * end instead). */
static void find_anchors(struct edit *ed)
{
	for (size_t i = 0; i < config_settings(); i++) {
		const char *sec = config_setting_section(i);
		int k = section_index(ed, sec, strlen(sec));

		if (ed->where.line[i] > ed->anchor[k])
			ed->anchor[k] = ed->where.line[i];
	}
	for (size_t k = 0; k < ed->nsections; k++) {
		if (ed->anchor[k])
			continue;
		for (size_t i = 0; i < ed->n; i++)
			if (ed->lines[i].kind == L_HEADER &&
			    ed->lines[i].section == (int)k)
				ed->anchor[k] = (int)i + 1;
		if (ed->anchor[k] && (size_t)ed->anchor[k] < ed->n &&
		    continues(ed, (size_t)ed->anchor[k]))
			ed->anchor[k] = 0;
	}
}

static const char *new_value(const struct edit *ed, size_t i, char *buf,
			     size_t len)
{
	return config_setting_value(i, ed->cfg, buf, len);
}

static bool changed(const struct edit *ed, size_t i)
{
	char a[32], b[32];

	return strcmp(config_setting_value(i, &ed->old, a, sizeof a),
		      new_value(ed, i, b, sizeof b)) != 0;
}

/* Line i (0-based) is the key line of setting k: copy it with the new
 * value in place of the old one. */
static bool put_changed_line(struct edit *ed, size_t i, size_t k)
{
	const struct line *l = &ed->lines[i];
	const char *raw = ed->where.value[k], *s, *e, *delim, *v;
	size_t rawlen = strlen(raw);
	char buf[32];
	const char *value = new_value(ed, k, buf, sizeof buf);

	trimmed(l, i + 1, &s, &e);
	delim = find_chars_or_comment(s, e, "=:");
	if (delim == e || (*delim != '=' && *delim != ':'))
		return false;
	if (!rawlen) {
		/* "key =" or "key =   ; comment": " value" after the '='. */
		vm_buf_add(&ed->out, l->start, (size_t)(delim + 1 - l->start));
		vm_buf_printf(&ed->out, " %s", value);
		vm_buf_add(&ed->out, delim + 1,
			   (size_t)(l->start + l->len - (delim + 1)));
	} else {
		for (v = delim + 1; v < e && is_space(*v); v++)
			;
		if ((size_t)(e - v) < rawlen || memcmp(v, raw, rawlen))
			return false;
		vm_buf_add(&ed->out, l->start, (size_t)(v - l->start));
		vm_buf_puts(&ed->out, value);
		vm_buf_add(&ed->out, v + rawlen,
			   (size_t)(l->start + l->len - (v + rawlen)));
	}
	if (l->nl)
		vm_buf_puts(&ed->out, "\n");
	return true;
}

static void put_key(struct edit *ed, size_t i)
{
	char buf[32];

	vm_buf_printf(&ed->out, "%s = %s%s", config_setting_key(i),
		      new_value(ed, i, buf, sizeof buf), ed->eol);
}

/* Does the text lack a key of section k? */
static bool lacks(const struct edit *ed, size_t k)
{
	for (size_t i = 0; i < config_settings(); i++)
		if (!ed->where.line[i] &&
		    !strcmp(config_setting_section(i), ed->sections[k]))
			return true;
	return false;
}

/* The keys of section k that the text lacks; as_block: after a new
 * "[section]" header (no blank line before the first comment). */
static void put_missing(struct edit *ed, size_t k, bool as_block)
{
	bool first = true;

	for (size_t i = 0; i < config_settings(); i++) {
		const char *help = config_setting_help(i);

		if (ed->where.line[i] ||
		    strcmp(config_setting_section(i), ed->sections[k]))
			continue;
		if (as_block && first) {
			vm_buf_printf(&ed->out, "%s[%s]%s", ed->eol,
				      ed->sections[k], ed->eol);
		} else if (help) {
			vm_buf_puts(&ed->out, ed->eol);
		}
		first = false;
		if (help)
			config_put_comment(&ed->out, help, ed->eol);
		put_key(ed, i);
	}
}

/* The line of setting k (0-based line index i), if any. */
static int setting_on_line(const struct edit *ed, size_t i)
{
	for (size_t k = 0; k < config_settings(); k++)
		if (ed->where.line[k] == (int)i + 1)
			return (int)k;
	return -1;
}

static bool build(struct edit *ed, char *why, size_t whylen)
{
	for (size_t i = 0; i < ed->n; i++) {
		const struct line *l = &ed->lines[i];
		int k = setting_on_line(ed, i);

		if (k >= 0 && changed(ed, (size_t)k)) {
			if (!put_changed_line(ed, i, (size_t)k)) {
				vm_snprintf(why, whylen, "internal error: "
					    "cannot find the value on line "
					    "%zu", i + 1);
				return false;
			}
		} else {
			vm_buf_add(&ed->out, l->start, l->len + l->nl);
		}
		for (size_t s = 0; s < ed->nsections; s++) {
			if (ed->anchor[s] != (int)i + 1 || !lacks(ed, s))
				continue;
			if (!l->nl)
				vm_buf_puts(&ed->out, ed->eol);
			put_missing(ed, s, false);
		}
	}
	for (size_t s = 0; s < ed->nsections; s++) {
		if (ed->anchor[s] || !lacks(ed, s))
			continue;
		if (ed->out.len && ed->out.data[ed->out.len - 1] != '\n')
			vm_buf_puts(&ed->out, ed->eol);
		put_missing(ed, s, true);
	}
	return true;
}

/* Does text read back as exactly cfg? */
static bool check(const char *text, const struct vm_config *cfg, char *why,
		  size_t whylen)
{
	struct vm_config back;
	char reason[512], a[32], b[32];
	int line = config_parse_where(text, &back, NULL, reason,
				      sizeof reason);

	if (line) {
		vm_snprintf(why, whylen, "after the change, line %d: %s", line,
			    reason);
		return false;
	}
	for (size_t i = 0; i < config_settings(); i++) {
		if (strcmp(config_setting_value(i, &back, a, sizeof a),
			   config_setting_value(i, cfg, b, sizeof b))) {
			vm_snprintf(why, whylen, "internal error: '%s' does "
				    "not read back as written",
				    config_setting_key(i));
			return false;
		}
	}
	return true;
}

char *config_edit(const char *text, const struct vm_config *cfg, char *why,
		  size_t whylen)
{
	struct edit *ed = calloc(1, sizeof *ed);
	char reason[512], *out = NULL;
	int line;

	if (!ed) {
		vm_snprintf(why, whylen, "out of memory");
		return NULL;
	}
	ed->cfg = cfg;
	list_sections(ed);
	if (!*text) {
		out = config_format(cfg);
		if (!out)
			vm_snprintf(why, whylen, "a value is longer than %d "
				    "characters", VM_CONF_VALUE_MAX);
		free(ed);
		return out;
	}
	line = config_parse_where(text, &ed->old, &ed->where, reason,
				  sizeof reason);
	if (line) {
		vm_snprintf(why, whylen, "line %d: %s", line, reason);
	} else if (!read_lines(ed, text)) {
		vm_snprintf(why, whylen, "out of memory");
	} else {
		find_anchors(ed);
		if (build(ed, why, whylen)) {
			out = vm_buf_take(&ed->out, NULL);
			if (!out)
				vm_snprintf(why, whylen, "out of memory");
			else if (!check(out, cfg, why, whylen)) {
				free(out);
				out = NULL;
			}
		}
	}
	vm_buf_free(&ed->out);
	free(ed->lines);
	free(ed);
	return out;
}
