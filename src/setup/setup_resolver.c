/*
 * setup_resolver.c - the resolvers of outgoing mail (docs/outbound-tls.md):
 *
 *   unbound                   a DNSSEC-validating resolver on 127.0.0.1
 *                             (its file from templates/unbound, rendered
 *                             by setup_render.c): Postfix's DANE needs
 *                             answers it can trust, with the AD bit set
 *                             by a validator on this machine;
 *   /etc/resolv.conf          "nameserver 127.0.0.1" with "options
 *                             trust-ad" (glibc passes the AD bit on only
 *                             then), once unbound answers.  A symlink
 *                             there (Ubuntu's systemd-resolved stub,
 *                             resolvconf) is replaced by a file: Postfix
 *                             reads this file itself (libresolv), and a
 *                             stub on 127.0.0.53 would not validate.
 *                             systemd-resolved may keep running for the
 *                             programs that use it through NSS; nothing
 *                             of vmail does;
 *   postfix-mta-sts-resolver  the MTA-STS policy lookup Postfix asks
 *                             (smtp_tls_policy_maps), as the package's
 *                             user _mta-sts on 127.0.0.1:8461 (its file
 *                             from templates/mta-sts);
 *   vmail-tls-policy.socket   the policy map Postfix asks first
 *                             ("vmailctl tls-policy" on 127.0.0.1:8462,
 *                             cmd_tls_policy.c): "dane" for a domain
 *                             with validated TLSA records, so that DANE
 *                             comes before MTA-STS.
 *
 * With systemd only: without it (containers) vmail starts neither
 * daemon, leaves /etc/resolv.conf alone, and main.cf has no MTA-STS
 * lookup (setup_render.c).  Used by cmd_setup.c before Postfix is
 * started or reloaded, so that Postfix's next deliveries use them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"

#define UNBOUND "unbound"
#define MTA_STS "postfix-mta-sts-resolver"
#define ANSWER_TRIES 50           /* 0.2 s each: 10 s */

const char setup_resolv_conf_text[] =
	"# /etc/resolv.conf - written by \"vmailctl setup\".\n"
	"#\n"
	"# unbound on this machine resolves and validates DNSSEC (see\n"
	"# /etc/unbound/unbound.conf.d/vmail.conf): Postfix's DANE checks of\n"
	"# outgoing mail need answers it can trust.  trust-ad: glibc passes\n"
	"# the resolver's \"authentic data\" bit on to programs only with it.\n"
	"nameserver 127.0.0.1\n"
	"options trust-ad edns0\n";

bool setup_check_unbound(const char *file)
{
	const char *argv[] = { "unbound-checkconf", file, NULL };
	char *err = NULL;
	int rc = vm_run_stderr(argv, &err);

	if (rc == 0) {
		free(err);
		return true;
	}
	if (rc < 0 && !err)
		vm_errno("cannot run 'unbound-checkconf %s'", file);
	else
		vm_err("the new unbound configuration fails 'unbound-checkconf "
		       "%s' (exit %d); the live configuration was left as it "
		       "was.  Output:\n%s", file, rc, err && *err ? err :
		       "(no output)");
	free(err);
	return false;
}

/* Does a DNS server on 127.0.0.1:53 answer "localhost. A" (which unbound
 * answers itself, without asking anyone)? */
static bool answers_on_localhost(void)
{
	static const unsigned char query[] = {
		0x76, 0x6d, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,   /* id, RD, 1 q */
		9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0,
		0, 1, 0, 1                                        /* A, IN */
	};
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(53) };
	unsigned char reply[512];
	struct pollfd pfd;
	bool ok = false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (sendto(fd, query, sizeof query, 0, (struct sockaddr *)&sa,
		   sizeof sa) == (ssize_t)sizeof query &&
	    poll(&pfd, 1, 200) == 1) {
		ssize_t n = recv(fd, reply, sizeof reply, 0);

		ok = n >= 12 && reply[0] == query[0] && reply[1] == query[1] &&
		     (reply[2] & 0x80);
	}
	close(fd);
	return ok;
}

static bool wait_unbound(void)
{
	for (int i = 0; i < ANSWER_TRIES; i++) {
		if (answers_on_localhost())
			return true;
		usleep(i ? 200 * 1000 : 0);
	}
	vm_err("unbound does not answer on 127.0.0.1:53 (see 'journalctl -u "
	       "unbound'); /etc/resolv.conf was left as it was");
	return false;
}

/* Start name, or restart it when its file changed (neither daemon
 * re-reads everything on a reload). */
static bool converge(const char *name, bool changed, int *started)
{
	*started = service_start(name);
	if (*started < 0)
		return false;
	if (*started > 0) {
		vm_progress("Started %s", name);
		return true;
	}
	if (!changed)
		return true;
	vm_progress("Restarting %s", name);
	return service_stop(name) >= 0 && (*started = service_start(name)) >= 0;
}

/* /etc/resolv.conf names unbound (a symlink is replaced by a file). */
static bool point_resolv_conf(struct setup *st)
{
	struct stat sb;
	bool link = lstat(SETUP_RESOLV_CONF, &sb) == 0 && S_ISLNK(sb.st_mode);
	int rc;

	/* (written to a new file renamed over the path: a symlink there
	 * is replaced, not followed) */
	rc = vm_write_file_if_changed(SETUP_RESOLV_CONF, setup_resolv_conf_text,
				      strlen(setup_resolv_conf_text), 0644, 0,
				      0);
	if (rc < 0)
		return false;
	if (rc > 0 || link) {
		vm_progress("Wrote %s (nameserver 127.0.0.1: unbound)",
			    SETUP_RESOLV_CONF);
		st->resolv_conf_changed = true;
	}
	return true;
}

bool setup_resolvers(struct setup *st)
{
	if (!service_have_systemd())
		return true;
	return converge(UNBOUND, st->unbound_changed, &st->unbound_started) &&
	       wait_unbound() &&
	       point_resolv_conf(st) &&
	       converge(MTA_STS, st->mta_sts_changed, &st->mta_sts_started) &&
	       service_unit_enable(SETUP_TLS_POLICY_SOCKET) >= 0;
}
