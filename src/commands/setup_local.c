/*
 * setup_local.c - the administrator's local overrides, kept across
 * every "vmailctl setup" run.  They live in /etc/vmail/local/, which
 * setup creates but never writes:
 *
 *   postfix-main.cf    "name = value" lines merged over the rendered
 *                      main.cf: a name that the template sets has its
 *                      line replaced in place, a new name is appended.
 *                      So main.cf never holds a name twice and "postfix
 *                      check" stays quiet.
 *   postfix-master.cf  appended to the rendered master.cf as is.
 *   dovecot.conf       included last by the rendered dovecot.conf
 *                      (!include_try in the template).  Setup appends a
 *                      fingerprint of it as a comment, so that editing
 *                      it changes dovecot.conf and the next setup run
 *                      reloads Dovecot.
 *
 * The merge follows Postfix's own syntax for main.cf: a logical line
 * starts at a line beginning with a non-blank, non-'#' character, and
 * lines that start with white space continue it; blank lines and lines
 * whose first non-blank character is '#' are comments.
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/setup.h"
#include "lib/util.h"

/* ---- a growing string ------------------------------------------------ */

struct str {
	char *s;
	size_t len, cap;
	bool nomem;
};

static void str_add(struct str *b, const char *p, size_t n)
{
	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(d = realloc(b->s, cap))) {
			b->nomem = true;
			return;
		}
		b->s = d;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void str_puts(struct str *b, const char *s)
{
	str_add(b, s, strlen(s));
}

/* The finished string, or NULL (message printed) if memory ran out. */
static char *str_done(struct str *b)
{
	if (b->nomem || (!b->s && (str_add(b, "", 0), b->nomem))) {
		free(b->s);
		vm_err("out of memory");
		return NULL;
	}
	return b->s;
}

/* ---- reading an override file ------------------------------------------ */

/* The file's text; NULL with *missing set if it does not exist, NULL
 * with a message if it cannot be read. */
static char *read_local(const char *dir, const char *name, char *path,
			size_t size, bool *missing)
{
	char *text;

	*missing = false;
	if (!vm_snprintf(path, size, "%s/%s", dir, name)) {
		vm_err("%s: path too long", dir);
		return NULL;
	}
	if ((text = vm_read_file(path, NULL)))
		return text;
	if (errno == ENOENT)
		*missing = true;
	else
		vm_errno("cannot read %s", path);
	return NULL;
}

/* ---- main.cf as a list of blocks ------------------------------------------ */

/* A piece of main.cf: one logical "name = value" line with its
 * continuation lines (name set), or comments and blank lines (name
 * NULL).  Text points into the source and includes the newlines. */
struct block {
	char name[128];
	bool is_param;
	const char *text;
	size_t len;
};

struct blocks {
	struct block *v;
	size_t n, cap;
};

static bool blocks_push(struct blocks *bs, const struct block *b)
{
	if (bs->n == bs->cap) {
		size_t cap = bs->cap ? bs->cap * 2 : 64;
		struct block *v = realloc(bs->v, cap * sizeof *v);

		if (!v) {
			vm_err("out of memory");
			return false;
		}
		bs->v = v;
		bs->cap = cap;
	}
	bs->v[bs->n++] = *b;
	return true;
}

static bool is_comment_or_blank(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == n || line[i] == '\n' || line[i] == '#';
}

/* Parse "name" from "name = value" into out; false if malformed. */
static bool param_name(const char *line, size_t n, char *out, size_t size)
{
	size_t i = 0;

	while (i < n && (isalnum((unsigned char)line[i]) || line[i] == '_'))
		i++;
	if (i == 0 || i >= size)
		return false;
	memcpy(out, line, i);
	out[i] = '\0';
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < n && line[i] == '=';
}

/*
 * Split text into blocks.  Comment lines inside a logical line (followed
 * by a continuation) stay with it, as Postfix reads them; other comment
 * and blank lines form text blocks.  Joining the blocks gives back the
 * text.  On a malformed logical line, *bad_line gets its number and
 * false is returned.
 */
static bool split_blocks(const char *text, struct blocks *bs, int *bad_line)
{
	const char *p = text;
	struct block cur = { .text = NULL };
	const char *pending = NULL;   /* comments after an open parameter */
	int line_no = 0;

	*bad_line = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		bool blank = is_comment_or_blank(p, n);
		bool cont = !blank && (*p == ' ' || *p == '\t');

		line_no++;
		if (blank) {
			if (!cur.text)
				cur = (struct block){ .text = p };
			if (cur.is_param) {
				if (!pending)
					pending = p;
			} else {
				cur.len += n;
			}
		} else if (cont && cur.is_param) {
			cur.len = (size_t)(p + n - cur.text);
			pending = NULL;
		} else if (cont) {
			*bad_line = line_no;   /* continues nothing */
			return false;
		} else {
			if (cur.text && !blocks_push(bs, &cur))
				return false;
			if (pending) {
				cur = (struct block){ .text = pending,
						      .len = (size_t)(p - pending) };
				if (!blocks_push(bs, &cur))
					return false;
				pending = NULL;
			}
			cur = (struct block){ .text = p, .len = n,
					      .is_param = true };
			if (!param_name(p, n, cur.name, sizeof cur.name)) {
				*bad_line = line_no;
				return false;
			}
		}
		p += n;
	}
	if (cur.text && !blocks_push(bs, &cur))
		return false;
	if (pending) {
		cur = (struct block){ .text = pending, .len = strlen(pending) };
		return blocks_push(bs, &cur);
	}
	return true;
}

