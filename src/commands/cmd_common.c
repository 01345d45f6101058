/*
 * cmd_common.c - what the directory commands share: opening the store
 * named by the configuration, dispatching "vmailctl CMD SUBCMD",
 * reporting option errors, validating arguments with one clear message,
 * and the end of listings that every command does the same way.
 *
 * See cmd_common.h for the contract of each helper.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/cmd_common.h"
#include "core/directory.h"
#include "lib/diag.h"
#include "lib/output.h"
#include "lib/size.h"
#include "lib/str.h"
#include "lib/validate.h"

/* ---- configuration and store --------------------------------------- */

bool cmd_database_from_env(struct vm_config *cfg)
{
	const char *db = getenv("VMAIL_DB");

	if (db && *db && !vm_strlcpy(cfg->database, db, sizeof cfg->database)) {
		vm_err("VMAIL_DB is too long");
		return false;
	}
	return true;
}

bool cmd_load_config(struct vm_config *cfg)
{
	bool found;

	config_defaults(cfg);
	return config_load(config_path(), cfg, &found) &&
	       cmd_database_from_env(cfg);
}

struct store *cmd_open_store_cfg(struct vm_config *cfg)
{
	if (!cmd_load_config(cfg))
		return NULL;
	return store_open(cfg->database, true);
}

struct store *cmd_open_store(void)
{
	struct vm_config cfg;

	return cmd_open_store_cfg(&cfg);
}

struct store *cmd_open_store_existing(struct vm_config *cfg)
{
	if (!cmd_load_config(cfg))
		return NULL;
	return store_open(cfg->database, false);
}

/* ---- command line -------------------------------------------------- */

int cmd_help(const char *usage)
{
	fputs(usage, stdout);
	return VM_EXIT_OK;
}

int cmd_usage_error(const char *usage, const char *msg)
{
	if (msg)
		vm_err("%s", msg);
	fputs(usage, stderr);
	return VM_EXIT_USAGE;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help") ||
	       !strcmp(arg, "help");
}

int cmd_dispatch(int argc, char **argv, const struct subcommand *subs,
		 size_t n, const char *usage)
{
	char shown[80];
	char msg[160];

	if (argc < 2)
		return cmd_usage_error(usage, NULL);
	if (is_help(argv[1]))
		return cmd_help(usage);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(argc - 1, argv + 1);
	snprintf(msg, sizeof msg, "%s: unknown subcommand '%s'", argv[0],
		 cmd_shown(argv[1], shown));
	return cmd_usage_error(usage, msg);
}

/*
 * Options and operands in any order.  getopt_long() runs in its "return
 * in order" mode (optstring "-:..."), which no POSIXLY_CORRECT in the
 * environment turns into "stop at the first operand"; it hands each
 * operand back as option 1 and leaves argv alone, and we do the
 * permuting: the operands seen so far are kept together in
 * argv[gathered, gathered + n_gathered), just before optind, and each
 * option (with its value) that getopt_long() consumes after them is
 * rotated in front of them.  At the end ("--" or the last argument) they
 * are argv[optind..argc-1], followed by whatever came after "--".
 */
static int gathered, n_gathered;

static void reverse(char **v, int from, int to)
{
	while (from < --to) {
		char *t = v[from];

		v[from++] = v[to];
		v[to] = t;
	}
}

/* [from, mid) [mid, to)  ->  [mid, to) [from, mid) */
static void rotate(char **v, int from, int mid, int to)
{
	reverse(v, from, mid);
	reverse(v, mid, to);
	reverse(v, from, to);
}

/* How many long options start with name (of len bytes). */
static int long_prefix_matches(const struct option *longopts,
			       const char *name, size_t len)
{
	int n = 0;

	for (const struct option *o = longopts; o && o->name; o++)
		if (!strncmp(o->name, name, len))
			n++;
	return n;
}

/* Say what is wrong with arg, the element getopt_long() failed on (c is
 * '?' or ':').  A long option is named without its "=VALUE", which may
 * be a secret; a short one by optopt, as it may sit in a cluster such as
 * "-jx". */
