/*
 * store_files.c - the directory database's files on disk: what
 * store_open() checks before SQLite touches them, and the copy kept
 * before a schema migration (store_internal.h).
 *
 * The files are DB itself and the ones SQLite puts next to it: DB-journal
 * (the rollback journal, there while a write is under way or after a
 * crash), and DB-wal and DB-shm (left from the WAL mode that databases
 * of the first release use).  vmailctl runs as root on them, so a link
 * planted there, or a file someone else owns, could make it write where
 * it should not or trust what another user wrote: such a file is
 * refused, with a message that names it and the fix.  One exception:
 * while the database is still in WAL mode (its header says so), its
 * -wal and -shm may belong to Postfix or Dovecot, whose readers made
 * them under the first release; setup then switches it to the rollback
 * journal, and SQLite removes both.
 *
 * A copy: before migrating a database from schema version N (N > 0),
 * "VACUUM INTO" writes DB.pre-vN-YYYYmmddHHMMSS (UTC), mode 0600 and no
 * ACL (only root reads it; the readers' default ACL on the directory is
 * taken off).  The newest STORE_BACKUPS_KEPT copies are kept, older ones
 * removed.  To go back: stop Postfix and Dovecot, copy it over DB,
 * reinstall the release that wrote it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <acl/libacl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/str.h"
#include "store/store.h"
#include "store/store_internal.h"

/* ---- checks --------------------------------------------------------- */

/* The name of uid for messages: "root", "vmail", or "uid 1234". */
static const char *user_name(uid_t uid, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(uid);

	if (pw && pw->pw_name)
		vm_strlcpy(buf, pw->pw_name, size);
	else
		snprintf(buf, size, "uid %u", (unsigned)uid);
	return buf;
}

/* Whether the database file's header says WAL mode (read and write
 * versions 2, bytes 18 and 19). */
static bool header_says_wal(const char *path)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, h, sizeof h, 0) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)sizeof h && h[18] == 2 && h[19] == 2;
}

/* One file: missing is fine (0); a regular file of ours is fine (1), and
 * so is one of a reader's when reader_ok; anything else is refused with
 * the fix (-1). */
static int check_file(const char *file, bool main_db, bool reader_ok)
{
	char owner[64], me[64], target[PATH_MAX];
	struct stat sb;
	ssize_t n;

	if (lstat(file, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		vm_errno("cannot inspect %s", file);
		return -1;
	}
	if (S_ISLNK(sb.st_mode)) {
		n = readlink(file, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		vm_err("%s is a symbolic link (to %s); vmailctl does not follow "
		       "links for the directory database: remove the link "
		       "(rm %s)%s", file, n > 0 ? target : "?", file,
		       main_db ? " and put the database itself there" : "");
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		vm_err("%s is not a regular file: move it out of the way", file);
		return -1;
	}
	if (sb.st_uid != geteuid() &&
	    !(reader_ok && store_is_reader_uid(sb.st_uid))) {
		vm_err("%s belongs to %s, not to %s, who runs vmailctl: check "
		       "how it got there, then give it back with 'chown %s %s'",
		       file, user_name(sb.st_uid, owner, sizeof owner),
		       user_name(geteuid(), me, sizeof me), me, file);
		return -1;
	}
	return 1;
}

bool store_files_check(const char *path, bool must_exist)
{
	static const char *const suffixes[] = { "-journal", "-wal", "-shm" };
	char file[PATH_MAX];
	int r = check_file(path, true, false);
	bool wal;

	if (r < 0)
		return false;
	if (r == 0 && must_exist) {
		vm_err("the directory database %s does not exist (run "
		       "'vmailctl setup' to create it, or check [paths] "
		       "database in vmail.conf)", path);
		return false;
	}
	wal = r > 0 && header_says_wal(path);
	for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
		if (!vm_snprintf(file, sizeof file, "%s%s", path, suffixes[i])) {
			vm_err("database path too long: %s", path);
			return false;
		}
		if (check_file(file, false, wal && i > 0) < 0)
			return false;
	}
	return true;
}

/* ---- copies before migrations --------------------------------------- */

/* Is name (in the database's directory) one of our copies of base? */
static bool is_backup_of(const char *name, const char *base)
{
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 &&
	       strncmp(name + n, ".pre-v", 6) == 0;
}

/* The part that orders copies: the time stamp after the last '-'. */
static const char *backup_stamp(const char *name)
{
	const char *dash = strrchr(name, '-');

	return dash ? dash + 1 : name;
}

static int newest_first(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = strcmp(backup_stamp(y), backup_stamp(x));

	return c ? c : strcmp(y, x);
}

/* Remove all but the newest `keep` copies of path.  Best effort: a copy
 * that cannot be removed is reported and left. */
static void prune_backups(const char *path, int keep)
{
	char dir[PATH_MAX], file[PATH_MAX];
	const char *base = strrchr(path, '/');
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	DIR *d;

	base = base ? base + 1 : path;
	if (!vm_dir_of(path, dir, sizeof dir) || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		char **more;

		if (!is_backup_of(e->d_name, base))
			continue;
		if (!(more = realloc(names, (n + 1) * sizeof *names)))
			break;
		names = more;
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, newest_first);
	for (size_t i = 0; i < n; i++) {
		if (i >= (size_t)keep &&
		    vm_snprintf(file, sizeof file, "%s/%s", dir, names[i]) &&
		    unlink(file) < 0)
			vm_errno("cannot remove the old copy %s", file);
		free(names[i]);
	}
	free(names);
}

/* Create the empty file a copy goes into: 0600, no ACL (an empty file
 * is what VACUUM INTO accepts).  A name taken already (two migrations in
 * one second) gets ".1", ".2", ...  Returns false with err set. */
static bool create_backup_file(const char *path, int version, char *out,
			       size_t size, char *err, size_t errlen)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	acl_t acl;
	int fd = -1;

	if (!gmtime_r(&now, &tm) ||
	    !strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm)) {
		snprintf(err, errlen, "cannot format the time");
		return false;
	}
	for (int i = 0; fd < 0 && i < 100; i++) {
		bool fits = i ? vm_snprintf(out, size, "%s.pre-v%d-%s.%d",
					    path, version, stamp, i) :
				vm_snprintf(out, size, "%s.pre-v%d-%s", path,
					    version, stamp);
		if (!fits) {
			snprintf(err, errlen, "path too long: %s", path);
			return false;
		}
		fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			       O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", out,
				 strerror(errno));
			return false;
		}
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a copy next to %s", path);
		return false;
	}
	/* The directory's default ACL (the readers) does not apply. */
	acl = acl_from_mode(0600);
	if (!acl || (acl_set_fd(fd, acl) < 0 && errno != ENOTSUP) ||
	    fchmod(fd, 0600) < 0) {
		snprintf(err, errlen, "cannot set the mode of %s: %s", out,
			 strerror(errno));
		acl_free(acl);
		close(fd);
		unlink(out);
		return false;
	}
	acl_free(acl);
	close(fd);
	return true;
}

int store_backup(sqlite3 *db, const char *path, int version, char *err,
		 size_t errlen)
{
	char copy[PATH_MAX];
	sqlite3_stmt *st;
	int rc;

	if (!create_backup_file(path, version, copy, sizeof copy, err,
				errlen))
		return -1;
	rc = sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, copy, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot copy the database to %s before "
			 "migrating it: %s", copy, sqlite3_errmsg(db));
		unlink(copy);
		return -1;
	}
	vm_progress("Saved a copy of the directory (schema version %d) as %s",
		    version, copy);
	prune_backups(path, STORE_BACKUPS_KEPT);
	return 0;
}
