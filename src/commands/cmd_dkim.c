/*
 * cmd_dkim.c - "vmailctl dkim show|rotate|list": the DKIM keys that sign
 * the mail of each hosted domain, and the DNS records that publish them.
 *
 *   vmailctl dkim show [--json] [--selector SEL] DOMAIN
 *   vmailctl dkim rotate [--activate [--force]] DOMAIN
 *   vmailctl dkim rotate --auto [DOMAIN]
 *   vmailctl dkim list [--json] [DOMAIN]
 *
 * Rotation is two steps so that no mail is signed with a key DNS does
 * not know yet: "rotate" makes a pending key and prints its record (the
 * active key keeps signing); once the system resolver (lib/dnsq.h)
 * serves that record with the same key, "rotate --activate" makes it
 * the active one (--force: even before) and retires the old key, which
 * stays - file, row and record in "vmailctl dns" - for
 * DKIM_RETIRE_GRACE, while mail it signed is still on its way.  "rotate
 * --auto" is the daily job (templates/systemd/vmail-dkim-rotate.timer):
 * the decisions of core/dkim_rotation.h, per domain.  Keys and map:
 * dkim_keys.h.  Private keys are never printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/directory.h"
#include "core/dkim_keys.h"
#include "core/dkim_rotation.h"
#include "core/dns_check.h"
#include "core/dns_records.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/dnsq.h"
#include "lib/output.h"
#include "lib/str.h"
#include "lib/strlist.h"
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
	"usage: vmailctl dkim rotate [--activate [--force]] DOMAIN\n"
	"       vmailctl dkim rotate --auto [DOMAIN]\n"
	"\n"
	"Without --activate: make a new pending key for DOMAIN and print its\n"
	"TXT record.  Mail stays signed with the active key.  Publish the\n"
	"record, wait until DNS serves it, then run with --activate.\n"
	"\n"
	"  -a, --activate  sign with the pending key from now on, once the\n"
	"                  system resolver serves its record with the same\n"
	"                  key (else exit 1 and nothing changes); the old key\n"
	"                  is retired and stays published for 7 days\n"
	"  -f, --force     with --activate: even if DNS does not serve it\n"
	"      --auto      the rotation job (vmail-dkim-rotate.timer, daily),\n"
	"                  for every domain or DOMAIN: remove retired keys\n"
	"                  7 days after they were retired; with [dkim] rotate\n"
	"                  set, make a pending key when the active one has\n"
	"                  signed that long, activate it once DNS serves it\n"
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

static const char *buf_text(const struct vm_buf *b)
{
	return b->data ? b->data : "";
}

/* The record of domain's key selector as "vmailctl dns" prints it (a
 * comment with why, then NAME TTL IN TXT "..."), appended to out. */
static bool zone_record(const char *domain, const char *selector,
			const char *why, struct vm_buf *out)
{
	char name[DKIM_SELECTOR_MAX + VM_DOMAIN_MAX + 16];
	char *value = dkim_txt_value(domain, selector), *quoted;
	struct dns_record r = { .ttl = DNS_TTL, .scope = DNS_SCOPE_DOMAIN };
	struct dns_record_set set = { .v = &r, .n = 1 };

	if (!value)
		return false;
	quoted = dkim_txt_quote(value, strlen(value));
	free(value);
	if (!quoted) {
		vm_errno("out of memory");
		return false;
	}
	snprintf(name, sizeof name, "%s._domainkey.%s.", selector, domain);
	r.name = name;
	r.value = quoted;
	r.why = (char *)why;
	vm_strlcpy(r.type, "TXT", sizeof r.type);
	dns_records_zone(&set, DNS_SCOPE_ALL, out);
	free(quoted);
	return true;
}

/* What DNS (the system resolver) serves for domain's key selector,
 * compared with its file; the first record found in found (quoted
 * excerpt, "" if none). */
static enum dkim_visibility dns_visibility(const char *domain,
					   const char *selector, char *found,
					   size_t size)
{
	char name[DKIM_SELECTOR_MAX + VM_DOMAIN_MAX + 16];
	char *want = dkim_txt_value(domain, selector);
	enum dkim_visibility v = DKIM_VIS_FAILED;
	struct dnsq_answer a;
	size_t pos;

	found[0] = '\0';
	if (!want)
		return DKIM_VIS_FAILED;
	snprintf(name, sizeof name, "%s._domainkey.%s", selector, domain);
	if (!dnsq_lookup(name, DNSQ_TXT, &a)) {
		free(want);
		return DKIM_VIS_FAILED;
	}
	if (a.status == DNSQ_NXDOMAIN || a.status == DNSQ_NODATA)
		v = DKIM_VIS_MISSING;
	else if (a.status == DNSQ_OK) {
		v = DKIM_VIS_OTHER;
		for (size_t i = 0; i < a.n && v != DKIM_VIS_SAME; i++)
			if (dkim_compare(a.rr[i], want, &pos) == DKIM_SAME)
				v = DKIM_VIS_SAME;
		if (v != DKIM_VIS_SAME)
			snprintf(found, size, "\"%.60s%s\"", a.rr[0],
				 strlen(a.rr[0]) > 60 ? "..." : "");
	} else {
		snprintf(found, size, "%s", dnsq_status_name(a.status));
	}
	dnsq_answer_free(&a);
	free(want);
	return v;
}

