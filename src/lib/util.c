/*
 * util.c - small helpers shared by every module (see util.h).
 *
 * Diagnostics go to stderr prefixed with the program name.  Programs are
 * run with fork/execvp and pipes, never through a shell, so arguments
 * need no quoting.  Files are written atomically (temp file in the same
 * directory, fsync, rename, fsync of the directory) and only when their
 * content, mode or ownership actually differ, which is what makes
 * "vmailctl setup" idempotent: an unchanged file keeps its mtime and no
 * daemon needs a reload.
 *
 * struct vm_buf is the one growable string of vmailctl; it doubles its
 * allocation as needed and turns running out of memory into a sticky
 * flag, so that code building text stays a plain list of appends.
 */
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"

const char *vm_progname = "vmailctl";

/* ---- diagnostics ---------------------------------------------------- */

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

/* ---- strings -------------------------------------------------------- */

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

bool vm_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return false;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

bool vm_snprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

void vm_ascii_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

bool vm_dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return vm_strlcpy(dir, ".", size);
	if (slash == path)
		return vm_strlcpy(dir, "/", size);
	if ((size_t)(slash - path) >= size)
		return false;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return true;
}

/* ---- growable strings ----------------------------------------------- */

#define VM_BUF_MIN 1024   /* first allocation */

/* Make room for n more bytes plus the NUL; false (and nomem) if the
 * memory cannot be had. */
static bool buf_reserve(struct vm_buf *b, size_t n)
{
	size_t need, cap;
	char *d;

	if (b->nomem)
		return false;
	if (n > SIZE_MAX - b->len - 1) {
		b->nomem = true;
		return false;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : VM_BUF_MIN;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (!(d = realloc(b->data, cap))) {
		b->nomem = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

bool vm_buf_add(struct vm_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return !b->nomem;
	if (!buf_reserve(b, n))
		return false;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

bool vm_buf_puts(struct vm_buf *b, const char *s)
{
	return vm_buf_add(b, s, strlen(s));
}

bool vm_buf_printf(struct vm_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->nomem)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->nomem = true;
		return false;
	}
	if (!buf_reserve(b, (size_t)n))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return true;
}

void vm_buf_truncate(struct vm_buf *b, size_t len)
{
	if (b->nomem || len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

char *vm_buf_take(struct vm_buf *b, size_t *len)
{
	char *data;

	if (!b->nomem && !b->data)
		buf_reserve(b, 0);   /* "" for an empty buffer */
	if (b->nomem) {
		vm_buf_free(b);
		errno = ENOMEM;
		return NULL;
	}
	data = b->data;
	data[b->len] = '\0';
	if (len)
		*len = b->len;
	*b = (struct vm_buf)VM_BUF_INIT;
	return data;
}

void vm_buf_free(struct vm_buf *b)
{
	free(b->data);
	*b = (struct vm_buf)VM_BUF_INIT;
}

/* ---- running programs ---------------------------------------------- */

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

/* ---- files ---------------------------------------------------------- */

/* Read everything from fd into a malloc'd NUL-terminated buffer. */
static char *read_fd(int fd, size_t *len)
{
	struct vm_buf b = VM_BUF_INIT;
	char chunk[8192];

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vm_buf_free(&b);
			return NULL;
		}
		if (r == 0 || !vm_buf_add(&b, chunk, (size_t)r))
			break;
	}
	return vm_buf_take(&b, len);   /* NULL, ENOMEM: out of memory */
}

char *vm_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *data;
	int e;

	if (fd < 0)
		return NULL;
	data = read_fd(fd, len);
	e = errno;
	close(fd);
	errno = e;
	return data;
}

static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		data += w;
		len -= (size_t)w;
	}
	return true;
}

static bool owner_ok(const struct stat *st, uid_t uid, gid_t gid)
{
	return (uid == (uid_t)-1 || st->st_uid == uid) &&
	       (gid == (gid_t)-1 || st->st_gid == gid);
}

static bool fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = fsync(fd) == 0 || errno == EINVAL;
	close(fd);
	return ok;
}

/*
 * Look at the existing file.  Returns 0 if it is exactly right, 1 if only
 * its mode/ownership needed fixing (done here), 2 if it must be
 * (re)written, -1 on error.
 */
