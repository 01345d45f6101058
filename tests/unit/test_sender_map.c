/*
 * test_sender_map.c - unit tests for rspamd's map of who owns which
 * sender address (src/core/sender_map.c) and for directory_commit(),
 * which rewrites it with every change: the same owners as the Postfix
 * query of sqlite-sender-login.cf (mailboxes own themselves, aliases and
 * catch-alls are owned by the active mailboxes they deliver to, nothing
 * of an inactive domain or mailbox), sorted, encoded, and a change that
 * cannot be written to the map is undone.  Each test gets a fresh
 * database and $VMAIL_CONF in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/directory.h"
#include "core/sender_map.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "store/store.h"
#include "store_fixture.h"

#define HASH "{CRYPT}$y$j9T$salt$hash"

static int setup(void **state)
{
	struct fixture *f;
	char conf[128];

	store_fixture_setup(state);
	f = *state;
	snprintf(conf, sizeof conf, "%s/vmail.conf", f->dir);
	assert_int_equal(setenv("VMAIL_CONF", conf, 1), 0);
	assert_int_equal(store_domain_add(f->s, "example.com"), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "example.org"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "bob@example.com", HASH, 0),
			 STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "alice@example.com", HASH, 0),
			 STORE_OK);
	return 0;
}

/* The map's lines, without the header comment. */
static char *lines(struct store *s)
{
	struct vm_buf b = VM_BUF_INIT;
	char *text, *body;

	assert_int_equal(sender_map_text(s, &b), STORE_OK);
	text = vm_buf_take(&b, NULL);
	assert_non_null(text);
	body = text;
	while (*body == '#')
		body = strchr(body, '\n') + 1;
	memmove(text, body, strlen(body) + 1);
	return text;
}

static void assert_lines(struct store *s, const char *want)
{
	char *got = lines(s);

	assert_string_equal(got, want);
	free(got);
}

static void sql(struct fixture *f, const char *stmt)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, stmt, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_mailboxes_own_themselves(void **state)
{
	struct fixture *f = *state;

	assert_lines(f->s, "alice@example.com alice@example.com\n"
			   "bob@example.com bob@example.com\n");
}

static void test_aliases_are_owned_by_the_mailboxes_they_name(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_alias_add(f->s, "sales@example.org",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "sales@example.org",
					 "alice@example.com"), STORE_OK);
	/* outside, or another alias: no owner of its own */
	assert_int_equal(store_alias_add(f->s, "sales@example.org",
					 "x@example.net"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "fwd@example.com",
					 "x@example.net"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "chain@example.com",
					 "sales@example.org"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "@example.org",
					 "bob@example.com"), STORE_OK);
	assert_lines(f->s, "@example.org bob@example.com\n"
			   "alice@example.com alice@example.com\n"
			   "bob@example.com bob@example.com\n"
			   "sales@example.org alice@example.com,bob@example.com\n");
}

static void test_inactive_owns_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_alias_add(f->s, "info@example.org",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "help@example.com",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "help@example.com",
					 "alice@example.com"), STORE_OK);
	sql(f, "UPDATE mailbox SET active = 0 WHERE address = 'alice@example.com';"
	       "UPDATE domain SET active = 0 WHERE name = 'example.org';");
	assert_lines(f->s, "bob@example.com bob@example.com\n"
			   "help@example.com bob@example.com\n");
}

static void test_odd_bytes_are_encoded(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_mailbox_add(f->s, "a#b&c@example.com", HASH, 0),
			 STORE_OK);
	assert_lines(f->s, "a%23b%26c@example.com a%23b%26c@example.com\n"
			   "alice@example.com alice@example.com\n"
			   "bob@example.com bob@example.com\n");
}

static char *map_file(void)
{
	char path[512];

	assert_true(sender_map_path(path, sizeof path));
	return vm_read_file(path, NULL);
}

static void test_commit_rewrites_the_map(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(directory_commit(f->s, store_mailbox_add(
			 f->s, "carol@example.org", HASH, 0)), VM_EXIT_OK);
	text = map_file();
	assert_non_null(text);
	assert_non_null(strstr(text, "\ncarol@example.org carol@example.org\n"));
	assert_non_null(strstr(text, "# senders.map"));
	free(text);

	/* a failed change leaves the map as it was */
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(directory_commit(f->s, store_mailbox_add(
			 f->s, "carol@example.org", HASH, 0)), VM_EXIT_FAIL);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(directory_commit(f->s, store_mailbox_del(
			 f->s, "carol@example.org")), VM_EXIT_OK);
	text = map_file();
	assert_null(strstr(text, "carol@"));
	free(text);
}

static void test_unwritable_map_undoes_the_change(void **state)
{
	struct fixture *f = *state;
	char conf[160];

	snprintf(conf, sizeof conf, "%s/no-such-dir/vmail.conf", f->dir);
	assert_int_equal(setenv("VMAIL_CONF", conf, 1), 0);
	assert_int_equal(store_begin(f->s), STORE_OK);
	assert_int_equal(directory_commit(f->s, store_mailbox_add(
			 f->s, "dave@example.com", HASH, 0)), VM_EXIT_FAIL);
	assert_int_equal(directory_mailbox_exists(f->s, "dave@example.com"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mailboxes_own_themselves,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_aliases_are_owned_by_the_mailboxes_they_name,
			setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_inactive_owns_nothing,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_odd_bytes_are_encoded,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_commit_rewrites_the_map,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_unwritable_map_undoes_the_change,
			setup, store_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
