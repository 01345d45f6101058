/*
 * service.c - start, reload, stop and probe the mail daemons.
 *
 * Two back ends behind one set of calls:
 *   - systemd, when PID 1 is systemd (/run/systemd/system exists, the
 *     same test sd_booted(3) makes): systemctl is-active / enable /
 *     start / reload / stop / disable on the daemon's unit;
 *   - direct control otherwise (containers, test roots without an init),
 *     through the table of daemons in daemons.c.
 * Output of the control programs is discarded; on failure the caller
 * gets -1 and a message pointing at the daemon's log.
 *
 * With systemd a daemon has two unit names that are the same for all but
 * Postfix: the one that is enabled (so that it starts at boot) and the
 * one whose process is the daemon (is it running, start, stop, reload).
 * Debian 12's Postfix (and Ubuntu's before 3.9) enables the oneshot
 * postfix.service, which stays "active" whatever happens to Postfix, and
 * runs the master in postfix@-.service; from Postfix 3.9's packaging on,
 * postfix.service runs the master itself.  service_unit() tells which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/daemons.h"
#include "lib/diag.h"
#include "lib/process.h"
#include "lib/service.h"
#include "lib/sessions.h"
#include "lib/settle.h"

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

/* Is postfix.service the oneshot wrapper of postfix@-.service? */
static bool postfix_wrapped(void)
{
	static int wrapped = -1;
	const char *argv[] = { "systemctl", "show", "--property=Type",
			       "--value", "postfix.service", NULL };
	char *out = NULL;

	if (wrapped < 0) {
		wrapped = vm_run(argv, NULL, &out) == 0 && out &&
			  !strncmp(out, "oneshot", 7);
		free(out);
	}
	return wrapped;
}

const char *service_unit(const char *name)
{
	if (!strcmp(name, "postfix") && service_have_systemd() &&
	    postfix_wrapped())
		return "postfix@-";
	return name;
}

/* systemctl VERB UNIT [--now]: the exit status. */
static int systemctl(const char *verb, const char *unit, bool now)
{
	const char *argv[] = { "systemctl", verb, "--quiet", unit,
			       now ? "--now" : NULL, NULL };

	return vm_run_quiet(argv);
}

static bool unit_active(const char *unit)
{
	return systemctl("is-active", unit, false) == 0;
}

static int failed(const struct daemon *d, const char *action, int rc)
{
	if (service_have_systemd())
		vm_err("could not %s %s (exit %d); see 'journalctl -u %s' and "
		       "/var/log/mail.log", action, d->name, rc,
		       service_unit(d->name));
	else
		vm_err("could not %s %s (exit %d); see %s", action, d->name, rc,
		       d->log);
	return -1;
}

/* One control action ("start", "reload", "stop"), by the back end in
 * use; failures are reported the same way for both. */
static int control(const struct daemon *d, const char *action)
{
	int rc;

	if (service_have_systemd()) {
		if (!strcmp(action, "reload") && d->systemd_restart)
			action = "restart";
		rc = systemctl(action, service_unit(d->name), false);
	} else if (!strcmp(action, "start")) {
		rc = d->start();
	} else if (!strcmp(action, "reload")) {
		rc = d->reload();
	} else {
		rc = d->stop();
	}
	return rc != 0 ? failed(d, action, rc) : 0;
}

/* control() of a start or reload, then the wait until the daemon has
 * taken effect (settle.h). */
static int control_settled(const struct daemon *d, const char *action)
{
	struct settle_snapshot snap;
	bool wait = settle_before(d->name, &snap);

	if (control(d, action) < 0)
		return -1;
	return wait ? settle_wait(&snap) : 0;
}

bool service_running(const char *name)
{
	const struct daemon *d = known(name);

	if (!d)
		return false;
	if (service_have_systemd())
		return unit_active(service_unit(name));
	return d->running();
}

