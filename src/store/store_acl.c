/*
 * store_acl.c - read access to the directory database for Postfix and
 * Dovecot, and for nobody else, with POSIX ACLs (store_grant_readers()
 * in store.h).
 *
 * Postfix's proxymap runs as user postfix and Dovecot's auth-worker as
 * user dovecot.  Both open the SQLite database read-only: it has a
 * rollback journal, so a reader needs to read the file, to look the
 * -journal up in the directory (and read it, to see whether a crash
 * left it "hot").  Postfix drops its supplementary groups, so a group
 * cannot grant this; ACL entries naming the two users do.  The wanted
 * state is exact: the owner (root) and these entries, nothing for the
 * owning group or others, whatever was there before (the first release
 * gave the readers write access, which this takes back):
 *
 *   database directory   u::rwx g::--- o::--- user:NAME:r-x mask::r-x
 *                        (ls: drwxr-x---+), and the same default ACL;
 *                        the access ACL also has user:www-data:--x
 *                        (search only: nginx's workers reach the web
 *                        front's files in /var/lib/vmail/www, which has
 *                        no ACL, and can neither list the directory nor
 *                        read the database)
 *   database, -journal   u::rw- g::--- o::--- user:NAME:r-- mask::r--
 *   (-wal, -shm, if left) (ls: -rw-r-----+)
 *
 * store_open() applies it to a database it creates, and "vmailctl setup"
 * re-applies it on every run (after the postfix and dovecot users
 * exist), which also repairs it.  Only what differs is changed, so a
 * second run reports nothing to do.  Files are changed through a
 * descriptor opened with O_NOFOLLOW, so a symlink planted in the
 * directory cannot redirect the grant.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/acl.h>
#include <acl/libacl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/str.h"
#include "store/store.h"
#include "store/store_internal.h"

static const char *const reader_names[] = { "postfix", "dovecot" };
/* May search the database directory (its access ACL), nothing more. */
#define SEARCHER_NAME "www-data"

/* uids of the reader users that exist; returns how many. */
static int reader_uids(uid_t uids[])
{
	int n = 0;

	for (size_t i = 0; i < sizeof reader_names / sizeof *reader_names;
	     i++) {
		struct passwd *pw = getpwnam(reader_names[i]);
		if (pw)
			uids[n++] = pw->pw_uid;
	}
	return n;
}

bool store_is_reader_uid(uid_t uid)
{
	uid_t uids[sizeof reader_names / sizeof *reader_names];
	int n = reader_uids(uids);

	for (int i = 0; i < n; i++)
		if (uids[i] == uid)
			return true;
	return false;
}

/* Add an ACL_USER entry for uid: read, and search if exec. */
static bool acl_add_reader(acl_t *acl, uid_t uid, bool exec)
{
	acl_entry_t e;
	acl_permset_t ps;

	return acl_create_entry(acl, &e) == 0 &&
	       acl_set_tag_type(e, ACL_USER) == 0 &&
	       acl_set_qualifier(e, &uid) == 0 &&
	       acl_get_permset(e, &ps) == 0 && acl_clear_perms(ps) == 0 &&
	       acl_add_perm(ps, ACL_READ) == 0 &&
	       (!exec || acl_add_perm(ps, ACL_EXECUTE) == 0) &&
	       acl_set_permset(e, ps) == 0;
}

/* Add an ACL_USER entry for uid that may search (a directory) only. */
static bool acl_add_searcher(acl_t *acl, uid_t uid)
{
	acl_entry_t e;
	acl_permset_t ps;

	return acl_create_entry(acl, &e) == 0 &&
	       acl_set_tag_type(e, ACL_USER) == 0 &&
	       acl_set_qualifier(e, &uid) == 0 &&
	       acl_get_permset(e, &ps) == 0 && acl_clear_perms(ps) == 0 &&
	       acl_add_perm(ps, ACL_EXECUTE) == 0 &&
	       acl_set_permset(e, ps) == 0;
}

/* The wanted ACL (see the top): the owner's bits, one read entry per
 * reader, the searcher's entry (search: the directory's access ACL,
 * when the user exists), the mask; NULL on error.  Directories (exec)
 * get rwx and r-x. */
static acl_t acl_wanted(const uid_t uids[], int n, bool exec, bool search)
{
	acl_t want = acl_from_mode(exec ? 0700 : 0600);
	struct passwd *pw = search ? getpwnam(SEARCHER_NAME) : NULL;

	if (!want)
		return NULL;
	for (int i = 0; i < n; i++)
		if (!acl_add_reader(&want, uids[i], exec)) {
			acl_free(want);
			return NULL;
		}
	if (pw && !acl_add_searcher(&want, pw->pw_uid)) {
		acl_free(want);
		return NULL;
	}
	if (acl_calc_mask(&want) < 0 || acl_valid(want) < 0) {
		acl_free(want);
		return NULL;
	}
	return want;
}

/* Apply to the directory path (type: access or default ACL). */
static int grant_dir(const char *dir, acl_type_t type, const uid_t uids[],
		     int n)
{
	bool access_acl = type == ACL_TYPE_ACCESS;
	acl_t cur = acl_get_file(dir, type), want = NULL;
	int ret = -1;

	if (cur && (want = acl_wanted(uids, n, true, access_acl))) {
		ret = acl_cmp(cur, want) == 0 ? 0 :
		      acl_set_file(dir, type, want) == 0 ? 1 : -1;
	}
	if (ret < 0)
		vm_errno("cannot set the %s ACL of %s",
			 access_acl ? "access" : "default", dir);
	acl_free(cur);
	acl_free(want);
	return ret;
}

/* Apply to one file; a missing file is fine unless required. */
static int grant_file(const char *path, const uid_t uids[], int n,
		      bool required)
{
	struct stat sb;
	acl_t cur = NULL, want = NULL;
	int ret = -1;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && !required)
		return 0;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		vm_errno("cannot open %s", path);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		vm_err("%s is not a regular file; not granting access", path);
		goto out;
	}
	if ((cur = acl_get_fd(fd)) && (want = acl_wanted(uids, n, false, false)))
		ret = acl_cmp(cur, want) == 0 ? 0 :
		      acl_set_fd(fd, want) == 0 ? 1 : -1;
	if (ret < 0)
		vm_errno("cannot set the ACL of %s", path);
out:
	acl_free(cur);
	acl_free(want);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Fold one result into the running total: -1 wins, then 1. */
static int worst(int total, int r)
{
	return total < 0 || r < 0 ? -1 : (total || r);
}

int store_grant_readers(const char *path)
{
	static const char *const suffixes[] = { "", "-journal", "-wal",
						"-shm" };
	uid_t uids[sizeof reader_names / sizeof *reader_names];
	char dir[PATH_MAX], file[PATH_MAX];
	int n = reader_uids(uids), ret = 0;

	if (n == 0)
		return 0;
	if (!vm_dir_of(path, dir, sizeof dir)) {
		vm_err("database path too long: %s", path);
		return -1;
	}
	ret = worst(ret, grant_dir(dir, ACL_TYPE_ACCESS, uids, n));
	ret = worst(ret, grant_dir(dir, ACL_TYPE_DEFAULT, uids, n));
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		if (!vm_snprintf(file, sizeof file, "%s%s", path,
				 suffixes[i])) {
			vm_err("database path too long: %s", path);
			return -1;
		}
		ret = worst(ret, grant_file(file, uids, n, i == 0));
	}
	return ret;
}
