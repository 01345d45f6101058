/*
 * cmd_common.h - helpers shared by the directory commands (cmd_domain.c,
 * cmd_user.c, cmd_alias.c; cmd_setup.c may use them too): opening the
 * store, dispatching sub-subcommands, option errors, turning what an
 * administrator typed into canonical, validated values with one clear
 * error message each, and list output.  What setup shares with the
 * commands (lookups, reporting store failures, ending transactions, new
 * passwords) is in src/core/.
 *
 * The cmd_arg_*() functions lower-case and validate an argument into a
 * caller buffer.  On failure they print "vmailctl: invalid WHAT 'ARG':
 * reason" (ARG shortened and made printable) and return false; the
 * command then returns VM_EXIT_FAIL.
 */
#ifndef VMAIL_CMD_COMMON_H
#define VMAIL_CMD_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mailbox_password.h"
#include "lib/config.h"
#include "store/store.h"

/* $VMAIL_DB, when set, over cfg->database: tests point every command at
 * another database (never saved in vmail.conf).  Prints the reason on
 * failure. */
bool cmd_database_from_env(struct vm_config *cfg);
/* Load the settings from config_path() over the defaults (a missing file
 * is fine) and apply $VMAIL_DB.  Prints the reason on failure. */
bool cmd_load_config(struct vm_config *cfg);
/* cmd_load_config() into cfg, then open (creating) the database. */
struct store *cmd_open_store_cfg(struct vm_config *cfg);
/* The same when the caller needs no settings: open the directory named
 * by the config ($VMAIL_CONF or /etc/vmail/vmail.conf; $VMAIL_DB
 * overrides the database path for tests).  Prints the reason and
 * returns NULL on failure. */
struct store *cmd_open_store(void);
/* For the commands that only read (list, show): open the directory
 * without creating it; a missing one is an error that says to run
 * setup. */
struct store *cmd_open_store_existing(struct vm_config *cfg);

/* One sub-subcommand ("add", "del", ...): run gets argv from its name. */
struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
};

/* Dispatch argv[1] to the matching entry of subs.  No name or an unknown
 * one is a usage error; -h/--help/help print usage to stdout. */
int cmd_dispatch(int argc, char **argv, const struct subcommand *subs,
		 size_t n, const char *usage);

/*
 * getopt_long() with options and operands in any order, whatever
 * POSIXLY_CORRECT says: "user add ADDRESS --quota 2G" is "user add
 * --quota 2G ADDRESS".  "--" ends the options: what follows is operands,
 * even if it starts with '-'.  argv[0] is the (sub)command's own name,
 * never an operand.  Set optind to 0 before the first call for a new
 * argv; shortopts are the letters alone ("q:ph", no "+" or ":").  Once
 * it returns -1, the operands are argv[optind..argc-1], in the order
 * given (argv is permuted).  An unknown option, a missing value or a
 * value given to an option that takes none prints "vmailctl: CMD: ..."
 * to stderr (never the value: it may be a secret) and returns '?'.
 */
int cmd_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

/* For a subcommand whose only option is -h/--help: parse argv; returns
 * -1 to go on (optind at the first operand), else the exit code. */
int cmd_parse_help_only(const char *cmd, int argc, char **argv,
			const char *usage);

/* For a subcommand whose only options are one on/off flag, --NAME or
 * -LETTER (sets *flag), and -h/--help; returns -1 to go on (optind at
 * the first operand), else the exit code. */
int cmd_parse_flag(const char *cmd, int argc, char **argv, const char *usage,
		   const char *name, char letter, bool *flag);

/* For list and show: parse -j/--json (sets *json) and -h/--help; returns
 * -1 to go on (optind at the first operand), else the exit code. */
int cmd_parse_json_opts(const char *cmd, int argc, char **argv,
			const char *usage, bool *json);


/*
 * Where a new password comes from, after the options --NAME-stdin
 * (from_stdin) and --NAME (prompt; name is "password" or
 * "admin-password"): neither is GENERATE.  Both together is a usage
 * error; --NAME without a terminal on standard input fails now, before
 * anything is done.  Returns -1 to go on (*src set), else the exit code.
 */
int cmd_password_source(const char *cmd, const char *usage,
			const char *name, bool from_stdin, bool prompt,
			enum mailbox_password_source *src);

/* Print usage to stdout; VM_EXIT_OK.  (For -h/--help.) */
int cmd_help(const char *usage);
/* Print "vmailctl: msg" (if msg) and usage to stderr; VM_EXIT_USAGE. */
int cmd_usage_error(const char *usage, const char *msg);

/* Flush stdout; on a write error say so.  VM_EXIT_OK or VM_EXIT_FAIL. */
int cmd_flush_stdout(void);

/* arg made safe to quote in a message: at most ~60 characters ("..."
 * after), non-printable characters as '?'.  buf must hold 80 bytes. */
const char *cmd_shown(const char *arg, char *buf);

bool cmd_arg_domain(const char *arg, char *out, size_t size);
/* Any mail address; what names it in the message ("destination"). */
bool cmd_arg_address(const char *what, const char *arg, char *out,
		     size_t size);
/* A mailbox address: as cmd_arg_address, without '+' in the local part. */
bool cmd_arg_mailbox(const char *arg, char *out, size_t size);
/* "local@domain" or "@domain". */
bool cmd_arg_alias_source(const char *arg, char *out, size_t size);
/* A size such as a quota; what names it in the message ("quota"). */
bool cmd_arg_size(const char *what, const char *arg, uint64_t *out);

/* The messages for a mailbox or a domain that is not there, with where
 * to look ("no mailbox 'a@b' (see 'vmailctl user list')", "domain 'b'
 * is not hosted"); VM_EXIT_FAIL. */
int cmd_no_such_mailbox(const char *address);
int cmd_no_such_domain(const char *domain);

/* End a list command whose rows went to stdout (text) or into json (a
 * JSON array; NULL for text): close the store, then report a failed st,
 * or print json (and free it) or flush the text.  The exit code. */
struct json_object;
int cmd_finish_list(struct store *s, enum store_status st,
		    struct json_object *json);

/*
 * A whole "CMD list [--json] [DOMAIN]" command.  list gives the rows of
 * domain (NULL: of every domain): printed as text when json is NULL
 * (*rows counts them, so the first can print the header), else added to
 * the JSON array json.
 */
typedef enum store_status cmd_lister(struct store *s, const char *domain,
				     struct json_object *json, int *rows);
int cmd_list_by_domain(const char *cmd, int argc, char **argv,
		       const char *usage, cmd_lister *list);

#endif
