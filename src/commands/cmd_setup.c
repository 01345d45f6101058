/*
 * cmd_setup.c - "vmailctl setup": converge this machine to a working
 * Postfix + Dovecot virtual mail server.
 *
 *   vmailctl setup [--hostname FQDN] [--domain DOMAIN] [--admin ADDRESS]
 *                  [--admin-password-stdin | --admin-password]
 *                  [--message-size-limit SIZE]
 *                  [--default-quota SIZE] [--antivirus | --no-antivirus]
 *                  [--spam rspamd|spamassassin]
 *                  [--role primary|backup-mx] [--primary HOST]
 *                  [--backup-mx "HOST ..."]
 *                  [--acme EMAIL | --no-acme] [--acme-directory URL]
 *
 * The first run needs --hostname and --domain; they are written to
 * /etc/vmail/vmail.conf, which later runs read (flags given again update
 * it).  An admin password given on standard input or the terminal is
 * read and checked before anything changes.  The steps, in order, each
 * in its own file (see setup.h):
 *
 *   1. settings: vmail.conf merged with the flags; only the values that
 *      change are rewritten, in place (config_edit.h)
 *   2. the vmail user and group; /etc/vmail, /var/vmail, /var/lib/vmail
 *   3. the directory database: created or migrated; reader ACLs
 *   4. the TLS key and self-signed certificate, if there are none
 *   5. Postfix, Dovecot, rspamd and Redis configuration from the
 *      templates, checked with "postfix check" / "doveconf -n" /
 *      "rspamadm configtest" before they are installed
 *   6. services: Redis, clamd, spamd, rspamd, Postfix, Dovecot; started
 *      if stopped, reloaded if their files changed (spamd runs only with
 *      [spam] engine = spamassassin, and is stopped otherwise)
 *   7. the first domain, the admin mailbox, postmaster@ and abuse@
 *   8. DKIM: an active key for every domain, key permissions, the
 *      selectors map the signer reads
 *   9. the web front: nginx's site and the files it serves for every
 *      hosted domain (MTA-STS, client autoconfiguration), checked with
 *      "nginx -t"; nginx started or reloaded (setup_web.c)
 *  10. with [tls] acme = yes: the first certificate from the ACME CA
 *      tried (setup_acme.c; a failure only warns), vmail-cert.timer
 *      enabled; with "no", the timer disabled
 *  11. a summary: services, ports, admin login, DNS records
 *
 * On a backup MX (--role backup-mx --primary HOST) steps 7 and 8 are
 * left out (it has no mailboxes), Dovecot is stopped and disabled in
 * step 6, --domain is not needed, and the
 * recipient list is fetched at the end if the backup is paired; on a
 * primary with backups (--backup-mx) each backup gets its token
 * (cmd_backup_mx.c, docs/backup-mx.md).
 *
 * Nothing is rewritten or reloaded that is already right, so setup is
 * safe to run again at any time (install.sh does, as the upgrade path).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands/cmd_common.h"
#include "commands/commands.h"
#include "setup/setup.h"
#include "setup/setup_acme.h"
#include "lib/config.h"
#include "lib/config_edit.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/secret.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/tlscert.h"
#include "lib/buf.h"
#include <sys/stat.h>

static const char setup_usage[] =
	"usage: vmailctl setup [--hostname FQDN] [--domain DOMAIN]\n"
	"                      [--admin ADDRESS]\n"
	"                      [--admin-password-stdin | --admin-password]\n"
	"                      [--message-size-limit SIZE] [--default-quota SIZE]\n"
	"                      [--antivirus | --no-antivirus]\n"
	"                      [--spam rspamd|spamassassin]\n"
	"                      [--role primary|backup-mx] [--primary HOST]\n"
	"                      [--backup-mx \"HOST ...\"]\n"
	"                      [--acme EMAIL | --no-acme] [--acme-directory URL]\n"
	"\n"
	"Configure Postfix and Dovecot as a virtual mail server and start\n"
	"them.  Safe to run again: only what differs is changed, and a run\n"
	"with nothing to change rewrites no file and restarts nothing.\n"
	"The first run needs --hostname and --domain; settings are kept in\n"
	"/etc/vmail/vmail.conf, and flags given later update them.\n"
	"\n"
	"  -H, --hostname FQDN         name of this server (SMTP greeting,\n"
	"                              certificate, MX target)\n"
	"  -d, --domain DOMAIN         first hosted domain\n"
	"  -a, --admin ADDRESS         administrator's mailbox (default\n"
	"                              admin@DOMAIN); postmaster@ and abuse@\n"
	"                              DOMAIN are aliases of it\n"
	"  -p, --admin-password-stdin  read the admin password from the first\n"
	"                              line of standard input (default: a\n"
	"                              generated one, printed once when the\n"
	"                              mailbox is created)\n"
	"      --admin-password        ask for the admin password on the\n"
	"                              terminal, twice, without echo\n"
	"  -m, --message-size-limit SIZE\n"
	"                              largest message accepted (e.g. 50M)\n"
	"  -q, --default-quota SIZE    quota of new mailboxes (e.g. 2G; 0 or\n"
	"                              'unlimited' for none)\n"
	"      --no-antivirus          turn ClamAV off ([antivirus] enabled =\n"
	"                              no; saves the ~1-1.5 GB of RAM clamd needs)\n"
	"      --antivirus             turn ClamAV on again (the default)\n"
	"      --spam ENGINE           who scores incoming mail: rspamd (the\n"
	"                              default) or spamassassin (spamd, asked\n"
	"                              by rspamd; [spam] engine)\n"
	"      --role ROLE             primary (the default: hosts mailboxes)\n"
	"                              or backup-mx (queues mail for the\n"
	"                              domains of --primary while it is down;\n"
	"                              --domain is then not needed)\n"
	"      --primary HOST          a backup MX's primary server\n"
	"      --backup-mx \"HOST ...\" a primary's backup MX servers (\"\" for\n"
	"                              none); see 'vmailctl backup-mx'\n"
	"      --acme EMAIL            get the certificate from an ACME CA\n"
	"                              (Let's Encrypt by default) and renew it;\n"
	"                              EMAIL gets the CA's notices ([tls] acme,\n"
	"                              acme_email; see vmailctl cert)\n"
	"      --no-acme               stop renewing (the certificate stays)\n"
	"      --acme-directory URL    the CA's ACME directory (https://...)\n"
	"  -h, --help                  show this help\n"
	"\n"
	"Options may come in any order.  Local changes go in\n"
	"/etc/vmail/local/ (postfix-main.cf, postfix-master.cf, dovecot.conf,\n"
	"nginx/http.d/*.conf, nginx/https.d/*.conf); setup keeps them.\n"
	"See vmailctl(8).\n";

/* The command line, before it is merged into the settings. */
struct setup_flags {
	const char *hostname, *domain, *admin;
	const char *message_size_limit, *default_quota;
	bool admin_password_stdin, admin_password_prompt;
	enum mailbox_password_source admin_password;   /* ... parsed */
	int antivirus;                 /* -1 not given, 0 off, 1 on */
	const char *spam;              /* --spam ENGINE, or NULL */
	const char *role, *primary, *backup_mx;   /* [server], or NULL */
	int acme;                      /* -1 not given, 0 --no-acme, 1 --acme */
	const char *acme_email, *acme_directory;
	enum vm_spam_engine spam_engine;   /* ... parsed */
};

