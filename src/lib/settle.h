/*
 * settle.h - wait until a daemon's start or reload has taken effect.
 *
 * A reload is a signal: "systemctl reload" (ExecReload= sends SIGHUP),
 * "postfix reload", "doveadm reload" and kill -HUP all return once the
 * signal is sent, and the daemon applies its new configuration after
 * that, in its own time:
 *   rspamd   starts new workers with the new settings, and stops the
 *            old ones once they have finished what they were doing: a
 *            second or more, during which a message may be scanned by
 *            either (greylisted, say, just after greylisting was turned
 *            off);
 *   postfix  the master re-reads its configuration and replaces its
 *            children as they become idle (qmgr and pickup at once);
 *            every new connection gets a new smtpd;
 *   dovecot  the master re-reads its configuration and replaces its
 *            service processes (the log process among them); new
 *            logins get processes with the new settings;
 *   nginx    the master starts new workers and lets the old ones
 *            finish the requests they hold.
 * A start, too, returns before the daemon serves (systemd's Type=simple
 * rspamd).  service.c therefore waits after each start or reload of
 * these daemons until it has settled: the processes of the kind named in
 * settle.c that its main process had before have all gone and one runs
 * again (for rspamd, whose old workers may linger for minutes: each kind
 * of worker that ran before runs anew), and for rspamd its milter port
 * answers.  The wait is bounded;
 * a daemon that does not settle is an error, with a pointer to its log.
 *
 *	struct settle_snapshot snap;
 *	bool wait = settle_before("rspamd", &snap);
 *	...reload...
 *	if (wait && settle_wait(&snap) < 0) ...     (printed)
 */
#ifndef VMAIL_SETTLE_H
#define VMAIL_SETTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SETTLE_MAX_PIDS 128
#define SETTLE_MAX_KINDS 16
#define SETTLE_KIND_MAX 96

struct settle_rule;

struct settle_snapshot {
	const struct settle_rule *rule;
	pid_t old[SETTLE_MAX_PIDS];   /* the processes to be replaced */
	size_t n;
	/* For a rule whose old workers linger (rspamd): the kinds of worker
	 * there were, each of which must run anew. */
	char kinds[SETTLE_MAX_KINDS][SETTLE_KIND_MAX];
	size_t nkinds;
};

/* Before a start or reload of name: false if there is nothing to wait
 * for afterwards (a daemon without a rule here). */
bool settle_before(const char *name, struct settle_snapshot *snap);
/* After it: 0 once settled, -1 if it did not within the rule's time
 * (printed). */
int settle_wait(const struct settle_snapshot *snap);

/* A worker's kind: its process title without the address it listens on
 * ("rspamd: normal process (localhost:11333)" is "rspamd: normal
 * process"), so a new bind address is still the same kind. */
void settle_kind(const char *title, char *buf, size_t size);
/* For a rule whose old children may linger (rspamd): true if each of
 * the old kinds is among the new workers' kinds (and there is a new
 * worker).  Pure, for the unit test. */
bool settle_kinds_renewed(const char *const *old, size_t nold,
			  const char *const *fresh, size_t nfresh);

/* The children of pid whose name (comm) is comm (NULL: all), into pids
 * (at most max); how many.  From /proc. */
size_t settle_children(pid_t pid, const char *comm, pid_t *pids, size_t max);

#endif
