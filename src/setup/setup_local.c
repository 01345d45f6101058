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
 * whose first non-blank character is '#' are comments.  (A line ending
 * in CRLF counts as blank when the CR is all it holds.)
 *
 * postfix_main_merge() is the merge alone, text in and text out, so the
 * unit tests and the fuzzer can drive it without files; the
 * setup_local_*() functions read the override files and call it (or
 * append, for master.cf and dovecot.conf).
 */
#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup/setup.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/str.h"

/* The finished text, or NULL (message printed) if memory ran out. */
static char *finish(struct vm_buf *b)
{
	char *text = vm_buf_take(b, NULL);

	if (!text)
		vm_err("out of memory");
	return text;
}

/* ---- main.cf as a list of blocks ---------------------------------- */

/* A piece of main.cf: one logical "name = value" line with its
 * continuation lines (is_param, name set), or comments and blank lines.
 * Text points into the source and includes the newlines. */
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

		if (!v)
			return false;
		bs->v = v;
		bs->cap = cap;
	}
	bs->v[bs->n++] = *b;
	return true;
}

/* A blank line (blanks only, maybe a CR before the end) or a comment. */
static bool is_comment_or_blank(const char *line, size_t n)
{
	size_t i = 0;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < n && line[i] == '\r' && (i + 1 == n || line[i + 1] == '\n'))
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
 * text.  Returns false with *bad_line set to the number of a malformed
 * line, or with *bad_line 0 if memory ran out.
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
static void add_block(struct vm_buf *out, const struct block *b)
{
	vm_buf_add(out, b->text, b->len);
	if (b->len && b->text[b->len - 1] != '\n')
		vm_buf_puts(out, "\n");
}

/* The index of the first parameter block called name that is not used
 * yet; bs->n if there is none. */
static size_t find_param(const struct blocks *bs, const bool *used,
			 const char *name)
{
	size_t k;

	for (k = 0; k < bs->n; k++)
		if (!used[k] && bs->v[k].is_param &&
		    !strcmp(bs->v[k].name, name))
			break;
	return k;
}

/* ---- the merge ---------------------------------------------------- */

char *postfix_main_merge(const char *rendered, const char *overrides,
			 const char *origin, int *bad_line)
{
	struct blocks base = { 0 }, over = { 0 };
	struct vm_buf out = VM_BUF_INIT;
	bool *used = NULL, appended = false;
	char *result = NULL;
	int bad;

	*bad_line = 0;
	if (!split_blocks(rendered, &base, &bad)) {
		*bad_line = -bad;
		goto done;
	}
	if (!split_blocks(overrides, &over, bad_line) ||
	    !(used = calloc(over.n + 1, sizeof *used)))
		goto done;
	/* A name set twice in the overrides: the last one wins. */
	for (size_t i = 0; i < over.n; i++)
		for (size_t j = i + 1; j < over.n; j++)
			if (over.v[i].is_param && over.v[j].is_param &&
			    !strcmp(over.v[i].name, over.v[j].name))
				used[i] = true;

	/* Each rendered parameter that is overridden: replaced in place. */
	for (size_t i = 0; i < base.n; i++) {
		const struct block *b = &base.v[i];
		size_t k = b->is_param ? find_param(&over, used, b->name) :
					 over.n;

		if (k == over.n) {
			add_block(&out, b);
			continue;
		}
		vm_buf_printf(&out, "# (set in %s)\n", origin);
		add_block(&out, &over.v[k]);
		used[k] = true;
	}
	/* The overrides of names the template does not set: at the end. */
	for (size_t k = 0; k < over.n; k++) {
		if (used[k] || !over.v[k].is_param)
			continue;
		if (!appended) {
			vm_buf_printf(&out, "\n# ---- added from %s ----\n",
				      origin);
			appended = true;
		}
		add_block(&out, &over.v[k]);
	}
	result = vm_buf_take(&out, NULL);
done:
	vm_buf_free(&out);
	free(used);
	free(base.v);
	free(over.v);
	return result;
}

/* ---- applying an override file ------------------------------------ */

/* How the text of an override file (local, read from path) is combined
 * with the rendered text; a malloc'd result, or NULL with a message. */
typedef char *combine_fn(const char *text, const char *local,
			 const char *path);

/*
 * Apply local_dir/name to the malloc'd rendered text with combine.  A
 * missing file leaves the text as it is.  Returns the result (text is
 * freed if a new one was made), or NULL with a message printed.
 */
static char *apply_local(const char *local_dir, const char *name,
			 char *text, combine_fn *combine)
{
	char path[PATH_MAX];
	char *local, *result;

	if (!vm_snprintf(path, sizeof path, "%s/%s", local_dir, name)) {
		vm_err("%s: path too long", local_dir);
		free(text);
		return NULL;
	}
	if (!(local = vm_read_file(path, NULL))) {
		if (errno == ENOENT)
			return text;
		vm_errno("cannot read %s", path);
		free(text);
		return NULL;
	}
	result = combine(text, local, path);
	free(local);
	free(text);
	return result;
}

static char *merge_main(const char *text, const char *local, const char *path)
{
	int bad;
	char *merged = postfix_main_merge(text, local, path, &bad);

	if (merged)
		return merged;
	if (bad > 0)
		vm_err("%s:%d: expected 'name = value' (continuation lines "
		       "start with white space)", path, bad);
	else if (bad < 0)
		vm_err("rendered main.cf: line %d is not 'name = value'",
		       -bad);
	else
		vm_err("out of memory");
	return NULL;
}

static char *append_master(const char *text, const char *local,
			   const char *path)
{
	struct vm_buf out = VM_BUF_INIT;

	vm_buf_puts(&out, text);
	vm_buf_printf(&out, "\n# ---- appended from %s ----\n", path);
	vm_buf_puts(&out, local);
	if (out.len && out.data[out.len - 1] != '\n')
		vm_buf_puts(&out, "\n");
	return finish(&out);
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

static char *stamp_dovecot(const char *text, const char *local,
			   const char *path)
{
	struct vm_buf out = VM_BUF_INIT;
	char hex[17];

	if (!fingerprint(local, hex)) {
		vm_err("cannot compute a digest of %s", path);
		return NULL;
	}
	vm_buf_puts(&out, text);
	vm_buf_printf(&out, "# Fingerprint of %s when setup last ran: %s\n",
		      path, hex);
	return finish(&out);
}

char *setup_local_postfix_main(const char *local_dir, char *text)
{
	return apply_local(local_dir, "postfix-main.cf", text, merge_main);
}

char *setup_local_postfix_master(const char *local_dir, char *text)
{
	return apply_local(local_dir, "postfix-master.cf", text,
			   append_master);
}

char *setup_local_dovecot(const char *local_dir, char *text)
{
	return apply_local(local_dir, "dovecot.conf", text, stamp_dovecot);
}
