/*
 * test_cmd_getopt.c - unit tests for cmd_getopt() (src/commands/
 * cmd_common.c): options and operands in any order, "--", POSIXLY_CORRECT
 * not turning that off, and the messages for bad options (which never
 * repeat a value).  Each case is also checked against glibc's own
 * permutation (getopt_oracle.h).
 *
 * Run by "make test".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "getopt_oracle.h"

/* A command line: NULL-terminated words, the first the command name. */
#define ARGS(...) ((const char *[]){ __VA_ARGS__, NULL })

static int count(const char **words)
{
	int n = 0;

	while (words[n])
		n++;
	return n;
}

/* stderr to /dev/null (quiet) and back: the messages of the cases that
 * are not about messages. */
static int saved_stderr = -1;

static void quiet(bool on)
{
	fflush(stderr);
	if (on) {
		int null = open("/dev/null", O_WRONLY);

		saved_stderr = dup(STDERR_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	} else {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
	}
}

/* Parse words; "got" is the options as "q=2G p j", then " |" and the
 * operands: "q=2G p | a@x".  '?' for an error ends it: "p ?". */
static void parse(const char **words, char *got, size_t size)
{
	char *argv[ORACLE_MAX_ARGS + 1];
	int argc = count(words), c;
	const char *why;

	memcpy(argv, words, sizeof *argv * (size_t)(argc + 1));
	quiet(true);
	why = getopt_oracle_check(argc, argv);
	got[0] = '\0';
	optind = 0;
	while ((c = cmd_getopt("test", argc, argv, oracle_shortopts,
			       oracle_longopts)) != -1) {
		size_t n = strlen(got);

		if (c == '?') {
			snprintf(got + n, size - n, "%s?", n ? " " : "");
			break;
		}
		snprintf(got + n, size - n, "%s%s%s%s", n ? " " : "",
			 c == 256 ? "P" : (char[]){ (char)c, '\0' },
			 optarg ? "=" : "", optarg ? optarg : "");
	}
	quiet(false);
	if (why)
		fail_msg("%s: not as glibc permutes it: %s", words[1], why);
	if (c == '?')
		return;
	strncat(got, " |", size - strlen(got) - 1);
	for (int i = optind; i < argc; i++) {
		strncat(got, " ", size - strlen(got) - 1);
		strncat(got, argv[i], size - strlen(got) - 1);
	}
	assert_string_equal(argv[0], words[0]);
}

static void expect(const char **words, const char *want)
{
	char got[512];

	parse(words, got, sizeof got);
	if (strcmp(got, want) != 0)
		fail_msg("got '%s', want '%s'", got, want);
}

static void test_any_order(void **state)
{
	(void)state;
	expect(ARGS("add", "-q", "2G", "-p", "a@x"), "q=2G p | a@x");
	expect(ARGS("add", "a@x", "-q", "2G", "-p"), "q=2G p | a@x");
	expect(ARGS("add", "-p", "a@x", "--quota", "2G"), "p q=2G | a@x");
	expect(ARGS("add", "a@x", "--quota=2G"), "q=2G | a@x");
	expect(ARGS("add", "a@x", "-pq2G"), "p q=2G | a@x");
	expect(ARGS("add", "-pq", "2G", "a@x"), "p q=2G | a@x");
	expect(ARGS("quota", "a@x", "-j", "5M"), "j | a@x 5M");
	expect(ARGS("alias", "s@x", "-j", "d1@x", "d2@x", "-p", "d3@x"),
	       "j p | s@x d1@x d2@x d3@x");
	expect(ARGS("list"), " |");
	expect(ARGS("list", "-jj"), "j j |");
	/* An option's value is the next word, whatever it looks like. */
	expect(ARGS("add", "a@x", "-q", "-p"), "q=-p | a@x");
	expect(ARGS("add", "--selector", "--json", "a"), "s=--json | a");
	/* A lone "-" is an operand (stdin, by habit). */
	expect(ARGS("add", "-", "-p"), "p | -");
	/* Unambiguous abbreviations, exact names first. */
	expect(ARGS("add", "a", "--pass", "--password"), "?");
	expect(ARGS("add", "a", "--password", "--password-s", "--js"),
	       "P p j | a");
}

static void test_double_dash(void **state)
{
	(void)state;
	expect(ARGS("add", "-p", "--", "-x", "y"), "p | -x y");
	expect(ARGS("add", "a", "-p", "--", "--quota", "2G"),
	       "p | a --quota 2G");
	expect(ARGS("add", "a", "--", "--"), " | a --");
	expect(ARGS("add", "--"), " |");
	expect(ARGS("add", "a", "b", "--"), " | a b");
	expect(ARGS("add", "-q", "--", "a"), "q=-- | a");
}

static void test_errors(void **state)
{
	(void)state;
	expect(ARGS("add", "a", "--bogus"), "?");
	expect(ARGS("add", "-p", "a", "-Z"), "p ?");
	expect(ARGS("add", "a", "-q"), "?");
	expect(ARGS("add", "a", "--quota"), "?");
	expect(ARGS("add", "a", "--json=yes"), "?");
	expect(ARGS("add", "a", "-pZ"), "p ?");
	/* In order: -h after an error is not seen; before one, it comes
	 * first (and the command prints its usage and ends). */
	expect(ARGS("add", "--bogus", "-h"), "?");
	expect(ARGS("add", "a", "-h", "--bogus"), "h ?");
}

static void test_posixly_correct(void **state)
{
	(void)state;
	setenv("POSIXLY_CORRECT", "1", 1);
	expect(ARGS("add", "a@x", "-q", "2G", "-p"), "q=2G p | a@x");
	expect(ARGS("add", "a@x", "--", "-p"), " | a@x -p");
	unsetenv("POSIXLY_CORRECT");
}

/* One argv after another: optind = 0 starts afresh. */
static void test_again(void **state)
{
	(void)state;
	expect(ARGS("add", "a", "b", "-p", "c"), "p | a b c");
	expect(ARGS("show", "-j", "x"), "j | x");
	expect(ARGS("show", "x", "y", "z", "-j"), "j | x y z");
}

/* The message cmd_getopt() prints for words. */
static void message(const char **words, char *out, size_t size)
{
	char *argv[ORACLE_MAX_ARGS + 1];
	int argc = count(words), saved = dup(STDERR_FILENO), c;
	FILE *f = tmpfile();
	size_t n;

	assert_non_null(f);
	memcpy(argv, words, sizeof *argv * (size_t)(argc + 1));
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	optind = 0;
	while ((c = cmd_getopt("user add", argc, argv, oracle_shortopts,
			       oracle_longopts)) != -1 && c != '?')
		;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void expect_message(const char **words, const char *want)
{
	char got[512];

	message(words, got, sizeof got);
	if (!strstr(got, want))
		fail_msg("message '%s' lacks '%s'", got, want);
	if (strstr(got, "hunter2"))
		fail_msg("message '%s' repeats a value", got);
}

static void test_messages(void **state)
{
	const struct { const char **words; const char *want; } cases[] = {
		{ ARGS("add", "a", "--bogus"),
		  "vmailctl: user add: unknown option '--bogus'\n" },
		{ ARGS("add", "a", "--bogus=hunter2"),
		  "unknown option '--bogus'\n" },
		{ ARGS("add", "a", "--password=hunter2"),
		  "option '--password' takes no value\n" },
		{ ARGS("add", "a", "--pass"), "ambiguous option '--pass'" },
		{ ARGS("add", "a", "-q"), "missing value for option '-q'\n" },
		{ ARGS("add", "a", "--quota"),
		  "missing value for option '--quota'\n" },
		{ ARGS("add", "-pZ"), "unknown option '-Z'\n" },
		/* The element before a bad short option is not named. */
		{ ARGS("add", "--json", "-jZ"), "unknown option '-Z'\n" },
		{ ARGS("quota", "a", "-5M"),
		  "unknown option '-5' (an operand that starts with '-' "
		  "goes after '--')\n" },
		{ ARGS("add", "-\x01"), "unknown option '-?'\n" },
		{ ARGS("add", "-\xe9"), "unknown option '-?'\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_message(cases[i].words, cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_any_order),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_posixly_correct),
		cmocka_unit_test(test_again),
		cmocka_unit_test(test_messages),
	};

	unsetenv("POSIXLY_CORRECT");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
