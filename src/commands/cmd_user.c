/*
 * cmd_user.c - "vmailctl user ...": mailboxes, their passwords and
 * quotas.
 *
 *   vmailctl user add [--quota SIZE] [--password-stdin | --password]
 *                     [--keep-mail] ADDRESS
 *   vmailctl user del [--purge] [--force] ADDRESS
 *   vmailctl user list [--json] [DOMAIN]
 *   vmailctl user show [--json] ADDRESS
 *   vmailctl user passwd [--password-stdin | --password] ADDRESS
 *   vmailctl user quota ADDRESS SIZE
 *   vmailctl user limit [--messages N] [--recipients N] [--default] ADDRESS
 *                                              (cmd_user_limit.c)
 *   vmailctl user suspend|resume ADDRESS       (cmd_suspend.c)
 *
 * Each sub-subcommand is one function below with its own usage text.
 * Passwords come from standard input or are generated and printed once;
 * never from argv.  The mail directory is created by Dovecot on first
 * delivery or login; "del --purge" removes it (the mail root comes from
 * vmail.conf; core/maildir.h), and "add" does not silently hand one left
 * by an earlier mailbox to a new one.  "del" settles the aliases that
 * deliver to the mailbox (core/alias_graph.h).  After a change,
 * service_directory_changed() flushes Dovecot's auth cache so it takes
 * effect at once; a new password or a deletion also closes the
 * mailbox's open sessions.
 *
 * Options and operands come in any order (cmd_getopt()).  With
 * --password, add and passwd ask for the password on the terminal
 * instead: twice, without echo.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/alias_graph.h"
#include "core/directory.h"
#include "core/maildir.h"
#include "core/mailbox_password.h"
#include "core/send_limits.h"
#include "lib/diag.h"
#include "lib/output.h"
#include "lib/password.h"
#include "lib/process.h"
#include "lib/secret.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/strlist.h"
#include "lib/validate.h"

static const char user_usage[] =
	"usage: vmailctl user add [--quota SIZE] [--password-stdin | --password]\n"
	"                         [--keep-mail] ADDRESS\n"
	"       vmailctl user del [--purge] [--force] ADDRESS\n"
	"       vmailctl user list [--json] [DOMAIN]\n"
	"       vmailctl user show [--json] ADDRESS\n"
	"       vmailctl user passwd [--password-stdin | --password] ADDRESS\n"
	"       vmailctl user quota ADDRESS SIZE\n"
	"       vmailctl user limit [--messages N] [--recipients N] "
	"[--default] ADDRESS\n"
	"       vmailctl user suspend|resume ADDRESS\n"
	"\n"
	"Manage mailboxes.  Options and operands may come in any order;\n"
	"'--' ends the options.\n"
	"Run 'vmailctl user SUBCOMMAND --help' for details.\n";

static const char add_usage[] =
	"usage: vmailctl user add [--quota SIZE] [--password-stdin | --password]\n"
	"                         [--keep-mail] ADDRESS\n"
	"\n"
	"Create the mailbox ADDRESS in a hosted domain.  Without\n"
	"--password-stdin or --password a password is generated and printed\n"
	"once.  If an earlier mailbox ADDRESS left its mail directory behind,\n"
	"this is refused unless --keep-mail is given (or it is purged first\n"
	"with 'vmailctl user del --purge ADDRESS').\n"
	"\n"
	"  -q, --quota SIZE      quota, e.g. 500M, 2G; 0 or 'unlimited' for\n"
	"                        none (default: default_quota in vmail.conf)\n"
	"  -p, --password-stdin  read the password from the first line of\n"
	"                        standard input\n"
	"      --password        ask for the password on the terminal, twice,\n"
	"                        without echo (it takes no value)\n"
	"  -k, --keep-mail       give the mail left by an earlier mailbox of\n"
	"                        ADDRESS to the new one\n"
	"  -h, --help            show this help\n"
	"\n"
	"Options may also follow ADDRESS: 'user add alice@example.org -q 2G'.\n";

static const char del_usage[] =
	"usage: vmailctl user del [--purge] [--force] ADDRESS\n"
	"\n"
	"Delete the mailbox ADDRESS.  Refused while aliases deliver to it\n"
	"(they are listed), unless --force is given.  Its mail stays on disk\n"
	"unless --purge is given; then the mailbox and its mail go together,\n"
	"or, if the mail cannot all be removed, neither does.\n"
	"\n"
	"  -P, --purge  also remove the mail directory, MAIL/DOMAIN/LOCAL\n"
	"               (MAIL is [paths] mail in vmail.conf, /var/vmail);\n"
	"               for an ADDRESS already deleted, only that\n"
	"  -f, --force  also remove ADDRESS from the aliases that deliver to\n"
	"               it (an alias left without destinations is deleted)\n"
	"  -h, --help   show this help\n";

static const char list_usage[] =
	"usage: vmailctl user list [--json] [DOMAIN]\n"
	"\n"
	"List the mailboxes, of every domain or only of DOMAIN.\n"
	"\n"
	"  -j, --json   print a JSON array of objects\n"
	"  -h, --help   show this help\n";

static const char show_usage[] =
	"usage: vmailctl user show [--json] ADDRESS\n"
	"\n"
	"Show a mailbox: quota limit and use (asked from Dovecot when it\n"
	"runs), state, creation time, the aliases that deliver to it and\n"
	"the hourly sending limits in force (see 'vmailctl user limit').\n"
	"\n"
	"  -j, --json   print a JSON object\n"
	"  -h, --help   show this help\n";

static const char passwd_usage[] =
	"usage: vmailctl user passwd [--password-stdin | --password] ADDRESS\n"
	"\n"
	"Set a new password for ADDRESS.  Without --password-stdin or\n"
	"--password a password is generated and printed once.  Open IMAP,\n"
	"POP3 and ManageSieve sessions of ADDRESS are closed.\n"
	"\n"
	"  -p, --password-stdin  read the password from the first line of\n"
	"                        standard input\n"
	"      --password        ask for the password on the terminal, twice,\n"
	"                        without echo (it takes no value)\n"
	"  -h, --help            show this help\n";

static const char quota_usage[] =
	"usage: vmailctl user quota ADDRESS SIZE\n"
	"\n"
	"Set the quota of ADDRESS: a size such as 500M or 2G (K, M, G, T are\n"
	"powers of 1024), or 0 or 'unlimited' for no limit.\n"
	"\n"
	"  -h, --help   show this help\n";

/* A new password: its hash, and the generated plain text to show once
 * (empty when it came from standard input).  Wiped after use. */