/* "SEL._domainkey.DOMAIN TXT serves nothing" and the like. */
static void say_visibility(char *out, size_t size, const char *domain,
			   const char *selector, enum dkim_visibility v,
			   const char *found)
{
	snprintf(out, size, "%s._domainkey.%s TXT serves %s%s%s", selector,
		 domain, dkim_visibility_name(v), found[0] ? ": " : "", found);
}

/* Remove the retired keys of ks whose grace period is over (row and
 * file), in a transaction of their own; each removal said on stdout
 * when loud.  -1 error, else how many. */
static int remove_expired(struct store *s, const char *domain,
			  const struct dkim_keyset *ks,
			  const struct dkim_rot_plan *p, bool loud)
{
	enum store_status st;
	int n = 0;

	if (p->nremove == 0)
		return 0;
	if ((st = store_begin(s)) != STORE_OK)
		return directory_fail(s, st) == VM_EXIT_OK ? 0 : -1;
	for (size_t i = 0; i < p->nremove && st == STORE_OK; i++)
		st = store_dkim_del(s, domain, ks->v[p->remove[i]].selector);
	if (directory_commit(s, st) != VM_EXIT_OK)
		return -1;
	for (size_t i = 0; i < p->nremove; i++) {
		const struct dkim_key_row *k = &ks->v[p->remove[i]];

		if (!dkim_remove_key(domain, k->selector))
			return -1;
		if (loud)
			printf("%s: removed the retired DKIM key %s (retired "
			       "%ld days ago; its record may be deleted from "
			       "DNS now)\n", domain, k->selector,
			       (long)((time(NULL) - k->since) / 86400));
		n++;
	}
	return n;
}

static void rot_keys(const struct dkim_keyset *ks, struct dkim_rot_key *v)
{
	for (size_t i = 0; i < ks->n; i++) {
		v[i].selector = ks->v[i].selector;
		v[i].since = ks->v[i].since;
		v[i].state = !strcmp(ks->v[i].state, "active") ? DKIM_ROT_ACTIVE :
			     !strcmp(ks->v[i].state, "pending") ?
			     DKIM_ROT_PENDING : DKIM_ROT_RETIRED;
	}
}

/* The rotation rule applied to ks with the clock now: fills *p. */
static bool plan_domain(const char *domain, const struct dkim_keyset *ks,
			long period, enum dkim_visibility vis,
			struct dkim_rot_plan *p)
{
	struct dkim_rot_key *v = calloc(ks->n + 1, sizeof *v);
	struct dkim_rot_in in = { v, ks->n, time(NULL), period,
				  DKIM_RETIRE_GRACE, vis };

	if (!v) {
		vm_errno("out of memory");
		return false;
	}
	rot_keys(ks, v);
	dkim_rot_decide(&in, p);
	free(v);
	(void)domain;
	return true;
}

/* Make the pending key inside a transaction; its selector in sel.
 * Retired keys past their grace period go first. */
