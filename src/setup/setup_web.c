/*
 * setup_web.c - the web front: nginx on ports 80 and 443, and the files
 * it serves for every hosted domain.
 *
 *   templates/nginx/vmail.conf      -> /etc/nginx/conf.d/vmail.conf 0644
 *   templates/web/config-v1.1.xml   -> WWW/domains/DOMAIN/mail/config-v1.1.xml
 *   templates/web/autodiscover.xml  -> WWW/domains/DOMAIN/autodiscover/autodiscover.xml
 *   templates/web/mobileconfig.xml  -> WWW/domains/DOMAIN/mobileconfig.xml
 *   mta_sts_policy()                -> WWW/domains/DOMAIN/.well-known/mta-sts.txt
 *                                      (none with [mta_sts] mode = none)
 *
 * WWW is /var/lib/vmail/www (0755 root, as are acme/, html/ and
 * domains/ in it; files 0644 root): acme/ is the ACME HTTP-01 webroot
 * the certificate client writes to, html/ the document root of the
 * names that are no hosted domain's (empty), domains/DOMAIN/ one hosted
 * domain's files; the directory of a domain no longer hosted is
 * removed.  nginx's workers (www-data) may search /var/lib/vmail itself
 * (store_acl.c), nothing more.  The directories under it are kept free
 * of the database directory's default ACL.
 *
 * The site is checked before it is installed: rendered into a scratch
 * directory with a small nginx.conf of its own and "nginx -t" run on
 * that.  Then the packaged default site (sites-enabled/default, which
 * also wants port 80) is disabled, the live configuration is tested as
 * a whole, and nginx is reloaded (gracefully: old workers finish their
 * requests) only when the site changed; service.c returns once the old
 * workers no longer take connections (settle.c).  A reload that a
 * failed "vmailctl setup" still owes is remembered in setup.pending
 * (cmd_setup.c).  nginx listens on [::] too where this machine can open
 * IPv6 sockets.
 *
 * The administrator's snippets, which setup never writes, are included
 * by the site: LOCAL/nginx/http.d/NAME.conf in the port 80 server and
 * LOCAL/nginx/https.d/NAME.conf in the port 443 server (LOCAL is
 * /etc/vmail/local).  A fingerprint of them is appended to the site as
 * a comment, so that editing one changes the site and the next setup
 * run reloads nginx, as with Dovecot's local file (setup_local.c).
 *
 * "vmailctl setup" runs setup_web(); "vmailctl domain add|del" run
 * setup_web_refresh(), which does the same once setup has installed the
 * site (and nothing before: test roots, a half-installed server).
 */
#include <acl/libacl.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup/setup.h"
#include "core/mta_sts.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/strlist.h"
#include "lib/template.h"
#include "store/store.h"

#define NGINX_SITE "/etc/nginx/conf.d/vmail.conf"
#define NGINX_DEFAULT_SITE "/etc/nginx/sites-enabled/default"
#define NGINX_MIME_TYPES "/etc/nginx/mime.types"
#define NGINX_BIN "/usr/sbin/nginx"

/* The per-domain files from templates/web: template, path under
 * domains/DOMAIN/. */
static const struct {
	const char *tmpl;
	const char *path;
} web_files[] = {
	{ "config-v1.1.xml", "mail/config-v1.1.xml" },
	{ "autodiscover.xml", "autodiscover/autodiscover.xml" },
	{ "mobileconfig.xml", "mobileconfig.xml" },
};
#define MTA_STS_FILE ".well-known/mta-sts.txt"

/* ---- pure parts (unit-tested) ---------------------------------------- */

static bool add_name(struct vm_buf *out, struct vm_strlist *seen,
		     const char *prefix, const char *name)
{
	char full[512];

	if (!vm_snprintf(full, sizeof full, "%s%s", prefix, name))
		return false;
	if (vm_strlist_has(seen, full))
		return true;
	if (!vm_strlist_add(seen, full))
		return false;
	return vm_buf_printf(out, "%s%s", out->len ? " " : "", full);
}

