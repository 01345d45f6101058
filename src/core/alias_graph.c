/*
 * alias_graph.c - what aliases lead to: the destinations a delete leaves
 * pointing at nothing, and loops (see alias_graph.h for the rules).
 *
 * Both walk the alias rows through the store.h listing calls; a
 * directory has at most some thousands of rows, so each round simply
 * reads them all.
 */
#include <stdio.h>
#include <string.h>

#include "core/alias_graph.h"
#include "core/directory.h"
#include "lib/diag.h"
#include "lib/str.h"
#include "lib/validate.h"

/* The rows read from the store: sources and destinations side by side. */
struct rows {
	struct vm_strlist src, dst;
	bool oom;
};

static int collect_row(const struct store_alias *a, void *ctx)
{
	struct rows *r = ctx;

	if (!vm_strlist_add(&r->src, a->source) ||
	    !vm_strlist_add(&r->dst, a->destination)) {
		r->oom = true;
		return 1;
	}
	return 0;
}

static void free_rows(struct rows *r)
{
	vm_strlist_free(&r->src);
	vm_strlist_free(&r->dst);
}

/* The rows of source (NULL: all). */
static enum store_status read_rows(struct store *s, const char *source,
				   struct rows *r)
{
	enum store_status st = store_alias_list(s, NULL, source, collect_row,
						r);

	if (st == STORE_OK && r->oom) {
		vm_err("out of memory");
		return STORE_ERROR;
	}
	if (st != STORE_OK)
		directory_fail(s, st);
	return st;
}

/* addr without a "+tag" in its local part (user+tag@d -> user@d). */
static void base_of(const char *addr, char *out, size_t size)
{
	const char *plus = strchr(addr, '+'), *at = strrchr(addr, '@');

	vm_strlcpy(out, addr, size);
	if (plus && at && plus < at && (size_t)(plus - addr) < size)
		snprintf(out + (plus - addr), size - (size_t)(plus - addr),
			 "%s", at);
}

/* "@domain" of addr. */
static void catch_all_of(const char *addr, char *out, size_t size)
{
	const char *at = strrchr(addr, '@');

	snprintf(out, size, "@%s", at ? at + 1 : "");
}

int alias_graph_is_alias(struct store *s, const char *source)
{
	struct rows r = { VM_STRLIST_INIT, VM_STRLIST_INIT, false };
	enum store_status st = read_rows(s, source, &r);
	int n = (int)r.src.n;

	free_rows(&r);
	return st != STORE_OK ? -1 : n > 0;
}

/* 1 if Postfix finds something for addr (a mailbox or alias, also as
 * user@, or the catch-all), 0 if not, -1 on error. */
int alias_graph_resolves(struct store *s, const char *addr)
{
	char base[VM_ADDRESS_MAX + 1], all[VM_DOMAIN_MAX + 2];
	int r;

	base_of(addr, base, sizeof base);
	catch_all_of(addr, all, sizeof all);
	if ((r = directory_mailbox_exists(s, addr)) != 0 ||
	    (r = directory_mailbox_exists(s, base)) != 0 ||
	    (r = alias_graph_is_alias(s, addr)) != 0 || (r = alias_graph_is_alias(s, base)) != 0)
		return r;
	return alias_graph_is_alias(s, all);
}

/* 1 if the destination dst named something gone (see alias_graph.h),
 * 0 if not, -1 on error. */
static int points_at_gone(struct store *s, const char *dst,
			  const struct vm_strlist *gone,
			  const char *gone_domain)
{
	char base[VM_ADDRESS_MAX + 1], all[VM_DOMAIN_MAX + 2];
	const char *at = strrchr(dst, '@');
	int r;

	if (!at)   /* not an address (validated before it was stored) */
		return 0;
	if (gone_domain && !strcmp(at + 1, gone_domain))
		return 1;
	base_of(dst, base, sizeof base);
	if (vm_strlist_has(gone, dst) || vm_strlist_has(gone, base))
		return 1;
	catch_all_of(dst, all, sizeof all);
	if (!vm_strlist_has(gone, all) ||
	    (r = directory_domain_exists(s, at + 1)) == 0)
		return 0;
	return r < 0 ? -1 : (r = alias_graph_resolves(s, dst)) < 0 ? -1 : !r;
}

/* One round: remove the rows that point at gone, list them in removed
 * ("SOURCE -> DEST"), and add the sources left without rows to gone.
 * How many rows it removed, or -1. */
static int remove_round(struct store *s, struct vm_strlist *gone,
			const char *gone_domain, struct vm_strlist *removed)
{
	struct rows all = { VM_STRLIST_INIT, VM_STRLIST_INIT, false };
	struct vm_strlist hit_src = VM_STRLIST_INIT;
	char line[2 * VM_ADDRESS_MAX + 8];
	int n = 0, r = 0;

	if (read_rows(s, NULL, &all) != STORE_OK)
		return -1;
	for (size_t i = 0; r >= 0 && i < all.src.n; i++) {
		enum store_status st;

		if ((r = points_at_gone(s, all.dst.v[i], gone,
					gone_domain)) <= 0)
			continue;
		snprintf(line, sizeof line, "%s -> %s", all.src.v[i],
			 all.dst.v[i]);
		st = store_alias_del(s, all.src.v[i], all.dst.v[i]);
		if (st != STORE_OK) {
			directory_fail(s, st);
			r = -1;
		} else if (!vm_strlist_add(removed, line) ||
			   (!vm_strlist_has(&hit_src, all.src.v[i]) &&
			    !vm_strlist_add(&hit_src, all.src.v[i]))) {
			vm_err("out of memory");
			r = -1;
		} else {
			n++;
		}
	}
	for (size_t i = 0; r >= 0 && i < hit_src.n; i++) {
		if ((r = alias_graph_is_alias(s, hit_src.v[i])) == 0 &&
		    !vm_strlist_add(gone, hit_src.v[i]))
			r = -1;
	}
	free_rows(&all);
	vm_strlist_free(&hit_src);
	return r < 0 ? -1 : n;
}

