/*
 * secret.c - read a password from standard input or from the terminal,
 * and wipe it (see secret.h).
 *
 * Input is read byte by byte: no stdio buffer keeps a copy, and what
 * follows the first line stays unread for the caller.  A NUL byte in the
 * line is refused: C strings would silently cut the password there.
 *
 * On the terminal, echo is off while the line is typed.  The terminal's
 * settings are put back on every path: success, error, and the signals
 * that end or stop a program at a prompt (the signal then takes its
 * course; after a stop, the prompt is shown again).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/secret.h"

enum line {
	LINE_OK,
	LINE_EMPTY,
	LINE_TOO_LONG,
	LINE_NUL,        /* a NUL byte before the end of the line */
	LINE_ERROR,      /* read(2) failed; errno says why */
	LINE_SIGNAL,     /* *caught was set by a signal handler */
};

/*
 * Read one line from fd into buf (size > 0): up to a newline or the end
 * of input, without the newline or a CR before it.  A read interrupted
 * by a signal is retried, unless caught (may be NULL) says a handler
 * ran.  buf is wiped on any failure.
 */
static enum line read_line(int fd, char *buf, size_t size,
			   volatile sig_atomic_t *caught)
{
	enum line r = LINE_OK;
	size_t n = 0;

	for (;;) {
		char c;
		ssize_t got = read(fd, &c, 1);

		if (got < 0 && errno == EINTR && !(caught && *caught))
			continue;
		if (got < 0) {
			r = errno == EINTR ? LINE_SIGNAL : LINE_ERROR;
			break;
		}
		if (got == 0 || c == '\n')
			break;
		if (c == '\0')
			r = LINE_NUL;
		else if (n + 1 >= size)
			r = LINE_TOO_LONG;
		else
			buf[n++] = c;
		vm_explicit_bzero(&c, sizeof c);
		if (r != LINE_OK)
			break;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (r == LINE_OK && n == 0)
		r = LINE_EMPTY;
	if (r != LINE_OK)
		vm_explicit_bzero(buf, size);
	return r;
}

/* The message for a failed read_line(); where names the source. */
static void explain(enum line r, const char *where, size_t size)
{
	switch (r) {
	case LINE_EMPTY:
		vm_err("no password %s", where);
		break;
	case LINE_TOO_LONG:
		vm_err("the password %s is longer than %zu characters", where,
		       size - 1);
		break;
	case LINE_NUL:
		vm_err("the password %s contains a NUL byte; refused", where);
		break;
	case LINE_ERROR:
		vm_errno("cannot read the password %s", where);
		break;
	case LINE_SIGNAL:
		vm_err("interrupted");
		break;
	case LINE_OK:
		break;
	}
}

bool vm_read_secret_stdin(char *buf, size_t size)
{
	enum line r;

	if (size == 0)
		return false;
	r = read_line(STDIN_FILENO, buf, size, NULL);
	explain(r, "on standard input", size);
	return r == LINE_OK;
}

/* ---- the terminal ---------------------------------------------------- */

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

/* What ends or stops a program waiting at a prompt. */
static const int watched[] = {
	SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM,
	SIGTSTP, SIGTTIN, SIGTTOU,
};
#define N_WATCHED (sizeof watched / sizeof watched[0])

/* Catch the watched signals that are not ignored; their old actions in
 * old.  No SA_RESTART: a read(2) then fails with EINTR. */
static void catch_signals(struct sigaction old[N_WATCHED])
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (size_t i = 0; i < N_WATCHED; i++) {
		sigaction(watched[i], &sa, &old[i]);
		if (old[i].sa_handler == SIG_IGN)
			sigaction(watched[i], &old[i], NULL);
	}
}

/* Put the terminal's settings and the signals' actions back, with the
 * signals blocked meanwhile (a stop signal then cannot leave the
 * terminal without echo, and tcsetattr(3) works even when we have just
 * been put in the background). */
static void restore(const struct termios *saved, bool changed,
		    const struct sigaction old[N_WATCHED])
{
	sigset_t set, prev;

	sigemptyset(&set);
	for (size_t i = 0; i < N_WATCHED; i++)
		sigaddset(&set, watched[i]);
	sigprocmask(SIG_BLOCK, &set, &prev);
	if (changed)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, saved);
	for (size_t i = 0; i < N_WATCHED; i++)
		sigaction(watched[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &prev, NULL);
}

static void say(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR && !caught)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* One prompt and one line, with echo off.  LINE_SIGNAL if a watched
 * signal came (its number in caught); the terminal is restored. */
static enum line ask_once(int out, const char *prompt, char *buf,
			  size_t size)
{
	struct sigaction old[N_WATCHED];
	struct termios saved, quiet;
	enum line r = LINE_SIGNAL;
	bool changed = false;

	caught = 0;
	catch_signals(old);
	if (tcgetattr(STDIN_FILENO, &saved) < 0) {
		r = LINE_ERROR;
	} else {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		/* TCSAFLUSH: what was typed before the prompt is dropped,
		 * not read as the password. */
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0) {
			changed = true;
			say(out, prompt);
			if (!caught)
				r = read_line(STDIN_FILENO, buf, size, &caught);
			say(out, "\n");   /* the Enter was not echoed */
		} else if (!caught) {
			r = LINE_ERROR;
		}
	}
	if (caught)
		r = LINE_SIGNAL;
	if (r != LINE_OK)
		vm_explicit_bzero(buf, size);
	if (r == LINE_ERROR)
		vm_errno("cannot read the password from the terminal");
	/* TCSAFLUSH again: the rest of a refused line (too long, a NUL)
	 * must not reach the shell as a command. */
	restore(&saved, changed, old);
	return r;
}

bool vm_read_secret_tty(const char *prompt, char *buf, size_t size)
{
	enum line r;
	int out, sig;

	if (size == 0)
		return false;
	if (!isatty(STDIN_FILENO)) {
		vm_err("standard input is not a terminal");
		return false;
	}
	/* The prompt goes to the terminal even when stderr is redirected. */
	out = open("/dev/tty", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	for (;;) {
		r = ask_once(out >= 0 ? out : STDERR_FILENO, prompt, buf, size);
		if (r != LINE_SIGNAL)
			break;
		sig = caught;
		raise(sig);   /* its own action now: the end, or a stop */
		if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
			break;
		/* continued after a stop: ask again */
	}
	if (out >= 0)
		close(out);
	if (r != LINE_ERROR)   /* reported by ask_once(), with its errno */
		explain(r, "typed", size);
	return r == LINE_OK;
}

void vm_explicit_bzero(void *p, size_t n)
{
	explicit_bzero(p, n);
}
