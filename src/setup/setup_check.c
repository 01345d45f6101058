/*
 * setup_check.c - ask Postfix and Dovecot whether a candidate
 * configuration is clean, before setup installs it.
 *
 * setup renders every file into a scratch directory first and runs
 *   postfix -c DIR check            (warnings include postconf's, e.g.
 *                                    "unused parameter")
 *   doveconf -c DIR/dovecot.conf -n
 * there.  Both must exit 0 and print no warning on stderr (stdout is
 * not looked at: Debian's "postfix check" reports there how it copies
 * /etc/hosts and friends into the queue directory); otherwise the
 * tool's own words are shown and the live configuration stays as it
 * was.  Their diagnostics go to stderr, which vm_run_stderr() collects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup/setup.h"
#include "lib/util.h"

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
