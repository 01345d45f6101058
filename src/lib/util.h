/*
 * util.h - small helpers shared by every module: diagnostics, exit codes,
 * bounded string copies, running programs without a shell, and writing
 * files atomically and only when their content changes.
 *
 * Every vmailctl command reports errors through vm_err() (to stderr,
 * prefixed "vmailctl: ") and returns one of the VM_EXIT_* codes.
 * Long-running work reports progress with vm_progress() (stderr, only
 * when stderr is a terminal or VMAIL_PROGRESS=1 is set).
 */
#ifndef VMAIL_UTIL_H
#define VMAIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* Bounded copy; returns false (and truncates) if src did not fit. */
bool vm_strlcpy(char *dst, const char *src, size_t size);
/* snprintf that returns false on truncation or encoding error. */
bool vm_snprintf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Lower-case an ASCII string in place. */
void vm_ascii_lower(char *s);

/*
 * Run argv[0] (looked up in PATH) with argv, no shell involved.
 * stdin_data, if non-NULL, is written to the child's standard input.
 * If out is non-NULL, standard output is captured into a malloc'd
 * NUL-terminated buffer (*out, caller frees); otherwise it is inherited.
 * Returns the exit status (0..255), or -1 if the program could not be run
 * or was killed by a signal.
 */
int vm_run(const char *const argv[], const char *stdin_data, char **out);
/* Like vm_run but with stdout and stderr discarded. */
int vm_run_quiet(const char *const argv[]);

/* Read a whole file into a malloc'd NUL-terminated buffer. NULL on error
 * (errno set). *len, if non-NULL, receives the length. */
char *vm_read_file(const char *path, size_t *len);

/*
 * Write data to path atomically (temp file in the same directory, fsync,
 * rename) with the given mode, owner and group (uid/gid of (uid_t)-1 and
 * (gid_t)-1 mean "leave as the creating process").  If the file already
 * has exactly this content, mode and ownership it is left untouched.
 * Returns 1 if the file was written or its metadata fixed, 0 if it was
 * already right, -1 on error (message already printed).
 */
int vm_write_file_if_changed(const char *path, const char *data, size_t len,
			     mode_t mode, uid_t uid, gid_t gid);

/* mkdir -p with the given mode/owner for the last component; fixes mode
 * and ownership of an existing directory. Returns 1 if anything changed,
 * 0 if not, -1 on error (message printed). */
int vm_ensure_dir(const char *path, mode_t mode, uid_t uid, gid_t gid);

/* Read a secret (a password) from stdin: first line, newline stripped.
 * Fails on empty input or if longer than size-1. */
bool vm_read_secret_stdin(char *buf, size_t size);

/* Wipe memory that held a secret. */
void vm_explicit_bzero(void *p, size_t n);

#endif
