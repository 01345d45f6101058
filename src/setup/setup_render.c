/*
 * setup_render.c - turn the shipped templates into the live Postfix and
 * Dovecot configuration.
 *
 *   templates/postfix/main.cf          -> /etc/postfix/main.cf      0644
 *   templates/postfix/master.cf        -> /etc/postfix/master.cf    0644
 *   templates/postfix/sqlite-*.cf      -> /etc/postfix/vmail/       0640 root:postfix
 *   templates/postfix/submission-header-checks.regexp
 *                                      -> /etc/postfix/vmail/       0640 root:postfix
 *   templates/dovecot/FAMILY/dovecot.conf -> /etc/dovecot/dovecot.conf 0644
 *   templates/dovecot/FAMILY/OTHER     -> /etc/dovecot/OTHER        0640 root:dovecot
 *   templates/dovecot/sieve/NAME.sieve -> /etc/dovecot/sieve/       0644 (global
 *                                         Sieve scripts, compiled with sievec)
 *   templates/rspamd/NAME              -> /etc/rspamd/local.d/NAME  0644
 *   templates/redis/vmail.conf         -> /etc/redis/vmail.conf     0640 root:redis
 *   templates/unbound/vmail.conf       -> /etc/unbound/unbound.conf.d/vmail.conf 0644
 *   templates/mta-sts/mta-sts-daemon.yml -> /etc/mta-sts-daemon.yml 0644
 *                                         (both with systemd only: the
 *                                         outgoing mail's resolvers, see
 *                                         setup_resolver.c)
 *   templates/systemd/UNIT.d/NAME      -> /etc/systemd/system/UNIT.d/NAME 0644
 *   templates/systemd/UNIT             -> /etc/systemd/system/UNIT  0644
 *                                         (with systemd only; drop-ins and
 *                                         units of our own, then
 *                                         "systemctl daemon-reload";
 *                                         postfix.service.d goes to the
 *                                         unit that runs the master, see
 *                                         service_unit())
 *
 * FAMILY is "2.3" or "2.4" (setup_dovecot.c); every file of the family
 * directory is rendered, so each family brings what it needs.  The
 * template variables are the ones listed in templates/dovecot/README.md
 * (the same for Postfix) and nothing else; the renderer refuses unknown
 * names.
 *
 * The order matters for safety: everything is rendered and merged with
 * the local overrides in memory, written to a scratch directory and
 * checked there with "postfix check", "doveconf -n", "sievec",
 * "rspamadm configtest" and "unbound-checkconf" (setup_check.c,
 * setup_resolver.c); only if all are clean are the
 * live files replaced, each only when its content, mode or owner differ.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup/setup.h"
#include "core/send_limits.h"
#include "core/sender_map.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/dkim.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/template.h"

#define MAX_TARGETS 64

enum owner { OWNER_POSTFIX, OWNER_DOVECOT, OWNER_SIEVE, OWNER_RSPAMD,
	     OWNER_REDIS, OWNER_SYSTEMD, OWNER_UNBOUND, OWNER_MTA_STS };

#define SIEVE_DIR SETUP_DOVECOT_DIR "/sieve"
#define RSPAMD_LOCAL_DIR "/etc/rspamd/local.d"
#define REDIS_DIR "/etc/redis"
#define REDIS_SOCKET "/run/redis/redis-server.sock"
#define RSPAMD_MILTER SERVICE_RSPAMD_MILTER_HOST ":" SERVICE_RSPAMD_MILTER_PORT
#define SYSTEMD_DIR "/etc/systemd/system"
/* Postfix's deliveries to Dovecot at once, and Dovecot's for one mailbox:
 * the same, so that Postfix never hears "too many for this user". */
#define LMTP_CONCURRENCY 20

/* One configuration file: where its template is, where it goes. */
struct target {
	char tmpl[PATH_MAX];       /* the template file */
	char name[96];             /* file name (systemd: UNIT.d/NAME) */
	char path[PATH_MAX];       /* the live file */
	char scratch[PATH_MAX];    /* its copy in the scratch directory */
	enum owner owner;          /* whose configuration it is */
	mode_t mode;
	gid_t gid;                 /* group (0 = root) */
	char *text;                /* rendered, with local overrides */
	char *check_text;          /* what the scratch copy holds, if
				      different from text (main.cf) */
};

