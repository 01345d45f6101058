/*
 * password.h - password hashing and generation.
 *
 * Hashes are made with libxcrypt's yescrypt ("$y$...") and stored with
 * Dovecot's scheme prefix, "{CRYPT}$y$...", which Dovecot verifies with
 * crypt(3).  Plain passwords only ever live in caller buffers that are
 * wiped after use; they are read from stdin or generated, never taken
 * from argv.
 */
#ifndef VMAIL_PASSWORD_H
#define VMAIL_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define VM_PASSWORD_MAX 511    /* longest accepted plain password (the
                                  * limit of libxcrypt, whose buffer is
                                  * CRYPT_MAX_PASSPHRASE_SIZE = 512) */
#define VM_PASSWORD_MIN 8      /* shortest accepted plain password */
#define VM_HASH_MAX 256        /* room for "{CRYPT}" + a yescrypt hash */

/* Hash plain into out ("{CRYPT}$y$..."). False (with reason) on failure
 * or if plain is shorter than VM_PASSWORD_MIN / longer than MAX or has
 * control characters. */
bool password_hash(const char *plain, char *out, size_t outlen,
		   char *why, size_t whylen);

/* The checks of password_hash() alone (length, no control characters),
 * to refuse a password before asking for it a second time. */
bool password_acceptable(const char *plain, char *why, size_t whylen);

/* Verify plain against a stored "{CRYPT}..." hash. */
bool password_verify(const char *plain, const char *stored);

/* A random password of len characters from an unambiguous alphabet
 * (no 0/O/1/l/I), from the kernel CSPRNG. out must hold len+1. */
bool password_generate(char *out, size_t len);

#endif
