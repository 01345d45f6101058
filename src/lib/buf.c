/*
 * buf.c - the growable string (see buf.h).
 *
 * The allocation doubles as needed, starting at VM_BUF_MIN, and running
 * out of memory turns into a sticky flag, so that code building text
 * stays a plain list of appends.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

#define VM_BUF_MIN 1024   /* first allocation */

/* Make room for n more bytes plus the NUL; false (and nomem) if the
 * memory cannot be had. */
static bool buf_reserve(struct vm_buf *b, size_t n)
{
	size_t need, cap;
	char *d;

	if (b->nomem)
		return false;
	if (n > SIZE_MAX - b->len - 1) {
		b->nomem = true;
		return false;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : VM_BUF_MIN;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (!(d = realloc(b->data, cap))) {
		b->nomem = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

bool vm_buf_add(struct vm_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return !b->nomem;
	if (!buf_reserve(b, n))
		return false;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool vm_buf_puts(struct vm_buf *b, const char *s)
{
	return vm_buf_add(b, s, strlen(s));
}

bool vm_buf_printf(struct vm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->nomem)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->nomem = true;
		return false;
	}
	if (!buf_reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

void vm_buf_truncate(struct vm_buf *b, size_t len)
{
	if (b->nomem || len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

char *vm_buf_take(struct vm_buf *b, size_t *len)
{
	char *data;

	if (!b->nomem && !b->data)
		buf_reserve(b, 0);   /* "" for an empty buffer */
	if (b->nomem) {
		vm_buf_free(b);
		errno = ENOMEM;
		return NULL;
	}
	data = b->data;
	data[b->len] = '\0';
	if (len)
		*len = b->len;
	*b = (struct vm_buf)VM_BUF_INIT;
	return data;
}

void vm_buf_free(struct vm_buf *b)
{
	free(b->data);
	*b = (struct vm_buf)VM_BUF_INIT;
}
