/*
 * socketmap.h - Postfix's socketmap protocol (socketmap_table(5)), the
 * server side: requests and replies are netstrings.
 *
 *	request:  LEN ":" NAME " " KEY ","      "17:dane example.com,"
 *	reply:    LEN ":" STATUS " " DATA ","   "8:OK dane,"
 *
 * STATUS is OK (DATA is the result), NOTFOUND (DATA empty), TEMP,
 * TIMEOUT or PERM (DATA a reason).  Used by "vmailctl tls-policy"
 * (cmd_tls_policy.c); the parser is pure, for the unit tests and
 * tests/fuzz/fuzz_socketmap.c.
 */
#ifndef VMAIL_SOCKETMAP_H
#define VMAIL_SOCKETMAP_H

#include <stdbool.h>
#include <stddef.h>

/* Postfix's limit on a netstring's length (socketmap_table(5)). */
#define SOCKETMAP_MAX 100000
#define SOCKETMAP_NAME_MAX 64

struct socketmap_request {
	char name[SOCKETMAP_NAME_MAX + 1];   /* the map's name */
	const char *key;      /* points into the buffer, NUL-terminated
				 there (the "," is overwritten) */
	size_t key_len;
};

/*
 * Parse the first request of buf[len].  Returns 1 with *req filled and
 * *used the bytes it took (buf is changed: the key is terminated in
 * place), 0 when buf holds only the start of a request (read more), -1
 * when buf is not a request (a bad length, no ":" or ",", a length over
 * SOCKETMAP_MAX, no space between name and key, a NUL in it, a name
 * too long): the connection cannot go on.
 */
int socketmap_parse(char *buf, size_t len, struct socketmap_request *req,
		    size_t *used);

/*
 * The reply netstring for status and data (data may be NULL: empty)
 * into out[size], NUL-terminated; returns its length, or 0 if it does
 * not fit (or data has a NUL, which it cannot).
 */
size_t socketmap_reply(const char *status, const char *data, char *out,
		       size_t size);

#endif