struct new_password {
	char hash[VM_HASH_MAX];
	char generated[MAILBOX_PASSWORD_GENERATED + 1];
};

static bool get_new_password(enum mailbox_password_source src,
			     const char *address, struct new_password *p)
{
	return mailbox_password_new(src, address, p->hash, sizeof p->hash,
				    p->generated, sizeof p->generated);
}

/* Print a generated password, the only time it is shown. */
static int print_generated(const char *address, char *generated)
{
	int ret;

	if (!generated[0])
		return VM_EXIT_OK;
	printf("Password for %s: %s\n", address, generated);
	ret = cmd_flush_stdout();
	if (ret != VM_EXIT_OK)
		vm_err("set a new one with 'vmailctl user passwd %s'", address);
	vm_explicit_bzero(generated, strlen(generated));
	return ret;
}

/* The end of add and passwd, once the store is closed: if ret is
 * success, flush Dovecot's cache (and with kick end the sessions that
 * logged in with the old password) and print a generated password.
 * Wipes p.  Returns the exit code. */
static int password_done(int ret, const char *address,
			 struct new_password *p, bool kick)
{
	if (ret == VM_EXIT_OK) {
		service_directory_changed(address, kick);
		ret = print_generated(address, p->generated);
	}
	vm_explicit_bzero(p, sizeof *p);
	return ret;
}

/* End a transaction that changed one mailbox: as directory_commit(),
 * with the hint of cmd_no_such_mailbox() when there is no such mailbox. */
static int finish_mailbox_change(struct store *s, enum store_status st,
				 const char *address)
{
	if (st != STORE_NOT_FOUND)
		return directory_commit(s, st);
	store_rollback(s);
	return cmd_no_such_mailbox(address);
}

/* The single ADDRESS operand of "user CMD", a mailbox address, into
 * address.  Returns -1 to go on, else the exit code. */
