/*
 * sender_map.c - write the map of who owns which sender address for
 * rspamd (see sender_map.h).
 *
 * The directory is read whole (domains, mailboxes, aliases), every
 * (address, owner) pair is collected as the Postfix query of
 * sqlite-sender-login.cf would return it, and the pairs are sorted and
 * joined into one line per address.
 */
#include <stdlib.h>
#include <string.h>

#include "core/rspamd_map.h"
#include "core/sender_map.h"
#include "lib/buf.h"

static const char map_header[] =
	"# senders.map - which logins own which sender addresses, read by\n"
	"# rspamd (VMAIL_FROM_NOT_OWNED in /etc/rspamd/local.d/rspamd.lua),\n"
	"# which refuses a logged-in user's message whose From header is an\n"
	"# address they do not own.  The same answer as Postfix's\n"
	"# smtpd_sender_login_maps for MAIL FROM.  Written by vmailctl from\n"
	"# the directory after every change: change mailboxes and aliases\n"
	"# with \"vmailctl user\" and \"vmailctl alias\", not here.\n"
	"# ADDRESS OWNER[,OWNER...]   (\"@domain\" = catch-all; bytes other\n"
	"# than a-z 0-9 @ . _ + - as %XX)\n";

/* Strings copied out of the store's callbacks. */
struct strings {
	char **v;
	size_t n;
	bool nomem;
};

static bool strings_add(struct strings *l, const char *a, const char *b)
{
	char **v;

	if (l->nomem || !(v = realloc(l->v, (l->n + 2) * sizeof *v))) {
		l->nomem = true;
		return false;
	}
	l->v = v;
	v[l->n] = strdup(a);
	v[l->n + 1] = b ? strdup(b) : NULL;
	if (!v[l->n] || (b && !v[l->n + 1])) {
		free(v[l->n]);
		free(v[l->n + 1]);
		l->nomem = true;
		return false;
	}
	l->n += 2;
	return true;
}

static void strings_free(struct strings *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* What the listings collect, in pairs of strings:
 *   domains        (name, NULL) of each active domain (sorted before use)
 *   mailboxes      (address, domain) of each active mailbox
 *   aliases        (source, destination) of each alias row
 *   alias_domains  (domain, NULL) of the same row, at the same index
 */
struct directory_copy {
	struct strings domains, mailboxes, aliases, alias_domains;
};

static int copy_domain(const struct store_domain *d, void *ctx)
{
	struct directory_copy *c = ctx;

	if (d->active)
		strings_add(&c->domains, d->name, NULL);
	return c->domains.nomem;
}

static int copy_mailbox(const struct store_mailbox *m, void *ctx)
{
	struct directory_copy *c = ctx;

	if (m->active)
		strings_add(&c->mailboxes, m->address, m->domain);
	return c->mailboxes.nomem;
}

static int copy_alias(const struct store_alias *a, void *ctx)
{
	struct directory_copy *c = ctx;

	if (strings_add(&c->aliases, a->source, a->destination))
		strings_add(&c->alias_domains, a->domain, NULL);
	return c->aliases.nomem || c->alias_domains.nomem;
}

/* Pairs are compared by their first string, then their second. */
static int cmp_pair(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int r = strcmp(x[0], y[0]);

	return r ? r : strcmp(x[1] ? x[1] : "", y[1] ? y[1] : "");
}

static void sort_pairs(struct strings *l)
{
	if (l->n)
		qsort(l->v, l->n / 2, 2 * sizeof *l->v, cmp_pair);
}

/* Is key the first string of a pair in the sorted l? */
static bool has_key(const struct strings *l, const char *key)
{
	size_t lo = 0, hi = l->n / 2;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(key, l->v[2 * mid]);

		if (r == 0)
			return true;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* s with every byte outside [a-z0-9@._+-] as %XX (upper-case hex). */
static void put_encoded(struct vm_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    strchr("@._+-", ch))
			vm_buf_add(b, s, 1);
		else
			vm_buf_printf(b, "%%%02X", ch);
	}
}

/* The (address, owner) pairs of the map into owned, sorted. */
static bool owned_pairs(const struct directory_copy *c, struct strings *owned)
{
	const struct strings *m = &c->mailboxes, *a = &c->aliases;
	struct strings active = { NULL, 0, false };
	bool ok = true;

	/* A mailbox owns itself if its domain is active. */
	for (size_t i = 0; ok && i < m->n; i += 2)
		if (has_key(&c->domains, m->v[i + 1]))
			ok = strings_add(owned, m->v[i], m->v[i]) &&
			     strings_add(&active, m->v[i], NULL);
	sort_pairs(&active);
	/* An alias of an active domain is owned by the mailboxes it names
	 * that own themselves: active, in an active domain.  (Postfix's
	 * sqlite-sender-login.cf does not ask for the mailbox's domain; a
	 * mailbox of a suspended domain cannot log in, so the answer is the
	 * same.) */
	for (size_t i = 0; ok && i < a->n; i += 2)
		if (has_key(&c->domains, c->alias_domains.v[i]) &&
		    has_key(&active, a->v[i + 1]))
			ok = strings_add(owned, a->v[i], a->v[i + 1]);
	strings_free(&active);
	sort_pairs(owned);
	return ok;
}

/* One line per address: "ADDRESS OWNER,OWNER", owners once each. */
static void put_lines(struct vm_buf *b, const struct strings *owned)
{
	for (size_t i = 0; i < owned->n; i += 2) {
		bool first = i == 0 || strcmp(owned->v[i], owned->v[i - 2]);

		if (!first && !strcmp(owned->v[i + 1], owned->v[i - 1]))
			continue;
		if (first) {
			if (i)
				vm_buf_puts(b, "\n");
			put_encoded(b, owned->v[i]);
			vm_buf_puts(b, " ");
		} else {
			vm_buf_puts(b, ",");
		}
		put_encoded(b, owned->v[i + 1]);
	}
	if (owned->n)
		vm_buf_puts(b, "\n");
}

enum store_status sender_map_text(struct store *s, struct vm_buf *b)
{
	struct directory_copy c = { { NULL, 0, false }, { NULL, 0, false },
				    { NULL, 0, false }, { NULL, 0, false } };
	struct strings owned = { NULL, 0, false };
	enum store_status st;

	st = store_domain_list(s, copy_domain, &c);
	if (st == STORE_OK)
		st = store_mailbox_list(s, NULL, copy_mailbox, &c);
	if (st == STORE_OK)
		st = store_alias_list(s, NULL, NULL, copy_alias, &c);
	if (st == STORE_OK) {
		vm_buf_puts(b, map_header);
		sort_pairs(&c.domains);
		if (c.domains.nomem || c.mailboxes.nomem || c.aliases.nomem ||
		    c.alias_domains.nomem || !owned_pairs(&c, &owned))
			b->nomem = true;   /* vm_buf_take() then fails */
		else
			put_lines(b, &owned);
	}
	strings_free(&owned);
	strings_free(&c.domains);
	strings_free(&c.mailboxes);
	strings_free(&c.aliases);
	strings_free(&c.alias_domains);
	return st;
}

bool sender_map_path(char *out, size_t size)
{
	return rspamd_map_path(SENDER_MAP_NAME, out, size);
}

int sender_map_sync(struct store *s)
{
	return rspamd_map_sync(s, SENDER_MAP_NAME, sender_map_text);
}
