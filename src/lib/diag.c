/*
 * diag.c - diagnostics (see diag.h).
 *
 * Messages go to stderr prefixed with the program name; errno survives
 * vm_errno(), so a caller may still look at it afterwards.  Progress
 * lines are flushed at once, as they are read while the work goes on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/diag.h"

const char *vm_progname = "vmailctl";

static void vmessage(const char *fmt, va_list ap, const char *suffix)
	__attribute__((format(printf, 1, 0)));

static void vmessage(const char *fmt, va_list ap, const char *suffix)
{
	fprintf(stderr, "%s: ", vm_progname);
	vfprintf(stderr, fmt, ap);
	if (suffix)
		fprintf(stderr, ": %s", suffix);
	fputc('\n', stderr);
}

void vm_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, NULL);
	va_end(ap);
}

void vm_errno(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

static bool progress_wanted(void)
{
	const char *env = getenv("VMAIL_PROGRESS");

	if (env && !strcmp(env, "1"))
		return true;
	return isatty(STDERR_FILENO);
}

void vm_progress(const char *fmt, ...)
{
	va_list ap;

	if (!progress_wanted())
		return;
	fputs("==> ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

bool vm_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return false;
}
