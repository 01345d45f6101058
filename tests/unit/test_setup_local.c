/*
 * test_setup_local.c - unit tests for src/setup/setup_local.c: the merge
 * of /etc/vmail/local/postfix-main.cf over the rendered main.cf
 * (postfix_main_merge: replaced in place, appended, comments kept,
 * continuation lines, bad lines with their numbers, CRLF), and the
 * setup_local_*() functions that read the override files.
 *
 * Run by "make test"; the file tests work in a private mkdtemp()
 * directory.
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
#include "lib/str.h"
#include "scratch_dir.h"
#include "setup/setup.h"

#define SET "# (set in local.cf)\n"
#define ADDED "\n# ---- added from local.cf ----\n"

/* Merge and compare with want, showing all three texts on a mismatch. */
static void expect_merge(const char *rendered, const char *overrides,
			 const char *want)
{
	int bad = 12345;
	char *got = postfix_main_merge(rendered, overrides, "local.cf", &bad);

	if (!got)
		fail_msg("merge failed (bad_line %d)\n--- rendered:\n%s\n"
			 "--- overrides:\n%s", bad, rendered, overrides);
	if (strcmp(got, want))
		fail_msg("--- rendered:\n%s\n--- overrides:\n%s\n--- got:\n%s\n"
			 "--- want:\n%s", rendered, overrides, got, want);
	free(got);
}

/* The merge must fail, blaming line bad_want (negative: of rendered). */
static void expect_bad(const char *rendered, const char *overrides,
		       int bad_want)
{
	int bad = 12345;
	char *got = postfix_main_merge(rendered, overrides, "local.cf", &bad);

	if (got)
		fail_msg("merge accepted bad input:\n%s", got);
	assert_int_equal(bad, bad_want);
}

/* ---- the merge ------------------------------------------------------- */

static void test_replace_in_place(void **state)
{
	(void)state;
	expect_merge("a = 1\nb = 2\nc = 3\n", "b = 20\n",
		     "a = 1\n" SET "b = 20\nc = 3\n");
	/* every overridden key keeps its place, in the rendered order */
	expect_merge("a = 1\nb = 2\nc = 3\n", "c=30\na = 10\n",
		     SET "a = 10\nb = 2\n" SET "c=30\n");
}

static void test_continuation_replaced_whole(void **state)
{
	(void)state;
	expect_merge("a = 1\nb = x,\n    y,\n\tz\nc = 3\n", "b = w\n",
		     "a = 1\n" SET "b = w\nc = 3\n");
	/* a comment inside a logical line belongs to it (as for Postfix) */
	expect_merge("a = 1,\n# about 2\n  2\nb = 3\n", "a = 0\n",
		     SET "a = 0\nb = 3\n");
}

static void test_new_keys_appended(void **state)
{
	(void)state;
	expect_merge("a = 1\n", "new = 5\nother = 6\n",
		     "a = 1\n" ADDED "new = 5\nother = 6\n");
	/* replaced and new in one file; new ones keep their order */
	expect_merge("a = 1\nb = 2\n", "z = 26\nb = 3\ny = 25\n",
		     "a = 1\n" SET "b = 3\n" ADDED "z = 26\ny = 25\n");
	expect_merge("", "a = 1\n", ADDED "a = 1\n");
}

static void test_comments_and_blank_lines_kept(void **state)
{
	(void)state;
	expect_merge("# head\n\na = 1\n# about b\nb = 2\n\n# tail\n",
		     "# my comment\n\nb = 3\n# trailing\n",
		     "# head\n\na = 1\n# about b\n" SET "b = 3\n\n# tail\n");
	/* blank lines with blanks in them are blank lines */
	expect_merge("a = 1\n \t\nb = 2\n", "   \n# x\nb = 3\n",
		     "a = 1\n \t\n" SET "b = 3\n");
}

static void test_override_with_continuation_lines(void **state)
{
	(void)state;
	expect_merge("a = 1\nb = 2\n",
		     "b = x,\n  y\n# between\n\tz\nnew = p,\n q\n",
		     "a = 1\n" SET "b = x,\n  y\n# between\n\tz\n"
		     ADDED "new = p,\n q\n");
	/* a blank line does not end a logical line: the next indented
	 * line still continues it, as Postfix reads it */
	expect_merge("a = 1\n", "b = 1\n\n  x = y\n",
		     "a = 1\n" ADDED "b = 1\n\n  x = y\n");
}