static int parse_flags(int argc, char **argv, struct setup_flags *f)
{
	static const struct option opts[] = {
		{ "hostname", required_argument, NULL, 'H' },
		{ "domain", required_argument, NULL, 'd' },
		{ "admin", required_argument, NULL, 'a' },
		{ "admin-password-stdin", no_argument, NULL, 'p' },
		{ "admin-password", no_argument, NULL, 'P' },
		{ "message-size-limit", required_argument, NULL, 'm' },
		{ "default-quota", required_argument, NULL, 'q' },
		{ "antivirus", no_argument, NULL, 'V' },
		{ "no-antivirus", no_argument, NULL, 'N' },
		{ "spam", required_argument, NULL, 'S' },
		{ "role", required_argument, NULL, 'R' },
		{ "primary", required_argument, NULL, 'M' },
		{ "backup-mx", required_argument, NULL, 'B' },
		{ "acme", required_argument, NULL, 'A' },
		{ "no-acme", no_argument, NULL, 'O' },
		{ "acme-directory", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = cmd_getopt("setup", argc, argv, "H:d:a:pm:q:h",
			       opts)) != -1) {
		switch (c) {
		case 'H': f->hostname = optarg; break;
		case 'd': f->domain = optarg; break;
		case 'a': f->admin = optarg; break;
		case 'p': f->admin_password_stdin = true; break;
		case 'P': f->admin_password_prompt = true; break;
		case 'm': f->message_size_limit = optarg; break;
		case 'q': f->default_quota = optarg; break;
		case 'V': f->antivirus = 1; break;
		case 'N': f->antivirus = 0; break;
		case 'S': f->spam = optarg; break;
		case 'R': f->role = optarg; break;
		case 'M': f->primary = optarg; break;
		case 'B': f->backup_mx = optarg; break;
		case 'A': f->acme = 1; f->acme_email = optarg; break;
		case 'O': f->acme = 0; break;
		case 'D': f->acme_directory = optarg; break;
		case 'h': return cmd_help(setup_usage);
		default: return cmd_usage_error(setup_usage, NULL);
		}
	}
	if (f->spam && !config_parse_spam_engine(f->spam, &f->spam_engine)) {
		char shown[80], msg[160];

		snprintf(msg, sizeof msg, "setup: --spam: '%s' is not a spam "
			 "engine (rspamd or spamassassin)",
			 cmd_shown(f->spam, shown));
		return cmd_usage_error(setup_usage, msg);
	}
	if (optind < argc) {
		char shown[80], msg[128];

		/* "--admin-password SECRET": SECRET is not repeated. */
		snprintf(msg, sizeof msg, "setup: unexpected argument '%s'",
			 f->admin_password_prompt ? "..." :
			 cmd_shown(argv[optind], shown));
		return cmd_usage_error(setup_usage, msg);
	}
	return cmd_password_source("setup", setup_usage, "admin-password",
				   f->admin_password_stdin,
				   f->admin_password_prompt, &f->admin_password);
}

