/*
 * setup_postfix.c - what the installed Postfix supports, where the
 * settings vmail needs differ between its releases.
 *
 * The protection against SMTP smuggling (CVE-2023-51764) came to each
 * stable line in two steps: first smtpd_forbid_bare_newline = yes|no
 * (3.5.24, 3.6.14, 3.7.10, 3.8.5), then the values normalize|reject|no
 * with "yes" meaning normalize (3.5.25, 3.6.15, 3.7.11, 3.8.6, 3.9 and
 * later).  smtpd_forbid_unauth_pipelining exists since 3.5.20, 3.6.10,
 * 3.7.6, 3.8.1 and 3.9.  Distributions backport such fixes without
 * changing the version, so "postconf -d NAME" is asked whether this
 * Postfix knows a parameter, and its mail_version only decides between
 * the values.  A Postfix without smtpd_forbid_bare_newline is refused:
 * it can be made to pass smuggled mail on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/process.h"
#include "lib/str.h"

/* The value of "NAME = VALUE" in postconf's output, into out; false if
 * there is no such line. */
static bool postconf_value(const char *text, const char *name, char *out,
			   size_t size)
{
	size_t n = strlen(name);

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len >= n + 3 && !strncmp(line, name, n) &&
		    !strncmp(line + n, " = ", 3)) {
			len -= n + 3;
			if (len >= size)
				return false;
			memcpy(out, line + n + 3, len);
			out[len] = '\0';
			return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

/* Does Postfix major.minor.patch take "normalize"? */
static bool has_normalize(unsigned major, unsigned minor, unsigned patch)
{
	static const struct { unsigned minor, patch; } first[] = {
		{ 5, 25 }, { 6, 15 }, { 7, 11 }, { 8, 6 },
	};

	if (major != 3)
		return major > 3;
	if (minor >= 9)
		return true;
	for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
		if (minor == first[i].minor)
			return patch >= first[i].patch;
	return false;
}

bool postfix_features_parse(const char *postconf_out,
			    struct postfix_features *f, char *why,
			    size_t whylen)
{
	char version[64], value[64];
	unsigned major, minor, patch = 0;

	if (!postconf_value(postconf_out, "mail_version", version,
			    sizeof version) ||
	    sscanf(version, "%u.%u.%u", &major, &minor, &patch) < 2)
		return vm_why(why, whylen, "no mail_version in the output of "
			      "'postconf -d'");
	if (!postconf_value(postconf_out, "smtpd_forbid_bare_newline", value,
			    sizeof value))
		return vm_why(why, whylen, "Postfix %s has no "
			      "smtpd_forbid_bare_newline, so it can be made to "
			      "pass on smuggled mail (CVE-2023-51764); install "
			      "its security updates", version);
	vm_strlcpy(f->bare_newline, has_normalize(major, minor, patch) ?
		   "normalize" : "yes", sizeof f->bare_newline);
	f->unauth_pipelining = postconf_value(postconf_out,
					      "smtpd_forbid_unauth_pipelining",
					      value, sizeof value);
	return true;
}

/* Does "postconf -d NAME" know the parameter?  (An unknown one is a
 * warning on stderr, caught here so that setup stays quiet.) */
static bool postconf_knows(const char *name)
{
	const char *argv[] = { "postconf", "-d", name, NULL };
	char *err = NULL;
	bool known = vm_run_stderr(argv, &err) == 0 && err &&
		     !strstr(err, "unknown parameter");

	free(err);
	return known;
}

bool setup_postfix_features(struct postfix_features *f)
{
	/* Named parameters only: "postconf -d" for all of them also works
	 * out the default host name, and gives up on one it dislikes. */
	const char *argv[] = { "postconf", "-d", "mail_version",
			       "smtpd_forbid_bare_newline", NULL };
	char why[256] = "";
	char *out = NULL;
	int rc = vm_run(argv, NULL, &out);
	bool ok;

	if (rc != 0 || !out) {
		vm_err("cannot run 'postconf -d'; is postfix installed?");
		free(out);
		return false;
	}
	ok = postfix_features_parse(out, f, why, sizeof why);
	if (!ok)
		vm_err("%s", why);
	free(out);
	if (ok)
		f->unauth_pipelining =
			postconf_knows("smtpd_forbid_unauth_pipelining");
	return ok;
}
