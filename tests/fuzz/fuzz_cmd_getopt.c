/*
 * fuzz_cmd_getopt.c - libFuzzer target for cmd_getopt() (src/commands/
 * cmd_common.c), the command-line parser of every vmailctl command.
 *
 * The input is a command line: words separated by NUL bytes (the
 * command's name comes first, as in argv).  An odd first byte sets
 * POSIXLY_CORRECT.  cmd_getopt() must agree with glibc's permutation in
 * every respect (tests/unit/getopt_oracle.h): the same options, values,
 * first error and operands, argv[0] in place, argv a permutation of
 * itself.   make fuzz
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/getopt_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *args[ORACLE_MAX_ARGS + 1] = { "cmd" };
	int argc = 1, saved, null;
	const char *why;

	if (size == 0)
		return 0;
	if (data[0] & 1)
		setenv("POSIXLY_CORRECT", "1", 1);
	else
		unsetenv("POSIXLY_CORRECT");
	if (!(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	/* Words between NUL bytes; the last one ends at text[size - 1]. */
	for (size_t i = 0; i < size - 1 && argc < ORACLE_MAX_ARGS; ) {
		args[argc++] = text + i;
		i += strlen(text + i) + 1;
	}
	args[argc] = NULL;
	/* The messages of bad options are not the point here. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY);
	dup2(null, STDERR_FILENO);
	why = getopt_oracle_check(argc, args);
	dup2(saved, STDERR_FILENO);
	close(null);
	close(saved);
	if (why) {
		fprintf(stderr, "cmd_getopt: %s\n", why);
		abort();
	}
	free(text);
	return 0;
}