static void report_option(const char *cmd, const char *arg, int c,
			  const struct option *longopts)
{
	unsigned char letter = (unsigned char)optopt;
	char shown[80], name[80];
	size_t len;

	if (strncmp(arg, "--", 2) != 0) {
		vm_err("%s: %s '-%c'%s", cmd, c == ':' ?
		       "missing value for option" : "unknown option",
		       isprint(letter) ? letter : '?',
		       isdigit(letter) ? " (an operand that starts with '-' "
					 "goes after '--')" : "");
		return;
	}
	len = strcspn(arg + 2, "=");
	snprintf(name, sizeof name, "--%.*s", (int)(len < 70 ? len : 70),
		 arg + 2);
	cmd_shown(name, shown);
	if (c == ':')
		vm_err("%s: missing value for option '%s'", cmd, shown);
	else if (arg[2 + len] == '=' && optopt)
		vm_err("%s: option '%s' takes no value", cmd, shown);
	else if (long_prefix_matches(longopts, arg + 2, len) > 1)
		vm_err("%s: ambiguous option '%s' (give more of its name)", cmd,
		       shown);
	else
		vm_err("%s: unknown option '%s'", cmd, shown);
}

int cmd_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char spec[64];
	int at, c;

	if (optind == 0) {   /* a new argv */
		gathered = 1;
		n_gathered = 0;
	}
	if (!vm_snprintf(spec, sizeof spec, "-:%s", shortopts)) {
		vm_err("%s: too many options", cmd);   /* a programming error */
		return '?';
	}
	opterr = 0;   /* we print our own, naming the command */
	for (;;) {
		at = optind > 0 ? optind : 1;   /* the element looked at */
		c = getopt_long(argc, argv, spec, longopts, NULL);
		if (c != 1)
			break;
		n_gathered++;   /* an operand, argv[at]: next to the others */
	}
	if (c == '?' || c == ':') {
		report_option(cmd, at < argc ? argv[at] : "", c, longopts);
		return '?';
	}
	rotate(argv, gathered, gathered + n_gathered, optind);
	gathered = optind - n_gathered;
	if (c == -1)
		optind = gathered;
	return c;
}

int cmd_parse_help_only(const char *cmd, int argc, char **argv,
			const char *usage)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	if ((c = cmd_getopt(cmd, argc, argv, "h", opts)) != -1)
		return c == 'h' ? cmd_help(usage) :
				  cmd_usage_error(usage, NULL);
	return -1;
}

int cmd_parse_flag(const char *cmd, int argc, char **argv, const char *usage,
		   const char *name, char letter, bool *flag)
{
	const struct option opts[] = {
		{ name, no_argument, NULL, letter },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char shortopts[] = { letter, 'h', '\0' };
	int c;

	*flag = false;
	optind = 0;
	while ((c = cmd_getopt(cmd, argc, argv, shortopts, opts)) != -1) {
		if (c == letter)
			*flag = true;
		else if (c == 'h')
			return cmd_help(usage);
		else
			return cmd_usage_error(usage, NULL);
	}
	return -1;
}

int cmd_parse_json_opts(const char *cmd, int argc, char **argv,
			const char *usage, bool *json)
{
	return cmd_parse_flag(cmd, argc, argv, usage, "json", 'j', json);
}

int cmd_password_source(const char *cmd, const char *usage,
			const char *name, bool from_stdin, bool prompt,
			enum mailbox_password_source *src)
{
	char msg[160];

	if (from_stdin && prompt) {
		snprintf(msg, sizeof msg, "%s: --%s and --%s-stdin exclude "
			 "each other", cmd, name, name);
		return cmd_usage_error(usage, msg);
	}
	if (prompt && !isatty(STDIN_FILENO)) {
		vm_err("%s: --%s asks on the terminal, and standard input is "
		       "not one (in scripts, use --%s-stdin)", cmd, name, name);
		return VM_EXIT_FAIL;
	}
	*src = prompt ? MAILBOX_PASSWORD_PROMPT :
	       from_stdin ? MAILBOX_PASSWORD_STDIN : MAILBOX_PASSWORD_GENERATE;
	return -1;
}

int cmd_flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return VM_EXIT_OK;
	vm_errno("cannot write to standard output");
	return VM_EXIT_FAIL;
}

const char *cmd_shown(const char *arg, char *buf)
{
	size_t i;

	for (i = 0; i < 60 && arg[i]; i++)
		buf[i] = isprint((unsigned char)arg[i]) ? arg[i] : '?';
	if (arg[i])
		strcpy(buf + i, "...");
	else
		buf[i] = '\0';
	return buf;
}

/* ---- arguments ----------------------------------------------------- */

typedef bool (*validator)(const char *, char *, size_t);

