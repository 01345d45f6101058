/*
 * test_template.c - unit tests for the template renderer
 * (src/lib/template.c): variables, blocks, inverted blocks, nesting,
 * removal of standalone tag lines, comments, and every error with its
 * line number.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/process.h"
#include "lib/template.h"

static struct tvars *vars;

static int setup(void **state)
{
	(void)state;
	vars = tvars_new();
	if (!vars)
		return -1;
	if (!tvars_set(vars, "hostname", "mail.example.com") ||
	    !tvars_set(vars, "domain", "example.com") ||
	    !tvars_set(vars, "yes", "1") ||
	    !tvars_set(vars, "empty", "") ||
	    !tvars_set(vars, "zero", "0") ||
	    !tvars_set(vars, "no", "no") ||
	    !tvars_set(vars, "false", "FALSE") ||
	    !tvars_set(vars, "dovecot.version", "2.4") ||
	    !tvars_setf(vars, "limit", "%d", 52428800))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tvars_free(vars);
	return 0;
}

static void expect_render(const char *text, const char *want)
{
	char err[256] = "";
	size_t len = 0;
	char *got = template_render(text, strlen(text), vars, &len, err,
				    sizeof err);

	if (!got)
		fail_msg("render failed: %s\n--- template:\n%s", err, text);
	if (strcmp(got, want))
		fail_msg("--- template:\n%s\n--- got:\n%s\n--- want:\n%s",
			 text, got, want);
	assert_int_equal(len, strlen(want));
	free(got);
}

/* Rendering must fail with an error that contains want. */
static void expect_error(const char *text, const char *want)
{
	char err[256] = "";
	char *got = template_render(text, strlen(text), vars, NULL, err,
				    sizeof err);

	if (got)
		fail_msg("rendered but should fail:\n%s\n--- got:\n%s", text, got);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_tvars(void **state)
{
	struct tvars *v = tvars_new();

	(void)state;
	assert_non_null(v);
	assert_null(tvars_get(v, "a"));
	assert_true(tvars_set(v, "a", "1"));
	assert_string_equal(tvars_get(v, "a"), "1");
	assert_true(tvars_set(v, "a", "2"));
	assert_string_equal(tvars_get(v, "a"), "2");
	assert_true(tvars_setf(v, "b", "%s-%d", "x", 3));
	assert_string_equal(tvars_get(v, "b"), "x-3");
	/* Many variables (forces the table to grow). */
	for (int i = 0; i < 100; i++)
		assert_true(tvars_setf(v, "a", "%d", i) &&
			    tvars_setf(v, i % 2 ? "odd" : "even", "%d", i));
	assert_string_equal(tvars_get(v, "a"), "99");
	tvars_free(v);
	tvars_free(NULL);
}

static void test_plain_text(void **state)
{
	(void)state;
	expect_render("", "");
	expect_render("no tags here\n", "no tags here\n");
	expect_render("single { brace } and }} alone\n",
		      "single { brace } and }} alone\n");
	expect_render("dovecot %{user} ${postfix}\n",
		      "dovecot %{user} ${postfix}\n");
	expect_render("no newline at end", "no newline at end");
}

static void test_variables(void **state)
{
	(void)state;
	expect_render("myhostname = {{hostname}}\n",
		      "myhostname = mail.example.com\n");
	expect_render("{{hostname}}{{domain}}", "mail.example.comexample.com");
	expect_render("a={{ hostname }}\n", "a=mail.example.com\n");
	expect_render("v{{dovecot.version}} {{limit}}", "v2.4 52428800");
	expect_render("[{{empty}}]", "[]");
	/* A variable alone on a line keeps its line. */
	expect_render("a\n{{hostname}}\nb\n", "a\nmail.example.com\nb\n");
	expect_render("  {{empty}}  \nx\n", "    \nx\n");
}

static void test_sections(void **state)
{
	(void)state;
	expect_render("{{#yes}}on{{/yes}}", "on");
	expect_render("{{#hostname}}on{{/hostname}}", "on");
	expect_render("{{#empty}}on{{/empty}}", "");
	expect_render("{{#zero}}on{{/zero}}", "");
	expect_render("{{#no}}on{{/no}}", "");
	expect_render("{{#false}}on{{/false}}", "");
	expect_render("{{#unset}}on{{/unset}}", "");
	expect_render("a {{#yes}}b{{/yes}} c {{#zero}}d{{/zero}} e",
		      "a b c  e");
}

static void test_inverted_sections(void **state)
{
	(void)state;
	expect_render("{{^yes}}off{{/yes}}", "");
	expect_render("{{^zero}}off{{/zero}}", "off");
	expect_render("{{^unset}}off{{/unset}}", "off");
	expect_render("{{^empty}}off{{/empty}}", "off");
	expect_render("{{#yes}}A{{/yes}}{{^yes}}B{{/yes}}", "A");
	expect_render("{{#zero}}A{{/zero}}{{^zero}}B{{/zero}}", "B");
}

static void test_nesting(void **state)
{
	(void)state;
	expect_render("{{#yes}}1{{#hostname}}2{{^zero}}3{{/zero}}{{/hostname}}"
		      "{{/yes}}", "123");
	expect_render("{{#yes}}1{{#zero}}2{{/zero}}3{{/yes}}", "13");
	expect_render("{{#zero}}1{{#yes}}2{{/yes}}3{{/zero}}4", "4");
	expect_render("{{^zero}}{{^no}}x{{/no}}{{/zero}}", "x");
	/* The same name nested in itself. */
	expect_render("{{#yes}}a{{#yes}}b{{/yes}}c{{/yes}}", "abc");
}

static void test_standalone_lines(void **state)
{
	(void)state;
	expect_render("a\n{{#yes}}\nb\n{{/yes}}\nc\n", "a\nb\nc\n");
	expect_render("a\n{{#zero}}\nb\n{{/zero}}\nc\n", "a\nc\n");
	expect_render("a\n{{^zero}}\nb\n{{/zero}}\nc\n", "a\nb\nc\n");
	expect_render("a\n  {{#yes}}  \n  b\n\t{{/yes}}\t\nc\n", "a\n  b\nc\n");
	expect_render("a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\nc\r\n",
		      "a\r\nb\r\nc\r\n");
	expect_render("{{#yes}}\nfirst\n{{/yes}}", "first\n");
	expect_render("x\n{{#yes}}\ny\n{{/yes}}", "x\ny\n");
	expect_render("{{! header comment }}\nbody\n", "body\n");
	expect_render("a\n  {{! indented comment }}\nb\n", "a\nb\n");
	/* Not standalone: text on the same line stays. */
	expect_render("x {{#yes}}\ny\n{{/yes}} z\n", "x \ny\n z\n");
	expect_render("[{{#zero}}]\n[{{/zero}}]\n", "[]\n");
	/* Blank lines elsewhere are kept. */
	expect_render("a\n\n{{#yes}}\nb\n{{/yes}}\n\nc\n", "a\n\nb\n\nc\n");
	/* Nested standalone blocks. */
	expect_render("main\n"
		      "{{#yes}}\n"
		      "  {{#zero}}\n"
		      "  no\n"
		      "  {{/zero}}\n"
		      "  {{^zero}}\n"
		      "  yes\n"
		      "  {{/zero}}\n"
		      "{{/yes}}\n"
		      "end\n",
		      "main\n  yes\nend\n");
}

static void test_comments(void **state)
{
	(void)state;
	expect_render("a{{! dropped }}b", "ab");
	expect_render("a{{!}}b", "ab");
	/* A comment ends at the first "}}"; "{{" inside it is no tag. */
	expect_render("a{{! {{hostname }}b", "ab");
	expect_render("a{{! x }} y }}b", "a y }}b");
	expect_render("a{{! spans\nlines }}b\nc\n", "ab\nc\n");
	expect_render("{{! spans\ntwo lines }}\nbody\n", "body\n");
	expect_render("{{! undefined {{nosuch }}", "");
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("ok\nalso ok\n{{nosuch}}\n", "line 3: ");
	expect_error("ok\nalso ok\n{{nosuch}}\n", "undefined variable 'nosuch'");
	expect_error("{{#yes}}\n\n{{/yes}}\n{{nosuch}}", "line 4: ");
	expect_error("{{! two\nlines }}\n{{nosuch}}", "line 3: ");
	expect_error("a\n{{#yes}}\nb\n", "line 2: ");
	expect_error("a\n{{#yes}}\nb\n", "never closed");
	expect_error("{{^zero}}", "{{^zero}} is never closed");
	expect_error("a\n{{/yes}}\n", "line 2: {{/yes}} without an open block");
	expect_error("{{#yes}}\n{{#hostname}}\n{{/yes}}\n",
		     "line 3: {{/yes}} does not close {{#hostname}} opened on "
		     "line 2");
	expect_error("{{hostname", "line 1: malformed tag");
	expect_error("x\n{{hostname\n}}", "line 2: malformed tag");
	expect_error("{{}}", "tag without a name");
	expect_error("{{#}}", "tag without a name");
	expect_error("{{host-name}}", "character '-'");
	expect_error("{{host name}}", "malformed tag");
	expect_error("{{&hostname}}", "character '&'");
	expect_error("{{{hostname}}}", "character '{'");
	expect_error("{{! never closed", "comment is never closed");
	expect_error("{{#zero}}{{bad name}}{{/zero}}", "malformed tag");
	expect_error("x\n{{", "line 2: malformed tag");
	/* Over-long names and deep nesting are refused, not overflowed. */
	expect_error("{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		     "aaaaaaaaaaaa}}", "longer than");
}

