/*
 * rspamd_map.h - writing a map file for rspamd from a store listing.
 *
 * vmail hands rspamd what it needs from the directory as file maps:
 * the DKIM selectors (dkim_keys.h) and users' own sending limits
 * (send_limits.h).  Their writers put the lines of a store listing into
 * a struct vm_buf and finish with rspamd_map_write(), which writes the
 * file only if it differs.  rspamd re-reads a changed map by itself (it
 * polls file maps every 3 seconds: templates/rspamd/options.inc); it is
 * not reloaded, because a reload briefly tempfails every message
 * passing through the milter.  The maps that follow the directory
 * (sending limits, senders) live beside vmail.conf: rspamd_map_path().
 */
#ifndef VMAIL_RSPAMD_MAP_H
#define VMAIL_RSPAMD_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

/* The group rspamd runs as: it reads the maps through it. */
#define RSPAMD_GROUP "_rspamd"

/* The path of the map file name in the directory of config_path()
 * (/etc/vmail, or that of $VMAIL_CONF).  False if it does not fit. */
bool rspamd_map_path(const char *name, char *out, size_t size);

/* Finish a map for rspamd whose lines a store listing put into b:
 * unless the listing failed (st, reported then), write the text to path
 * as 0640 root:_rspamd (rspamd reads it, and re-reads it by itself) if
 * it differs.  b is emptied either way.  1 written, 0 already right, -1
 * error (printed). */
struct vm_buf;
int rspamd_map_write(struct store *s, enum store_status st,
		     struct vm_buf *b, const char *path);

/* The same for a map beside vmail.conf (rspamd_map_path(name)) whose
 * text fill() puts into the buffer from the store. */
int rspamd_map_sync(struct store *s, const char *name,
		    enum store_status (*fill)(struct store *, struct vm_buf *));

#endif
