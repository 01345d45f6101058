/*
 * setup_dkim.c - the DKIM step of "vmailctl setup": every hosted domain
 * has an active signing key, the key directory and files have the mode
 * and owner the signer needs (its group, "_rspamd", may only exist once
 * rspamd is installed), and the selectors map matches the directory.
 *
 * Domains hosted before DKIM existed (the upgrade path) and the first
 * domain of a fresh install get their key here; each is committed on
 * its own.  An active key whose file has gone is reported, not replaced:
 * a new key would not match the record published in DNS ('vmailctl dkim
 * rotate' makes a new one properly).  With systemd, the rotation job's
 * timer (vmail-dkim-rotate.timer) is enabled.  Idempotent: with nothing
 * to do, nothing is written.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/directory.h"
#include "core/dkim_keys.h"
#include "lib/diag.h"
#include "lib/service.h"
#include "lib/strlist.h"
#include "setup/setup.h"
#include "store/store.h"

/* templates/systemd/: runs "vmailctl dkim rotate --auto" daily */
#define DKIM_ROTATE_TIMER "vmail-dkim-rotate.timer"

/* Collect the names of the hosted domains into a vm_strlist. */
static int add_name(const struct store_domain *d, void *ctx)
{
	return vm_strlist_add(ctx, d->name) ? 0 : 1;
}

/* Warn if the active key's file is missing. */
static void check_key_file(const char *domain, const char *selector)
{
	char path[4096];

	if (dkim_key_path(domain, selector, path, sizeof path) &&
	    access(path, F_OK) < 0)
		vm_err("warning: the DKIM key %s of the active selector is "
		       "missing; run 'vmailctl dkim rotate %s' and activate "
		       "the new key", path, domain);
}

/* Give domain an active key unless it has one. */
static bool ensure_key(struct store *s, struct setup *st, const char *domain)
{
	char selector[DKIM_SELECTOR_MAX + 1] = "";
	const struct dkim_key_row *active;
	struct dkim_keyset ks;
	enum store_status rc;

	if (!dkim_keyset_load(s, domain, &ks))
		return false;
	active = dkim_keyset_find(&ks, "active", NULL);
	if (active)
		check_key_file(domain, active->selector);
	dkim_keyset_free(&ks);
	if (active)
		return true;
	vm_progress("Making a DKIM key for %s", domain);
	if ((rc = store_begin(s)) != STORE_OK)
		return directory_fail(s, rc) == VM_EXIT_OK;
	if (!dkim_key_create(s, domain, "active", selector, sizeof selector)) {
		store_rollback(s);
		return false;
	}
	if (directory_commit(s, STORE_OK) != VM_EXIT_OK) {
		dkim_key_discard(domain, selector);
		return false;
	}
	st->dkim_changed = true;
	return true;
}

static bool ensure_keys(struct store *s, struct setup *st)
{
	struct vm_strlist domains = VM_STRLIST_INIT;
	enum store_status rc = store_domain_list(s, add_name, &domains);
	bool ok = rc == STORE_OK;

	if (!ok)
		directory_fail(s, rc);
	for (size_t i = 0; ok && i < domains.n; i++)
		ok = ensure_key(s, st, domains.v[i]);
	vm_strlist_free(&domains);
	return ok;
}

bool setup_dkim(struct setup *st)
{
	int made = dkim_ensure_dir();
	int fixed = made < 0 ? -1 : dkim_fix_permissions();
	struct store *s;
	int rc;
	bool ok;

	if (fixed < 0)
		return false;
	if (made > 0 || fixed > 0)
		st->dkim_changed = true;
	if (!(s = store_open(st->cfg.database, true)))
		return false;
	ok = ensure_keys(s, st);
	if (ok && (rc = dkim_keys_sync_map(s)) != 0) {
		ok = rc > 0;
		st->dkim_changed = true;
	}
	store_close(s);
	/* The rotation job: retired keys go after their grace period, and
	 * [dkim] rotate rotates (cmd_dkim.c, "rotate --auto"). */
	if (ok && service_have_systemd() &&
	    (rc = service_unit_enable(DKIM_ROTATE_TIMER)) != 0) {
		ok = rc > 0;
		if (ok)
			vm_progress("Started %s", DKIM_ROTATE_TIMER);
	}
	return ok;
}
