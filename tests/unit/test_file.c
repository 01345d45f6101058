/*
 * test_file.c - unit tests for src/lib/file.c: reading files, atomic
 * idempotent file writes (content, mode, owner) and directory creation.
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
#include <unistd.h>

#include "lib/file.h"
#include "lib/str.h"
#include "scratch_dir.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_write_if_changed),
		cmocka_unit_test(test_write_if_changed_owner),
		cmocka_unit_test(test_write_if_changed_replaces_symlink),
		cmocka_unit_test(test_write_if_changed_error),
		cmocka_unit_test(test_ensure_dir),
	};

	return cmocka_run_group_tests(tests, scratch_dir_setup,
				      scratch_dir_teardown);
}
