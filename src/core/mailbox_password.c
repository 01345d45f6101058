/*
 * mailbox_password.c - a new mailbox password, generated, read or typed
 * twice, and hashed (see mailbox_password.h).
 *
 * A password read from standard input or the terminal lives only in
 * buffers on the stack, wiped on every path; a generated one only in the
 * caller's.
 */
#include <stdio.h>
#include <string.h>

#include "core/mailbox_password.h"
#include "lib/diag.h"
#include "lib/password.h"
#include "lib/secret.h"

bool mailbox_password_hash(const char *plain, char *hash, size_t hashlen)
{
	char why[128] = "";

	if (password_hash(plain, hash, hashlen, why, sizeof why))
		return true;
	vm_err("password rejected: %s", why[0] ? why : "cannot hash it");
	return false;
}

static bool acceptable_or_explain(const char *plain)
{
	char why[128] = "";

	if (password_acceptable(plain, why, sizeof why))
		return true;
	vm_err("password rejected: %s", why);
	return false;
}

/* Ask twice on the terminal; the same both times and acceptable. */
static bool prompt_twice(const char *address, char *plain, size_t size)
{
	char again[VM_PASSWORD_MAX + 1], prompt[400];
	bool ok;

	snprintf(prompt, sizeof prompt, "New password for %s: ", address);
	if (!vm_read_secret_tty(prompt, plain, size))
		return false;
	/* Refused at once, not after typing it a second time. */
	if (!acceptable_or_explain(plain))
		return false;
	snprintf(prompt, sizeof prompt, "Retype the new password for %s: ",
		 address);
	ok = vm_read_secret_tty(prompt, again, sizeof again);
	if (ok && strcmp(plain, again) != 0) {
		vm_err("the passwords do not match; nothing was changed");
		ok = false;
	}
	vm_explicit_bzero(again, sizeof again);
	return ok;
}

bool mailbox_password_read(enum mailbox_password_source src,
			   const char *address, char *plain, size_t size)
{
	bool ok;

	if (src == MAILBOX_PASSWORD_PROMPT)
		ok = prompt_twice(address, plain, size);
	else
		ok = vm_read_secret_stdin(plain, size) &&   /* says why */
		     acceptable_or_explain(plain);
	if (!ok)
		vm_explicit_bzero(plain, size);
	return ok;
}

bool mailbox_password_new(enum mailbox_password_source src,
			  const char *address, char *hash, size_t hashlen,
			  char *generated, size_t genlen)
{
	char plain[VM_PASSWORD_MAX + 1];
	bool ok;

	generated[0] = '\0';
	if (src == MAILBOX_PASSWORD_GENERATE) {
		if (genlen <= MAILBOX_PASSWORD_GENERATED ||
		    !password_generate(generated, MAILBOX_PASSWORD_GENERATED)) {
			vm_err("cannot generate a password");
			return false;
		}
		return mailbox_password_hash(generated, hash, hashlen);
	}
	ok = mailbox_password_read(src, address, plain, sizeof plain) &&
	     mailbox_password_hash(plain, hash, hashlen);
	vm_explicit_bzero(plain, sizeof plain);
	return ok;
}
