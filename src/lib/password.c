/*
 * password.c - hash, verify and generate mailbox passwords (see
 * password.h).
 *
 * "vmailctl user add/passwd" and "setup" (for the admin mailbox) call
 * password_hash() and store the result; Dovecot checks logins against
 * it with crypt(3), so the format must stay "{CRYPT}$y$...".  Random
 * bytes for salts and generated passwords come from getrandom(2).
 */
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "lib/diag.h"
#include "lib/password.h"
#include "lib/secret.h"
#include "lib/str.h"

#define SCHEME "{CRYPT}"
#define SALT_BYTES 32

/* Unambiguous when read aloud or from a screen: no 0/O, 1/l/I. */
static const char ALPHABET[] =
	"abcdefghijkmnopqrstuvwxyz"
	"ABCDEFGHJKLMNPQRSTUVWXYZ"
	"23456789";

/* Fill buf with n bytes from the kernel CSPRNG. */
static bool random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

bool password_acceptable(const char *plain, char *why, size_t whylen)
{
	size_t n = strnlen(plain, VM_PASSWORD_MAX + 1);

	if (n < VM_PASSWORD_MIN)
		return vm_why(why, whylen, "password shorter than %d characters",
			    VM_PASSWORD_MIN);
	if (n > VM_PASSWORD_MAX)
		return vm_why(why, whylen, "password longer than %d characters",
			    VM_PASSWORD_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)plain[i];

		if (c < 0x20 || c == 0x7f)
			return vm_why(why, whylen, "password contains a control "
				    "character");
	}
	return true;
}

/* crypt_rn into a heap crypt_data (it is large); the result is copied
 * to out.  The work area is wiped before it is freed. */
static bool do_crypt(const char *plain, const char *setting, char *out,
		     size_t outlen)
{
	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *h;
	bool ok = false;

	if (!cd)
		return false;
	h = crypt_rn(plain, setting, cd, (int)sizeof *cd);
	if (h && h[0] != '*')
		ok = vm_strlcpy(out, h, outlen);
	vm_explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

bool password_hash(const char *plain, char *out, size_t outlen,
		   char *why, size_t whylen)
{
	unsigned char rnd[SALT_BYTES];
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char hash[CRYPT_OUTPUT_SIZE];
	bool ok;

	if (!password_acceptable(plain, why, whylen))
		return false;
	if (!random_bytes(rnd, sizeof rnd))
		return vm_why(why, whylen, "cannot get random bytes: %s",
			    strerror(errno));
	ok = crypt_gensalt_rn("$y$", 0, (const char *)rnd, (int)sizeof rnd,
			      salt, (int)sizeof salt) != NULL;
	vm_explicit_bzero(rnd, sizeof rnd);
	if (!ok)
		return vm_why(why, whylen, "cannot make a yescrypt salt: %s",
			    strerror(errno));
	if (!do_crypt(plain, salt, hash, sizeof hash) ||
	    strncmp(hash, "$y$", 3) != 0)
		return vm_why(why, whylen, "yescrypt hashing failed");
	if (!vm_snprintf(out, outlen, "%s%s", SCHEME, hash))
		return vm_why(why, whylen, "hash does not fit its buffer");
	return true;
}

/* Compare without leaking where the first difference is. */
static bool equal_ct(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned char diff = 0;

	if (n != strlen(b))
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool password_verify(const char *plain, const char *stored)
{
	char hash[CRYPT_OUTPUT_SIZE];
	const char *setting;
	bool ok;

	if (strncasecmp(stored, SCHEME, strlen(SCHEME)) != 0)
		return false;
	setting = stored + strlen(SCHEME);
	if (setting[0] != '$' || strnlen(plain, VM_PASSWORD_MAX + 1) >
	    VM_PASSWORD_MAX)
		return false;
	if (!do_crypt(plain, setting, hash, sizeof hash))
		return false;
	ok = equal_ct(hash, setting);
	vm_explicit_bzero(hash, sizeof hash);
	return ok;
}

bool password_generate(char *out, size_t len)
{
	const size_t n = sizeof ALPHABET - 1;
	/* Bytes at or above limit are dropped so every character is
	 * equally likely. */
	const unsigned limit = 256 - 256 % n;
	unsigned char rnd[64];
	size_t i = 0;

	while (i < len) {
		if (!random_bytes(rnd, sizeof rnd)) {
			vm_explicit_bzero(out, len);
			return false;
		}
		for (size_t j = 0; j < sizeof rnd && i < len; j++)
			if (rnd[j] < limit)
				out[i++] = ALPHABET[rnd[j] % n];
	}
	out[len] = '\0';
	vm_explicit_bzero(rnd, sizeof rnd);
	return true;
}