/* A block's text, ending with a newline. */
static void add_block(struct str *out, const struct block *b)
{
	str_add(out, b->text, b->len);
	if (b->len && b->text[b->len - 1] != '\n')
		str_add(out, "\n", 1);
}

char *setup_local_postfix_main(const char *local_dir, char *text)
{
	char path[PATH_MAX];
	bool missing;
	char *local = read_local(local_dir, "postfix-main.cf", path,
				 sizeof path, &missing);
	struct blocks base = { 0 }, over = { 0 };
	struct str out = { 0 };
	bool *used = NULL, appended = false;
	int bad;
	char *result = NULL;

	if (!local) {
		if (missing)
			return text;
		free(text);
		return NULL;
	}
	if (!split_blocks(text, &base, &bad)) {
		vm_err("rendered main.cf: line %d is not 'name = value'", bad);
		goto done;
	}
	if (!split_blocks(local, &over, &bad)) {
		vm_err("%s:%d: expected 'name = value' (continuation lines "
		       "start with white space)", path, bad);
		goto done;
	}
	if (!(used = calloc(over.n + 1, sizeof *used))) {
		vm_err("out of memory");
		goto done;
	}
	/* An override set twice in the local file: the last one wins. */
	for (size_t i = 0; i < over.n; i++)
		for (size_t j = i + 1; j < over.n; j++)
			if (over.v[i].is_param && over.v[j].is_param &&
			    !strcmp(over.v[i].name, over.v[j].name))
				used[i] = true;

	for (size_t i = 0; i < base.n; i++) {
		const struct block *b = &base.v[i];
		size_t k;

		for (k = 0; k < over.n; k++)
			if (!used[k] && over.v[k].is_param && b->is_param &&
			    !strcmp(over.v[k].name, b->name))
				break;
		if (k == over.n) {
			add_block(&out, b);
			continue;
		}
		str_puts(&out, "# (set in ");
		str_puts(&out, path);
		str_puts(&out, ")\n");
		add_block(&out, &over.v[k]);
		used[k] = true;
	}
	for (size_t k = 0; k < over.n; k++) {
		if (used[k] || !over.v[k].is_param)
			continue;
		if (!appended) {
			str_puts(&out, "\n# ---- added from ");
			str_puts(&out, path);
			str_puts(&out, " ----\n");
			appended = true;
		}
		add_block(&out, &over.v[k]);
	}
	result = str_done(&out);
	out.s = NULL;
done:
	free(out.s);
	free(used);
	free(base.v);
	free(over.v);
	free(local);
	free(text);
	return result;
}

char *setup_local_postfix_master(const char *local_dir, char *text)
{
	char path[PATH_MAX];
	bool missing;
	char *local = read_local(local_dir, "postfix-master.cf", path,
				 sizeof path, &missing);
	struct str out = { 0 };

	if (!local) {
		if (missing)
			return text;
		free(text);
		return NULL;
	}
	str_puts(&out, text);
	str_puts(&out, "\n# ---- appended from ");
	str_puts(&out, path);
	str_puts(&out, " ----\n");
	str_puts(&out, local);
	if (out.len && out.s[out.len - 1] != '\n')
		str_puts(&out, "\n");
	free(local);
	free(text);
	return str_done(&out);
}

/* First 16 hex digits of the SHA-256 of data. */
static bool fingerprint(const char *data, char hex[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, strlen(data), md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < 8)
		return false;
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}

char *setup_local_dovecot(const char *local_dir, char *text)
{
	char path[PATH_MAX], hex[17];
	bool missing;
	char *local = read_local(local_dir, "dovecot.conf", path, sizeof path,
				 &missing);
	struct str out = { 0 };

	if (!local) {
		if (missing)
			return text;
		free(text);
		return NULL;
	}
	if (!fingerprint(local, hex)) {
		vm_err("cannot compute a digest of %s", path);
		free(local);
		free(text);
		return NULL;
	}
	str_puts(&out, text);
	str_puts(&out, "# Fingerprint of ");
	str_puts(&out, path);
	str_puts(&out, " when setup last ran: ");
	str_puts(&out, hex);
	str_puts(&out, "\n");
	free(local);
	free(text);
	return str_done(&out);
}