/* Copy, lower-case and validate; one message on failure. */
static bool normalise(const char *what, validator ok, const char *arg,
		      char *out, size_t size)
{
	char why[128] = "";
	char shown[80];

	if (!vm_strlcpy(out, arg, size)) {
		vm_err("invalid %s '%s': too long (%zu characters)", what,
		       cmd_shown(arg, shown), strlen(arg));
		return false;
	}
	vm_ascii_lower(out);
	if (!ok(out, why, sizeof why)) {
		vm_err("invalid %s '%s': %s", what, cmd_shown(arg, shown),
		       why[0] ? why : "not valid");
		return false;
	}
	return true;
}

bool cmd_arg_domain(const char *arg, char *out, size_t size)
{
	return normalise("domain", valid_domain, arg, out, size);
}

bool cmd_arg_address(const char *what, const char *arg, char *out,
		     size_t size)
{
	return normalise(what, valid_address, arg, out, size);
}

bool cmd_arg_alias_source(const char *arg, char *out, size_t size)
{
	return normalise("alias source", valid_alias_source, arg, out, size);
}

int cmd_no_such_mailbox(const char *address)
{
	vm_err("no mailbox '%s' (see 'vmailctl user list')", address);
	return VM_EXIT_FAIL;
}

int cmd_no_such_domain(const char *domain)
{
	vm_err("domain '%s' is not hosted", domain);
	return VM_EXIT_FAIL;
}

bool cmd_arg_mailbox(const char *arg, char *out, size_t size)
{
	char local[VM_LOCALPART_MAX + 1], domain[VM_DOMAIN_MAX + 1];
	char why[128] = "";
	char shown[80];

	if (!normalise("address", valid_address, arg, out, size))
		return false;
	if (!split_address(out, local, sizeof local, domain, sizeof domain) ||
	    !valid_mailbox_localpart(local, why, sizeof why)) {
		vm_err("invalid mailbox address '%s': %s",
		       cmd_shown(arg, shown), why[0] ? why : "not valid");
		return false;
	}
	return true;
}

bool cmd_arg_size(const char *what, const char *arg, uint64_t *out)
{
	char why[128] = "";
	char shown[80];

	if (parse_size(arg, out, why, sizeof why))
		return true;
	vm_err("invalid %s '%s': %s", what, cmd_shown(arg, shown),
	       why[0] ? why : "not a size");
	return false;
}

/* ---- listings ----------------------------------------------------- */

int cmd_finish_list(struct store *s, enum store_status st,
		    struct json_object *json)
{
	if (st != STORE_OK) {
		directory_fail(s, st);
		store_close(s);
		json_object_put(json);
		return VM_EXIT_FAIL;
	}
	store_close(s);
	if (json)
		return out_json(json) == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
	return cmd_flush_stdout();
}

/* The options of "list [--json] [DOMAIN]", and DOMAIN validated into
 * domain ("" when not given).  -1 to go on, else the exit code. */
static int parse_list(const char *cmd, int argc, char **argv,
		      const char *usage, bool *json, char *domain, size_t size)
{
	char msg[128];
	int ret = cmd_parse_json_opts(cmd, argc, argv, usage, json);

	if (ret >= 0)
		return ret;
	if (argc - optind > 1) {
		snprintf(msg, sizeof msg, "%s: at most one DOMAIN", cmd);
		return cmd_usage_error(usage, msg);
	}
	if (argc - optind == 1 && !cmd_arg_domain(argv[optind], domain, size))
		return VM_EXIT_FAIL;
	return -1;
}

int cmd_list_by_domain(const char *cmd, int argc, char **argv,
		       const char *usage, cmd_lister *list)
{
	char domain[VM_DOMAIN_MAX + 1] = "";
	struct json_object *arr = NULL;
	struct vm_config cfg;
	bool json;
	struct store *s;
	int rows = 0;
	int ret = parse_list(cmd, argc, argv, usage, &json, domain,
			     sizeof domain);

	if (ret >= 0)
		return ret;
	if (!(s = cmd_open_store_existing(&cfg)))
		return VM_EXIT_FAIL;
	if (domain[0] && !directory_require_domain(s, domain)) {
		store_close(s);
		return VM_EXIT_FAIL;
	}
	if (json)
		arr = json_object_new_array();
	return cmd_finish_list(s, list(s, domain[0] ? domain : NULL, arr,
				       &rows), arr);
}
