/*
 * service.c - start, reload, stop and probe the mail daemons.
 *
 * Two back ends behind one set of calls:
 *   - systemd, when PID 1 is systemd (/run/systemd/system exists, the
 *     same test sd_booted(3) makes): systemctl enable --now / reload /
 *     stop / is-active;
 *   - direct control otherwise (containers, test roots without an init):
 *     Postfix's own "postfix start|reload|stop|status", and Dovecot's
 *     "dovecot" (which daemonises), "doveadm reload|stop", with the
 *     master's pid file telling whether it runs.
 * Output of the control programs is discarded; on failure the caller
 * gets -1 and a message pointing at the logs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/service.h"
#include "lib/util.h"

#define DOVECOT_PIDFILE "/run/dovecot/master.pid"

bool service_have_systemd(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_postfix(const char *name) { return !strcmp(name, "postfix"); }
static bool is_dovecot(const char *name) { return !strcmp(name, "dovecot"); }

static int run_systemctl(const char *verb, const char *name)
{
	if (!strcmp(verb, "enable")) {
		const char *argv[] = { "systemctl", "enable", "--now", "--quiet",
				       name, NULL };
		return vm_run_quiet(argv);
	}
	const char *argv[] = { "systemctl", verb, "--quiet", name, NULL };
	return vm_run_quiet(argv);
}

/* True if the pid file names a live process. */
static bool pidfile_alive(const char *path)
{
	char *text = vm_read_file(path, NULL);
	if (!text)
		return false;
	char *end;
	long pid = strtol(text, &end, 10);
	bool malformed = pid <= 1 || (*end != '\n' && *end != '\0');
	free(text);
	if (malformed)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

bool service_running(const char *name)
{
	if (service_have_systemd())
		return run_systemctl("is-active", name) == 0;
	if (is_postfix(name)) {
		const char *argv[] = { "postfix", "status", NULL };
		return vm_run_quiet(argv) == 0;
	}
	if (is_dovecot(name))
		return pidfile_alive(DOVECOT_PIDFILE);
	return false;
}

static int direct(const char *name, const char *action)
{
	if (is_postfix(name)) {
		const char *argv[] = { "postfix", action, NULL };
		return vm_run_quiet(argv);
	}
	if (is_dovecot(name)) {
		if (!strcmp(action, "start")) {
			const char *argv[] = { "dovecot", NULL };
			return vm_run_quiet(argv);
		}
		const char *argv[] = { "doveadm", action, NULL };
		return vm_run_quiet(argv);
	}
	vm_err("unknown service '%s'", name);
	return -1;
}

static const char *log_hint(const char *name)
{
	if (service_have_systemd())
		return is_postfix(name) ? "journalctl -u postfix@-" :
					  "journalctl -u dovecot";
	return is_postfix(name) ? "/var/log/mail.log" : "/var/log/dovecot.log";
}

/* Run one control action and report failure uniformly. */
static int control(const char *name, const char *action)
{
	int rc = service_have_systemd() ? run_systemctl(action, name)
					: direct(name, action);
	if (rc != 0) {
		vm_err("could not %s %s (exit %d); see %s", action, name, rc,
		       log_hint(name));
		return -1;
	}
	return 0;
}

int service_start(const char *name)
{
	if (service_running(name))
		return 0;
	if (control(name, service_have_systemd() ? "enable" : "start") < 0)
		return -1;
	return 1;
}

int service_reload(const char *name)
{
	if (!service_running(name))
		return service_start(name) < 0 ? -1 : 0;
	return control(name, "reload");
}

int service_stop(const char *name)
{
	if (!service_running(name))
		return 0;
	return control(name, "stop");
}

void service_directory_changed(const char *user, bool kick)
{
	if (!service_running("dovecot"))
		return;
	const char *flush[] = { "doveadm", "auth", "cache", "flush", user, NULL };
	(void)vm_run_quiet(flush);
	if (kick && user) {
		const char *kickv[] = { "doveadm", "kick", user, NULL };
		(void)vm_run_quiet(kickv);
	}
}
