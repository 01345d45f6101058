/*
 * daemons.c - direct control of each daemon, for machines without
 * systemd (containers, the test roots).  service.c uses systemctl when
 * PID 1 is systemd and the rows of this table otherwise.
 *
 *   postfix        "postfix start|reload|stop|status"
 *   dovecot        "dovecot" (daemonises), "doveadm reload|stop"; the
 *                  master's pid file tells whether it runs
 *   rspamd         started as _rspamd (setpriv, with its supplementary
 *                  groups, as systemd's User= does); daemonises;
 *                  SIGHUP reloads, SIGTERM stops; pid file
 *   redis-server   started as redis with /etc/redis/vmail.conf, which
 *                  makes it daemonise; it cannot reload, so "reload"
 *                  restarts it; pid file
 *   nginx          the web front: "nginx" (daemonises), "nginx -s
 *                  reload" (graceful), SIGTERM stops; pid file
 *   clamav-daemon  clamd as clamav; loading signatures takes from a
 *                  second to minutes, so starting waits until its
 *                  socket answers PING; it runs while the socket
 *                  answers, and its pid (for signals) comes from the
 *                  socket itself (SO_PEERCRED), whatever PidFile
 *                  clamd.conf names; SIGUSR2 reloads signatures
 *   clamav-freshclam  not run at all without systemd (no timer to run
 *                  it; the test roots have no internet)
 *   spamd          SpamAssassin's daemon ([spam] engine = spamassassin):
 *                  started as root with service_spamd_options (it drops
 *                  to debian-spamd itself) and --syslog to a file;
 *                  compiling its rules takes seconds, so starting waits
 *                  until its port accepts connections; pid file; SIGHUP
 *                  re-reads its configuration, SIGTERM stops
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "lib/daemons.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"
#include "lib/str.h"

#define POSTFIX_PIDFILE "/var/spool/postfix/pid/master.pid"
#define DOVECOT_PIDFILE "/run/dovecot/master.pid"
#define RSPAMD_PIDFILE "/run/rspamd/rspamd.pid"
#define REDIS_PIDFILE "/run/redis/redis-server.pid"
#define REDIS_CONF "/etc/redis/vmail.conf"
#define STEP_US (50 * 1000)       /* polls are 50 ms apart */
#define WAIT_STEPS 200            /* 10 s */
#define CLAMD_WAIT_STEPS 3600     /* 3 min (full signatures) */
#define SPAMD_WAIT_STEPS 2400     /* 2 min (compiling the rules) */
#define SPAMD_LOG "/var/log/spamd.log"
#define NGINX_PIDFILE "/run/nginx.pid"

/* How spamd runs, with systemd (the drop-in, setup_spamd.c) and
 * without (below): on 127.0.0.1 only, as debian-spamd (the Debian
 * package's user, whose home /var/lib/spamassassin holds the Bayes
 * database), with the site configuration only (/etc/spamassassin, no
 * per-user preferences: rspamd asks for every recipient at once), and
 * learning (spamc -L) allowed from this machine. */
const char *const service_spamd_options[] = {
	"--pidfile=" SERVICE_SPAMD_PIDFILE,
	"--username=debian-spamd",
	"--groupname=debian-spamd",
	"--helper-home-dir=/var/lib/spamassassin",
	"--nouser-config",
	"--listen=" SERVICE_SPAMD_HOST ":" SERVICE_SPAMD_PORT,
	"--allowed-ips=127.0.0.1",
	"--allow-tell",
	"--max-children=5",
	NULL,
};

/* ---- helpers ---------------------------------------------------------- */

static int run(const char *a0, const char *a1)
{
	const char *argv[] = { a0, a1, NULL };
	return vm_run_quiet(argv) == 0 ? 0 : -1;
}

pid_t daemon_pidfile_pid(const char *path)
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

/* Wait until the pid file names a live process. */
static bool wait_pidfile(const char *path)
{
	for (int i = 0; i < WAIT_STEPS; i++) {
		if (daemon_pidfile_pid(path) != 0)
			return true;
		usleep(STEP_US);
	}
	return false;
}

