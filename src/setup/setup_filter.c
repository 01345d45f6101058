/*
 * setup_filter.c - what the spam filter needs besides its configuration
 * files (those are rendered by setup_render.c):
 *
 *   - rspamd keeps its state in Redis over the unix socket
 *     /run/redis/redis-server.sock (mode 0770, group redis), so the
 *     user _rspamd is made a member of the group redis;
 *   - with systemd, the drop-in
 *     /etc/systemd/system/redis-server.service.d/vmail.conf starts the
 *     packaged redis-server with /etc/redis/vmail.conf (which includes
 *     Debian's redis.conf and turns TCP off); without systemd,
 *     service.c starts it with that file directly;
 *   - global Sieve scripts are compiled after they are installed, as
 *     Dovecot (running as vmail) cannot write next to them.  sievec is
 *     given the new dovecot.conf with -c: without it, it would ask the
 *     running Dovecot's config service, which still has the old
 *     configuration until Dovecot is reloaded at the end of setup, and
 *     the Sieve plugins the scripts need (IMAPSieve, extprograms) might
 *     not be loaded there yet;
 *   - ClamAV ([antivirus] enabled): clamd is started once it has
 *     signatures (it cannot run without them; until then rspamd
 *     tempfails all mail), and with systemd freshclam keeps the
 *     signatures fresh; when the setting is "no" both are stopped (and
 *     disabled).  clamd's size limits in /etc/clamav/clamd.conf are
 *     raised to the message size limit (clamd_conf.h: otherwise big
 *     messages would be refused with 4xx forever, or files in them go
 *     unscanned); nothing else there is touched.
 *   - SpamAssassin ([spam] engine = spamassassin): spamd runs on
 *     127.0.0.1:783 with the options of service_spamd_options (with
 *     systemd through the drop-in
 *     /etc/systemd/system/spamd.service.d/vmail.conf, which replaces the
 *     package's ExecStart; a changed drop-in restarts spamd); with
 *     engine = rspamd an installed spamd is stopped (and disabled).
 *     setup never edits /etc/spamassassin.
 *
 * Like every step of setup, nothing is changed that is already right.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/buf.h"
#include "lib/clamd_conf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"

#define RSPAMD_USER "_rspamd"
#define REDIS_GROUP "redis"
#define REDIS_DROPIN_DIR "/etc/systemd/system/redis-server.service.d"
#define REDIS_DROPIN REDIS_DROPIN_DIR "/vmail.conf"
#define CLAMD "/usr/sbin/clamd"
#define CLAMAV_DB_DIR "/var/lib/clamav"
#define CLAMD_CONF "/etc/clamav/clamd.conf"
/* clamd takes sizes below 4 GB only. */
#define CLAMD_SIZE_MAX (4000ULL << 20)
#define SPAMD "/usr/sbin/spamd"
#define SPAMD_DROPIN_DIR "/etc/systemd/system/spamd.service.d"
#define SPAMD_DROPIN SPAMD_DROPIN_DIR "/vmail.conf"

static const char redis_dropin[] =
	"# Written by \"vmailctl setup\": start the packaged redis-server with\n"
	"# /etc/redis/vmail.conf, which includes /etc/redis/redis.conf and\n"
	"# makes Redis listen on a unix socket only (for rspamd).\n"
	"[Service]\n"
	"ExecStart=\n"
	"ExecStart=/usr/bin/redis-server /etc/redis/vmail.conf "
	"--supervised systemd --daemonize no\n";

bool setup_compile_sieve(const char *config_file, const char *script)
{
	const char *argv[] = { "sievec", "-c", config_file, script, NULL };

	vm_progress("Compiling %s", script);
	if (vm_run_quiet(argv) != 0) {
		vm_err("'sievec -c %s %s' failed", config_file, script);
		return false;
	}
	return true;
}

static bool in_group(const struct group *gr, const char *user)
{
	for (char **m = gr->gr_mem; m && *m; m++)
		if (!strcmp(*m, user))
			return true;
	return false;
}

/* _rspamd may use Redis' socket. */
static bool rspamd_in_redis_group(struct setup *st)
{
	const char *argv[] = { "usermod", "-a", "-G", REDIS_GROUP, RSPAMD_USER,
			       NULL };
	struct group *gr = getgrnam(REDIS_GROUP);

	if (!gr || !getpwnam(RSPAMD_USER)) {
		vm_err("the user %s or the group %s is missing; are rspamd and "
		       "redis-server installed?", RSPAMD_USER, REDIS_GROUP);
		return false;
	}
	if (in_group(gr, RSPAMD_USER))
		return true;
	vm_progress("Adding %s to the group %s", RSPAMD_USER, REDIS_GROUP);
	if (vm_run_quiet(argv) != 0) {
		vm_err("'usermod -a -G %s %s' failed", REDIS_GROUP, RSPAMD_USER);
		return false;
	}
	/* The running rspamd keeps its old groups until restarted. */
	if (service_running("rspamd") && service_stop("rspamd") < 0)
		return false;
	st->rspamd_changed = true;
	return true;
}

