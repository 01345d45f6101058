/*
 * cmd_cert.c - "vmailctl cert status|renew|rotate-key": the server's
 * TLS certificate (Postfix, Dovecot and nginx share [tls] cert/key) and
 * its renewal from an ACME CA.
 *
 *   vmailctl cert status [--json]
 *   vmailctl cert renew [--force]
 *   vmailctl cert rotate-key [--activate [--force]]
 *
 * "renew" is what vmail-cert.timer runs twice a day: with [tls] acme =
 * yes it gets a certificate when there is none from the CA yet, when it
 * is due, or when the names changed (domain add/del); setup_acme.c does
 * the work.  The key stays the same across renewals, so the TLSA record
 * of port 25 stays valid; changing it is two deliberate steps, as for
 * DKIM: "rotate-key" makes the next key (beside [tls] key, named
 * next-key.pem) and prints its TLSA record to publish next to the
 * current one; "rotate-key --activate" then, once DNS serves it, gets a
 * certificate for the next key and makes it the current one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "core/acme.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/output.h"
#include "lib/str.h"
#include "lib/tlsinfo.h"
#include "setup/setup_acme.h"

static const char cert_usage[] =
	"usage: vmailctl cert status [--json]\n"
	"       vmailctl cert renew [--force]\n"
	"       vmailctl cert rotate-key [--activate [--force]]\n"
	"\n"
	"The server's TLS certificate: what it is, its renewal from the ACME\n"
	"CA ([tls] acme = yes), and the rotation of its key.\n"
	"Run 'vmailctl cert SUBCOMMAND --help' for details.\n";

static const char status_usage[] =
	"usage: vmailctl cert status [--json]\n"
	"\n"
	"Show the installed certificate (subject, issuer, names, expiry), the\n"
	"TLSA record of its key (and of the next key during a rotation), and\n"
	"with ACME on, the account and the outcome of the last run.\n"
	"\n"
	"  -j, --json   print a JSON object\n"
	"  -h, --help   show this help\n";

static const char renew_usage[] =
	"usage: vmailctl cert renew [--force]\n"
	"\n"
	"Get a certificate from the ACME CA when it is due (30 days before it\n"
	"expires), when the names changed (domain add or del), or when there\n"
	"is none from the CA yet; install it and reload Postfix, Dovecot and\n"
	"nginx without dropping connections.  The key stays the same.  Names\n"
	"of a domain that do not point to this server in DNS are left out\n"
	"with a warning; the hostname must point here.  On failure the\n"
	"installed certificate stays and the reason is printed.\n"
	"vmail-cert.timer runs this twice a day.\n"
	"\n"
	"  -f, --force  a new certificate even if the current one is good\n"
	"  -h, --help   show this help\n";

static const char rotate_usage[] =
	"usage: vmailctl cert rotate-key [--activate [--force]]\n"
	"\n"
	"Without --activate: make the next key (next-key.pem beside [tls] key,\n"
	"unless there is one) and print its TLSA record for port 25.  Publish\n"
	"it next to the current one ('vmailctl dns' shows both), wait until\n"
	"DNS serves it, then run with --activate.\n"
	"\n"
	"  -a, --activate  get a certificate for the next key from the ACME CA\n"
	"                  and make it the current key; refused while DNS does\n"
	"                  not serve its TLSA record\n"
	"  -f, --force     with --activate: do not wait for DNS\n"
	"  -h, --help      show this help\n";

/* ---- helpers -------------------------------------------------------- */

static bool need_root(const char *what)
{
	if (geteuid() == 0)
		return true;
	vm_err("cert %s must run as root (it reads the private key)", what);
	return false;
}

static void iso_time(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm) ||
	    !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "unknown");
}

