/*
 * maildir.h - a mailbox's mail directory on disk, MAIL/DOMAIN/LOCAL
 * (MAIL is [paths] mail in vmail.conf): whether one is there (an address
 * used before: its mail must not pass silently to a new owner), and
 * removing it so that the directory change and the removal happen both
 * or neither ("user del --purge").
 *
 * A purge in three steps, around the caller's transaction:
 *
 *   maildir_purge_prepare()  move the directory aside (one rename, in
 *                            its domain directory: MAIL/DOMAIN/.purge-
 *                            LOCAL-PID) and check, as its owner, that all
 *                            of it can be removed: no entry on another
 *                            file system (a mount point), no directory
 *                            the owner cannot write, nothing immutable or
 *                            append-only.  If not, it goes back and
 *                            nothing has changed.
 *   commit; if that fails, maildir_purge_undo() puts it back.
 *   maildir_purge_finish()   remove it, as its owner (so a directory
 *                            swapped for a symlink meanwhile can only
 *                            lead to what that user could remove anyway).
 *
 * Nothing follows symbolic links or leaves the file system.
 */
#ifndef VMAIL_MAILDIR_H
#define VMAIL_MAILDIR_H

#include <limits.h>
#include <stdbool.h>

/* The mail directory of address into path: 1 if it is there (a
 * directory), 0 if not, -1 if something else is there or the address
 * cannot name one (printed). */
int maildir_find(const char *mail_root, const char *address, char *path,
		 size_t size);

struct maildir_purge {
	char dir[PATH_MAX];     /* MAIL/DOMAIN/LOCAL */
	char aside[PATH_MAX];   /* where prepare moved it */
	bool moved;             /* false: there was nothing to remove */
};

/* See the top.  True when ready (also when there is no directory);
 * false (printed) when it cannot all be removed, with everything as it
 * was. */
bool maildir_purge_prepare(const char *mail_root, const char *address,
			   struct maildir_purge *p);
/* Move it back; false (printed, naming both paths) if it cannot. */
bool maildir_purge_undo(struct maildir_purge *p);
/* Remove what prepare moved aside; false (printed) if some is left. */
bool maildir_purge_finish(struct maildir_purge *p);

#endif
