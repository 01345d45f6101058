/*
 * test_settle.c - unit tests for settle_kinds_renewed() (src/lib/
 * settle.c), the rule that says rspamd's reload has taken effect: each
 * kind of worker that ran before the reload runs anew, however many old
 * ones still linger (a proxy that served a milter session stays for
 * minutes, through further reloads), and kinds whose old workers have
 * gone need nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/types.h>

#include "lib/settle.h"

#define PROXY "rspamd: rspamd_proxy process (127.0.0.1:11332)"
#define NORMAL "rspamd: normal process (localhost:11333)"
#define CONTROLLER "rspamd: controller process (localhost:11334)"
#define HS "rspamd: hs_helper process"
#define FORKED "rspamd: main process"   /* before setproctitle() */
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

/* A new worker that has not set its title yet is not its kind. */
static void test_a_kind_not_yet_renewed(void **state)
{
	const char *old[] = { PROXY, NORMAL };
	const char *fresh[] = { PROXY, FORKED };

	(void)state;
	assert_false(settle_kinds_renewed(old, N(old), fresh, N(fresh)));
}

/* Old workers that have all gone need nothing; but with no new worker
 * at all nothing has been reloaded. */
static void test_gone_kinds_and_no_new_worker(void **state)
{
	const char *fresh[] = { PROXY };
	const char *old[] = { PROXY };

	(void)state;
	assert_true(settle_kinds_renewed(NULL, 0, fresh, N(fresh)));
	assert_false(settle_kinds_renewed(old, N(old), NULL, 0));
	assert_false(settle_kinds_renewed(NULL, 0, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_renewed),
		cmocka_unit_test(test_lingering_proxies_do_not_count),
		cmocka_unit_test(test_a_kind_not_yet_renewed),
		cmocka_unit_test(test_gone_kinds_and_no_new_worker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
