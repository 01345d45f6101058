/*
 * dkim_keys.c - DKIM keys of the directory: store rows plus key files,
 * and the selectors map for the signer.  See dkim_keys.h for how the
 * commands and setup use it and lib/dkim.h for the files.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/directory.h"
#include "core/dkim_keys.h"
#include "core/dkim_rotation.h"
#include "core/rspamd_map.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/str.h"

/* ---- the keys of one domain ----------------------------------------- */

struct collect {
	struct dkim_keyset *ks;
	bool failed;              /* out of memory, or a row did not fit */
};

static int add_row(const struct store_dkim_key *k, void *ctx)
{
	struct collect *c = ctx;
	struct dkim_keyset *ks = c->ks;
	struct dkim_key_row *v = realloc(ks->v, (ks->n + 1) * sizeof *v);

	if (!v) {
		c->failed = true;
		return 1;
	}
	ks->v = v;
	memset(&v[ks->n], 0, sizeof v[ks->n]);
	if (!vm_strlcpy(v[ks->n].selector, k->selector,
			sizeof v[ks->n].selector) ||
	    !vm_strlcpy(v[ks->n].state, k->state, sizeof v[ks->n].state)) {
		c->failed = true;
		return 1;
	}
	if (!dkim_rot_parse_time(k->created, &v[ks->n].created))
		v[ks->n].created = 0;
	if (!dkim_rot_parse_time(k->changed, &v[ks->n].since))
		v[ks->n].since = v[ks->n].created;
	v[ks->n++].bits = k->bits;
	return 0;
}

bool dkim_keyset_load(struct store *s, const char *domain,
		      struct dkim_keyset *ks)
{
	struct collect c = { ks, false };
	enum store_status st;

	ks->v = NULL;
	ks->n = 0;
	st = store_dkim_list(s, domain, add_row, &c);
	if (st != STORE_OK)
		directory_fail(s, st);
	else if (c.failed)
		vm_err("cannot read the DKIM keys of %s: out of memory or a "
		       "bad selector", domain);
	if (st != STORE_OK || c.failed) {
		dkim_keyset_free(ks);
		return false;
	}
	return true;
}

void dkim_keyset_free(struct dkim_keyset *ks)
{
	free(ks->v);
	ks->v = NULL;
	ks->n = 0;
}

const struct dkim_key_row *dkim_keyset_find(const struct dkim_keyset *ks,
					    const char *state,
					    const char *selector)
{
	for (size_t i = 0; i < ks->n; i++)
		if (state ? !strcmp(ks->v[i].state, state) :
			    !strcmp(ks->v[i].selector, selector))
			return &ks->v[i];
	return NULL;
}

bool dkim_keyset_remove_files(const char *domain,
			      const struct dkim_keyset *ks)
{
	bool ok = true;

	for (size_t i = 0; i < ks->n; i++)
		ok = dkim_remove_key(domain, ks->v[i].selector) && ok;
	return ok;
}

/* ---- making a key --------------------------------------------------- */

/* A new selector for domain, named after today (UTC). */
static bool new_selector(const struct dkim_keyset *ks, const char *domain,
			 char *out, size_t size)
{
	const char **taken = calloc(ks->n + 1, sizeof *taken);
	time_t now = time(NULL);
	struct tm today;
	bool ok;

	if (!taken) {
		vm_errno("out of memory");
		return false;
	}
	for (size_t i = 0; i < ks->n; i++)
		taken[i] = ks->v[i].selector;
	ok = gmtime_r(&now, &today) &&
	     dkim_selector_name(&today, taken, ks->n, out, size);
	free(taken);
	if (!ok)
		vm_err("cannot name a new DKIM selector for %s (too many keys "
		       "made today?)", domain);
	return ok;
}

bool dkim_key_create(struct store *s, const char *domain, const char *state,
		     char *selector, size_t size)
{
	struct dkim_keyset ks;
	enum store_status st;
	bool named;

	selector[0] = '\0';
	if (!dkim_keyset_load(s, domain, &ks))
		return false;
	named = new_selector(&ks, domain, selector, size);
	dkim_keyset_free(&ks);
	if (!named || !dkim_generate_key(domain, selector, DKIM_BITS)) {
		selector[0] = '\0';
		return false;
	}
	st = store_dkim_add(s, domain, selector, state, DKIM_BITS);
	if (st != STORE_OK) {
		directory_fail(s, st);
		dkim_key_discard(domain, selector);
		selector[0] = '\0';
		return false;
	}
	return true;
}

void dkim_key_discard(const char *domain, const char *selector)
{
	if (selector[0])
		dkim_remove_key(domain, selector);
}

/* ---- the selectors map ---------------------------------------------- */

static int map_line(const struct store_dkim_key *k, void *ctx)
{
	if (!strcmp(k->state, "active"))
		vm_buf_printf(ctx, "%s %s\n", k->domain, k->selector);
	return 0;
}

int dkim_keys_sync_map(struct store *s)
{
	struct vm_buf b = VM_BUF_INIT;
	char path[4096];

	if (!dkim_map_path(path, sizeof path)) {
		vm_err("%s: path too long", dkim_dir());
		return -1;
	}
	if (dkim_ensure_dir() < 0)
		return -1;
	/* store_dkim_list orders by domain: the map comes out sorted. */
	return rspamd_map_write(s, store_dkim_list(s, NULL, map_line, &b),
				&b, path);
}
