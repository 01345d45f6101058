/*
 * cmd_dns.c - "vmailctl dns [DOMAIN] [--json]": every DNS record the
 * hosted domains need, to publish at their DNS provider.
 *
 *   vmailctl dns                   all hosted domains, zone-file syntax
 *   vmailctl dns example.com       one domain
 *   vmailctl dns --json [DOMAIN]   a JSON array of the same records
 *
 * The records come from core/dns_records.c (see there and docs/dns.md
 * for each one).  The text is zone-file syntax with fully qualified
 * names and a comment before each record saying why it is needed; it
 * holds no SOA or NS (those are the provider's), so a zone made of an
 * SOA, an NS and this text passes named-checkzone.  The server's own
 * records (A, AAAA, TLSA of the hostname, the PTR to ask for) come
 * once, first, under their own heading; on a backup MX ([server] role)
 * they are all there is.  Nothing is changed: the command only reads
 * the directory, the key files and vmail.conf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/directory.h"
#include "core/dns_records.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/output.h"
#include "lib/strlist.h"
#include "lib/validate.h"

static const char dns_usage[] =
	"usage: vmailctl dns [--json] [DOMAIN]\n"
	"\n"
	"Print every DNS record DOMAIN needs (without DOMAIN: every hosted\n"
	"domain), in zone-file syntax with a comment saying why each is\n"
	"needed: MX (with the backup MX), SPF, DKIM (the active key and a\n"
	"pending one), DMARC, MTA-STS, TLS-RPT, the SRV records of mail\n"
	"clients, autoconfig and autodiscover, CAA; and, once, the server's\n"
	"own: A and AAAA of the hostname, TLSA for port 25, and the PTR to\n"
	"ask the address's provider for (a comment).  Names are fully\n"
	"qualified.  See docs/dns.md.\n"
	"\n"
	"  -j, --json   print a JSON array of {name, type, value, ttl, why,\n"
	"               scope, advisory} objects instead\n"
	"  -h, --help   show this help\n";

static int add_name(const struct store_domain *d, void *ctx)
{
	return vm_strlist_add(ctx, d->name) ? 0 : 1;
}

/* The domains asked for: the one named, or every hosted one. */
static int pick_domains(struct store *s, const char *arg,
			struct vm_strlist *domains)
{
	char domain[VM_DOMAIN_MAX + 1];
	enum store_status st;

	if (arg) {
		int found;

		if (!cmd_arg_domain(arg, domain, sizeof domain))
			return VM_EXIT_FAIL;
		found = directory_domain_exists(s, domain);
		if (found < 0)
			return VM_EXIT_FAIL;
		if (!found)
			return cmd_no_such_domain(domain);
		if (!vm_strlist_add(domains, domain)) {
			vm_errno("out of memory");
			return VM_EXIT_FAIL;
		}
		return VM_EXIT_OK;
	}
	st = store_domain_list(s, add_name, domains);
	if (st != STORE_OK)
		return directory_fail(s, st);
	if (domains->n == 0) {
		vm_err("no domain is hosted yet (see 'vmailctl domain add')");
		return VM_EXIT_FAIL;
	}
	return VM_EXIT_OK;
}

/* Records of every domain into text (zone) or json (array). */
static int emit(const struct vm_config *cfg, struct store *s,
		const struct vm_strlist *domains, struct vm_buf *text,
		struct json_object *json)
{
	for (size_t i = 0; i < domains->n; i++) {
		struct dns_record_set set = DNS_RECORD_SET_INIT;
		/* The server's records once, with the first domain. */
		unsigned scopes = i ? DNS_SCOPE_DOMAIN : DNS_SCOPE_ALL;
		bool ok;

		if (!dns_records_for_domain(cfg, s, domains->v[i], &set))
			return VM_EXIT_FAIL;
		if (json) {
			ok = dns_records_json(&set, scopes, json);
		} else {
			if (!i) {
				vm_buf_printf(text,
					"; ---- the server %s: once, for every "
					"domain ----\n", cfg->hostname);
				dns_records_zone(&set, DNS_SCOPE_HOST, text);
			}
			vm_buf_printf(text, "\n; ---- %s ----\n",
				      domains->v[i]);
			dns_records_zone(&set, DNS_SCOPE_DOMAIN, text);
			ok = !text->nomem;
		}
		dns_records_free(&set);
		if (!ok) {
			vm_errno("out of memory");
			return VM_EXIT_FAIL;
		}
	}
	return VM_EXIT_OK;
}

