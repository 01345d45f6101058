/*
 * maildir.c - a mailbox's mail directory on disk: finding it, and a
 * purge that either removes all of it or changes nothing (maildir.h).
 *
 * The walks use nftw() with FTW_PHYS (never follow a symlink).  The
 * check and the removal run in a child process with the rights of the
 * directory's owner (vmail).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/maildir.h"
#include "lib/diag.h"
#include "lib/str.h"
#include "lib/validate.h"

/* ---- where ---------------------------------------------------------- */

/* A path component we are willing to put under the mail root. */
static bool safe_component(const char *c)
{
	return c[0] && c[0] != '.' && !strchr(c, '/');
}

/* 1 if path is a real directory (not a symlink; *sb filled in), 0 if
 * missing, -1 if something else is there (message printed). */
static int real_dir(const char *path, struct stat *sb)
{
	if (lstat(path, sb) < 0) {
		if (errno == ENOENT)
			return 0;
		vm_errno("cannot inspect %s", path);
		return -1;
	}
	if (!S_ISDIR(sb->st_mode)) {
		vm_err("%s is not a directory (a symlink?); not touching it",
		       path);
		return -1;
	}
	return 1;
}

/* MAIL/DOMAIN/LOCAL into path, its domain directory checked on the way;
 * as maildir_find(), with *sb of the mail directory. */
static int find(const char *mail_root, const char *address, char *path,
		size_t size, struct stat *sb)
{
	char local[VM_LOCALPART_MAX + 1], domain[VM_DOMAIN_MAX + 1];
	int r;

	if (!split_address(address, local, sizeof local, domain,
			   sizeof domain) ||
	    !safe_component(local) || !safe_component(domain) ||
	    mail_root[0] != '/') {
		vm_err("refusing to look for the mail of '%s' under '%s'",
		       address, mail_root);
		return -1;
	}
	if (!vm_snprintf(path, size, "%s/%s", mail_root, domain)) {
		vm_err("path too long: %s/%s", mail_root, domain);
		return -1;
	}
	if ((r = real_dir(path, sb)) <= 0)
		return r;
	if (!vm_snprintf(path, size, "%s/%s/%s", mail_root, domain, local)) {
		vm_err("path too long: %s/%s/%s", mail_root, domain, local);
		return -1;
	}
	return real_dir(path, sb);
}

int maildir_find(const char *mail_root, const char *address, char *path,
		 size_t size)
{
	struct stat sb;

	return find(mail_root, address, path, size, &sb);
}

/* ---- as the owner --------------------------------------------------- */

/* Run fn(dir) with the rights of the owner in sb (a child process), or
 * directly when that is root or we are not. */
static bool as_owner(bool (*fn)(const char *), const char *dir,
		     const struct stat *sb)
{
	pid_t pid;
	int status;

	if (geteuid() != 0 || sb->st_uid == 0)
		return fn(dir);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		vm_errno("fork");
		return false;
	}
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(sb->st_gid) < 0 ||
		    setuid(sb->st_uid) < 0) {
			vm_errno("cannot switch to the owner of %s", dir);
			_exit(1);
		}
		_exit(fn(dir) ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			vm_errno("waitpid");
			return false;
		}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- check ---------------------------------------------------------- */

static dev_t top_dev;   /* of the tree being checked (one walk at a time) */

/* Immutable or append-only (chattr +i / +a): cannot be removed. */
static bool pinned(const char *path, int type)
{
	int fd, flags = 0;
	bool r;

	if (type != FTW_F && type != FTW_D)
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
			(type == FTW_D ? O_DIRECTORY : 0));
	if (fd < 0)
		return false;   /* unknown; the removal will tell */
	r = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
	    (flags & (FS_IMMUTABLE_FL | FS_APPEND_FL));
	close(fd);
	return r;
}

/* nftw() callback: stop (1, reported) at the first entry that could not
 * be removed. */
