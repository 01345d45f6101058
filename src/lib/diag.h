/*
 * diag.h - how vmailctl tells the administrator what went wrong and how
 * far it got: error messages, progress lines, the reason a check
 * refused a value, and the exit codes.
 *
 * Every vmailctl command reports errors through vm_err() (to stderr,
 * prefixed "vmailctl: ") and returns one of the VM_EXIT_* codes.
 * Long-running work reports progress with vm_progress() (stderr, only
 * when stderr is a terminal or VMAIL_PROGRESS=1 is set).  Validators and
 * parsers do not print: they hand the reason back with vm_why().
 */
#ifndef VMAIL_DIAG_H
#define VMAIL_DIAG_H

#include <stdbool.h>
#include <stddef.h>

enum {
	VM_EXIT_OK = 0,     /* success */
	VM_EXIT_FAIL = 1,   /* the command ran but failed (bad data, I/O, ...) */
	VM_EXIT_USAGE = 2,  /* the command line was wrong */
};

/* Program name used in diagnostics; set once by main(). */
extern const char *vm_progname;

/* printf-style message to stderr: "vmailctl: <message>\n". */
void vm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, with ": strerror(errno)" appended. */
void vm_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress line for long work ("==> message"); see header comment. */
void vm_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For validators and parsers: write the reason (printf-style) into
 * why[whylen] when why is not NULL, and return false, so that a check
 * can end with "return vm_why(why, whylen, "empty size");". */
bool vm_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