char *web_server_names(const char *hostname, const char *const *domains,
		       size_t n)
{
	static const char *const prefixes[] = { "mta-sts.", "autoconfig.",
						"autodiscover." };
	struct vm_buf out = VM_BUF_INIT;
	struct vm_strlist seen = VM_STRLIST_INIT;
	bool ok = add_name(&out, &seen, "", hostname);

	for (size_t i = 0; ok && i < n; i++)
		for (size_t k = 0; ok && k < 3; k++)
			ok = add_name(&out, &seen, prefixes[k], domains[i]);
	vm_strlist_free(&seen);
	if (!ok) {
		vm_buf_free(&out);
		return NULL;
	}
	return vm_buf_take(&out, NULL);
}

bool web_uuid(const char *seed, char out[WEB_UUID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t o = 0;

	if (!EVP_Digest(seed, strlen(seed), md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < 16)
		return false;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x40);   /* version 4 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);   /* RFC 4122 */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		snprintf(out + o, 3, "%02X", md[i]);
		o += 2;
	}
	out[o] = '\0';
	return true;
}

/* The *.conf files of dir, sorted, into names; false on error (a
 * missing directory is none). */
static bool conf_files(const char *dir, struct vm_strlist *names)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	bool ok = true;

	if (n < 0)
		return errno == ENOENT;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name);

		if (ok && list[i]->d_name[0] != '.' && len > 5 &&
		    !strcmp(list[i]->d_name + len - 5, ".conf"))
			ok = vm_strlist_add(names, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return ok;
}

int web_local_fingerprint(const char *local_dir, char hex[17])
{
	static const char *const subs[] = { "http.d", "https.d" };
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int files = 0;
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

	for (size_t s = 0; ok && s < 2; s++) {
		struct vm_strlist names = VM_STRLIST_INIT;
		char dir[PATH_MAX], path[PATH_MAX];

		ok = vm_snprintf(dir, sizeof dir, "%s/nginx/%s", local_dir,
				 subs[s]) && conf_files(dir, &names);
		for (size_t i = 0; ok && i < names.n; i++) {
			size_t len = 0;
			char *text;

			ok = vm_snprintf(path, sizeof path, "%s/%s", dir,
					 names.v[i]) &&
			     (text = vm_read_file(path, &len)) != NULL;
			if (!ok) {
				vm_errno("cannot read %s", path);
				break;
			}
			/* name NUL length NUL content: no two sets alike */
			char head[64];
			int hl = snprintf(head, sizeof head, "%zu", len);

			ok = EVP_DigestUpdate(ctx, path, strlen(path) + 1) &&
			     EVP_DigestUpdate(ctx, head, (size_t)hl + 1) &&
			     EVP_DigestUpdate(ctx, text, len);
			free(text);
			files++;
		}
		vm_strlist_free(&names);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= 8;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return files;
}

/* Collect the names of the hosted domains into a vm_strlist. */
static int collect_domain(const struct store_domain *d, void *ctx)
{
	return vm_strlist_add(ctx, d->name) ? 0 : 1;
}

/* ---- directories ------------------------------------------------------- */

/* A directory of ours, 0755 root, without inherited ACL entries (the
 * database directory's default ACL would otherwise give Postfix and
 * Dovecot entries and hide the directory from www-data). */
static bool plain_dir(const char *path)
{
	acl_t acl;
	int ext;

	if (vm_ensure_dir(path, 0755, 0, 0) < 0)
		return false;
	if ((ext = acl_extended_file(path)) <= 0)
		return ext == 0 || errno == ENOTSUP;
	if (!(acl = acl_from_mode(0755)) ||
	    acl_set_file(path, ACL_TYPE_ACCESS, acl) < 0 ||
	    acl_delete_def_file(path) < 0) {
		vm_errno("cannot remove the ACL of %s", path);
		acl_free(acl);
		return false;
	}
	acl_free(acl);
	return true;
}

static bool ensure_web_dirs(void)
{
	static const char *const subs[] = { "acme", "html", "domains" };
	char path[PATH_MAX];

	if (!plain_dir(SETUP_WEB_DIR))
		return false;
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (!vm_snprintf(path, sizeof path, "%s/%s", SETUP_WEB_DIR,
				 subs[i]) || !plain_dir(path))
			return false;
	return true;
}

static int remove_entry(const char *path, const struct stat *sb, int type,
			struct FTW *ftw)
{
	(void)sb; (void)type; (void)ftw;
	if (remove(path) < 0) {
		vm_errno("cannot remove %s", path);
		return 1;
	}
	return 0;
}

/* Remove the directories of domains no longer hosted. */
static bool remove_stale(const struct vm_strlist *domains, bool *changed)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	bool ok = true;
	DIR *d;

	if (!vm_snprintf(dir, sizeof dir, "%s/domains", SETUP_WEB_DIR) ||
	    !(d = opendir(dir))) {
		vm_errno("cannot read %s/domains", SETUP_WEB_DIR);
		return false;
	}
	while (ok && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    vm_strlist_has(domains, de->d_name))
			continue;
		ok = vm_snprintf(path, sizeof path, "%s/%s", dir, de->d_name) &&
		     nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS) == 0;
		if (ok) {
			vm_progress("Removed %s", path);
			*changed = true;
		}
	}
	closedir(d);
	return ok;
}

