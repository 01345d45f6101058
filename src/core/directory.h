/*
 * directory.h - the directory (store.h) as commands and setup use it:
 * lookups that answer yes or no, and a failed store call reported the
 * same way everywhere.
 *
 * The store returns a store_status and keeps the reason; these turn a
 * status into what the caller wants to know (is it there?) or into one
 * message on stderr ("database error: ..." for STORE_ERROR, the store's
 * own explanation for refusals such as STORE_EXISTS), so that no caller
 * prints a store failure by hand.
 */
#ifndef VMAIL_DIRECTORY_H
#define VMAIL_DIRECTORY_H

#include <stdbool.h>

#include "store/store.h"

/* A get's status as a lookup: 1 for STORE_OK (found), 0 for
 * STORE_NOT_FOUND, -1 for anything else (reported). */
int directory_found(struct store *s, enum store_status st);
/* Lookups: 1 if the domain is hosted / the mailbox exists, 0 if not,
 * -1 on a store error (reported). */
int directory_domain_exists(struct store *s, const char *domain);
int directory_mailbox_exists(struct store *s, const char *address);

/* Print "vmailctl: domain 'D' is not hosted (see 'vmailctl domain add')"
 * and return false if domain is not in the directory. */
bool directory_require_domain(struct store *s, const char *domain);

/* Report a failed store call: the store's explanation for expected
 * outcomes, "database error: ..." for STORE_ERROR.  Returns
 * VM_EXIT_FAIL. */
int directory_fail(struct store *s, enum store_status st);

/* End a write transaction: commit if st is STORE_OK; otherwise (or if
 * the commit fails) roll back and report why.  Before the commit,
 * rspamd's sender map is rewritten from the changed directory
 * (sender_map_sync); if that fails, the change is rolled back.
 * VM_EXIT_OK (committed, map in step) or VM_EXIT_FAIL (nothing
 * changed). */
int directory_commit(struct store *s, enum store_status st);

#endif
