/*
 * setup.h - the steps of "vmailctl setup", shared between its files.
 *
 *   cmd_setup.c        command line, settings, and the order of the steps
 *   setup_system.c     the vmail user and group, directories
 *   setup_database.c   the directory database: created or migrated, out
 *                      of WAL mode, readable by Postfix and Dovecot only
 *   setup_dovecot.c    which Dovecot template family (2.3 or 2.4) to use
 *   setup_postfix.c    what this Postfix release supports (smuggling
 *                      protection)
 *   setup_render.c     render the templates, validate, install
 *   setup_local.c      the administrator's overrides in /etc/vmail/local
 *   setup_check.c      "postfix check", "doveconf -n", "sievec" and
 *                      "rspamadm configtest" on a candidate
 *   setup_redis.c      _rspamd in the group redis; Redis' systemd drop-in
 *   setup_sieve.c      compile the installed global Sieve scripts
 *   setup_web.c        the web front: nginx's site, the per-domain
 *                      MTA-STS and client autoconfiguration files
 *   setup_clamav.c     ClamAV: clamd's size limits, clamd and freshclam
 *                      started (once there are signatures) or stopped
 *   setup_spamd.c      SpamAssassin: spamd's drop-in, started or stopped
 *   setup_directory.c  first domain, admin mailbox, postmaster@/abuse@
 *   setup_dkim.c       an active DKIM key for every domain, key
 *                      permissions, the selectors map
 *   setup_resolver.c   outgoing mail's resolvers: unbound (DNSSEC) and
 *                      /etc/resolv.conf naming it, postfix-mta-sts-resolver
 *   setup_summary.c    what setup prints at the end
 *   setup_pending.c    reloads owed by a run that failed half-way
 *   setup_backup_mx.c  a backup MX (role = backup-mx) and a primary with
 *                      backups: template variables, the list's maps,
 *                      the socket and timer units
 *
 * Every step is idempotent: it looks at what is there and changes only
 * what differs, so a second run with nothing to do writes no file and
 * restarts nothing.
 */
#ifndef VMAIL_SETUP_H
#define VMAIL_SETUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/config.h"
#include "lib/password.h"

#define SETUP_POSTFIX_DIR "/etc/postfix"
#define SETUP_POSTFIX_MAP_DIR "/etc/postfix/vmail"
#define SETUP_DOVECOT_DIR "/etc/dovecot"
/* Outgoing mail's resolvers (setup_resolver.c, docs/outbound-tls.md). */
#define SETUP_UNBOUND_CONF_DIR "/etc/unbound/unbound.conf.d"
#define SETUP_RESOLV_CONF "/etc/resolv.conf"
#define SETUP_MTA_STS_HOST "127.0.0.1"
#define SETUP_MTA_STS_PORT "8461"
/* vmail-tls-policy.socket: "vmailctl tls-policy", DANE before MTA-STS */
#define SETUP_TLS_POLICY_SOCKETMAP "127.0.0.1:8462"
#define SETUP_TLS_POLICY_SOCKET "vmail-tls-policy.socket"

/*
 * Time limits of a message's scan, in seconds, rendered into the rspamd
 * and Postfix templates (options.inc explains them).  Each waits for
 * the ones inside it, so a slow scan ends in rspamd's own verdict (or
 * its 4xx) and no message is refused for ever only for being slow:
 *   the checks put together < task_timeout < the milter worker's
 *   timeout < Postfix's milter_content_timeout
 */
#define SETUP_CLAMD_TIMEOUT 30        /* per try, antivirus.conf */
#define SETUP_CLAMD_RETRANSMITS 1
#define SETUP_SPAMD_TIMEOUT 6         /* one try, external_services.conf */
#define SETUP_DNS_TIMEOUT 1           /* per try, options.inc */
#define SETUP_DNS_RETRANSMITS 5
#define SETUP_DNS_CHAINED 3           /* lookups waiting for one another */
#define SETUP_REDIS_REQUESTS 4        /* 1 s each, one after another */
#define SETUP_TASK_TIMEOUT 100
#define SETUP_PROXY_TIMEOUT 120
#define SETUP_MILTER_CONTENT_TIMEOUT 150
_Static_assert(SETUP_CLAMD_TIMEOUT * (SETUP_CLAMD_RETRANSMITS + 1) +
	       SETUP_SPAMD_TIMEOUT +
	       SETUP_DNS_TIMEOUT * SETUP_DNS_RETRANSMITS * SETUP_DNS_CHAINED +
	       SETUP_REDIS_REQUESTS < SETUP_TASK_TIMEOUT &&
	       SETUP_TASK_TIMEOUT < SETUP_PROXY_TIMEOUT &&
	       SETUP_PROXY_TIMEOUT < SETUP_MILTER_CONTENT_TIMEOUT,
	       "the scan's time limits must nest");

/* What this Postfix release supports (setup_postfix.c). */
struct postfix_features {
	char bare_newline[16];     /* smtpd_forbid_bare_newline: "normalize"
				      (or "yes" where that is all it knows) */
	bool unauth_pipelining;    /* smtpd_forbid_unauth_pipelining known */
};