static int address_operand(const char *cmd, int argc, char **argv,
			   const char *usage,
			   char address[VM_ADDRESS_MAX + 1])
{
	char msg[64];

	if (argc - optind != 1) {
		snprintf(msg, sizeof msg, "%s: expected ADDRESS", cmd);
		return cmd_usage_error(usage, msg);
	}
	if (!cmd_arg_mailbox(argv[optind], address, VM_ADDRESS_MAX + 1))
		return VM_EXIT_FAIL;
	return -1;
}

/* The password options of add and passwd: -p/--password-stdin, and
 * --password (long only). */
enum { OPT_PASSWORD = 256 };
#define PASSWORD_OPTIONS \
	{ "password-stdin", no_argument, NULL, 'p' }, \
	{ "password", no_argument, NULL, OPT_PASSWORD }

struct password_opts {
	bool from_stdin, prompt;
};

/* If c is a password option, note it and return true. */
static bool password_option(int c, struct password_opts *o)
{
	if (c == 'p')
		o->from_stdin = true;
	else if (c == OPT_PASSWORD)
		o->prompt = true;
	else
		return false;
	return true;
}

/* The ADDRESS operand of add and passwd, and where the password comes
 * from.  Returns -1 to go on, else the exit code. */
static int password_operands(const char *cmd, int argc, char **argv,
			     const char *usage, const struct password_opts *o,
			     char address[VM_ADDRESS_MAX + 1],
			     enum mailbox_password_source *src)
{
	char msg[160];
	int ret;

	/* "--password SECRET": say why, without repeating SECRET. */
	if (o->prompt && argc - optind > 1) {
		snprintf(msg, sizeof msg, "%s: --password takes no value: it "
			 "asks on the terminal (never put a password on the "
			 "command line)", cmd);
		return cmd_usage_error(usage, msg);
	}
	if ((ret = address_operand(cmd, argc, argv, usage, address)) >= 0)
		return ret;
	return cmd_password_source(cmd, usage, "password", o->from_stdin,
				   o->prompt, src);
}

/* ---- add ----------------------------------------------------------- */

struct add_args {
	char address[VM_ADDRESS_MAX + 1];
	char domain[VM_DOMAIN_MAX + 1];
	uint64_t quota;
	bool quota_given;
	enum mailbox_password_source password;
	bool keep_mail;
};

