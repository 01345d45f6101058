/*
 * file.c - read files; write files and directories only when they
 * differ (see file.h).
 *
 * vm_write_file_if_changed() first compares what is there (content,
 * then owner, then mode: chown may clear set-id bits, so the mode comes
 * second) and fixes only the metadata when the content is right; else
 * it writes a temporary file next to the target and renames it over.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/str.h"

/* Read everything from fd into a malloc'd NUL-terminated buffer. */
static char *read_fd(int fd, size_t *len)
{
	struct vm_buf b = VM_BUF_INIT;
	char chunk[8192];

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vm_buf_free(&b);
			return NULL;
		}
		if (r == 0 || !vm_buf_add(&b, chunk, (size_t)r))
			break;
	}
	return vm_buf_take(&b, len);   /* NULL, ENOMEM: out of memory */
}

char *vm_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *data;
	int e;

	if (fd < 0)
		return NULL;
	data = read_fd(fd, len);
	e = errno;
	close(fd);
	errno = e;
	return data;
}

static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		data += w;
		len -= (size_t)w;
	}
	return true;
}

static bool owner_ok(const struct stat *st, uid_t uid, gid_t gid)
{
	return (uid == (uid_t)-1 || st->st_uid == uid) &&
	       (gid == (gid_t)-1 || st->st_gid == gid);
}

static bool fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = fsync(fd) == 0 || errno == EINVAL;
	close(fd);
	return ok;
}

/*
 * Look at the existing file.  Returns 0 if it is exactly right, 1 if only
 * its mode/ownership needed fixing (done here), 2 if it must be
 * (re)written, -1 on error.
 */
static int check_existing(const char *path, const char *data, size_t len,
			  mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *old;
	size_t oldlen;
	bool same;
	int ret = 0;

	if (fd < 0)
		return (errno == ENOENT || errno == ELOOP) ? 2 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != len) {
		close(fd);
		return 2;
	}
	old = read_fd(fd, &oldlen);
	same = old && oldlen == len && memcmp(old, data, len) == 0;
	free(old);
	if (!same) {
		close(fd);
		return 2;
	}
	if (!owner_ok(&st, uid, gid)) {
		if (fchown(fd, uid, gid) < 0)
			ret = -1;
		else
			ret = 1;
	}
	/* chown may clear set-id bits, so the mode comes second. */
	if (ret >= 0 && (ret == 1 || (st.st_mode & 07777) != mode)) {
		if (fchmod(fd, mode) < 0)
			ret = -1;
		else if ((st.st_mode & 07777) != mode)
			ret = 1;
	}
	close(fd);
	return ret;
}

void vm_root_group_owner(const char *group, uid_t *uid, gid_t *gid)
{
	const struct group *gr;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (geteuid() != 0)
		return;
	gr = getgrnam(group);
	*uid = 0;
	*gid = gr ? gr->gr_gid : 0;
}

int vm_write_file_if_changed(const char *path, const char *data, size_t len,
			     mode_t mode, uid_t uid, gid_t gid)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	int state, fd;

	state = check_existing(path, data, len, mode, uid, gid);
	if (state < 0) {
		vm_errno("%s", path);
		return -1;
	}
	if (state < 2)
		return state;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!vm_dir_of(path, dir, sizeof dir) ||
	    !vm_snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base)) {
		vm_err("%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		vm_errno("cannot create a temporary file in %s", dir);
		return -1;
	}
	if (!write_all(fd, data, len) ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) ||
	    fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		vm_errno("cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		vm_errno("cannot replace %s", path);
		unlink(tmp);
		return -1;
	}
	if (!fsync_dir(dir)) {
		vm_errno("cannot sync directory %s", dir);
		return -1;
	}
	return 1;
}

/* Fix mode and ownership of an existing directory. 1 changed, 0 not,
 * -1 error. */
static int fix_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;
	int changed = 0;

	if (stat(path, &st) < 0) {
		vm_errno("%s", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		vm_err("%s: exists and is not a directory", path);
		return -1;
	}
	if (!owner_ok(&st, uid, gid)) {
		if (chown(path, uid, gid) < 0) {
			vm_errno("cannot change owner of %s", path);
			return -1;
		}
		changed = 1;
	}
	if (changed || (st.st_mode & 07777) != mode) {
		if (chmod(path, mode) < 0) {
			vm_errno("cannot change mode of %s", path);
			return -1;
		}
		if ((st.st_mode & 07777) != mode)
			changed = 1;
	}
	return changed;
}

/* Create one directory; true if it exists afterwards. *made tells
 * whether we created it. */
static bool make_one(const char *path, mode_t mode, bool *made)
{
	*made = false;
	if (mkdir(path, mode) == 0) {
		*made = true;
		return true;
	}
	return errno == EEXIST;
}

int vm_ensure_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	char buf[PATH_MAX];
	bool made, any = false;

	if (!vm_strlcpy(buf, path, sizeof buf) || !*buf) {
		vm_err("%s: bad directory path", path);
		return -1;
	}
	/* Parents: created 0755 (regardless of umask) when missing. */
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (!make_one(buf, 0755, &made)) {
			vm_errno("cannot create %s", buf);
			return -1;
		}
		if (made) {
			any = true;
			if (chmod(buf, 0755) < 0) {
				vm_errno("cannot change mode of %s", buf);
				return -1;
			}
		}
		*p = '/';
	}
	if (!make_one(path, mode & 07777, &made)) {
		vm_errno("cannot create %s", path);
		return -1;
	}
	switch (fix_dir(path, mode & 07777, uid, gid)) {
	case -1:
		return -1;
	case 1:
		return 1;
	default:
		return made || any;
	}
}