/* Everything the steps need to know, filled in as setup goes. */
struct setup {
	struct vm_config cfg;
	char etc_dir[PATH_MAX];        /* /etc/vmail (dir of vmail.conf) */
	char local_dir[PATH_MAX];      /* /etc/vmail/local */
	char vmailctl[PATH_MAX];       /* absolute path of this program */
	char dovecot_family[8];        /* "2.3" or "2.4" */
	struct postfix_features postfix;
	uid_t vmail_uid;
	gid_t vmail_gid;
	/* The admin password the administrator chose (standard input or
	 * the terminal), read before anything changed; "": generate one. */
	char admin_password_given[VM_PASSWORD_MAX + 1];

	/* Results, for the service step and the summary. */
	bool postfix_changed;          /* a Postfix file was rewritten */
	bool dovecot_changed;          /* a Dovecot file was rewritten */
	bool nginx_changed;            /* nginx's site rewritten */
	bool rspamd_changed;           /* an rspamd file was rewritten */
	bool redis_changed;            /* Redis' file (or unit) rewritten */
	bool spamd_unit_changed;       /* spamd's systemd drop-in rewritten */
	bool unbound_changed;          /* unbound's file rewritten */
	bool mta_sts_changed;          /* postfix-mta-sts-resolver's file */
	bool directory_changed;        /* domain/mailbox/alias added */
	bool dkim_changed;             /* a DKIM key, the map or a mode */
	bool admin_created;
	bool admin_password_changed;   /* --admin-password-stdin, new one */
	char admin_password[VM_PASSWORD_MAX + 1]; /* generated; shown once */
	int postfix_started;           /* service_start() results */
	int dovecot_started;
	int nginx_started;
	int rspamd_started;
	int redis_started;
	int clamd_started;
	int spamd_started;
	int unbound_started;
	int mta_sts_started;
	bool resolv_conf_changed;      /* /etc/resolv.conf now names unbound */
	bool clamd_waiting;            /* antivirus on, no signatures yet */
};

/* setup_system.c: the settings directory and its local/ and tls/
 * (before vmail.conf is written), the vmail user, the data
 * directories. */
bool setup_etc_dirs(const struct setup *st);
bool setup_vmail_user(struct setup *st);
/* A system user with a group of its own, no home, no login (created if
 * missing); false if that fails or the user is root. */
bool setup_service_user(const char *name, const char *comment);
bool setup_directories(struct setup *st);
/* Step 3: the directory database (setup_database.c). */
bool setup_database(struct setup *st);

/* setup_dovecot.c: "2.3" or "2.4" from "dovecot --version" into family
 * (>= 8 bytes).  Prints why and returns false if Dovecot is missing or
 * of a version vmail has no templates for. */
bool setup_dovecot_family(char *family, size_t size);

/* setup_postfix.c: what this Postfix supports, from "postconf -d".
 * Prints why and returns false if Postfix is missing or has no
 * protection against SMTP smuggling.  The parser alone (for tests):
 * postconf_out is the output of "postconf -d"; false with the reason in
 * why. */
bool setup_postfix_features(struct postfix_features *f);
bool postfix_features_parse(const char *postconf_out,
			    struct postfix_features *f, char *why,
			    size_t whylen);

/* setup_render.c: render, validate and install every configuration
 * file; sets postfix_changed / dovecot_changed. */
bool setup_render_all(struct setup *st);

/* setup_local.c: apply the overrides of local_dir to rendered text.
 * Each takes the malloc'd rendered text and returns a malloc'd result
 * (freeing the input), or NULL with a message printed.  A missing
 * override file leaves the text as it is. */
char *setup_local_postfix_main(const char *local_dir, char *text);
char *setup_local_postfix_master(const char *local_dir, char *text);
char *setup_local_dovecot(const char *local_dir, char *text);

/*
 * The main.cf merge itself, without files: overrides ("name = value"
 * lines in main.cf syntax) over the rendered text.  A name the rendered
 * text sets has its logical line (with continuation lines) replaced in
 * place, under a comment "# (set in ORIGIN)"; new names are appended
 * under "# ---- added from ORIGIN ----"; a name given twice in the
 * overrides counts once, with its last value.  Everything else is kept
 * as it is, and the result ends with a newline.
 * Returns the malloc'd result, or NULL with *bad_line set: N > 0 when
 * line N of overrides is not "name = value" (or is a continuation line
 * with nothing to continue), -N for line N of rendered (a template
 * bug), 0 when memory ran out.  Prints nothing.
 */
char *postfix_main_merge(const char *rendered, const char *overrides,
			 const char *origin, int *bad_line);

/* setup_check.c: validate candidate configurations in a scratch
 * directory before they replace the live ones.  On failure the tool's
 * output is printed and false returned. */
