/*
 * test_postfix_alias_maps.c - the SQL of two Postfix maps, run as
 * Postfix's sqlite client runs it ('%s' replaced by the address looked
 * up) on a directory made by the store: templates/postfix/
 * sqlite-aliases.cf (the destinations of an alias that lead to a live
 * address, however deep), sqlite-recipient-unavailable.cf (the 550 for
 * a suspended mailbox, and for an alias that leads only to suspended
 * ones; DUNNO for what exists and is live) and sqlite-mailbox-self.cf
 * (suspended mailboxes too, so a catch-all never takes their mail).
 * The end-to-end side is tests/e2e/test_771.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"
#include "store/store.h"
#include "store_fixture.h"

#define HASH "{CRYPT}$y$j9T$salt$hash"

/* The query of a map file: "query = " and its continuation lines. */
static char *map_query(const char *file)
{
	char path[256], *text, *q, *out, *o;

	snprintf(path, sizeof path, "%s/postfix/%s",
		 getenv("VMAIL_TEMPLATES") ? getenv("VMAIL_TEMPLATES") :
		 "templates", file);
	assert_non_null(text = vm_read_file(path, NULL));
	assert_non_null(q = strstr(text, "\nquery = "));
	q += strlen("\nquery = ");
	assert_non_null(out = malloc(strlen(q) + 1));
	for (o = out; *q; q++) {
		if (*q == '\n' && q[1] != ' ')
			break;
		*o++ = *q;
	}
	*o = '\0';
	free(text);
	return out;
}

static int collect(void *ctx, int n, char **values, char **names)
{
	char *out = ctx;

	(void)n;
	(void)names;
	snprintf(out + strlen(out), 512 - strlen(out), "%s%s",
		 *out ? " " : "", values[0]);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the space-separated words of s in place. */
static void sort_words(char *s)
{
	char copy[512], *words[32], *save = NULL, *w;
	size_t n = 0;

	snprintf(copy, sizeof copy, "%s", s);
	for (w = strtok_r(copy, " ", &save); w && n < 32;
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	qsort(words, n, sizeof *words, by_name);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(s + strlen(s), 512 - strlen(s), "%s%s", i ? " " : "",
			 words[i]);
}

/* The rows the map returns for address, space-separated, sorted (a map
 * gives a set: Postfix joins the rows with commas). */
static const char *lookup(struct fixture *f, const char *file,
			  const char *address)
{
	static char out[512];
	char *query = map_query(file), *sql, *p, *o;
	size_t n = 0;
	sqlite3 *db;

	for (p = query; (p = strstr(p, "%s")); p += 2)
		n++;
	assert_non_null(sql = malloc(strlen(query) + n * strlen(address) + 1));
	for (p = query, o = sql; *p;) {
		if (p[0] == '%' && p[1] == 's') {
			memcpy(o, address, strlen(address));
			o += strlen(address);
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	out[0] = '\0';
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY,
					 NULL), SQLITE_OK);
	if (sqlite3_exec(db, sql, collect, out, NULL) != SQLITE_OK)
		fail_msg("%s: %s", file, sqlite3_errmsg(db));
	sqlite3_close(db);
	if (!strchr(out, ' ') || !strncmp(out, "550 ", 4))
		return free(sql), free(query), out;
	sort_words(out);
	free(sql);
	free(query);
	return out;
}

#define ALIASES "sqlite-aliases.cf"
#define UNAVAILABLE "sqlite-recipient-unavailable.cf"
#define SELF "sqlite-mailbox-self.cf"
#define REFUSED "550 5.1.1 Mailbox unavailable"

static void add(struct store *s, const char *src, const char *dst)
{
	assert_int_equal(store_alias_add(s, src, dst), STORE_OK);
}

/* a.test: mailboxes bob (active) and sue (to be suspended); off.test:
 * carl, in a domain to be suspended. */
static int setup(void **state)
{
	struct fixture *f;

	store_fixture_setup(state);
	f = *state;
	assert_int_equal(store_domain_add(f->s, "a.test"), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "off.test"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "bob@a.test", HASH, 0), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "sue@a.test", HASH, 0), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "carl@off.test", HASH, 0), STORE_OK);
	return 0;
}

