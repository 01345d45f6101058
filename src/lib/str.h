/*
 * str.h - bounded string handling: copies and formats that say when
 * they did not fit, instead of overflowing or truncating silently, and
 * the two small transformations every module needs (lower-casing names,
 * the directory part of a path).
 *
 * Every fixed-size buffer in vmailctl is filled through these, and a
 * false return is an error the caller reports ("path too long").
 */
#ifndef VMAIL_STR_H
#define VMAIL_STR_H

#include <stdbool.h>
#include <stddef.h>

/* Bounded copy; returns false (and truncates) if src did not fit. */
bool vm_strlcpy(char *dst, const char *src, size_t size);
/* snprintf that returns false on truncation or encoding error. */
bool vm_snprintf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Lower-case an ASCII string in place. */
void vm_ascii_lower(char *s);
/* The directory part of path into dir: "." if path has no '/', "/" for
 * "/name".  False if it does not fit. */
bool vm_dir_of(const char *path, char *dir, size_t size);

#endif
