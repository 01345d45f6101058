/*
 * test_password.c - unit tests for src/lib/password.c: yescrypt hashes
 * in Dovecot's "{CRYPT}" form, verification, the input rules, and
 * generated passwords.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "lib/password.h"

static void test_hash_format(void **state)
{
	char hash[VM_HASH_MAX], why[128];
	const char *raw;

	(void)state;
	assert_true(password_hash("correct horse", hash, sizeof hash, why,
				  sizeof why));
	assert_int_equal(strncmp(hash, "{CRYPT}$y$", 10), 0);
	assert_true(strlen(hash) > 40);
	/* What Dovecot does: crypt(3) of the part after the scheme. */
	raw = crypt("correct horse", hash + 7);
	assert_non_null(raw);
	assert_string_equal(raw, hash + 7);
}

static void test_verify(void **state)
{
	char hash[VM_HASH_MAX];

	(void)state;
	assert_true(password_hash("s3cret-pass", hash, sizeof hash, NULL, 0));
	assert_true(password_verify("s3cret-pass", hash));
	assert_false(password_verify("s3cret-pasS", hash));
	assert_false(password_verify("s3cret-pass ", hash));
	assert_false(password_verify("s3cret-pas", hash));
	assert_false(password_verify("", hash));
	/* Without the scheme prefix, or with garbage, nothing verifies. */
	assert_false(password_verify("s3cret-pass", hash + 7));
	assert_false(password_verify("s3cret-pass", "{PLAIN}s3cret-pass"));
	assert_false(password_verify("s3cret-pass", "{CRYPT}"));
	assert_false(password_verify("s3cret-pass", "{CRYPT}*"));
	assert_false(password_verify("s3cret-pass", "{CRYPT}$y$garbage"));
	assert_false(password_verify("s3cret-pass", ""));
	/* The scheme name is case-insensitive, as in Dovecot. */
	memcpy(hash, "{crypt}", 7);
	assert_true(password_verify("s3cret-pass", hash));
}

static void test_verify_other_crypt_schemes(void **state)
{
	/* A SHA-512 crypt hash (e.g. imported) still verifies. */
	char stored[VM_HASH_MAX] = "{CRYPT}";
	const char *h = crypt("imported-pw", "$6$saltsaltsalt$");

	(void)state;
	assert_non_null(h);
	strcat(stored, h);
	assert_true(password_verify("imported-pw", stored));
	assert_false(password_verify("imported-px", stored));
}

static void test_hashes_differ(void **state)
{
	char a[VM_HASH_MAX], b[VM_HASH_MAX];

	(void)state;
	assert_true(password_hash("same password", a, sizeof a, NULL, 0));
	assert_true(password_hash("same password", b, sizeof b, NULL, 0));
	assert_string_not_equal(a, b);
	assert_true(password_verify("same password", a));
	assert_true(password_verify("same password", b));
}

static void expect_refused(const char *plain, const char *reason)
{
	char hash[VM_HASH_MAX] = "", why[128] = "";

	if (password_hash(plain, hash, sizeof hash, why, sizeof why))
		fail_msg("accepted a bad password (%zu chars)", strlen(plain));
	if (!strstr(why, reason))
		fail_msg("reason '%s' lacks '%s'", why, reason);
}

static void test_input_rules(void **state)
{
	char *big = malloc(VM_PASSWORD_MAX + 2), hash[VM_HASH_MAX];

	(void)state;
	assert_non_null(big);
	expect_refused("", "shorter");
	expect_refused("1234567", "shorter");
	assert_true(password_hash("12345678", hash, sizeof hash, NULL, 0));

	memset(big, 'x', VM_PASSWORD_MAX + 1);
	big[VM_PASSWORD_MAX + 1] = '\0';
	expect_refused(big, "longer");
	big[VM_PASSWORD_MAX] = '\0';
	assert_true(password_hash(big, hash, sizeof hash, NULL, 0));
	assert_true(password_verify(big, hash));
	free(big);

	expect_refused("with\nnewline", "control");
	expect_refused("with\ttab-char", "control");
	expect_refused("with\rreturn", "control");
	expect_refused("with\x7f" "delete", "control");
	expect_refused("\x1b[31mred-escape", "control");
	/* Spaces, punctuation and UTF-8 are fine. */
	assert_true(password_hash("pass word 'with' \"quotes\"; --", hash,
				  sizeof hash, NULL, 0));
	assert_true(password_hash("p\xc3\xa4ssw\xc3\xb6rd-\xe2\x82\xac", hash,
				  sizeof hash, NULL, 0));
	assert_true(password_verify("p\xc3\xa4ssw\xc3\xb6rd-\xe2\x82\xac", hash));
}

static void test_small_output_buffer(void **state)
{
	char hash[20], why[128] = "";

	(void)state;
	assert_false(password_hash("long enough", hash, sizeof hash, why,
				   sizeof why));
	assert_true(why[0] != '\0');
}

static void test_generate(void **state)
{
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz"
				       "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	char a[65], b[65], big[4097], hash[VM_HASH_MAX];
	int seen[256] = { 0 };

	(void)state;
	assert_true(password_generate(a, 20));
	assert_int_equal(strlen(a), 20);
	assert_true(password_generate(b, 20));
	assert_string_not_equal(a, b);

	assert_true(password_generate(big, 4096));
	assert_int_equal(strlen(big), 4096);
	for (size_t i = 0; i < 4096; i++) {
		unsigned char c = (unsigned char)big[i];

		if (!strchr(alphabet, c))
			fail_msg("character '%c' is not in the alphabet", c);
		seen[c]++;
	}
	/* No ambiguous characters, and (with 4096 draws) every allowed one. */
	assert_int_equal(seen['0'] + seen['O'] + seen['1'] + seen['l'] +
			 seen['I'], 0);
	for (const char *p = alphabet; *p; p++)
		assert_true(seen[(unsigned char)*p] > 0);

	assert_true(password_generate(a, 0));
	assert_string_equal(a, "");

	/* A generated password is a valid password. */
	assert_true(password_generate(a, 16));
	assert_true(password_hash(a, hash, sizeof hash, NULL, 0));
	assert_true(password_verify(a, hash));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_format),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_other_crypt_schemes),
		cmocka_unit_test(test_hashes_differ),
		cmocka_unit_test(test_input_rules),
		cmocka_unit_test(test_small_output_buffer),
		cmocka_unit_test(test_generate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