/* Options and operand; returns -1 to go on, else an exit code. */
static int parse_add(int argc, char **argv, struct add_args *a)
{
	static const struct option opts[] = {
		{ "quota", required_argument, NULL, 'q' },
		PASSWORD_OPTIONS,
		{ "keep-mail", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct password_opts pw = { false, false };
	char local[VM_LOCALPART_MAX + 1];
	const char *quota = NULL;
	int c, ret;

	optind = 0;
	while ((c = cmd_getopt("user add", argc, argv, "q:pkh", opts)) != -1) {
		if (c == 'q')
			quota = optarg;
		else if (c == 'k')
			a->keep_mail = true;
		else if (c == 'h')
			return cmd_help(add_usage);
		else if (!password_option(c, &pw))
			return cmd_usage_error(add_usage, NULL);
	}
	if ((ret = password_operands("user add", argc, argv, add_usage, &pw,
				     a->address, &a->password)) >= 0)
		return ret;
	split_address(a->address, local, sizeof local, a->domain,
		      sizeof a->domain);
	a->quota_given = quota != NULL;
	if (quota && !cmd_arg_size("quota", quota, &a->quota))
		return VM_EXIT_FAIL;
	return -1;
}

/* Checks that give a clearer message than the store's backstop; and a
 * mail directory left by an earlier mailbox of the address is adopted
 * only when asked (--keep-mail). */
static bool can_add(struct store *s, const struct add_args *a,
		    const char *mail_root)
{
	char dir[PATH_MAX];
	int exists;

	if (!directory_require_domain(s, a->domain))
		return false;
	if ((exists = directory_mailbox_exists(s, a->address)) != 0) {
		if (exists > 0)
			vm_err("mailbox '%s' already exists", a->address);
		return false;
	}
	if ((exists = maildir_find(mail_root, a->address, dir,
				   sizeof dir)) > 0 && !a->keep_mail)
		vm_err("the mail directory %s of an earlier mailbox '%s' is "
		       "still there; a new mailbox would get its mail.  Add "
		       "--keep-mail to give that mail to the new mailbox, or "
		       "remove it first with 'vmailctl user del --purge %s'",
		       dir, a->address, a->address);
	return exists == 0 || (exists > 0 && a->keep_mail);
}

static int user_add(int argc, char **argv)
{
	struct add_args a = { .quota = 0 };
	struct vm_config cfg;
	struct new_password p = { "", "" };
	struct store *s;
	int ret = parse_add(argc, argv, &a);

	if (ret >= 0)
		return ret;
	if (!(s = cmd_open_store_cfg(&cfg)))
		return VM_EXIT_FAIL;
	if (!a.quota_given)
		a.quota = cfg.default_quota;
	ret = VM_EXIT_FAIL;
	if (can_add(s, &a, cfg.mail_root) &&
	    get_new_password(a.password, a.address, &p)) {
		enum store_status st = store_begin(s);
		if (st == STORE_OK)
			st = store_mailbox_add(s, a.address, p.hash, a.quota);
		ret = directory_commit(s, st);
	}
	store_close(s);
	return password_done(ret, a.address, &p, false);
}

/* ---- del ----------------------------------------------------------- */

/* Options and operand of "user del"; -1 to go on, else the exit code. */
static int parse_del(int argc, char **argv, bool *purge, bool *force,
		     char address[VM_ADDRESS_MAX + 1])
{
	static const struct option opts[] = {
		{ "purge", no_argument, NULL, 'P' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = cmd_getopt("user del", argc, argv, "Pfh", opts)) != -1) {
		switch (c) {
		case 'P': *purge = true; break;
		case 'f': *force = true; break;
		case 'h': return cmd_help(del_usage);
		default: return cmd_usage_error(del_usage, NULL);
		}
	}
	return address_operand("user del", argc, argv, del_usage, address);
}

/*
 * Delete the row and settle the aliases that point at it (alias_graph.h)
 * in one transaction; with purge, the mail directory is moved aside and
 * checked before the commit and removed after it (maildir.h), so both
 * happen or neither.  Without a mailbox row, --purge removes a mail
 * directory left behind by an earlier delete.
 */
static int delete_mailbox(struct store *s, const char *mail_root,
			  const char *address, bool purge, bool force,
			  struct maildir_purge *mp)
{
	struct vm_strlist gone = VM_STRLIST_INIT;
	char what[VM_ADDRESS_MAX + 16];
	char dir[PATH_MAX];
	enum store_status st = store_begin(s);
	bool reported = false;   /* by alias_graph */

	if (st == STORE_OK)
		st = store_mailbox_del(s, address);
	if (st == STORE_NOT_FOUND && purge &&
	    maildir_find(mail_root, address, dir, sizeof dir) > 0) {
		store_rollback(s);
		return maildir_purge_prepare(mail_root, address, mp) ?
		       VM_EXIT_OK : VM_EXIT_FAIL;
	}
	snprintf(what, sizeof what, "mailbox '%s'", address);
	if (st == STORE_OK) {
		st = vm_strlist_add(&gone, address) ?
		     alias_graph_settle(s, what, &gone, NULL, force) :
		     STORE_ERROR;
		reported = st != STORE_OK;
	}
	vm_strlist_free(&gone);
	if (reported || (st == STORE_OK && purge &&
			 !maildir_purge_prepare(mail_root, address, mp))) {
		store_rollback(s);
		return VM_EXIT_FAIL;
	}
	if (finish_mailbox_change(s, st, address) == VM_EXIT_OK)
		return VM_EXIT_OK;
	maildir_purge_undo(mp);
	return VM_EXIT_FAIL;
}

static int user_del(int argc, char **argv)
{
	char address[VM_ADDRESS_MAX + 1];
	struct maildir_purge mp = { .moved = false };
	struct vm_config cfg;
	bool purge = false, force = false, map_ok;
	struct store *s;
	int ret;

	if ((ret = parse_del(argc, argv, &purge, &force, address)) >= 0)
		return ret;
	if (!(s = cmd_open_store_cfg(&cfg)))
		return VM_EXIT_FAIL;
	ret = delete_mailbox(s, cfg.mail_root, address, purge, force, &mp);
	/* Its own sending limits, if any, leave rspamd's map. */
	map_ok = ret != VM_EXIT_OK || send_limits_sync_map(s) >= 0;
	store_close(s);
	if (ret != VM_EXIT_OK)
		return ret;
	service_directory_changed(address, true);
	if (!maildir_purge_finish(&mp)) {
		vm_err("mailbox '%s' was deleted, but its mail directory was "
		       "not removed completely", address);
		return VM_EXIT_FAIL;
	}
	return map_ok ? VM_EXIT_OK : VM_EXIT_FAIL;
}

/* ---- list ---------------------------------------------------------- */

static const char *quota_text(uint64_t bytes, char *buf)
{
	return bytes ? out_size(bytes, buf) : "unlimited";
}

static int print_mailbox(const struct store_mailbox *m, void *ctx)
{
	int *rows = ctx;
	char size[32];

	if ((*rows)++ == 0)
		printf("%-40s %10s  %-6s  %s\n", "ADDRESS", "QUOTA", "ACTIVE",
		       "CREATED");
	printf("%-40s %10s  %-6s  %s\n", m->address,
	       quota_text(m->quota_bytes, size), m->active ? "yes" : "no",
	       m->created);
	return 0;
}

/* The public fields of a mailbox (never the password hash). */
static struct json_object *mailbox_json(const struct store_mailbox *m)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "address",
			       json_object_new_string(m->address));
	json_object_object_add(o, "local_part",
			       json_object_new_string(m->local_part));
	json_object_object_add(o, "domain", json_object_new_string(m->domain));
	json_object_object_add(o, "quota_bytes",
			       json_object_new_int64((int64_t)m->quota_bytes));
	json_object_object_add(o, "active", json_object_new_boolean(m->active));
	json_object_object_add(o, "created",
			       json_object_new_string(m->created));
	return o;
}

