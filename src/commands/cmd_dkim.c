/*
 * cmd_dkim.c - "vmailctl dkim show|rotate|list": the DKIM keys that sign
 * the mail of each hosted domain, and the DNS records that publish them.
 *
 *   vmailctl dkim show [--json] [--selector SEL] DOMAIN
 *   vmailctl dkim rotate [--activate] DOMAIN
 *   vmailctl dkim list [--json] [DOMAIN]
 *
 * Rotation is two steps so that no mail is signed with a key DNS does
 * not know yet: "rotate" makes a pending key and prints its record (the
 * active key keeps signing); once the record is published, "rotate
 * --activate" makes it the active one and retires the old key (its file
 * is removed, the selectors map rewritten).  Keys and map: dkim_keys.h.
 * Private keys are never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/directory.h"
#include "core/dkim_keys.h"
#include "lib/diag.h"
#include "lib/output.h"
#include "lib/str.h"
#include "lib/validate.h"

static const char dkim_usage[] =
	"usage: vmailctl dkim show [--json] [--selector SEL] DOMAIN\n"
	"       vmailctl dkim rotate [--activate] DOMAIN\n"
	"       vmailctl dkim list [--json] [DOMAIN]\n"
	"\n"
	"Show, rotate and list the DKIM keys that sign outgoing mail.\n"
	"Run 'vmailctl dkim SUBCOMMAND --help' for details.\n";

static const char show_usage[] =
	"usage: vmailctl dkim show [--json] [--selector SEL] DOMAIN\n"
	"\n"
	"Print the DNS TXT record of DOMAIN's active DKIM key, and of its\n"
	"pending key after a rotation, in zone-file syntax, the value split\n"
	"into quoted strings of at most 255 bytes:\n"
	"  SEL._domainkey.DOMAIN. IN TXT ( \"v=DKIM1; k=rsa; p=...\" \"...\" )\n"
	"\n"
	"  -s, --selector SEL  only the key with this selector\n"
	"  -j, --json          print a JSON array of objects\n"
	"  -h, --help          show this help\n";

static const char rotate_usage[] =
	"usage: vmailctl dkim rotate [--activate] DOMAIN\n"
	"\n"
	"Without --activate: make a new pending key for DOMAIN and print its\n"
	"TXT record.  Mail stays signed with the active key.  Publish the\n"
	"record, wait until DNS serves it, then run with --activate.\n"
	"\n"
	"  -a, --activate  sign with the pending key from now on; the old\n"
	"                  key is retired (its file is removed by the next\n"
	"                  rotation)\n"
	"  -h, --help      show this help\n";

static const char list_usage[] =
	"usage: vmailctl dkim list [--json] [DOMAIN]\n"
	"\n"
	"List the DKIM keys (of every domain, or of DOMAIN): selector,\n"
	"state (active, pending or retired), size in bits, creation time.\n"
	"\n"
	"  -j, --json   print a JSON array of objects\n"
	"  -h, --help   show this help\n";

/* ---- records -------------------------------------------------------- */

static bool print_record(const char *domain, const char *selector,
			 const char *value)
{
	char *quoted = dkim_txt_quote(value, strlen(value));

	if (!quoted) {
		vm_errno("out of memory");
		return false;
	}
	printf("%s._domainkey.%s. IN TXT ( %s )\n", selector, domain, quoted);
	free(quoted);
	return true;
}

/* The value's 255-byte strings as a JSON array. */
static struct json_object *json_strings(const char *value)
{
	struct json_object *arr = json_object_new_array();
	size_t len = strlen(value), n = dkim_txt_split(len, NULL, 0);
	struct dkim_chunk *c = calloc(n, sizeof *c);

	if (!c) {
		json_object_put(arr);
		return NULL;
	}
	dkim_txt_split(len, c, n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string_len(
					      value + c[i].off, (int)c[i].len));
	free(c);
	return arr;
}

