/*
 * vmailctl.c - entry point and command table.
 *
 * "vmailctl COMMAND [ARGS]" looks COMMAND up in the table below and hands
 * it the rest of the command line.  Adding a command means writing
 * commands/cmd_<name>.c and adding one row here.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands/commands.h"
#include "lib/diag.h"

#ifndef VMAIL_VERSION
#define VMAIL_VERSION "0.1.0"
#endif

static const struct command commands[] = {
	{ "setup",  cmd_setup,  "configure Postfix and Dovecot; safe to re-run", false },
	{ "domain", cmd_domain, "add, delete and list hosted domains", false },
	{ "user",   cmd_user,   "manage mailboxes: add, del, list, show, passwd, quota", false },
	{ "alias",  cmd_alias,  "manage aliases and catch-alls", false },
	{ "dkim",   cmd_dkim,   "show, rotate and list DKIM signing keys", false },
	{ "cert",   cmd_cert,   "the TLS certificate: status, ACME renewal, key rotation", false },
	{ "dns",    cmd_dns,    "print every DNS record the domains need", false },
	{ "check",  cmd_check,  "check DNS records, blocklists and certificates live", false },
	{ "backup-mx", cmd_backup_mx,
	  "the recipient list of a backup MX (primary and backups)", false },
	{ "quota-warning", cmd_quota_warning,
	  "mail a quota warning to a user (Dovecot's quota-warning service)",
	  true },
	{ "tls-policy", cmd_tls_policy,
	  "DANE before MTA-STS: Postfix's TLS policy lookups (systemd socket)",
	  true },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vmailctl [--version] [--help] COMMAND [ARGS]\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!commands[i].internal)
			fprintf(f, "  %-8s %s\n", commands[i].name,
				commands[i].summary);
	fprintf(f, "\nRun by the mail daemons, not by hand:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].internal)
			fprintf(f, "  %s\n      %s\n", commands[i].name,
				commands[i].summary);
	fprintf(f, "\nRun 'vmailctl COMMAND --help' for a command's options; "
		   "see vmailctl(8).\n");
}

int main(int argc, char **argv)
{
	vm_progname = "vmailctl";
	/* Files we create (database, WAL index, configs) get explicit modes;
	 * never let a permissive umask widen them. */
	umask(007);

	if (argc < 2) {
		usage(stderr);
		return VM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return VM_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmailctl %s\n", VMAIL_VERSION);
		return VM_EXIT_OK;
	}
	if (cmd_backup_mx_refuses(argv[1]))
		return VM_EXIT_FAIL;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);

	vm_err("unknown command '%s' (see 'vmailctl --help')", argv[1]);
	return VM_EXIT_USAGE;
}
