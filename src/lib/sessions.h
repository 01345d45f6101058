/*
 * sessions.h - end the open IMAP, POP3 and ManageSieve sessions of a
 * Dovecot user, or of every user of a domain, when their credentials
 * change: a new password, a suspension, a deletion.
 *
 * service_directory_changed() and service_domain_changed() (service.h)
 * call these after flushing Dovecot's auth cache, so that a client that
 * reconnects at once must log in with what the directory says now.
 * Dovecot must run; both are best effort and print nothing.
 *
 * "doveadm kick" (Dovecot 2.3 and 2.4 alike, all three protocols: its
 * sessions are registered with anvil) takes a mask in which '*' and '?'
 * are wildcards.  "*@DOMAIN" is exactly the users of DOMAIN (a domain
 * name has neither).  A local part may contain both, though, and
 * kicking "a*b@example.com" would end other users' sessions: for such a
 * name the sessions are looked up in "doveadm who -1" instead, and their
 * processes get SIGTERM, as doveadm kick does it, unless a process also
 * serves someone else.
 */
#ifndef VMAIL_SESSIONS_H
#define VMAIL_SESSIONS_H

#include <stddef.h>
#include <sys/types.h>

void sessions_kick_user(const char *user);
void sessions_kick_domain(const char *domain);

/* Parse "doveadm who -1" output (a header line, then one line per
 * connection: user, service, pid, ip...): the pids of the processes
 * that serve user and nobody else, at most max of them, each once.
 * Returns how many. */
size_t sessions_pids(const char *who, const char *user, pid_t *pids,
		     size_t max);

#endif
