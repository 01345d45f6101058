/*
 * sender_map.h - who may use which sender address, for rspamd.
 *
 * On the submission ports Postfix lets a logged-in user give only a
 * MAIL FROM they own (reject_sender_login_mismatch over
 * smtpd_sender_login_maps, templates/postfix/sqlite-sender-login.cf).
 * The header From is what a reader sees and what DKIM signs, and
 * Postfix cannot check it: rspamd does (VMAIL_FROM_NOT_OWNED in
 * templates/rspamd/rspamd.lua), with the same answer, read from a map
 * file that vmailctl keeps in step with the directory:
 *
 *   /etc/vmail/senders.map     "ADDRESS OWNER[,OWNER...]" per line
 *
 * (in the directory of vmail.conf, so $VMAIL_CONF moves it for tests).
 * Ownership means exactly what the Postfix query says:
 *   - an active mailbox in an active domain owns its own address;
 *   - an alias ("local@domain", or the catch-all "@domain") in an active
 *     domain is owned by each active mailbox it delivers to directly
 *     (a destination that is itself an alias, or an external address,
 *     owns nothing).
 * The lookup order is Postfix's too (rspamd.lua does it): the address,
 * then without its "+extension", then "@domain"; the first key found
 * decides.  So the owner of a catch-all may send as every address of
 * its domain that is neither a mailbox nor an alias, as Postfix allows
 * it for MAIL FROM.
 *
 * Keys and owners are written lower-case, with every byte other than
 * [a-z0-9@._+-] as %XX (a local part may hold '#', which starts a
 * comment in rspamd's map files); rspamd.lua encodes what it looks up
 * the same way.  The map is rewritten after every committed change of
 * the directory (directory_commit()) and by setup; rspamd re-reads it by
 * itself (rspamd_map.h).
 */
#ifndef VMAIL_SENDER_MAP_H
#define VMAIL_SENDER_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define SENDER_MAP_NAME "senders.map"

/* The map's path: the directory of config_path() plus the name. */
bool sender_map_path(char *out, size_t size);

/* The map's text (header comment and lines, sorted) appended to b,
 * from the store.  STORE_OK, or the failed listing's status (b is then
 * incomplete).  For tests and sender_map_sync(). */
struct vm_buf;
enum store_status sender_map_text(struct store *s, struct vm_buf *b);

/* Write the map from the store, 0640 root:_rspamd, only if it changed.
 * 1 written, 0 unchanged, -1 error (printed). */
int sender_map_sync(struct store *s);

#endif
