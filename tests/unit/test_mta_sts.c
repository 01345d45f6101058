/*
 * test_mta_sts.c - unit tests for the MTA-STS policy text and its id
 * (src/core/mta_sts.c): the exact bytes served, backup MX names in
 * order, and the id compared with a SHA-256 computed here by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "core/mta_sts.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/str.h"

static void base(struct vm_config *cfg)
{
	config_defaults(cfg);
	vm_strlcpy(cfg->hostname, "mail.example.com", sizeof cfg->hostname);
	vm_strlcpy(cfg->domain, "example.com", sizeof cfg->domain);
}

static char *policy(const struct vm_config *cfg)
{
	struct vm_buf b = VM_BUF_INIT;
	char *text;

	assert_true(mta_sts_policy(cfg, &b));
	text = vm_buf_take(&b, NULL);
	assert_non_null(text);
	return text;
}

static void test_default_policy(void **state)
{
	struct vm_config cfg;
	char *text;

	(void)state;
	base(&cfg);
	text = policy(&cfg);
	assert_string_equal(text, "version: STSv1\r\n"
				  "mode: testing\r\n"
				  "mx: mail.example.com\r\n"
				  "max_age: 604800\r\n");
	free(text);
}

static void test_backups_enforce(void **state)
{
	struct vm_config cfg;
	char *text;

	(void)state;
	base(&cfg);
	vm_strlcpy(cfg.mta_sts_mode, "enforce", sizeof cfg.mta_sts_mode);
	cfg.mta_sts_max_age = 86400;
	vm_strlcpy(cfg.backup_mx, "mx2.example.net  mx3.example.org",
		   sizeof cfg.backup_mx);
	text = policy(&cfg);
	assert_string_equal(text, "version: STSv1\r\n"
				  "mode: enforce\r\n"
				  "mx: mail.example.com\r\n"
				  "mx: mx2.example.net\r\n"
				  "mx: mx3.example.org\r\n"
				  "max_age: 86400\r\n");
	free(text);
}

static void test_appends(void **state)
{
	struct vm_config cfg;
	struct vm_buf b = VM_BUF_INIT;

	(void)state;
	base(&cfg);
	vm_buf_puts(&b, "X");
	assert_true(mta_sts_policy(&cfg, &b));
	assert_memory_equal(b.data, "Xversion: STSv1\r\n", 17);
	vm_buf_free(&b);
}

static void test_no_hostname(void **state)
{
	struct vm_config cfg;
	struct vm_buf b = VM_BUF_INIT;

	(void)state;
	base(&cfg);
	cfg.hostname[0] = '\0';
	assert_false(mta_sts_policy(&cfg, &b));
	assert_int_equal(b.len, 0);
	vm_buf_free(&b);
}

static void test_id(void **state)
{
	struct vm_config cfg;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char want[MTA_STS_ID_LEN + 1], id[MTA_STS_ID_LEN + 1];
	char id2[MTA_STS_ID_LEN + 1];
	char *text;

	(void)state;
	base(&cfg);
	text = policy(&cfg);
	SHA256((const unsigned char *)text, strlen(text), md);
	for (int i = 0; i < MTA_STS_ID_LEN / 2; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	mta_sts_policy_id(text, strlen(text), id);
	assert_string_equal(id, want);
	assert_int_equal(strlen(id), MTA_STS_ID_LEN);
	free(text);

	/* A fixed vector: SHA-256("") = e3b0c44298fc1c149afb... */
	mta_sts_policy_id("", 0, id);
	assert_string_equal(id, "e3b0c44298fc1c149afb");

	/* Another mode: another policy, another id. */
	vm_strlcpy(cfg.mta_sts_mode, "enforce", sizeof cfg.mta_sts_mode);
	text = policy(&cfg);
	mta_sts_policy_id(text, strlen(text), id2);
	assert_string_not_equal(id2, want);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_backups_enforce),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_no_hostname),
		cmocka_unit_test(test_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
