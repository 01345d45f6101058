/*
 * recipient_list.c - build, parse and check the backup MX's recipient
 * list (format in recipient_list.h).
 *
 * The primary builds it from the store with recipient_list_text(): the
 * active domains, the active mailboxes of active domains, and the
 * sources of the aliases of active domains (catch-alls as "@domain"),
 * each set sorted, so that the same directory always gives the same
 * text.  The backup parses what it received with recipient_list_parse()
 * (network input: every line is checked, tests/fuzz/fuzz_recipient_list.c)
 * and writes the two maps Postfix reads.  The pairing line's parser is
 * here too (recipient_pairing_parse(): what "backup-mx pair" reads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/recipient_list.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/str.h"
#include "lib/validate.h"

/* ---- building -------------------------------------------------------- */

struct collect {
	struct vm_strlist domains;     /* active domains */
	struct vm_strlist rcpts;       /* candidate addresses */
	struct vm_strlist rcpt_domains;   /* the domain of each */
	bool nomem;
};

static int collect_domain(const struct store_domain *d, void *ctx)
{
	struct collect *c = ctx;

	if (d->active && !vm_strlist_add(&c->domains, d->name))
		c->nomem = true;
	return c->nomem;
}

static void collect_rcpt(struct collect *c, const char *addr,
			 const char *domain)
{
	if (!vm_strlist_add(&c->rcpts, addr))
		c->nomem = true;
	else if (!vm_strlist_add(&c->rcpt_domains, domain)) {
		vm_strlist_pop(&c->rcpts);
		c->nomem = true;
	}
}

static int collect_mailbox(const struct store_mailbox *m, void *ctx)
{
	struct collect *c = ctx;

	if (m->active)
		collect_rcpt(c, m->address, m->domain);
	return c->nomem;
}

static int collect_alias(const struct store_alias *a, void *ctx)
{
	struct collect *c = ctx;

	collect_rcpt(c, a->source, a->domain);
	return c->nomem;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_sorted(const struct vm_strlist *l, const char *s)
{
	return l->n && bsearch(&s, l->v, l->n, sizeof *l->v, cmp_str);
}

enum store_status recipient_list_text(struct store *s, struct vm_buf *b)
{
	struct collect c = { VM_STRLIST_INIT, VM_STRLIST_INIT,
			     VM_STRLIST_INIT, false };
	struct vm_strlist keep = VM_STRLIST_INIT;
	enum store_status st;

	st = store_domain_list(s, collect_domain, &c);
	if (st == STORE_OK)
		st = store_mailbox_list(s, NULL, collect_mailbox, &c);
	if (st == STORE_OK)
		st = store_alias_list(s, NULL, NULL, collect_alias, &c);
	if (st == STORE_OK && !c.nomem) {
		if (c.domains.n)
			qsort(c.domains.v, c.domains.n, sizeof *c.domains.v,
			      cmp_str);
		/* Only addresses of active domains, each once. */
		for (size_t i = 0; i < c.rcpts.n && !c.nomem; i++)
			if (in_sorted(&c.domains, c.rcpt_domains.v[i]) &&
			    !vm_strlist_add(&keep, c.rcpts.v[i]))
				c.nomem = true;
		if (keep.n)
			qsort(keep.v, keep.n, sizeof *keep.v, cmp_str);
		vm_buf_puts(b, RECIPIENT_LIST_MAGIC "\n");
		for (size_t i = 0; i < c.domains.n; i++)
			vm_buf_printf(b, "domain %s\n", c.domains.v[i]);
		size_t n = c.domains.n;
		for (size_t i = 0; i < keep.n; i++) {
			if (i && !strcmp(keep.v[i], keep.v[i - 1]))
				continue;
			vm_buf_printf(b, "rcpt %s\n", keep.v[i]);
			n++;
		}
		vm_buf_printf(b, "end %zu\n", n);
	}
	if (c.nomem)
		b->nomem = true;
	vm_strlist_free(&keep);
	vm_strlist_free(&c.domains);
	vm_strlist_free(&c.rcpts);
	vm_strlist_free(&c.rcpt_domains);
	return st;
}

/* ---- parsing --------------------------------------------------------- */

void recipient_list_free(struct recipient_list *l)
{
	vm_strlist_free(&l->domains);
	vm_strlist_free(&l->rcpts);
}

/* One line's value after "WORD ": its text in out (NUL-terminated). */
static bool line_value(const char *line, size_t len, const char *word,
		       char *out, size_t size)
{
	size_t w = strlen(word);

	if (len <= w + 1 || memcmp(line, word, w) || line[w] != ' ' ||
	    len - w - 1 >= size)
		return false;
	memcpy(out, line + w + 1, len - w - 1);
	out[len - w - 1] = '\0';
	return true;
}

/* Fail the parse: the reason (with the line number, if any) into why,
 * out freed. */
#define FAIL(...) do { \
		vm_why(why, whylen, __VA_ARGS__); \
		recipient_list_free(out); \
		return false; \
	} while (0)

