/*
 * send_limits.h - the hourly sending limits of logged-in users, as the
 * rate-limit rule in rspamd sees them (VMAIL_RATELIMIT in
 * templates/rspamd/rspamd.lua).  The server defaults are [limits]
 * messages_per_hour and recipients_per_hour in vmail.conf (rendered into
 * the rule by setup); a mailbox's own limits are in the directory
 * (store_mailbox_set_limits) and reach rspamd through a map file that
 * commands rewrite after every change ("vmailctl user limit", "user
 * del", "domain del") and setup on every run:
 *
 *   /etc/vmail/ratelimit.map     "ADDRESS MESSAGES RECIPIENTS" per line,
 *                                "-" = the server default, 0 = no limit
 *
 * (in the directory of vmail.conf, so $VMAIL_CONF moves it for tests).
 */
#ifndef VMAIL_SEND_LIMITS_H
#define VMAIL_SEND_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define SEND_LIMITS_MAP_NAME "ratelimit.map"

/* The map's path: the directory of config_path() plus the name. */
bool send_limits_map_path(char *out, size_t size);

/*
 * Write the map from the store: one line per mailbox with a limit of
 * its own, sorted by domain and local part, atomically, mode 0640
 * root:_rspamd (when run as root and that group exists), and only if
 * the content changed.  1 written, 0 unchanged, -1 error (printed).
 * rspamd notices a new map by itself within about 3 seconds; it is not
 * reloaded (a reload briefly tempfails all mail through the milter).
 */
int send_limits_sync_map(struct store *s);

#endif