/* ---- the per-domain files ---------------------------------------------- */

/* Write text to domains/DOMAIN/rel (parents made). */
static bool put_file(const char *domain, const char *rel, const char *text,
		     bool *changed)
{
	char path[PATH_MAX], parent[PATH_MAX];
	int rc;

	if (!vm_snprintf(path, sizeof path, "%s/domains/%s/%s", SETUP_WEB_DIR,
			 domain, rel) ||
	    !vm_dir_of(path, parent, sizeof parent)) {
		vm_err("%s: path too long", domain);
		return false;
	}
	if (vm_ensure_dir(parent, 0755, 0, 0) < 0)
		return false;
	rc = vm_write_file_if_changed(path, text, strlen(text), 0644, 0, 0);
	if (rc > 0) {
		vm_progress("Wrote %s", path);
		*changed = true;
	}
	return rc >= 0;
}

/* The MTA-STS policy of the domain, or its absence ([mta_sts] mode =
 * none). */
static bool put_policy(const struct vm_config *cfg, const char *domain,
		       bool *changed)
{
	struct vm_buf b = VM_BUF_INIT;
	char path[PATH_MAX], *text;
	bool ok;

	if (!strcmp(cfg->mta_sts_mode, "none")) {
		if (!vm_snprintf(path, sizeof path, "%s/domains/%s/%s",
				 SETUP_WEB_DIR, domain, MTA_STS_FILE))
			return false;
		if (unlink(path) == 0) {
			vm_progress("Removed %s ([mta_sts] mode = none)", path);
			*changed = true;
			return true;
		}
		if (errno == ENOENT)
			return true;
		vm_errno("cannot remove %s", path);
		return false;
	}
	if (!mta_sts_policy(cfg, &b) || !(text = vm_buf_take(&b, NULL))) {
		vm_buf_free(&b);
		vm_err("cannot make the MTA-STS policy of %s", domain);
		return false;
	}
	ok = put_file(domain, MTA_STS_FILE, text, changed);
	free(text);
	return ok;
}

static bool put_domain(const struct vm_config *cfg, const char *templates,
		       const char *domain, bool *changed)
{
	struct tvars *v = tvars_new();
	char seed[512], email_uuid[WEB_UUID_LEN + 1];
	bool ok = v != NULL;

	ok = ok && vm_snprintf(seed, sizeof seed, "vmail email payload %s",
			       domain) &&
	     web_uuid(seed, email_uuid) &&
	     tvars_set(v, "domain", domain) &&
	     tvars_set(v, "hostname", cfg->hostname) &&
	     tvars_setf(v, "payload_id", "vmail.%s", domain) &&
	     tvars_set(v, "email_uuid", email_uuid);
	if (!ok)
		vm_err("out of memory");
	for (size_t i = 0; ok && i < sizeof web_files / sizeof web_files[0];
	     i++) {
		char tmpl[PATH_MAX], err[1024], *text;

		if (!vm_snprintf(tmpl, sizeof tmpl, "%s/web/%s", templates,
				 web_files[i].tmpl))
			ok = false;
		else if (!(text = template_render_file(tmpl, v, NULL, err,
						       sizeof err))) {
			vm_err("template %s", err);
			ok = false;
		} else {
			ok = put_file(domain, web_files[i].path, text, changed);
			free(text);
		}
	}
	tvars_free(v);
	return ok && put_policy(cfg, domain, changed);
}

