/*
 * setup_spamd.c - SpamAssassin as [spam] engine says.
 *
 * With engine = spamassassin, spamd runs on 127.0.0.1:783 with the
 * options of service_spamd_options (with systemd through the drop-in
 * /etc/systemd/system/spamd.service.d/vmail.conf, rendered from
 * templates/systemd/, which replaces the package's ExecStart; a changed
 * drop-in restarts spamd); with engine =
 * rspamd an installed spamd is stopped (and disabled).  setup never
 * edits /etc/spamassassin.
 *
 * Like every step of setup, nothing is changed that is already right.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/service.h"

#define SPAMD "/usr/sbin/spamd"

/* engine = rspamd: an installed spamd is stopped (and disabled). */
static bool spamassassin_off(struct setup *st)
{
	int rc;

	st->spamd_started = 0;
	if (access(SPAMD, X_OK) != 0)
		return true;            /* not installed: nothing runs */
	rc = service_disable("spamd");
	if (rc > 0)
		vm_progress("Stopped spamd ([spam] engine = rspamd)");
	return rc >= 0;
}

bool setup_spamassassin(struct setup *st)
{
	if (st->cfg.spam_engine != VM_SPAM_SPAMASSASSIN)
		return spamassassin_off(st);
	if (access(SPAMD, X_OK) != 0) {
		vm_err("%s is missing: install spamd and spamc (apt-get install "
		       "spamd spamc, or install.sh --spam spamassassin), or go "
		       "back to [spam] engine = rspamd in %s", SPAMD,
		       "/etc/vmail/vmail.conf");
		return false;
	}
	/* New options (the drop-in, rendered from templates/systemd/ by
	 * setup_render.c) take a restart: a reload keeps the command line. */
	if (st->spamd_unit_changed && service_running("spamd") &&
	    service_stop("spamd") < 0)
		return false;
	st->spamd_started = service_start("spamd");
	if (st->spamd_started > 0)
		vm_progress("Started spamd (SpamAssassin)");
	return st->spamd_started >= 0;
}
