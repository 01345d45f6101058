/*
 * directory.c - lookups and reported failures of the directory (see
 * directory.h).
 *
 * The lookups ask the store for the one row and ignore its fields:
 * existence is all they report.  directory_commit() also brings rspamd's
 * map of sender addresses (sender_map.h) in step with the change, so
 * that every command that changes mailboxes, aliases or domains keeps it
 * right without a call of its own.
 */
#include "core/directory.h"
#include "core/sender_map.h"
#include "lib/diag.h"

static int ignore_domain(const struct store_domain *d, void *ctx)
{
	return 0;
}

static int ignore_mailbox(const struct store_mailbox *m, void *ctx)
{
	return 0;
}

int directory_found(struct store *s, enum store_status st)
{
	if (st == STORE_OK)
		return 1;
	if (st == STORE_NOT_FOUND)
		return 0;
	directory_fail(s, st);
	return -1;
}

int directory_domain_exists(struct store *s, const char *domain)
{
	return directory_found(s, store_domain_get(s, domain, ignore_domain,
						   NULL));
}

int directory_mailbox_exists(struct store *s, const char *address)
{
	return directory_found(s, store_mailbox_get(s, address, ignore_mailbox,
						    NULL));
}

bool directory_require_domain(struct store *s, const char *domain)
{
	int hosted = directory_domain_exists(s, domain);

	if (hosted == 0)
		vm_err("domain '%s' is not hosted (see 'vmailctl domain add')",
		       domain);
	return hosted > 0;
}

int directory_fail(struct store *s, enum store_status st)
{
	if (st == STORE_ERROR)
		vm_err("database error: %s", store_errmsg(s));
	else
		vm_err("%s", store_errmsg(s));
	return VM_EXIT_FAIL;
}

int directory_commit(struct store *s, enum store_status st)
{
	bool map_written = false;

	/* The map is written from inside the transaction, which sees the
	 * change: a map that cannot be written undoes it (sender_map_sync
	 * said why), and one written for a commit that then fails is
	 * written again from what the rollback left. */
	if (st == STORE_OK) {
		if (sender_map_sync(s) < 0) {
			store_rollback(s);
			vm_err("nothing was changed");
			return VM_EXIT_FAIL;
		}
		map_written = true;
		st = store_commit(s);
	}
	if (st == STORE_OK)
		return VM_EXIT_OK;
	store_rollback(s);
	directory_fail(s, st);
	if (map_written)
		sender_map_sync(s);
	return VM_EXIT_FAIL;
}
