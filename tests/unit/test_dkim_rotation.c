/*
 * test_dkim_rotation.c - unit tests for the decisions of DKIM key
 * rotation (src/core/dkim_rotation.c) with a fake clock: a young active
 * key is left alone, an old one gets a pending successor (never a second
 * one), a pending key is activated only when DNS serves the same key
 * (missing, another key and a failed lookup wait), retired keys go only
 * after the grace period, rotation off ([dkim] rotate = 0) still retires,
 * "--activate" by hand and --force, and the store's time format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/dkim_rotation.h"

#define DAY (24L * 3600)
#define NOW ((time_t)1800000000)          /* 2027-01-15 08:00:00 UTC */
#define PERIOD (182 * DAY)                /* "6 months" */

static struct dkim_rot_plan decide(const struct dkim_rot_key *k, size_t n,
				   long period, enum dkim_visibility v)
{
	struct dkim_rot_in in = { k, n, NOW, period, DKIM_RETIRE_GRACE, v };
	struct dkim_rot_plan p;

	dkim_rot_decide(&in, &p);
	return p;
}

static bool nothing(const struct dkim_rot_plan *p)
{
	return !p->activate && !p->create_pending && !p->waiting &&
	       p->nremove == 0;
}

static void test_young_active_left_alone(void **state)
{
	struct dkim_rot_key k[] = {
		{ "vm20260801", DKIM_ROT_ACTIVE, NOW - PERIOD + 1 },
	};
	struct dkim_rot_plan p = decide(k, 1, PERIOD, DKIM_VIS_UNKNOWN);

	(void)state;
	assert_true(nothing(&p));
	assert_int_equal(p.active, 0);
	assert_int_equal(p.pending, -1);
}

static void test_old_active_gets_pending(void **state)
{
	struct dkim_rot_key k[] = {
		{ "vm20260101", DKIM_ROT_ACTIVE, NOW - PERIOD },
	};
	struct dkim_rot_plan p = decide(k, 1, PERIOD, DKIM_VIS_UNKNOWN);

	(void)state;
	assert_true(p.create_pending);
	assert_false(p.activate);
	assert_false(p.waiting);
	assert_int_equal(p.nremove, 0);
}

static void test_pending_waits_for_dns(void **state)
{
	struct dkim_rot_key k[] = {
		{ "vm20260101", DKIM_ROT_ACTIVE, NOW - 400 * DAY },
		{ "vm20270110", DKIM_ROT_PENDING, NOW - 5 * DAY },
	};
	const enum dkim_visibility waits[] = {
		DKIM_VIS_MISSING, DKIM_VIS_OTHER, DKIM_VIS_FAILED,
		DKIM_VIS_UNKNOWN,
	};

	(void)state;
	for (size_t i = 0; i < sizeof waits / sizeof *waits; i++) {
		struct dkim_rot_plan p = decide(k, 2, PERIOD, waits[i]);

		assert_true(p.waiting);
		assert_false(p.activate);
		/* never a second pending key, however old the active one */
		assert_false(p.create_pending);
		assert_int_equal(p.pending, 1);
	}
}

static void test_visible_pending_activated(void **state)
{
	struct dkim_rot_key k[] = {
		{ "vm20260101", DKIM_ROT_ACTIVE, NOW - 400 * DAY },
		{ "vm20270114", DKIM_ROT_PENDING, NOW - 60 },
	};
	struct dkim_rot_plan p = decide(k, 2, PERIOD, DKIM_VIS_SAME);

	(void)state;
	assert_true(p.activate);
	assert_false(p.waiting);
	assert_false(p.create_pending);
	assert_int_equal(p.active, 0);
	assert_int_equal(p.pending, 1);
}

static void test_retired_grace(void **state)
{
	struct dkim_rot_key k[] = {
		{ "vm20270101", DKIM_ROT_ACTIVE, NOW - 10 * DAY },
		{ "vm20260701", DKIM_ROT_RETIRED,
		  NOW - DKIM_RETIRE_GRACE + 1 },          /* still in grace */
		{ "vm20260101", DKIM_ROT_RETIRED,
		  NOW - DKIM_RETIRE_GRACE },              /* just over */
		{ "vm20250101", DKIM_ROT_RETIRED, NOW - 300 * DAY },
	};
	struct dkim_rot_plan p = decide(k, 4, PERIOD, DKIM_VIS_UNKNOWN);

	(void)state;
	assert_int_equal(DKIM_RETIRE_GRACE, 7 * DAY);
	assert_int_equal(p.nremove, 2);
	assert_int_equal(p.remove[0], 2);
	assert_int_equal(p.remove[1], 3);
	assert_false(p.create_pending);
	assert_false(p.activate);
}

