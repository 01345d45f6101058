/*
 * service.h - the one place that starts, reloads and checks daemons.
 *
 * When PID 1 is systemd (/run/systemd/system exists) it uses systemctl.
 * Otherwise (containers, test roots) it drives the daemons directly:
 * "postfix start|reload|stop|status", "dovecot", "doveadm reload|stop".
 * Names are the systemd unit names without ".service": "postfix",
 * "dovecot", "rspamd", "redis-server", "clamav-daemon",
 * "clamav-freshclam", "spamd", "nginx" (without systemd: rspamd,
 * redis-server and clamd are started as daemons under their own users, spamd drops to
 * its own, and freshclam is not run at all; see daemons.c).
 */
#ifndef VMAIL_SERVICE_H
#define VMAIL_SERVICE_H

#include <stdbool.h>

bool service_have_systemd(void);
/* With systemd, the unit whose process is the daemon name: name itself,
 * but "postfix@-" where postfix.service is Debian's oneshot wrapper of
 * it (Postfix before 3.9; see service.c).  Drop-ins that change how the
 * daemon runs belong to this unit. */
const char *service_unit(const char *name);
bool service_running(const char *name);
/* Start if not running; on systemd also enable it (so that it starts at
 * boot) if it is not.  1 started, 0 already running, -1 error. */
int service_start(const char *name);
/* systemd: enable without starting (it starts at boot, or when something
 * starts it); no-op without systemd.  0 or -1 (printed). */
int service_enable(const char *name);
/* Reload configuration of a running service (start it if stopped).
 * Starts and reloads of rspamd, Postfix and Dovecot return only once
 * they have taken effect (settle.h). */
int service_reload(const char *name);
int service_stop(const char *name);
/* Stop, and with systemd also disable (so it does not come back at
 * boot).  1 stopped, 0 was not running, -1 error. */
int service_disable(const char *name);

/* systemd only: any unit by its full name ("vmail-clamav-signatures.path"),
 * enabled and started (1 started, 0 was running), or disabled and
 * stopped (1 stopped, 0 was not running); -1 error (printed). */
int service_unit_enable(const char *unit);
int service_unit_disable(const char *unit);

/* spamd ([spam] engine = spamassassin): where rspamd finds it, its pid
 * file, and the options it runs with (NULL-terminated; both back ends
 * use them: daemons.c directly, setup_spamd.c in the systemd drop-in). */
#define SERVICE_SPAMD_HOST "127.0.0.1"
#define SERVICE_SPAMD_PORT "783"
#define SERVICE_SPAMD_PIDFILE "/run/spamd.pid"
extern const char *const service_spamd_options[];

/* rspamd's milter (the proxy worker; templates/rspamd/worker-proxy.inc
 * and Postfix's smtpd_milters). */
#define SERVICE_RSPAMD_MILTER_HOST "127.0.0.1"
#define SERVICE_RSPAMD_MILTER_PORT "11332"

/* clamd's socket (Debian's LocalSocket in /etc/clamav/clamd.conf). */
#define SERVICE_CLAMD_SOCKET "/run/clamav/clamd.ctl"

/* Make a directory change visible at once: flush Dovecot's auth cache
 * for user (NULL = everyone) if Dovecot runs; then, if kick is set (a
 * new password, a suspension, a deletion), end user's IMAP, POP3 and
 * ManageSieve sessions (sessions.h).  Best effort; never fails the
 * caller.  service_domain_changed: the same for a whole domain (added,
 * deleted, suspended, resumed): flush everyone, kick its every user if
 * kick is set, and reload Postfix, whose smtpd processes would
 * otherwise go on treating the domain's addresses as before. */
void service_directory_changed(const char *user, bool kick);
void service_domain_changed(const char *domain, bool kick);

#endif