static void test_malformed_override_rejected(void **state)
{
	(void)state;
	expect_bad("a = 1\n", "b = 2\nno equals sign\n", 2);
	expect_bad("a = 1\n", "= value\n", 1);
	expect_bad("a = 1\n", "# fine\n\nb = 2\nc\n", 4);
	expect_bad("a = 1\n", "b = 2\nc = 3\nbad-name = 4\n", 3);
	expect_bad("a = 1\n", "  continues nothing\n", 1);
	expect_bad("a = 1\n", "# comment\n\tcontinues nothing\n", 2);
}

static void test_overlong_name_rejected(void **state)
{
	char text[300];

	(void)state;
	memset(text, 'n', 200);
	strcpy(text + 200, " = 1\n");
	expect_bad("a = 1\n", text, 1);
}

static void test_malformed_rendered_rejected(void **state)
{
	(void)state;
	expect_bad("a = 1\nbroken\n", "a = 2\n", -2);
	expect_bad("  x\n", "", -1);
}

static void test_prefix_names_are_different_keys(void **state)
{
	(void)state;
	expect_merge("smtpd_tls = a\nsmtpd_tls_cert_file = b\n",
		     "smtpd_tls_cert_file = c\n",
		     "smtpd_tls = a\n" SET "smtpd_tls_cert_file = c\n");
	expect_merge("smtpd_tls_cert_file = b\nsmtpd_tls = a\n",
		     "smtpd_tls = z\n",
		     "smtpd_tls_cert_file = b\n" SET "smtpd_tls = z\n");
	expect_merge("smtpd_tls_cert_file = b\n", "smtpd_tls = z\n",
		     "smtpd_tls_cert_file = b\n" ADDED "smtpd_tls = z\n");
}

static void test_empty_overrides_change_nothing(void **state)
{
	static const char main_cf[] =
		"# main.cf\n\nmyhostname = mail.example.com\n"
		"smtpd_recipient_restrictions =\n"
		"    permit_mynetworks,\n    reject_unauth_destination\n\n";

	(void)state;
	expect_merge(main_cf, "", main_cf);
	expect_merge(main_cf, "# only a comment\n\n", main_cf);
	expect_merge("", "", "");
}

static void test_last_of_duplicate_overrides_wins(void **state)
{
	(void)state;
	expect_merge("a = 1\n", "a = 2\na = 3\n", SET "a = 3\n");
	expect_merge("a = 1\n", "b = 2\nb = 3\n", "a = 1\n" ADDED "b = 3\n");
}

static void test_crlf(void **state)
{
	(void)state;
	/* CRLF lines are taken as lines; a CR alone on a line is blank */
	expect_merge("a = 1\nb = 1\n", "a = 2\r\n\r\n# note\r\nb = 3\r\n",
		     SET "a = 2\r\n" SET "b = 3\r\n");
	expect_merge("a = 1\r\n\r\nb = 1\r\n", "b = 2\r\n",
		     "a = 1\r\n\r\n" SET "b = 2\r\n");
	expect_merge("a = 1\n", "b = x,\r\n  y\r\n",
		     "a = 1\n" ADDED "b = x,\r\n  y\r\n");
	/* but a CR is not a name */
	expect_bad("a = 1\n", "\rb = 2\n", 1);
}

static void test_missing_final_newline(void **state)
{
	(void)state;
	expect_merge("a = 1\nb = 2", "b = 3", "a = 1\n" SET "b = 3\n");
	expect_merge("a = 1\nb = 2", "c = 3", "a = 1\nb = 2\n" ADDED "c = 3\n");
	expect_merge("a = 1\n# end", "", "a = 1\n# end\n");
	expect_merge("a = 1\n", "b = 2\n# end", "a = 1\n" ADDED "b = 2\n");
	expect_merge("a = 1\n", "b = x,\n  y", "a = 1\n" ADDED "b = x,\n  y\n");
}

/* ---- the override files ---------------------------------------------- */

static void write_local(const char *name, const char *text)
{
	char path[512];

	scratch_path(path, sizeof path, name);
	assert_int_equal(vm_write_file_if_changed(path, text, strlen(text),
						  0644, (uid_t)-1,
						  (gid_t)-1), 1);
}

