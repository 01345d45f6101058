/*
 * settle.c - wait until a daemon's start or reload has taken effect
 * (see settle.h): one rule per daemon, and a poll of /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/daemons.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"
#include "lib/settle.h"

#define STEP_US (50 * 1000)        /* polls are 50 ms apart */

struct settle_rule {
	const char *name;      /* the daemon, as service.h and daemons.c
				  name it */
	const char *comm;      /* the children a reload replaces (NULL:
				  all of them) */
	const char *what;      /* for the message: what did not happen */
	const char *host;      /* a TCP port that must answer, or NULL */
	const char *port;
	int seconds;           /* how long to wait at most */
	bool linger;           /* old children may still finish their work:
				  settled once each kind of them there was
				  (by process title) has a new one */
	const char *draining;  /* the title of an old child that no longer
				  takes new work, which counts as gone (NULL:
				  only gone is gone) */
};

static const struct settle_rule rules[] = {
	/* A reload spawns a new set of workers, which take all new
	 * connections at once; the old ones stop accepting and finish the
	 * sessions they hold (rspamd 3.12.1 keeps a proxy that has served
	 * a milter session for twice its task_timeout, 200 s here, through
	 * any number of further reloads): waiting for them to be gone would
	 * wait for nothing, and counting them would wait for ever.  Each
	 * kind of worker that ran before ("rspamd: normal process", from
	 * its title "rspamd: normal process (localhost:11333)") must run
	 * anew.  (A kind a new configuration dropped would never return:
	 * vmail's configurations keep the same set of workers.) */
	{ "rspamd", NULL,
	  "its new workers did not start, or its milter port does not "
	  "answer", SERVICE_RSPAMD_MILTER_HOST,
	  SERVICE_RSPAMD_MILTER_PORT, 90, true, NULL },
	{ "postfix", "qmgr",
	  "its queue manager was not restarted", NULL, NULL, 30, false,
	  NULL },
	/* Dovecot (shutdown_clients = no) keeps the sessions that run
	 * through a reload, and with them the old log process they write
	 * to: settled once a new log process runs. */
	{ "dovecot", "log",
	  "its log process was not restarted", NULL, NULL, 30, true,
	  NULL },
	/* nginx: the master starts new workers and tells the old ones to
	 * finish; an old one retitles itself "nginx: worker process is
	 * shutting down" and closes its listening sockets, then ends once
	 * its requests (and idle keep-alive connections) are done.  Settled
	 * when every old worker has ended or is shutting down: no new
	 * connection can reach the old configuration after that. */
	{ "nginx", NULL, "its old workers did not stop taking connections",
	  NULL, NULL, 30, false, "nginx: worker process is shutting down" },
};

/* The pid of the daemon's main process, or 0.  With systemd the unit's
 * MainPID, except for Postfix, whose unit may be Debian's oneshot
 * wrapper: its master's pid file (daemons.c), which it writes either
 * way. */
static pid_t main_pid(const struct settle_rule *r)
{
	const struct daemon *d = daemon_find(r->name);
	char *text = NULL, *end;
	long pid = 0;

	if (!service_have_systemd() || !strcmp(r->name, "postfix"))
		return d && d->pidfile ? daemon_pidfile_pid(d->pidfile) : 0;
	const char *argv[] = { "systemctl", "show", "--property=MainPID",
			       "--value", service_unit(r->name), NULL };

	if (vm_run(argv, NULL, &text) == 0 && text) {
		pid = strtol(text, &end, 10);
		if (end == text || pid <= 1 || (kill((pid_t)pid, 0) < 0 &&
						errno == ESRCH))
			pid = 0;
	}
	free(text);
	return (pid_t)pid;
}

size_t settle_children(pid_t pid, const char *comm, pid_t *pids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		char path[300], *stat, *open, *close;
		long ppid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if (!(stat = vm_read_file(path, NULL)))
			continue;
		/* "pid (comm) state ppid ...": comm may hold anything. */
		open = strchr(stat, '(');
		close = strrchr(stat, ')');
		if (open && close > open && close[1] == ' ' && close[2] &&
		    sscanf(close + 3, "%ld", &ppid) == 1 && ppid == pid &&
		    (!comm || ((size_t)(close - open - 1) == strlen(comm) &&
			       !strncmp(open + 1, comm, strlen(comm)))))
			pids[n++] = (pid_t)atol(e->d_name);
		free(stat);
	}
	closedir(d);
	return n;
}

static const struct settle_rule *rule_of(const char *name)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!strcmp(rules[i].name, name))
			return &rules[i];
	return NULL;
}

/* The process title of pid (its argv[0] after setproctitle(), as
 * rspamd's workers set it), into buf; false if it is gone. */
static bool proc_title(pid_t pid, char *buf, size_t size)
{
	char path[64], *text;
	size_t len;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	if (!(text = vm_read_file(path, &len)))
		return false;
	snprintf(buf, size, "%s", text);   /* up to the first NUL */
	free(text);
	return len > 0;
}

void settle_kind(const char *title, char *buf, size_t size)
{
	const char *open = strrchr(title, '(');
	size_t len = strlen(title);

	if (len && open && open > title && open[-1] == ' ' &&
	    title[len - 1] == ')')
		len = (size_t)(open - 1 - title);
	snprintf(buf, size, "%.*s", (int)len, title);
}

