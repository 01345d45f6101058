/*
 * test_recipient_list.c - unit tests for the backup MX's recipient list
 * (src/core/recipient_list.c): what the primary lists (active domains,
 * active mailboxes and alias sources of active domains, catch-alls,
 * sorted, each once; nothing suspended), that the backup's parser takes
 * exactly that text back, refuses every malformed or cut-short list with
 * the line it stopped at, and writes the two texthash maps.  Each test
 * gets a fresh database in a temporary directory.
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

#include "core/recipient_list.h"
#include "lib/buf.h"
#include "store/store.h"
#include "store_fixture.h"

#define HASH "{CRYPT}$y$j9T$salt$hash"

static int setup(void **state)
{
	struct fixture *f;

	store_fixture_setup(state);
	f = *state;
	assert_int_equal(store_domain_add(f->s, "example.org"), STORE_OK);
	assert_int_equal(store_domain_add(f->s, "example.com"), STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "bob@example.com", HASH, 0),
			 STORE_OK);
	assert_int_equal(store_mailbox_add(f->s, "alice@example.com", HASH, 0),
			 STORE_OK);
	return 0;
}

static void sql(struct fixture *f, const char *q)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static char *list_of(struct store *s)
{
	struct vm_buf b = VM_BUF_INIT;
	char *text;

	assert_int_equal(recipient_list_text(s, &b), STORE_OK);
	text = vm_buf_take(&b, NULL);
	assert_non_null(text);
	return text;
}

static void test_lists_the_directory(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_int_equal(store_alias_add(f->s, "sales@example.org",
					 "bob@example.com"), STORE_OK);
	assert_int_equal(store_alias_add(f->s, "@example.org",
					 "alice@example.com"), STORE_OK);
	/* two destinations: the source is listed once */
	assert_int_equal(store_alias_add(f->s, "sales@example.org",
					 "alice@example.com"), STORE_OK);
	text = list_of(f->s);
	assert_string_equal(text, "vmail-recipients 1\n"
				  "domain example.com\n"
				  "domain example.org\n"
				  "rcpt @example.org\n"
				  "rcpt alice@example.com\n"
				  "rcpt bob@example.com\n"
				  "rcpt sales@example.org\n"
				  "end 6\n");
	free(text);
}

static void test_suspended_are_left_out(void **state)
{
	struct fixture *f = *state;
	char *text;

	assert_int_equal(store_alias_add(f->s, "sales@example.org",
					 "bob@example.com"), STORE_OK);
	sql(f, "UPDATE mailbox SET active = 0 WHERE address = 'alice@example.com';"
	       "UPDATE domain SET active = 0 WHERE name = 'example.org';");
	text = list_of(f->s);
	assert_string_equal(text, "vmail-recipients 1\n"
				  "domain example.com\n"
				  "rcpt bob@example.com\n"
				  "end 2\n");
	free(text);
}

static void test_parse_round_trip_and_maps(void **state)
{
	struct fixture *f = *state;
	struct recipient_list l = RECIPIENT_LIST_INIT;
	struct vm_buf b = VM_BUF_INIT;
	char why[256], *text = list_of(f->s), *map;

	assert_true(recipient_list_parse(text, strlen(text), &l, why,
					 sizeof why));
	assert_int_equal(l.domains.n, 2);
	assert_int_equal(l.rcpts.n, 2);
	recipient_list_rcpts_map(&l, &b);
	map = vm_buf_take(&b, NULL);
	assert_non_null(strstr(map, "\nalice@example.com OK\nbob@example.com OK\n"));
	free(map);
	/* a catch-all in access(5) form: the domain */
	assert_true(vm_strlist_add(&l.rcpts, "@example.org"));
	recipient_list_rcpts_map(&l, &b);
	map = vm_buf_take(&b, NULL);
	assert_non_null(strstr(map, "\nbob@example.com OK\nexample.org OK\n"));
	assert_null(strstr(map, "@example.org"));
	free(map);
	recipient_list_domains_map(&l, &b);
	map = vm_buf_take(&b, NULL);
	assert_non_null(strstr(map, "\nexample.com OK\nexample.org OK\n"));
	assert_null(strstr(map, "bob"));
	free(map);
	recipient_list_free(&l);
	free(text);
}

