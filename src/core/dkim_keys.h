/*
 * dkim_keys.h - the DKIM keys of the directory: the dkim_key rows of the
 * store paired with their files in /etc/vmail/dkim (lib/dkim.h), and the
 * selectors map the signer reads.  Used by cmd_dkim.c, cmd_domain.c
 * ("domain add" makes an active key, "domain del" removes the keys) and
 * setup_dkim.c (every domain has an active key).
 *
 * Writes to the store happen inside the caller's transaction; the key
 * files are written before the rows and removed again when the
 * transaction fails (dkim_key_discard), so bad input leaves neither.
 * After every committed change the caller runs dkim_keys_sync_map().
 */
#ifndef VMAIL_DKIM_KEYS_H
#define VMAIL_DKIM_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/dkim.h"
#include "store/store.h"

/* One key of a domain, copied out of the store. */
struct dkim_key_row {
	char selector[DKIM_SELECTOR_MAX + 1];
	char state[8];                 /* active, pending, retired */
	int bits;
	time_t created;                /* 0 if the store's text is odd */
	time_t since;                  /* entered its state (same then) */
};

/* Every key of one domain, in store_dkim_list() order (active first). */
struct dkim_keyset {
	struct dkim_key_row *v;
	size_t n;
};

/* Load the keys of domain (none is fine).  False with the reason
 * printed. */
bool dkim_keyset_load(struct store *s, const char *domain,
		      struct dkim_keyset *ks);
void dkim_keyset_free(struct dkim_keyset *ks);
/* The key in state ("active", "pending"), or the one named selector
 * (state NULL); NULL if there is none. */
const struct dkim_key_row *dkim_keyset_find(const struct dkim_keyset *ks,
					    const char *state,
					    const char *selector);

/*
 * Make a DKIM_BITS key for domain in state ("active" or "pending") with
 * a new selector (dkim_selector_name over today's UTC date and the
 * domain's selectors), write its file and add its row in the caller's
 * transaction.  The selector goes into selector (size >
 * DKIM_SELECTOR_MAX).  False with the reason printed and no file left.
 */
bool dkim_key_create(struct store *s, const char *domain, const char *state,
		     char *selector, size_t size);
/* Remove the file of a key whose row was not committed after all. */
void dkim_key_discard(const char *domain, const char *selector);

/* Remove the files of every key in ks (after the rows are gone).  False
 * if one could not be removed (printed). */
bool dkim_keyset_remove_files(const char *domain,
			      const struct dkim_keyset *ks);

/*
 * Write dkim_dir()/selectors.map from the store: "DOMAIN SELECTOR" for
 * the active key of every domain, sorted, atomically and only if it
 * changed.  1 written, 0 unchanged, -1 error (printed).  rspamd
 * notices the new file by itself (it polls file maps every 3 seconds:
 * templates/rspamd/options.inc); it is not reloaded, because a reload
 * briefly tempfails every message passing through the milter.
 */
int dkim_keys_sync_map(struct store *s);

#endif