/* The admin password the administrator chose, if any, read and checked
 * now, before anything changes. */
static bool read_admin_password(struct setup *st,
				const struct setup_flags *f)
{
	if (f->admin_password == MAILBOX_PASSWORD_GENERATE)
		return true;
	return mailbox_password_read(f->admin_password, st->cfg.admin,
				     st->admin_password_given,
				     sizeof st->admin_password_given);
}

/* --role, --primary, --backup-mx: checked as vmail.conf would check
 * them ([server] role, primary, backup_mx), then taken over. */
static bool merge_server_flags(const struct setup_flags *f,
			       struct vm_config *cfg)
{
	struct vm_config *tmp;
	struct vm_buf b = VM_BUF_INIT;
	char why[600], *text;
	bool ok;

	if (!f->role && !f->primary && !f->backup_mx)
		return true;
	vm_buf_puts(&b, "[server]\n");
	if (f->role)
		vm_buf_printf(&b, "role = %s\n", f->role);
	if (f->primary)
		vm_buf_printf(&b, "primary = %s\n", f->primary);
	if (f->backup_mx)
		vm_buf_printf(&b, "backup_mx = %s\n", f->backup_mx);
	if (strchr(f->role ? f->role : "", '\n') ||
	    strchr(f->primary ? f->primary : "", '\n') ||
	    strchr(f->backup_mx ? f->backup_mx : "", '\n')) {
		vm_buf_free(&b);
		vm_err("setup: --role, --primary and --backup-mx take one line");
		return false;
	}
	if (!(text = vm_buf_take(&b, NULL)) || !(tmp = malloc(sizeof *tmp))) {
		free(text);
		vm_errno("out of memory");
		return false;
	}
	ok = config_parse(text, tmp, why, sizeof why);
	if (!ok)
		vm_err("setup: %s", strchr(why, ':') ? strchr(why, ':') + 2 : why);
	if (ok && f->role)
		memcpy(cfg->role, tmp->role, sizeof cfg->role);
	if (ok && f->primary)
		memcpy(cfg->primary, tmp->primary, sizeof cfg->primary);
	if (ok && f->backup_mx)
		memcpy(cfg->backup_mx, tmp->backup_mx, sizeof cfg->backup_mx);
	free(text);
	free(tmp);
	return ok;
}