struct plan {
	struct target t[MAX_TARGETS];
	size_t n;
	char scratch[PATH_MAX];    /* mkdtemp'd directory, "" if none */
};

/* Where each owner's files go in the scratch directory. */
static const char *scratch_sub(const struct target *t)
{
	switch (t->owner) {
	case OWNER_POSTFIX: return t->gid ? "postfix/vmail" : "postfix";
	case OWNER_DOVECOT: return "dovecot";
	case OWNER_SIEVE: return "sieve";
	case OWNER_RSPAMD: return "rspamd/local.d";
	case OWNER_REDIS: return "redis";
	case OWNER_SYSTEMD: return "systemd";
	case OWNER_UNBOUND: return "unbound";
	case OWNER_MTA_STS: return "mta-sts";
	}
	return "other";
}

/* Postfix's files; the map files are read by proxymap as user postfix. */
static const struct {
	const char *name;
	bool is_map;
} postfix_files[] = {
	{ "main.cf", false },
	{ "master.cf", false },
	{ "sqlite-domains.cf", true },
	{ "sqlite-mailboxes.cf", true },
	{ "sqlite-mailbox-self.cf", true },
	{ "sqlite-aliases.cf", true },
	{ "sqlite-recipient-unavailable.cf", true },
	{ "sqlite-sender-login.cf", true },
	{ "sqlite-local-host.cf", true },
	{ "submission-header-checks.regexp", true },
};

/* ---- template variables ------------------------------------------------ */

/* Postfix's queue_minfree: twice the largest message, and at least
 * QUEUE_MINFREE_MIN (a message_size_limit of 0, no limit, included). */
#define QUEUE_MINFREE_MIN (100ULL << 20)
static uint64_t queue_minfree(uint64_t message_size_limit)
{
	uint64_t twice = message_size_limit > UINT64_MAX / 2 ? UINT64_MAX :
			 2 * message_size_limit;

	return twice < QUEUE_MINFREE_MIN ? QUEUE_MINFREE_MIN : twice;
}

/* spamd's command line options (service_spamd_options), one string. */
static bool set_spamd_options(struct tvars *v)
{
	struct vm_buf b = VM_BUF_INIT;
	char *text;
	bool ok;

	for (size_t i = 0; service_spamd_options[i]; i++)
		vm_buf_printf(&b, "%s%s", i ? " " : "", service_spamd_options[i]);
	if (!(text = vm_buf_take(&b, NULL)))
		return false;
	ok = tvars_set(v, "spamd_options", text);
	free(text);
	return ok;
}

/* The scan's time limits (setup.h), in seconds. */
static bool set_timeouts(struct tvars *v)
{
	static const struct { const char *name; int value; } t[] = {
		{ "clamd_timeout", SETUP_CLAMD_TIMEOUT },
		{ "clamd_retransmits", SETUP_CLAMD_RETRANSMITS },
		{ "spamd_timeout", SETUP_SPAMD_TIMEOUT },
		{ "dns_timeout", SETUP_DNS_TIMEOUT },
		{ "dns_retransmits", SETUP_DNS_RETRANSMITS },
		{ "task_timeout", SETUP_TASK_TIMEOUT },
		{ "proxy_timeout", SETUP_PROXY_TIMEOUT },
		{ "milter_content_timeout", SETUP_MILTER_CONTENT_TIMEOUT },
	};
	bool ok = true;

	for (size_t i = 0; ok && i < sizeof t / sizeof t[0]; i++)
		ok = tvars_setf(v, t[i].name, "%d", t[i].value);
	return ok;
}

static struct tvars *make_vars(const struct setup *st, const char *map_dir)
{
	struct tvars *v = tvars_new();
	const struct vm_config *c = &st->cfg;
	char limits_map[PATH_MAX], senders_map[PATH_MAX];
	bool ok;

