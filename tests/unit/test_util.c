/*
 * test_util.c - unit tests for the small helpers of src/lib/: string
 * helpers (str.c), the growable string (buf.c), running programs
 * (process.c), atomic idempotent file writes and directory creation
 * (file.c), reading secrets from stdin (secret.c), and the diagnostics
 * format (diag.c).
 *
 * Run by "make test"; the tests work in a private mkdtemp() directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/process.h"
#include "lib/secret.h"
#include "lib/str.h"
#include "scratch_dir.h"

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Entries in dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* ---- strings -------------------------------------------------------- */

static void test_strlcpy(void **state)
{
	char buf[6];

	(void)state;
	assert_true(vm_strlcpy(buf, "hello", sizeof buf));
	assert_string_equal(buf, "hello");
	assert_false(vm_strlcpy(buf, "hello!", sizeof buf));
	assert_string_equal(buf, "hello");
	assert_true(vm_strlcpy(buf, "", sizeof buf));
	assert_string_equal(buf, "");
	assert_false(vm_strlcpy(buf, "x", 0));
}

static void test_snprintf(void **state)
{
	char buf[8];

	(void)state;
	assert_true(vm_snprintf(buf, sizeof buf, "%d-%s", 42, "ab"));
	assert_string_equal(buf, "42-ab");
	assert_true(vm_snprintf(buf, sizeof buf, "%s", "1234567"));
	assert_false(vm_snprintf(buf, sizeof buf, "%s", "12345678"));
	assert_string_equal(buf, "1234567");
}

static void test_ascii_lower(void **state)
{
	char s[] = "Mail.EXAMPLE.com-\xc3\x84Z";

	(void)state;
	vm_ascii_lower(s);
	assert_string_equal(s, "mail.example.com-\xc3\x84z");
}

static void test_dir_of(void **state)
{
	static const struct {
		const char *path, *dir;
	} cases[] = {
		{ "/var/lib/x.db", "/var/lib" },
		{ "x.db", "." },
		{ "/x.db", "/" },
		{ "a/b/", "a/b" },
	};
	char dir[9];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		assert_true(vm_dir_of(cases[i].path, dir, sizeof dir));
		assert_string_equal(dir, cases[i].dir);
	}
	assert_false(vm_dir_of("/var/lib/vmail/x.db", dir, sizeof dir));
}

/* ---- vm_buf --------------------------------------------------------- */

static void test_buf_appends(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t len = 99;
	char *text;

	(void)state;
	assert_true(vm_buf_add(&b, "ab\0c", 4));   /* bytes, NUL and all */
	assert_true(vm_buf_puts(&b, "de"));
	assert_true(vm_buf_printf(&b, "[%d|%s]", 42, "x"));
	assert_true(vm_buf_add(&b, "zzz", 0));
	assert_int_equal(b.len, 12);
	assert_int_equal(b.data[b.len], '\0');
	text = vm_buf_take(&b, &len);
	assert_non_null(text);
	assert_int_equal(len, 12);
	assert_memory_equal(text, "ab\0cde[42|x]", 13);
	free(text);
	/* take leaves an empty buffer, ready for reuse */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_false(b.nomem);
	assert_true(vm_buf_puts(&b, "again"));
	text = vm_buf_take(&b, NULL);
	assert_string_equal(text, "again");
	free(text);
}

static void test_buf_empty(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t len = 99;
	char *text;

	(void)state;
	text = vm_buf_take(&b, &len);   /* nothing added: "" */
	assert_non_null(text);
	assert_string_equal(text, "");
	assert_int_equal(len, 0);
	free(text);
	assert_true(vm_buf_printf(&b, "%s", ""));
	text = vm_buf_take(&b, NULL);
	assert_string_equal(text, "");
	free(text);
	vm_buf_free(&b);   /* harmless on an empty buffer, and twice */
	vm_buf_free(&b);
}

static void test_buf_grows(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	char big[5000];
	char *text;
	size_t len;

	(void)state;
	for (int i = 0; i < 3000; i++)
		assert_true(vm_buf_printf(&b, "%d,", i % 10));
	assert_int_equal(b.len, 6000);
	assert_true(b.cap > b.len);
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_true(vm_buf_printf(&b, "<%s>", big));   /* longer than cap */
	text = vm_buf_take(&b, &len);
	assert_int_equal(len, 6000 + 2 + sizeof big - 1);
	assert_memory_equal(text, "0,1,2,3,", 8);
	assert_memory_equal(text + 5998, "9,<qqq", 6);
	assert_string_equal(text + len - 2, "q>");
	free(text);
}