/* A backup MX needs its primary; and no --domain: its [server] domain
 * (Postfix's mydomain) is the hostname's parent. */
static bool check_role(struct vm_config *cfg)
{
	const char *dot = strchr(cfg->hostname, '.');

	if (strcmp(cfg->role, "backup-mx"))
		return true;
	if (!cfg->primary[0]) {
		vm_err("a backup MX needs its primary: --primary HOST");
		return false;
	}
	if (!strcmp(cfg->primary, cfg->hostname)) {
		vm_err("a backup MX cannot be its own primary (%s)",
		       cfg->primary);
		return false;
	}
	if (!cfg->domain[0] && dot && strchr(dot + 1, '.'))
		vm_strlcpy(cfg->domain, dot + 1, sizeof cfg->domain);
	else if (!cfg->domain[0])
		vm_strlcpy(cfg->domain, cfg->hostname, sizeof cfg->domain);
	return true;
}

/* --acme EMAIL, --no-acme, --acme-directory URL. */
static bool merge_acme_flags(const struct setup_flags *f,
			     struct vm_config *cfg)
{
	char shown[80];
	const char *u = f->acme_directory;

	if (f->acme >= 0)
		cfg->acme = f->acme;
	if (f->acme_email &&
	    !cmd_arg_address("ACME e-mail address", f->acme_email,
			     cfg->acme_email, sizeof cfg->acme_email))
		return false;
	if (u) {
		bool ok = !strncmp(u, "https://", 8) && u[8] &&
			  strlen(u) < sizeof cfg->acme_directory;

		for (const char *p = u; ok && *p; p++)
			ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
		if (!ok) {
			vm_err("invalid ACME directory '%s': use an https:// "
			       "URL", cmd_shown(u, shown));
			return false;
		}
		vm_strlcpy(cfg->acme_directory, u, sizeof cfg->acme_directory);
	}
	return true;
}

/* Apply the flags over the loaded settings, validating each. */
static bool merge_flags(const struct setup_flags *f, struct vm_config *cfg)
{
	if (f->hostname &&
	    !cmd_arg_domain(f->hostname, cfg->hostname, sizeof cfg->hostname))
		return false;
	if (f->domain &&
	    !cmd_arg_domain(f->domain, cfg->domain, sizeof cfg->domain))
		return false;
	if (f->admin && !cmd_arg_mailbox(f->admin, cfg->admin, sizeof cfg->admin))
		return false;
	if (f->message_size_limit &&
	    !cmd_arg_size("message size limit", f->message_size_limit,
			  &cfg->message_size_limit))
		return false;
	if (f->default_quota &&
	    !cmd_arg_size("default quota", f->default_quota,
			  &cfg->default_quota))
		return false;
	if (!merge_server_flags(f, cfg) || !check_role(cfg))
		return false;
	if (f->antivirus >= 0)
		cfg->antivirus = f->antivirus;
	if (f->spam)
		cfg->spam_engine = f->spam_engine;
	if (!merge_acme_flags(f, cfg))
		return false;
	if (cfg->message_size_limit == 0) {
		vm_err("the message size limit must be greater than 0");
		return false;
	}
	if (!cfg->admin[0] &&
	    !vm_snprintf(cfg->admin, sizeof cfg->admin, "admin@%s", cfg->domain)) {
		vm_err("admin address too long");
		return false;
	}
	return true;
}

