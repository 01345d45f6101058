/*
 * buf.h - struct vm_buf, the one growable string of vmailctl: text that
 * grows piece by piece (rendered templates, merged configs, captured
 * program output, the maps written for rspamd) is built in one.
 *
 * Bytes are appended at the end; the text is always NUL-terminated once
 * anything was added.  Start from VM_BUF_INIT.  Appending never needs
 * checking piece by piece: when memory runs out (or a format cannot be
 * expanded) the buffer remembers it in nomem, ignores what follows, and
 * vm_buf_take() fails.  The append functions return false once that has
 * happened, for callers that want to stop early.
 *
 *	struct vm_buf b = VM_BUF_INIT;
 *	vm_buf_puts(&b, "name = ");
 *	vm_buf_printf(&b, "%d\n", 42);
 *	text = vm_buf_take(&b, &len);    NULL: out of memory
 */
#ifndef VMAIL_BUF_H
#define VMAIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct vm_buf {
	char *data;     /* NULL until something is added */
	size_t len;     /* bytes in data, not counting the NUL */
	size_t cap;     /* bytes allocated */
	bool nomem;     /* an append failed; sticky */
};
#define VM_BUF_INIT { NULL, 0, 0, false }

bool vm_buf_add(struct vm_buf *b, const void *p, size_t n);
bool vm_buf_puts(struct vm_buf *b, const char *s);
bool vm_buf_printf(struct vm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Cut the text back to its first len bytes (no-op if it is shorter, or
 * after a failure). */
void vm_buf_truncate(struct vm_buf *b, size_t len);
/* Hand over the text (malloc'd, NUL-terminated, "" if nothing was
 * added; *len set if len is non-NULL) and leave b empty for reuse.
 * NULL with errno ENOMEM if an append failed (the text is freed). */
char *vm_buf_take(struct vm_buf *b, size_t *len);
/* Free the text and leave b empty. */
void vm_buf_free(struct vm_buf *b);

#endif
