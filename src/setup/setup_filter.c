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
 *     disabled).  setup never edits /etc/clamav.
 *
 * Like every step of setup, nothing is changed that is already right.
 */
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/service.h"
#include "lib/util.h"

#define RSPAMD_USER "_rspamd"
#define REDIS_GROUP "redis"
#define REDIS_DROPIN_DIR "/etc/systemd/system/redis-server.service.d"
#define REDIS_DROPIN REDIS_DROPIN_DIR "/vmail.conf"
#define CLAMD "/usr/sbin/clamd"
#define CLAMAV_DB_DIR "/var/lib/clamav"

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
