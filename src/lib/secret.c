/*
 * secret.c - read a password from standard input and wipe it (see
 * secret.h).
 *
 * Standard input is read byte by byte: no stdio buffer keeps a copy, and
 * what follows the first line stays unread for the caller.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/secret.h"

bool vm_read_secret_stdin(char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return false;
	/* Byte by byte: no stdio buffer keeps a copy, and input after the
	 * first line stays unread. */
	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vm_errno("cannot read standard input");
			vm_explicit_bzero(buf, size);
			return false;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= size) {
			vm_err("password on standard input is longer than %zu "
			       "characters", size - 1);
			vm_explicit_bzero(buf, size);
			vm_explicit_bzero(&c, sizeof c);
			return false;
		}
		buf[n++] = c;
		vm_explicit_bzero(&c, sizeof c);
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0) {
		vm_err("no password on standard input");
		return false;
	}
	return true;
}

void vm_explicit_bzero(void *p, size_t n)
{
	explicit_bzero(p, n);
}