bool recipient_list_parse(const char *text, size_t len,
			  struct recipient_list *out, char *why,
			  size_t whylen)
{
	char value[VM_ADDRESS_MAX + 2], reason[160];
	const char *p = text, *end = text + len;
	size_t lineno = 0, count = 0;
	bool in_rcpts = false, ended = false;

	if (len > RECIPIENT_LIST_MAX)
		FAIL("the list is too large");
	if (memchr(text, '\0', len))
		FAIL("the list holds a NUL "
				  "byte");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (!nl)
			FAIL("line %zu: " "the last line does not end", lineno + 1);
		n = (size_t)(nl - p);
		lineno++;
		if (ended)
			FAIL("line %zu: " "text after the \"end\" line", lineno);
		if (lineno == 1) {
			if (n != strlen(RECIPIENT_LIST_MAGIC) ||
			    memcmp(p, RECIPIENT_LIST_MAGIC, n))
				FAIL("line %zu: " "not a "
						  "recipient list (expected \""
						  RECIPIENT_LIST_MAGIC "\")", (size_t)1);
		} else if (line_value(p, n, "domain", value, VM_DOMAIN_MAX + 1)) {
			if (in_rcpts)
				FAIL("line %zu: " "a domain after the addresses", lineno);
			if (!valid_domain(value, reason, sizeof reason))
				FAIL("line %zu: " "bad domain: %s", lineno, reason);
			if (out->domains.n &&
			    strcmp(out->domains.v[out->domains.n - 1], value) >= 0)
				FAIL("line %zu: " "domain '%s' out of order or twice", lineno, value);
			if (!vm_strlist_add(&out->domains, value))
				FAIL("out of memory");
			count++;
		} else if (line_value(p, n, "rcpt", value, sizeof value - 1)) {
			const char *at = strrchr(value, '@');

			in_rcpts = true;
			if (!valid_alias_source(value, reason, sizeof reason))
				FAIL("line %zu: " "bad address: %s", lineno, reason);
			if (!at || !in_sorted(&out->domains, at + 1))
				FAIL("line %zu: " "address '%s' is in no listed "
						  "domain", lineno, value);
			if (out->rcpts.n &&
			    strcmp(out->rcpts.v[out->rcpts.n - 1], value) >= 0)
				FAIL("line %zu: " "address '%s' out of order or twice", lineno, value);
			if (!vm_strlist_add(&out->rcpts, value))
				FAIL("out of memory");
			count++;
		} else if (line_value(p, n, "end", value, 21)) {
			char *e;
			unsigned long long want;

			if (value[0] < '0' || value[0] > '9')
				FAIL("line %zu: " "bad \"end\" line", lineno);
			want = strtoull(value, &e, 10);
			if (*e || want != count)
				FAIL("line %zu: " "\"end\" counts %llu lines, "
						  "but %zu came", lineno, want, count);
			ended = true;
		} else {
			FAIL("line %zu: " "expected \"domain\", \"rcpt\" or "
					  "\"end\"", lineno);
		}
		p = nl + 1;
	}
	if (!ended)
		FAIL("the list is cut short "
				  "(no \"end\" line)");
	return true;
}

/* ---- the pairing line ------------------------------------------------ */

bool recipient_is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

bool recipient_pairing_parse(const char *line,
			     char token[RECIPIENT_TOKEN_LEN + 1],
			     char pin[RECIPIENT_PIN_LEN + 1])
{
	size_t m = strlen(RECIPIENT_PAIRING_MAGIC);

	token[0] = pin[0] = '\0';
	if (strncmp(line, RECIPIENT_PAIRING_MAGIC " ", m + 1))
		return false;
	line += m + 1;
	if (strlen(line) != RECIPIENT_TOKEN_LEN + 1 + RECIPIENT_PIN_LEN ||
	    line[RECIPIENT_TOKEN_LEN] != ' ')
		return false;
	memcpy(token, line, RECIPIENT_TOKEN_LEN);
	token[RECIPIENT_TOKEN_LEN] = '\0';
	memcpy(pin, line + RECIPIENT_TOKEN_LEN + 1, RECIPIENT_PIN_LEN);
	pin[RECIPIENT_PIN_LEN] = '\0';
	if (recipient_is_hex(token, RECIPIENT_TOKEN_LEN) &&
	    recipient_is_hex(pin, RECIPIENT_PIN_LEN))
		return true;
	token[0] = pin[0] = '\0';
	return false;
}

/* ---- the maps -------------------------------------------------------- */

static void put_header(const char *what, struct vm_buf *b)
{
	vm_buf_printf(b, "# %s, from the primary's recipient list\n"
		      "# Written by \"vmailctl backup-mx sync\"; do not edit.\n",
		      what);
}

static void put_map(const struct vm_strlist *l, const char *what,
		    struct vm_buf *b)
{
	put_header(what, b);
	for (size_t i = 0; i < l->n; i++)
		vm_buf_printf(b, "%s OK\n", l->v[i]);
}

void recipient_list_domains_map(const struct recipient_list *l,
				struct vm_buf *b)
{
	put_map(&l->domains, "relay_domains", b);
}

void recipient_list_rcpts_map(const struct recipient_list *l,
			      struct vm_buf *b)
{
	put_header("check_recipient_access", b);
	/* access(5) form: an address as it is; a catch-all "@domain" as
	 * the domain, which matches every address in it */
	for (size_t i = 0; i < l->rcpts.n; i++) {
		const char *r = l->rcpts.v[i];

		vm_buf_printf(b, "%s OK\n", r[0] == '@' ? r + 1 : r);
	}
}