static void test_undefined_in_off_block_is_fine(void **state)
{
	(void)state;
	/* Optional settings: the value is only needed when the block is on. */
	expect_render("{{#unset}}relayhost = {{unset}}{{/unset}}", "");
	expect_error("{{#yes}}{{unset}}{{/yes}}", "undefined variable 'unset'");
}

static void test_deep_nesting(void **state)
{
	char text[2048] = "";

	(void)state;
	for (int i = 0; i < 32; i++)
		strcat(text, "{{#yes}}");
	strcat(text, "deep");
	for (int i = 0; i < 32; i++)
		strcat(text, "{{/yes}}");
	expect_render(text, "deep");
	strcpy(text, "{{#yes}}");
	for (int i = 0; i < 40; i++)
		strcat(text, "{{#yes}}");
	expect_error(text, "nested more than");
}

static void test_not_nul_terminated(void **state)
{
	const char text[] = { '{', '{', 'y', 'e', 's', '}', '}', '{', '{' };
	char err[128], *got;
	size_t len;

	(void)state;
	got = template_render(text, 7, vars, &len, err, sizeof err);
	assert_non_null(got);
	assert_string_equal(got, "1");
	assert_int_equal(len, 1);
	free(got);
	assert_null(template_render(text, sizeof text, vars, &len, err,
				    sizeof err));
	/* An embedded NUL is copied through. */
	got = template_render("a\0b", 3, vars, &len, err, sizeof err);
	assert_non_null(got);
	assert_int_equal(len, 3);
	assert_memory_equal(got, "a\0b", 3);
	free(got);
}

