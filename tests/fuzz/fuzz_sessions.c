/*
 * fuzz_sessions.c - libFuzzer target for sessions_pids()
 * (src/lib/sessions.c), which reads "doveadm who -1" output to find the
 * processes to signal.  The input's first line is the user, the rest
 * the output.  Every pid returned must be a plausible process (> 1),
 * listed once, and appear in the text after the user's name.
 *                                                           make fuzz
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lib/sessions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *who, num[32];
	pid_t pids[16];
	size_t n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	who = strchr(text, '\n');
	if (who)
		*who++ = '\0';
	else
		who = text + strlen(text);
	n = sessions_pids(who, text, pids, 16);
	if (n > 16)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (pids[i] <= 1)
			abort();
		for (size_t j = 0; j < i; j++)
			if (pids[j] == pids[i])
				abort();
		snprintf(num, sizeof num, "%d", (int)pids[i]);
		if (!strstr(who, num) || !strstr(who, text))
			abort();
	}
	free(text);
	return 0;
}