/* Each bad list is refused with a reason naming the problem. */
static void test_parse_refuses(void **state)
{
	static const struct { const char *text, *why; } bad[] = {
		{ "", "cut short" },
		{ "vmail-recipients 2\nend 0\n", "line 1" },
		{ "vmail-recipients 1\ndomain example.com\n", "cut short" },
		{ "vmail-recipients 1\ndomain example.com\nend 1", "does not end" },
		{ "vmail-recipients 1\ndomain example.com\nend 2\n", "counts 2" },
		{ "vmail-recipients 1\ndomain Example.com\nend 1\n", "bad domain" },
		{ "vmail-recipients 1\ndomain b.com\ndomain a.com\nend 2\n",
		  "out of order" },
		{ "vmail-recipients 1\ndomain a.com\ndomain a.com\nend 2\n",
		  "out of order or twice" },
		{ "vmail-recipients 1\ndomain a.com\nrcpt x@b.com\nend 2\n",
		  "in no listed domain" },
		{ "vmail-recipients 1\ndomain a.com\nrcpt x y@a.com\nend 2\n",
		  "bad address" },
		{ "vmail-recipients 1\ndomain a.com\nrcpt x@a.com\n"
		  "domain b.com\nend 3\n", "a domain after" },
		{ "vmail-recipients 1\nend 0\nend 0\n", "after the \"end\"" },
		{ "vmail-recipients 1\nhello\nend 0\n", "line 2: expected" },
		{ "vmail-recipients 1\nend -1\n", "bad \"end\"" },
		{ "vmail-recipients 1\nend 0x\n", "counts" },
	};
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct recipient_list l = RECIPIENT_LIST_INIT;

		why[0] = '\0';
		if (recipient_list_parse(bad[i].text, strlen(bad[i].text), &l,
					 why, sizeof why))
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(why, bad[i].why))
			fail_msg("'%s': reason '%s', expected '%s'", bad[i].text,
				 why, bad[i].why);
		assert_int_equal(l.domains.n + l.rcpts.n, 0);
	}
	/* a NUL byte */
	{
		struct recipient_list l = RECIPIENT_LIST_INIT;
		static const char t[] = "vmail-recipients 1\nend 0\n\0";

		assert_false(recipient_list_parse(t, sizeof t - 1, &l, why,
						  sizeof why));
		assert_non_null(strstr(why, "NUL"));
	}
}

static void test_parse_empty_list(void **state)
{
	struct recipient_list l = RECIPIENT_LIST_INIT;
	static const char t[] = "vmail-recipients 1\nend 0\n";
	char why[128];

	(void)state;
	assert_true(recipient_list_parse(t, strlen(t), &l, why, sizeof why));
	assert_int_equal(l.domains.n + l.rcpts.n, 0);
	recipient_list_free(&l);
}

static void test_pairing_line(void **state)
{
	char token[RECIPIENT_TOKEN_LEN + 1], pin[RECIPIENT_PIN_LEN + 1];
	char line[200], hex_a[65], hex_b[65];

	(void)state;
	memset(hex_a, 'a', 64);
	hex_a[64] = '\0';
	memset(hex_b, '0', 64);
	hex_b[64] = '\0';
	snprintf(line, sizeof line, "vmail-backup-mx 1 %s %s", hex_a, hex_b);
	assert_true(recipient_pairing_parse(line, token, pin));
	assert_string_equal(token, hex_a);
	assert_string_equal(pin, hex_b);
	/* anything else is refused */
	snprintf(line, sizeof line, "vmail-backup-mx 1 %s %s ", hex_a, hex_b);
	assert_false(recipient_pairing_parse(line, token, pin));
	snprintf(line, sizeof line, "vmail-backup-mx 2 %s %s", hex_a, hex_b);
	assert_false(recipient_pairing_parse(line, token, pin));
	snprintf(line, sizeof line, "vmail-backup-mx 1 %s %.63sA", hex_a, hex_b);
	assert_false(recipient_pairing_parse(line, token, pin));
	snprintf(line, sizeof line, "vmail-backup-mx 1 %.63s %s", hex_a, hex_b);
	assert_false(recipient_pairing_parse(line, token, pin));
	assert_string_equal(token, "");
	assert_false(recipient_pairing_parse("", token, pin));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lists_the_directory, setup,
						store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_suspended_are_left_out,
						setup, store_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_parse_round_trip_and_maps,
						setup, store_fixture_teardown),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_empty_list),
		cmocka_unit_test(test_pairing_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