	if (!v)
		return NULL;
	ok = send_limits_map_path(limits_map, sizeof limits_map) &&
	     sender_map_path(senders_map, sizeof senders_map) &&
	     tvars_set(v, "hostname", c->hostname) &&
	     tvars_set(v, "domain", c->domain) &&
	     tvars_set(v, "admin", c->admin) &&
	     tvars_setf(v, "message_size_limit", "%llu",
			(unsigned long long)c->message_size_limit) &&
	     tvars_setf(v, "queue_minfree", "%llu",
			(unsigned long long)queue_minfree(c->message_size_limit)) &&
	     tvars_set(v, "db_path", c->database) &&
	     tvars_set(v, "mail_root", c->mail_root) &&
	     tvars_set(v, "tls_cert", c->tls_cert) &&
	     tvars_set(v, "tls_key", c->tls_key) &&
	     tvars_setf(v, "vmail_uid", "%lu", (unsigned long)st->vmail_uid) &&
	     tvars_setf(v, "vmail_gid", "%lu", (unsigned long)st->vmail_gid) &&
	     tvars_set(v, "postfix_map_dir", map_dir) &&
	     tvars_set(v, "vmailctl", st->vmailctl) &&
	     tvars_set(v, "dovecot_version", st->dovecot_family) &&
	     tvars_set(v, "log_to_files", service_have_systemd() ? "" : "yes") &&
	     tvars_set(v, "local_dir", st->local_dir) &&
	     tvars_set(v, "redis_socket", REDIS_SOCKET) &&
	     tvars_set(v, "rspamd_milter", RSPAMD_MILTER) &&
	     tvars_setf(v, "lmtp_concurrency", "%d", LMTP_CONCURRENCY) &&
	     tvars_set(v, "dkim_dir", dkim_dir()) &&
	     tvars_set(v, "greylisting", c->greylisting ? "yes" : "") &&
	     tvars_setf(v, "greylist_delay", "%lu",
			(unsigned long)c->greylist_delay) &&
	     tvars_set(v, "antivirus", c->antivirus ? "yes" : "") &&
	     tvars_set(v, "clamd_socket", SERVICE_CLAMD_SOCKET) &&
	     tvars_setf(v, "messages_per_hour", "%lu",
			(unsigned long)c->messages_per_hour) &&
	     tvars_setf(v, "recipients_per_hour", "%lu",
			(unsigned long)c->recipients_per_hour) &&
	     tvars_set(v, "ratelimit_map", limits_map) &&
	     tvars_set(v, "sender_map", senders_map) &&
	     tvars_set(v, "bare_newline", st->postfix.bare_newline) &&
	     tvars_set(v, "forbid_unauth_pipelining",
		       st->postfix.unauth_pipelining ? "yes" : "") &&
	     set_timeouts(v) &&
	     /* [spam] engine: rspamd's external services ask spamd, and the
	      * learning scripts (learn-*.sieve) train it with spamc. */
	     tvars_set(v, "spamassassin",
		       c->spam_engine == VM_SPAM_SPAMASSASSIN ? "yes" : "") &&
	     tvars_set(v, "spamd_server",
		       SERVICE_SPAMD_HOST ":" SERVICE_SPAMD_PORT) &&
	     set_spamd_options(v) &&
	     setup_backup_mx_vars(st, v) &&
	     /* outgoing mail: the MTA-STS lookup, with systemd only */
	     tvars_set(v, "mta_sts_socketmap", service_have_systemd() ?
		       SETUP_MTA_STS_HOST ":" SETUP_MTA_STS_PORT : "") &&
	     tvars_set(v, "mta_sts_host", SETUP_MTA_STS_HOST) &&
	     tvars_set(v, "mta_sts_port", SETUP_MTA_STS_PORT) &&
	     tvars_set(v, "tls_policy_socketmap", SETUP_TLS_POLICY_SOCKETMAP);
	for (int i = 0; ok && i < 3; i++) {
		static const char *const names[] = {
			"spam_reject", "spam_add_header", "spam_greylist" };
		const int32_t scores[] = { c->spam_reject, c->spam_add_header,
					   c->spam_greylist };
		char buf[16];

		config_format_score(scores[i], buf, sizeof buf);
		ok = tvars_set(v, names[i], buf);
	}
	if (!ok) {
		tvars_free(v);
		return NULL;
	}
	return v;
}

