/*
 * daemons.h - how each daemon is driven when there is no systemd
 * (containers, test roots): one row per daemon, used by service.c (and
 * by settle.c, for the main process and the log).
 *
 * Every row answers the same questions: does it run, and how is it
 * started, reloaded and stopped; where does it log.  Adding a daemon
 * means adding a row in daemons.c (and its unit name to service.h).
 */
#ifndef VMAIL_DAEMONS_H
#define VMAIL_DAEMONS_H

#include <stdbool.h>
#include <sys/types.h>

struct daemon {
	const char *name;          /* the systemd unit name, "postfix" ... */
	const char *log;           /* its log file without systemd */
	const char *pidfile;       /* its main process's pid file, or NULL */
	bool systemd_restart;      /* systemd: no reload, restart instead */
	bool (*running)(void);
	int (*start)(void);        /* 0 started, -1 failed */
	int (*reload)(void);
	int (*stop)(void);
};

/* The row for a unit name, or NULL. */
const struct daemon *daemon_find(const char *name);
/* The live process the pid file names, or 0. */
pid_t daemon_pidfile_pid(const char *path);

#endif
