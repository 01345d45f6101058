/*
 * store.h - the directory: domains, mailboxes, aliases, quotas and
 * password hashes.  Every read and write of the directory goes through
 * this interface; nothing else in vmailctl knows it is SQLite, so a
 * PostgreSQL backend can be added behind the same calls later.
 *
 * The SQLite backend (store_sqlite.c) keeps one database file with a
 * rollback journal (journal_mode DELETE), versioned with PRAGMA
 * user_version and upgraded by the migrations in store_schema.c (which
 * keep a copy first, store_files.c).  Postfix (proxymap) and Dovecot
 * (auth-worker) read the same file, read-only, through the queries
 * rendered from templates/, so the table and column names below are a
 * contract with those templates:
 *
 *   domain(name, active, created)
 *   mailbox(address, local_part, domain, password, quota_bytes, active,
 *           created, messages_per_hour, recipients_per_hour)
 *           the last two (schema v3) are the mailbox's own hourly
 *           sending limits: NULL = the server default, 0 = no limit
 *   alias(source, destination, domain, created)   one row per destination;
 *           source "@domain" is a catch-all
 *   dkim_key(domain, selector, state, bits, created)  (schema v2) the
 *           DKIM keys of a domain; state "active" (signing), "pending"
 *           (made by a rotation, waiting for DNS) or "retired"; at most
 *           one active and one pending per domain; deleted with the
 *           domain.  changed (schema v4): when the state last changed
 *           (NULL until then; readers get created instead).  The key
 *           files themselves: lib/dkim.h.
 *
 * All functions take already-validated, lower-cased input (see
 * validate.h); they still use bound parameters only.  Functions return
 * a store_status; on STORE_ERROR, store_errmsg() says why.
 */
#ifndef VMAIL_STORE_H
#define VMAIL_STORE_H

#include <stdbool.h>
#include <stdint.h>

enum store_status {
	STORE_OK = 0,
	STORE_NOT_FOUND,   /* the named object does not exist */
	STORE_EXISTS,      /* it already exists (duplicate) */
	STORE_CONFLICT,    /* refused: dependants exist, or the domain is
	                      not hosted, etc.; store_errmsg() explains */
	STORE_ERROR,       /* database or I/O error */
};

struct store;

struct store_domain {
	const char *name;
	bool active;
	int64_t mailboxes;     /* number of mailboxes in the domain */
	int64_t aliases;       /* number of alias rows in the domain */
	const char *created;   /* "YYYY-MM-DD HH:MM:SS" UTC */
};

/* A mailbox's own hourly sending limit: a number (0 = no limit), or
 * STORE_LIMIT_DEFAULT for the server's default ([limits] in vmail.conf);
 * for store_mailbox_set_limits() also STORE_LIMIT_KEEP. */
#define STORE_LIMIT_DEFAULT (-1)
#define STORE_LIMIT_KEEP (-2)

struct store_mailbox {
	const char *address;
	const char *local_part;
	const char *domain;
	const char *password;  /* the stored hash */
	uint64_t quota_bytes;  /* 0 = unlimited */
	bool active;
	const char *created;
	int64_t messages_per_hour;    /* or STORE_LIMIT_DEFAULT */
	int64_t recipients_per_hour;  /* or STORE_LIMIT_DEFAULT */
};

struct store_alias {
	const char *source;
	const char *destination;
	const char *domain;
	const char *created;
};

struct store_dkim_key {
	const char *domain;
	const char *selector;
	const char *state;     /* "active", "pending" or "retired" */
	int bits;
	const char *created;
	const char *changed;   /* last state change (schema v4), else created */
};

/* Callbacks for list functions; the structs are valid only during the
 * call. Return non-zero to stop iterating. */
typedef int (*store_domain_cb)(const struct store_domain *, void *ctx);
typedef int (*store_mailbox_cb)(const struct store_mailbox *, void *ctx);
typedef int (*store_alias_cb)(const struct store_alias *, void *ctx);
typedef int (*store_dkim_cb)(const struct store_dkim_key *, void *ctx);

/*
 * Open the database at path and bring its schema up to date (keeping a
 * copy of it first, see store_files.c).  create: make it when missing
 * (the commands that change the directory, and setup); without it a
 * missing database is an error that says to run setup (the commands
 * that only read).  The database, -journal, -wal and -shm must each be
 * missing or a regular file of the effective user: a symlink or a file
 * of another owner is refused, naming the file and the fix.
 *
 * The database uses a rollback journal, so the readers need nothing but
 * read access: the file is mode 0640 root:root, and POSIX ACL entries
 * give the users "postfix" and "dovecot" read (Postfix drops its
 * supplementary groups, so a group cannot); see store_grant_readers().
 * A database still in WAL mode (the first release) is switched at once
 * if nothing else has it open, else left in WAL mode for setup to
 * switch (store_uses_wal(), store_leave_wal()).  On failure returns
 * NULL and prints the reason.
 */
struct store *store_open(const char *path, bool create);
void store_close(struct store *s);
/* Whether the database is still in WAL mode (see store_open()). */
bool store_uses_wal(struct store *s);
/* Switch a WAL database to the rollback journal, waiting up to
 * timeout_ms for the other connections to let go of it.  STORE_OK (also
 * when it was not in WAL mode), STORE_CONFLICT when another process
 * still has it open, STORE_ERROR. */
