/*
 * store_sqlite.c - the directory (store.h) on one SQLite database.
 *
 * store_open() checks the files (store_files.c), opens or creates the
 * database, sets the connection up (rollback journal, foreign keys, a
 * busy timeout so a writer waits for Postfix or Dovecot instead of
 * failing) and runs the schema migrations (store_schema.c).
 * Every query uses bound parameters.  Functions that need several
 * statements wrap them in a SAVEPOINT, so each call is atomic on its own
 * and also nests inside a caller's store_begin()/store_commit().
 * Sections: errors, statements, transactions, opening, domains,
 * mailboxes, aliases, DKIM keys.
 *
 * A database that store_open() creates gets the reader ACLs of
 * store_grant_readers() (store_acl.c) at once.
 *
 * Why a rollback journal and not WAL: WAL readers must write the -shm
 * index, which would let Postfix and Dovecot change what every reader,
 * root's vmailctl included, takes for the database.  With the journal
 * they need read access only.  The price: while a writer commits (a few
 * milliseconds) a reader that starts then gets SQLITE_BUSY; Dovecot
 * waits for it (its busy timeout); Postfix's proxymap, which has none,
 * exits ("database is locked", then a fatal "SQL finalize failed"), and
 * its client repeats the lookup a second later, so no mail is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "lib/diag.h"
#include "lib/str.h"
#include "store/store.h"
#include "store/store_internal.h"

#define BUSY_TIMEOUT_MS 5000

struct store {
	sqlite3 *db;
	bool wal;              /* still in WAL mode (see store_leave_wal) */
	char errmsg[512];
};

/* ---- errors ------------------------------------------------------- */

static void set_err(struct store *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
	va_end(ap);
}

/* Record SQLite's reason for the last failure; always STORE_ERROR. */
static enum store_status db_err(struct store *s, const char *what)
{
	set_err(s, "%s: %s", what, sqlite3_errmsg(s->db));
	return STORE_ERROR;
}

const char *store_errmsg(const struct store *s)
{
	return s->errmsg;
}

/* ---- statements --------------------------------------------------- */

/* Prepare sql and bind up to three text parameters (?1..?3; a NULL
 * pointer binds SQL NULL).  NULL on error, with the reason recorded. */
static sqlite3_stmt *prepare(struct store *s, const char *sql,
			     const char *p1, const char *p2, const char *p3)
{
	const char *params[3] = { p1, p2, p3 };
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		db_err(s, "prepare");
		return NULL;
	}
	for (int i = 0; i < 3 && i < sqlite3_bind_parameter_count(st); i++) {
		int rc = params[i] ?
			sqlite3_bind_text(st, i + 1, params[i], -1,
					  SQLITE_STATIC) :
			sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK) {
			db_err(s, "bind");
			sqlite3_finalize(st);
			return NULL;
		}
	}
	return st;
}

/* Step a statement that returns no rows, then finalize it.  A primary
 * key or unique violation is STORE_EXISTS; *changes (if non-NULL) gets
 * the number of rows changed. */
static enum store_status run(struct store *s, sqlite3_stmt *st,
			     int *changes)
{
	enum store_status ret = STORE_OK;
	int rc;

	if (!st)
		return STORE_ERROR;
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    rc == SQLITE_CONSTRAINT_UNIQUE) {
		set_err(s, "already exists");
		ret = STORE_EXISTS;
	} else if (rc != SQLITE_DONE) {
		ret = db_err(s, "write");
	} else if (changes) {
		*changes = sqlite3_changes(s->db);
	}
	sqlite3_finalize(st);
	return ret;
}

/* Execute sql with up to three text parameters. */
static enum store_status exec3(struct store *s, const char *sql,
			       const char *p1, const char *p2, const char *p3,
			       int *changes)
{
	return run(s, prepare(s, sql, p1, p2, p3), changes);
}

/* First column of the first row of a query as an integer (count(*),
 * EXISTS(...)).  -1 on error. */
static int64_t query_int(struct store *s, const char *sql,
			 const char *p1, const char *p2)
{
	sqlite3_stmt *st = prepare(s, sql, p1, p2, NULL);
	int64_t n = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		db_err(s, "query");
	sqlite3_finalize(st);
	return n;
}

/* Column i as text, "" for NULL (keeps callbacks free of NULL checks). */
static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* ---- savepoints: make one multi-statement call atomic --------------- */

