/*
 * secret.h - handling secrets (passwords) so that no copy outlives its
 * use: read from standard input, never from argv, and wiped afterwards.
 *
 * A password read with vm_read_secret_stdin() lives only in the
 * caller's buffer; the caller wipes it with vm_explicit_bzero() as soon
 * as it is hashed, on every path.
 */
#ifndef VMAIL_SECRET_H
#define VMAIL_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Read a secret (a password) from stdin: first line, newline stripped.
 * Fails on empty input or if longer than size-1. */
bool vm_read_secret_stdin(char *buf, size_t size);

/* Wipe memory that held a secret. */
void vm_explicit_bzero(void *p, size_t n);

#endif
