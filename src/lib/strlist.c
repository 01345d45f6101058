/*
 * strlist.c - a growable list of owned strings (see strlist.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/strlist.h"

bool vm_strlist_add(struct vm_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	char *copy;

	if (!v)
		return false;
	l->v = v;
	if (!(copy = strdup(s)))
		return false;
	v[l->n++] = copy;
	return true;
}

bool vm_strlist_has(const struct vm_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

void vm_strlist_pop(struct vm_strlist *l)
{
	if (l->n)
		free(l->v[--l->n]);
}

void vm_strlist_free(struct vm_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