static enum store_status sp_begin(struct store *s)
{
	if (sqlite3_exec(s->db, "SAVEPOINT store_call", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_err(s, "savepoint");
	return STORE_OK;
}

/* Keep the call's changes if status is STORE_OK, else undo them.
 * Returns status (or STORE_ERROR if releasing failed). */
static enum store_status sp_end(struct store *s, enum store_status status)
{
	if (status != STORE_OK)
		sqlite3_exec(s->db, "ROLLBACK TO store_call", NULL, NULL, NULL);
	if (sqlite3_exec(s->db, "RELEASE store_call", NULL, NULL, NULL) !=
	    SQLITE_OK && status == STORE_OK)
		return db_err(s, "release savepoint");
	return status;
}

/* ---- transactions ------------------------------------------------- */

enum store_status store_begin(struct store *s)
{
	/* IMMEDIATE takes the write lock now (waiting up to the busy
	 * timeout), so a transaction never fails half-way for a lock. */
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return db_err(s, "begin transaction");
	return STORE_OK;
}

enum store_status store_commit(struct store *s)
{
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		enum store_status ret = db_err(s, "commit");
		store_rollback(s);
		return ret;
	}
	return STORE_OK;
}

void store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- opening ------------------------------------------------------ */

/* Create an empty database file with mode 0640 (an empty file is a
 * valid empty SQLite database).  SQLite gives the -journal the mode and
 * owner of this file.  1 created, 0 existed, -1 error (printed). */
static int create_db_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0640);

	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		if (errno == ENOENT)
			vm_err("cannot create the database %s: its directory "
			       "does not exist (run 'vmailctl setup' first)",
			       path);
		else
			vm_errno("cannot create the database %s", path);
		return -1;
	}
	if (fchmod(fd, 0640) < 0) {   /* the umask may have narrowed it */
		vm_errno("cannot set the mode of %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 1;
}

/* Read back a one-value pragma as text into buf. */
static bool pragma_text(sqlite3 *db, const char *sql, char *buf,
			size_t size)
{
	sqlite3_stmt *st;
	bool ok = false;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		ok = vm_strlcpy(buf, t ? (const char *)t : "", size);
	}
	sqlite3_finalize(st);
	return ok;
}

/* Switch to the rollback journal (DELETE), waiting up to timeout_ms
 * for other connections.  The journal mode afterwards goes into mode. */
static void set_journal_delete(sqlite3 *db, int timeout_ms, char *mode,
			       size_t size)
{
	sqlite3_busy_timeout(db, timeout_ms);
	if (!pragma_text(db, "PRAGMA journal_mode = DELETE", mode, size) &&
	    !pragma_text(db, "PRAGMA journal_mode", mode, size))
		vm_strlcpy(mode, "?", size);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
}

/* Connection settings: busy timeout, no schema tricks, foreign keys,
 * the rollback journal.  A WAL database (the first release's) that
 * other processes hold open stays in WAL mode: *wal is set.  Returns
 * false with a message printed. */
static bool configure(sqlite3 *db, const char *path, bool *wal)
{
	char val[32];

	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);

	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
	    SQLITE_OK ||
	    !pragma_text(db, "PRAGMA foreign_keys", val, sizeof val) ||
	    strcmp(val, "1") != 0) {
		vm_err("%s: cannot enable foreign keys: %s", path,
		       sqlite3_errmsg(db));
		return false;
	}
	/* Readers in WAL mode must write the -shm index, in DELETE mode
	 * they only read.  Leaving WAL needs every other connection closed:
	 * no wait here (setup waits, store_leave_wal). */
	if (!pragma_text(db, "PRAGMA journal_mode", val, sizeof val)) {
		vm_err("%s: cannot read the journal mode: %s", path,
		       sqlite3_errmsg(db));
		return false;
	}
	if (strcmp(val, "delete") != 0)
		set_journal_delete(db, 0, val, sizeof val);
	*wal = strcmp(val, "wal") == 0;
	if (!*wal && strcmp(val, "delete") != 0) {
		vm_err("%s: cannot switch to the rollback journal (journal "
		       "mode %s): %s", path, val, sqlite3_errmsg(db));
		return false;
	}
	return true;
}

bool store_uses_wal(struct store *s)
{
	return s->wal;
}

enum store_status store_leave_wal(struct store *s, int timeout_ms)
{
	char val[32];

