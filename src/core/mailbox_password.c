/*
 * mailbox_password.c - a new mailbox password, read or generated, and
 * hashed (see mailbox_password.h).
 *
 * A password read from standard input lives only in a buffer on the
 * stack, wiped on every path; a generated one only in the caller's.
 */
#include "core/mailbox_password.h"
#include "lib/diag.h"
#include "lib/password.h"
#include "lib/secret.h"

static bool hash_or_explain(const char *plain, char *hash, size_t hashlen)
{
	char why[128] = "";

	if (password_hash(plain, hash, hashlen, why, sizeof why))
		return true;
	vm_err("password rejected: %s", why[0] ? why : "cannot hash it");
	return false;
}

bool mailbox_password_new(bool from_stdin, char *hash, size_t hashlen,
			  char *generated, size_t genlen)
{
	char plain[VM_PASSWORD_MAX + 1];
	bool ok;

	generated[0] = '\0';
	if (!from_stdin) {
		if (genlen <= MAILBOX_PASSWORD_GENERATED ||
		    !password_generate(generated, MAILBOX_PASSWORD_GENERATED)) {
			vm_err("cannot generate a password");
			return false;
		}
		return hash_or_explain(generated, hash, hashlen);
	}
	if (!vm_read_secret_stdin(plain, sizeof plain)) {   /* says why */
		vm_explicit_bzero(plain, sizeof plain);
		return false;
	}
	ok = hash_or_explain(plain, hash, hashlen);
	vm_explicit_bzero(plain, sizeof plain);
	return ok;
}