static int check_existing(const char *path, const char *data, size_t len,
			  mode_t mode, uid_t uid, gid_t gid)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *old;
	size_t oldlen;
	bool same;
	int ret = 0;

	if (fd < 0)
		return (errno == ENOENT || errno == ELOOP) ? 2 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size != len) {
		close(fd);
		return 2;
	}
	old = read_fd(fd, &oldlen);
	same = old && oldlen == len && memcmp(old, data, len) == 0;
	free(old);
	if (!same) {
		close(fd);
		return 2;
	}
	if (!owner_ok(&st, uid, gid)) {
		if (fchown(fd, uid, gid) < 0)
			ret = -1;
		else
			ret = 1;
	}
	/* chown may clear set-id bits, so the mode comes second. */
	if (ret >= 0 && (ret == 1 || (st.st_mode & 07777) != mode)) {
		if (fchmod(fd, mode) < 0)
			ret = -1;
		else if ((st.st_mode & 07777) != mode)
			ret = 1;
	}
	close(fd);
	return ret;
}

void vm_root_group_owner(const char *group, uid_t *uid, gid_t *gid)
{
	const struct group *gr;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	if (geteuid() != 0)
		return;
	gr = getgrnam(group);
	*uid = 0;
	*gid = gr ? gr->gr_gid : 0;
}

int vm_write_file_if_changed(const char *path, const char *data, size_t len,
			     mode_t mode, uid_t uid, gid_t gid)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	const char *base;
	int state, fd;

	state = check_existing(path, data, len, mode, uid, gid);
	if (state < 0) {
		vm_errno("%s", path);
		return -1;
	}
	if (state < 2)
		return state;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!vm_dir_of(path, dir, sizeof dir) ||
	    !vm_snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base)) {
		vm_err("%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		vm_errno("cannot create a temporary file in %s", dir);
		return -1;
	}
	if (!write_all(fd, data, len) ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) ||
	    fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		vm_errno("cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		vm_errno("cannot replace %s", path);
		unlink(tmp);
		return -1;
	}
	if (!fsync_dir(dir)) {
		vm_errno("cannot sync directory %s", dir);
		return -1;
	}
	return 1;
}

/* Fix mode and ownership of an existing directory. 1 changed, 0 not,
 * -1 error. */
static int fix_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;
	int changed = 0;

	if (stat(path, &st) < 0) {
		vm_errno("%s", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		vm_err("%s: exists and is not a directory", path);
		return -1;
	}
	if (!owner_ok(&st, uid, gid)) {
		if (chown(path, uid, gid) < 0) {
			vm_errno("cannot change owner of %s", path);
			return -1;
		}
		changed = 1;
	}
	if (changed || (st.st_mode & 07777) != mode) {
		if (chmod(path, mode) < 0) {
			vm_errno("cannot change mode of %s", path);
			return -1;
		}
		if ((st.st_mode & 07777) != mode)
			changed = 1;
	}
	return changed;
}

/* Create one directory; true if it exists afterwards. *made tells
 * whether we created it. */
static bool make_one(const char *path, mode_t mode, bool *made)
{
	*made = false;
	if (mkdir(path, mode) == 0) {
		*made = true;
		return true;
	}
	return errno == EEXIST;
}

int vm_ensure_dir(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	char buf[PATH_MAX];
	bool made, any = false;

	if (!vm_strlcpy(buf, path, sizeof buf) || !*buf) {
		vm_err("%s: bad directory path", path);
		return -1;
	}
	/* Parents: created 0755 (regardless of umask) when missing. */
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (!make_one(buf, 0755, &made)) {
			vm_errno("cannot create %s", buf);
			return -1;
		}
		if (made) {
			any = true;
			if (chmod(buf, 0755) < 0) {
				vm_errno("cannot change mode of %s", buf);
				return -1;
			}
		}
		*p = '/';
	}
	if (!make_one(path, mode & 07777, &made)) {
		vm_errno("cannot create %s", path);
		return -1;
	}
	switch (fix_dir(path, mode & 07777, uid, gid)) {
	case -1:
		return -1;
	case 1:
		return 1;
	default:
		return made || any;
	}
}

bool vm_read_secret_stdin(char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return false;
	/* Byte by byte: no stdio buffer keeps a copy, and input after the
	 * first line stays unread. */
	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vm_errno("cannot read standard input");
			vm_explicit_bzero(buf, size);
			return false;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= size) {
			vm_err("password on standard input is longer than %zu "
			       "characters", size - 1);
			vm_explicit_bzero(buf, size);
			vm_explicit_bzero(&c, sizeof c);
			return false;
		}
		buf[n++] = c;
		vm_explicit_bzero(&c, sizeof c);
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0) {
		vm_err("no password on standard input");
		return false;
	}
	return true;
}

void vm_explicit_bzero(void *p, size_t n)
{
	explicit_bzero(p, n);
}