static void suspend(struct fixture *f)
{
	assert_int_equal(store_mailbox_set_active(f->s, "sue@a.test", false),
			 STORE_OK);
	assert_int_equal(store_domain_set_active(f->s, "off.test", false),
			 STORE_OK);
}

/* Nothing suspended: every destination, deep or not, is returned. */
static void test_all_live(void **state)
{
	struct fixture *f = *state;

	add(f->s, "team@a.test", "sue@a.test");
	add(f->s, "team@a.test", "bob+team@a.test");
	add(f->s, "all@a.test", "team@a.test");
	add(f->s, "all@a.test", "friend@elsewhere.example");
	assert_string_equal(lookup(f, ALIASES, "team@a.test"),
			    "bob+team@a.test sue@a.test");
	assert_string_equal(lookup(f, ALIASES, "all@a.test"),
			    "friend@elsewhere.example team@a.test");
	assert_string_equal(lookup(f, UNAVAILABLE, "team@a.test"), "DUNNO");
	assert_string_equal(lookup(f, UNAVAILABLE, "sue@a.test"), "DUNNO");
	assert_string_equal(lookup(f, UNAVAILABLE, "nobody@a.test"), "");
	assert_string_equal(lookup(f, ALIASES, "nobody@a.test"), "");
	assert_string_equal(lookup(f, SELF, "sue@a.test"), "sue@a.test");
}

/* A suspended mailbox or domain at the end of a path drops that
 * destination, at any depth; the others stay. */
static void test_suspended_at_any_depth(void **state)
{
	struct fixture *f = *state;

	add(f->s, "sues@a.test", "sue@a.test");
	add(f->s, "deep@a.test", "sues@a.test");
	add(f->s, "deep@a.test", "bob@a.test");
	add(f->s, "carls@a.test", "carl@off.test");
	add(f->s, "tagged@a.test", "sue+x@a.test");
	suspend(f);
	assert_string_equal(lookup(f, ALIASES, "sues@a.test"), "");
	assert_string_equal(lookup(f, ALIASES, "deep@a.test"), "bob@a.test");
	assert_string_equal(lookup(f, ALIASES, "carls@a.test"), "");
	assert_string_equal(lookup(f, ALIASES, "tagged@a.test"), "");
	assert_string_equal(lookup(f, UNAVAILABLE, "sue@a.test"), REFUSED);
	assert_string_equal(lookup(f, UNAVAILABLE, "sues@a.test"), REFUSED);
	assert_string_equal(lookup(f, UNAVAILABLE, "tagged@a.test"), REFUSED);
	assert_string_equal(lookup(f, UNAVAILABLE, "deep@a.test"), "DUNNO");
	assert_string_equal(lookup(f, UNAVAILABLE, "bob@a.test"), "DUNNO");
	/* Suspended, it still maps to itself: the catch-all never gets its
	 * mail.  A suspended domain's mailboxes are not hosted at all. */
	assert_string_equal(lookup(f, SELF, "sue@a.test"), "sue@a.test");
	assert_string_equal(lookup(f, SELF, "carl@off.test"), "");
	/* Postfix looks sue+x up as is first: not refused by that key, it
	 * then asks for sue@a.test, which is. */
	assert_string_equal(lookup(f, UNAVAILABLE, "sue+x@a.test"), "");
	/* A suspended domain's addresses are not hosted any more: the
	 * domain check refuses them before this map (554 5.7.1). */
	assert_string_equal(lookup(f, UNAVAILABLE, "carl@off.test"), "");
}

/* A catch-all covers what has no row of its own, in the walk as in
 * Postfix; a suspended mailbox is refused, not sent to the catch-all. */