bool settle_kinds_renewed(const char *const *old, size_t nold,
			  const char *const *fresh, size_t nfresh)
{
	if (nfresh == 0)
		return false;
	for (size_t i = 0; i < nold; i++) {
		bool found = false;

		for (size_t j = 0; j < nfresh && !found; j++)
			found = !strcmp(old[i], fresh[j]);
		if (!found)
			return false;
	}
	return true;
}

/* The kind of worker pid is, into buf; false if it is gone, or is still
 * titled as the main process (just forked, not yet a worker). */
static bool worker_kind(pid_t pid, pid_t main, char *buf, size_t size)
{
	char title[256], main_title[256], main_kind[SETTLE_KIND_MAX];

	if (!proc_title(pid, title, sizeof title))
		return false;
	settle_kind(title, buf, size);
	if (proc_title(main, main_title, sizeof main_title)) {
		settle_kind(main_title, main_kind, sizeof main_kind);
		if (!strcmp(buf, main_kind))
			return false;
	}
	return true;
}

/* linger: the kinds of worker the main process pid has, once each. */
static void record_kinds(struct settle_snapshot *snap, pid_t pid)
{
	for (size_t i = 0; i < snap->n && snap->nkinds < SETTLE_MAX_KINDS; i++) {
		char kind[SETTLE_KIND_MAX];
		bool seen = false;

		if (!worker_kind(snap->old[i], pid, kind, sizeof kind))
			continue;
		for (size_t j = 0; j < snap->nkinds && !seen; j++)
			seen = !strcmp(snap->kinds[j], kind);
		if (!seen)
			snprintf(snap->kinds[snap->nkinds++], SETTLE_KIND_MAX,
				 "%s", kind);
	}
}

bool settle_before(const char *name, struct settle_snapshot *snap)
{
	pid_t pid;

	memset(snap, 0, sizeof *snap);
	if (!(snap->rule = rule_of(name)))
		return false;
	if ((pid = main_pid(snap->rule)) != 0) {
		snap->n = settle_children(pid, snap->rule->comm, snap->old,
					  SETTLE_MAX_PIDS);
		if (snap->rule->linger)
			record_kinds(snap, pid);
	}
	return true;
}

static bool port_answers(const char *host, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)atoi(port)) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = inet_pton(AF_INET, host, &sa.sin_addr) == 1 &&
	     connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return ok;
}

static bool in_snapshot(const struct settle_snapshot *snap, pid_t pid)
{
	for (size_t j = 0; j < snap->n; j++)
		if (snap->old[j] == pid)
			return true;
	return false;
}

/* linger: each kind of worker there was before has a new one (however
 * many old ones still finish their sessions); with none before, any new
 * worker will do. */
static bool kinds_renewed(const struct settle_snapshot *snap, pid_t pid,
			  const pid_t *now, size_t n)
{
	static char kinds[SETTLE_MAX_PIDS][SETTLE_KIND_MAX];
	const char *old[SETTLE_MAX_KINDS], *fresh[SETTLE_MAX_PIDS];
	size_t nfresh = 0;

	for (size_t i = 0; i < snap->nkinds; i++)
		old[i] = snap->kinds[i];
	for (size_t i = 0; i < n; i++) {
		if (in_snapshot(snap, now[i]) ||
		    !worker_kind(now[i], pid, kinds[nfresh], sizeof kinds[nfresh]))
			continue;
		fresh[nfresh] = kinds[nfresh];
		nfresh++;
	}
	return settle_kinds_renewed(old, snap->nkinds, fresh, nfresh);
}

static bool settled(const struct settle_snapshot *snap)
{
	const struct settle_rule *r = snap->rule;
	pid_t now[SETTLE_MAX_PIDS], pid = main_pid(r);
	size_t n;

	if (!pid || !(n = settle_children(pid, r->comm, now, SETTLE_MAX_PIDS)))
		return false;
	if (r->linger) {
		if (!kinds_renewed(snap, pid, now, n))
			return false;
	} else {
		size_t fresh = 0;

		for (size_t i = 0; i < n; i++) {
			char title[256];

			if (!in_snapshot(snap, now[i]))
				fresh++;
			else if (!r->draining ||
				 (proc_title(now[i], title, sizeof title) &&
				  strcmp(title, r->draining)))
				return false;
		}
		if (!fresh)
			return false;
	}
	return !r->host || port_answers(r->host, r->port);
}

int settle_wait(const struct settle_snapshot *snap)
{
	const struct settle_rule *r = snap->rule;
	const struct daemon *d = daemon_find(r->name);

	for (long waited = 0; waited <= r->seconds * 1000000L;
	     waited += STEP_US) {
		if (settled(snap))
			return 0;
		usleep(STEP_US);
	}
	if (service_have_systemd())
		vm_err("%s has not taken its new configuration in %d s: %s; "
		       "see 'journalctl -u %s'", r->name, r->seconds, r->what,
		       service_unit(r->name));
	else
		vm_err("%s has not taken its new configuration in %d s: %s; "
		       "see %s", r->name, r->seconds, r->what,
		       d ? d->log : "its log");
	return -1;
}
