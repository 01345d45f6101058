/*
 * cmd_suspend.c - take a mailbox, or a whole domain, out of service and
 * back, deleting nothing:
 *
 *   vmailctl user suspend ADDRESS      vmailctl user resume ADDRESS
 *   vmailctl domain suspend DOMAIN     vmailctl domain resume DOMAIN
 *
 * (sub-subcommands of "user" and "domain", in a file of their own).
 * Suspending sets the row's active flag to 0; every query Postfix and
 * Dovecot make asks for active rows only, so a suspended mailbox (and
 * every mailbox of a suspended domain) cannot log in, and mail to it is
 * refused at RCPT.  Its open IMAP, POP3 and ManageSieve sessions are
 * closed at once (service_directory_changed(), sessions.h).  Mail on
 * disk, aliases, quotas, limits and DKIM keys stay; resuming sets the
 * flag back.  Both are quiet, and doing either twice is not an error.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/directory.h"
#include "lib/diag.h"
#include "lib/service.h"
#include "lib/validate.h"

static const char user_suspend_usage[] =
	"usage: vmailctl user suspend ADDRESS\n"
	"\n"
	"Suspend the mailbox ADDRESS: it can no longer log in, its open IMAP,\n"
	"POP3 and ManageSieve sessions are closed, and mail to it (or to an\n"
	"alias that delivers only to it) is refused with 550 5.1.1.  Its mail\n"
	"and settings stay; 'vmailctl user resume ADDRESS' undoes it.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char user_resume_usage[] =
	"usage: vmailctl user resume ADDRESS\n"
	"\n"
	"Put the suspended mailbox ADDRESS back in service: it logs in and\n"
	"receives mail again.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char domain_suspend_usage[] =
	"usage: vmailctl domain suspend DOMAIN\n"
	"\n"
	"Suspend DOMAIN: this server no longer accepts mail for it, none of\n"
	"its mailboxes can log in, and their open IMAP, POP3 and ManageSieve\n"
	"sessions are closed.  Its mailboxes, aliases, mail and DKIM keys\n"
	"stay; 'vmailctl domain resume DOMAIN' undoes it.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char domain_resume_usage[] =
	"usage: vmailctl domain resume DOMAIN\n"
	"\n"
	"Put the suspended DOMAIN back in service: mail for it is accepted\n"
	"and its mailboxes log in again.\n"
	"\n"
	"  -h, --help   show this help\n";

/* What differs between a mailbox and a domain. */
struct target {
	const char *what;     /* "ADDRESS" / "DOMAIN", for usage errors */
	bool (*arg)(const char *arg, char *out, size_t size);
	enum store_status (*set)(struct store *s, const char *name,
				 bool active);
	void (*changed)(const char *name, bool kick);
	int (*not_found)(const char *name);
};

static const struct target mailbox = {
	"ADDRESS", cmd_arg_mailbox, store_mailbox_set_active,
	service_directory_changed, cmd_no_such_mailbox,
};

static const struct target domain = {
	"DOMAIN", cmd_arg_domain, store_domain_set_active,
	service_domain_changed, cmd_no_such_domain,
};

static int set_active(const char *cmd, int argc, char **argv,
		      const char *usage, const struct target *t, bool active)
{
	char name[VM_ADDRESS_MAX + 1], msg[64];
	struct store *s;
	enum store_status st;
	int ret = cmd_parse_help_only(cmd, argc, argv, usage);

	if (ret >= 0)
		return ret;
	if (argc - optind != 1) {
		snprintf(msg, sizeof msg, "%s: expected %s", cmd, t->what);
		return cmd_usage_error(usage, msg);
	}
	if (!t->arg(argv[optind], name, sizeof name))
		return VM_EXIT_FAIL;
	if (!(s = cmd_open_store()))
		return VM_EXIT_FAIL;
	st = store_begin(s);
	if (st == STORE_OK)
		st = t->set(s, name, active);
	if (st == STORE_NOT_FOUND) {
		store_rollback(s);
		ret = t->not_found(name);
	} else {
		ret = directory_commit(s, st);
	}
	store_close(s);
	/* After the commit, so that a client the kick disconnects cannot
	 * log in again. */
	if (ret == VM_EXIT_OK)
		t->changed(name, !active);
	return ret;
}

int cmd_user_suspend(int argc, char **argv)
{
	return set_active("user suspend", argc, argv, user_suspend_usage,
			  &mailbox, false);
}

int cmd_user_resume(int argc, char **argv)
{
	return set_active("user resume", argc, argv, user_resume_usage,
			  &mailbox, true);
}

int cmd_domain_suspend(int argc, char **argv)
{
	return set_active("domain suspend", argc, argv, domain_suspend_usage,
			  &domain, false);
}

int cmd_domain_resume(int argc, char **argv)
{
	return set_active("domain resume", argc, argv, domain_resume_usage,
			  &domain, true);
}
