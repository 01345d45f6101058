/*
 * test_tls_policy.c - unit tests for tls_policy_decide()
 * (src/core/tls_policy.c): DANE before MTA-STS, over a table of DNS
 * answers instead of a network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/tls_policy.h"

/* One answer of the fake DNS: name, type, status, authentic, records
 * ("|"-separated). */
struct fake {
	const char *name;
	int type;
	enum dnsq_status status;
	bool authentic;
	const char *rrs;
};

struct world {
	const struct fake *answers;
	int asked;              /* lookups made */
	bool oom_at_tlsa;
};

static bool fake_lookup(void *ctx, const char *name, int type,
			struct dnsq_answer *a, bool *authentic)
{
	struct world *w = ctx;

	w->asked++;
	a->n = 0;
	if (w->oom_at_tlsa && type == DNSQ_TLSA)
		return false;
	for (const struct fake *f = w->answers; f->name; f++) {
		if (strcmp(f->name, name) != 0 || f->type != type)
			continue;
		a->status = f->status;
		*authentic = f->authentic;
		if (f->rrs) {
			char *copy = strdup(f->rrs), *save = NULL;

			for (char *t = strtok_r(copy, "|", &save); t;
			     t = strtok_r(NULL, "|", &save))
				a->rr[a->n++] = strdup(t);
			free(copy);
		}
		return true;
	}
	/* not in the table: the name does not exist, unsigned */
	a->status = DNSQ_NXDOMAIN;
	*authentic = false;
	return true;
}

static enum tls_policy_verdict decide(const struct fake *answers,
				      const char *key, char *why, int *asked)
{
	struct world w = { .answers = answers };
	enum tls_policy_verdict v = tls_policy_decide(key, fake_lookup, &w,
						      why, 256);
	if (asked)
		*asked = w.asked;
	return v;
}

static const struct fake signed_with_tlsa[] = {
	{ "d.test", DNSQ_MX, DNSQ_OK, true, "10 mx1.d.test.|20 mx2.d.test." },
	{ "_25._tcp.mx1.d.test", DNSQ_TLSA, DNSQ_NODATA, true, NULL },
	{ "_25._tcp.mx2.d.test", DNSQ_TLSA, DNSQ_OK, true, "3 1 1 AB" },
	{ NULL, 0, 0, false, NULL },
};

static void test_dane_when_an_mx_has_tlsa(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(decide(signed_with_tlsa, "d.test", why, NULL),
			 TLS_POLICY_DANE);
	assert_non_null(strstr(why, "_25._tcp.mx2.d.test"));
}

static void test_unsigned_mx_is_not_dane(void **state)
{
	static const struct fake f[] = {
		{ "u.test", DNSQ_MX, DNSQ_OK, false, "10 mx.u.test." },
		/* even with TLSA records: an MX that is not validated
		 * could have been forged (RFC 7672 2.2.1) */
		{ "_25._tcp.mx.u.test", DNSQ_TLSA, DNSQ_OK, true, "3 1 1 AB" },
		{ NULL, 0, 0, false, NULL },
	};
	char why[256];
	int asked;

	(void)state;
	assert_int_equal(decide(f, "u.test", why, &asked), TLS_POLICY_NOTFOUND);
	assert_int_equal(asked, 1);
	assert_non_null(strstr(why, "not DNSSEC-signed"));
}

static void test_tlsa_must_be_authentic(void **state)
{
	static const struct fake f[] = {
		{ "s.test", DNSQ_MX, DNSQ_OK, true, "10 mx.other.test." },
		{ "_25._tcp.mx.other.test", DNSQ_TLSA, DNSQ_OK, false, "3 1 1 AB" },
		{ NULL, 0, 0, false, NULL },
	};
	char why[256];

	(void)state;
	assert_int_equal(decide(f, "s.test", why, NULL), TLS_POLICY_NOTFOUND);
	assert_non_null(strstr(why, "no DNSSEC-validated TLSA"));
}