static bool json_record(const char *domain, const struct dkim_key_row *k,
			const char *value, struct json_object *json)
{
	struct json_object *o, *strings = json_strings(value);
	char name[DKIM_SELECTOR_MAX + VM_DOMAIN_MAX + 16];

	if (!strings) {
		vm_errno("out of memory");
		return false;
	}
	snprintf(name, sizeof name, "%s._domainkey.%s.", k->selector, domain);
	o = json_object_new_object();
	json_object_object_add(o, "domain", json_object_new_string(domain));
	json_object_object_add(o, "selector",
			       json_object_new_string(k->selector));
	json_object_object_add(o, "state", json_object_new_string(k->state));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "value", json_object_new_string(value));
	json_object_object_add(o, "strings", strings);
	json_object_array_add(json, o);
	return true;
}

/* The record of one key, as text or added to the JSON array json. */
static bool emit_record(const char *domain, const struct dkim_key_row *k,
			struct json_object *json)
{
	char *value = dkim_txt_value(domain, k->selector);
	bool ok;

	if (!value)
		return false;
	ok = json ? json_record(domain, k, value, json) :
		    print_record(domain, k->selector, value);
	free(value);
	return ok;
}

/* Validate and lower-case a --selector value. */
static bool arg_selector(const char *arg, char *out, size_t size)
{
	char shown[80];

	if (!vm_strlcpy(out, arg, size)) {
		vm_err("invalid selector '%s': too long", cmd_shown(arg, shown));
		return false;
	}
	vm_ascii_lower(out);
	if (!dkim_valid_selector(out)) {
		vm_err("invalid selector '%s': use 1 to 63 letters, digits "
		       "and '-'", cmd_shown(arg, shown));
		return false;
	}
	return true;
}

/* ---- show ----------------------------------------------------------- */

struct show_opts {
	bool json;
	char selector[DKIM_SELECTOR_MAX + 1];   /* "" = active and pending */
	char domain[VM_DOMAIN_MAX + 1];
};

static int parse_show(int argc, char **argv, struct show_opts *o)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "selector", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sel = NULL;
	int c;

	optind = 0;
	while ((c = cmd_getopt("dkim show", argc, argv, "js:h", opts)) != -1) {
		if (c == 'j')
			o->json = true;
		else if (c == 's')
			sel = optarg;
		else if (c == 'h')
			return cmd_help(show_usage);
		else
			return cmd_usage_error(show_usage, NULL);
	}
	if (argc - optind != 1)
		return cmd_usage_error(show_usage, "dkim show: expected DOMAIN");
	if (sel && !arg_selector(sel, o->selector, sizeof o->selector))
		return VM_EXIT_FAIL;
	if (!cmd_arg_domain(argv[optind], o->domain, sizeof o->domain))
		return VM_EXIT_FAIL;
	return -1;
}

/* The keys to show: the one selected, or the active and pending ones.
 * Fills keys[0..1]; returns how many, or -1 (reported). */
static int pick_keys(const struct show_opts *o, const struct dkim_keyset *ks,
		     const struct dkim_key_row *keys[2])
{
	int n = 0;

	if (o->selector[0]) {
		keys[0] = dkim_keyset_find(ks, NULL, o->selector);
		if (!keys[0]) {
			vm_err("domain '%s' has no DKIM key '%s' (see 'vmailctl "
			       "dkim list %s')", o->domain, o->selector,
			       o->domain);
			return -1;
		}
		if (!strcmp(keys[0]->state, "retired")) {
			vm_err("the DKIM key '%s' of %s is retired: it signs "
			       "nothing and its record may be unpublished",
			       o->selector, o->domain);
			return -1;
		}
		return 1;
	}
	if ((keys[n] = dkim_keyset_find(ks, "active", NULL)))
		n++;
	if ((keys[n] = dkim_keyset_find(ks, "pending", NULL)))
		n++;
	if (n == 0)
		vm_err("domain '%s' has no DKIM key yet (run 'vmailctl setup' "
		       "or 'vmailctl dkim rotate %s')", o->domain, o->domain);
	return n ? n : -1;
}

