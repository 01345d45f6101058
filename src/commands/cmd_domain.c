/*
 * cmd_domain.c - "vmailctl domain add|del|list": the domains this
 * server receives mail for.
 *
 *   vmailctl domain add DOMAIN
 *   vmailctl domain del [--force] DOMAIN
 *   vmailctl domain list [--json]
 *   vmailctl domain suspend|resume DOMAIN     (cmd_suspend.c)
 *
 * Each sub-subcommand is one function below with its own usage text.
 * Writes happen in one transaction; bad input changes nothing.  A new
 * domain gets an active DKIM key; a deleted one loses its keys (rows
 * and files); the selectors map is rewritten after either (dkim_keys.h).
 * After a change, service_domain_changed() makes Dovecot and Postfix see
 * it at once (and closes the sessions of mailboxes deleted by --force),
 * and setup_web_refresh() serves (or stops serving) the domain's
 * mta-sts., autoconfig. and autodiscover. names (setup_web.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/alias_graph.h"
#include "core/directory.h"
#include "core/dkim_keys.h"
#include "core/send_limits.h"
#include "lib/diag.h"
#include "lib/output.h"
#include "lib/service.h"
#include "lib/strlist.h"
#include "lib/validate.h"
#include "setup/setup.h"

static const char domain_usage[] =
	"usage: vmailctl domain add DOMAIN\n"
	"       vmailctl domain del [--force] DOMAIN\n"
	"       vmailctl domain list [--json]\n"
	"       vmailctl domain suspend|resume DOMAIN\n"
	"\n"
	"Manage the domains this server receives mail for.\n"
	"Run 'vmailctl domain SUBCOMMAND --help' for details.\n";

static const char add_usage[] =
	"usage: vmailctl domain add DOMAIN\n"
	"\n"
	"Host DOMAIN: accept mail for it, and allow mailboxes and aliases\n"
	"in it.  Point its MX record at this server.  A DKIM key is made\n"
	"for it; publish its record ('vmailctl dkim show DOMAIN').\n"
	"\n"
	"  -h, --help   show this help\n";

static const char del_usage[] =
	"usage: vmailctl domain del [--force] DOMAIN\n"
	"\n"
	"Stop hosting DOMAIN.  Refused while it has mailboxes or aliases, or\n"
	"while aliases of other domains deliver into it (they are listed),\n"
	"unless --force is given.  Mail on disk is kept; the domain's DKIM\n"
	"keys are deleted.\n"
	"\n"
	"  -f, --force  also delete the domain's mailboxes and aliases, and\n"
	"               the destinations in DOMAIN of other aliases (an alias\n"
	"               left without destinations is deleted)\n"
	"  -h, --help   show this help\n";

static const char list_usage[] =
	"usage: vmailctl domain list [--json]\n"
	"\n"
	"List the hosted domains with their numbers of mailboxes and aliases.\n"
	"\n"
	"  -j, --json   print a JSON array of objects\n"
	"  -h, --help   show this help\n";

/* ---- add ----------------------------------------------------------- */

/* Add the domain and its active DKIM key in one transaction, then
 * rewrite the selectors map. */
static int add_with_key(struct store *s, const char *name)
{
	char selector[DKIM_SELECTOR_MAX + 1] = "";
	enum store_status st = store_begin(s);
	int ret;

	if (st == STORE_OK)
		st = store_domain_add(s, name);
	if (st == STORE_OK &&
	    !dkim_key_create(s, name, "active", selector, sizeof selector)) {
		store_rollback(s);
		return VM_EXIT_FAIL;
	}
	ret = directory_commit(s, st);
	if (ret != VM_EXIT_OK) {
		dkim_key_discard(name, selector);
		return ret;
	}
	return dkim_keys_sync_map(s) < 0 ? VM_EXIT_FAIL : VM_EXIT_OK;
}

static int domain_add(int argc, char **argv)
{
	char name[VM_DOMAIN_MAX + 1];
	struct vm_config cfg;
	struct store *s;
	int ret = cmd_parse_help_only("domain add", argc, argv, add_usage);

	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return cmd_usage_error(add_usage,
				       "domain add: expected DOMAIN");
	if (!cmd_arg_domain(argv[optind], name, sizeof name))
		return VM_EXIT_FAIL;
	if (!(s = cmd_open_store_cfg(&cfg)))
		return VM_EXIT_FAIL;
	ret = add_with_key(s, name);
	store_close(s);
	if (ret == VM_EXIT_OK) {
		service_domain_changed(name, false);
		if (setup_web_refresh(&cfg) < 0)
			ret = VM_EXIT_FAIL;
	}
	return ret;
}

/* ---- del ----------------------------------------------------------- */

/* Delete inside a transaction; the DKIM keys removed land in keys.
 * Aliases of other domains that deliver into it are settled
 * (alias_graph.h): refused, or with force removed. */
static int delete_domain(struct store *s, const char *name, bool force,
			 struct dkim_keyset *keys)
{
	const struct vm_strlist none = VM_STRLIST_INIT;
	char what[VM_DOMAIN_MAX + 16];
	enum store_status st = store_begin(s);

