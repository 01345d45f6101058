/*
 * strlist.h - a growable list of strings that owns its copies: the names
 * a command collects from the store before it acts on them (the
 * mailboxes of a domain, the hosted domains), the addresses an alias
 * walk has seen.
 *
 *   struct vm_strlist l = VM_STRLIST_INIT;
 *   if (!vm_strlist_add(&l, "a@example.com")) ... out of memory
 *   vm_strlist_has(&l, "a@example.com")  -> true
 *   vm_strlist_free(&l);
 */
#ifndef VMAIL_STRLIST_H
#define VMAIL_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct vm_strlist {
	char **v;
	size_t n;
};

#define VM_STRLIST_INIT { NULL, 0 }

/* Append a copy of s; false when out of memory (the list is unchanged). */
bool vm_strlist_add(struct vm_strlist *l, const char *s);
/* Whether s is in the list. */
bool vm_strlist_has(const struct vm_strlist *l, const char *s);
/* Drop the last entry (none: nothing). */
void vm_strlist_pop(struct vm_strlist *l);
/* Free every entry and the array; the list is empty again. */
void vm_strlist_free(struct vm_strlist *l);

#endif