/* ---- the list of files --------------------------------------------------- */

static bool group_id(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);

	if (!g) {
		vm_err("the group '%s' does not exist; is %s installed?", name,
		       name);
		return false;
	}
	*gid = g->gr_gid;
	return true;
}

static struct target *add_target(struct plan *p, const char *tmpl_dir,
				 const char *name, const char *live_dir,
				 enum owner owner, mode_t mode, gid_t gid)
{
	struct target *t;

	if (p->n == MAX_TARGETS) {
		vm_err("too many template files in %s", tmpl_dir);
		return NULL;
	}
	t = &p->t[p->n];
	memset(t, 0, sizeof *t);
	if (!vm_strlcpy(t->name, name, sizeof t->name) ||
	    !vm_snprintf(t->tmpl, sizeof t->tmpl, "%s/%s", tmpl_dir, name) ||
	    !vm_snprintf(t->path, sizeof t->path, "%s/%s", live_dir, name)) {
		vm_err("%s/%s: name too long", tmpl_dir, name);
		return NULL;
	}
	t->owner = owner;
	t->mode = mode;
	t->gid = gid;
	p->n++;
	return t;
}

static bool plan_postfix(struct plan *p, const char *templates)
{
	char dir[PATH_MAX];
	gid_t postfix_gid;

	if (!group_id("postfix", &postfix_gid) ||
	    !vm_snprintf(dir, sizeof dir, "%s/postfix", templates))
		return false;
	for (size_t i = 0; i < sizeof postfix_files / sizeof postfix_files[0];
	     i++) {
		bool map = postfix_files[i].is_map;

		if (!add_target(p, dir, postfix_files[i].name,
				map ? SETUP_POSTFIX_MAP_DIR : SETUP_POSTFIX_DIR,
				OWNER_POSTFIX, map ? 0640 : 0644,
				map ? postfix_gid : 0))
			return false;
	}
	return true;
}

static bool is_template_name(const char *name)
{
	return name[0] != '.' && strncmp(name, "README", 6) != 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct target *)a)->name,
		      ((const struct target *)b)->name);
}

/* Every file of templates/dovecot/FAMILY; dovecot.conf must be one. */
static bool plan_dovecot(struct plan *p, const char *templates,
			 const char *family)
{
	char dir[PATH_MAX];
	gid_t dovecot_gid;
	struct dirent *de;
	size_t first = p->n;
	bool have_main = false, ok = true;
	DIR *d;

	if (!group_id("dovecot", &dovecot_gid) ||
	    !vm_snprintf(dir, sizeof dir, "%s/dovecot/%s", templates, family))
		return false;
	if (!(d = opendir(dir))) {
		vm_errno("cannot read the Dovecot %s templates in %s", family,
			 dir);
		return false;
	}
	while (ok && (de = readdir(d))) {
		bool main_conf = !strcmp(de->d_name, "dovecot.conf");

		if (!is_template_name(de->d_name) || de->d_type == DT_DIR)
			continue;
		have_main |= main_conf;
		ok = add_target(p, dir, de->d_name, SETUP_DOVECOT_DIR,
				OWNER_DOVECOT, main_conf ? 0644 : 0640,
				main_conf ? 0 : dovecot_gid) != NULL;
	}
	closedir(d);
	if (ok && !have_main) {
		vm_err("%s has no dovecot.conf template", dir);
		ok = false;
	}
	/* A stable order, for stable messages. */
	qsort(p->t + first, p->n - first, sizeof p->t[0], by_name);
	return ok;
}

/* Every file of templates/SUB into live_dir (mode 0644 or 0640 with
 * group), in name order. */
static bool plan_dir(struct plan *p, const char *templates, const char *sub,
		     const char *live_dir, enum owner owner, mode_t mode,
		     const char *group)
{
	char dir[PATH_MAX];
	gid_t gid = 0;
	struct dirent *de;
	size_t first = p->n;
	bool ok = true;
	DIR *d;

	if ((group && !group_id(group, &gid)) ||
	    !vm_snprintf(dir, sizeof dir, "%s/%s", templates, sub))
		return false;
	if (!(d = opendir(dir))) {
		vm_errno("cannot read the templates in %s", dir);
		return false;
	}
	while (ok && (de = readdir(d))) {
		if (!is_template_name(de->d_name) || de->d_type == DT_DIR)
			continue;
		ok = add_target(p, dir, de->d_name, live_dir, owner, mode,
				gid) != NULL;
	}
	closedir(d);
	qsort(p->t + first, p->n - first, sizeof p->t[0], by_name);
	return ok;
}

