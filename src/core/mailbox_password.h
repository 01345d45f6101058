/*
 * mailbox_password.h - the password of a new mailbox, or a new password
 * for one ("vmailctl user add/passwd", and setup for the admin mailbox).
 *
 * The plain text is generated, read from standard input, or typed on
 * the terminal (twice, without echo) — never taken from argv — and
 * hashed at once (password.h); a generated one is handed back for the
 * caller to print once the change is committed, then wipe.
 */
#ifndef VMAIL_MAILBOX_PASSWORD_H
#define VMAIL_MAILBOX_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* Length of a generated password. */
#define MAILBOX_PASSWORD_GENERATED 16

/* Where a new password comes from. */
enum mailbox_password_source {
	MAILBOX_PASSWORD_GENERATE,   /* random; the caller prints it once */
	MAILBOX_PASSWORD_STDIN,      /* the first line of standard input */
	MAILBOX_PASSWORD_PROMPT,     /* typed twice on the terminal */
};

/*
 * A password chosen by the administrator (src STDIN or PROMPT) into
 * plain (VM_PASSWORD_MAX + 1 bytes): with PROMPT, asked for on the
 * terminal for address, checked, then asked again and compared.  Prints
 * the reason and returns false (plain wiped) if it cannot be read, is
 * not acceptable (password_acceptable()), or the two differ.
 */
bool mailbox_password_read(enum mailbox_password_source src,
			   const char *address, char *plain, size_t size);

/* Hash plain into hash; prints the reason and returns false if it is
 * refused. */
bool mailbox_password_hash(const char *plain, char *hash, size_t hashlen);

/*
 * A new password for the mailbox address, hashed into hash: generated
 * into generated (size >= MAILBOX_PASSWORD_GENERATED + 1) for the
 * caller to print once the change is committed (then wipe it), or
 * chosen by the administrator as mailbox_password_read() has it
 * (generated is then ""). The plain text is never kept anywhere else.
 * Prints the reason and returns false on failure.
 */
bool mailbox_password_new(enum mailbox_password_source src,
			  const char *address, char *hash, size_t hashlen,
			  char *generated, size_t genlen);

#endif
