/*
 * setup_clamav.c - ClamAV as [antivirus] enabled says.
 *
 * Enabled, clamd is started once it has signatures (it cannot run
 * without them; until then rspamd tempfails all mail).  With systemd,
 * freshclam keeps the signatures fresh, clamd is enabled even before it
 * can start, and the path unit vmail-clamav-signatures.path (rendered
 * from templates/systemd/, like clamd's drop-in, which lets it start on
 * any signature database) starts it when freshclam's first download
 * arrives; without systemd the next "vmailctl setup" starts it.  (Debian
 * 13's second freshclam, a oneshot at boot and daily, is turned off: it
 * races the daemon.)  When
 * the setting is "no", all of them are stopped (and disabled).
 *
 * In /etc/clamav/clamd.conf the size limits are raised to the message
 * size limit (clamd_conf.h: otherwise big messages would be refused with
 * 4xx forever, or files in them go unscanned), and with systemd clamd
 * and freshclam (freshclam.conf) log through syslog as facility mail, so
 * their lines are in the journal and in /var/log/mail.log.  A running
 * daemon is restarted to read its changed file; nothing else in those
 * files is touched.
 *
 * Like every step of setup, nothing is changed that is already right.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/clamd_conf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/service.h"

#define CLAMD "/usr/sbin/clamd"
#define CLAMAV_DB_DIR "/var/lib/clamav"
#define CLAMD_CONF "/etc/clamav/clamd.conf"
#define FRESHCLAM_CONF "/etc/clamav/freshclam.conf"
/* templates/systemd/: starts clamd when signatures arrive */
#define CLAMD_SIGNATURES_PATH "vmail-clamav-signatures.path"
/* clamd takes sizes below 4 GB only. */
#define CLAMD_SIZE_MAX (4000ULL << 20)

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
	if (rc >= 0 && service_have_systemd() && access(CLAMD, X_OK) == 0) {
		rc = service_unit_disable(CLAMD_SIGNATURES_PATH);
		if (rc >= 0)
			rc = service_disable("clamav-freshclam");
	}
	st->clamd_started = 0;
	return rc >= 0;
}

/* How ClamAV logs with systemd: through syslog as facility mail, so that
 * its lines are in the journal and in /var/log/mail.log with the other
 * mail daemons' (the package's own log files stay as they are). */
static const struct clamd_setting syslog_settings[] = {
	{ "LogSyslog", "true" },
	{ "LogFacility", "LOG_MAIL" },
};

/* Edit one of ClamAV's configuration files in place: *text is its
 * content, edit() returns the new content (malloc'd) and whether it
 * differs.  1 rewritten, 0 already right, -1 error (printed). */
typedef char *conf_edit(const struct setup *st, const char *text, size_t len,
			bool *changed);

static int edit_conf(const struct setup *st, const char *path,
		     conf_edit *edit)
{
	struct stat sb;
	size_t len;
	char *old, *text;
	bool changed;
	int rc;

	if (stat(path, &sb) < 0 || !(old = vm_read_file(path, &len))) {
		vm_errno("cannot read %s (are clamav-daemon and clamav-freshclam "
			 "installed?)", path);
		return -1;
	}
	if (memchr(old, '\0', len)) {
		vm_err("%s is not a text file; fix or reinstall it (apt-get "
		       "install --reinstall clamav-daemon clamav-freshclam)", path);
		free(old);
		return -1;
	}
	text = edit(st, old, len, &changed);
	free(old);
	if (!text) {
		vm_errno("%s", path);
		return -1;
	}
	rc = changed ? vm_write_file_if_changed(path, text, strlen(text),
						sb.st_mode & 07777, sb.st_uid,
						sb.st_gid) : 0;
	free(text);
	return rc;
}

/* clamd.conf: the size limits raised to the message size limit
 * (clamd_conf.h); with systemd, logging through syslog. */
static char *edit_clamd_conf(const struct setup *st, const char *text,
			     size_t len, bool *changed)
{
	uint64_t need = clamd_needed_size(st->cfg.message_size_limit);
	char *raised, *logged;
	bool more = false;

	if (need > CLAMD_SIZE_MAX) {
		*changed = false;
		raised = strdup(text);
	} else {
		raised = clamd_conf_raise(text, len, need, changed);
	}
	if (!raised || !service_have_systemd())
		return raised;
	logged = clamd_conf_set(raised, strlen(raised), syslog_settings,
				sizeof syslog_settings / sizeof syslog_settings[0],
				&more);
	free(raised);
	*changed |= more;
	return logged;
}

