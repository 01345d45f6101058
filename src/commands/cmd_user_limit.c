/*
 * cmd_user_limit.c - "vmailctl user limit": a mailbox's own hourly
 * sending limits (dispatched from cmd_user.c).
 *
 *   vmailctl user limit [--messages N] [--recipients N] ADDRESS
 *   vmailctl user limit --default ADDRESS
 *
 * N is a whole number (0 or "unlimited": no limit) or "default" (the
 * server's [limits] in vmail.conf again).  The change is stored in the
 * directory and the map rspamd reads is rewritten (send_limits.h);
 * rspamd picks it up by itself within about 30 seconds.  Bad input
 * changes nothing.  "vmailctl user show" prints the limits in force.
 */
#include <stdio.h>
#include <string.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/directory.h"
#include "core/send_limits.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/validate.h"

static const char limit_usage[] =
	"usage: vmailctl user limit [--messages N] [--recipients N] ADDRESS\n"
	"       vmailctl user limit --default ADDRESS\n"
	"\n"
	"Set how much ADDRESS may send per hour once logged in.  Beyond\n"
	"either limit its mail is refused with 4xx (\"rate limit\") until\n"
	"the hour is over.  The server's defaults are messages_per_hour and\n"
	"recipients_per_hour in [limits] of vmail.conf (200 and 1000).\n"
	"N is a whole number up to 1000000, 0 or 'unlimited' for no limit,\n"
	"or 'default' for the server's default.  A message to 10 people\n"
	"counts as 1 message and 10 recipients.  rspamd applies a change\n"
	"within about 30 seconds; 'vmailctl user show' shows the limits.\n"
	"\n"
	"  -m, --messages N    messages per hour\n"
	"  -r, --recipients N  recipients per hour, over all its messages\n"
	"  -d, --default       both back to the server's defaults\n"
	"  -h, --help          show this help\n";

struct limit_args {
	char address[VM_ADDRESS_MAX + 1];
	int64_t messages;      /* or STORE_LIMIT_DEFAULT / _KEEP */
	int64_t recipients;
};

/* N, "unlimited" (0) or "default" into *out; false with the reason
 * printed. */
static bool parse_limit(const char *what, const char *arg, int64_t *out)
{
	char why[128], shown[80];
	uint32_t n;

	if (!strcmp(arg, "default")) {
		*out = STORE_LIMIT_DEFAULT;
		return true;
	}
	if (!strcmp(arg, "unlimited")) {
		*out = 0;
		return true;
	}
	if (!config_parse_count(arg, &n, why, sizeof why)) {
		vm_err("invalid %s limit '%s': %s; or 'unlimited' or "
		       "'default'", what, cmd_shown(arg, shown), why);
		return false;
	}
	*out = n;
	return true;
}

/* Options and operand; returns -1 to go on, else an exit code. */
static int parse_limit_args(int argc, char **argv, struct limit_args *a)
{
	static const struct option opts[] = {
		{ "messages", required_argument, NULL, 'm' },
		{ "recipients", required_argument, NULL, 'r' },
		{ "default", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *messages = NULL, *recipients = NULL;
	bool defaults = false;
	int c;

	optind = 0;
	while ((c = cmd_getopt("user limit", argc, argv, "m:r:dh", opts)) !=
	       -1) {
		switch (c) {
		case 'm': messages = optarg; break;
		case 'r': recipients = optarg; break;
		case 'd': defaults = true; break;
		case 'h': return cmd_help(limit_usage);
		default: return cmd_usage_error(limit_usage, NULL);
		}
	}
	if (defaults && (messages || recipients))
		return cmd_usage_error(limit_usage, "user limit: --default "
				       "cannot go with --messages or "
				       "--recipients");
	if (!defaults && !messages && !recipients)
		return cmd_usage_error(limit_usage, "user limit: give "
				       "--messages, --recipients or --default");
	if (argc - optind != 1)
		return cmd_usage_error(limit_usage,
				       "user limit: expected ADDRESS");
	if (!cmd_arg_mailbox(argv[optind], a->address, sizeof a->address))
		return VM_EXIT_FAIL;
	a->messages = defaults ? STORE_LIMIT_DEFAULT : STORE_LIMIT_KEEP;
	a->recipients = a->messages;
	if ((messages && !parse_limit("messages", messages, &a->messages)) ||
	    (recipients &&
	     !parse_limit("recipients", recipients, &a->recipients)))
		return VM_EXIT_FAIL;
	return -1;
}

int cmd_user_limit(int argc, char **argv)
{
	struct limit_args a;
	struct store *s;
	enum store_status st;
	int ret = parse_limit_args(argc, argv, &a);

	if (ret >= 0)
		return ret;
	if (!(s = cmd_open_store()))
		return VM_EXIT_FAIL;
	st = store_begin(s);
	if (st == STORE_OK)
		st = store_mailbox_set_limits(s, a.address, a.messages,
					      a.recipients);
	if (st == STORE_NOT_FOUND) {
		store_rollback(s);
		ret = cmd_no_such_mailbox(a.address);
	} else {
		ret = directory_commit(s, st);
	}
	if (ret == VM_EXIT_OK && send_limits_sync_map(s) < 0) {
		vm_err("the new limits of %s are saved, but rspamd's map was "
		       "not written; run 'vmailctl setup' to retry", a.address);
		ret = VM_EXIT_FAIL;
	}
	store_close(s);
	return ret;
}