static int json_mailbox(const struct store_mailbox *m, void *ctx)
{
	json_object_array_add(ctx, mailbox_json(m));
	return 0;
}

/* The rows of "user list" (a cmd_lister). */
static enum store_status list_mailboxes(struct store *s, const char *domain,
					struct json_object *json, int *rows)
{
	if (json)
		return store_mailbox_list(s, domain, json_mailbox, json);
	return store_mailbox_list(s, domain, print_mailbox, rows);
}

static int user_list(int argc, char **argv)
{
	return cmd_list_by_domain("user list", argc, argv, list_usage,
				  list_mailboxes);
}

/* ---- show ---------------------------------------------------------- */

struct quota_use {
	bool known;
	uint64_t bytes;
	uint64_t messages;
};

/* The number after "KEY=" in line, if the key is there. */
static bool flow_number(const char *line, const char *key, uint64_t *out)
{
	const char *p = strstr(line, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	errno = 0;
	*out = strtoull(p, &end, 10);
	return end != p && errno == 0;
}

/* Parse "doveadm -f flow quota get" output: one line per resource,
 * "Quota name=... Type=STORAGE Value=KIB Limit=... %=...". */
static bool parse_quota_flow(char *out, struct quota_use *u)
{
	bool storage = false, messages = false;
	uint64_t kib;

	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, " Type=STORAGE ") &&
		    flow_number(line, " Value=", &kib) &&
		    kib <= UINT64_MAX / 1024) {
			u->bytes = kib * 1024;
			storage = true;
		} else if (strstr(line, " Type=MESSAGE ") &&
			   flow_number(line, " Value=", &u->messages)) {
			messages = true;
		}
	}
	return storage && messages;
}

/* Quota use from Dovecot; unknown when it does not run or answer. */
static struct quota_use dovecot_quota_use(const char *address)
{
	const char *const argv[] = { "doveadm", "-f", "flow", "quota", "get",
				     "-u", address, NULL };
	struct quota_use u = { .known = false };
	char *out = NULL;

	if (service_running("dovecot") && vm_run(argv, NULL, &out) == 0 && out)
		u.known = parse_quota_flow(out, &u);
	free(out);
	return u;
}

/* The aliases that deliver to an address. */
struct alias_sources {
	const char *address;
	struct json_object *arr;   /* of source strings */
};

static int collect_source(const struct store_alias *a, void *ctx)
{
	struct alias_sources *as = ctx;

	if (!strcmp(a->destination, as->address))
		json_object_array_add(as->arr,
				      json_object_new_string(a->source));
	return 0;
}

