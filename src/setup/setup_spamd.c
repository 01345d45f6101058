/*
 * setup_spamd.c - SpamAssassin as [spam] engine says.
 *
 * With engine = spamassassin, spamd runs on 127.0.0.1:783 with the
 * options of service_spamd_options (with systemd through the drop-in
 * /etc/systemd/system/spamd.service.d/vmail.conf, which replaces the
 * package's ExecStart; a changed drop-in restarts spamd); with engine =
 * rspamd an installed spamd is stopped (and disabled).  setup never
 * edits /etc/spamassassin.
 *
 * Like every step of setup, nothing is changed that is already right.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"

#define SPAMD "/usr/sbin/spamd"
#define SPAMD_DROPIN_DIR "/etc/systemd/system/spamd.service.d"
#define SPAMD_DROPIN SPAMD_DROPIN_DIR "/vmail.conf"

/* The systemd drop-in: spamd with vmail's options instead of the
 * package's ($OPTIONS from /etc/default/spamd).  malloc'd. */
static char *spamd_dropin_text(void)
{
	struct vm_buf b = VM_BUF_INIT;
	static const char head[] =
		"# Written by \"vmailctl setup\" ([spam] engine = spamassassin in\n"
		"# /etc/vmail/vmail.conf): spamd on 127.0.0.1:783 for rspamd, as\n"
		"# debian-spamd, learning (spamc -L) allowed from this machine.\n"
		"# Your own SpamAssassin settings go in /etc/spamassassin/local.cf.\n"
		"[Service]\n"
		"ExecStart=\n"
		"ExecStart=" SPAMD;
	bool ok = vm_buf_add(&b, head, strlen(head));

	for (size_t i = 0; ok && service_spamd_options[i]; i++)
		ok = vm_buf_add(&b, " ", 1) &&
		     vm_buf_add(&b, service_spamd_options[i],
				strlen(service_spamd_options[i]));
	ok = ok && vm_buf_add(&b, "\n", 1);
	if (!ok) {
		vm_buf_free(&b);
		return NULL;
	}
	return vm_buf_take(&b, NULL);
}

/* With systemd: the drop-in.  1 written, 0 unchanged, -1 error. */
static int spamd_systemd_dropin(void)
{
	const char *reload[] = { "systemctl", "daemon-reload", NULL };
	char *text;
	int rc;

	if (!service_have_systemd())
		return 0;
	if (!(text = spamd_dropin_text())) {
		vm_errno("out of memory");
		return -1;
	}
	rc = vm_ensure_dir(SPAMD_DROPIN_DIR, 0755, 0, 0) < 0 ? -1 :
	     vm_write_file_if_changed(SPAMD_DROPIN, text, strlen(text), 0644,
				      0, 0);
	free(text);
	if (rc <= 0)
		return rc;
	vm_progress("Wrote %s", SPAMD_DROPIN);
	return vm_run_quiet(reload) == 0 ? 1 : -1;
}

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
	int rc;

	if (st->cfg.spam_engine != VM_SPAM_SPAMASSASSIN)
		return spamassassin_off(st);
	if (access(SPAMD, X_OK) != 0) {
		vm_err("%s is missing: install spamd and spamc (apt-get install "
		       "spamd spamc, or install.sh --spam spamassassin), or go "
		       "back to [spam] engine = rspamd in %s", SPAMD,
		       "/etc/vmail/vmail.conf");
		return false;
	}
	rc = spamd_systemd_dropin();
	if (rc < 0)
		return false;
	/* New options take a restart (a reload keeps the command line). */
	if (rc > 0 && service_running("spamd") && service_stop("spamd") < 0)
		return false;
	st->spamd_started = service_start("spamd");
	if (st->spamd_started > 0)
		vm_progress("Started spamd (SpamAssassin)");
	return st->spamd_started >= 0;
}
