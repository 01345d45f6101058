/*
 * setup_summary.c - what "vmailctl setup" prints when it is done: the
 * services and their ports, the administrator's login (with the
 * generated password, the only time it is ever shown), and the minimum
 * DNS records to publish (MX, A, SPF; the rest via 'vmailctl dns').
 *
 * The A record uses this machine's IPv4 address: the source address of
 * the default route, else the first address of an interface that is up;
 * "<server-ip>" if there is none.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/tlscert.h"

/* Source address the kernel would use towards the Internet.  A UDP
 * connect() sends nothing; it only picks a route. */
static bool route_address(char *buf, size_t size)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(53) };
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	inet_pton(AF_INET, "192.0.2.1", &to.sin_addr);   /* TEST-NET-1 */
	ok = connect(fd, (struct sockaddr *)&to, sizeof to) == 0 &&
	     getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
	     me.sin_addr.s_addr != htonl(INADDR_ANY) &&
	     inet_ntop(AF_INET, &me.sin_addr, buf, (socklen_t)size);
	close(fd);
	return ok;
}

/* First IPv4 address of an interface that is up and not loopback. */
static bool interface_address(char *buf, size_t size)
{
	struct ifaddrs *list, *i;
	bool ok = false;

	if (getifaddrs(&list) < 0)
		return false;
	for (i = list; i && !ok; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		ok = inet_ntop(AF_INET,
			       &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			       buf, (socklen_t)size) != NULL;
	}
	freeifaddrs(list);
	return ok;
}

static void machine_address(char *buf, size_t size)
{
	if (!route_address(buf, size) && !interface_address(buf, size))
		vm_strlcpy(buf, "<server-ip>", size);
}

static const char *state(const char *service)
{
	return service_running(service) ? "running" : "NOT RUNNING";
}

/* clamd: running, waiting for signatures, or off. */
static void print_antivirus(const struct setup *st)
{
	if (!st->cfg.antivirus)
		printf("  clamd    off         [antivirus] enabled = no: mail is "
		       "not scanned for viruses\n\n");
	else if (service_running("clamav-daemon"))
		printf("  clamd    running     every message is scanned for "
		       "viruses (through rspamd)\n\n");
	else
		printf("  clamd    NOT RUNNING %s\n"
		       "                       until it runs, incoming mail is "
		       "refused with 4xx\n\n",
		       st->clamd_waiting ? "no signatures in /var/lib/clamav yet "
					   "(freshclam)" : "see /var/log/clamav/");
}

/* The spam filter: rspamd always (the milter), spamd with engine =
 * spamassassin. */
static void print_spam(const struct setup *st)
{
	printf("  rspamd   %-11s milter for all mail: DKIM signing, SPF/DKIM/"
	       "DMARC checks,\n"
	       "                       greylisting, the actions by score\n",
	       state("rspamd"));
	if (st->cfg.spam_engine == VM_SPAM_SPAMASSASSIN)
		printf("  spamd    %-11s [spam] engine = spamassassin: "
		       "SpamAssassin scores\n"
		       "                       incoming mail (asked by rspamd on "
		       "%s:%s)\n",
		       state("spamd"), SERVICE_SPAMD_HOST, SERVICE_SPAMD_PORT);
	else
		printf("                       [spam] engine = rspamd: rspamd's "
		       "own rules score the mail\n");
}

static void print_services(const struct setup *st)
{
	printf("Services\n"
	       "  postfix  %-11s SMTP 25 (STARTTLS, no AUTH), submission 587 "
	       "(STARTTLS),\n"
	       "                       submissions 465 (TLS)\n"
	       "  dovecot  %-11s IMAP 143 (STARTTLS), IMAPS 993, POP3 110 "
	       "(STARTTLS),\n"
	       "                       POP3S 995, ManageSieve 4190; LMTP "
	       "and auth for Postfix\n"
	       "                       on local sockets, quota policy on "
	       "127.0.0.1:12340\n",
	       state("postfix"), state("dovecot"));
	print_spam(st);
	printf("  nginx    %-11s web 80 (ACME challenges, autoconfig; the rest "
	       "to https),\n"
	       "                       443 (TLS): MTA-STS policies, client "
	       "autoconfiguration\n", state("nginx"));
	print_antivirus(st);
}

static void print_admin(const struct setup *st)
{
	printf("Administrator\n"
	       "  login     %s\n", st->cfg.admin);
	if (st->admin_created && st->admin_password[0])
		printf("  password  %s\n"
		       "            (shown this once and stored nowhere; "
		       "change it with\n"
		       "            'vmailctl user passwd %s')\n",
		       st->admin_password, st->cfg.admin);
	else if (st->admin_created)
		printf("  password  the one given (standard input or terminal)\n");
	else
		printf("  password  unchanged (mailbox already existed)\n");
	printf("  clients   IMAP %s, port 993 (TLS) or 143 (STARTTLS);\n"
	       "            SMTP %s, port 465 (TLS) or 587 (STARTTLS);\n"
	       "            the user name is the full mail address\n\n",
	       st->cfg.hostname, st->cfg.hostname);
}

static void print_dns(const struct setup *st)
{
	char ip[INET_ADDRSTRLEN + 16], host[260], dom[260];
	int w;

	machine_address(ip, sizeof ip);
	snprintf(host, sizeof host, "%s.", st->cfg.hostname);
	snprintf(dom, sizeof dom, "%s.", st->cfg.domain);
	w = (int)(strlen(host) > strlen(dom) ? strlen(host) : strlen(dom));
	printf("DNS records to publish\n"
	       "  %-*s  IN MX   10 %s\n"
	       "  %-*s  IN A    %s\n"
	       "  %-*s  IN TXT  \"v=spf1 mx -all\"\n"
	       "  and every other record of each domain (DKIM, DMARC, MTA-STS, "
	       "SRV, CAA,\n"
	       "  TLSA, ...), with why it is needed: vmailctl dns\n"
	       "  (Use the public address if this machine is behind NAT, and "
	       "ask your\n"
	       "  provider for a PTR record %s -> %s.)\n\n",
	       w, dom, host, w, host, ip, w, dom, ip, st->cfg.hostname);
}

static void print_tls(const struct setup *st)
{
	if (!tlscert_names_host(st->cfg.tls_cert, st->cfg.hostname))
		printf("Warning: the certificate %s does not name %s; replace "
		       "it (and its key\n%s) and run 'vmailctl setup' "
		       "again.\n\n",
		       st->cfg.tls_cert, st->cfg.hostname, st->cfg.tls_key);
}

void setup_print_summary(const struct setup *st)
{
	printf("vmail is set up on %s (first domain %s).\n\n",
	       st->cfg.hostname, st->cfg.domain);
	print_services(st);
	print_admin(st);
	print_dns(st);
	print_tls(st);
	printf("Add mailboxes with 'vmailctl user add ADDRESS'; local "
	       "configuration goes in\n%s/ (see vmailctl(8)).\n",
	       st->local_dir);
}