/*
 * A backup MX hosts no domain: its own records only (A, AAAA, TLSA, the
 * PTR); the domains' records, this host among their MX, come from
 * "vmailctl dns" on the primary.
 */
static int backup_mx(const struct vm_config *cfg, const char *domain,
		     bool as_json)
{
	struct dns_record_set set = DNS_RECORD_SET_INIT;
	struct vm_buf text = VM_BUF_INIT;
	struct json_object *json = NULL;
	bool ok;

	if (domain) {
		vm_err("this server is a backup MX ([server] role): it hosts no "
		       "domain; run 'vmailctl dns %s' on the primary, %s",
		       domain, cfg->primary[0] ? cfg->primary : "([server] "
		       "primary)");
		return VM_EXIT_FAIL;
	}
	if (!dns_records_for_domain(cfg, NULL, NULL, &set))
		return VM_EXIT_FAIL;
	if (as_json) {
		ok = (json = json_object_new_array()) &&
		     dns_records_json(&set, DNS_SCOPE_HOST, json);
	} else {
		vm_buf_printf(&text,
			      "; ---- the backup MX %s of %s: the domains' "
			      "records come from\n"
			      "; 'vmailctl dns' on the primary, with this host "
			      "in its [server] backup_mx ----\n",
			      cfg->hostname, cfg->primary);
		dns_records_zone(&set, DNS_SCOPE_HOST, &text);
		ok = !text.nomem;
	}
	dns_records_free(&set);
	if (!ok) {
		vm_errno("out of memory");
		json_object_put(json);
		vm_buf_free(&text);
		return VM_EXIT_FAIL;
	}
	if (json)
		return out_json(json) == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
	fputs(text.data, stdout);
	vm_buf_free(&text);
	return cmd_flush_stdout();
}

int cmd_dns(int argc, char **argv)
{
	struct vm_strlist domains = VM_STRLIST_INIT;
	struct vm_buf text = VM_BUF_INIT;
	struct json_object *json = NULL;
	struct vm_config cfg;
	struct store *s;
	bool as_json = false;
	int ret = cmd_parse_json_opts("dns", argc, argv, dns_usage, &as_json);

	if (ret >= 0)
		return ret;
	if (argc - optind > 1)
		return cmd_usage_error(dns_usage, "dns: at most one DOMAIN");
	if (!cmd_load_config(&cfg))
		return VM_EXIT_FAIL;
	if (!strcmp(cfg.role, "backup-mx"))
		return backup_mx(&cfg, argc > optind ? argv[optind] : NULL,
				 as_json);
	if (!(s = cmd_open_store_existing(&cfg)))
		return VM_EXIT_FAIL;
	ret = pick_domains(s, argc > optind ? argv[optind] : NULL, &domains);
	if (ret == VM_EXIT_OK) {
		if (as_json && !(json = json_object_new_array())) {
			vm_errno("out of memory");
			ret = VM_EXIT_FAIL;
		} else {
			ret = emit(&cfg, s, &domains, &text, json);
		}
	}
	store_close(s);
	vm_strlist_free(&domains);
	if (ret != VM_EXIT_OK) {
		json_object_put(json);
		vm_buf_free(&text);
		return ret;
	}
	if (json)
		return out_json(json) == 0 ? VM_EXIT_OK : VM_EXIT_FAIL;
	fputs(text.data ? text.data : "", stdout);
	vm_buf_free(&text);
	return cmd_flush_stdout();
}
