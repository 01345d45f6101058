/*
 * service.c - start, reload, stop and probe the mail daemons.
 *
 * Two back ends behind one set of calls:
 *   - systemd, when PID 1 is systemd (/run/systemd/system exists, the
 *     same test sd_booted(3) makes): systemctl enable --now / reload /
 *     stop / is-active / disable;
 *   - direct control otherwise (containers, test roots without an init),
 *     through the table of daemons in daemons.c.
 * Output of the control programs is discarded; on failure the caller
 * gets -1 and a message pointing at the daemon's log.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/daemons.h"
#include "lib/diag.h"
#include "lib/process.h"
#include "lib/service.h"

bool service_have_systemd(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

static const struct daemon *known(const char *name)
{
	const struct daemon *d = daemon_find(name);

	if (!d)
		vm_err("unknown service '%s'", name);
	return d;
}

static int systemctl(const char *verb, const char *name)
{
	const char *now = !strcmp(verb, "enable") ||
			  !strcmp(verb, "disable") ? "--now" : NULL;
	const char *argv[] = { "systemctl", verb, "--quiet", name, now, NULL };

	return vm_run_quiet(argv);
}

static const char *log_hint(const struct daemon *d)
{
	return service_have_systemd() && d->journal ? d->journal : d->log;
}

/* One control action ("start", "reload", "stop"), by the back end in
 * use; failures are reported the same way for both. */
static int control(const struct daemon *d, const char *action)
{
	int rc;

	if (service_have_systemd()) {
		if (!strcmp(action, "start"))
			action = "enable";           /* enable --now */
		else if (!strcmp(action, "reload") && d->systemd_restart)
			action = "restart";
		rc = systemctl(action, d->name);
	} else if (!strcmp(action, "start")) {
		rc = d->start();
	} else if (!strcmp(action, "reload")) {
		rc = d->reload();
	} else {
		rc = d->stop();
	}
	if (rc != 0) {
		vm_err("could not %s %s (exit %d); see %s", action, d->name, rc,
		       log_hint(d));
		return -1;
	}
	return 0;
}

bool service_running(const char *name)
{
	const struct daemon *d = known(name);

	if (!d)
		return false;
	if (service_have_systemd())
		return systemctl("is-active", name) == 0;
	return d->running();
}

int service_start(const char *name)
{
	const struct daemon *d = known(name);

	if (!d)
		return -1;
	if (service_running(name))
		return 0;
	return control(d, "start") < 0 ? -1 : 1;
}

int service_reload(const char *name)
{
	const struct daemon *d = known(name);

	if (!d)
		return -1;
	if (!service_running(name))
		return service_start(name) < 0 ? -1 : 0;
	return control(d, "reload");
}

int service_stop(const char *name)
{
	const struct daemon *d = known(name);

	if (!d)
		return -1;
	if (!service_running(name))
		return 0;
	return control(d, "stop");
}

int service_disable(const char *name)
{
	const struct daemon *d = known(name);
	bool was;

	if (!d)
		return -1;
	was = service_running(name);
	if (service_have_systemd()) {
		if (systemctl("disable", name) != 0) {
			vm_err("could not disable %s; see %s", name,
			       log_hint(d));
			return -1;
		}
		return was ? 1 : 0;
	}
	if (!was)
		return 0;
	return control(d, "stop") < 0 ? -1 : 1;
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