static int check_entry(const char *path, const struct stat *sb, int type,
		       struct FTW *ftw)
{
	if (type == FTW_DNR || type == FTW_NS) {
		vm_err("cannot read %s, so cannot remove it", path);
		return 1;
	}
	if (ftw->level == 0)
		top_dev = sb->st_dev;
	else if (sb->st_dev != top_dev) {
		vm_err("%s is on another file system (a mount point?); "
		       "cannot remove it", path);
		return 1;
	}
	if (type == FTW_D && access(path, W_OK | X_OK) < 0) {
		vm_errno("cannot remove what is in %s", path);
		return 1;
	}
	if (pinned(path, type)) {
		vm_err("%s is immutable or append-only (lsattr); cannot "
		       "remove it", path);
		return 1;
	}
	return 0;
}

static bool check_tree(const char *dir)
{
	int r = nftw(dir, check_entry, 32, FTW_PHYS);

	if (r < 0)
		vm_errno("cannot look through %s", dir);
	return r == 0;
}

/* ---- remove --------------------------------------------------------- */

/* nftw() callback: remove one entry below the top, children first
 * (FTW_DEPTH).  Returns 1 (stop; reported) on error. */
static int remove_entry(const char *path, const struct stat *sb, int type,
			struct FTW *ftw)
{
	if (ftw->level == 0)
		return 0;
	if (type == FTW_DNR || type == FTW_NS ||
	    (type == FTW_DP ? rmdir(path) : unlink(path)) < 0) {
		vm_errno("cannot remove %s", path);
		return 1;
	}
	return 0;
}

/* Empty dir without following symlinks or leaving its file system. */
static bool empty_tree(const char *dir)
{
	int r = nftw(dir, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);

	if (r < 0)   /* nftw's own failure; remove_entry reports its own */
		vm_errno("cannot remove the contents of %s", dir);
	return r == 0;
}

/* ---- purge ---------------------------------------------------------- */

bool maildir_purge_prepare(const char *mail_root, const char *address,
			   struct maildir_purge *p)
{
	char *slash;
	struct stat sb;
	int r = find(mail_root, address, p->dir, sizeof p->dir, &sb);

	p->moved = false;
	if (r <= 0)
		return r == 0;
	/* Aside in the same directory: one atomic rename. */
	slash = strrchr(p->dir, '/');
	for (int i = 0; !p->moved; i++) {
		char n[16] = "";

		if (i)
			snprintf(n, sizeof n, "-%d", i);
		if (!vm_snprintf(p->aside, sizeof p->aside, "%.*s/.purge-%s-%ld%s",
				 (int)(slash - p->dir), p->dir, slash + 1,
				 (long)getpid(), n)) {
			vm_err("path too long: %s", p->dir);
			return false;
		}
		if (renameat2(AT_FDCWD, p->dir, AT_FDCWD, p->aside,
			      RENAME_NOREPLACE) == 0)
			p->moved = true;
		else if (errno != EEXIST || i > 100) {
			vm_errno("cannot move %s aside to remove it", p->dir);
			return false;
		}
	}
	if (as_owner(check_tree, p->aside, &sb))
		return true;
	vm_err("not deleting %s: its mail directory %s cannot be removed "
	       "completely (see above)", address, p->dir);
	maildir_purge_undo(p);
	return false;
}

bool maildir_purge_undo(struct maildir_purge *p)
{
	if (!p->moved)
		return true;
	if (renameat2(AT_FDCWD, p->aside, AT_FDCWD, p->dir,
		      RENAME_NOREPLACE) < 0) {
		vm_errno("cannot move %s back to %s; move it back by hand",
			 p->aside, p->dir);
		return false;
	}
	p->moved = false;
	return true;
}

bool maildir_purge_finish(struct maildir_purge *p)
{
	struct stat sb;

	if (!p->moved)
		return true;
	if (real_dir(p->aside, &sb) <= 0 ||
	    !as_owner(empty_tree, p->aside, &sb) || rmdir(p->aside) < 0) {
		vm_err("the rest of the old mail is in %s: remove it with "
		       "'rm -rf %s'", p->aside, p->aside);
		return false;
	}
	p->moved = false;
	return true;
}
