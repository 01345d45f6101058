/*
 * alias_graph.h - where aliases lead: the alias destinations a delete
 * would leave pointing at nothing, and alias loops.
 *
 * Postfix expands an address A (virtual_alias_maps, recursively): a
 * mailbox A (or user@ of user+tag@) delivers; else the rows of alias A
 * (or of user@) give its destinations; else the catch-all @domain; else
 * A is unknown.  An alias destination in a hosted domain that leads to
 * nothing is accepted at RCPT and then bounces.  So:
 *
 * A delete (mailbox, alias, domain) takes with it every destination that
 * names what it removes: the mailbox or alias itself, also as
 * user+tag@, every address of a removed domain, and the addresses that
 * only a removed catch-all covered.  An alias left without destinations
 * is removed too, and so on.  The commands refuse the delete when there
 * are such destinations, naming them, unless --force is given; then the
 * destinations go too (alias_graph_settle()).
 *
 * alias add refuses a destination from which the alias's own address
 * can be reached again (a loop), naming the path (alias_graph_loop()).
 */
#ifndef VMAIL_ALIAS_GRAPH_H
#define VMAIL_ALIAS_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strlist.h"
#include "store/store.h"

/* 1 if Postfix finds something for addr, a mailbox or alias (also as
 * user@ of user+tag@) or its domain's catch-all; 0 if not; -1 on a
 * store error (reported).  For an address in a hosted domain, 0 means
 * mail to it bounces. */
int alias_graph_resolves(struct store *s, const char *addr);
/* 1 if source has alias rows, 0 if not, -1 on a store error
 * (reported). */
int alias_graph_is_alias(struct store *s, const char *source);

/*
 * Inside the caller's transaction, after it removed the mailboxes and
 * alias sources in gone (and the domain gone_domain, or NULL): find the
 * destinations that pointed at them (see the top), remove them, and
 * again for the aliases that left without destinations.  Without force,
 * if there were any, print which ("vmailctl: aliases deliver to
 * WHAT; ..." and the way out) and return
 * STORE_CONFLICT: the caller rolls back.  STORE_OK to commit; a store
 * error is reported and returned.
 */
enum store_status alias_graph_settle(struct store *s, const char *what,
				     const struct vm_strlist *gone,
				     const char *gone_domain, bool force);

/*
 * After the rows of source (with dest among them) are in the store: 1 if
 * Postfix, expanding source, would come back to source through dest;
 * the path ("a@x -> b@x -> a@x") then goes into path.  0 if not, -1 on
 * a store error (reported).
 */
int alias_graph_loop(struct store *s, const char *source, const char *dest,
		     char *path, size_t size);

#endif