static int dkim_show(int argc, char **argv)
{
	struct show_opts o = { 0 };
	const struct dkim_key_row *keys[2];
	struct json_object *arr = NULL;
	struct dkim_keyset ks = { NULL, 0 };
	struct vm_config cfg;
	struct store *s;
	int n, ret = parse_show(argc, argv, &o);

	if (ret >= 0)
		return ret;
	if (!(s = cmd_open_store_existing(&cfg)))
		return VM_EXIT_FAIL;
	ret = VM_EXIT_FAIL;
	if (directory_require_domain(s, o.domain) &&
	    dkim_keyset_load(s, o.domain, &ks) &&
	    (n = pick_keys(&o, &ks, keys)) > 0) {
		arr = o.json ? json_object_new_array() : NULL;
		ret = VM_EXIT_OK;
		for (int i = 0; i < n && ret == VM_EXIT_OK; i++)
			if (!emit_record(o.domain, keys[i], arr))
				ret = VM_EXIT_FAIL;
	}
	store_close(s);
	dkim_keyset_free(&ks);
	if (ret != VM_EXIT_OK) {
		json_object_put(arr);
		return ret;
	}
	if (arr)
		return out_json(arr) == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
	return cmd_flush_stdout();
}

/* ---- rotate --------------------------------------------------------- */

static bool remove_retired_files(const char *domain,
				 const struct dkim_keyset *ks)
{
	bool ok = true;

	for (size_t i = 0; i < ks->n; i++)
		if (!strcmp(ks->v[i].state, "retired"))
			ok = dkim_remove_key(domain, ks->v[i].selector) && ok;
	return ok;
}

/* Make the pending key inside a transaction; its selector in sel. */
static int make_pending(struct store *s, const char *domain, char *sel,
			size_t size)
{
	struct dkim_keyset ks;
	const struct dkim_key_row *pending;
	bool ok;

	if (!dkim_keyset_load(s, domain, &ks))
		return VM_EXIT_FAIL;
	pending = dkim_keyset_find(&ks, "pending", NULL);
	if (pending)
		vm_err("domain '%s' already has a pending DKIM key '%s'; "
		       "publish it and run 'vmailctl dkim rotate --activate "
		       "%s'", domain, pending->selector, domain);
	ok = !pending && dkim_key_create(s, domain, "pending", sel, size);
	if (ok && directory_commit(s, STORE_OK) != VM_EXIT_OK) {
		dkim_key_discard(domain, sel);
		ok = false;
	}
	/* Retired keys have been out of the signer's map for a whole
	 * rotation period: now their files go. */
	if (ok)
		ok = remove_retired_files(domain, &ks);
	dkim_keyset_free(&ks);
	return ok ? VM_EXIT_OK : VM_EXIT_FAIL;
}

static int rotate_new(struct store *s, const char *domain)
{
	struct dkim_key_row k = { .state = "pending", .bits = DKIM_BITS };
	int ret = make_pending(s, domain, k.selector, sizeof k.selector);

	if (ret != VM_EXIT_OK)
		return ret;
	if (dkim_keys_sync_map(s) < 0 || !emit_record(domain, &k, NULL))
		return VM_EXIT_FAIL;
	vm_progress("Publish this record; once DNS serves it, run "
		    "'vmailctl dkim rotate --activate %s'", domain);
	return cmd_flush_stdout();
}