/* What show collects: the mailbox as JSON, with the sending limits in
 * force (its own, or the server's defaults from cfg). */
struct show_ctx {
	struct json_object *o;
	const struct vm_config *cfg;
};

/* "KEY": the limit in force, "KEY_default": whether it is the server's
 * default. */
static void add_limit(struct json_object *o, const char *key, int64_t own,
		      uint32_t server_default)
{
	bool is_default = own == STORE_LIMIT_DEFAULT;
	char name[48];

	json_object_object_add(o, key, json_object_new_int64(
		is_default ? (int64_t)server_default : own));
	snprintf(name, sizeof name, "%s_default", key);
	json_object_object_add(o, name, json_object_new_boolean(is_default));
}

static int copy_mailbox(const struct store_mailbox *m, void *ctx)
{
	struct show_ctx *c = ctx;

	c->o = mailbox_json(m);
	add_limit(c->o, "messages_per_hour", m->messages_per_hour,
		  c->cfg->messages_per_hour);
	add_limit(c->o, "recipients_per_hour", m->recipients_per_hour,
		  c->cfg->recipients_per_hour);
	return 0;
}

static void print_used(uint64_t quota, const struct quota_use *u)
{
	char size[32];

	if (!u->known) {
		printf("Used:     unknown (Dovecot is not running)\n");
		return;
	}
	printf("Used:     %s (%" PRIu64 " bytes) in %" PRIu64 " messages",
	       out_size(u->bytes, size), u->bytes, u->messages);
	if (quota)
		printf(", %.0f%% of the quota", 100.0 * (double)u->bytes /
						     (double)quota);
	printf("\n");
}

static const char *field(struct json_object *o, const char *key)
{
	return json_object_get_string(json_object_object_get(o, key));
}

/* "200 messages per hour (server default)", "no limit on ...". */
static void print_limit(struct json_object *o, const char *key,
			const char *what)
{
	int64_t n = json_object_get_int64(json_object_object_get(o, key));
	char name[48];

	snprintf(name, sizeof name, "%s_default", key);
	if (n)
		printf("%lld %s per hour", (long long)n, what);
	else
		printf("no limit on %s", what);
	printf(" (%s)", json_object_get_boolean(json_object_object_get(
		       o, name)) ? "server default" : "own limit");
}

static void print_show(struct json_object *o, const struct quota_use *u)
{
	struct json_object *aliases = json_object_object_get(o, "aliases");
	uint64_t quota = (uint64_t)json_object_get_int64(
		json_object_object_get(o, "quota_bytes"));
	size_t n = json_object_array_length(aliases);
	char size[32];

	printf("Address:  %s\n", field(o, "address"));
	printf("Active:   %s\n", json_object_get_boolean(
		       json_object_object_get(o, "active")) ? "yes" : "no");
	printf("Created:  %s UTC\n", field(o, "created"));
	printf("Quota:    %s\n", quota_text(quota, size));
	print_used(quota, u);
	printf("Aliases: ");
	for (size_t i = 0; i < n; i++)
		printf("%s %s", i ? "," : "", json_object_get_string(
			       json_object_array_get_idx(aliases, i)));
	printf("%s\n", n ? "" : " (none)");
	printf("Sending:  ");
	print_limit(o, "messages_per_hour", "messages");
	printf(",\n          ");
	print_limit(o, "recipients_per_hour", "recipients");
	printf("\n");
}

/* The mailbox as a JSON object plus its aliases; NULL if not found. */
static struct json_object *load_mailbox(struct store *s, const char *address,
					const struct vm_config *cfg,
					enum store_status *st)
{
	struct show_ctx c = { NULL, cfg };
	struct alias_sources as = { address, json_object_new_array() };
	struct json_object *o;

	*st = store_mailbox_get(s, address, copy_mailbox, &c);
	o = c.o;
	if (*st == STORE_OK)
		*st = store_alias_list(s, NULL, NULL, collect_source, &as);
	if (*st != STORE_OK) {
		json_object_put(o);
		json_object_put(as.arr);
		return NULL;
	}
	json_object_object_add(o, "aliases", as.arr);
	return o;
}

