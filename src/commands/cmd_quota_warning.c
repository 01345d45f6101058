/*
 * cmd_quota_warning.c - "vmailctl quota-warning PERCENT ADDRESS": tell a
 * user their mailbox is filling up.
 *
 * Internal: Dovecot runs it, not people.  The quota plugin's
 * quota_warning rules (80% and 95%, in the rendered dovecot.conf) call
 * the "quota-warning" script service, which runs this command as the
 * vmail user with the percentage and the mailbox's address.  It builds a
 * short plain-text message and delivers it straight into the mailbox
 * with Dovecot's LDA, with quota enforcement off for that one delivery
 * so the warning itself always fits:
 *
 *   2.3: dovecot-lda -d ADDRESS -o "plugin/quota=maildir:User quota:noenforcing"
 *   2.4: dovecot-lda -d ADDRESS -o quota_enforce=no
 *
 * No shell is involved; the address is validated before use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "setup/setup.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/process.h"
#include "lib/str.h"
#include "lib/validate.h"

#define DOVECOT_LDA "/usr/lib/dovecot/dovecot-lda"

static const char qw_usage[] =
	"usage: vmailctl quota-warning PERCENT ADDRESS\n"
	"\n"
	"Deliver a \"your mailbox is PERCENT% full\" message to the mailbox\n"
	"ADDRESS.  Run by Dovecot's quota-warning service (see the\n"
	"quota_warning settings in /etc/dovecot/dovecot.conf), not by hand.\n"
	"\n"
	"  -h, --help   show this help\n";

/* PERCENT: 1..100, digits only. */
static bool parse_percent(const char *s, unsigned *out)
{
	unsigned n = 0;

	if (!*s || strlen(s) > 3)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (unsigned)(*s - '0');
	}
	*out = n;
	return n >= 1 && n <= 100;
}

/* The server's name for the signature and Message-ID: vmail.conf's
 * hostname, else the kernel's. */
static void server_name(char *buf, size_t size)
{
	struct vm_config cfg;
	bool found;

	config_defaults(&cfg);
	if (config_load(config_path(), &cfg, &found) && cfg.hostname[0]) {
		vm_strlcpy(buf, cfg.hostname, size);
		return;
	}
	if (gethostname(buf, size) < 0 || !buf[0])
		vm_strlcpy(buf, "localhost", size);
	buf[size - 1] = '\0';
}

/* The warning as an RFC 5322 message (malloc'd), or NULL. */
static char *build_message(unsigned percent, const char *address,
			   const char *domain, const char *host)
{
	char date[64], *msg = NULL;
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) ||
	    !strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm))
		return NULL;
	if (asprintf(&msg,
		"From: Mail system <postmaster@%s>\n"
		"To: <%s>\n"
		"Subject: Your mailbox is %u%% full\n"
		"Date: %s\n"
		"Message-ID: <quota-%u-%lld.%ld@%s>\n"
		"Auto-Submitted: auto-generated\n"
		"Precedence: bulk\n"
		"MIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=us-ascii\n"
		"Content-Transfer-Encoding: 7bit\n"
		"\n"
		"Your mailbox %s is now at least %u%% full.\n"
		"\n"
		"When it is full, new mail for you is refused and the senders\n"
		"get an error.  Make room by deleting old messages and by\n"
		"emptying the Trash and Junk folders, or ask your administrator\n"
		"for a larger quota.\n"
		"\n"
		"-- \n"
		"The mail server %s\n",
		domain, address, percent, date, percent, (long long)now,
		(long)getpid(), host, address, percent, host) < 0)
		return NULL;
	return msg;
}

/* Deliver msg to address with dovecot-lda, quota not enforced. */
static int deliver(const char *address, const char *domain, const char *msg)
{
	char family[8], sender[VM_ADDRESS_MAX + 1];
	const char *no_quota;
	int rc;

	if (!setup_dovecot_family(family, sizeof family))
		return VM_EXIT_FAIL;
	no_quota = !strcmp(family, "2.3") ?
		   "plugin/quota=maildir:User quota:noenforcing" :
		   "quota_enforce=no";
	snprintf(sender, sizeof sender, "postmaster@%s", domain);
	/* Run as vmail, the LDA can open neither Dovecot's log file nor
	 * the stats socket: log to stderr (which reaches Dovecot's log
	 * through the script service) and skip statistics. */
	const char *argv[] = { DOVECOT_LDA, "-d", address, "-f", sender,
			       "-o", no_quota, "-o", "log_path=/dev/stderr",
			       "-o", "stats_writer_socket_path=",
			       "-o", "info_log_path=/dev/null", NULL };
	rc = vm_run(argv, msg, NULL);
	if (rc != 0) {
		vm_err("quota-warning: %s -d %s failed (exit %d)", DOVECOT_LDA,
		       address, rc);
		return VM_EXIT_FAIL;
	}
	return VM_EXIT_OK;
}

int cmd_quota_warning(int argc, char **argv)
{
	char address[VM_ADDRESS_MAX + 1], local[VM_LOCALPART_MAX + 1];
	char domain[VM_DOMAIN_MAX + 1], host[256], why[128] = "";
	unsigned percent;
	char *msg;
	int rc;

	if ((rc = cmd_parse_help_only("quota-warning", argc, argv,
				      qw_usage)) >= 0)
		return rc;
	if (argc - optind != 2)
		return cmd_usage_error(qw_usage, NULL);
	if (!parse_percent(argv[optind], &percent))
		return cmd_usage_error(qw_usage, "quota-warning: PERCENT must "
				       "be a number from 1 to 100");
	if (!vm_strlcpy(address, argv[optind + 1], sizeof address)) {
		vm_err("quota-warning: address too long");
		return VM_EXIT_FAIL;
	}
	vm_ascii_lower(address);
	if (!valid_address(address, why, sizeof why) ||
	    !split_address(address, local, sizeof local, domain,
			   sizeof domain)) {
		vm_err("quota-warning: invalid address: %s", why);
		return VM_EXIT_FAIL;
	}
	/* Dovecot runs us with an almost empty environment. */
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	server_name(host, sizeof host);
	if (!(msg = build_message(percent, address, domain, host))) {
		vm_errno("quota-warning: cannot build the message");
		return VM_EXIT_FAIL;
	}
	rc = deliver(address, domain, msg);
	free(msg);
	return rc;
}
