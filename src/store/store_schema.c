/*
 * store_schema.c - the directory's schema and its migrations.
 *
 * The schema version lives in the database header (PRAGMA user_version).
 * migrations[] below is an ordered list: entry i takes the database from
 * version i to version i + 1.  To change the schema, append an entry;
 * never edit one that has shipped.  store_open() calls
 * store_schema_migrate(), which keeps a copy of a database it is about
 * to migrate (store_backup(), store_files.c) and then applies the
 * missing steps, each in its own transaction together with the version
 * bump.
 *
 * Table and column names are a contract with the Postfix and Dovecot
 * queries in templates/ (see store.h).
 */
#include <stdio.h>

#include "store/store.h"
#include "store/store_internal.h"

struct migration {
	const char *what;   /* one line for error messages */
	const char *sql;
};

static const struct migration migrations[] = {
	/* 0 -> 1: domains, mailboxes, aliases. */
	{ "create the domain, mailbox and alias tables",
	  "CREATE TABLE domain (\n"
	  "  name    TEXT PRIMARY KEY,\n"
	  "  active  INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),\n"
	  "  created TEXT NOT NULL DEFAULT (datetime('now'))\n"
	  ");\n"
	  "CREATE TABLE mailbox (\n"
	  "  address     TEXT PRIMARY KEY,\n"
	  "  local_part  TEXT NOT NULL,\n"
	  "  domain      TEXT NOT NULL REFERENCES domain(name),\n"
	  "  password    TEXT NOT NULL,\n"
	  "  quota_bytes INTEGER NOT NULL DEFAULT 0 CHECK (quota_bytes >= 0),\n"
	  "  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),\n"
	  "  created     TEXT NOT NULL DEFAULT (datetime('now')),\n"
	  "  CHECK (address = local_part || '@' || domain)\n"
	  ");\n"
	  "CREATE INDEX mailbox_domain ON mailbox(domain);\n"
	  "CREATE TABLE alias (\n"
	  "  source      TEXT NOT NULL,\n"
	  "  destination TEXT NOT NULL,\n"
	  "  domain      TEXT NOT NULL REFERENCES domain(name),\n"
	  "  created     TEXT NOT NULL DEFAULT (datetime('now')),\n"
	  "  PRIMARY KEY (source, destination)\n"
	  ");\n"
	  "CREATE INDEX alias_domain ON alias(domain);\n"
	  "CREATE INDEX alias_destination ON alias(destination);\n" },
	/* 1 -> 2: DKIM keys (the files live in /etc/vmail/dkim, see
	 * lib/dkim.h).  The partial unique index allows at most one active
	 * and one pending key per domain. */
	{ "create the dkim_key table",
	  "CREATE TABLE dkim_key (\n"
	  "  domain   TEXT NOT NULL REFERENCES domain(name) ON DELETE CASCADE,\n"
	  "  selector TEXT NOT NULL,\n"
	  "  state    TEXT NOT NULL\n"
	  "           CHECK (state IN ('active', 'pending', 'retired')),\n"
	  "  bits     INTEGER NOT NULL,\n"
	  "  created  TEXT NOT NULL DEFAULT (datetime('now')),\n"
	  "  PRIMARY KEY (domain, selector)\n"
	  ");\n"
	  "CREATE UNIQUE INDEX dkim_key_live ON dkim_key(domain, state)\n"
	  "  WHERE state IN ('active', 'pending');\n" },
	/* 2 -> 3: a mailbox's own hourly sending limits; NULL = the
	 * server's default ([limits] in vmail.conf), 0 = no limit. */
	{ "add the hourly sending limits of mailboxes",
	  "ALTER TABLE mailbox ADD COLUMN messages_per_hour INTEGER\n"
	  "  CHECK (messages_per_hour >= 0);\n"
	  "ALTER TABLE mailbox ADD COLUMN recipients_per_hour INTEGER\n"
	  "  CHECK (recipients_per_hour >= 0);\n" },
	/* 3 -> 4: when a DKIM key last changed state (made pending ->
	 * active, active -> retired); NULL = never since it was made.
	 * The rotation (core/dkim_rotation.h) counts a key's age and a
	 * retired key's grace period from it. */
	{ "add the state change time of DKIM keys",
	  "ALTER TABLE dkim_key ADD COLUMN changed TEXT;\n" },
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_latest(void)
{
	return N_MIGRATIONS;
}

int store_schema_read_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int version = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

/* Run sql; on failure describe it in err (prefixed with what). */
static int exec(sqlite3 *db, const char *sql, const char *what,
		char *err, size_t errlen)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

/* Apply migration step (from version step to step + 1) unless another
 * process did it first.  The version is re-read under the write lock
 * taken by BEGIN IMMEDIATE. */
static int apply_step(sqlite3 *db, int step, char *err, size_t errlen)
{
	char bump[64];
	char what[160];
	int now;

	snprintf(what, sizeof what, "schema migration to version %d (%s)",
		 step + 1, migrations[step].what);
	if (exec(db, "BEGIN IMMEDIATE", what, err, errlen) < 0)
		return -1;
	now = store_schema_read_version(db);
	if (now != step) {      /* done meanwhile, or something odd */
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		if (now > step)
			return 0;
		snprintf(err, errlen, "%s: cannot read the schema version",
			 what);
		return -1;
	}
	/* PRAGMA takes no bound parameters; step is our own integer. */
	snprintf(bump, sizeof bump, "PRAGMA user_version = %d", step + 1);
	if (exec(db, migrations[step].sql, what, err, errlen) < 0 ||
	    exec(db, bump, what, err, errlen) < 0 ||
	    exec(db, "COMMIT", what, err, errlen) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int store_schema_migrate(sqlite3 *db, const char *path, char *err,
			 size_t errlen)
{
	int version = store_schema_read_version(db);

	if (version < 0) {
		snprintf(err, errlen, "cannot read the schema version: %s",
			 sqlite3_errmsg(db));
		return -1;
	}
	if (version > N_MIGRATIONS) {
		snprintf(err, errlen,
			 "the database has schema version %d, but this "
			 "vmailctl knows only up to %d (is it older than the "
			 "one that wrote it?)", version, N_MIGRATIONS);
		return -1;
	}
	/* A copy to go back to; a new database (0) has nothing to keep. */
	if (version > 0 && version < N_MIGRATIONS &&
	    store_backup(db, path, version, err, errlen) < 0)
		return -1;
	for (int step = version; step < N_MIGRATIONS; step++)
		if (apply_step(db, step, err, errlen) < 0)
			return -1;
	return 0;
}