static void test_rotation_off(void **state)
{
	struct dkim_rot_key k[] = {
		{ "vm20200101", DKIM_ROT_ACTIVE, NOW - 2000 * DAY },
		{ "vm20270110", DKIM_ROT_PENDING, NOW - 5 * DAY },
		{ "vm20190101", DKIM_ROT_RETIRED, NOW - 8 * DAY },
	};
	struct dkim_rot_plan p = decide(k, 3, 0, DKIM_VIS_SAME);

	(void)state;
	/* [dkim] rotate = 0: no new keys, no activation by the job; the
	 * retired key still goes after its grace period. */
	assert_false(p.create_pending);
	assert_false(p.activate);
	assert_false(p.waiting);
	assert_int_equal(p.nremove, 1);
	assert_int_equal(p.remove[0], 2);
}

static void test_after_activation_next_period(void **state)
{
	/* The day after an activation: the new active key is young, the
	 * retired one in grace: nothing to do, quietly. */
	struct dkim_rot_key k[] = {
		{ "vm20270114", DKIM_ROT_ACTIVE, NOW - DAY },
		{ "vm20260101", DKIM_ROT_RETIRED, NOW - DAY },
	};
	struct dkim_rot_plan p = decide(k, 2, PERIOD, DKIM_VIS_UNKNOWN);

	(void)state;
	assert_true(nothing(&p));
}

static void test_no_keys(void **state)
{
	struct dkim_rot_plan p = decide(NULL, 0, PERIOD, DKIM_VIS_UNKNOWN);

	(void)state;
	assert_true(nothing(&p));
	assert_int_equal(p.active, -1);
	assert_int_equal(p.pending, -1);
}

static void test_many_retired_capped(void **state)
{
	struct dkim_rot_key k[DKIM_ROT_MAX_REMOVE + 5];

	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof *k; i++)
		k[i] = (struct dkim_rot_key){ "x", DKIM_ROT_RETIRED,
					      NOW - 30 * DAY };
	struct dkim_rot_plan p = decide(k, sizeof k / sizeof *k, PERIOD,
					DKIM_VIS_UNKNOWN);
	assert_int_equal(p.nremove, DKIM_ROT_MAX_REMOVE);
}

static void test_may_activate(void **state)
{
	(void)state;
	assert_true(dkim_rot_may_activate(DKIM_VIS_SAME, false));
	assert_false(dkim_rot_may_activate(DKIM_VIS_MISSING, false));
	assert_false(dkim_rot_may_activate(DKIM_VIS_OTHER, false));
	assert_false(dkim_rot_may_activate(DKIM_VIS_FAILED, false));
	assert_true(dkim_rot_may_activate(DKIM_VIS_MISSING, true));
	assert_true(dkim_rot_may_activate(DKIM_VIS_OTHER, true));
	assert_string_equal(dkim_visibility_name(DKIM_VIS_MISSING), "nothing");
	assert_string_equal(dkim_visibility_name(DKIM_VIS_OTHER),
			    "a different key");
}

static void test_parse_time(void **state)
{
	time_t t;

	(void)state;
	assert_true(dkim_rot_parse_time("2027-01-15 08:00:00", &t));
	assert_int_equal(t, NOW);
	assert_true(dkim_rot_parse_time("1970-01-01 00:00:00", &t));
	assert_int_equal(t, 0);
	assert_false(dkim_rot_parse_time(NULL, &t));
	assert_false(dkim_rot_parse_time("", &t));
	assert_false(dkim_rot_parse_time("2027-01-15", &t));
	assert_false(dkim_rot_parse_time("2027-01-15 08:00:00x", &t));
	assert_false(dkim_rot_parse_time("2027-13-15 08:00:00", &t));
	assert_false(dkim_rot_parse_time("2027-01-15 24:00:00", &t));
	assert_false(dkim_rot_parse_time("2027-1-15 08:00:00", &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_young_active_left_alone),
		cmocka_unit_test(test_old_active_gets_pending),
		cmocka_unit_test(test_pending_waits_for_dns),
		cmocka_unit_test(test_visible_pending_activated),
		cmocka_unit_test(test_retired_grace),
		cmocka_unit_test(test_rotation_off),
		cmocka_unit_test(test_after_activation_next_period),
		cmocka_unit_test(test_no_keys),
		cmocka_unit_test(test_many_retired_capped),
		cmocka_unit_test(test_may_activate),
		cmocka_unit_test(test_parse_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