bool setup_check_postfix(const char *config_dir);
bool setup_check_dovecot(const char *config_file);
/* sievec on a candidate global Sieve script (compiled in place), with
 * the candidate Dovecot configuration config_file (which enables the
 * extensions the script needs, such as vnd.dovecot.pipe). */
bool setup_check_sieve(const char *config_file, const char *script);
/* "rspamadm configtest" of the packaged rspamd.conf with local.d taken
 * from DIR/local.d (files of live_local_dir that setup does not manage
 * are linked in, and override.d is the live one). */
bool setup_check_rspamd(const char *dir, const char *live_local_dir);
/* Drop from rspamadm's stderr (in place) what is not about the
 * configuration: "address resolution for NAME failed: ..." lines, each
 * with the "cannot read servers definition" line that may follow it
 * (the public fuzzy-hash servers, when this machine cannot resolve
 * their names). */
void setup_rspamd_drop_noise(char *text);

/* setup_sieve.c: compile an installed global Sieve script (sievec -c
 * config_file, the live dovecot.conf just written), so that Dovecot,
 * running as vmail, need not write the binary. */
bool setup_compile_sieve(const char *config_file, const char *script);
/* setup_redis.c: _rspamd in the group redis (for the socket); with
 * systemd, the drop-in that starts redis-server with
 * /etc/redis/vmail.conf.  Sets redis_changed / rspamd_changed when
 * something had to change. */
bool setup_redis(struct setup *st);
/* setup_clamav.c: ClamAV as [antivirus] enabled says: clamd (and with
 * systemd freshclam) started, or stopped and disabled.  Without
 * signatures clamd cannot start: sets clamd_waiting and succeeds. */
bool setup_antivirus(struct setup *st);
/* setup_spamd.c: spamd as [spam] engine says: with spamassassin started
 * (with systemd through vmail's drop-in, restarted when that changed),
 * otherwise stopped and disabled if installed. */
bool setup_spamassassin(struct setup *st);

/* setup_directory.c: the first domain, the admin mailbox and the
 * postmaster@ and abuse@ aliases (each only if absent). */
bool setup_directory(struct setup *st);

/* setup_dkim.c: every hosted domain has an active DKIM key; the key
 * directory, files and selectors map are right (dkim_fix_permissions,
 * dkim_keys_sync_map).  Sets dkim_changed. */
bool setup_dkim(struct setup *st);

/* setup_web.c: the web front (see there).  setup_web renders the
 * per-domain files and nginx's site, checks and installs it, and starts
 * or reloads nginx; sets nginx_changed.  setup_web_refresh does the same
 * for "domain add|del" once setup has installed the site (and nothing
 * before): 1 something changed, 0 nothing, -1 error (printed). */
#define SETUP_WEB_DIR "/var/lib/vmail/www"
bool setup_web(struct setup *st);
int setup_web_refresh(const struct vm_config *cfg);
/* The parts without files, for the tests: nginx's server_name list
 * (hostname, then mta-sts., autoconfig. and autodiscover. of each
 * domain, each name once, blank-separated; malloc'd, NULL when out of
 * memory); a UUID (upper-case, RFC 4122 version 4 form) made from the
 * SHA-256 of seed, the same for the same seed; the fingerprint (16 hex
 * digits) of LOCAL_DIR/nginx/http.d/ and https.d/ *.conf, names and
 * contents: returns how many files there are (0: hex is that of
 * nothing), -1 on error (printed). */
char *web_server_names(const char *hostname, const char *const *domains,
		       size_t n);
#define WEB_UUID_LEN 36
bool web_uuid(const char *seed, char out[WEB_UUID_LEN + 1]);
int web_local_fingerprint(const char *local_dir, char hex[17]);

/* setup_pending.c: services whose files a failed run changed (see
 * there).  load sets their *_changed flags; save records the flags set
 * now; clear forgets them.  Each prints why and returns false on error. */
#define SETUP_PENDING "/var/lib/vmail/setup.pending"
bool setup_pending_load(struct setup *st, const char *path);
bool setup_pending_save(struct setup *st, const char *path);
bool setup_pending_clear(const char *path);

/* setup_resolver.c: with systemd, unbound started (or reloaded when its
 * file changed), then /etc/resolv.conf pointed at it (a symlink, such
 * as systemd-resolved's stub-resolv.conf, is replaced by a file), then
 * postfix-mta-sts-resolver started (restarted when its file changed).
 * Without systemd it does nothing.  Prints why and returns false on
 * error; /etc/resolv.conf is only changed once unbound answers. */
bool setup_resolvers(struct setup *st);
/* The /etc/resolv.conf setup writes (for tests). */
extern const char setup_resolv_conf_text[];
/* "unbound-checkconf" on a candidate file of unbound.conf.d. */
bool setup_check_unbound(const char *file);

/* setup_summary.c */
void setup_print_summary(const struct setup *st);

/* setup_backup_mx.c (see there). */
struct tvars;
bool setup_backup_mx_vars(const struct setup *st, struct tvars *v);
bool setup_backup_mx_files(const struct setup *st);
bool setup_backup_mx_units(const struct setup *st);

#endif