/* What vmail.conf should hold for cfg: a new file, or the existing one
 * with only the values that differ changed and the missing keys added
 * (config_edit.h).  NULL on error (printed). */
static char *settings_text(const char *path, bool found,
			   const struct vm_config *cfg)
{
	char why[640], *old, *text;
	size_t len;

	if (!found) {
		if (!(text = config_format(cfg)))
			vm_err("cannot format %s: a value is too long", path);
		return text;
	}
	if (!(old = vm_read_file(path, &len))) {
		vm_errno("cannot read %s", path);
		return NULL;
	}
	text = strlen(old) == len ? config_edit(old, cfg, why, sizeof why) :
		NULL;
	if (!text)
		vm_err("cannot update %s: %s", path, strlen(old) == len ? why :
		       "it contains a NUL byte");
	free(old);
	return text;
}

/* Step 1: read vmail.conf, merge the flags, write back what changed. */
static int load_settings(struct setup *st, const struct setup_flags *f)
{
	const char *path = config_path();
	char dir[PATH_MAX];
	bool found;
	char *text;
	int rc;

	config_defaults(&st->cfg);
	if (!config_load(path, &st->cfg, &found))
		return VM_EXIT_FAIL;
	if (!st->cfg.hostname[0] && !f->hostname)
		return cmd_usage_error(setup_usage, "the first setup needs "
				       "--hostname and --domain");
	if (!merge_flags(f, &st->cfg))
		return VM_EXIT_FAIL;
	if (!st->cfg.domain[0])
		return cmd_usage_error(setup_usage, "the first setup needs "
				       "--hostname and --domain");
	if (!read_admin_password(st, f))
		return VM_EXIT_FAIL;

	vm_strlcpy(dir, path, sizeof dir);
	if (!vm_strlcpy(st->etc_dir, dirname(dir), sizeof st->etc_dir) ||
	    !vm_snprintf(st->local_dir, sizeof st->local_dir, "%s/local",
			 st->etc_dir)) {
		vm_err("%s: path too long", path);
		return VM_EXIT_FAIL;
	}
	if (!setup_etc_dirs(st))
		return VM_EXIT_FAIL;
	if (!(text = settings_text(path, found, &st->cfg)))
		return VM_EXIT_FAIL;
	rc = vm_write_file_if_changed(path, text, strlen(text), 0644, 0, 0);
	free(text);
	if (rc < 0)
		return VM_EXIT_FAIL;
	if (rc > 0)
		vm_progress("Wrote %s", path);
	/* Tests point every command at another database; not saved. */
	return cmd_database_from_env(&st->cfg) ? -1 : VM_EXIT_FAIL;
}

/* The daemons' tools (postfix, doveconf, useradd) live in the sbin
 * directories, which "su" without "-" leaves out of PATH. */
static bool ensure_sbin_in_path(void)
{
	static const char sbin[] = "/usr/local/sbin:/usr/sbin:/sbin";
	const char *path = getenv("PATH");
	char *both = NULL;
	bool ok;

	if (path && strstr(path, "/usr/sbin"))
		return true;
	if (!path || !*path)
		return setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			      "/usr/bin:/sbin:/bin", 1) == 0;
	if (asprintf(&both, "%s:%s", path, sbin) < 0)
		return false;
	ok = setenv("PATH", both, 1) == 0;
	free(both);
	return ok;
}

/* The absolute path of this program, for Dovecot's quota-warning
 * service. */
static bool find_self(struct setup *st)
{
	ssize_t n = readlink("/proc/self/exe", st->vmailctl,
			     sizeof st->vmailctl - 1);

	if (n <= 0 || (size_t)n >= sizeof st->vmailctl - 1) {
		vm_errno("cannot find the path of vmailctl (/proc/self/exe)");
		return false;
	}
	st->vmailctl[n] = '\0';
	return true;
}

