/*
 * daemons.h - how each daemon is driven when there is no systemd
 * (containers, test roots): one row per daemon, used only by service.c.
 *
 * Every row answers the same questions: does it run, and how is it
 * started, reloaded and stopped; where does it log.  Adding a daemon
 * means adding a row in daemons.c (and its unit name to service.h).
 */
#ifndef VMAIL_DAEMONS_H
#define VMAIL_DAEMONS_H

#include <stdbool.h>

struct daemon {
	const char *name;          /* the systemd unit name, "postfix" ... */
	const char *log;           /* its log file without systemd */
	bool systemd_restart;      /* systemd: no reload, restart instead */
	bool (*running)(void);
	int (*start)(void);        /* 0 started, -1 failed */
	int (*reload)(void);
	int (*stop)(void);
};

/* The row for a unit name, or NULL. */
const struct daemon *daemon_find(const char *name);

#endif
