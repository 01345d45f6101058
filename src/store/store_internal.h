/*
 * store_internal.h - what store_sqlite.c and store_schema.c share:
 * store_sqlite.c (the store.h API) calls store_schema_migrate() from
 * store_open() to bring a database up to the latest schema version.
 * Nothing outside src/store/ includes this header.
 */
#ifndef VMAIL_STORE_INTERNAL_H
#define VMAIL_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>

/*
 * Apply every migration newer than the database's PRAGMA user_version,
 * each in its own transaction (so a failed step leaves the previous
 * version intact).  Safe to call on an up-to-date database (does
 * nothing) and from several processes at once (each step re-checks the
 * version under the write lock).  Returns 0, or -1 with the reason in
 * err.
 */
int store_schema_migrate(sqlite3 *db, char *err, size_t errlen);

/* PRAGMA user_version of db, or -1 on error. */
int store_schema_read_version(sqlite3 *db);

#endif