static void remove_local(const char *name)
{
	char path[512];

	scratch_path(path, sizeof path, name);
	assert_int_equal(remove(path), 0);
}

/* A setup_local_*() function. */
typedef char *apply_fn(const char *local_dir, char *text);

/* rendered (copied) through apply with the scratch directory as the
 * local directory; the result must not be NULL. */
static char *applied(apply_fn *apply, const char *rendered)
{
	char *text = strdup(rendered), *got;

	assert_non_null(text);
	got = apply(scratch_dir, text);
	assert_non_null(got);
	return got;
}

static void test_missing_files_leave_text_alone(void **state)
{
	char *text = strdup("a = 1\n"), *got;

	(void)state;
	assert_non_null(text);
	got = setup_local_postfix_main(scratch_dir, text);
	assert_ptr_equal(got, text);
	got = setup_local_postfix_master(scratch_dir, got);
	assert_ptr_equal(got, text);
	got = setup_local_dovecot(scratch_dir, got);
	assert_ptr_equal(got, text);
	assert_string_equal(got, "a = 1\n");
	free(got);
}

static void test_postfix_files(void **state)
{
	char want[1024], *main_cf, *master_cf;

	(void)state;
	write_local("postfix-main.cf", "b = 3\nc = 4\n");
	write_local("postfix-master.cf", "extra unix - n n - - pipe");
	main_cf = applied(setup_local_postfix_main, "a = 1\nb = 2\n");
	master_cf = applied(setup_local_postfix_master, "smtp inet\n");

	assert_true(vm_snprintf(want, sizeof want,
				"a = 1\n# (set in %s/postfix-main.cf)\nb = 3\n"
				"\n# ---- added from %s/postfix-main.cf ----\n"
				"c = 4\n", scratch_dir, scratch_dir));
	assert_string_equal(main_cf, want);
	assert_true(vm_snprintf(want, sizeof want,
				"smtp inet\n\n# ---- appended from "
				"%s/postfix-master.cf ----\n"
				"extra unix - n n - - pipe\n", scratch_dir));
	assert_string_equal(master_cf, want);
	free(main_cf);
	free(master_cf);

	write_local("postfix-main.cf", "b = 3\nnot a setting\n");
	assert_null(setup_local_postfix_main(scratch_dir, strdup("a = 1\n")));
	remove_local("postfix-main.cf");
	remove_local("postfix-master.cf");
}

static void test_dovecot_fingerprint(void **state)
{
	char prefix[1024], *one, *two, *three;

	(void)state;
	write_local("dovecot.conf", "mail_debug = yes\n");
	one = applied(setup_local_dovecot, "conf\n");
	two = applied(setup_local_dovecot, "conf\n");
	write_local("dovecot.conf", "mail_debug = no\n");
	three = applied(setup_local_dovecot, "conf\n");
	assert_true(vm_snprintf(prefix, sizeof prefix,
				"conf\n# Fingerprint of %s/dovecot.conf when "
				"setup last ran: ", scratch_dir));
	assert_memory_equal(one, prefix, strlen(prefix));
	assert_int_equal(strlen(one), strlen(prefix) + 16 + 1);
	assert_string_equal(one, two);           /* same file, same text */
	assert_string_not_equal(one, three);     /* edited: it changes */
	free(one);
	free(two);
	free(three);
	remove_local("dovecot.conf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_in_place),
		cmocka_unit_test(test_continuation_replaced_whole),
		cmocka_unit_test(test_new_keys_appended),
		cmocka_unit_test(test_comments_and_blank_lines_kept),
		cmocka_unit_test(test_override_with_continuation_lines),
		cmocka_unit_test(test_malformed_override_rejected),
		cmocka_unit_test(test_overlong_name_rejected),
		cmocka_unit_test(test_malformed_rendered_rejected),
		cmocka_unit_test(test_prefix_names_are_different_keys),
		cmocka_unit_test(test_empty_overrides_change_nothing),
		cmocka_unit_test(test_last_of_duplicate_overrides_wins),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_missing_final_newline),
		cmocka_unit_test(test_missing_files_leave_text_alone),
		cmocka_unit_test(test_postfix_files),
		cmocka_unit_test(test_dovecot_fingerprint),
	};

	return cmocka_run_group_tests(tests, scratch_dir_setup,
				      scratch_dir_teardown);
}