/* Step 4: a self-signed certificate unless there is one. */
static bool setup_tls(struct setup *st)
{
	int rc = tlscert_ensure_selfsigned(st->cfg.hostname, st->cfg.tls_cert,
					   st->cfg.tls_key);

	if (rc > 0)
		vm_progress("Created a self-signed certificate for %s",
			    st->cfg.hostname);
	return rc >= 0;
}

/* Start one service, or reload it when its configuration changed.
 * Returns false on failure (already reported). */
static bool converge_service(const char *name, bool changed, int *started)
{
	*started = service_start(name);
	if (*started < 0)
		return false;
	if (*started > 0) {
		vm_progress("Started %s", name);
		return true;
	}
	if (!changed)
		return true;
	vm_progress("Reloading %s", name);
	return service_reload(name) >= 0;
}

/* A backup MX has no mailboxes and no logins: Dovecot (installed, and
 * configured like a primary's, so that a change of role is only a
 * setup away) is stopped and disabled. */
static bool backup_without_dovecot(struct setup *st)
{
	int rc = service_disable("dovecot");

	if (rc > 0)
		vm_progress("Stopped dovecot (a backup MX has no mailboxes)");
	st->dovecot_started = 0;
	return rc >= 0;
}

/* Step 6.  Redis, clamd and spamd before rspamd (its state, its virus
 * scanner, its spam scorer with engine = spamassassin; see
 * setup_antivirus, setup_spamassassin), rspamd before Postfix (the
 * milter: without it Postfix answers 4xx), the resolvers of outgoing
 * mail before Postfix (setup_resolvers), Postfix before Dovecot: it
 * creates /var/spool/postfix/private, where Dovecot puts its LMTP and
 * auth sockets. */
static bool setup_services(struct setup *st)
{
	if (!setup_backup_mx_units(st))
		return false;
	return converge_service("redis-server", st->redis_changed,
				&st->redis_started) &&
	       setup_antivirus(st) &&
	       setup_spamassassin(st) &&
	       converge_service("rspamd", st->rspamd_changed,
				&st->rspamd_started) &&
	       setup_resolvers(st) &&
	       converge_service("postfix", st->postfix_changed,
				&st->postfix_started) &&
	       (strcmp(st->cfg.role, "backup-mx") ?
		converge_service("dovecot", st->dovecot_changed,
				 &st->dovecot_started) :
		backup_without_dovecot(st));
}

/* Steps 5 and 6: the daemons' files, then the daemons. */
static bool configure_and_converge(struct setup *st)
{
	if (!setup_redis(st) || !setup_backup_mx_files(st))
		return false;
	vm_progress("Rendering the Postfix, Dovecot %s, rspamd and Redis "
		    "configuration", st->dovecot_family);
	return setup_render_all(st) && setup_services(st);
}

/* A primary: a token for each backup MX (printed by 'vmailctl
 * backup-mx token HOST'). */
static bool primary_tokens(const struct setup *st)
{
	for (const char *p = st->cfg.backup_mx; *p;) {
		char host[256], tok[80];
		size_t w;
		int rc = 0;

		while (*p == ' ')
			p++;
		w = strcspn(p, " ");
		if (w && w < sizeof host) {
			memcpy(host, p, w);
			host[w] = '\0';
			rc = cmd_backup_mx_ensure_token(host, false, tok);
			vm_explicit_bzero(tok, sizeof tok);
			if (rc > 0)
				vm_progress("Made the backup MX token of %s "
					    "('vmailctl backup-mx token %s')",
					    host, host);
		}
		if (rc < 0)
			return false;
		p += w;
	}
	return true;
}

/* A backup MX: no directory, no DKIM keys; the recipient list fetched
 * now if the backup is paired (a failure is reported; the last list
 * stays). */
