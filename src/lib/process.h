/*
 * process.h - running other programs (postfix, doveconf, sievec,
 * systemctl, usermod, openssl, ...) without a shell.
 *
 * argv[0] is looked up in PATH and argv is passed as it is, so
 * arguments need no quoting and cannot be mistaken for shell syntax.
 * The three calls differ only in what happens to the child's output:
 * captured (vm_run), discarded (vm_run_quiet), or its standard error
 * captured for a checker (vm_run_stderr).
 */
#ifndef VMAIL_PROCESS_H
#define VMAIL_PROCESS_H

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

#endif
