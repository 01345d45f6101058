/*
 * commands.h - the vmailctl subcommands.  Each lives in its own file
 * (cmd_<name>.c) and is dispatched from the table in vmailctl.c.
 *
 * A command gets argv starting at its own name (argv[0] == "user") and
 * returns a VM_EXIT_* code.  Every command and sub-subcommand handles
 * -h/--help by printing its usage to stdout and returning VM_EXIT_OK;
 * a usage error prints the usage to stderr and returns VM_EXIT_USAGE.
 * Commands are quiet on success unless they were asked for output.
 */
#ifndef VMAIL_COMMANDS_H
#define VMAIL_COMMANDS_H

#include <stdbool.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;   /* one line for "vmailctl --help" */
	bool internal;         /* run by a daemon, not by hand: listed apart */
};

int cmd_setup(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_alias(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_dns(int argc, char **argv);
/* "vmailctl check [dns|tls|all] [DOMAIN]" (cmd_check.c): exits 0 all
 * ok, 1 warnings, 2 errors. */
int cmd_check(int argc, char **argv);
/* "vmailctl user limit" (cmd_user_limit.c), a sub-subcommand of "user"
 * in a file of its own. */
int cmd_user_limit(int argc, char **argv);
/* "vmailctl user suspend|resume", "vmailctl domain suspend|resume"
 * (cmd_suspend.c). */
int cmd_user_suspend(int argc, char **argv);
int cmd_user_resume(int argc, char **argv);
int cmd_domain_suspend(int argc, char **argv);
int cmd_domain_resume(int argc, char **argv);
/* "vmailctl backup-mx" (cmd_backup_mx.c).  cmd_backup_mx_refuses: on a
 * backup MX, a directory command (domain, user, alias, dkim, ...) is
 * refused with a message saying why (1; 0 = go on).  For setup: the
 * token file of the backup host (made if missing, or anew with renew;
 * into tok, 65 bytes; 1 made, 0 there, -1 error), and one sync of the
 * recipient list (a VM_EXIT_* code). */
int cmd_backup_mx(int argc, char **argv);
int cmd_backup_mx_refuses(const char *command);
int cmd_backup_mx_ensure_token(const char *host, bool renew, char *tok);
struct vm_config;
int cmd_backup_mx_sync(const struct vm_config *cfg, bool reload);
/* Internal: run by Dovecot's quota-warning service as
 * "vmailctl quota-warning PERCENT ADDRESS". */
int cmd_quota_warning(int argc, char **argv);
/* Internal: run by systemd (vmail-tls-policy.socket) for Postfix's TLS
 * policy lookups, "vmailctl tls-policy" (cmd_tls_policy.c). */
int cmd_tls_policy(int argc, char **argv);

#endif
