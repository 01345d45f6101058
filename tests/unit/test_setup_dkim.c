/*
 * test_setup_dkim.c - unit tests for the DKIM step of setup
 * (src/setup/setup_dkim.c): domains without a key get an active one and
 * the selectors map lists them; a second run changes nothing (no file
 * written); bad modes are repaired.  Uses a scratch directory for the
 * database and $VMAIL_DKIM_DIR.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lib/dkim.h"
#include "lib/file.h"
#include "setup/setup.h"
#include "store/store.h"
#include "scratch_dir.h"

static struct setup st;

static int setup_group(void **state)
{
	char dir[512];

	if (scratch_dir_setup(state) < 0)
		return -1;
	scratch_path(dir, sizeof dir, "dkim");
	scratch_path(st.cfg.database, sizeof st.cfg.database, "vmail.db");
	if (setenv("VMAIL_DKIM_DIR", dir, 1) < 0)
		return -1;
	/* directory_commit() writes rspamd's sender map beside vmail.conf. */
	scratch_path(dir, sizeof dir, "vmail.conf");
	return setenv("VMAIL_CONF", dir, 1);
}

static char *read_map(void)
{
	char path[512];

	assert_true(dkim_map_path(path, sizeof path));
	return vm_read_file(path, NULL);
}

static struct timespec mtime_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mtim;
}

static void test_keys_for_every_domain_then_idempotent(void **state)
{
	struct store *s = store_open(st.cfg.database, true);
	char map[512], key[512], want[128], day[16], *text;
	struct timespec m1, k1, m2, k2;
	time_t now = time(NULL);
	struct tm tm;

	assert_non_null(s);
	assert_int_equal(store_domain_add(s, "b.example"), STORE_OK);
	assert_int_equal(store_domain_add(s, "a.example"), STORE_OK);
	store_close(s);

	st.dkim_changed = false;
	assert_true(setup_dkim(&st));
	assert_true(st.dkim_changed);
	gmtime_r(&now, &tm);
	strftime(day, sizeof day, "%Y%m%d", &tm);
	snprintf(want, sizeof want, "a.example vm%s\nb.example vm%s\n", day,
		 day);
	text = read_map();
	assert_non_null(text);
	assert_string_equal(text, want);
	free(text);

	/* Again: nothing to do, nothing written. */
	assert_true(dkim_map_path(map, sizeof map));
	snprintf(want, sizeof want, "vm%s", day);
	assert_true(dkim_key_path("a.example", want, key, sizeof key));
	m1 = mtime_of(map);
	k1 = mtime_of(key);
	st.dkim_changed = false;
	assert_true(setup_dkim(&st));
	assert_false(st.dkim_changed);
	m2 = mtime_of(map);
	k2 = mtime_of(key);
	assert_memory_equal(&m1, &m2, sizeof m1);
	assert_memory_equal(&k1, &k2, sizeof k1);

	/* A wrong mode is repaired, and only that. */
	assert_int_equal(chmod(key, 0644), 0);
	assert_true(setup_dkim(&st));
	assert_true(st.dkim_changed);
	assert_int_equal(mtime_of(key).tv_nsec, k1.tv_nsec);
	st.dkim_changed = false;
	assert_true(setup_dkim(&st));
	assert_false(st.dkim_changed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_for_every_domain_then_idempotent),
	};

	return cmocka_run_group_tests(tests, setup_group,
				      scratch_dir_teardown);
}