static void test_render_file(void **state)
{
	char dir[] = "/tmp/vmail-test-template.XXXXXX", path[256], err[512];
	const char *const rm[] = { "rm", "-rf", dir, NULL };
	size_t len;
	char *got;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/main.cf", dir);
	assert_int_equal(vm_write_file_if_changed(path,
		"# main.cf\n{{#yes}}\nmyhostname = {{hostname}}\n{{/yes}}\n",
		53, 0644, (uid_t)-1, (gid_t)-1), 1);
	got = template_render_file(path, vars, &len, err, sizeof err);
	assert_non_null(got);
	assert_string_equal(got, "# main.cf\nmyhostname = mail.example.com\n");
	free(got);

	assert_int_equal(vm_write_file_if_changed(path, "ok\n{{typo}}\n", 12,
		0644, (uid_t)-1, (gid_t)-1), 1);
	assert_null(template_render_file(path, vars, &len, err, sizeof err));
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":line 2: undefined variable 'typo'"));

	snprintf(path, sizeof path, "%s/missing.cf", dir);
	assert_null(template_render_file(path, vars, &len, err, sizeof err));
	assert_non_null(strstr(err, "missing.cf"));
	assert_int_equal(vm_run_quiet(rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tvars),
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_inverted_sections),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_standalone_lines),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_undefined_in_off_block_is_fine),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_not_nul_terminated),
		cmocka_unit_test(test_render_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