	if (!s->wal)
		return STORE_OK;
	set_journal_delete(s->db, timeout_ms, val, sizeof val);
	if (!strcmp(val, "delete")) {
		s->wal = false;
		return STORE_OK;
	}
	set_err(s, "cannot leave WAL mode (journal mode %s): %s", val,
		sqlite3_errmsg(s->db));
	return !strcmp(val, "wal") ? STORE_CONFLICT : STORE_ERROR;
}

struct store *store_open(const char *path, bool create)
{
	struct store *s;
	int created = 0;
	char err[512];

	if (!path || !*path) {
		vm_err("no database path configured");
		return NULL;
	}
	if (!store_files_check(path, !create))
		return NULL;
	if (create && (created = create_db_file(path)) < 0)
		return NULL;
	s = calloc(1, sizeof *s);
	if (!s) {
		vm_errno("out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		vm_err("cannot open the database %s: %s", path,
		       s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return NULL;
	}
	if (!configure(s->db, path, &s->wal)) {
		store_close(s);
		return NULL;
	}
	if (store_schema_migrate(s->db, path, err, sizeof err) < 0) {
		vm_err("%s: %s", path, err);
		store_close(s);
		return NULL;
	}
	/* A new database gets reader access at once; setup re-applies it
	 * on every run (store_grant_readers) to repair it. */
	if (created && geteuid() == 0 && store_grant_readers(path) < 0) {
		store_close(s);
		return NULL;
	}
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->db) {
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close_v2(s->db);
	}
	free(s);
}

int store_schema_version(struct store *s)
{
	return store_schema_read_version(s->db);
}

/* The domain part of an address or "@domain" alias source (after the
 * last '@'); NULL if there is none. */
static const char *domain_of(const char *address)
{
	const char *at = strrchr(address, '@');

	return at && at[1] ? at + 1 : NULL;
}

/* 1 if the domain is hosted, 0 if not, -1 on error. */
static int domain_exists(struct store *s, const char *name)
{
	int64_t n = query_int(s, "SELECT count(*) FROM domain WHERE name = ?1",
			      name, NULL);
	return n < 0 ? -1 : n > 0;
}

static int mailbox_exists(struct store *s, const char *address)
{
	int64_t n = query_int(s,
		"SELECT count(*) FROM mailbox WHERE address = ?1",
		address, NULL);
	return n < 0 ? -1 : n > 0;
}

static int alias_source_exists(struct store *s, const char *source)
{
	int64_t n = query_int(s,
		"SELECT count(*) FROM alias WHERE source = ?1", source, NULL);
	return n < 0 ? -1 : n > 0;
}

/* ---- domains ------------------------------------------------------ */

enum store_status store_domain_add(struct store *s, const char *name)
{
	enum store_status st = exec3(s,
		"INSERT INTO domain (name) VALUES (?1)", name, NULL, NULL,
		NULL);

	if (st == STORE_EXISTS)
		set_err(s, "domain '%s' already exists", name);
	return st;
}

/* With force: drop the domain's aliases and its mailboxes. */
static enum store_status domain_drop_contents(struct store *s,
					     const char *name)
{
	enum store_status st;

	st = exec3(s, "DELETE FROM alias WHERE domain = ?1", name, NULL, NULL,
		   NULL);
	if (st == STORE_OK)
		st = exec3(s, "DELETE FROM mailbox WHERE domain = ?1",
			   name, NULL, NULL, NULL);
	return st;
}

static enum store_status domain_del(struct store *s, const char *name,
				    bool force)
{
	int64_t mailboxes, aliases;
	int exists = domain_exists(s, name);

	if (exists < 0)
		return STORE_ERROR;
	if (!exists) {
		set_err(s, "domain '%s' is not hosted", name);
		return STORE_NOT_FOUND;
	}
	mailboxes = query_int(s, "SELECT count(*) FROM mailbox "
				 "WHERE domain = ?1", name, NULL);
	aliases = query_int(s, "SELECT count(*) FROM alias WHERE domain = ?1",
			    name, NULL);
	if (mailboxes < 0 || aliases < 0)
		return STORE_ERROR;
	if ((mailboxes || aliases) && !force) {
		set_err(s, "domain '%s' still has %lld mailbox(es) and %lld "
			   "alias(es)", name, (long long)mailboxes,
			(long long)aliases);
		return STORE_CONFLICT;
	}
	if (force && domain_drop_contents(s, name) != STORE_OK)
		return STORE_ERROR;
	return exec3(s, "DELETE FROM domain WHERE name = ?1", name, NULL,
		     NULL, NULL);
}