static int user_show(int argc, char **argv)
{
	char address[VM_ADDRESS_MAX + 1];
	struct json_object *o;
	struct vm_config cfg;
	struct quota_use u;
	bool json;
	struct store *s;
	enum store_status st;
	int ret;

	if ((ret = cmd_parse_json_opts("user show", argc, argv, show_usage,
				       &json)) >= 0 ||
	    (ret = address_operand("user show", argc, argv, show_usage,
				   address)) >= 0)
		return ret;
	if (!(s = cmd_open_store_existing(&cfg)))
		return VM_EXIT_FAIL;
	o = load_mailbox(s, address, &cfg, &st);
	if (!o) {
		ret = st == STORE_NOT_FOUND ? cmd_no_such_mailbox(address) :
					      directory_fail(s, st);
		store_close(s);
		return ret;
	}
	store_close(s);
	u = dovecot_quota_use(address);
	if (!json) {
		print_show(o, &u);
		json_object_put(o);
		return cmd_flush_stdout();
	}
	json_object_object_add(o, "quota_used_bytes", u.known ?
		json_object_new_int64((int64_t)u.bytes) : NULL);
	json_object_object_add(o, "quota_used_messages", u.known ?
		json_object_new_int64((int64_t)u.messages) : NULL);
	return out_json(o) == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
}

/* ---- passwd -------------------------------------------------------- */

/* Options and operand; returns -1 to go on, else an exit code. */
static int parse_passwd(int argc, char **argv, char *address,
			enum mailbox_password_source *src)
{
	static const struct option opts[] = {
		PASSWORD_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct password_opts pw = { false, false };
	int c;

	optind = 0;
	while ((c = cmd_getopt("user passwd", argc, argv, "ph", opts)) != -1) {
		if (c == 'h')
			return cmd_help(passwd_usage);
		if (!password_option(c, &pw))
			return cmd_usage_error(passwd_usage, NULL);
	}
	return password_operands("user passwd", argc, argv, passwd_usage, &pw,
				 address, src);
}

static int user_passwd(int argc, char **argv)
{
	char address[VM_ADDRESS_MAX + 1];
	struct new_password p = { "", "" };
	enum mailbox_password_source src;
	struct store *s;
	int ret, exists;

	if ((ret = parse_passwd(argc, argv, address, &src)) >= 0)
		return ret;
	if (!(s = cmd_open_store()))
		return VM_EXIT_FAIL;
	ret = VM_EXIT_FAIL;
	if ((exists = directory_mailbox_exists(s, address)) == 0)
		cmd_no_such_mailbox(address);
	if (exists > 0 && get_new_password(src, address, &p)) {
		enum store_status st = store_begin(s);
		if (st == STORE_OK)
			st = store_mailbox_set_password(s, address, p.hash);
		ret = directory_commit(s, st);
	}
	store_close(s);
	return password_done(ret, address, &p, true);
}

/* ---- quota --------------------------------------------------------- */

static int user_quota(int argc, char **argv)
{
	char address[VM_ADDRESS_MAX + 1];
	uint64_t quota;
	struct store *s;
	enum store_status st;
	int ret = cmd_parse_help_only("user quota", argc, argv, quota_usage);

	if (ret >= 0)
		return ret;
	if (argc - optind != 2)
		return cmd_usage_error(quota_usage,
				       "user quota: expected ADDRESS SIZE");
	if (!cmd_arg_mailbox(argv[optind], address, sizeof address) ||
	    !cmd_arg_size("quota", argv[optind + 1], &quota))
		return VM_EXIT_FAIL;
	if (!(s = cmd_open_store()))
		return VM_EXIT_FAIL;
	st = store_begin(s);
	if (st == STORE_OK)
		st = store_mailbox_set_quota(s, address, quota);
	ret = finish_mailbox_change(s, st, address);
	store_close(s);
	if (ret == VM_EXIT_OK)
		service_directory_changed(address, false);
	return ret;
}

int cmd_user(int argc, char **argv)
{
	static const struct subcommand subs[] = {
		{ "add", user_add },
		{ "del", user_del },
		{ "list", user_list },
		{ "show", user_show },
		{ "passwd", user_passwd },
		{ "quota", user_quota },
		{ "limit", cmd_user_limit },
		{ "suspend", cmd_user_suspend },
		{ "resume", cmd_user_resume },
	};

	return cmd_dispatch(argc, argv, subs, sizeof subs / sizeof *subs,
			    user_usage);
}