/* templates/systemd: with systemd only.  A directory UNIT.d holds drop-ins
 * of UNIT, any other file is a unit of ours.  The Postfix drop-ins go to
 * the unit that runs the master (service_unit()). */
static bool plan_systemd(struct plan *p, const char *templates)
{
	char dir[PATH_MAX], sub[PATH_MAX], live[PATH_MAX];
	struct dirent *de, *fe;
	size_t first = p->n;
	bool ok = true;
	DIR *d, *f;

	if (!service_have_systemd())
		return true;
	if (!vm_snprintf(dir, sizeof dir, "%s/systemd", templates))
		return false;
	if (!(d = opendir(dir))) {
		vm_errno("cannot read the templates in %s", dir);
		return false;
	}
	while (ok && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (!is_template_name(de->d_name))
			continue;
		if (de->d_type != DT_DIR) {
			ok = add_target(p, dir, de->d_name, SYSTEMD_DIR,
					OWNER_SYSTEMD, 0644, 0) != NULL;
			continue;
		}
		/* UNIT.d: the unit name as the live directory has it */
		ok = n > 2 && !strcmp(de->d_name + n - 2, ".d") &&
		     vm_snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name) &&
		     (strcmp(de->d_name, "postfix.service.d") ?
		      vm_snprintf(live, sizeof live, "%s/%s", SYSTEMD_DIR,
				  de->d_name) :
		      vm_snprintf(live, sizeof live, "%s/%s.service.d",
				  SYSTEMD_DIR, service_unit("postfix")));
		if (!ok) {
			vm_err("%s/%s: not a UNIT.d directory", dir, de->d_name);
			break;
		}
		if (!(f = opendir(sub))) {
			vm_errno("cannot read the templates in %s", sub);
			ok = false;
			break;
		}
		while (ok && (fe = readdir(f))) {
			struct target *t;

			if (!is_template_name(fe->d_name) || fe->d_type == DT_DIR)
				continue;
			ok = (t = add_target(p, sub, fe->d_name, live,
					     OWNER_SYSTEMD, 0644, 0)) != NULL &&
			     vm_snprintf(t->name, sizeof t->name, "%s/%s",
					 strrchr(live, '/') + 1, fe->d_name);
		}
		closedir(f);
	}
	closedir(d);
	qsort(p->t + first, p->n - first, sizeof p->t[0], by_name);
	return ok;
}

static bool plan_filter(struct plan *p, const char *templates)
{
	return plan_dir(p, templates, "dovecot/sieve", SIEVE_DIR, OWNER_SIEVE,
			0644, NULL) &&
	       plan_dir(p, templates, "rspamd", RSPAMD_LOCAL_DIR, OWNER_RSPAMD,
			0644, NULL) &&
	       plan_dir(p, templates, "redis", REDIS_DIR, OWNER_REDIS, 0640,
			"redis");
}

/* The resolvers of outgoing mail (setup_resolver.c): with systemd only. */
static bool plan_resolvers(struct plan *p, const char *templates)
{
	if (!service_have_systemd())
		return true;
	return plan_dir(p, templates, "unbound", SETUP_UNBOUND_CONF_DIR,
			OWNER_UNBOUND, 0644, NULL) &&
	       plan_dir(p, templates, "mta-sts", "/etc", OWNER_MTA_STS, 0644,
			NULL);
}

/* ---- rendering ----------------------------------------------------------- */

static char *render_one(const char *tmpl, const struct tvars *v)
{
	char err[1024];
	char *text = template_render_file(tmpl, v, NULL, err, sizeof err);

	if (!text)
		vm_err("template %s", err);
	return text;
}

