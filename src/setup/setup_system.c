/*
 * setup_system.c - the system side of "vmailctl setup": the vmail user
 * and group that own all mail, and the directories vmail uses.
 *
 *   vmail:vmail        system user and group, home /var/vmail, no login
 *   service users      setup_service_user(): a system user and its own
 *                      group, no home, no login, owning nothing - what
 *                      a network-facing process of ours becomes after
 *                      reading its secrets (lib/privdrop.h)
 *   /etc/vmail         0755 root   settings (vmail.conf)
 *   /etc/vmail/local   0755 root   the administrator's overrides
 *   /etc/vmail/tls     0755 root   certificate (0644) and key (0600)
 *   /var/vmail         0700 vmail  the Maildirs, DOMAIN/LOCALPART/
 *   /var/lib/vmail     0750 root   the directory database; Postfix and
 *                                  Dovecot read it through ACLs (store:
 *                                  the group bits are the ACL's mask)
 *
 * Missing users and directories are created, wrong modes and owners of
 * our own directories repaired; what is right is left alone.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/str.h"

#define VMAIL_USER "vmail"
#define NOLOGIN "/usr/sbin/nologin"

/* Run a user-management program; report failure with its name. */
static bool run_tool(const char *const argv[], const char *user)
{
	int rc = vm_run(argv, NULL, NULL);

	if (rc != 0) {
		vm_err("'%s' failed (exit %d) while creating the %s user",
		       argv[0], rc, user);
		return false;
	}
	return true;
}

static bool ensure_group(void)
{
	const char *argv[] = { "groupadd", "--system", VMAIL_USER, NULL };

	if (getgrnam(VMAIL_USER))
		return true;
	vm_progress("Creating the group %s", VMAIL_USER);
	return run_tool(argv, VMAIL_USER);
}

static bool ensure_user(const char *home)
{
	const char *argv[] = { "useradd", "--system", "--gid", VMAIL_USER,
			       "--home-dir", home, "--no-create-home",
			       "--shell", NOLOGIN,
			       "--comment", "vmail virtual mailboxes",
			       VMAIL_USER, NULL };

	if (getpwnam(VMAIL_USER))
		return true;
	vm_progress("Creating the user %s", VMAIL_USER);
	return run_tool(argv, VMAIL_USER);
}

bool setup_service_user(const char *name, const char *comment)
{
	const char *argv[] = { "useradd", "--system", "--user-group",
			       "--home-dir", "/nonexistent", "--no-create-home",
			       "--shell", NOLOGIN, "--comment", comment, name,
			       NULL };
	struct passwd *pw;

	if (!(pw = getpwnam(name))) {
		vm_progress("Creating the user %s", name);
		if (!run_tool(argv, name))
			return false;
		pw = getpwnam(name);
	}
	if (!pw || pw->pw_uid == 0 || pw->pw_gid == 0) {
		vm_err("the user %s is missing or is root", name);
		return false;
	}
	return true;
}

bool setup_vmail_user(struct setup *st)
{
	struct passwd *pw;
	struct group *gr;

	if (!ensure_group() || !ensure_user(st->cfg.mail_root))
		return false;
	errno = 0;
	if (!(pw = getpwnam(VMAIL_USER)) || !(gr = getgrnam(VMAIL_USER))) {
		vm_err("the %s user or group is missing after creating it",
		       VMAIL_USER);
		return false;
	}
	if (pw->pw_uid == 0 || gr->gr_gid == 0) {
		vm_err("the %s user must not be root", VMAIL_USER);
		return false;
	}
	st->vmail_uid = pw->pw_uid;
	st->vmail_gid = gr->gr_gid;
	return true;
}

/* The directory that holds path (path itself is not changed). */
static bool parent_dir(const char *path, char *out, size_t size)
{
	char buf[PATH_MAX];

	if (!vm_strlcpy(buf, path, sizeof buf) ||
	    !vm_strlcpy(out, dirname(buf), size)) {
		vm_err("%s: path too long", path);
		return false;
	}
	return true;
}

/*
 * A directory that vmail shares with nobody (the defaults /etc/vmail,
 * /var/lib/vmail and their subdirectories) gets its mode and owner
 * repaired.  One the administrator pointed us at elsewhere (VMAIL_CONF
 * in /tmp, a database under /srv) is only created when missing: its
 * mode may matter to other things.
 */
static bool ensure_dir(const char *path, mode_t mode, bool ours)
{
	struct stat sb;

	if (!ours && stat(path, &sb) == 0)
		return true;
	return vm_ensure_dir(path, mode, 0, 0) >= 0;
}

bool setup_etc_dirs(const struct setup *st)
{
	char def[PATH_MAX], tls_dir[PATH_MAX];
	bool ours;

	if (!parent_dir(VMAIL_CONF_PATH, def, sizeof def))
		return false;
	ours = strcmp(st->etc_dir, def) == 0;
	/* Our own TLS directory; a certificate configured elsewhere (say
	 * /etc/letsencrypt) keeps the directory it is in as it is. */
	if (!vm_snprintf(tls_dir, sizeof tls_dir, "%s/tls", st->etc_dir)) {
		vm_err("%s: path too long", st->etc_dir);
		return false;
	}
	return ensure_dir(st->etc_dir, 0755, ours) &&
	       ensure_dir(st->local_dir, 0755, ours) &&
	       ensure_dir(tls_dir, 0755, ours);
}

bool setup_directories(struct setup *st)
{
	char dir[PATH_MAX], def[PATH_MAX];

	if (!parent_dir(st->cfg.database, dir, sizeof dir) ||
	    !parent_dir(VMAIL_DB_PATH, def, sizeof def))
		return false;
	return vm_ensure_dir(st->cfg.mail_root, 0700, st->vmail_uid,
			     st->vmail_gid) >= 0 &&
	       ensure_dir(dir, 0750, strcmp(dir, def) == 0);
}
