/*
 * test_dkim.c - unit tests for src/lib/dkim.c: selector names, splitting
 * and quoting TXT values into 255-byte strings (edge cases around the
 * limit), and the key files: generation, mode, the TXT value of the
 * public key, removal and dkim_fix_permissions().  Files go to a scratch
 * directory named by $VMAIL_DKIM_DIR.
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
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/dkim.h"
#include "lib/file.h"
#include "scratch_dir.h"

/* ---- selectors ------------------------------------------------------ */

static struct tm day(int y, int m, int d)
{
	struct tm t = { 0 };

	t.tm_year = y - 1900;
	t.tm_mon = m - 1;
	t.tm_mday = d;
	return t;
}

static void test_selector_first_of_the_day(void **state)
{
	struct tm t = day(2026, 11, 21);
	char out[DKIM_SELECTOR_MAX + 1];

	assert_true(dkim_selector_name(&t, NULL, 0, out, sizeof out));
	assert_string_equal(out, "vm20261121");
	t = day(2027, 1, 2);
	assert_true(dkim_selector_name(&t, NULL, 0, out, sizeof out));
	assert_string_equal(out, "vm20270102");
}

static void test_selector_letters(void **state)
{
	struct tm t = day(2026, 11, 21);
	const char *taken[] = { "vm20261120", "vm20261121", "vm20261121b",
				"other" };
	char out[DKIM_SELECTOR_MAX + 1];

	assert_true(dkim_selector_name(&t, taken, 1, out, sizeof out));
	assert_string_equal(out, "vm20261121");
	assert_true(dkim_selector_name(&t, taken, 2, out, sizeof out));
	assert_string_equal(out, "vm20261121b");
	assert_true(dkim_selector_name(&t, taken, 4, out, sizeof out));
	assert_string_equal(out, "vm20261121c");
	/* A gap is reused: "b" taken, base free. */
	assert_true(dkim_selector_name(&t, taken + 2, 1, out, sizeof out));
	assert_string_equal(out, "vm20261121");
}

static void test_selector_exhausted_and_bad(void **state)
{
	struct tm t = day(2026, 11, 21);
	char names[26][16];
	const char *taken[26];
	char out[DKIM_SELECTOR_MAX + 1];

	snprintf(names[0], sizeof names[0], "vm20261121");
	taken[0] = names[0];
	for (int i = 1; i < 26; i++) {
		snprintf(names[i], sizeof names[i], "vm20261121%c", 'a' + i);
		taken[i] = names[i];
	}
	assert_true(dkim_selector_name(&t, taken, 25, out, sizeof out));
	assert_string_equal(out, "vm20261121z");
	assert_false(dkim_selector_name(&t, taken, 26, out, sizeof out));
	assert_false(dkim_selector_name(&t, NULL, 0, out, 10));  /* too small */
	t = day(10000, 1, 1);
	assert_false(dkim_selector_name(&t, NULL, 0, out, sizeof out));
	t = day(2026, 13, 1);
	assert_false(dkim_selector_name(&t, NULL, 0, out, sizeof out));
}

static void test_valid_selector(void **state)
{
	char l63[64], l64[65];

	memset(l63, 'a', 63);
	l63[63] = '\0';
	memset(l64, 'a', 64);
	l64[64] = '\0';
	assert_true(dkim_valid_selector("vm20261121"));
	assert_true(dkim_valid_selector("vm20261121b"));
	assert_true(dkim_valid_selector("a-b"));
	assert_true(dkim_valid_selector(l63));
	assert_false(dkim_valid_selector(l64));
	assert_false(dkim_valid_selector(""));
	assert_false(dkim_valid_selector("-a"));
	assert_false(dkim_valid_selector("a-"));
	assert_false(dkim_valid_selector("A"));
	assert_false(dkim_valid_selector("a.b"));
	assert_false(dkim_valid_selector("a_b"));
	assert_false(dkim_valid_selector("../x"));
	assert_false(dkim_valid_selector("a b"));
}

/* ---- TXT values ----------------------------------------------------- */

/* A value of len bytes: a repeating pattern, so misplaced pieces show. */
static char *pattern(size_t len)
{
	char *v = malloc(len + 1);

	assert_non_null(v);
	for (size_t i = 0; i < len; i++)
		v[i] = (char)('A' + i % 26);
	v[len] = '\0';
	return v;
}

/* Split len bytes; check pieces are contiguous, full but the last, and
 * <= 255; returns the count. */
