/*
 * util.h - small helpers shared by every module: diagnostics, exit codes,
 * bounded string copies, running programs without a shell, and writing
 * files atomically and only when their content changes.
 *
 * Text that grows piece by piece (rendered templates, merged configs,
 * captured program output) is built in a struct vm_buf.
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

/* For validators and parsers: write the reason (printf-style) into
 * why[whylen] when why is not NULL, and return false, so that a check
 * can end with "return vm_why(why, whylen, "empty size");". */
bool vm_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Bounded copy; returns false (and truncates) if src did not fit. */
bool vm_strlcpy(char *dst, const char *src, size_t size);
/* snprintf that returns false on truncation or encoding error. */
bool vm_snprintf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Lower-case an ASCII string in place. */
void vm_ascii_lower(char *s);
/* The directory part of path into dir: "." if path has no '/', "/" for
 * "/name".  False if it does not fit. */
bool vm_dir_of(const char *path, char *dir, size_t size);

/*
 * A growable string: bytes appended at the end, always NUL-terminated
 * once anything was added.  Start from VM_BUF_INIT.  Appending never
 * needs checking piece by piece: when memory runs out (or a format cannot
 * be expanded) the buffer remembers it in nomem, ignores what follows,
 * and vm_buf_take() fails.  The append functions return false once that
 * has happened, for callers that want to stop early.
 *
 *	struct vm_buf b = VM_BUF_INIT;
 *	vm_buf_puts(&b, "name = ");
 *	vm_buf_printf(&b, "%d\n", 42);
 *	text = vm_buf_take(&b, &len);    NULL: out of memory
 */
struct vm_buf {
	char *data;     /* NULL until something is added */
	size_t len;     /* bytes in data, not counting the NUL */
	size_t cap;     /* bytes allocated */
	bool nomem;     /* an append failed; sticky */
};
#define VM_BUF_INIT { NULL, 0, 0, false }

bool vm_buf_add(struct vm_buf *b, const void *p, size_t n);
bool vm_buf_puts(struct vm_buf *b, const char *s);
bool vm_buf_printf(struct vm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Cut the text back to its first len bytes (no-op if it is shorter, or
 * after a failure). */
void vm_buf_truncate(struct vm_buf *b, size_t len);
/* Hand over the text (malloc'd, NUL-terminated, "" if nothing was
 * added; *len set if len is non-NULL) and leave b empty for reuse.
 * NULL with errno ENOMEM if an append failed (the text is freed). */
char *vm_buf_take(struct vm_buf *b, size_t *len);
/* Free the text and leave b empty. */
void vm_buf_free(struct vm_buf *b);

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
/* Run with stdin and stdout on /dev/null and capture standard error into
 * *err (malloc'd, caller frees): for checkers whose verdict is "nothing
 * on stderr", such as "postfix check" and "doveconf -n". */
int vm_run_stderr(const char *const argv[], char **err);

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
/* The owner for a file a daemon reads through its group: root:group when
 * we are root (root:root if the group does not exist yet), else -1/-1
 * ("leave as the creating process", for tests run as a user). */
void vm_root_group_owner(const char *group, uid_t *uid, gid_t *gid);

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
