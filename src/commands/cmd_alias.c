/*
 * cmd_alias.c - "vmailctl alias add|del|list": addresses that forward to
 * mailboxes or to external addresses, and catch-alls.
 *
 *   vmailctl alias add SOURCE DEST [DEST...]
 *   vmailctl alias del [--force] SOURCE [DEST...]
 *   vmailctl alias list [--json] [DOMAIN]
 *
 * SOURCE is "local@domain" in a hosted domain, or "@domain" (catch-all:
 * mail for any address of the domain that is neither a mailbox nor an
 * alias).  The store keeps one row per (SOURCE, DEST).  Adding or
 * deleting several destinations is all-or-nothing: one transaction.
 * What an alias may not do (lead nowhere, loop) and what a delete takes
 * with it: core/alias_graph.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/alias_graph.h"
#include "core/directory.h"
#include "lib/diag.h"
#include "lib/output.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/strlist.h"
#include "lib/validate.h"

static const char alias_usage[] =
	"usage: vmailctl alias add SOURCE DEST [DEST...]\n"
	"       vmailctl alias del [--force] SOURCE [DEST...]\n"
	"       vmailctl alias list [--json] [DOMAIN]\n"
	"\n"
	"Manage aliases.  SOURCE '@DOMAIN' is a catch-all.\n"
	"Run 'vmailctl alias SUBCOMMAND --help' for details.\n";

static const char add_usage[] =
	"usage: vmailctl alias add SOURCE DEST [DEST...]\n"
	"\n"
	"Deliver mail for SOURCE to each DEST.  SOURCE is an address in a\n"
	"hosted domain that is not a mailbox, or '@DOMAIN' for a catch-all\n"
	"(mail to unknown addresses of DOMAIN).  A DEST is a mailbox, another\n"
	"address hosted here, or an external address (mail is forwarded).\n"
	"Either every DEST is added, or none.  A DEST that leads back to\n"
	"SOURCE (through aliases hosted here) is refused: a loop.\n"
	"\n"
	"  -h, --help   show this help\n";

static const char del_usage[] =
	"usage: vmailctl alias del [--force] SOURCE [DEST...]\n"
	"\n"
	"Stop delivering SOURCE to the given DESTs, or to all of them if none\n"
	"is given.  Every given pair must exist, or nothing is deleted.  An\n"
	"alias left without destinations is gone; if other aliases deliver\n"
	"to it, that is refused (they are listed) unless --force is given.\n"
	"\n"
	"  -f, --force  also remove SOURCE from the aliases that deliver to\n"
	"               it (an alias left without destinations is deleted)\n"
	"  -h, --help   show this help\n";

static const char list_usage[] =
	"usage: vmailctl alias list [--json] [DOMAIN]\n"
	"\n"
	"List aliases, one line per SOURCE and DEST, of every domain or only\n"
	"of DOMAIN.\n"
	"\n"
	"  -j, --json   print a JSON array of objects\n"
	"  -h, --help   show this help\n";

typedef char address_buf[VM_ADDRESS_MAX + 1];

/* A parsed "SOURCE [DEST...]" command line. */
struct alias_args {
	address_buf source;
	char domain[VM_DOMAIN_MAX + 1];   /* of the source */
	address_buf *dests;
	int n;
};

static void free_args(struct alias_args *a)
{
	free(a->dests);
}

/* Validate SOURCE and each DEST (lower-cased); refuse a DEST that
 * is SOURCE or is given twice.  Prints why and returns false. */
static bool parse_operands(int argc, char **argv, struct alias_args *a)
{
	const char *at;

	if (!cmd_arg_alias_source(argv[0], a->source, sizeof a->source))
		return false;
	at = strrchr(a->source, '@');
	vm_strlcpy(a->domain, at + 1, sizeof a->domain);
	a->n = argc - 1;
	if (a->n && !(a->dests = calloc((size_t)a->n, sizeof *a->dests))) {
		vm_errno("out of memory");
		return false;
	}
	for (int i = 0; i < a->n; i++) {
		if (!cmd_arg_address("destination", argv[i + 1], a->dests[i],
				     sizeof a->dests[i]))
			return false;
		if (!strcmp(a->dests[i], a->source)) {
			vm_err("alias '%s' cannot deliver to itself",
			       a->source);
			return false;
		}
		for (int j = 0; j < i; j++)
			if (!strcmp(a->dests[j], a->dests[i])) {
				vm_err("destination '%s' is given twice",
				       a->dests[i]);
				return false;
			}
	}
	return true;
}

/* Validate the operands "SOURCE [DEST...]", then make the change in the
 * store and tell Dovecot.  The exit code. */
static int change_aliases(int argc, char **argv,
			  int (*change)(struct store *,
					const struct alias_args *))
{
	struct alias_args a = { .dests = NULL };
	struct store *s;
	int ret = VM_EXIT_FAIL;

	if (parse_operands(argc, argv, &a) && (s = cmd_open_store())) {
		ret = change(s, &a);
		store_close(s);
	}
	if (ret == VM_EXIT_OK)
		service_directory_changed(NULL, false);
	free_args(&a);
	return ret;
}

/* ---- add ----------------------------------------------------------- */

/* The source may be new or already an alias, but not a mailbox. */
static bool source_is_usable(struct store *s, const struct alias_args *a)
{
	int r;

	if (!directory_require_domain(s, a->domain))
		return false;
	if ((r = directory_mailbox_exists(s, a->source)) > 0)
		vm_err("'%s' is a mailbox; an address is either a mailbox or "
		       "an alias (to forward a mailbox's mail, use a Sieve "
		       "redirect)", a->source);
	return r == 0;
}