/* pending -> active, active -> retired, in a transaction. */
static int switch_keys(struct store *s, const char *domain)
{
	struct dkim_keyset ks;
	const struct dkim_key_row *active, *pending;
	enum store_status st = STORE_OK;

	if (!dkim_keyset_load(s, domain, &ks))
		return VM_EXIT_FAIL;
	active = dkim_keyset_find(&ks, "active", NULL);
	pending = dkim_keyset_find(&ks, "pending", NULL);
	if (!pending) {
		vm_err("domain '%s' has no pending DKIM key (run 'vmailctl "
		       "dkim rotate %s' first)", domain, domain);
		dkim_keyset_free(&ks);
		return VM_EXIT_FAIL;
	}
	if (active)
		st = store_dkim_set_state(s, domain, active->selector,
					  "retired");
	if (st == STORE_OK)
		st = store_dkim_set_state(s, domain, pending->selector,
					  "active");
	dkim_keyset_free(&ks);
	return directory_commit(s, st);
}

static int rotate_activate(struct store *s, const char *domain)
{
	int ret = switch_keys(s, domain);

	if (ret != VM_EXIT_OK)
		return ret;
	/* The old key's file stays until the next rotation: the signer
	 * re-reads the map on its own schedule, and mail it signs until
	 * then must still find the key it names. */
	return dkim_keys_sync_map(s) < 0 ? VM_EXIT_FAIL : VM_EXIT_OK;
}

static int dkim_rotate(int argc, char **argv)
{
	char domain[VM_DOMAIN_MAX + 1];
	bool activate;
	struct store *s;
	enum store_status st;
	int ret = cmd_parse_flag("dkim rotate", argc, argv, rotate_usage,
				 "activate", 'a', &activate);

	if (ret >= 0)
		return ret;
	if (argc - optind != 1)
		return cmd_usage_error(rotate_usage,
				       "dkim rotate: expected DOMAIN");
	if (!cmd_arg_domain(argv[optind], domain, sizeof domain))
		return VM_EXIT_FAIL;
	if (!(s = cmd_open_store()))
		return VM_EXIT_FAIL;
	if ((st = store_begin(s)) != STORE_OK)
		ret = directory_fail(s, st);
	else if (!directory_require_domain(s, domain))
		ret = VM_EXIT_FAIL;
	else
		ret = activate ? rotate_activate(s, domain) :
				 rotate_new(s, domain);
	store_close(s);   /* rolls back what was not committed */
	return ret;
}

/* ---- list ----------------------------------------------------------- */

static int print_key(const struct store_dkim_key *k, void *ctx)
{
	int *rows = ctx;

	if ((*rows)++ == 0)
		printf("%-32s %-14s %-8s %5s  %s\n", "DOMAIN", "SELECTOR",
		       "STATE", "BITS", "CREATED");
	printf("%-32s %-14s %-8s %5d  %s\n", k->domain, k->selector, k->state,
	       k->bits, k->created);
	return 0;
}

static int json_key(const struct store_dkim_key *k, void *ctx)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "domain", json_object_new_string(k->domain));
	json_object_object_add(o, "selector",
			       json_object_new_string(k->selector));
	json_object_object_add(o, "state", json_object_new_string(k->state));
	json_object_object_add(o, "bits", json_object_new_int(k->bits));
	json_object_object_add(o, "created",
			       json_object_new_string(k->created));
	json_object_array_add(ctx, o);
	return 0;
}

static enum store_status list_keys(struct store *s, const char *domain,
				   struct json_object *json, int *rows)
{
	if (json)
		return store_dkim_list(s, domain, json_key, json);
	return store_dkim_list(s, domain, print_key, rows);
}

static int dkim_list(int argc, char **argv)
{
	return cmd_list_by_domain("dkim list", argc, argv, list_usage,
				  list_keys);
}

int cmd_dkim(int argc, char **argv)
{
	static const struct subcommand subs[] = {
		{ "show", dkim_show },
		{ "rotate", dkim_rotate },
		{ "list", dkim_list },
	};

	return cmd_dispatch(argc, argv, subs, sizeof subs / sizeof *subs,
			    dkim_usage);
}
