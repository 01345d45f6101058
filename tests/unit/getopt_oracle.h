/*
 * getopt_oracle.h - cmd_getopt() (src/commands/cmd_common.c) against
 * glibc's own permutation, for test_cmd_getopt.c and fuzz_cmd_getopt.c.
 *
 * cmd_getopt() must give what getopt_long() gives in its default
 * "permute" mode (the one POSIXLY_CORRECT turns off, and cmd_getopt()
 * does not depend on): the same options in the same order with the same
 * values, the same first error, and the same operands in the same
 * order; argv[0] stays where it is and argv stays a permutation of
 * itself.  getopt_oracle_check() returns NULL when all holds, else what
 * differs.  Include <getopt.h> users' headers first.
 */
#ifndef VMAIL_TEST_GETOPT_ORACLE_H
#define VMAIL_TEST_GETOPT_ORACLE_H

#include <stdlib.h>
#include <string.h>

#include "commands/cmd_common.h"

#define ORACLE_MAX_ARGS 40

/* What one parse gave: options (and their values) up to the end or the
 * first error; the operands after a clean end. */
struct oracle_parse {
	int n;
	int opt[ORACLE_MAX_ARGS * 2];
	const char *val[ORACLE_MAX_ARGS * 2];
	bool failed;
	int n_operands;
	const char *operand[ORACLE_MAX_ARGS];
};

static const char oracle_shortopts[] = "q:s:pjh";
static const struct option oracle_longopts[] = {
	{ "quota", required_argument, NULL, 'q' },
	{ "selector", required_argument, NULL, 's' },
	{ "password-stdin", no_argument, NULL, 'p' },
	{ "password", no_argument, NULL, 256 },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void oracle_note(struct oracle_parse *r, int c, int argc,
			char **argv)
{
	if (c == '?' || c == ':') {
		r->failed = true;
		return;
	}
	if (c != -1) {
		r->opt[r->n] = c;
		r->val[r->n++] = optarg;
		return;
	}
	for (int i = optind; i < argc; i++)
		r->operand[r->n_operands++] = argv[i];
}

static void oracle_ours(int argc, char **argv, struct oracle_parse *r)
{
	int c;

	memset(r, 0, sizeof *r);
	optind = 0;
	do {
		c = cmd_getopt("test", argc, argv, oracle_shortopts,
			       oracle_longopts);
		oracle_note(r, c, argc, argv);
	} while (c != -1 && !r->failed && r->n < ORACLE_MAX_ARGS * 2);
}

static void oracle_glibc(int argc, char **argv, struct oracle_parse *r)
{
	char spec[sizeof oracle_shortopts + 1] = ":";
	char *posix = getenv("POSIXLY_CORRECT");
	char *saved = posix ? strdup(posix) : NULL;
	int c;

	memset(r, 0, sizeof *r);
	strcat(spec, oracle_shortopts);
	unsetenv("POSIXLY_CORRECT");
	opterr = 0;
	optind = 0;
	do {
		c = getopt_long(argc, argv, spec, oracle_longopts, NULL);
		oracle_note(r, c, argc, argv);
	} while (c != -1 && !r->failed && r->n < ORACLE_MAX_ARGS * 2);
	if (saved)
		setenv("POSIXLY_CORRECT", saved, 1);
	free(saved);
}

/* args: argc strings (args[0] the command's name); both parses run on
 * copies of the array of pointers.  NULL if they agree. */
static const char *getopt_oracle_check(int argc, char **args)
{
	char *mine[ORACLE_MAX_ARGS + 1], *theirs[ORACLE_MAX_ARGS + 1];
	struct oracle_parse a, b;

	if (argc > ORACLE_MAX_ARGS)
		return "too many arguments for the oracle";
	memcpy(mine, args, (size_t)argc * sizeof *args);
	memcpy(theirs, args, (size_t)argc * sizeof *args);
	mine[argc] = theirs[argc] = NULL;
	oracle_ours(argc, mine, &a);
	oracle_glibc(argc, theirs, &b);
	if (mine[0] != args[0])
		return "argv[0] moved";
	for (int i = 0; i < argc; i++) {   /* a permutation of args */
		int here = 0, there = 0;

		for (int j = 0; j < argc; j++) {
			here += mine[j] == args[i];
			there += args[j] == args[i];
		}
		if (here != there)
			return "argv is not a permutation of what it was";
	}
	if (a.failed != b.failed)
		return "one failed, the other did not";
	if (a.n != b.n || memcmp(a.opt, b.opt, sizeof a.opt[0] * (size_t)a.n))
		return "other options";
	for (int i = 0; i < a.n; i++)
		if (a.val[i] != b.val[i])
			return "other option values";
	if (a.n_operands != b.n_operands)
		return "another number of operands";
	for (int i = 0; i < a.n_operands; i++)
		if (a.operand[i] != b.operand[i])
			return "other operands or order";
	return NULL;
}

#endif