/* ---- the site ------------------------------------------------------------ */

/* Can this machine have IPv6 sockets?  (Not with ipv6.disable=1: nginx
 * would then fail to listen on [::].) */
static bool have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static char *render_site(const struct vm_config *cfg, const char *templates,
			 const char *local_dir, const struct vm_strlist *d)
{
	char tmpl[PATH_MAX], err[1024], hex[17];
	char *names = web_server_names(cfg->hostname,
				       (const char *const *)d->v, d->n);
	struct tvars *v = tvars_new();
	struct vm_buf out = VM_BUF_INIT;
	char *text = NULL;
	int files;

	if (!names || !v) {
		vm_err("out of memory");
		goto done;
	}
	if ((files = web_local_fingerprint(local_dir, hex)) < 0)
		goto done;
	if (!vm_snprintf(tmpl, sizeof tmpl, "%s/nginx/vmail.conf", templates) ||
	    !tvars_set(v, "hostname", cfg->hostname) ||
	    !tvars_set(v, "server_names", names) ||
	    !tvars_set(v, "www_dir", SETUP_WEB_DIR) ||
	    !tvars_set(v, "local_dir", local_dir) ||
	    !tvars_set(v, "tls_cert", cfg->tls_cert) ||
	    !tvars_set(v, "tls_key", cfg->tls_key) ||
	    !tvars_set(v, "ipv6", have_ipv6() ? "yes" : "")) {
		vm_err("out of memory");
		goto done;
	}
	if (!(text = template_render_file(tmpl, v, NULL, err, sizeof err))) {
		vm_err("template %s", err);
		goto done;
	}
	if (files > 0) {
		vm_buf_puts(&out, text);
		vm_buf_printf(&out, "# Fingerprint of %s/nginx/http{,s}.d/*.conf "
			      "when setup last ran: %s\n", local_dir, hex);
		free(text);
		if (!(text = vm_buf_take(&out, NULL)))
			vm_err("out of memory");
	}
done:
	vm_buf_free(&out);
	tvars_free(v);
	free(names);
	return text;
}

/* Print nginx -t's verdict; true if it passed (exit 0, no output).
 * candidate: it was the new site alone, and the live one stays. */
static bool nginx_verdict(const char *what, bool candidate, int rc,
			  const char *err)
{
	if (rc == 0 && err && !*err)
		return true;
	if (rc < 0 && !err)
		vm_errno("cannot run '%s -t'", NGINX_BIN);
	else
		vm_err("%s fails 'nginx -t' (exit %d)%s  Output:\n%s", what, rc,
		       candidate ? "; the live configuration was left as it "
				   "was." : ".", err ? err : "");
	return false;
}

/* nginx -t on the candidate site alone, in a scratch directory. */
static bool check_candidate(const char *site)
{
	char dir[] = "/tmp/vmail-nginx.XXXXXX";
	char conf[PATH_MAX], cand[PATH_MAX], *main_text = NULL, *err = NULL;
	bool ok = false;
	int rc;

	if (!mkdtemp(dir)) {
		vm_errno("cannot create a scratch directory in /tmp");
		return false;
	}
	if (!vm_snprintf(conf, sizeof conf, "%s/nginx.conf", dir) ||
	    !vm_snprintf(cand, sizeof cand, "%s/vmail.conf", dir) ||
	    asprintf(&main_text, "pid %s/nginx.pid;\nevents { }\nhttp {\n"
		     "    include " NGINX_MIME_TYPES ";\n    include %s;\n}\n",
		     dir, cand) < 0) {
		main_text = NULL;
		goto out;
	}
	if (vm_write_file_if_changed(cand, site, strlen(site), 0600, 0, 0) < 0 ||
	    vm_write_file_if_changed(conf, main_text, strlen(main_text), 0600,
				     0, 0) < 0)
		goto out;
	{
		const char *argv[] = { NGINX_BIN, "-t", "-q", "-c", conf, NULL };

		rc = vm_run_stderr(argv, &err);
		ok = nginx_verdict("the new web front configuration", true, rc,
				   err);
	}
out:
	free(err);
	free(main_text);
	unlink(cand);
	unlink(conf);
	rmdir(dir);
	return ok;
}

