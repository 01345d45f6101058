/*
 * process.c - run programs with fork/execvp and pipes (see process.h).
 *
 * The child's standard input is fed and its output drained at the same
 * time with poll(), so a child that writes a lot before it reads cannot
 * deadlock us.  A failed exec is reported back through a close-on-exec
 * pipe, so "no such program" is -1 with errno, not exit status 127.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/process.h"

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* What happens to the child's output. */
enum run_mode { RUN_STDOUT, RUN_QUIET, RUN_STDERR };

/* In the child: point fd target at the file descriptor src, or at
 * /dev/null when src is -1. */
static void child_redirect(int src, int target)
{
	if (src < 0) {
		src = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (src < 0)
			_exit(127);
	}
	if (src != target && dup2(src, target) < 0)
		_exit(127);
}

/*
 * In the child: wire up stdin/stdout/stderr and exec.  If exec fails the
 * errno is sent up errfd (close-on-exec, so a successful exec closes it
 * with nothing written).
 */
static void child_exec(const char *const argv[], int in_fd, int out_fd,
		       enum run_mode mode, int errfd)
{
	int e;

	/* An ignored SIGPIPE would survive exec; give the child defaults. */
	signal(SIGPIPE, SIG_DFL);
	child_redirect(in_fd, STDIN_FILENO);
	switch (mode) {
	case RUN_STDOUT:        /* capture stdout (or inherit it), keep stderr */
		if (out_fd >= 0)
			child_redirect(out_fd, STDOUT_FILENO);
		break;
	case RUN_QUIET:         /* discard both */
		child_redirect(-1, STDOUT_FILENO);
		child_redirect(-1, STDERR_FILENO);
		break;
	case RUN_STDERR:        /* discard stdout, capture stderr */
		child_redirect(-1, STDOUT_FILENO);
		child_redirect(out_fd, STDERR_FILENO);
		break;
	}
	execvp(argv[0], (char *const *)argv);
	e = errno;
	while (write(errfd, &e, sizeof e) < 0 && errno == EINTR)
		;
	_exit(127);
}

/*
 * Parent side: feed stdin_data to in_fd and drain out_fd into *outbuf,
 * both at once with poll() so a child that writes a lot before reading
 * cannot deadlock us.  Returns false on an I/O error of our own (a child
 * that stops reading early is not an error).
 */
static bool pump(int in_fd, const char *data, int out_fd,
		 struct vm_buf *outbuf)
{
	size_t left = data ? strlen(data) : 0;
	bool ok = true;

	if (in_fd >= 0 && left == 0) {
		close(in_fd);
		in_fd = -1;
	}
	while (in_fd >= 0 || out_fd >= 0) {
		struct pollfd p[2];
		nfds_t n = 0;
		int in_i = -1, out_i = -1;

		if (in_fd >= 0) {
			p[n] = (struct pollfd){ .fd = in_fd, .events = POLLOUT };
			in_i = (int)n++;
		}
		if (out_fd >= 0) {
			p[n] = (struct pollfd){ .fd = out_fd, .events = POLLIN };
			out_i = (int)n++;
		}
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			ok = false;
			break;
		}
		if (in_i >= 0 && p[in_i].revents) {
			ssize_t w = write(in_fd, data, left);

			if (w < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (w < 0) { /* EPIPE: the child closed its stdin */
				close_fd(&in_fd);
			} else {
				data += w;
				left -= (size_t)w;
				if (left == 0)
					close_fd(&in_fd);
			}
		}
		if (out_i >= 0 && p[out_i].revents) {
			char chunk[4096];
			ssize_t r = read(out_fd, chunk, sizeof chunk);

			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				if (r < 0)
					ok = false;
				close_fd(&out_fd);
			} else if (!vm_buf_add(outbuf, chunk, (size_t)r)) {
				ok = false;
				close_fd(&out_fd);
			}
		}
	}
	close_fd(&in_fd);
	close_fd(&out_fd);
	return ok;
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	errno = EINTR; /* killed by a signal */
	return -1;
}

/* Read the exec error report; 0 if the exec succeeded. */
static int exec_error(int errfd)
{
	int e = 0;
	ssize_t r;

	do
		r = read(errfd, &e, sizeof e);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)sizeof e ? e : 0;
}

static int run(const char *const argv[], const char *stdin_data, char **out,
	       enum run_mode mode)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct vm_buf b = VM_BUF_INIT;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	pid_t pid;
	int e, status;
	bool ok;

	if (out)
		*out = NULL;
	if ((stdin_data && pipe2(inp, O_CLOEXEC) < 0) ||
	    (out && pipe2(outp, O_CLOEXEC) < 0) ||
	    pipe2(errp, O_CLOEXEC) < 0)
		goto fail;
	fflush(NULL); /* do not let the child inherit unwritten stdio */
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		child_exec(argv, inp[0], outp[1], mode, errp[1]);

	close_fd(&inp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	if (inp[1] >= 0)
		fcntl(inp[1], F_SETFL, O_NONBLOCK);
	/* A child that exits without reading its stdin must not kill us. */
	sigaction(SIGPIPE, &ign, &old_pipe);
	ok = pump(inp[1], stdin_data, outp[0], &b);
	sigaction(SIGPIPE, &old_pipe, NULL);
	inp[1] = outp[0] = -1; /* closed by pump */

	e = exec_error(errp[0]);
	close_fd(&errp[0]);
	status = wait_child(pid);
	if (e || !ok) {
		vm_buf_free(&b);
		errno = e ? e : EIO;
		return -1;
	}
	if (out && !(*out = vm_buf_take(&b, NULL)))
		return -1;   /* errno ENOMEM */
	return status;

fail:
	e = errno;
	close_fd(&inp[0]);
	close_fd(&inp[1]);
	close_fd(&outp[0]);
	close_fd(&outp[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	errno = e;
	return -1;
}

int vm_run(const char *const argv[], const char *stdin_data, char **out)
{
	return run(argv, stdin_data, out, RUN_STDOUT);
}

int vm_run_quiet(const char *const argv[])
{
	return run(argv, NULL, NULL, RUN_QUIET);
}

int vm_run_stderr(const char *const argv[], char **err)
{
	return run(argv, NULL, err, RUN_STDERR);
}
