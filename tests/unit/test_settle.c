/*
 * test_settle.c - unit tests for settle_kinds_renewed() (src/lib/
 * settle.c), the rule that says rspamd's reload has taken effect: each
 * kind of worker that ran before the reload runs anew, however many old
 * ones still linger (a proxy that served a milter session stays for
 * minutes, through further reloads); and settle_kind(), a worker's kind
 * from its process title.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/types.h>

#include "lib/settle.h"

#define PROXY "rspamd: rspamd_proxy process"
#define NORMAL "rspamd: normal process"
#define CONTROLLER "rspamd: controller process"
#define HS "rspamd: hs_helper process"
#define N(a) (sizeof (a) / sizeof (a)[0])

static void test_every_kind_renewed(void **state)
{
	const char *old[] = { PROXY, CONTROLLER, NORMAL, HS };
	const char *fresh[] = { HS, NORMAL, CONTROLLER, PROXY };

	(void)state;
	assert_true(settle_kinds_renewed(old, N(old), fresh, N(fresh)));
}

/* Two generations of lingering proxies before the reload, one new one
 * after it: renewed (counting workers would wait for ever). */
static void test_lingering_proxies_do_not_count(void **state)
{
	const char *old[] = { PROXY, PROXY, PROXY, CONTROLLER, NORMAL };
	const char *fresh[] = { PROXY, CONTROLLER, NORMAL, HS };

	(void)state;
	assert_true(settle_kinds_renewed(old, N(old), fresh, N(fresh)));
}

/* A kind that has no new worker yet (settle.c does not count one still
 * titled as the main process, just forked) is not renewed, whether its
 * old workers still run or have gone. */
static void test_a_kind_not_yet_renewed(void **state)
{
	const char *old[] = { PROXY, NORMAL, HS };
	const char *fresh[] = { PROXY, HS };

	(void)state;
	assert_false(settle_kinds_renewed(old, N(old), fresh, N(fresh)));
}

/* With no worker before (a first start) any new one will do; with no
 * new worker at all nothing has been reloaded. */
static void test_first_start_and_no_new_worker(void **state)
{
	const char *fresh[] = { PROXY };
	const char *old[] = { PROXY };

	(void)state;
	assert_true(settle_kinds_renewed(NULL, 0, fresh, N(fresh)));
	assert_false(settle_kinds_renewed(old, N(old), NULL, 0));
	assert_false(settle_kinds_renewed(NULL, 0, NULL, 0));
}

static void expect_kind(const char *title, const char *want)
{
	char kind[SETTLE_KIND_MAX];

	settle_kind(title, kind, sizeof kind);
	assert_string_equal(kind, want);
}

/* The address a worker listens on is not part of its kind. */
static void test_kind_of_a_title(void **state)
{
	(void)state;
	expect_kind("rspamd: rspamd_proxy process (127.0.0.1:11332)", PROXY);
	expect_kind("rspamd: normal process (localhost:11333)", NORMAL);
	expect_kind("rspamd: hs_helper process", HS);
	expect_kind("rspamd: main process", "rspamd: main process");
	expect_kind("(x)", "(x)");
	expect_kind("", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_renewed),
		cmocka_unit_test(test_lingering_proxies_do_not_count),
		cmocka_unit_test(test_a_kind_not_yet_renewed),
		cmocka_unit_test(test_first_start_and_no_new_worker),
		cmocka_unit_test(test_kind_of_a_title),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