enum store_status store_leave_wal(struct store *s, int timeout_ms);
/* (Re)apply the reader ACLs on the database directory and files; called
 * by setup after the postfix and dovecot users exist: the directory
 * r-x for them (and the same as its default ACL), the database and
 * -journal r--; nobody else but root gets anything.  1 changed, 0
 * already right, -1 error (printed). */
int store_grant_readers(const char *path);
/* How many copies store_open() keeps from before schema migrations. */
#define STORE_BACKUPS_KEPT 3
const char *store_errmsg(const struct store *s);
/* Current and latest schema versions. */
int store_schema_version(struct store *s);
int store_schema_latest(void);

/* Transactions: group several writes so bad input changes nothing. */
enum store_status store_begin(struct store *s);
enum store_status store_commit(struct store *s);
void store_rollback(struct store *s);

/* Domains.  domain_del refuses (STORE_CONFLICT) while mailboxes or
 * aliases exist, unless force is set (then removes them too).  Alias
 * rows of other domains that point into it are left to the caller
 * (core/alias_graph.h). */
enum store_status store_domain_add(struct store *s, const char *name);
enum store_status store_domain_del(struct store *s, const char *name,
				   bool force);
/* Suspend (active false) or resume a domain: its mailboxes and aliases
 * stay, but while it is suspended Postfix and Dovecot see none of them
 * (the queries rendered from templates/ ask for active = 1).
 * STORE_NOT_FOUND if it is not hosted. */
enum store_status store_domain_set_active(struct store *s, const char *name,
					  bool active);
enum store_status store_domain_get(struct store *s, const char *name,
				   store_domain_cb cb, void *ctx);
enum store_status store_domain_list(struct store *s, store_domain_cb cb,
				    void *ctx);

/* Mailboxes.  mailbox_add needs the domain to exist (else
 * STORE_CONFLICT) and the address not to be a mailbox (STORE_EXISTS) or
 * an alias source (STORE_CONFLICT). */
enum store_status store_mailbox_add(struct store *s, const char *address,
				    const char *hash, uint64_t quota_bytes);
/* Removes the mailbox row only; the alias rows that point at it are
 * left to the caller (core/alias_graph.h). */
enum store_status store_mailbox_del(struct store *s, const char *address);
enum store_status store_mailbox_set_password(struct store *s,
					     const char *address,
					     const char *hash);
/* Suspend (active false) or resume a mailbox: it stays, with its
 * mail, but Postfix and Dovecot do not see it while it is suspended
 * (no login, no delivery).  STORE_NOT_FOUND if there is none. */
enum store_status store_mailbox_set_active(struct store *s,
					   const char *address, bool active);
enum store_status store_mailbox_set_quota(struct store *s,
					  const char *address,
					  uint64_t quota_bytes);
/* Set the hourly sending limits of a mailbox: each a number >= 0 (0 = no
 * limit), STORE_LIMIT_DEFAULT or STORE_LIMIT_KEEP (unchanged).  Anything
 * else is STORE_CONFLICT. */
enum store_status store_mailbox_set_limits(struct store *s,
					   const char *address,
					   int64_t messages_per_hour,
					   int64_t recipients_per_hour);
enum store_status store_mailbox_get(struct store *s, const char *address,
				    store_mailbox_cb cb, void *ctx);
/* domain NULL = all domains. */
enum store_status store_mailbox_list(struct store *s, const char *domain,
				     store_mailbox_cb cb, void *ctx);

/* Aliases.  alias_add adds one (source, destination) row; the source's
 * domain must be hosted (STORE_CONFLICT), the source must not be a
 * mailbox (STORE_CONFLICT), and the pair must be new (STORE_EXISTS).
 * alias_del with destination NULL removes every row of source. */
enum store_status store_alias_add(struct store *s, const char *source,
				  const char *destination);
enum store_status store_alias_del(struct store *s, const char *source,
				  const char *destination);
/* domain NULL = all; source NULL = all sources. */
enum store_status store_alias_list(struct store *s, const char *domain,
				   const char *source, store_alias_cb cb,
				   void *ctx);

/* DKIM keys.  dkim_add needs the domain to be hosted (STORE_CONFLICT);
 * a second active or pending key of a domain, or a selector it already
 * has, is STORE_EXISTS.  dkim_set_state: STORE_NOT_FOUND if there is no
 * such key, STORE_EXISTS if it would make a second active or pending
 * one.  dkim_list orders by domain, then active, pending, retired, then
 * newest first; domain NULL = all.  dkim_del_domain removes every key
 * row of the domain (none is fine). */
enum store_status store_dkim_add(struct store *s, const char *domain,
				 const char *selector, const char *state,
				 int bits);
enum store_status store_dkim_set_state(struct store *s, const char *domain,
				       const char *selector,
				       const char *state);
enum store_status store_dkim_list(struct store *s, const char *domain,
				  store_dkim_cb cb, void *ctx);
enum store_status store_dkim_del_domain(struct store *s, const char *domain);
/* Remove one key row (a retired key whose grace period is over):
 * STORE_NOT_FOUND if there is none. */
enum store_status store_dkim_del(struct store *s, const char *domain,
				 const char *selector);

#endif