	if (st == STORE_OK && !dkim_keyset_load(s, name, keys)) {
		store_rollback(s);
		return VM_EXIT_FAIL;
	}
	if (st == STORE_OK)
		st = store_domain_del(s, name, force);
	if (st == STORE_CONFLICT && !force) {
		/* Its contents keep it; name what elsewhere points in too. */
		vm_err("%s; delete them first, or use --force",
		       store_errmsg(s));
		snprintf(what, sizeof what, "domain '%s'", name);
		if (store_domain_del(s, name, true) == STORE_OK)
			alias_graph_settle(s, what, &none, name, false);
		store_rollback(s);
		return VM_EXIT_FAIL;
	}
	if (st == STORE_OK)
		st = store_dkim_del_domain(s, name);
	snprintf(what, sizeof what, "domain '%s'", name);
	if (st == STORE_OK &&
	    (st = alias_graph_settle(s, what, &none, name, force)) !=
	    STORE_OK) {
		store_rollback(s);   /* reported */
		return VM_EXIT_FAIL;
	}
	if (st == STORE_OK)   /* commits, and rewrites the sender map */
		return directory_commit(s, st);
	store_rollback(s);
	if (st == STORE_NOT_FOUND)
		cmd_no_such_domain(name);
	else if (st == STORE_CONFLICT)
		vm_err("%s; delete them first, or use --force",
		       store_errmsg(s));
	else
		directory_fail(s, st);
	return VM_EXIT_FAIL;
}

static int domain_del(int argc, char **argv)
{
	char name[VM_DOMAIN_MAX + 1];
	struct dkim_keyset keys = { NULL, 0 };
	bool force, files_ok = true;
	struct vm_config cfg;
	struct store *s;
	int ret = cmd_parse_flag("domain del", argc, argv, del_usage, "force",
				 'f', &force);

	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return cmd_usage_error(del_usage,
				       "domain del: expected DOMAIN");
	if (!cmd_arg_domain(argv[optind], name, sizeof name))
		return VM_EXIT_FAIL;
	if (!(s = cmd_open_store_cfg(&cfg)))
		return VM_EXIT_FAIL;
	ret = delete_domain(s, name, force, &keys);
	/* The map first: the signer stops using the keys before the files
	 * go. */
	if (ret == VM_EXIT_OK)
		files_ok = dkim_keys_sync_map(s) >= 0 &&
			  dkim_keyset_remove_files(name, &keys);
	/* Mailboxes removed by --force leave the sending limits map. */
	if (ret == VM_EXIT_OK && force && send_limits_sync_map(s) < 0)
		files_ok = false;
	store_close(s);
	dkim_keyset_free(&keys);
	/* Mailboxes deleted by --force: their sessions end. */
	if (ret == VM_EXIT_OK) {
		service_domain_changed(name, true);
		if (setup_web_refresh(&cfg) < 0)
			files_ok = false;
	}
	return ret == VM_EXIT_OK && !files_ok ? VM_EXIT_FAIL : ret;
}

/* ---- list ---------------------------------------------------------- */

static int print_domain(const struct store_domain *d, void *ctx)
{
	int *rows = ctx;

	if ((*rows)++ == 0)
		printf("%-32s %9s %7s  %-6s  %s\n", "DOMAIN", "MAILBOXES",
		       "ALIASES", "ACTIVE", "CREATED");
	printf("%-32s %9lld %7lld  %-6s  %s\n", d->name,
	       (long long)d->mailboxes, (long long)d->aliases,
	       d->active ? "yes" : "no", d->created);
	return 0;
}

static int json_domain(const struct store_domain *d, void *ctx)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "active", json_object_new_boolean(d->active));
	json_object_object_add(o, "mailboxes",
			       json_object_new_int64(d->mailboxes));
	json_object_object_add(o, "aliases", json_object_new_int64(d->aliases));
	json_object_object_add(o, "created",
			       json_object_new_string(d->created));
	json_object_array_add(ctx, o);
	return 0;
}

static int domain_list(int argc, char **argv)
{
	struct json_object *arr = NULL;
	struct vm_config cfg;
	bool json;
	struct store *s;
	enum store_status st;
	int ret, rows = 0;

	ret = cmd_parse_json_opts("domain list", argc, argv, list_usage, &json);
	if (ret >= 0)
		return ret;
	if (argc != optind)
		return cmd_usage_error(list_usage,
				       "domain list: unexpected argument");
	if (!(s = cmd_open_store_existing(&cfg)))
		return VM_EXIT_FAIL;
	if (json) {
		arr = json_object_new_array();
		st = store_domain_list(s, json_domain, arr);
	} else {
		st = store_domain_list(s, print_domain, &rows);
	}
	return cmd_finish_list(s, st, arr);
}

int cmd_domain(int argc, char **argv)
{
	static const struct subcommand subs[] = {
		{ "add", domain_add },
		{ "del", domain_del },
		{ "list", domain_list },
		{ "suspend", cmd_domain_suspend },
		{ "resume", cmd_domain_resume },
	};

	return cmd_dispatch(argc, argv, subs, sizeof subs / sizeof *subs,
			    domain_usage);
}