static bool redis_systemd_dropin(struct setup *st)
{
	const char *reload[] = { "systemctl", "daemon-reload", NULL };
	int rc;

	if (!service_have_systemd())
		return true;
	if (vm_ensure_dir(REDIS_DROPIN_DIR, 0755, 0, 0) < 0)
		return false;
	rc = vm_write_file_if_changed(REDIS_DROPIN, redis_dropin,
				      strlen(redis_dropin), 0644, 0, 0);
	if (rc <= 0)
		return rc == 0;
	vm_progress("Wrote %s", REDIS_DROPIN);
	st->redis_changed = true;
	return vm_run_quiet(reload) == 0;
}

bool setup_filter_system(struct setup *st)
{
	return rspamd_in_redis_group(st) && redis_systemd_dropin(st);
}

/* Does the directory hold a signature database clamd can load (the
 * official .cvd/.cld, or local ones such as .hdb, .ndb, .ldb)? */
static bool have_signatures(void)
{
	static const char *const exts[] = {
		".cvd", ".cld", ".cud", ".hdb", ".hsb", ".mdb", ".msb",
		".ndb", ".ldb", ".cdb", ".yar", ".yara",
	};
	struct dirent *de;
	bool found = false;
	DIR *d = opendir(CLAMAV_DB_DIR);

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');

		for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
			found |= !strcmp(dot, exts[i]);
	}
	closedir(d);
	return found;
}

static bool antivirus_off(struct setup *st)
{
	int rc = service_disable("clamav-daemon");

	if (rc > 0)
		vm_progress("Stopped clamd ([antivirus] enabled = no)");
	if (rc >= 0 && service_have_systemd() && access(CLAMD, X_OK) == 0)
		rc = service_disable("clamav-freshclam");
	st->clamd_started = 0;
	return rc >= 0;
}

/* Raise clamd's size limits to the message size limit (clamd_conf.h).
 * *restart: the file changed, a running clamd must re-read it. */
static bool clamd_limits(const struct setup *st, bool *restart)
{
	uint64_t need;
	struct stat sb;
	size_t len;
	char *old, *text;
	bool changed;
	int rc;

	*restart = false;
	if (st->cfg.message_size_limit == 0 ||
	    (need = clamd_needed_size(st->cfg.message_size_limit)) > CLAMD_SIZE_MAX) {
		vm_err("warning: clamd cannot scan messages as large as "
		       "[limits] message_size_limit allows; larger ones than its "
		       "StreamMaxLength (%s) are refused with 4xx", CLAMD_CONF);
		return true;
	}
	if (stat(CLAMD_CONF, &sb) < 0 || !(old = vm_read_file(CLAMD_CONF, &len))) {
		vm_errno("cannot read %s (is clamav-daemon installed?)", CLAMD_CONF);
		return false;
	}
	if (memchr(old, '\0', len)) {
		vm_err("%s is not a text file; fix or reinstall it "
		       "(apt-get install --reinstall clamav-daemon)", CLAMD_CONF);
		free(old);
		return false;
	}
	text = clamd_conf_raise(old, len, need, &changed);
	free(old);
	if (!text) {
		vm_errno("%s", CLAMD_CONF);
		return false;
	}
	rc = changed ? vm_write_file_if_changed(CLAMD_CONF, text, strlen(text),
						sb.st_mode & 07777, sb.st_uid,
						sb.st_gid) : 0;
	free(text);
	if (rc > 0) {
		vm_progress("Raised StreamMaxLength, MaxFileSize and MaxScanSize "
			    "in %s to at least %lluM ([limits] message_size_limit)",
			    CLAMD_CONF, (unsigned long long)(need >> 20));
		*restart = true;
	}
	return rc >= 0;
}

bool setup_antivirus(struct setup *st)
{
	bool restart;

	if (!st->cfg.antivirus)
		return antivirus_off(st);
	if (access(CLAMD, X_OK) != 0) {
		vm_err("%s is missing: install clamav-daemon and clamav-freshclam "
		       "(apt-get install clamav-daemon clamav-freshclam), or turn "
		       "ClamAV off with [antivirus] enabled = no in %s",
		       CLAMD, "/etc/vmail/vmail.conf");
		return false;
	}
	if (!clamd_limits(st, &restart))
		return false;
	if (restart && service_running("clamav-daemon")) {
		vm_progress("Restarting clamd for its new limits");
		if (service_stop("clamav-daemon") < 0)
			return false;
	}
	/* freshclam needs systemd here: without it (containers, the test
	 * roots) nothing would stop it again. */
	if (service_have_systemd() && service_start("clamav-freshclam") < 0)
		return false;
	if (!service_running("clamav-daemon") && !have_signatures()) {
		st->clamd_waiting = true;
		vm_progress("No ClamAV signatures in %s yet: clamd is not "
			    "started, and incoming mail is refused with 4xx "
			    "(senders retry) until it runs",
			    CLAMAV_DB_DIR);
		return true;
	}
	st->clamd_started = service_start("clamav-daemon");
	if (st->clamd_started > 0)
		vm_progress("Started clamav-daemon");
	return st->clamd_started >= 0;
}

/* ---- SpamAssassin ------------------------------------------------------ */

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