/* Merge the local overrides that apply to this file. */
static char *with_local(const struct setup *st, const struct target *t,
			char *text)
{
	if (!text)
		return NULL;
	if (t->owner == OWNER_POSTFIX && !strcmp(t->name, "main.cf"))
		return setup_local_postfix_main(st->local_dir, text);
	if (t->owner == OWNER_POSTFIX && !strcmp(t->name, "master.cf"))
		return setup_local_postfix_master(st->local_dir, text);
	if (t->owner == OWNER_DOVECOT && !strcmp(t->name, "dovecot.conf"))
		return setup_local_dovecot(st->local_dir, text);
	return text;
}

/*
 * Render every target.  main.cf names the map files by their directory,
 * so its scratch copy is rendered a second time with the scratch map
 * directory: the check then reads the new maps, not the live ones.
 */
static bool render_all(const struct setup *st, struct plan *p,
		       const char *scratch_map_dir)
{
	struct tvars *live = make_vars(st, SETUP_POSTFIX_MAP_DIR);
	struct tvars *check = make_vars(st, scratch_map_dir);
	bool ok = live && check;

	if (!ok)
		vm_err("out of memory");
	for (size_t i = 0; ok && i < p->n; i++) {
		struct target *t = &p->t[i];

		t->text = with_local(st, t, render_one(t->tmpl, live));
		ok = t->text != NULL;
		if (ok && t->owner == OWNER_POSTFIX &&
		    !strcmp(t->name, "main.cf")) {
			t->check_text = with_local(st, t,
						   render_one(t->tmpl, check));
			ok = t->check_text != NULL;
		}
	}
	tvars_free(live);
	tvars_free(check);
	return ok;
}

/* ---- checking in a scratch directory ------------------------------------ */

static int remove_entry(const char *path, const struct stat *sb, int type,
			struct FTW *ftw)
{
	(void)sb; (void)type; (void)ftw;
	if (remove(path) < 0)
		vm_errno("cannot remove %s", path);
	return 0;
}

static void remove_scratch(struct plan *p)
{
	if (p->scratch[0])
		nftw(p->scratch, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	p->scratch[0] = '\0';
}

static bool make_scratch(struct plan *p, char *map_dir, size_t size)
{
	char tmpl[] = "/tmp/vmail-setup.XXXXXX";
	char sub[PATH_MAX];

	if (!mkdtemp(tmpl)) {
		vm_errno("cannot create a scratch directory in /tmp");
		return false;
	}
	vm_strlcpy(p->scratch, tmpl, sizeof p->scratch);
	if (!vm_snprintf(map_dir, size, "%s/postfix/vmail", tmpl) ||
	    vm_ensure_dir(map_dir, 0755, 0, 0) < 0)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		struct target *t = &p->t[i];

		if (!vm_snprintf(sub, sizeof sub, "%s/%s", tmpl,
				 scratch_sub(t)) ||
		    !vm_snprintf(t->scratch, sizeof t->scratch, "%s/%s",
				 sub, t->name)) {
			vm_err("%s: path too long", tmpl);
			return false;
		}
		if (vm_ensure_dir(sub, 0755, 0, 0) < 0)
			return false;
		if (strchr(t->name, '/')) {
			char parent[PATH_MAX];

			if (!vm_dir_of(t->scratch, parent, sizeof parent) ||
			    vm_ensure_dir(parent, 0755, 0, 0) < 0)
				return false;
		}
	}
	return true;
}

static bool check_in_scratch(struct plan *p)
{
	char dir[PATH_MAX], conf[PATH_MAX];

	for (size_t i = 0; i < p->n; i++) {
		const struct target *t = &p->t[i];
		const char *text = t->check_text ? t->check_text : t->text;

		if (vm_write_file_if_changed(t->scratch, text, strlen(text),
					     t->mode, 0, t->gid) < 0)
			return false;
	}
	if (!vm_snprintf(dir, sizeof dir, "%s/postfix", p->scratch) ||
	    !vm_snprintf(conf, sizeof conf, "%s/dovecot/dovecot.conf",
			 p->scratch))
		return false;
	vm_progress("Checking the new configuration (postfix check, doveconf, "
		    "sievec, rspamadm configtest)");
	if (!setup_check_postfix(dir) || !setup_check_dovecot(conf))
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].owner == OWNER_SIEVE &&
		    !setup_check_sieve(conf, p->t[i].scratch))
			return false;
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].owner == OWNER_UNBOUND &&
		    !setup_check_unbound(p->t[i].scratch))
			return false;
	if (!vm_snprintf(dir, sizeof dir, "%s/rspamd", p->scratch))
		return false;
	return setup_check_rspamd(dir, RSPAMD_LOCAL_DIR);
}