static void test_failures_defer(void **state)
{
	static const struct fake mx_fails[] = {
		{ "f.test", DNSQ_MX, DNSQ_SERVFAIL, false, NULL },
		{ NULL, 0, 0, false, NULL },
	};
	static const struct fake tlsa_fails[] = {
		{ "g.test", DNSQ_MX, DNSQ_OK, true, "10 mx.g.test." },
		/* what unbound answers for a bogus signature */
		{ "_25._tcp.mx.g.test", DNSQ_TLSA, DNSQ_SERVFAIL, false, NULL },
		{ NULL, 0, 0, false, NULL },
	};
	static const struct fake timeout[] = {
		{ "t.test", DNSQ_MX, DNSQ_TIMEOUT, false, NULL },
		{ NULL, 0, 0, false, NULL },
	};
	char why[256];

	(void)state;
	assert_int_equal(decide(mx_fails, "f.test", why, NULL), TLS_POLICY_TEMP);
	assert_non_null(strstr(why, "MX lookup of f.test failed"));
	assert_int_equal(decide(tlsa_fails, "g.test", why, NULL), TLS_POLICY_TEMP);
	assert_non_null(strstr(why, "TLSA lookup of _25._tcp.mx.g.test failed"));
	assert_int_equal(decide(timeout, "t.test", why, NULL), TLS_POLICY_TEMP);
}

static void test_no_mx_uses_the_domain(void **state)
{
	static const struct fake f[] = {
		{ "a.test", DNSQ_MX, DNSQ_NODATA, true, NULL },
		{ "_25._tcp.a.test", DNSQ_TLSA, DNSQ_OK, true, "3 1 1 AB" },
		{ NULL, 0, 0, false, NULL },
	};
	static const struct fake nx[] = {
		{ "n.test", DNSQ_MX, DNSQ_NXDOMAIN, true, NULL },
		{ NULL, 0, 0, false, NULL },
	};
	char why[256];

	(void)state;
	assert_int_equal(decide(f, "a.test", why, NULL), TLS_POLICY_DANE);
	assert_int_equal(decide(nx, "n.test", why, NULL), TLS_POLICY_NOTFOUND);
}

static void test_null_mx_and_limits(void **state)
{
	static const struct fake null_mx[] = {
		{ "z.test", DNSQ_MX, DNSQ_OK, true, "0 ." },
		{ NULL, 0, 0, false, NULL },
	};
	static const struct fake many[] = {
		{ "m.test", DNSQ_MX, DNSQ_OK, true,
		  "1 a.m.|2 b.m.|3 c.m.|4 d.m.|5 e.m.|6 f.m.|7 g.m.|8 h.m.|"
		  "9 i.m.|10 j.m.|11 k.m.|12 l.m." },
		{ "_25._tcp.l.m", DNSQ_TLSA, DNSQ_OK, true, "3 1 1 AB" },
		{ NULL, 0, 0, false, NULL },
	};
	char why[256];
	int asked;

	(void)state;
	assert_int_equal(decide(null_mx, "z.test", why, &asked),
			 TLS_POLICY_NOTFOUND);
	assert_int_equal(asked, 1);
	/* at most TLS_POLICY_MAX_MX hosts are asked: the 12th is not */
	assert_int_equal(decide(many, "m.test", why, &asked),
			 TLS_POLICY_NOTFOUND);
	assert_int_equal(asked, 1 + TLS_POLICY_MAX_MX);
}

static void test_keys_that_are_not_domains(void **state)
{
	char why[256];
	int asked;

	(void)state;
	for (const char *const *k = (const char *const[]){ ".d.test",
	     "[mx.d.test]:25", "[192.0.2.1]", "", "a..b", NULL }; *k; k++) {
		assert_int_equal(decide(signed_with_tlsa, *k, why, &asked),
				 TLS_POLICY_NOTFOUND);
		assert_int_equal(asked, 0);
	}
}

static void test_out_of_memory(void **state)
{
	struct world w = { .answers = signed_with_tlsa, .oom_at_tlsa = true };
	char why[256];

	(void)state;
	assert_int_equal(tls_policy_decide("d.test", fake_lookup, &w, why,
					   sizeof why), TLS_POLICY_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dane_when_an_mx_has_tlsa),
		cmocka_unit_test(test_unsigned_mx_is_not_dane),
		cmocka_unit_test(test_tlsa_must_be_authentic),
		cmocka_unit_test(test_failures_defer),
		cmocka_unit_test(test_no_mx_uses_the_domain),
		cmocka_unit_test(test_null_mx_and_limits),
		cmocka_unit_test(test_keys_that_are_not_domains),
		cmocka_unit_test(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
