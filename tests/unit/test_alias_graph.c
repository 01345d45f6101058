/*
 * test_alias_graph.c - unit tests for core/alias_graph.c: what a delete
 * takes with it (direct destinations, user+tag, a catch-all's coverage,
 * a domain, and transitively aliases left empty), what it leaves alone,
 * refusal without force, and loops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/alias_graph.h"
#include "store/store.h"
#include "store_fixture.h"

#define HASH "{CRYPT}$y$j9T$salt$hash"

static int append_row(const struct store_alias *a, void *ctx)
{
	char *out = ctx;

	snprintf(out + strlen(out), 1024 - strlen(out), "%s>%s ", a->source,
		 a->destination);
	return 0;
}

/* Every alias row as "src>dst src>dst ", sorted by the store. */
static const char *rows(struct store *s)
{
	static char out[1024];

	out[0] = '\0';
	assert_int_equal(store_alias_list(s, NULL, NULL, append_row, out),
			 STORE_OK);
	return out;
}

static void add(struct store *s, const char *src, const char *dst)
{
	assert_int_equal(store_alias_add(s, src, dst), STORE_OK);
}

/* a.test: mailboxes bob, carol; aliases as the tests need. */
static int setup(void **state)
{
	struct fixture *f;

	store_fixture_setup(state);
	f = *state;
	assert_int_equal(store_domain_add(f->s, "a.test"), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "b.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "bob@a.test", HASH, 0),
			 STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "carol@a.test", HASH, 0),
			 STORE_OK);
	return 0;
}

/* Delete the mailbox and settle, in a transaction; commit if OK. */
static enum store_status del_mailbox(struct store *s, const char *address,
				     bool force)
{
	struct vm_strlist gone = VM_STRLIST_INIT;
	enum store_status st;

	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(store_mailbox_del(s, address), STORE_OK);
	assert_true(vm_strlist_add(&gone, address));
	st = alias_graph_settle(s, "it", &gone, NULL, force);
	vm_strlist_free(&gone);
	if (st == STORE_OK)
		assert_int_equal(store_commit(s), STORE_OK);
	else
		store_rollback(s);
	return st;
}

static void test_mailbox_refused_then_forced(void **state)
{
	struct fixture *f = *state;

	add(f->s, "team@a.test", "bob@a.test");
	add(f->s, "team@a.test", "carol@a.test");
	add(f->s, "only@a.test", "bob+x@a.test");
	add(f->s, "outer@b.test", "only@a.test");
	add(f->s, "fwd@a.test", "someone@else.example");
	const char *before = strdup(rows(f->s));
	assert_int_equal(del_mailbox(f->s, "bob@a.test", false), STORE_CONFLICT);
	assert_string_equal(rows(f->s), before);
	free((void *)before);
	assert_int_equal(del_mailbox(f->s, "bob@a.test", true), STORE_OK);
	/* only@ went with bob+x@, outer@ with only@; the rest stays. */
	assert_string_equal(rows(f->s), "fwd@a.test>someone@else.example "
					"team@a.test>carol@a.test ");
}

static void test_unrelated_rows_stay(void **state)
{
	struct fixture *f = *state;

	add(f->s, "x@a.test", "carol@a.test");
	assert_int_equal(del_mailbox(f->s, "bob@a.test", false), STORE_OK);
	assert_string_equal(rows(f->s), "x@a.test>carol@a.test ");
}

static void test_catch_all_coverage(void **state)
{
	struct fixture *f = *state;
	struct vm_strlist gone = VM_STRLIST_INIT;

	add(f->s, "@a.test", "carol@a.test");
	add(f->s, "x@b.test", "anyone@a.test");   /* only the catch-all */
	add(f->s, "y@b.test", "bob@a.test");      /* a mailbox */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_alias_del(f->s, "@a.test", NULL), STORE_OK);
	assert_true(vm_strlist_add(&gone, "@a.test"));
	assert_int_equal(alias_graph_settle(f->s, "it", &gone, NULL, true),
			 STORE_OK);
	vm_strlist_free(&gone);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_string_equal(rows(f->s), "y@b.test>bob@a.test ");
}

static void test_domain_takes_what_points_in(void **state)
{
	struct fixture *f = *state;
	const struct vm_strlist none = VM_STRLIST_INIT;

	add(f->s, "x@b.test", "bob@a.test");
	add(f->s, "x@b.test", "ext@else.example");
	add(f->s, "y@b.test", "whatever@a.test");
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_domain_del(f->s, "a.test", true), STORE_OK);
	assert_int_equal(alias_graph_settle(f->s, "it", &none, "a.test", false),
			 STORE_CONFLICT);
	store_rollback(f->s);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(store_domain_del(f->s, "a.test", true), STORE_OK);
	assert_int_equal(alias_graph_settle(f->s, "it", &none, "a.test", true),
			 STORE_OK);
	assert_int_equal(store_commit(f->s), STORE_OK);
	assert_string_equal(rows(f->s), "x@b.test>ext@else.example ");
}

static void test_loops(void **state)
{
	struct fixture *f = *state;
	char path[256];

	add(f->s, "a@a.test", "bob@a.test");
	add(f->s, "b@a.test", "a@a.test");
	add(f->s, "a@a.test", "b@a.test");
	assert_int_equal(alias_graph_loop(f->s, "a@a.test", "b@a.test", path,
					  sizeof path), 1);
	assert_string_equal(path, "a@a.test -> b@a.test -> a@a.test");
	assert_int_equal(alias_graph_loop(f->s, "b@a.test", "a@a.test", path,
					  sizeof path), 1);
	/* A mailbox ends the walk; an external address too. */
	add(f->s, "c@a.test", "bob@a.test");
	add(f->s, "c@a.test", "ext@else.example");
	assert_int_equal(alias_graph_loop(f->s, "c@a.test", "bob@a.test", path,
					  sizeof path), 0);
	/* Through a catch-all. */
	add(f->s, "@b.test", "d@a.test");
	add(f->s, "d@a.test", "nobody@b.test");
	assert_int_equal(alias_graph_loop(f->s, "d@a.test", "nobody@b.test",
					  path, sizeof path), 1);
	assert_string_equal(path, "d@a.test -> nobody@b.test -> @b.test -> "
			    "d@a.test");
	/* A path that does not fit is cut, not overrun. */
	assert_int_equal(alias_graph_loop(f->s, "d@a.test", "nobody@b.test",
					  path, 10), 1);
	assert_int_equal(strlen(path), 9);
}

static void test_resolves(void **state)
{
	struct fixture *f = *state;

	add(f->s, "list@a.test", "bob@a.test");
	assert_int_equal(alias_graph_resolves(f->s, "bob@a.test"), 1);
	assert_int_equal(alias_graph_resolves(f->s, "bob+tag@a.test"), 1);
	assert_int_equal(alias_graph_resolves(f->s, "list+x@a.test"), 1);
	assert_int_equal(alias_graph_resolves(f->s, "ghost@a.test"), 0);
	add(f->s, "@a.test", "bob@a.test");
	assert_int_equal(alias_graph_resolves(f->s, "ghost@a.test"), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, store_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_mailbox_refused_then_forced),
		T(test_unrelated_rows_stay),
		T(test_catch_all_coverage),
		T(test_domain_takes_what_points_in),
		T(test_loops),
		T(test_resolves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