static void test_buf_truncate(void **state)
{
	struct vm_buf b = VM_BUF_INIT;

	(void)state;
	vm_buf_truncate(&b, 0);   /* empty: nothing to do */
	vm_buf_puts(&b, "hello   ");
	vm_buf_truncate(&b, 5);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "hello");
	vm_buf_truncate(&b, 50);  /* longer than the text: no-op */
	assert_string_equal(b.data, "hello");
	vm_buf_puts(&b, "!");
	assert_string_equal(b.data, "hello!");
	vm_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_buf_out_of_memory_is_sticky(void **state)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t len = 7;

	(void)state;
	assert_true(vm_buf_puts(&b, "kept so far"));
	/* A size that cannot be allocated (never read: it fails first). */
	assert_false(vm_buf_add(&b, "x", SIZE_MAX - 2));
	assert_true(b.nomem);
	assert_false(vm_buf_puts(&b, "more"));
	assert_false(vm_buf_printf(&b, "%d", 1));
	assert_false(vm_buf_add(&b, "", 0));
	vm_buf_truncate(&b, 2);   /* ignored after a failure */
	assert_int_equal(b.len, 11);
	errno = 0;
	assert_null(vm_buf_take(&b, &len));
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(len, 7);          /* untouched on failure */
	assert_null(b.data);               /* freed (ASan checks) */
	assert_false(b.nomem);             /* and reset for reuse */
	assert_true(vm_buf_puts(&b, "ok"));
	vm_buf_free(&b);
}

/* ---- vm_run --------------------------------------------------------- */

static void test_run_captures_output_and_status(void **state)
{
	const char *const argv[] = { "sh", "-c", "echo hello; echo oops >&2; exit 3",
				     NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, NULL, &out), 3);
	assert_non_null(out);
	assert_string_equal(out, "hello\n");
	free(out);
}

static void test_run_no_shell(void **state)
{
	/* Arguments reach the program verbatim: no globbing, no $ expansion. */
	const char *const argv[] = { "printf", "%s|%s", "$HOME *", "a;b", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, NULL, &out), 0);
	assert_string_equal(out, "$HOME *|a;b");
	free(out);
}

static void test_run_stdin_delivered(void **state)
{
	const char *const argv[] = { "cat", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, "secret\nsecond line", &out), 0);
	assert_string_equal(out, "secret\nsecond line");
	free(out);
}

static void test_run_big_stdin_and_output(void **state)
{
	/* More than a pipe buffer each way: must not deadlock. */
	const char *const argv[] = { "cat", NULL };
	size_t n = 1 << 20;
	char *in = malloc(n + 1), *out = NULL;

	(void)state;
	assert_non_null(in);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[n] = '\0';
	assert_int_equal(vm_run(argv, in, &out), 0);
	assert_non_null(out);
	assert_int_equal(strlen(out), n);
	assert_memory_equal(out, in, n);
	free(in);
	free(out);
}

static void test_run_child_ignores_stdin(void **state)
{
	/* A child that exits without reading must not kill us (SIGPIPE). */
	const char *const argv[] = { "true", NULL };
	size_t n = 1 << 20;
	char *in = malloc(n + 1);

	(void)state;
	assert_non_null(in);
	memset(in, 'x', n);
	in[n] = '\0';
	assert_int_equal(vm_run(argv, in, NULL), 0);
	free(in);
}

