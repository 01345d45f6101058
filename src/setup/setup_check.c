/*
 * setup_check.c - ask Postfix and Dovecot whether a candidate
 * configuration is clean, before setup installs it.
 *
 * setup renders every file into a scratch directory first and runs
 *   postfix -c DIR check            (warnings include postconf's, e.g.
 *                                    "unused parameter")
 *   doveconf -c DIR/dovecot.conf -n
 * there.  Both must exit 0 and print no warning on stderr (stdout is
 * not looked at: Debian's "postfix check" reports there how it copies
 * /etc/hosts and friends into the queue directory); otherwise the
 * tool's own words are shown and the live configuration stays as it
 * was.
 * Their diagnostics go to stderr, which vm_run() does not capture, so
 * this file has its own small spawn-and-collect helper.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/util.h"

extern char **environ;

/* Append what fd delivers until EOF to a malloc'd string. */
static char *slurp(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *bigger;
	ssize_t r;

	if (!buf)
		return NULL;
	for (;;) {
		if (len + 1 >= cap) {
			if (!(bigger = realloc(buf, cap *= 2))) {
				free(buf);
				return NULL;
			}
			buf = bigger;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Run argv (no shell) with stdin and stdout on /dev/null, collecting its
 * stderr.  Returns the exit status, -1 if it could not run or died;
 * *out gets the text.
 */
static int run_collect(const char *const argv[], char **out)
{
	posix_spawn_file_actions_t fa;
	int p[2], status = -1;
	pid_t pid;
	int e;

	*out = NULL;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	fflush(NULL);
	e = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			 environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		errno = e;
		return -1;
	}
	*out = slurp(p[0]);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Drop lines that contain harmless, known noise. */
static void drop_lines(char *text, const char *noise)
{
	char *line = text, *w = text;

	while (*line) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);

		if (!memmem(line, n, noise, strlen(noise))) {
			memmove(w, line, n);
			w += n;
		}
		line += n;
	}
	*w = '\0';
}

/* Report the verdict on one check; shown is the command as a user
 * would type it. */
static bool verdict(const char *what, const char *shown, int rc,
		    const char *out)
{
	if (rc == 0 && out && !*out)
		return true;
	if (rc < 0 && !out) {
		vm_errno("cannot run '%s'", shown);
		return false;
	}
	vm_err("the new %s configuration fails '%s' (exit %d); the live "
	       "configuration was left as it was.  Output:", what, shown, rc);
	fputs(out && *out ? out : "(no output)\n", stderr);
	return false;
}

bool setup_check_postfix(const char *config_dir)
{
	const char *argv[] = { "postfix", "-c", config_dir, "check", NULL };
	char shown[PATH_MAX + 32];
	char *out;
	int rc = run_collect(argv, &out);
	bool ok;

	snprintf(shown, sizeof shown, "postfix -c %s check", config_dir);
	ok = verdict("Postfix", shown, rc, out);
	free(out);
	return ok;
}

bool setup_check_dovecot(const char *config_file)
{
	const char *argv[] = { "doveconf", "-c", config_file, "-n", NULL };
	char shown[PATH_MAX + 32];
	char *out;
	int rc = run_collect(argv, &out);
	bool ok;

	/* A running Dovecot makes doveconf remark that it was started with
	 * another file (the live one): true, and not a problem. */
	if (out)
		drop_lines(out, "was last started using");
	snprintf(shown, sizeof shown, "doveconf -c %s -n", config_file);
	ok = verdict("Dovecot", shown, rc, out);
	free(out);
	return ok;
}
