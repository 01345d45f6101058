/*
 * setup_directory.c - the entries setup puts in the directory: the
 * first domain, the administrator's mailbox, and the aliases postmaster@
 * and abuse@ the first domain, pointing at the administrator.
 *
 * Each is created only when absent; what an administrator changed since
 * (another destination for postmaster@, say) is left alone.  The admin
 * mailbox gets a generated password, shown once in the summary, or the
 * one the administrator gave (--admin-password-stdin or --admin-password,
 * read by cmd_setup.c before anything changed); given again on a later
 * run, it replaces the stored one only if it differs.  All changes are
 * one transaction.
 */
#include <stdio.h>
#include <string.h>

#include "core/directory.h"
#include "core/mailbox_password.h"
#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/password.h"
#include "lib/secret.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/validate.h"
#include "store/store.h"

static int count_row(const void *row, void *ctx)
{
	(void)row;
	++*(int *)ctx;
	return 0;
}

static int domain_row(const struct store_domain *d, void *ctx)
{
	return count_row(d, ctx);
}

static int alias_row(const struct store_alias *a, void *ctx)
{
	return count_row(a, ctx);
}

/* Copies the stored hash of the mailbox. */
static int mailbox_row(const struct store_mailbox *m, void *ctx)
{
	vm_strlcpy(ctx, m->password, VM_HASH_MAX);
	return 0;
}

static bool ensure_domain(struct store *s, struct setup *st, const char *name)
{
	int n = 0;
	int have = directory_found(s, store_domain_get(s, name, domain_row,
						       &n));
	enum store_status rc;

	if (have != 0)
		return have > 0;
	vm_progress("Adding the domain %s", name);
	if ((rc = store_domain_add(s, name)) != STORE_OK) {
		directory_fail(s, rc);
		return false;
	}
	st->directory_changed = true;
	return true;
}

/* An existing admin mailbox: replace its password with the one given,
 * if one was and it differs. */
static bool update_admin_password(struct store *s, struct setup *st,
				  const char *stored)
{
	const char *plain = st->admin_password_given;
	char hash[VM_HASH_MAX], why[128] = "";
	enum store_status rc;
	bool ok = true;

	if (!plain[0])
		return true;
	if (!password_verify(plain, stored)) {
		if (!password_hash(plain, hash, sizeof hash, why, sizeof why)) {
			vm_err("admin password rejected: %s", why);
			ok = false;
		} else if ((rc = store_mailbox_set_password(s, st->cfg.admin,
							     hash)) != STORE_OK) {
			directory_fail(s, rc);
			ok = false;
		} else {
			vm_progress("Changed the password of %s", st->cfg.admin);
			st->directory_changed = true;
			st->admin_password_changed = true;
		}
	}
	vm_explicit_bzero(hash, sizeof hash);
	return ok;
}

static bool ensure_admin(struct store *s, struct setup *st)
{
	char stored[VM_HASH_MAX] = "", hash[VM_HASH_MAX];
	const char *addr = st->cfg.admin;
	int have = directory_found(s, store_mailbox_get(s, addr, mailbox_row,
							stored));
	enum store_status rc;

	if (have < 0)
		return false;
	if (have > 0)
		return update_admin_password(s, st, stored);
	vm_progress("Creating the admin mailbox %s", addr);
	if (st->admin_password_given[0] ?
	    !mailbox_password_hash(st->admin_password_given, hash,
				   sizeof hash) :
	    !mailbox_password_new(MAILBOX_PASSWORD_GENERATE, addr, hash,
				  sizeof hash, st->admin_password,
				  sizeof st->admin_password))
		return false;
	rc = store_mailbox_add(s, addr, hash, st->cfg.default_quota);
	vm_explicit_bzero(hash, sizeof hash);
	if (rc != STORE_OK) {
		vm_explicit_bzero(st->admin_password, sizeof st->admin_password);
		directory_fail(s, rc);
		return false;
	}
	st->admin_created = true;
	st->directory_changed = true;
	return true;
}

/* local@domain -> admin, unless local@domain is a mailbox or already
 * has an alias (of any destination). */
static bool ensure_alias(struct store *s, struct setup *st, const char *local,
			 const char *domain)
{
	char source[VM_ADDRESS_MAX + 1], hash[VM_HASH_MAX];
	int rows = 0, have;
	enum store_status rc;

	if (!vm_snprintf(source, sizeof source, "%s@%s", local, domain))
		return false;
	have = directory_found(s, store_mailbox_get(s, source, mailbox_row,
						    hash));
	if (have != 0)
		return have > 0;
	rc = store_alias_list(s, NULL, source, alias_row, &rows);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND) {
		directory_fail(s, rc);
		return false;
	}
	if (rows > 0)
		return true;
	vm_progress("Adding the alias %s -> %s", source, st->cfg.admin);
	if ((rc = store_alias_add(s, source, st->cfg.admin)) != STORE_OK) {
		directory_fail(s, rc);
		return false;
	}
	st->directory_changed = true;
	return true;
}

static bool populate(struct store *s, struct setup *st)
{
	char local[VM_LOCALPART_MAX + 1], admin_domain[VM_DOMAIN_MAX + 1];

	if (!split_address(st->cfg.admin, local, sizeof local, admin_domain,
			   sizeof admin_domain)) {
		vm_err("invalid admin address '%s'", st->cfg.admin);
		return false;
	}
	if (!ensure_domain(s, st, st->cfg.domain))
		return false;
	/* The admin mailbox lives here, so its domain must be hosted: the
	 * first domain or one added with "vmailctl domain add". */
	if (strcmp(admin_domain, st->cfg.domain) != 0 &&
	    !directory_require_domain(s, admin_domain))
		return false;
	return ensure_admin(s, st) &&
	       ensure_alias(s, st, "postmaster", st->cfg.domain) &&
	       ensure_alias(s, st, "abuse", st->cfg.domain);
}

bool setup_directory(struct setup *st)
{
	struct store *s = store_open(st->cfg.database, true);
	enum store_status rc;
	bool ok;

	if (!s)
		return false;
	if ((rc = store_begin(s)) != STORE_OK) {
		directory_fail(s, rc);
		store_close(s);
		return false;
	}
	ok = populate(s, st);
	/* rspamd's map of sender addresses follows (directory_commit). */
	if (ok && directory_commit(s, STORE_OK) != VM_EXIT_OK)
		ok = false;
	else if (!ok)
		store_rollback(s);
	if (!ok) {
		st->admin_created = false;
		vm_explicit_bzero(st->admin_password, sizeof st->admin_password);
	}
	store_close(s);
	if (ok && st->directory_changed)
		service_directory_changed(NULL, false);
	/* Sessions that logged in with the old password end. */
	if (ok && st->admin_password_changed)
		service_directory_changed(st->cfg.admin, true);
	return ok;
}
