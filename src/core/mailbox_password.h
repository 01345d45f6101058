/*
 * mailbox_password.h - the password of a new mailbox, or a new password
 * for one ("vmailctl user add/passwd", and setup for the admin mailbox).
 *
 * The plain text is read from standard input or generated, never taken
 * from argv, and hashed at once (password.h); a generated one is handed
 * back for the caller to print once the change is committed, then wipe.
 */
#ifndef VMAIL_MAILBOX_PASSWORD_H
#define VMAIL_MAILBOX_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Length of a generated password. */
#define MAILBOX_PASSWORD_GENERATED 16

/*
 * A new password for a mailbox, hashed into hash.  With from_stdin, one
 * line is read from standard input; otherwise a password is generated
 * into generated (size >= MAILBOX_PASSWORD_GENERATED + 1) for the caller
 * to print once the change is committed (then wipe it).  The plain text
 * is never kept anywhere else.  Prints the reason and returns false on
 * failure (unreadable input, too short, ...).
 */
bool mailbox_password_new(bool from_stdin, char *hash, size_t hashlen,
			  char *generated, size_t genlen);

#endif