static int backup_mx_steps(struct setup *st)
{
	char path[PATH_MAX];
	struct stat sb;

	if (vm_snprintf(path, sizeof path, "%s/backup-mx/pairing",
			st->etc_dir) && stat(path, &sb) == 0) {
		vm_progress("Fetching the recipient list from %s",
			    st->cfg.primary);
		if (cmd_backup_mx_sync(&st->cfg, true) != VM_EXIT_OK)
			vm_err("warning: no new recipient list; the timer "
			       "tries again every 5 minutes");
	} else {
		printf("This server is a backup MX of %s. Pair it: run\n"
		       "  vmailctl backup-mx token %s\n"
		       "on the primary (with this server in its [server] "
		       "backup_mx), and give\nthe line it prints to "
		       "'vmailctl backup-mx pair' here, on standard input.\n",
		       st->cfg.primary, st->cfg.hostname);
	}
	return cmd_flush_stdout();
}

/* Step 10: the certificate from the ACME CA ([tls] acme = yes): the
 * timer enabled, the first certificate tried (a failure is a warning,
 * setup_acme.h). */
static bool setup_acme_step(struct setup *st)
{
	struct store *s;
	bool ok;

	if (st->cfg.acme)
		vm_progress("Checking the certificate (ACME)");
	if (!(s = store_open(st->cfg.database, false)))
		return false;
	ok = setup_acme(&st->cfg, s);
	store_close(s);
	return ok;
}

static int run_steps(struct setup *st)
{
	if (!find_self(st) || !ensure_sbin_in_path())
		return VM_EXIT_FAIL;
	vm_progress("Checking the vmail user and directories");
	if (!setup_vmail_user(st) || !setup_directories(st))
		return VM_EXIT_FAIL;
	if (!setup_database(st))
		return VM_EXIT_FAIL;
	if (!setup_tls(st))
		return VM_EXIT_FAIL;
	if (!setup_dovecot_family(st->dovecot_family,
				  sizeof st->dovecot_family))
		return VM_EXIT_FAIL;
	if (!setup_postfix_features(&st->postfix))
		return VM_EXIT_FAIL;
	/* Until the services have converged, a failure leaves new files
	 * behind that their daemons have not read: record which, so that
	 * the next run reloads them (setup_pending.c). */
	if (!setup_pending_load(st, SETUP_PENDING))
		return VM_EXIT_FAIL;
	if (!configure_and_converge(st)) {
		setup_pending_save(st, SETUP_PENDING);
		return VM_EXIT_FAIL;
	}
	if (!setup_pending_clear(SETUP_PENDING))
		return VM_EXIT_FAIL;
	if (!strcmp(st->cfg.role, "backup-mx"))
		return backup_mx_steps(st);
	if (!primary_tokens(st))
		return VM_EXIT_FAIL;
	vm_progress("Checking the first domain and the admin mailbox");
	if (!setup_directory(st))
		return VM_EXIT_FAIL;
	vm_progress("Checking the DKIM keys");
	if (!setup_dkim(st))
		return VM_EXIT_FAIL;
	vm_progress("Checking the web front (nginx)");
	if (!setup_web(st)) {
		/* The mail daemons have their new files already; nginx may
		 * not (its site written, the reload failed). */
		st->postfix_changed = st->dovecot_changed = false;
		st->rspamd_changed = st->redis_changed = false;
		st->unbound_changed = st->mta_sts_changed = false;
		setup_pending_save(st, SETUP_PENDING);
		return VM_EXIT_FAIL;
	}
	if (!setup_acme_step(st))
		return VM_EXIT_FAIL;
	setup_print_summary(st);
	return cmd_flush_stdout();
}

int cmd_setup(int argc, char **argv)
{
	struct setup_flags flags = { .antivirus = -1, .acme = -1 };
	struct setup *st;
	int rc;

	if ((rc = parse_flags(argc, argv, &flags)) >= 0)
		return rc;
	if (geteuid() != 0) {
		vm_err("setup must run as root");
		return VM_EXIT_FAIL;
	}
	if (!(st = calloc(1, sizeof *st))) {
		vm_errno("out of memory");
		return VM_EXIT_FAIL;
	}
	rc = load_settings(st, &flags);
	if (rc < 0)
		rc = run_steps(st);
	vm_explicit_bzero(st->admin_password, sizeof st->admin_password);
	vm_explicit_bzero(st->admin_password_given,
			  sizeof st->admin_password_given);
	free(st);
	return rc;
}