/* A destination in a domain hosted here must lead somewhere: a mailbox
 * (also as user+tag), an alias, or the domain's catch-all.  Otherwise
 * the mail would be accepted and then bounce.  External ones are fine. */
static bool destination_is_deliverable(struct store *s, const char *dest)
{
	const char *domain = strrchr(dest, '@') + 1;
	int r;

	if ((r = directory_domain_exists(s, domain)) <= 0)
		return r == 0;
	if ((r = alias_graph_resolves(s, dest)) != 0)
		return r > 0;
	vm_err("destination '%s' does not exist: %s is hosted here, but has "
	       "no such mailbox or alias (add it first)", dest, domain);
	return false;
}

/* No destination may lead back to the alias (Postfix would bounce the
 * mail once its recursion limit is hit). */
static bool makes_no_loop(struct store *s, const struct alias_args *a)
{
	char path[1024];
	int r = 0;

	for (int i = 0; r == 0 && i < a->n; i++)
		if ((r = alias_graph_loop(s, a->source, a->dests[i], path,
					  sizeof path)) > 0)
			vm_err("alias '%s' -> '%s' would make a loop: %s",
			       a->source, a->dests[i], path);
	return r == 0;
}

/* All checks and inserts inside one transaction. */
static int add_aliases(struct store *s, const struct alias_args *a)
{
	enum store_status st = store_begin(s);

	if (st != STORE_OK)
		return directory_fail(s, st);
	if (!source_is_usable(s, a))
		goto fail;
	for (int i = 0; i < a->n && st == STORE_OK; i++) {
		if (!destination_is_deliverable(s, a->dests[i]))
			goto fail;
		st = store_alias_add(s, a->source, a->dests[i]);
	}
	if (st == STORE_OK && !makes_no_loop(s, a))
		goto fail;
	return directory_commit(s, st);
fail:
	store_rollback(s);
	return VM_EXIT_FAIL;
}

static int alias_add(int argc, char **argv)
{
	int ret = cmd_parse_help_only("alias add", argc, argv, add_usage);

	if (ret >= 0)
		return ret;
	if (argc - optind < 2)
		return cmd_usage_error(add_usage, "alias add: expected "
				       "SOURCE DEST [DEST...]");
	return change_aliases(argc - optind, argv + optind, add_aliases);
}

/* ---- del ----------------------------------------------------------- */

static bool del_force;   /* alias del --force */

/* Delete the rows; an alias left without destinations is gone, and the
 * aliases that deliver to it are settled (alias_graph.h). */
static int del_aliases(struct store *s, const struct alias_args *a)
{
	struct vm_strlist gone = VM_STRLIST_INIT;
	char what[VM_ADDRESS_MAX + 16];
	enum store_status st = store_begin(s);
	bool reported = false;   /* by alias_graph */
	int left = 0;

	if (st == STORE_OK && a->n == 0)
		st = store_alias_del(s, a->source, NULL);
	for (int i = 0; st == STORE_OK && i < a->n; i++)
		st = store_alias_del(s, a->source, a->dests[i]);
	if (st == STORE_OK && (left = alias_graph_is_alias(s, a->source)) < 0)
		reported = true;
	snprintf(what, sizeof what, "alias '%s'", a->source);
	if (st == STORE_OK && left == 0) {
		st = vm_strlist_add(&gone, a->source) ?
		     alias_graph_settle(s, what, &gone, NULL, del_force) :
		     STORE_ERROR;
		reported = st != STORE_OK;
	}
	vm_strlist_free(&gone);
	if (reported) {
		store_rollback(s);
		return VM_EXIT_FAIL;
	}
	return directory_commit(s, st);
}

static int alias_del(int argc, char **argv)
{
	int ret = cmd_parse_flag("alias del", argc, argv, del_usage, "force",
				 'f', &del_force);

	if (ret >= 0)
		return ret;
	if (argc - optind < 1)
		return cmd_usage_error(del_usage,
				       "alias del: expected SOURCE [DEST...]");
	return change_aliases(argc - optind, argv + optind, del_aliases);
}

/* ---- list ---------------------------------------------------------- */

static int print_alias(const struct store_alias *a, void *ctx)
{
	int *rows = ctx;

	if ((*rows)++ == 0)
		printf("%-40s %s\n", "SOURCE", "DESTINATION");
	printf("%-40s %s\n", a->source, a->destination);
	return 0;
}

static int json_alias(const struct store_alias *a, void *ctx)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "source", json_object_new_string(a->source));
	json_object_object_add(o, "destination",
			       json_object_new_string(a->destination));
	json_object_object_add(o, "domain", json_object_new_string(a->domain));
	json_object_object_add(o, "catch_all",
			       json_object_new_boolean(a->source[0] == '@'));
	json_object_object_add(o, "created",
			       json_object_new_string(a->created));
	json_object_array_add(ctx, o);
	return 0;
}

/* The rows of "alias list" (a cmd_lister). */
static enum store_status list_aliases(struct store *s, const char *domain,
				      struct json_object *json, int *rows)
{
	if (json)
		return store_alias_list(s, domain, NULL, json_alias, json);
	return store_alias_list(s, domain, NULL, print_alias, rows);
}

static int alias_list(int argc, char **argv)
{
	return cmd_list_by_domain("alias list", argc, argv, list_usage,
				  list_aliases);
}

int cmd_alias(int argc, char **argv)
{
	static const struct subcommand subs[] = {
		{ "add", alias_add },
		{ "del", alias_del },
		{ "list", alias_list },
	};

	return cmd_dispatch(argc, argv, subs, sizeof subs / sizeof *subs,
			    alias_usage);
}