static void test_run_stdin_is_empty_by_default(void **state)
{
	const char *const argv[] = { "cat", NULL };
	char *out = NULL;

	(void)state;
	assert_int_equal(vm_run(argv, NULL, &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_run_missing_program(void **state)
{
	const char *const argv[] = { "vmail-no-such-program-xyz", NULL };
	char *out = (char *)"untouched";

	(void)state;
	errno = 0;
	assert_int_equal(vm_run(argv, "data", &out), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(out);
}

static void test_run_killed_by_signal(void **state)
{
	const char *const argv[] = { "sh", "-c", "kill -9 $$", NULL };

	(void)state;
	assert_int_equal(vm_run(argv, NULL, NULL), -1);
}

static void test_run_quiet(void **state)
{
	const char *const argv[] = { "sh", "-c", "echo noise; echo noise >&2; exit 4",
				     NULL };

	(void)state;
	assert_int_equal(vm_run_quiet(argv), 4);
}

static void test_run_no_fd_leak_no_zombie(void **state)
{
	const char *const ok[] = { "sh", "-c", "echo x; exit 0", NULL };
	const char *const bad[] = { "vmail-no-such-program-xyz", NULL };
	int before = count_open_fds();
	char *out;

	(void)state;
	for (int i = 0; i < 20; i++) {
		out = NULL;
		assert_int_equal(vm_run(ok, "in", &out), 0);
		free(out);
		assert_int_equal(vm_run(bad, NULL, NULL), -1);
		assert_int_equal(vm_run_quiet(ok), 0);
	}
	assert_int_equal(count_open_fds(), before);
	/* Every child has been reaped. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* ---- files ---------------------------------------------------------- */

static void test_read_file(void **state)
{
	char path[512];
	const char data[] = "line one\nline\0two";
	size_t len = 0;
	char *got;
	FILE *f;

	(void)state;
	scratch_path(path, sizeof path, "read.txt");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, sizeof data - 1, f), sizeof data - 1);
	fclose(f);

	got = vm_read_file(path, &len);
	assert_non_null(got);
	assert_int_equal(len, sizeof data - 1);
	assert_memory_equal(got, data, len);
	assert_int_equal(got[len], '\0');
	free(got);

	scratch_path(path, sizeof path, "missing.txt");
	errno = 0;
	assert_null(vm_read_file(path, &len));
	assert_int_equal(errno, ENOENT);
}

static void set_old_mtime(const char *path)
{
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_write_if_changed(void **state)
{
	char dir[512], path[512];
	struct stat st, st2;
	size_t len;
	char *got;

	(void)state;
	scratch_path(dir, sizeof dir, "w");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_true(vm_snprintf(path, sizeof path, "%s/main.cf", dir));

	/* New file: written, with exactly the mode asked for. */
	assert_int_equal(vm_write_file_if_changed(path, "a = 1\n", 6, 0640,
						  (uid_t)-1, (gid_t)-1), 1);
	got = vm_read_file(path, &len);
	assert_non_null(got);
	assert_string_equal(got, "a = 1\n");
	free(got);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);

	/* Same content: untouched (mtime and inode unchanged). */
	set_old_mtime(path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(vm_write_file_if_changed(path, "a = 1\n", 6, 0640,
						  (uid_t)-1, (gid_t)-1), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mtime, st.st_mtime);
	assert_int_equal(st2.st_ino, st.st_ino);

	/* Only the mode differs: fixed in place, content kept. */
	assert_int_equal(vm_write_file_if_changed(path, "a = 1\n", 6, 0600,
						  (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0600);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(vm_write_file_if_changed(path, "a = 1\n", 6, 0600,
						  (uid_t)-1, (gid_t)-1), 0);

	/* Same length, different content: replaced. */
	assert_int_equal(vm_write_file_if_changed(path, "a = 2\n", 6, 0600,
						  (uid_t)-1, (gid_t)-1), 1);
	got = vm_read_file(path, &len);
	assert_string_equal(got, "a = 2\n");
	free(got);

	/* Empty content is a valid file too. */
	assert_int_equal(vm_write_file_if_changed(path, "", 0, 0600,
						  (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_size, 0);
	assert_int_equal(vm_write_file_if_changed(path, "", 0, 0600,
						  (uid_t)-1, (gid_t)-1), 0);

	/* No temporary files are left behind. */
	assert_int_equal(count_entries(dir), 1);
}

static void test_write_if_changed_owner(void **state)
{
	char path[512];
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	scratch_path(path, sizeof path, "owned");
	assert_int_equal(vm_write_file_if_changed(path, "x", 1, 0640,
						  65534, 65534), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 65534);
	assert_int_equal(vm_write_file_if_changed(path, "x", 1, 0640,
						  65534, 65534), 0);
	/* Ownership wrong, content right: fixed. */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(vm_write_file_if_changed(path, "x", 1, 0640,
						  65534, (gid_t)-1), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, 65534);
	assert_int_equal(st.st_gid, 0);
}

static void test_write_if_changed_replaces_symlink(void **state)
{
	char path[512], target[512];
	struct stat st;

	(void)state;
	scratch_path(target, sizeof target, "target");
	scratch_path(path, sizeof path, "link");
	assert_int_equal(vm_write_file_if_changed(target, "same", 4, 0644,
						  (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(symlink(target, path), 0);
	/* Same content behind a symlink is still rewritten as a file. */
	assert_int_equal(vm_write_file_if_changed(path, "same", 4, 0644,
						  (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_write_if_changed_error(void **state)
{
	char path[512];

	(void)state;
	scratch_path(path, sizeof path, "no/such/dir/file");
	assert_int_equal(vm_write_file_if_changed(path, "x", 1, 0644,
						  (uid_t)-1, (gid_t)-1), -1);
}

static void test_ensure_dir(void **state)
{
	char path[512], file[512];
	struct stat st;

	(void)state;
	scratch_path(path, sizeof path, "d1/d2/d3");
	assert_int_equal(vm_ensure_dir(path, 0700, (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(vm_ensure_dir(path, 0700, (uid_t)-1, (gid_t)-1), 0);

	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(vm_ensure_dir(path, 0700, (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	scratch_path(file, sizeof file, "plainfile");
	assert_int_equal(vm_write_file_if_changed(file, "x", 1, 0644,
						  (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(vm_ensure_dir(file, 0700, (uid_t)-1, (gid_t)-1), -1);
}

/* ---- secrets from stdin ---------------------------------------------- */

/* Run vm_read_secret_stdin with input as standard input. */
static bool read_secret_from(const char *input, char *buf, size_t size)
{
	int saved = dup(STDIN_FILENO), p[2];
	bool ok;

	assert_true(saved >= 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], input, strlen(input)), (ssize_t)strlen(input));
	close(p[1]);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	ok = vm_read_secret_stdin(buf, size);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	return ok;
}

static void test_read_secret(void **state)
{
	char buf[16];

	(void)state;
	assert_true(read_secret_from("pass word\nsecond\n", buf, sizeof buf));
	assert_string_equal(buf, "pass word");
	assert_true(read_secret_from("crlf-line\r\n", buf, sizeof buf));
	assert_string_equal(buf, "crlf-line");
	assert_true(read_secret_from("no-newline", buf, sizeof buf));
	assert_string_equal(buf, "no-newline");
	assert_true(read_secret_from("exactly15chars!", buf, sizeof buf));
	assert_string_equal(buf, "exactly15chars!");
	assert_false(read_secret_from("exactly16chars!!", buf, sizeof buf));
	assert_false(read_secret_from("", buf, sizeof buf));
	assert_false(read_secret_from("\n", buf, sizeof buf));
}

/* ---- diagnostics ---------------------------------------------------- */

/* Call fn with stderr sent to a file; return what it printed. */
static char *capture_stderr(void (*fn)(void))
{
	char path[512];
	int saved = dup(STDERR_FILENO), fd;
	char *text;

	scratch_path(path, sizeof path, "stderr.txt");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	text = vm_read_file(path, NULL);
	assert_non_null(text);
	return text;
}

static void say_err(void)
{
	vm_err("bad %s %d", "thing", 7);
}

static void say_errno(void)
{
	errno = ENOENT;
	vm_errno("open %s", "x");
}

static void say_progress(void)
{
	vm_progress("step %d", 2);
}

static void test_diagnostics(void **state)
{
	char *text;

	(void)state;
	text = capture_stderr(say_err);
	assert_string_equal(text, "vmailctl: bad thing 7\n");
	free(text);

	text = capture_stderr(say_errno);
	assert_string_equal(text, "vmailctl: open x: No such file or directory\n");
	free(text);

	setenv("VMAIL_PROGRESS", "1", 1);
	text = capture_stderr(say_progress);
	assert_string_equal(text, "==> step 2\n");
	free(text);

	/* stderr is a file here, not a terminal: no progress lines. */
	unsetenv("VMAIL_PROGRESS");
	text = capture_stderr(say_progress);
	assert_string_equal(text, "");
	free(text);
}

static void test_explicit_bzero(void **state)
{
	char secret[] = "hunter22";

	(void)state;
	vm_explicit_bzero(secret, sizeof secret);
	for (size_t i = 0; i < sizeof secret; i++)
		assert_int_equal(secret[i], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_snprintf),
		cmocka_unit_test(test_ascii_lower),
		cmocka_unit_test(test_dir_of),
		cmocka_unit_test(test_buf_appends),
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_grows),
		cmocka_unit_test(test_buf_truncate),
		cmocka_unit_test(test_buf_out_of_memory_is_sticky),
		cmocka_unit_test(test_run_captures_output_and_status),
		cmocka_unit_test(test_run_no_shell),
		cmocka_unit_test(test_run_stdin_delivered),
		cmocka_unit_test(test_run_big_stdin_and_output),
		cmocka_unit_test(test_run_child_ignores_stdin),
		cmocka_unit_test(test_run_stdin_is_empty_by_default),
		cmocka_unit_test(test_run_missing_program),
		cmocka_unit_test(test_run_killed_by_signal),
		cmocka_unit_test(test_run_quiet),
		cmocka_unit_test(test_run_no_fd_leak_no_zombie),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_write_if_changed),
		cmocka_unit_test(test_write_if_changed_owner),
		cmocka_unit_test(test_write_if_changed_replaces_symlink),
		cmocka_unit_test(test_write_if_changed_error),
		cmocka_unit_test(test_ensure_dir),
		cmocka_unit_test(test_read_secret),
		cmocka_unit_test(test_diagnostics),
		cmocka_unit_test(test_explicit_bzero),
	};

	return cmocka_run_group_tests(tests, scratch_dir_setup,
				      scratch_dir_teardown);
}
