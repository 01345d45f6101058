/*
 * test_tlscert.c - the self-signed certificate generator: it names the
 * host, protects the key, and never overwrites existing files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/tlscert.h"

struct paths {
	char dir[64], cert[128], key[128];
};

static int setup(void **state)
{
	struct paths *p = calloc(1, sizeof *p);
	strcpy(p->dir, "/tmp/vmail-tlscert-XXXXXX");
	if (!mkdtemp(p->dir))
		return -1;
	snprintf(p->cert, sizeof p->cert, "%s/cert.pem", p->dir);
	snprintf(p->key, sizeof p->key, "%s/key.pem", p->dir);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct paths *p = *state;
	unlink(p->cert);
	unlink(p->key);
	rmdir(p->dir);
	free(p);
	return 0;
}

static void test_creates_cert_for_host(void **state)
{
	struct paths *p = *state;
	struct stat st;

	assert_int_equal(tlscert_ensure_selfsigned("mail.example.com", p->cert, p->key), 1);
	assert_true(tlscert_names_host(p->cert, "mail.example.com"));
	assert_false(tlscert_names_host(p->cert, "other.example.com"));
	assert_int_equal(stat(p->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(p->cert, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
}

static void test_existing_files_untouched(void **state)
{
	struct paths *p = *state;
	struct stat before, after;

	assert_int_equal(tlscert_ensure_selfsigned("mail.example.com", p->cert, p->key), 1);
	assert_int_equal(stat(p->cert, &before), 0);
	assert_int_equal(tlscert_ensure_selfsigned("other.example.com", p->cert, p->key), 0);
	assert_int_equal(stat(p->cert, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_true(tlscert_names_host(p->cert, "mail.example.com"));
}

static void test_half_present_is_error(void **state)
{
	struct paths *p = *state;
	FILE *f = fopen(p->cert, "w");

	assert_non_null(f);
	fputs("not a cert\n", f);
	fclose(f);
	assert_int_equal(tlscert_ensure_selfsigned("mail.example.com", p->cert, p->key), -1);
	assert_int_equal(access(p->key, F_OK), -1);
	assert_false(tlscert_names_host(p->cert, "mail.example.com"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creates_cert_for_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_files_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_present_is_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
