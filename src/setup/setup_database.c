/*
 * setup_database.c - step 3 of "vmailctl setup": the directory database.
 *
 * Created, or its schema migrated (store_open() keeps a copy first);
 * out of WAL mode; readable by Postfix and Dovecot and by nobody else
 * (store_grant_readers()); and rspamd's maps of users' sending limits
 * and of who owns which sender address.
 *
 * Leaving WAL mode (a database made by the first release) needs every
 * other connection to it closed, and Postfix's proxymap and Dovecot's
 * auth-worker keep theirs open.  If store_open() could not switch it at
 * once, Postfix and Dovecot are stopped for that moment (mail waits at
 * the sender meanwhile: a refused connection is retried), the database
 * switched and made read-only for them, and they are started again, all
 * before anything else is rendered.  Once only.
 */
#include <stdio.h>

#include "setup/setup.h"
#include "core/send_limits.h"
#include "core/sender_map.h"
#include "lib/diag.h"
#include "lib/service.h"
#include "store/store.h"

/* The daemons that hold the database open, in the order they stop. */
static const char *const readers[] = { "dovecot", "postfix" };
#define N_READERS (sizeof readers / sizeof *readers)

/* Stop the readers, switch, take their write access away, start again
 * those that ran.  False if the switch failed (reported). */
static bool leave_wal_with_readers_stopped(struct setup *st, struct store *s)
{
	bool was_running[N_READERS];
	enum store_status r;
	bool ok = true;

	vm_progress("Switching the directory from WAL to a rollback journal "
		    "(Postfix and Dovecot stop for a moment)");
	for (size_t i = 0; i < N_READERS; i++) {
		was_running[i] = service_running(readers[i]);
		if (was_running[i] && service_stop(readers[i]) < 0)
			ok = false;
	}
	r = ok ? store_leave_wal(s, 5000) : STORE_ERROR;
	if (r != STORE_OK) {
		vm_err("%s: %s", st->cfg.database, ok ? store_errmsg(s) :
		       "cannot stop Postfix and Dovecot to switch it");
		ok = false;
	}
	/* Read-only for them before they come back: an old configuration
	 * cannot put it back into WAL mode. */
	if (ok && store_grant_readers(st->cfg.database) < 0)
		ok = false;
	for (size_t i = N_READERS; i-- > 0;)
		if (was_running[i] && service_start(readers[i]) < 0)
			ok = false;
	return ok;
}

bool setup_database(struct setup *st)
{
	struct store *s;
	int rc, senders;

	vm_progress("Opening the directory %s", st->cfg.database);
	if (!(s = store_open(st->cfg.database, true)))
		return false;
	if (store_uses_wal(s) && !leave_wal_with_readers_stopped(st, s)) {
		store_close(s);
		return false;
	}
	/* Users' own sending limits and who owns which sender address, for
	 * rspamd (which must find the maps when it starts); this also
	 * brings them back after an upgrade. */
	rc = send_limits_sync_map(s);
	senders = rc < 0 ? -1 : sender_map_sync(s);
	store_close(s);
	if (rc > 0)
		vm_progress("Wrote the sending limits map");
	if (senders > 0)
		vm_progress("Wrote the map of sender addresses");
	return rc >= 0 && senders >= 0 &&
	       store_grant_readers(st->cfg.database) >= 0;
}
