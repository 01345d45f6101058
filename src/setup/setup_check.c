/*
 * setup_check.c - ask Postfix and Dovecot whether a candidate
 * configuration is clean, before setup installs it.
 *
 * setup renders every file into a scratch directory first and runs
 *   postfix -c DIR check            (warnings include postconf's, e.g.
 *                                    "unused parameter")
 *   doveconf -c DIR/dovecot.conf -n
 *   sievec -c DIR/dovecot/dovecot.conf DIR/sieve/SCRIPT.sieve
 *   rspamadm --var=LOCAL_CONFDIR=DIR/rspamd configtest
 * there.  Each must exit 0 and print no warning on stderr (stdout is
 * not looked at: Debian's "postfix check" reports there how it copies
 * /etc/hosts and friends into the queue directory); otherwise the
 * tool's own words are shown and the live configuration stays as it
 * was.  Their diagnostics go to stderr, which vm_run_stderr() collects.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/process.h"
#include "lib/str.h"

/* Drop lines that contain harmless, known noise. */
static void drop_lines(char *text, const char *noise)
{
	char *line = text, *w = text;

	while (*line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);

		if (!memmem(line, n, noise, strlen(noise))) {
			memmove(w, line, n);
			w += n;
		}
		line += n;
	}
	*w = '\0';
}

/* Report the verdict on one check; shown is the command as a user
 * would type it. */
static bool verdict(const char *what, const char *shown, int rc,
		    const char *out)
{
	if (rc == 0 && out && !*out)
		return true;
	if (rc < 0 && !out) {
		vm_errno("cannot run '%s'", shown);
		return false;
	}
	vm_err("the new %s configuration fails '%s' (exit %d); the live "
	       "configuration was left as it was.  Output:", what, shown, rc);
	fputs(out && *out ? out : "(no output)\n", stderr);
	return false;
}

bool setup_check_postfix(const char *config_dir)
{
	const char *argv[] = { "postfix", "-c", config_dir, "check", NULL };
	char shown[PATH_MAX + 32];
	char *out;
	int rc = vm_run_stderr(argv, &out);
	bool ok;

	snprintf(shown, sizeof shown, "postfix -c %s check", config_dir);
	ok = verdict("Postfix", shown, rc, out);
	free(out);
	return ok;
}

bool setup_check_dovecot(const char *config_file)
{
	const char *argv[] = { "doveconf", "-c", config_file, "-n", NULL };
	char shown[PATH_MAX + 32];
	char *out;
	int rc = vm_run_stderr(argv, &out);
	bool ok;

	/* A running Dovecot makes doveconf remark that it was started with
	 * another file (the live one): true, and not a problem. */
	if (out)
		drop_lines(out, "was last started using");
	snprintf(shown, sizeof shown, "doveconf -c %s -n", config_file);
	ok = verdict("Dovecot", shown, rc, out);
	free(out);
	return ok;
}

bool setup_check_sieve(const char *config_file, const char *script)
{
	const char *argv[] = { "sievec", "-c", config_file, script, NULL };
	char shown[2 * PATH_MAX + 32];
	char *out;
	int rc = vm_run_stderr(argv, &out);
	bool ok;

	/* With mail_debug = yes (an administrator hunting a problem) sievec
	 * logs its every step as "Debug:"; that is no complaint. */
	if (out)
		drop_lines(out, ": Debug: ");
	snprintf(shown, sizeof shown, "sievec -c %s %s", config_file, script);
	ok = verdict("Sieve", shown, rc, out);
	free(out);
	return ok;
}

/* Link name in dir to target (both in the scratch tree). */
static bool link_live(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX];

	if (!vm_snprintf(path, sizeof path, "%s/%s", dir, name)) {
		vm_err("%s: path too long", dir);
		return false;
	}
	if (symlink(target, path) < 0 && errno != EEXIST) {
		vm_errno("cannot link %s to %s", path, target);
		return false;
	}
	return true;
}

/*
 * The scratch tree DIR has local.d/ with the rendered files.  The
 * administrator's own files in the live local.d/ (those setup does not
 * write) and the live override.d/ are linked in, so that the check sees
 * the configuration rspamd will load.
 */
static bool complete_rspamd_tree(const char *dir, const char *live_local_dir)
{
	char local[PATH_MAX], live[PATH_MAX], mine[PATH_MAX];
	struct dirent *de;
	bool ok = true;
	DIR *d;

	if (!vm_snprintf(local, sizeof local, "%s/local.d", dir) ||
	    !link_live(dir, "override.d", "/etc/rspamd/override.d"))
		return false;
	if (!(d = opendir(live_local_dir)))
		return errno == ENOENT;
	while (ok && (de = readdir(d))) {
		struct stat sb;

		if (de->d_name[0] == '.')
			continue;
		ok = vm_snprintf(mine, sizeof mine, "%s/%s", local, de->d_name) &&
		     vm_snprintf(live, sizeof live, "%s/%s", live_local_dir,
				 de->d_name);
		if (ok && lstat(mine, &sb) < 0)
			ok = link_live(local, de->d_name, live);
	}
	closedir(d);
	return ok;
}

void setup_rspamd_drop_noise(char *text)
{
	static const char resolve[] = "address resolution for ";
	static const char servers[] = "cannot read servers definition\n";
	char *line = text, *w = text;
	bool after_resolve = false;

	while (*line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		bool noise = !strncmp(line, resolve, sizeof resolve - 1) ||
			     (after_resolve && n == sizeof servers - 1 &&
			      !memcmp(line, servers, n));

		after_resolve = noise;
		if (!noise) {
			memmove(w, line, n);
			w += n;
		}
		line += n;
	}
	*w = '\0';
}

bool setup_check_rspamd(const char *dir, const char *live_local_dir)
{
	char var[PATH_MAX + 32], shown[PATH_MAX + 64];
	const char *argv[] = { "rspamadm", var, "configtest", NULL };
	char *out;
	int rc;
	bool ok;

	if (!vm_snprintf(var, sizeof var, "--var=LOCAL_CONFDIR=%s", dir) ||
	    !complete_rspamd_tree(dir, live_local_dir))
		return false;
	/* A warning fails the check as an error does.  Only the resolver's
	 * words about the public fuzzy-hash servers are let through: they
	 * say whether this machine can resolve rspamd.com right now, not
	 * whether the configuration is right. */
	rc = vm_run_stderr(argv, &out);
	if (out)
		setup_rspamd_drop_noise(out);
	snprintf(shown, sizeof shown, "rspamadm %s configtest", var);
	ok = verdict("rspamd", shown, rc, out);
	free(out);
	return ok;
}
