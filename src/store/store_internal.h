/*
 * store_internal.h - what store_sqlite.c and store_schema.c share:
 * store_sqlite.c (the store.h API) calls store_files_check() (store_files.c)
 * before it opens a database, and store_schema_migrate() from
 * store_open() to bring it up to the latest schema version, which keeps
 * a copy first with store_backup().  Nothing outside src/store/ includes
 * this header.
 */
#ifndef VMAIL_STORE_INTERNAL_H
#define VMAIL_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Apply every migration newer than the database's PRAGMA user_version,
 * each in its own transaction (so a failed step leaves the previous
 * version intact).  A database at a version above 0 is first copied
 * with store_backup() (path is its file).  Safe to call on an
 * up-to-date database (does nothing) and from several processes at once
 * (each step re-checks the version under the write lock).  Returns 0,
 * or -1 with the reason in err.
 */
int store_schema_migrate(sqlite3 *db, const char *path, char *err,
			 size_t errlen);

/* The database path and its -journal, -wal and -shm: each missing, or a
 * regular file owned by the effective user; a symlink, anything else or
 * another owner is refused with a message naming the file and the fix.
 * A missing path itself is refused too when must_exist.  Prints why and
 * returns false. */
bool store_files_check(const char *path, bool must_exist);

/* Whether uid is one of the readers' (postfix, dovecot); store_acl.c. */
bool store_is_reader_uid(uid_t uid);

/* Copy the database (at schema version) with VACUUM INTO to
 * PATH.pre-vVERSION-YYYYmmddHHMMSS, mode 0600, and keep only the newest
 * STORE_BACKUPS_KEPT copies.  0, or -1 with the reason in err. */
int store_backup(sqlite3 *db, const char *path, int version, char *err,
		 size_t errlen);

/* PRAGMA user_version of db, or -1 on error. */
int store_schema_read_version(sqlite3 *db);

#endif