int service_unit_enable(const char *unit)
{
	int rc;

	if (systemctl("is-enabled", unit, false) != 0 &&
	    (rc = systemctl("enable", unit, false)) != 0) {
		vm_err("could not enable %s (exit %d); see systemctl status %s",
		       unit, rc, unit);
		return -1;
	}
	if (unit_active(unit))
		return 0;
	if ((rc = systemctl("start", unit, false)) != 0) {
		vm_err("could not start %s (exit %d); see systemctl status %s",
		       unit, rc, unit);
		return -1;
	}
	return 1;
}

int service_unit_disable(const char *unit)
{
	bool was = unit_active(unit);
	int rc;

	if (systemctl("is-enabled", unit, false) == 0 &&
	    (rc = systemctl("disable", unit, false)) != 0) {
		vm_err("could not disable %s (exit %d)", unit, rc);
		return -1;
	}
	if (was && (rc = systemctl("stop", unit, false)) != 0) {
		vm_err("could not stop %s (exit %d)", unit, rc);
		return -1;
	}
	/* a unit that failed before it was turned off is not a failure now */
	(void)systemctl("reset-failed", unit, false);
	return was ? 1 : 0;
}

int service_start(const char *name)
{
	const struct daemon *d = known(name);
	const char *unit;
	int rc;

	if (!d)
		return -1;
	if (!service_have_systemd())
		return service_running(name) ? 0 :
		       control_settled(d, "start") < 0 ? -1 : 1;
	/* Enabled (it starts at boot), and running: the daemon's unit, not
	 * a wrapper that may be active while the daemon is not. */
	if (systemctl("is-enabled", name, false) != 0 &&
	    (rc = systemctl("enable", name, false)) != 0)
		return failed(d, "enable", rc);
	unit = service_unit(name);
	/* Postfix before 3.9: the wrapper too, so that it shows the state
	 * an administrator expects (it does nothing itself) */
	if (strcmp(unit, name) != 0 && !unit_active(name))
		(void)systemctl("start", name, false);
	if (unit_active(unit))
		return 0;
	return control_settled(d, "start") < 0 ? -1 : 1;
}

int service_enable(const char *name)
{
	const struct daemon *d = known(name);
	int rc;

	if (!d)
		return -1;
	if (service_have_systemd() && systemctl("is-enabled", name, false) != 0 &&
	    (rc = systemctl("enable", name, false)) != 0)
		return failed(d, "enable", rc);
	return 0;
}

int service_reload(const char *name)
{
	const struct daemon *d = known(name);

	if (!d)
		return -1;
	if (!service_running(name))
		return service_start(name) < 0 ? -1 : 0;
	return control_settled(d, "reload");
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
	int rc;

	if (!d)
		return -1;
	was = service_running(name);
	if (service_have_systemd()) {
		if (systemctl("is-enabled", name, false) == 0 &&
		    (rc = systemctl("disable", name, false)) != 0)
			return failed(d, "disable", rc);
		if (was && control(d, "stop") < 0)
			return -1;
		return was ? 1 : 0;
	}
	if (!was)
		return 0;
	return control(d, "stop") < 0 ? -1 : 1;
}

/* Flush Dovecot's auth cache for user (NULL = everyone) first, so that
 * a client the kick disconnects cannot log in again from the cache. */
void service_directory_changed(const char *user, bool kick)
{
	if (!service_running("dovecot"))
		return;
	const char *flush[] = { "doveadm", "auth", "cache", "flush", user, NULL };
	(void)vm_run_quiet(flush);
	if (kick && user)
		sessions_kick_user(user);
}

void service_domain_changed(const char *domain, bool kick)
{
	service_directory_changed(NULL, false);
	if (kick && service_running("dovecot"))
		sessions_kick_domain(domain);
	/* Each smtpd process remembers how it classified the addresses it
	 * has seen (a hosted domain, this host, elsewhere) for as long as it
	 * lives, up to minutes: after a reload every new connection starts
	 * afresh, and sessions under way finish as they are. */
	if (service_running("postfix"))
		(void)service_reload("postfix");
}