/* The trimmed first line of a file into out; false if unreadable. */
static bool first_line(const char *path, char *out, size_t size)
{
	char *text = vm_read_file(path, NULL);
	size_t n;

	out[0] = '\0';
	if (!text)
		return false;
	n = strcspn(text, "\r\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, text, n);
	out[n] = '\0';
	free(text);
	return out[0] != '\0';
}

/* The value of "key=" in the status file's text. */
static bool status_field(const char *text, const char *key, char *out,
			 size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, "\n");

			if (n >= size)
				n = size - 1;
			memcpy(out, p + klen + 1, n);
			out[n] = '\0';
			return true;
		}
	}
	out[0] = '\0';
	return false;
}

/* ---- status --------------------------------------------------------- */

static int cert_status(int argc, char **argv)
{
	struct vm_config cfg;
	struct tlsinfo_cert c;
	char why[400], when[40], hex[TLSINFO_TLSA_HEX], next[4200];
	char next_hex[TLSINFO_TLSA_HEX], account[1024], line[400];
	char *status;
	bool json = false, have_next;
	int rc = cmd_parse_json_opts("cert status", argc, argv, status_usage,
				     &json);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cmd_usage_error(status_usage, "cert status: unexpected "
				       "argument");
	if (!need_root("status") || !cmd_load_config(&cfg))
		return VM_EXIT_FAIL;
	if (!tlsinfo_cert_load(cfg.tls_cert, &c, why, sizeof why)) {
		vm_err("cannot read the certificate: %s", why);
		return VM_EXIT_FAIL;
	}
	if (!tlsinfo_key_tlsa(cfg.tls_key, hex, why, sizeof why)) {
		vm_err("cannot read the key %s: %s", cfg.tls_key, why);
		tlsinfo_cert_free(&c);
		return VM_EXIT_FAIL;
	}
	have_next = acme_next_key_path(cfg.tls_key, next, sizeof next) &&
		    access(next, F_OK) == 0 &&
		    tlsinfo_key_tlsa(next, next_hex, why, sizeof why);
	if (!first_line(ACME_ACCOUNT_URI_FILE, account, sizeof account))
		account[0] = '\0';
	status = vm_read_file(ACME_STATUS_FILE, NULL);
	iso_time(c.not_after, when, sizeof when);
	long days = (long)((c.not_after - time(NULL)) / 86400);

	if (json) {
		struct json_object *o = json_object_new_object();
		struct json_object *names = json_object_new_array();
		struct json_object *last = NULL;

		for (size_t i = 0; i < c.names.n; i++)
			json_object_array_add(names,
					      json_object_new_string(c.names.v[i]));
		json_object_object_add(o, "cert", json_object_new_string(cfg.tls_cert));
		json_object_object_add(o, "key", json_object_new_string(cfg.tls_key));
		json_object_object_add(o, "subject", json_object_new_string(c.subject_cn));
		json_object_object_add(o, "issuer", json_object_new_string(c.issuer_cn));
		json_object_object_add(o, "self_signed", json_object_new_boolean(c.self_signed));
		json_object_object_add(o, "names", names);
		json_object_object_add(o, "not_after", json_object_new_string(when));
		json_object_object_add(o, "days_left", json_object_new_int64(days));
		json_object_object_add(o, "tlsa", json_object_new_string(hex));
		json_object_object_add(o, "key_matches_cert",
				       json_object_new_boolean(!strcmp(hex, c.spki_sha256)));
		json_object_object_add(o, "next_key_tlsa", have_next ?
				       json_object_new_string(next_hex) : NULL);
		json_object_object_add(o, "acme", json_object_new_boolean(cfg.acme));
		json_object_object_add(o, "acme_directory",
				       json_object_new_string(cfg.acme_directory));
		json_object_object_add(o, "account_uri", account[0] ?
				       json_object_new_string(account) : NULL);
		if (status) {
			char t[32], res[32], msg[2048];

			last = json_object_new_object();
			status_field(status, "time", t, sizeof t);
			status_field(status, "result", res, sizeof res);
			status_field(status, "message", msg, sizeof msg);
			iso_time((time_t)strtoll(t, NULL, 10), line, sizeof line);
			json_object_object_add(last, "time", json_object_new_string(line));
			json_object_object_add(last, "result", json_object_new_string(res));
			json_object_object_add(last, "message", json_object_new_string(msg));
		}
		json_object_object_add(o, "last_run", last);
		rc = out_json(o) < 0 ? VM_EXIT_FAIL : VM_EXIT_OK;
	} else {
		printf("certificate: %s\n", cfg.tls_cert);
		printf("  subject:   %s\n", c.subject_cn[0] ? c.subject_cn : "-");
		printf("  issuer:    %s\n", c.self_signed ? "self-signed" :
		       c.issuer_cn);
		printf("  names:    ");
		for (size_t i = 0; i < c.names.n; i++)
			printf(" %s", c.names.v[i]);
		printf("\n  expires:   %s (in %ld days)\n", when, days);
		setup_acme_tlsa_line(cfg.hostname, hex, line, sizeof line);
		printf("  TLSA:      %s\n", line);
		if (strcmp(hex, c.spki_sha256))
			printf("  warning:   the certificate is not for the key %s\n",
			       cfg.tls_key);
		if (have_next) {
			setup_acme_tlsa_line(cfg.hostname, next_hex, line,
					     sizeof line);
			printf("  next key:  %s (%s; 'vmailctl cert rotate-key "
			       "--activate')\n", line, next);
		}
		printf("acme:        %s\n", cfg.acme ? cfg.acme_directory :
		       "off ([tls] acme = no)");
		if (account[0])
			printf("  account:   %s\n", account);
		if (status) {
			char t[32], res[32], msg[2048];

			status_field(status, "time", t, sizeof t);
			status_field(status, "result", res, sizeof res);
			status_field(status, "message", msg, sizeof msg);
			iso_time((time_t)strtoll(t, NULL, 10), line, sizeof line);
			printf("  last run:  %s %s: %s\n", line, res, msg);
		}
		rc = cmd_flush_stdout();
	}
	free(status);
	tlsinfo_cert_free(&c);
	return rc;
}