/* The packaged default site also wants port 80 as default_server. */
static bool disable_default_site(bool *changed)
{
	struct stat sb;

	if (lstat(NGINX_DEFAULT_SITE, &sb) < 0)
		return errno == ENOENT ||
		       (vm_errno("cannot look at %s", NGINX_DEFAULT_SITE), false);
	if (unlink(NGINX_DEFAULT_SITE) < 0) {
		vm_errno("cannot remove %s", NGINX_DEFAULT_SITE);
		return false;
	}
	vm_progress("Disabled nginx's default site (removed %s)",
		    NGINX_DEFAULT_SITE);
	*changed = true;
	return true;
}

/*
 * The whole step.  *site_changed: the site (nginx's configuration) was
 * rewritten or the default site disabled, so nginx needs a reload.
 */
static bool web_converge(const struct vm_config *cfg, const char *local_dir,
			 bool *site_changed, bool *files_changed)
{
	const char *templates = config_templates_dir();
	struct vm_strlist domains = VM_STRLIST_INIT;
	struct store *s;
	char *site = NULL, *live = NULL;
	bool ok;
	int rc;

	if (access(NGINX_BIN, X_OK) < 0) {
		vm_err("nginx is not installed (%s); run install.sh again, "
		       "it installs the package", NGINX_BIN);
		return false;
	}
	if (!(s = store_open(cfg->database, false)))
		return false;
	ok = store_domain_list(s, collect_domain, &domains) == STORE_OK;
	store_close(s);
	if (!ok) {
		vm_err("cannot list the hosted domains");
		goto done;
	}
	ok = ensure_web_dirs();
	for (size_t i = 0; ok && i < domains.n; i++)
		ok = put_domain(cfg, templates, domains.v[i], files_changed);
	ok = ok && remove_stale(&domains, files_changed) &&
	     (site = render_site(cfg, templates, local_dir, &domains)) != NULL;
	if (!ok)
		goto done;
	live = vm_read_file(NGINX_SITE, NULL);
	if ((!live || strcmp(live, site)) && !check_candidate(site)) {
		ok = false;
		goto done;
	}
	rc = vm_write_file_if_changed(NGINX_SITE, site, strlen(site), 0644, 0,
				      0);
	if (rc > 0) {
		vm_progress("Wrote %s", NGINX_SITE);
		*site_changed = true;
	}
	ok = rc >= 0 && disable_default_site(site_changed);
	if (ok && *site_changed) {
		const char *argv[] = { NGINX_BIN, "-t", "-q", NULL };
		char *err = NULL;

		rc = vm_run_stderr(argv, &err);
		ok = nginx_verdict("nginx's configuration (with vmail's new "
				   "site)", false, rc, err);
		free(err);
	}
done:
	free(site);
	free(live);
	vm_strlist_free(&domains);
	return ok;
}

/* nginx started, or reloaded if its configuration changed. */
static bool converge_nginx(bool changed, int *started)
{
	*started = service_start("nginx");
	if (*started < 0)
		return false;
	if (*started > 0) {
		vm_progress("Started nginx");
		return true;
	}
	if (!changed)
		return true;
	vm_progress("Reloading nginx");
	return service_reload("nginx") >= 0;
}

bool setup_web(struct setup *st)
{
	bool files = false;

	return web_converge(&st->cfg, st->local_dir, &st->nginx_changed,
			    &files) &&
	       converge_nginx(st->nginx_changed, &st->nginx_started);
}

int setup_web_refresh(const struct vm_config *cfg)
{
	char dir[PATH_MAX], local_dir[PATH_MAX];
	bool site = false, files = false;
	int started;

	if (access(NGINX_SITE, F_OK) < 0)
		return 0;   /* setup has not made the web front (yet) */
	vm_strlcpy(dir, config_path(), sizeof dir);
	if (!vm_snprintf(local_dir, sizeof local_dir, "%s/local", dirname(dir))) {
		vm_err("%s: path too long", config_path());
		return -1;
	}
	if (!web_converge(cfg, local_dir, &site, &files) ||
	    !converge_nginx(site, &started))
		return -1;
	return site || files;
}