static size_t check_split(size_t len)
{
	struct dkim_chunk c[8];
	size_t n = dkim_txt_split(len, c, 8), off = 0;

	assert_true(n <= 8);
	assert_int_equal(dkim_txt_split(len, NULL, 0), n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(c[i].off, off);
		assert_true(c[i].len <= DKIM_TXT_STRING_MAX);
		if (i + 1 < n)
			assert_int_equal(c[i].len, DKIM_TXT_STRING_MAX);
		off += c[i].len;
	}
	assert_int_equal(off, len);
	return n;
}

static void test_split_edges(void **state)
{
	assert_int_equal(check_split(0), 1);     /* one empty string */
	assert_int_equal(check_split(1), 1);
	assert_int_equal(check_split(254), 1);
	assert_int_equal(check_split(255), 1);
	assert_int_equal(check_split(256), 2);
	assert_int_equal(check_split(510), 2);
	assert_int_equal(check_split(511), 3);
	assert_int_equal(check_split(765), 3);
	assert_int_equal(check_split(766), 4);
}

static void test_split_short_array(void **state)
{
	struct dkim_chunk c[2] = { { 99, 99 }, { 99, 99 } };

	assert_int_equal(dkim_txt_split(600, c, 1), 3);
	assert_int_equal(c[0].off, 0);
	assert_int_equal(c[0].len, 255);
	assert_int_equal(c[1].off, 99);          /* untouched */
}

/* Quote a value of len bytes and parse it back. */
static void check_quote(size_t len, int strings)
{
	char *v = pattern(len), *q = dkim_txt_quote(v, len), *back;
	size_t backlen;

	assert_non_null(q);
	assert_int_equal(dkim_txt_unquote(q, strlen(q), &back, &backlen),
			 strings);
	assert_int_equal(backlen, len);
	assert_memory_equal(back, v, len);
	free(back);
	free(q);
	free(v);
}

static void test_quote_edges(void **state)
{
	check_quote(0, 1);
	check_quote(254, 1);
	check_quote(255, 1);
	check_quote(256, 2);
	check_quote(510, 2);
	check_quote(511, 3);
}

static void test_quote_format(void **state)
{
	char *v = pattern(256), *q = dkim_txt_quote(v, 256);
	char *e = dkim_txt_quote("a\"b\\c", 5);

	assert_int_equal(strlen(q), 256 + 5);    /* 4 quotes and a space */
	assert_int_equal(q[0], '"');
	assert_int_equal(q[256], '"');
	assert_memory_equal(q + 256, "\" \"", 3);
	assert_memory_equal(q + 259, v + 255, 1);
	assert_string_equal(q + 260, "\"");
	assert_string_equal(e, "\"a\\\"b\\\\c\"");
	free(e);
	e = dkim_txt_quote("", 0);
	assert_string_equal(e, "\"\"");
	free(e);
	free(q);
	free(v);
}

static void test_quote_escapes_count_raw_bytes(void **state)
{
	/* 255 quote characters: one string (510 bytes escaped). */
	char v[300], *q, *back;
	size_t backlen;

	memset(v, '"', 256);
	q = dkim_txt_quote(v, 255);
	assert_int_equal(dkim_txt_unquote(q, strlen(q), &back, &backlen), 1);
	assert_int_equal(backlen, 255);
	free(back);
	free(q);
	q = dkim_txt_quote(v, 256);
	assert_int_equal(dkim_txt_unquote(q, strlen(q), &back, &backlen), 2);
	free(back);
	free(q);
}

static void test_quote_non_printable(void **state)
{
	static const char v[] = { 'a', '\0', '\n', (char)0xff, 'z' };
	char *q = dkim_txt_quote(v, sizeof v), *back;
	size_t backlen;

	assert_string_equal(q, "\"a\\000\\010\\255z\"");
	assert_int_equal(dkim_txt_unquote(q, strlen(q), &back, &backlen), 1);
	assert_int_equal(backlen, sizeof v);
	assert_memory_equal(back, v, sizeof v);
	free(back);
	free(q);
}

static void test_unquote_rejects(void **state)
{
	const char *bad[] = { "", "abc", "\"abc", "\"a\"\"b\"", "\"a\"  \"b\"",
			      "\"a\" ", " \"a\"", "\"a\\", "\"a\"x",
			      "\"\\256\"", "\"\\12\"", "\"\\1", "\"\\" };
	char *long256 = pattern(256), *q, *out = (char *)1;
	size_t outlen;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(dkim_txt_unquote(bad[i], strlen(bad[i]), &out,
						  &outlen), -1);
		assert_null(out);
	}
	/* One string of 256 bytes is over the limit. */
	assert_non_null(q = malloc(260));
	snprintf(q, 260, "\"%s\"", long256);
	assert_int_equal(dkim_txt_unquote(q, strlen(q), &out, &outlen), -1);
	q[256] = '"';                      /* 255 bytes: fine */
	assert_int_equal(dkim_txt_unquote(q, 257, &out, &outlen), 1);
	assert_int_equal(outlen, 255);
	free(out);
	free(q);
	free(long256);
}