/* ---- renew ---------------------------------------------------------- */

/* Root, the settings, and ACME on; false (printed) otherwise. */
static bool open_for_acme_check(struct vm_config *cfg)
{
	if (!need_root("renew") || !cmd_load_config(cfg))
		return false;
	if (!cfg->acme) {
		vm_err("ACME is off ([tls] acme = no): turn it on with "
		       "'vmailctl setup --acme EMAIL', or put your own "
		       "certificate in %s (docs/certificates.md)",
		       cfg->tls_cert);
		return false;
	}
	return true;
}

static int cert_renew(int argc, char **argv)
{
	struct vm_config cfg;
	struct acme_request rq = { 0 };
	struct store *s;
	char msg[2048];
	enum acme_outcome res;
	int rc = cmd_parse_flag("cert renew", argc, argv, renew_usage,
				"force", 'f', &rq.force);

	if (rc >= 0)
		return rc;
	if (optind < argc)
		return cmd_usage_error(renew_usage, "cert renew: unexpected "
				       "argument");
	if (!open_for_acme_check(&cfg) || !(s = cmd_open_store_existing(&cfg)))
		return VM_EXIT_FAIL;
	res = setup_acme_run(&cfg, s, &rq, msg, sizeof msg);
	store_close(s);
	if (res == ACME_FAILED) {
		vm_err("no new certificate: %s; the installed one stays",
		       msg);
		return VM_EXIT_FAIL;
	}
	if (res == ACME_ISSUED)
		printf("%s\n", msg);
	return cmd_flush_stdout();
}

/* ---- rotate-key ----------------------------------------------------- */

