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
 *     master's pid file telling whether it runs;
 *     rspamd and redis-server are started as their users (setpriv, with
 *     their supplementary groups, as systemd's User= does).  rspamd
 *     daemonises by itself and reloads on SIGHUP; redis-server reads
 *     /etc/redis/vmail.conf, which makes it daemonise there; Redis cannot reload, so "reload" restarts it.  Both
 *     stop on SIGTERM; their pid files tell whether they run.
 *     clamd ("clamav-daemon") is started as user clamav and daemonises;
 *     loading its signatures takes from a second to a minute, so
 *     starting waits until its socket answers PING.  It runs while the
 *     socket answers; its pid (for SIGTERM, SIGHUP) comes from the
 *     socket itself (SO_PEERCRED), whatever PidFile clamd.conf names.
 * Output of the control programs is discarded; on failure the caller
 * gets -1 and a message pointing at the logs.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/service.h"
#include "lib/util.h"

#define DOVECOT_PIDFILE "/run/dovecot/master.pid"
#define RSPAMD_PIDFILE "/run/rspamd/rspamd.pid"
#define REDIS_PIDFILE "/run/redis/redis-server.pid"
#define REDIS_CONF "/etc/redis/vmail.conf"
#define WAIT_STEPS 200            /* of 50 ms: 10 s */
#define CLAMD_WAIT_STEPS 3600     /* of 50 ms: 3 min (full signatures) */

bool service_have_systemd(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_postfix(const char *name) { return !strcmp(name, "postfix"); }
static bool is_dovecot(const char *name) { return !strcmp(name, "dovecot"); }
static bool is_rspamd(const char *name) { return !strcmp(name, "rspamd"); }
static bool is_redis(const char *name) { return !strcmp(name, "redis-server"); }
static bool is_clamd(const char *name) { return !strcmp(name, "clamav-daemon"); }

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

/* The live process the pid file names, or 0. */
static pid_t pidfile_pid(const char *path)
{
	char *text = vm_read_file(path, NULL);
	if (!text)
		return 0;
	char *end;
	long pid = strtol(text, &end, 10);
	bool malformed = pid <= 1 || (*end != '\n' && *end != '\0');
	free(text);
	if (malformed)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM ? (pid_t)pid : 0;
}

static bool pidfile_alive(const char *path)
{
	return pidfile_pid(path) != 0;
}

/* Wait until the pid file names a live process (want) or none (!want). */
static bool wait_pidfile(const char *path, bool want)
{
	for (int i = 0; i < WAIT_STEPS; i++) {
		if (pidfile_alive(path) == want)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* The run-time directory a daemon writes its pid file (and socket) to:
 * /run is a tmpfs, and without systemd nobody else makes it. */
static int run_dir(const char *dir, const char *user, mode_t mode)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		vm_err("the user '%s' does not exist", user);
		return -1;
	}
	return vm_ensure_dir(dir, mode, pw->pw_uid, pw->pw_gid) < 0 ? -1 : 0;
}

static int start_rspamd(void)
{
	const char *argv[] = { "setpriv", "--reuid=_rspamd", "--regid=_rspamd",
			       "--init-groups", "rspamd", "-c",
			       "/etc/rspamd/rspamd.conf", NULL };

	if (run_dir("/run/rspamd", "_rspamd", 0755) < 0 ||
	    vm_run_quiet(argv) != 0)
		return -1;
	return wait_pidfile(RSPAMD_PIDFILE, true) ? 0 : -1;
}

static int start_redis(void)
{
	const char *argv[] = { "setpriv", "--reuid=redis", "--regid=redis",
			       "--init-groups", "redis-server", REDIS_CONF,
			       NULL };

	if (run_dir("/run/redis", "redis", 02755) < 0 ||
	    vm_run_quiet(argv) != 0)
		return -1;
	return wait_pidfile(REDIS_PIDFILE, true) ? 0 : -1;
}

/* ---- clamd ---------------------------------------------------------- */

/* A connection to clamd's socket, or -1. */
static int clamd_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	vm_strlcpy(sa.sun_path, SERVICE_CLAMD_SOCKET, sizeof sa.sun_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Does clamd answer "zPING" with "PONG"? */
static bool clamd_answers(void)
{
	struct timeval tv = { .tv_sec = 5 };
	char reply[16] = "";
	ssize_t n;
	int fd = clamd_connect();

	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	n = write(fd, "zPING", 6) == 6 ? read(fd, reply, sizeof reply - 1) : -1;
	close(fd);
	return n >= 4 && !strncmp(reply, "PONG", 4);
}

/* The pid of the process behind clamd's socket, or 0. */
static pid_t clamd_pid(void)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	int fd = clamd_connect();
	pid_t pid = 0;

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		pid = cred.pid;
	close(fd);
	return pid;
}

static int start_clamd(void)
{
	const char *argv[] = { "setpriv", "--reuid=clamav", "--regid=clamav",
			       "--init-groups", "clamd", "--foreground=no",
			       NULL };

	if (run_dir("/run/clamav", "clamav", 0755) < 0 ||
	    vm_run_quiet(argv) != 0)
		return -1;
	for (int i = 0; i < CLAMD_WAIT_STEPS; i++) {
		if (clamd_answers())
			return 0;
		usleep(50 * 1000);
	}
	return -1;
}

static int signal_clamd(int sig)
{
	pid_t pid = clamd_pid();

	if (pid <= 1)
		return 0;
	if (kill(pid, sig) < 0)
		return -1;
	for (int i = 0; sig == SIGTERM && i < WAIT_STEPS; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 0;
		usleep(50 * 1000);
	}
	return sig == SIGTERM ? -1 : 0;
}

/* ---- pid files -------------------------------------------------------- */

/* Signal the process of a pid file; for SIGTERM wait until it is gone. */
static int signal_pidfile(const char *path, int sig)
{
	pid_t pid = pidfile_pid(path);

	if (pid == 0)
		return 0;
	if (kill(pid, sig) < 0)
		return -1;
	if (sig != SIGTERM)
		return 0;
	for (int i = 0; i < WAIT_STEPS; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 0;
		usleep(50 * 1000);
	}
	return -1;
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
	if (is_rspamd(name))
		return pidfile_alive(RSPAMD_PIDFILE);
	if (is_redis(name))
		return pidfile_alive(REDIS_PIDFILE);
	if (is_clamd(name))
		return clamd_answers();
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
	if (is_rspamd(name)) {
		if (!strcmp(action, "start"))
			return start_rspamd();
		return signal_pidfile(RSPAMD_PIDFILE,
				      !strcmp(action, "reload") ? SIGHUP
								: SIGTERM);
	}
	if (is_redis(name)) {
		if (signal_pidfile(REDIS_PIDFILE, SIGTERM) < 0)
			return -1;
		return !strcmp(action, "stop") ? 0 : start_redis();
	}
	if (is_clamd(name)) {
		if (!strcmp(action, "start"))
			return start_clamd();
		/* SIGUSR2 makes clamd reload its signatures. */
		return signal_clamd(!strcmp(action, "reload") ? SIGUSR2
							    : SIGTERM);
	}
	if (!strcmp(action, "stop") || !strcmp(action, "disable"))
		return 0;       /* e.g. freshclam: only run under systemd */
	vm_err("unknown service '%s'", name);
	return -1;
}

static const char *log_hint(const char *name)
{
	if (is_rspamd(name))
		return "/var/log/rspamd/rspamd.log";
	if (is_redis(name))
		return service_have_systemd() ? "journalctl -u redis-server" :
						"/var/log/redis/redis-server.log";
	if (is_clamd(name))
		return "/var/log/clamav/clamav.log";
	if (service_have_systemd())
		return is_postfix(name) ? "journalctl -u postfix@-" :
					  "journalctl -u dovecot";
	return is_postfix(name) ? "/var/log/mail.log" : "/var/log/dovecot.log";
}

/* Run one control action and report failure uniformly. */
static int control(const char *name, const char *action)
{
	/* Redis has no reload: a new configuration needs a restart. */
	if (is_redis(name) && !strcmp(action, "reload") &&
	    service_have_systemd())
		action = "restart";
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

int service_disable(const char *name)
{
	if (service_have_systemd()) {
		const char *argv[] = { "systemctl", "disable", "--now",
				       "--quiet", name, NULL };
		bool was = service_running(name);

		if (vm_run_quiet(argv) != 0) {
			vm_err("could not disable %s; see journalctl -u %s",
			       name, name);
			return -1;
		}
		return was ? 1 : 0;
	}
	if (!service_running(name))
		return 0;
	return control(name, "stop") < 0 ? -1 : 1;
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