static void test_catch_all(void **state)
{
	struct fixture *f = *state;

	add(f->s, "@a.test", "bob@a.test");
	add(f->s, "via@a.test", "unknown-here@a.test");
	suspend(f);
	assert_string_equal(lookup(f, ALIASES, "@a.test"), "bob@a.test");
	assert_string_equal(lookup(f, ALIASES, "via@a.test"),
			    "unknown-here@a.test");
	assert_string_equal(lookup(f, UNAVAILABLE, "sue@a.test"), REFUSED);
	assert_string_equal(lookup(f, UNAVAILABLE, "unknown-here@a.test"), "");
	assert_int_equal(store_mailbox_set_active(f->s, "bob@a.test", false),
			 STORE_OK);
	assert_string_equal(lookup(f, ALIASES, "@a.test"), "");
	assert_string_equal(lookup(f, UNAVAILABLE, "via@a.test"), REFUSED);
}

/* An alias source may hold '+' (a mailbox name may not): Postfix asks
 * for "sales+eu" first, and on "found" never goes on to "sales", which
 * may be dead; a suspended mailbox's own "+tag" alias is its own. */
static void test_tagged_alias_sources(void **state)
{
	struct fixture *f = *state;

	add(f->s, "sales+eu@a.test", "bob@a.test");
	add(f->s, "sales@a.test", "sue@a.test");
	add(f->s, "sue+lists@a.test", "bob@a.test");
	suspend(f);
	assert_string_equal(lookup(f, UNAVAILABLE, "sales+eu@a.test"), "DUNNO");
	assert_string_equal(lookup(f, UNAVAILABLE, "sue+lists@a.test"), "DUNNO");
	assert_string_equal(lookup(f, UNAVAILABLE, "sales@a.test"), REFUSED);
	assert_string_equal(lookup(f, ALIASES, "sales+eu@a.test"), "bob@a.test");
	assert_string_equal(lookup(f, ALIASES, "sue+lists@a.test"), "bob@a.test");
}

/* As long a path as Postfix follows (its recursion limit is 1000), and
 * a loop (vmailctl refuses to make one) ends without a live address. */
static void test_long_paths_and_loops(void **state)
{
	struct fixture *f = *state;
	char src[64], dst[64];

	for (int i = 0; i < 60; i++) {
		snprintf(src, sizeof src, "hop%d@a.test", i);
		snprintf(dst, sizeof dst, "hop%d@a.test", i + 1);
		add(f->s, src, dst);
	}
	add(f->s, "hop60@a.test", "bob@a.test");
	add(f->s, "p@a.test", "q@a.test");
	add(f->s, "q@a.test", "p@a.test");
	assert_string_equal(lookup(f, ALIASES, "hop0@a.test"), "hop1@a.test");
	assert_string_equal(lookup(f, UNAVAILABLE, "hop0@a.test"), "DUNNO");
	assert_string_equal(lookup(f, ALIASES, "p@a.test"), "");
	assert_string_equal(lookup(f, UNAVAILABLE, "p@a.test"), REFUSED);
}

/* An alias of a suspended domain on the way is not followed: Postfix
 * would send that address out, to the MX that is this server. */
static void test_suspended_domain_on_the_way(void **state)
{
	struct fixture *f = *state;

	add(f->s, "x@a.test", "fwd@off.test");
	add(f->s, "fwd@off.test", "bob@a.test");
	assert_string_equal(lookup(f, ALIASES, "x@a.test"), "fwd@off.test");
	suspend(f);
	assert_string_equal(lookup(f, ALIASES, "x@a.test"), "");
	assert_string_equal(lookup(f, UNAVAILABLE, "x@a.test"), REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_live, setup,
						store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_suspended_at_any_depth,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_catch_all, setup,
						store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_tagged_alias_sources,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_long_paths_and_loops,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_suspended_domain_on_the_way,
						setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