/* Send sig to pid (0 = not running: nothing to do); for SIGTERM wait
 * until the process is gone. */
static int signal_pid(pid_t pid, int sig)
{
	if (pid <= 1)
		return 0;
	if (kill(pid, sig) < 0)
		return -1;
	if (sig != SIGTERM)
		return 0;
	for (int i = 0; i < WAIT_STEPS; i++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 0;
		usleep(STEP_US);
	}
	return -1;
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

/* Run a daemonising program as user (uid, gid and groups). */
static int run_as(const char *user, const char *const prog[])
{
	char reuid[64], regid[64];
	const char *argv[16] = { "setpriv", reuid, regid, "--init-groups" };
	size_t n = 4;

	if (!vm_snprintf(reuid, sizeof reuid, "--reuid=%s", user) ||
	    !vm_snprintf(regid, sizeof regid, "--regid=%s", user))
		return -1;
	for (size_t i = 0; prog[i] && n < 15; i++)
		argv[n++] = prog[i];
	argv[n] = NULL;
	return vm_run_quiet(argv) == 0 ? 0 : -1;
}

/* ---- postfix, dovecot ---------------------------------------------------- */

static bool postfix_running(void) { return run("postfix", "status") == 0; }
static int postfix_start(void) { return run("postfix", "start"); }
static int postfix_reload(void) { return run("postfix", "reload"); }
static int postfix_stop(void) { return run("postfix", "stop"); }

static bool dovecot_running(void) { return daemon_pidfile_pid(DOVECOT_PIDFILE) != 0; }
static int dovecot_start(void) { return run("dovecot", NULL); }
static int dovecot_reload(void) { return run("doveadm", "reload"); }
static int dovecot_stop(void) { return run("doveadm", "stop"); }

/* ---- rspamd, redis ----------------------------------------------------- */

static bool rspamd_running(void) { return daemon_pidfile_pid(RSPAMD_PIDFILE) != 0; }

static int rspamd_start(void)
{
	const char *prog[] = { "rspamd", "-c", "/etc/rspamd/rspamd.conf", NULL };

	if (run_dir("/run/rspamd", "_rspamd", 0755) < 0 ||
	    run_as("_rspamd", prog) < 0)
		return -1;
	return wait_pidfile(RSPAMD_PIDFILE) ? 0 : -1;
}

static int rspamd_reload(void)
{
	return signal_pid(daemon_pidfile_pid(RSPAMD_PIDFILE), SIGHUP);
}

static int rspamd_stop(void)
{
	return signal_pid(daemon_pidfile_pid(RSPAMD_PIDFILE), SIGTERM);
}

static bool redis_running(void) { return daemon_pidfile_pid(REDIS_PIDFILE) != 0; }

static int redis_start(void)
{
	const char *prog[] = { "redis-server", REDIS_CONF, NULL };

	if (run_dir("/run/redis", "redis", 02755) < 0 ||
	    run_as("redis", prog) < 0)
		return -1;
	return wait_pidfile(REDIS_PIDFILE) ? 0 : -1;
}

static int redis_stop(void)
{
	return signal_pid(daemon_pidfile_pid(REDIS_PIDFILE), SIGTERM);
}

static int redis_restart(void)
{
	return redis_stop() < 0 ? -1 : redis_start();
}

/* ---- clamd ------------------------------------------------------------- */

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
static bool clamd_running(void)
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

static int clamd_start(void)
{
	const char *prog[] = { "clamd", "--foreground=no", NULL };

	if (run_dir("/run/clamav", "clamav", 0755) < 0 ||
	    run_as("clamav", prog) < 0)
		return -1;
	for (int i = 0; i < CLAMD_WAIT_STEPS; i++) {
		if (clamd_running())
			return 0;
		usleep(STEP_US);
	}
	return -1;
}

/* SIGUSR2 makes clamd reload its signatures. */
static int clamd_reload(void) { return signal_pid(clamd_pid(), SIGUSR2); }
static int clamd_stop(void) { return signal_pid(clamd_pid(), SIGTERM); }

/* ---- spamd ------------------------------------------------------------- */

/* Does spamd's port accept a connection? */
static bool spamd_listens(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(atoi(SERVICE_SPAMD_PORT)) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	inet_pton(AF_INET, SERVICE_SPAMD_HOST, &sa.sin_addr);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static bool spamd_running(void)
{
	return daemon_pidfile_pid(SERVICE_SPAMD_PIDFILE) != 0;
}

static int spamd_start(void)
{
	const char *argv[16] = { "spamd", "--daemonize",
				 "--syslog=" SPAMD_LOG };
	size_t n = 3;

	for (size_t i = 0; service_spamd_options[i] && n < 15; i++)
		argv[n++] = service_spamd_options[i];
	argv[n] = NULL;
	if (vm_run_quiet(argv) != 0)
		return -1;
	for (int i = 0; i < SPAMD_WAIT_STEPS; i++) {
		if (spamd_running() && spamd_listens())
			return 0;
		usleep(STEP_US);
	}
	return -1;
}

static int spamd_reload(void)
{
	return signal_pid(daemon_pidfile_pid(SERVICE_SPAMD_PIDFILE), SIGHUP);
}

static int spamd_stop(void)
{
	return signal_pid(daemon_pidfile_pid(SERVICE_SPAMD_PIDFILE), SIGTERM);
}

/* ---- nginx ------------------------------------------------------------ */

static bool nginx_running(void) { return daemon_pidfile_pid(NGINX_PIDFILE) != 0; }

static int nginx_start(void)
{
	if (run("nginx", NULL) < 0)
		return -1;
	return wait_pidfile(NGINX_PIDFILE) ? 0 : -1;
}

static int nginx_reload(void)
{
	const char *argv[] = { "nginx", "-s", "reload", NULL };

	return vm_run_quiet(argv) == 0 ? 0 : -1;
}

static int nginx_stop(void)
{
	return signal_pid(daemon_pidfile_pid(NGINX_PIDFILE), SIGTERM);
}

/* ---- freshclam: only under systemd ---------------------------------------- */

static bool never(void) { return false; }
static int nothing(void) { return 0; }

/* ---- the table ----------------------------------------------------------- */

static const struct daemon daemons[] = {
	{ "postfix", "/var/log/mail.log", POSTFIX_PIDFILE, false,
	  postfix_running, postfix_start, postfix_reload, postfix_stop },
	{ "dovecot", "/var/log/dovecot.log", DOVECOT_PIDFILE, false,
	  dovecot_running, dovecot_start, dovecot_reload, dovecot_stop },
	{ "nginx", "/var/log/nginx/error.log", NGINX_PIDFILE, false,
	  nginx_running, nginx_start, nginx_reload, nginx_stop },
	{ "rspamd", "/var/log/rspamd/rspamd.log", RSPAMD_PIDFILE, false,
	  rspamd_running, rspamd_start, rspamd_reload, rspamd_stop },
	{ "redis-server", "/var/log/redis/redis-server.log", REDIS_PIDFILE,
	  true, redis_running, redis_start, redis_restart, redis_stop },
	{ "clamav-daemon", "/var/log/clamav/clamav.log", NULL, false,
	  clamd_running, clamd_start, clamd_reload, clamd_stop },
	{ "clamav-freshclam", "/var/log/clamav/freshclam.log", NULL, false,
	  never, nothing, nothing, nothing },
	{ "spamd", SPAMD_LOG, SERVICE_SPAMD_PIDFILE, false,
	  spamd_running, spamd_start, spamd_reload, spamd_stop },
};

const struct daemon *daemon_find(const char *name)
{
	for (size_t i = 0; i < sizeof daemons / sizeof daemons[0]; i++)
		if (!strcmp(daemons[i].name, name))
			return &daemons[i];
	return NULL;
}