static int make_pending(struct store *s, const char *domain, char *sel,
			size_t size)
{
	struct dkim_keyset ks;
	struct dkim_rot_plan p;
	const struct dkim_key_row *pending;
	enum store_status st;
	bool ok;

	if (!dkim_keyset_load(s, domain, &ks))
		return VM_EXIT_FAIL;
	pending = dkim_keyset_find(&ks, "pending", NULL);
	if (pending) {
		vm_err("domain '%s' already has a pending DKIM key '%s'; "
		       "publish it and run 'vmailctl dkim rotate --activate "
		       "%s'", domain, pending->selector, domain);
		dkim_keyset_free(&ks);
		return VM_EXIT_FAIL;
	}
	ok = plan_domain(domain, &ks, 0, DKIM_VIS_UNKNOWN, &p) &&
	     remove_expired(s, domain, &ks, &p, false) >= 0;
	dkim_keyset_free(&ks);
	if (!ok)
		return VM_EXIT_FAIL;
	if ((st = store_begin(s)) != STORE_OK)
		return directory_fail(s, st);
	ok = dkim_key_create(s, domain, "pending", sel, size);
	if (!ok)
		store_rollback(s);
	else if (directory_commit(s, STORE_OK) != VM_EXIT_OK) {
		dkim_key_discard(domain, sel);
		ok = false;
	}
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
	enum store_status st;

	if ((st = store_begin(s)) != STORE_OK)
		return directory_fail(s, st);
	if (!dkim_keyset_load(s, domain, &ks)) {
		store_rollback(s);
		return VM_EXIT_FAIL;
	}
	active = dkim_keyset_find(&ks, "active", NULL);
	pending = dkim_keyset_find(&ks, "pending", NULL);
	if (!pending) {
		vm_err("domain '%s' has no pending DKIM key", domain);
		dkim_keyset_free(&ks);
		store_rollback(s);
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

/* Refuse (exit 1, nothing changed) unless DNS serves the pending key of
 * domain, or force. */
static int rotate_activate(struct store *s, const char *domain, bool force)
{
	struct dkim_keyset ks;
	const struct dkim_key_row *pending;
	char sel[DKIM_SELECTOR_MAX + 1], found[128], seen[512];
	enum dkim_visibility v;
	struct vm_buf rec = VM_BUF_INIT;
	int ret;

	if (!dkim_keyset_load(s, domain, &ks))
		return VM_EXIT_FAIL;
	pending = dkim_keyset_find(&ks, "pending", NULL);
	if (pending)
		vm_strlcpy(sel, pending->selector, sizeof sel);
	dkim_keyset_free(&ks);
	if (!pending) {
		vm_err("domain '%s' has no pending DKIM key (run 'vmailctl "
		       "dkim rotate %s' first)", domain, domain);
		return VM_EXIT_FAIL;
	}
	v = dns_visibility(domain, sel, found, sizeof found);
	say_visibility(seen, sizeof seen, domain, sel, v, found);
	if (!dkim_rot_may_activate(v, false)) {
		if (!zone_record(domain, sel, "DKIM: the pending key of a "
				 "rotation; publish it before 'vmailctl dkim "
				 "rotate --activate'.", &rec))
			return VM_EXIT_FAIL;
		if (!force) {
			vm_err("not activating the pending DKIM key '%s' of "
			       "%s: DNS does not serve it yet (%s).  Publish "
			       "this record (as 'vmailctl dns %s' prints "
			       "it), wait until the system resolver sees it, "
			       "and run this again; --force activates it "
			       "anyway:\n%s", sel, domain, seen, domain,
			       buf_text(&rec));
			vm_buf_free(&rec);
			return VM_EXIT_FAIL;
		}
		vm_err("warning: activating the pending DKIM key '%s' of %s "
		       "although DNS does not serve it (%s): receivers fail "
		       "the DKIM check of mail signed with it until this "
		       "record is published:\n%s", sel, domain, seen,
		       buf_text(&rec));
		vm_buf_free(&rec);
	}
	if ((ret = switch_keys(s, domain)) != VM_EXIT_OK)
		return ret;
	/* The old key stays (retired, its file and its record in "vmailctl
	 * dns") for DKIM_RETIRE_GRACE: mail it signed may still be on its
	 * way; the rotation job removes it then. */
	return dkim_keys_sync_map(s) < 0 ? VM_EXIT_FAIL : VM_EXIT_OK;
}

/* ---- the rotation job: rotate --auto ---------------------------------- */

/* Collect the names of the hosted domains into a vm_strlist. */
static int add_domain(const struct store_domain *d, void *ctx)
{
	return vm_strlist_add(ctx, d->name) ? 0 : 1;
}

/* One domain: apply the plan.  Says on stdout what it did (the journal,
 * under the timer); nothing when there was nothing to do. */
static bool auto_domain(struct store *s, const struct vm_config *cfg,
			const char *domain)
{
	struct dkim_keyset ks;
	struct dkim_rot_plan p;
	enum dkim_visibility v = DKIM_VIS_UNKNOWN;
	const struct dkim_key_row *pending;
	char found[128] = "", seen[512] = "", sel[DKIM_SELECTOR_MAX + 1];
	struct vm_buf rec = VM_BUF_INIT;
	enum store_status st;
	bool ok;

	if (!dkim_keyset_load(s, domain, &ks))
		return false;
	pending = dkim_keyset_find(&ks, "pending", NULL);
	if (pending && cfg->dkim_rotate > 0) {
		v = dns_visibility(domain, pending->selector, found,
				   sizeof found);
		say_visibility(seen, sizeof seen, domain, pending->selector,
			       v, found);
	}
	ok = plan_domain(domain, &ks, cfg->dkim_rotate, v, &p) &&
	     remove_expired(s, domain, &ks, &p, true) >= 0;
	if (ok && p.activate) {
		const struct dkim_key_row *old = p.active >= 0 ?
			&ks.v[p.active] : NULL;

		ok = switch_keys(s, domain) == VM_EXIT_OK &&
		     dkim_keys_sync_map(s) >= 0;
		if (ok)
			printf("%s: DNS serves the pending DKIM key %s: it "
			       "signs from now on%s%s%s\n", domain,
			       ks.v[p.pending].selector,
			       old ? "; the old key " : "",
			       old ? old->selector : "",
			       old ? " stays published for 7 more days" : "");
	} else if (ok && p.waiting) {
		ok = zone_record(domain, ks.v[p.pending].selector,
				 "DKIM: the pending key of a rotation.", &rec);
		if (ok)
			printf("%s: waiting for DNS to serve the pending DKIM "
			       "key (%s); publish this record:\n%s", domain,
			       seen, buf_text(&rec));
	} else if (ok && p.create_pending) {
		long days = (long)((time(NULL) - ks.v[p.active].since) /
				   86400);

		if ((st = store_begin(s)) != STORE_OK) {
			directory_fail(s, st);
			ok = false;
		} else if (!dkim_key_create(s, domain, "pending", sel,
					    sizeof sel)) {
			store_rollback(s);
			ok = false;
		} else if (directory_commit(s, STORE_OK) != VM_EXIT_OK) {
			dkim_key_discard(domain, sel);
			ok = false;
		}
		ok = ok && zone_record(domain, sel, "DKIM: the pending key of "
				       "a rotation.", &rec);
		if (ok)
			printf("%s: the DKIM key %s has signed for %ld days "
			       "([dkim] rotate): made the pending key %s.  "
			       "Publish this record; it is activated once DNS "
			       "serves it:\n%s", domain,
			       ks.v[p.active].selector, days, sel,
			       buf_text(&rec));
	}
	vm_buf_free(&rec);
	dkim_keyset_free(&ks);
	return ok;
}

static int rotate_auto(struct store *s, const char *domain)
{
	struct vm_strlist domains = VM_STRLIST_INIT;
	struct vm_config cfg;
	enum store_status st = STORE_OK;
	bool ok = cmd_load_config(&cfg);

	if (ok && domain)
		ok = vm_strlist_add(&domains, domain);
	else if (ok)
		ok = (st = store_domain_list(s, add_domain, &domains)) ==
		     STORE_OK;
	if (st != STORE_OK)
		directory_fail(s, st);
	for (size_t i = 0; ok && i < domains.n; i++)
		ok = auto_domain(s, &cfg, domains.v[i]) && ok;
	vm_strlist_free(&domains);
	if (!ok)
		return VM_EXIT_FAIL;
	return cmd_flush_stdout();
}

struct rotate_opts {
	bool activate, force, autom;
	const char *domain;
};

static int parse_rotate(int argc, char **argv, struct rotate_opts *o)
{
	static const struct option opts[] = {
		{ "activate", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "auto", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = cmd_getopt("dkim rotate", argc, argv, "afh", opts)) != -1) {
		if (c == 'a')
			o->activate = true;
		else if (c == 'f')
			o->force = true;
		else if (c == 'A')
			o->autom = true;
		else if (c == 'h')
			return cmd_help(rotate_usage);
		else
			return cmd_usage_error(rotate_usage, NULL);
	}
	if (o->autom && (o->activate || o->force))
		return cmd_usage_error(rotate_usage, "dkim rotate: --auto "
				       "goes with neither --activate nor "
				       "--force");
	if (o->force && !o->activate)
		return cmd_usage_error(rotate_usage, "dkim rotate: --force "
				       "goes with --activate");
	if (argc - optind > 1 || (!o->autom && argc - optind != 1))
		return cmd_usage_error(rotate_usage,
				       "dkim rotate: expected DOMAIN");
	o->domain = argc > optind ? argv[optind] : NULL;
	return -1;
}

static int dkim_rotate(int argc, char **argv)
{
	char domain[VM_DOMAIN_MAX + 1];
	struct rotate_opts o = { 0 };
	struct store *s;
	int ret = parse_rotate(argc, argv, &o);

	if (ret >= 0)
		return ret;
	if (o.domain && !cmd_arg_domain(o.domain, domain, sizeof domain))
		return VM_EXIT_FAIL;
	if (!(s = cmd_open_store()))
		return VM_EXIT_FAIL;
	if (o.domain && !directory_require_domain(s, domain))
		ret = VM_EXIT_FAIL;
	else if (o.autom)
		ret = rotate_auto(s, o.domain ? domain : NULL);
	else
		ret = o.activate ? rotate_activate(s, domain, o.force) :
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
