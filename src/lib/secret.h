/*
 * secret.h - handling secrets (passwords) so that no copy outlives its
 * use: read from standard input or typed on the terminal, never taken
 * from argv, and wiped afterwards.
 *
 * A password read with vm_read_secret_stdin() or vm_read_secret_tty()
 * lives only in the caller's buffer; the caller wipes it with
 * vm_explicit_bzero() as soon as it is hashed, on every path.  Both
 * refuse a line with a NUL byte in it (C strings would cut the password
 * there without a word).  They print the reason when they fail.
 */
#ifndef VMAIL_SECRET_H
#define VMAIL_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Read a secret (a password) from stdin: first line, newline (and a CR
 * before it) stripped.  Fails on empty input, a NUL byte, or a line
 * longer than size-1. */
bool vm_read_secret_stdin(char *buf, size_t size);

/* Ask for a secret on the terminal that is standard input: print prompt
 * (on /dev/tty, else stderr), read one line with echo off, as
 * vm_read_secret_stdin() does.  The terminal's settings come back on
 * every path; SIGINT, SIGTERM and the like still end the program (the
 * terminal restored first), and after a stop (^Z) the prompt is shown
 * again.  Fails if standard input is not a terminal. */
bool vm_read_secret_tty(const char *prompt, char *buf, size_t size);

/* Wipe memory that held a secret. */
void vm_explicit_bzero(void *p, size_t n);

#endif