/* ---- installing ------------------------------------------------------------ */

/* Has the Sieve script NAME.sieve its compiled NAME.svbin? */
static bool svbin_exists(const char *script)
{
	char bin[PATH_MAX];
	size_t n = strlen(script);
	struct stat sb;

	if (n < 6 || strcmp(script + n - 6, ".sieve") ||
	    !vm_snprintf(bin, sizeof bin, "%.*s.svbin", (int)(n - 6), script))
		return true;
	return stat(bin, &sb) == 0;
}

static bool install_all(struct setup *st, struct plan *p)
{
	bool systemd_changed = false;
	gid_t postfix_gid;

	if (!group_id("postfix", &postfix_gid) ||
	    vm_ensure_dir(SETUP_POSTFIX_MAP_DIR, 0750, 0, postfix_gid) < 0 ||
	    vm_ensure_dir(SIEVE_DIR, 0755, 0, 0) < 0)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		const struct target *t = &p->t[i];
		char parent[PATH_MAX];
		int rc;

		if (t->owner == OWNER_SYSTEMD &&
		    (!vm_dir_of(t->path, parent, sizeof parent) ||
		     vm_ensure_dir(parent, 0755, 0, 0) < 0))
			return false;
		rc = vm_write_file_if_changed(t->path, t->text, strlen(t->text),
					      t->mode, 0, t->gid);
		if (rc < 0)
			return false;
		if (rc == 0 && t->owner == OWNER_SIEVE && !svbin_exists(t->path))
			rc = 1;
		if (rc == 0)
			continue;
		vm_progress("Wrote %s", t->path);
		switch (t->owner) {
		case OWNER_POSTFIX: st->postfix_changed = true; break;
		case OWNER_DOVECOT: st->dovecot_changed = true; break;
		case OWNER_SIEVE:
			if (!setup_compile_sieve(SETUP_DOVECOT_DIR
						 "/dovecot.conf", t->path))
				return false;
			break;
		case OWNER_RSPAMD: st->rspamd_changed = true; break;
		case OWNER_REDIS: st->redis_changed = true; break;
		case OWNER_UNBOUND: st->unbound_changed = true; break;
		case OWNER_MTA_STS: st->mta_sts_changed = true; break;
		case OWNER_SYSTEMD:
			systemd_changed = true;
			/* a new ExecStart takes a restart */
			if (!strncmp(t->name, "redis-server.service.d/", 23))
				st->redis_changed = true;
			if (!strncmp(t->name, "spamd.service.d/", 16))
				st->spamd_unit_changed = true;
			break;
		}
	}
	if (systemd_changed) {
		const char *reload[] = { "systemctl", "daemon-reload", NULL };

		if (vm_run_quiet(reload) != 0) {
			vm_err("'systemctl daemon-reload' failed");
			return false;
		}
	}
	return true;
}

static void free_plan(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->t[i].text);
		free(p->t[i].check_text);
	}
	remove_scratch(p);
}

bool setup_render_all(struct setup *st)
{
	const char *templates = config_templates_dir();
	char map_dir[PATH_MAX];
	struct plan *p = calloc(1, sizeof *p);
	bool ok;

	if (!p) {
		vm_errno("out of memory");
		return false;
	}
	ok = plan_postfix(p, templates) &&
	     plan_dovecot(p, templates, st->dovecot_family) &&
	     plan_filter(p, templates) &&
	     plan_systemd(p, templates) &&
	     plan_resolvers(p, templates) &&
	     make_scratch(p, map_dir, sizeof map_dir) &&
	     render_all(st, p, map_dir) &&
	     check_in_scratch(p) &&
	     install_all(st, p);
	free_plan(p);
	free(p);
	return ok;
}
