/*
 * setup_clamav.c - ClamAV as [antivirus] enabled says.
 *
 * Enabled, clamd is started once it has signatures (it cannot run
 * without them; until then rspamd tempfails all mail), and with systemd
 * freshclam keeps the signatures fresh; when the setting is "no" both
 * are stopped (and disabled).  clamd's size limits in
 * /etc/clamav/clamd.conf are raised to the message size limit
 * (clamd_conf.h: otherwise big messages would be refused with 4xx
 * forever, or files in them go unscanned), and a running clamd is
 * restarted to read them; nothing else there is touched.
 *
 * Like every step of setup, nothing is changed that is already right.
 */
#include <dirent.h>
#include <stdint.h>
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
