/*
 * fuzz_secret.c - libFuzzer target for vm_read_secret_stdin() (src/lib/
 * secret.c), which reads a password from standard input.
 *
 * The input is standard input (a memfd).  An accepted password must be
 * the first line exactly: no newline, no NUL byte, no final CR, not
 * empty, shorter than the buffer; a refused one leaves the buffer
 * wiped.  Nothing past the first newline is read.   make fuzz
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("stdin", 0), saved = dup(STDIN_FILENO);
	int null, err;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t line = nl ? (size_t)(nl - data) : size, want = line;
	char buf[64];
	bool ok;
	off_t pos;

	if (fd < 0 || saved < 0 ||
	    write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET))
		abort();
	dup2(fd, STDIN_FILENO);
	memset(buf, 'x', sizeof buf);
	fflush(stderr);
	null = open("/dev/null", O_WRONLY);
	err = dup(STDERR_FILENO);
	dup2(null, STDERR_FILENO);
	ok = vm_read_secret_stdin(buf, sizeof buf);
	dup2(err, STDERR_FILENO);
	close(err);
	close(null);
	pos = lseek(STDIN_FILENO, 0, SEEK_CUR);
	dup2(saved, STDIN_FILENO);
	close(saved);
	close(fd);
	if (want > 0 && data[want - 1] == '\r')
		want--;
	if (ok != (want > 0 && line < sizeof buf && !memchr(data, '\0', line)))
		abort();
	if (ok && (strlen(buf) != want || memcmp(buf, data, want) != 0))
		abort();
	if (!ok)
		for (size_t i = 0; i < sizeof buf; i++)
			if (buf[i] != 0)
				abort();
	/* Read up to and with the newline; never further. */
	if (ok && pos != (off_t)(nl ? line + 1 : size))
		abort();
	return 0;
}