enum store_status store_domain_del(struct store *s, const char *name,
				   bool force)
{
	enum store_status st = sp_begin(s);

	if (st != STORE_OK)
		return st;
	return sp_end(s, domain_del(s, name, force));
}

enum store_status store_domain_set_active(struct store *s, const char *name,
					  bool active)
{
	int changes = 0;
	enum store_status st = exec3(s,
		"UPDATE domain SET active = ?2 WHERE name = ?1", name,
		active ? "1" : "0", NULL, &changes);

	if (st == STORE_OK && changes == 0) {
		set_err(s, "domain '%s' is not hosted", name);
		return STORE_NOT_FOUND;
	}
	return st;
}

/* Run a domain query (columns as in DOMAIN_SELECT) and call cb per row.
 * *rows gets the number of rows seen. */
#define DOMAIN_SELECT \
	"SELECT d.name, d.active, d.created, " \
	"(SELECT count(*) FROM mailbox m WHERE m.domain = d.name), " \
	"(SELECT count(*) FROM alias a WHERE a.domain = d.name) " \
	"FROM domain d "

static enum store_status each_domain(struct store *s, sqlite3_stmt *st,
				     store_domain_cb cb, void *ctx,
				     int *rows)
{
	int rc;

	*rows = 0;
	if (!st)
		return STORE_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_domain d = {
			.name = col_text(st, 0),
			.active = sqlite3_column_int(st, 1) != 0,
			.created = col_text(st, 2),
			.mailboxes = sqlite3_column_int64(st, 3),
			.aliases = sqlite3_column_int64(st, 4),
		};
		(*rows)++;
		if (cb(&d, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		db_err(s, "read domains");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_status store_domain_get(struct store *s, const char *name,
				   store_domain_cb cb, void *ctx)
{
	int rows;
	enum store_status st = each_domain(s,
		prepare(s, DOMAIN_SELECT "WHERE d.name = ?1", name, NULL, NULL),
		cb, ctx, &rows);

	if (st == STORE_OK && rows == 0) {
		set_err(s, "domain '%s' is not hosted", name);
		return STORE_NOT_FOUND;
	}
	return st;
}

enum store_status store_domain_list(struct store *s, store_domain_cb cb,
				    void *ctx)
{
	int rows;

	return each_domain(s, prepare(s, DOMAIN_SELECT "ORDER BY d.name",
				      NULL, NULL, NULL), cb, ctx, &rows);
}

/* ---- mailboxes ---------------------------------------------------- */

static enum store_status mailbox_add(struct store *s, const char *address,
				     const char *hash, uint64_t quota_bytes)
{
	const char *domain = domain_of(address);
	sqlite3_stmt *st;
	int found;

	if (!domain || domain == address + 1) {
		set_err(s, "'%s' is not an address", address);
		return STORE_CONFLICT;
	}
	if (quota_bytes > INT64_MAX) {
		set_err(s, "quota too large");
		return STORE_CONFLICT;
	}
	if ((found = domain_exists(s, domain)) <= 0) {
		if (found == 0)
			set_err(s, "domain '%s' is not hosted", domain);
		return found < 0 ? STORE_ERROR : STORE_CONFLICT;
	}
	if ((found = mailbox_exists(s, address)) != 0) {
		if (found > 0)
			set_err(s, "mailbox '%s' already exists", address);
		return found < 0 ? STORE_ERROR : STORE_EXISTS;
	}
	if ((found = alias_source_exists(s, address)) != 0) {
		if (found > 0)
			set_err(s, "'%s' is already an alias", address);
		return found < 0 ? STORE_ERROR : STORE_CONFLICT;
	}
	/* local_part is the address minus "@domain". */
	st = prepare(s, "INSERT INTO mailbox (address, local_part, domain, "
			"password, quota_bytes) VALUES (?1, "
			"substr(?1, 1, length(?1) - length(?2) - 1), "
			"?2, ?3, ?4)",
		     address, domain, hash);
	if (st && sqlite3_bind_int64(st, 4, (sqlite3_int64)quota_bytes) !=
		  SQLITE_OK) {
		sqlite3_finalize(st);
		return db_err(s, "bind");
	}
	return run(s, st, NULL);
}

enum store_status store_mailbox_add(struct store *s, const char *address,
				    const char *hash, uint64_t quota_bytes)
{
	enum store_status st = sp_begin(s);

	if (st != STORE_OK)
		return st;
	return sp_end(s, mailbox_add(s, address, hash, quota_bytes));
}

enum store_status store_mailbox_del(struct store *s, const char *address)
{
	int changes = 0;
	enum store_status st = exec3(s,
		"DELETE FROM mailbox WHERE address = ?1", address, NULL, NULL,
		&changes);

	if (st == STORE_OK && changes == 0) {
		set_err(s, "no mailbox '%s'", address);
		st = STORE_NOT_FOUND;
	}
	return st;
}

/* NOT_FOUND when an UPDATE of one mailbox changed nothing. */
static enum store_status one_mailbox_changed(struct store *s,
					     enum store_status st,
					     int changes, const char *address)
{
	if (st == STORE_OK && changes == 0) {
		set_err(s, "no mailbox '%s'", address);
		return STORE_NOT_FOUND;
	}
	return st;
}

enum store_status store_mailbox_set_password(struct store *s,
					     const char *address,
					     const char *hash)
{
	int changes = 0;
	enum store_status st = exec3(s,
		"UPDATE mailbox SET password = ?2 WHERE address = ?1",
		address, hash, NULL, &changes);

	return one_mailbox_changed(s, st, changes, address);
}

enum store_status store_mailbox_set_active(struct store *s,
					   const char *address, bool active)
{
	int changes = 0;
	enum store_status st = exec3(s,
		"UPDATE mailbox SET active = ?2 WHERE address = ?1",
		address, active ? "1" : "0", NULL, &changes);

	return one_mailbox_changed(s, st, changes, address);
}

enum store_status store_mailbox_set_quota(struct store *s,
					  const char *address,
					  uint64_t quota_bytes)
{
	sqlite3_stmt *st;
	enum store_status ret;
	int changes = 0;

	if (quota_bytes > INT64_MAX) {
		set_err(s, "quota too large");
		return STORE_CONFLICT;
	}
	st = prepare(s, "UPDATE mailbox SET quota_bytes = ?2 "
			"WHERE address = ?1", address, NULL, NULL);
	if (st && sqlite3_bind_int64(st, 2, (sqlite3_int64)quota_bytes) !=
		  SQLITE_OK) {
		sqlite3_finalize(st);
		return db_err(s, "bind");
	}
	ret = run(s, st, &changes);
	return one_mailbox_changed(s, ret, changes, address);
}

enum store_status store_mailbox_set_limits(struct store *s,
					   const char *address,
					   int64_t messages_per_hour,
					   int64_t recipients_per_hour)
{
	const int64_t v[2] = { messages_per_hour, recipients_per_hour };
	sqlite3_stmt *st;
	enum store_status ret;
	int changes = 0;

	for (int i = 0; i < 2; i++)
		if (v[i] < STORE_LIMIT_KEEP) {
			set_err(s, "not a sending limit: %lld", (long long)v[i]);
			return STORE_CONFLICT;
		}
	/* KEEP leaves the column, DEFAULT makes it NULL. */
	st = prepare(s, "UPDATE mailbox SET "
			"messages_per_hour = CASE ?2 WHEN -2 THEN "
			"messages_per_hour WHEN -1 THEN NULL ELSE ?2 END, "
			"recipients_per_hour = CASE ?3 WHEN -2 THEN "
			"recipients_per_hour WHEN -1 THEN NULL ELSE ?3 END "
			"WHERE address = ?1", address, NULL, NULL);
	for (int i = 0; st && i < 2; i++)
		if (sqlite3_bind_int64(st, i + 2, (sqlite3_int64)v[i]) !=
		    SQLITE_OK) {
			sqlite3_finalize(st);
			return db_err(s, "bind");
		}
	ret = run(s, st, &changes);
	return one_mailbox_changed(s, ret, changes, address);
}

#define MAILBOX_SELECT \
	"SELECT address, local_part, domain, password, quota_bytes, active, " \
	"created, messages_per_hour, recipients_per_hour FROM mailbox "

/* A limit column: NULL is STORE_LIMIT_DEFAULT. */
static int64_t col_limit(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return STORE_LIMIT_DEFAULT;
	return sqlite3_column_int64(st, i);
}

static enum store_status each_mailbox(struct store *s, sqlite3_stmt *st,
				      store_mailbox_cb cb, void *ctx,
				      int *rows)
{
	int rc;

	*rows = 0;
	if (!st)
		return STORE_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 quota = sqlite3_column_int64(st, 4);
		struct store_mailbox m = {
			.address = col_text(st, 0),
			.local_part = col_text(st, 1),
			.domain = col_text(st, 2),
			.password = col_text(st, 3),
			.quota_bytes = quota > 0 ? (uint64_t)quota : 0,
			.active = sqlite3_column_int(st, 5) != 0,
			.created = col_text(st, 6),
			.messages_per_hour = col_limit(st, 7),
			.recipients_per_hour = col_limit(st, 8),
		};
		(*rows)++;
		if (cb(&m, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		db_err(s, "read mailboxes");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_status store_mailbox_get(struct store *s, const char *address,
				    store_mailbox_cb cb, void *ctx)
{
	int rows;
	enum store_status st = each_mailbox(s,
		prepare(s, MAILBOX_SELECT "WHERE address = ?1", address, NULL,
			NULL), cb, ctx, &rows);

	if (st == STORE_OK && rows == 0) {
		set_err(s, "no mailbox '%s'", address);
		return STORE_NOT_FOUND;
	}
	return st;
}

enum store_status store_mailbox_list(struct store *s, const char *domain,
				     store_mailbox_cb cb, void *ctx)
{
	int rows;

	return each_mailbox(s,
		prepare(s, MAILBOX_SELECT "WHERE ?1 IS NULL OR domain = ?1 "
			   "ORDER BY domain, local_part", domain, NULL, NULL),
		cb, ctx, &rows);
}

/* ---- aliases ------------------------------------------------------ */

static enum store_status alias_add(struct store *s, const char *source,
				   const char *destination)
{
	const char *domain = domain_of(source);
	enum store_status st;
	int found;

	if (!domain) {
		set_err(s, "'%s' is not an alias source", source);
		return STORE_CONFLICT;
	}
	if ((found = domain_exists(s, domain)) <= 0) {
		if (found == 0)
			set_err(s, "domain '%s' is not hosted", domain);
		return found < 0 ? STORE_ERROR : STORE_CONFLICT;
	}
	if ((found = mailbox_exists(s, source)) != 0) {
		if (found > 0)
			set_err(s, "'%s' is a mailbox", source);
		return found < 0 ? STORE_ERROR : STORE_CONFLICT;
	}
	st = exec3(s, "INSERT INTO alias (source, destination, domain) "
		      "VALUES (?1, ?2, ?3)", source, destination, domain, NULL);
	if (st == STORE_EXISTS)
		set_err(s, "alias '%s' -> '%s' already exists", source,
			destination);
	return st;
}

enum store_status store_alias_add(struct store *s, const char *source,
				  const char *destination)
{
	enum store_status st = sp_begin(s);

	if (st != STORE_OK)
		return st;
	return sp_end(s, alias_add(s, source, destination));
}

enum store_status store_alias_del(struct store *s, const char *source,
				  const char *destination)
{
	int changes = 0;
	enum store_status st = exec3(s,
		"DELETE FROM alias WHERE source = ?1 "
		"AND (?2 IS NULL OR destination = ?2)",
		source, destination, NULL, &changes);

	if (st == STORE_OK && changes == 0) {
		if (destination)
			set_err(s, "no alias '%s' -> '%s'", source,
				destination);
		else
			set_err(s, "no alias '%s'", source);
		return STORE_NOT_FOUND;
	}
	return st;
}

enum store_status store_alias_list(struct store *s, const char *domain,
				   const char *source, store_alias_cb cb,
				   void *ctx)
{
	sqlite3_stmt *st = prepare(s,
		"SELECT source, destination, domain, created FROM alias "
		"WHERE (?1 IS NULL OR domain = ?1) "
		"AND (?2 IS NULL OR source = ?2) "
		"ORDER BY domain, source, destination", domain, source, NULL);
	int rc;

	if (!st)
		return STORE_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_alias a = {
			.source = col_text(st, 0),
			.destination = col_text(st, 1),
			.domain = col_text(st, 2),
			.created = col_text(st, 3),
		};
		if (cb(&a, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		db_err(s, "read aliases");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

/* ---- DKIM keys ---------------------------------------------------- */

static bool valid_dkim_state(struct store *s, const char *state)
{
	if (!strcmp(state, "active") || !strcmp(state, "pending") ||
	    !strcmp(state, "retired"))
		return true;
	set_err(s, "'%s' is not a DKIM key state", state);
	return false;
}

/* The unique index on (domain, state) allows one active and one
 * pending key; run() reports a violation as STORE_EXISTS. */
static void dkim_exists_err(struct store *s, const char *domain,
			    const char *selector, const char *state)
{
	set_err(s, "domain '%s' already has a DKIM key '%s' or an %s one",
		domain, selector, state);
}

static enum store_status dkim_add(struct store *s, const char *domain,
				  const char *selector, const char *state,
				  int bits)
{
	sqlite3_stmt *st;
	enum store_status ret;
	int found;

	if (!valid_dkim_state(s, state))
		return STORE_CONFLICT;
	if ((found = domain_exists(s, domain)) <= 0) {
		if (found == 0)
			set_err(s, "domain '%s' is not hosted", domain);
		return found < 0 ? STORE_ERROR : STORE_CONFLICT;
	}
	st = prepare(s, "INSERT INTO dkim_key (domain, selector, state, bits) "
			"VALUES (?1, ?2, ?3, ?4)", domain, selector, state);
	if (st && sqlite3_bind_int(st, 4, bits) != SQLITE_OK) {
		sqlite3_finalize(st);
		return db_err(s, "bind");
	}
	ret = run(s, st, NULL);
	if (ret == STORE_EXISTS)
		dkim_exists_err(s, domain, selector, state);
	return ret;
}

enum store_status store_dkim_add(struct store *s, const char *domain,
				 const char *selector, const char *state,
				 int bits)
{
	enum store_status st = sp_begin(s);

	if (st != STORE_OK)
		return st;
	return sp_end(s, dkim_add(s, domain, selector, state, bits));
}

enum store_status store_dkim_set_state(struct store *s, const char *domain,
				       const char *selector,
				       const char *state)
{
	enum store_status st;
	int changes = 0;

	if (!valid_dkim_state(s, state))
		return STORE_CONFLICT;
	st = exec3(s, "UPDATE dkim_key SET state = ?3, "
		      "changed = datetime('now') "
		      "WHERE domain = ?1 AND selector = ?2",
		   domain, selector, state, &changes);
	if (st == STORE_EXISTS)
		dkim_exists_err(s, domain, selector, state);
	if (st == STORE_OK && changes == 0) {
		set_err(s, "domain '%s' has no DKIM key '%s'", domain,
			selector);
		return STORE_NOT_FOUND;
	}
	return st;
}

enum store_status store_dkim_list(struct store *s, const char *domain,
				  store_dkim_cb cb, void *ctx)
{
	sqlite3_stmt *st = prepare(s,
		"SELECT domain, selector, state, bits, created, "
		"COALESCE(changed, created) FROM dkim_key "
		"WHERE ?1 IS NULL OR domain = ?1 "
		"ORDER BY domain, CASE state WHEN 'active' THEN 0 "
		"WHEN 'pending' THEN 1 ELSE 2 END, created DESC, "
		"selector DESC", domain, NULL, NULL);
	int rc;

	if (!st)
		return STORE_ERROR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_dkim_key k = {
			.domain = col_text(st, 0),
			.selector = col_text(st, 1),
			.state = col_text(st, 2),
			.bits = sqlite3_column_int(st, 3),
			.created = col_text(st, 4),
			.changed = col_text(st, 5),
		};
		if (cb(&k, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		db_err(s, "read DKIM keys");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? STORE_OK : STORE_ERROR;
}

enum store_status store_dkim_del(struct store *s, const char *domain,
				 const char *selector)
{
	enum store_status st;
	int changes = 0;

	st = exec3(s, "DELETE FROM dkim_key WHERE domain = ?1 AND "
		      "selector = ?2", domain, selector, NULL, &changes);
	if (st == STORE_OK && changes == 0) {
		set_err(s, "domain '%s' has no DKIM key '%s'", domain,
			selector);
		return STORE_NOT_FOUND;
	}
	return st;
}

enum store_status store_dkim_del_domain(struct store *s, const char *domain)
{
	return exec3(s, "DELETE FROM dkim_key WHERE domain = ?1", domain,
		     NULL, NULL, NULL);
}