enum store_status alias_graph_settle(struct store *s, const char *what,
				     const struct vm_strlist *gone_in,
				     const char *gone_domain, bool force)
{
	struct vm_strlist gone = VM_STRLIST_INIT, removed = VM_STRLIST_INIT;
	enum store_status ret = STORE_OK;
	int n;

	for (size_t i = 0; i < gone_in->n; i++)
		if (!vm_strlist_add(&gone, gone_in->v[i])) {
			vm_err("out of memory");
			vm_strlist_free(&gone);
			return STORE_ERROR;
		}
	while ((n = remove_round(s, &gone, gone_domain, &removed)) > 0)
		;
	if (n < 0)
		ret = STORE_ERROR;
	else if (removed.n && !force) {
		vm_err("aliases deliver to %s; deleting it would leave them "
		       "accepting mail that then bounces:", what);
		for (size_t i = 0; i < removed.n; i++)
			vm_err("  %s", removed.v[i]);
		vm_err("remove those destinations first ('vmailctl alias del "
		       "SOURCE DEST'), or add --force to remove them with it "
		       "(an alias left without destinations goes too)");
		ret = STORE_CONFLICT;
	}
	vm_strlist_free(&gone);
	vm_strlist_free(&removed);
	return ret;
}

/* ---- loops --------------------------------------------------------- */

/* The next nodes Postfix goes to from node (an address or "@domain"),
 * into next.  0, or -1 on error. */
static int successors(struct store *s, const char *node,
		      struct vm_strlist *next)
{
	char base[VM_ADDRESS_MAX + 1], all[VM_DOMAIN_MAX + 2];
	struct rows r = { VM_STRLIST_INIT, VM_STRLIST_INIT, false };
	int m;

	if (node[0] != '@') {
		base_of(node, base, sizeof base);
		catch_all_of(node, all, sizeof all);
		if ((m = directory_mailbox_exists(s, node)) != 0 ||
		    (m = directory_mailbox_exists(s, base)) != 0)
			return m < 0 ? -1 : 0;   /* delivered */
		if ((m = alias_graph_is_alias(s, node)) < 0)
			return -1;
		if (!m) {       /* user+tag@ as user@, else the catch-all */
			const char *via = strcmp(base, node) ? base : NULL;
			if (via && (m = alias_graph_is_alias(s, via)) < 0)
				return -1;
			if (!via || !m)
				via = all;
			return vm_strlist_add(next, via) ? 0 : -1;
		}
	}
	if (read_rows(s, node, &r) != STORE_OK)
		return -1;
	for (size_t i = 0; i < r.dst.n; i++)
		if (!vm_strlist_add(next, r.dst.v[i])) {
			free_rows(&r);
			return -1;
		}
	free_rows(&r);
	return 0;
}

/* Depth-first from the last node of path; 1 when target is reached
 * (path ends with it), 0 if not, -1 on error.  seen stops a walk from
 * going round a loop that does not contain target. */
static int walk(struct store *s, const char *target, struct vm_strlist *path,
		struct vm_strlist *seen)
{
	struct vm_strlist next = VM_STRLIST_INIT;
	int r = 0;

	if (path->n > 1000)   /* Postfix's virtual_alias_recursion_limit */
		return 0;
	if (successors(s, path->v[path->n - 1], &next) < 0)
		r = -1;
	for (size_t i = 0; r == 0 && i < next.n; i++) {
		if (vm_strlist_has(seen, next.v[i]))
			continue;
		if (!vm_strlist_add(path, next.v[i]) ||
		    !vm_strlist_add(seen, next.v[i])) {
			r = -1;
			break;
		}
		if (!strcmp(next.v[i], target))
			r = 1;
		else if ((r = walk(s, target, path, seen)) == 0)
			vm_strlist_pop(path);
	}
	vm_strlist_free(&next);
	return r;
}

int alias_graph_loop(struct store *s, const char *source, const char *dest,
		     char *out, size_t size)
{
	struct vm_strlist path = VM_STRLIST_INIT, seen = VM_STRLIST_INIT;
	int r = -1;

	if (vm_strlist_add(&path, source) && vm_strlist_add(&path, dest) &&
	    vm_strlist_add(&seen, dest))
		r = !strcmp(dest, source) ? 1 : walk(s, source, &path, &seen);
	if (r > 0) {
		size_t len = 0;
		out[0] = '\0';
		for (size_t i = 0; i < path.n; i++)
			len += (size_t)snprintf(out + (len < size ? len : size),
						len < size ? size - len : 0,
						"%s%s", i ? " -> " : "",
						path.v[i]);
	}
	if (r < 0 && !path.n)
		vm_err("out of memory");
	vm_strlist_free(&path);
	vm_strlist_free(&seen);
	return r;
}
