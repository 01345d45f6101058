/*
 * sessions.c - end a Dovecot user's or a domain's open sessions with
 * "doveadm kick", or for a user whose name doveadm would read as a
 * mask, by signalling the processes "doveadm who -1" lists (see
 * sessions.h).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/process.h"
#include "lib/sessions.h"
#include "lib/str.h"
#include "lib/validate.h"

#define MAX_PIDS 256

static void doveadm_kick(const char *mask)
{
	const char *argv[] = { "doveadm", "kick", mask, NULL };

	(void)vm_run_quiet(argv);
}

/* One connection line of "doveadm who -1": its user and pid. */
static bool who_line(const char *line, size_t len, char *user,
		     size_t usersize, pid_t *pid)
{
	char buf[512], *save = NULL, *u, *svc, *p, *end;
	long n;

	if (len >= sizeof buf)
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (!(u = strtok_r(buf, " \t", &save)) ||
	    !(svc = strtok_r(NULL, " \t", &save)) ||
	    !(p = strtok_r(NULL, " \t", &save)))
		return false;
	n = strtol(p, &end, 10);
	if (*end || n <= 1 || n > 0x7fffffff)
		return false;
	*pid = (pid_t)n;
	return vm_strlcpy(user, u, usersize);
}

/* Does pids[0..n) hold pid? */
static bool has_pid(const pid_t *pids, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

size_t sessions_pids(const char *who, const char *user, pid_t *pids,
		     size_t max)
{
	pid_t shared[MAX_PIDS];
	size_t n = 0, nshared = 0, kept = 0;
	bool first = true;

	for (const char *l = who; *l;) {
		size_t len = strcspn(l, "\n");
		char u[VM_ADDRESS_MAX + 2];
		pid_t pid;

		/* The first line names the columns. */
		if (!first && who_line(l, len, u, sizeof u, &pid)) {
			if (!strcmp(u, user)) {
				if (n < max && !has_pid(pids, n, pid))
					pids[n++] = pid;
			} else if (nshared < MAX_PIDS &&
				   !has_pid(shared, nshared, pid)) {
				shared[nshared++] = pid;
			}
		}
		first = false;
		l += len + (l[len] == '\n');
	}
	for (size_t i = 0; i < n; i++)
		if (!has_pid(shared, nshared, pids[i]))
			pids[kept++] = pids[i];
	return kept;
}

void sessions_kick_user(const char *user)
{
	const char *argv[] = { "doveadm", "who", "-1", NULL };
	pid_t pids[MAX_PIDS];
	char *out = NULL;
	size_t n;

	if (!strpbrk(user, "*?")) {
		doveadm_kick(user);
		return;
	}
	if (vm_run(argv, NULL, &out) == 0 && out) {
		n = sessions_pids(out, user, pids, MAX_PIDS);
		for (size_t i = 0; i < n; i++)
			(void)kill(pids[i], SIGTERM);
	}
	free(out);
}

void sessions_kick_domain(const char *domain)
{
	char mask[VM_DOMAIN_MAX + 3];

	if (vm_snprintf(mask, sizeof mask, "*@%s", domain))
		doveadm_kick(mask);
}