static char *edit_freshclam_conf(const struct setup *st, const char *text,
				 size_t len, bool *changed)
{
	(void)st;
	return clamd_conf_set(text, len, syslog_settings,
			      sizeof syslog_settings / sizeof syslog_settings[0],
			      changed);
}

/* A configuration file changed: a running daemon must read it again. */
static bool restart_if_running(const char *service, const char *why)
{
	if (!service_running(service))
		return true;
	vm_progress("Restarting %s %s", service, why);
	return service_stop(service) >= 0 && service_start(service) >= 0;
}

/* clamd.conf (and with systemd freshclam.conf) as they must be. */
static bool clamav_conf(const struct setup *st)
{
	int rc;

	if (clamd_needed_size(st->cfg.message_size_limit) > CLAMD_SIZE_MAX)
		vm_err("warning: clamd cannot scan messages as large as "
		       "[limits] message_size_limit allows; larger ones than its "
		       "StreamMaxLength (%s) are refused with 4xx", CLAMD_CONF);
	if ((rc = edit_conf(st, CLAMD_CONF, edit_clamd_conf)) < 0)
		return false;
	if (rc > 0) {
		vm_progress("Wrote %s (StreamMaxLength, MaxFileSize and MaxScanSize "
			    "at least [limits] message_size_limit%s)", CLAMD_CONF,
			    service_have_systemd() ? "; logging to syslog" : "");
		/* stopped here, started again by setup_antivirus() */
		if (service_running("clamav-daemon") &&
		    service_stop("clamav-daemon") < 0)
			return false;
	}
	if (!service_have_systemd())
		return true;
	if ((rc = edit_conf(st, FRESHCLAM_CONF, edit_freshclam_conf)) < 0)
		return false;
	if (rc > 0) {
		vm_progress("Wrote %s (logging to syslog)", FRESHCLAM_CONF);
		return restart_if_running("clamav-freshclam", "to read it");
	}
	return true;
}

/* Debian 13 ships freshclam twice: the daemon (clamav-freshclam.service)
 * and a oneshot run at boot and daily (clamav-freshclam-once.service and
 * .timer), both enabled.  They race for freshclam's log file at every
 * boot, and the loser exits.  vmail runs the daemon: the other one is
 * turned off where it exists. */
static bool freshclam_once_off(void)
{
	static const char *const units[] = {
		"clamav-freshclam-once.timer", "clamav-freshclam-once.service",
	};

	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		char path[128];

		snprintf(path, sizeof path, "/lib/systemd/system/%s", units[i]);
		if (access(path, F_OK) == 0 && service_unit_disable(units[i]) < 0)
			return false;
	}
	return true;
}

bool setup_antivirus(struct setup *st)
{
	if (!st->cfg.antivirus)
		return antivirus_off(st);
	if (access(CLAMD, X_OK) != 0) {
		vm_err("%s is missing: install clamav-daemon and clamav-freshclam "
		       "(apt-get install clamav-daemon clamav-freshclam), or turn "
		       "ClamAV off with [antivirus] enabled = no in %s",
		       CLAMD, "/etc/vmail/vmail.conf");
		return false;
	}
	if (!clamav_conf(st))
		return false;
	/* With systemd, freshclam keeps the signatures fresh, and the path
	 * unit starts clamd when the first ones arrive; without systemd
	 * nothing would stop freshclam again (containers, the test roots),
	 * and the next "vmailctl setup" starts clamd. */
	if (service_have_systemd() &&
	    (!freshclam_once_off() ||
	     service_start("clamav-freshclam") < 0 ||
	     service_unit_enable(CLAMD_SIGNATURES_PATH) < 0))
		return false;
	if (!service_running("clamav-daemon") && !have_signatures()) {
		st->clamd_waiting = true;
		vm_progress("No ClamAV signatures in %s yet: clamd is not "
			    "started, and incoming mail is refused with 4xx "
			    "(senders retry) until it runs%s", CLAMAV_DB_DIR,
			    service_have_systemd() ? " (it starts by itself "
			    "when freshclam has fetched them)" : "");
		return service_enable("clamav-daemon") >= 0;
	}
	st->clamd_started = service_start("clamav-daemon");
	if (st->clamd_started > 0)
		vm_progress("Started clamav-daemon");
	return st->clamd_started >= 0;
}