/* ---- key files ------------------------------------------------------ */

static int use_scratch_dkim_dir(void **state)
{
	char dir[256];

	if (scratch_dir_setup(state) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/dkim", scratch_dir);
	return setenv("VMAIL_DKIM_DIR", dir, 1);
}

static mode_t mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 07777;
}

/* The TXT value computed here from the PEM file with plain OpenSSL. */
static char *expected_txt(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;
	unsigned char *der = NULL;
	char *b64, *txt;
	int n;

	assert_non_null(f);
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(key);
	assert_int_equal(EVP_PKEY_get_bits(key), DKIM_BITS);
	n = i2d_PUBKEY(key, &der);
	assert_true(n > 0);
	b64 = calloc(1, (size_t)n * 2 + 4);
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	assert_true(asprintf(&txt, "v=DKIM1; k=rsa; p=%s", b64) > 0);
	free(b64);
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	return txt;
}

static void test_generate_show_remove(void **state)
{
	char path[512], *txt, *want;

	assert_true(dkim_generate_key("example.com", "vm20261121", DKIM_BITS));
	assert_true(dkim_key_path("example.com", "vm20261121", path,
				  sizeof path));
	assert_non_null(strstr(path, "/dkim/example.com.vm20261121.key"));
	assert_int_equal(mode_of(path), 0640);
	assert_int_equal(mode_of(dkim_dir()), 0750);
	txt = dkim_txt_value("example.com", "vm20261121");
	want = expected_txt(path);
	assert_non_null(txt);
	assert_string_equal(txt, want);
	assert_true(strlen(txt) > 255 && strlen(txt) <= 510);  /* 2 strings */
	free(txt);
	free(want);
	assert_true(dkim_remove_key("example.com", "vm20261121"));
	assert_int_equal(access(path, F_OK), -1);
	assert_true(dkim_remove_key("example.com", "vm20261121"));
	assert_null(dkim_txt_value("example.com", "vm20261121"));
}

static void test_two_keys_differ(void **state)
{
	char *a, *b;

	assert_true(dkim_generate_key("example.org", "vm20261121", 1024));
	assert_true(dkim_generate_key("example.org", "vm20261121b", 1024));
	a = dkim_txt_value("example.org", "vm20261121");
	b = dkim_txt_value("example.org", "vm20261121b");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void test_fix_permissions(void **state)
{
	char path[512], map[512];

	assert_true(dkim_generate_key("fix.example", "s1", 1024));
	assert_true(dkim_key_path("fix.example", "s1", path, sizeof path));
	assert_true(dkim_map_path(map, sizeof map));
	assert_int_equal(vm_write_file_if_changed(map, "", 0, 0600,
						  (uid_t)-1, (gid_t)-1), 1);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(chmod(dkim_dir(), 0755), 0);
	assert_int_equal(dkim_fix_permissions(), 1);
	assert_int_equal(mode_of(path), 0640);
	assert_int_equal(mode_of(map), 0640);
	assert_int_equal(mode_of(dkim_dir()), 0750);
	assert_int_equal(dkim_fix_permissions(), 0);   /* nothing to do */
}

static void test_missing_dir_is_fine(void **state)
{
	char saved[512], dir[512];

	snprintf(saved, sizeof saved, "%s", dkim_dir());
	scratch_path(dir, sizeof dir, "absent");
	setenv("VMAIL_DKIM_DIR", dir, 1);
	assert_int_equal(dkim_fix_permissions(), 0);
	assert_int_equal(access(dir, F_OK), -1);
	setenv("VMAIL_DKIM_DIR", saved, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_first_of_the_day),
		cmocka_unit_test(test_selector_letters),
		cmocka_unit_test(test_selector_exhausted_and_bad),
		cmocka_unit_test(test_valid_selector),
		cmocka_unit_test(test_split_edges),
		cmocka_unit_test(test_split_short_array),
		cmocka_unit_test(test_quote_edges),
		cmocka_unit_test(test_quote_format),
		cmocka_unit_test(test_quote_escapes_count_raw_bytes),
		cmocka_unit_test(test_quote_non_printable),
		cmocka_unit_test(test_unquote_rejects),
		cmocka_unit_test(test_generate_show_remove),
		cmocka_unit_test(test_two_keys_differ),
		cmocka_unit_test(test_fix_permissions),
		cmocka_unit_test(test_missing_dir_is_fine),
	};

	return cmocka_run_group_tests(tests, use_scratch_dkim_dir,
				      scratch_dir_teardown);
}