static int rotate_make(const struct vm_config *cfg, const char *next)
{
	char hex[TLSINFO_TLSA_HEX], why[400], line[400];
	int made = tlsinfo_new_key(next, why, sizeof why);

	if (made < 0) {
		vm_err("cannot make the next key %s: %s", next, why);
		return VM_EXIT_FAIL;
	}
	if (!tlsinfo_key_tlsa(next, hex, why, sizeof why)) {
		vm_err("cannot read the next key %s: %s", next, why);
		return VM_EXIT_FAIL;
	}
	setup_acme_tlsa_line(cfg->hostname, hex, line, sizeof line);
	printf("%s\n\n", line);
	printf("%s the next key, %s.  Publish this TLSA record next to the\n"
	       "current one (keep both: 'vmailctl dns' shows them), wait until\n"
	       "DNS serves it and the old record's TTL has passed, then run\n"
	       "'vmailctl cert rotate-key --activate'.  Until then the current\n"
	       "key stays in use.\n", made ? "Made" : "Kept", next);
	return cmd_flush_stdout();
}

static int rotate_activate(struct vm_config *cfg, const char *next,
			   bool force)
{
	struct acme_request rq = { .force = true, .key = next };
	char hex[TLSINFO_TLSA_HEX], why[400], found[1024], msg[2048];
	struct store *s;
	enum acme_outcome res;
	int vis;

	if (access(next, F_OK) != 0) {
		vm_err("there is no next key (%s): run 'vmailctl cert "
		       "rotate-key' first", next);
		return VM_EXIT_FAIL;
	}
	if (!tlsinfo_key_tlsa(next, hex, why, sizeof why)) {
		vm_err("cannot read the next key %s: %s", next, why);
		return VM_EXIT_FAIL;
	}
	vis = setup_acme_tlsa_visible(cfg->hostname, hex, found, sizeof found);
	if (vis != 1 && !force) {
		vm_err("DNS does not serve the next key's TLSA record at "
		       "_25._tcp.%s yet (%s); publish it (see 'vmailctl cert "
		       "rotate-key'), or use --force", cfg->hostname, found);
		return VM_EXIT_FAIL;
	}
	if (!(s = cmd_open_store_existing(cfg)))
		return VM_EXIT_FAIL;
	res = setup_acme_run(cfg, s, &rq, msg, sizeof msg);
	store_close(s);
	if (res == ACME_FAILED) {
		vm_err("the next key was not activated: %s; the current key "
		       "and certificate stay", msg);
		return VM_EXIT_FAIL;
	}
	if (unlink(next) < 0 && errno != ENOENT)
		vm_errno("cannot remove %s", next);
	printf("The next key is now %s: %s.\nThe old key's TLSA record can "
	       "be removed from DNS.\n", cfg->tls_key, msg);
	return cmd_flush_stdout();
}

static int cert_rotate_key(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "activate", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vm_config cfg;
	bool activate = false, force = false;
	char next[4200];
	int c;

	optind = 0;
	while ((c = cmd_getopt("cert rotate-key", argc, argv, "afh",
			       opts)) != -1) {
		if (c == 'a')
			activate = true;
		else if (c == 'f')
			force = true;
		else if (c == 'h')
			return cmd_help(rotate_usage);
		else
			return cmd_usage_error(rotate_usage, NULL);
	}
	if (optind < argc)
		return cmd_usage_error(rotate_usage, "cert rotate-key: "
				       "unexpected argument");
	if (force && !activate)
		return cmd_usage_error(rotate_usage, "cert rotate-key: "
				       "--force goes with --activate");
	if (activate) {
		if (!(open_for_acme_check(&cfg)))
			return VM_EXIT_FAIL;
	} else if (!need_root("rotate-key") || !cmd_load_config(&cfg))
		return VM_EXIT_FAIL;
	if (!acme_next_key_path(cfg.tls_key, next, sizeof next)) {
		vm_err("%s: path too long", cfg.tls_key);
		return VM_EXIT_FAIL;
	}
	return activate ? rotate_activate(&cfg, next, force) :
			  rotate_make(&cfg, next);
}

int cmd_cert(int argc, char **argv)
{
	static const struct subcommand subs[] = {
		{ "status", cert_status },
		{ "renew", cert_renew },
		{ "rotate-key", cert_rotate_key },
	};

	return cmd_dispatch(argc, argv, subs, sizeof subs / sizeof *subs,
			    cert_usage);
}
