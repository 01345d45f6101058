/*
 * test_acme.c - unit tests for the pure parts of ACME (src/core/acme.c):
 * the certificate's names, the one sentence that explains a failed uacme
 * run (from output as uacme 1.7 prints it with pebble's and Let's
 * Encrypt's problem documents), the account URI, the TLSA comparison,
 * and the TLSA digest and names of a certificate (src/lib/tlsinfo.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/acme.h"
#include "lib/strlist.h"
#include "lib/tlscert.h"
#include "lib/tlsinfo.h"

static const char connection_out[] =
	"uacme: polling challenge status at https://198.18.4.80:14000/chalZ/abc\n"
	"uacme: challenge https://198.18.4.80:14000/chalZ/abc failed with status invalid\n"
	"uacme: the server reported the following error:\n"
	"{\n"
	"    \"type\": \"urn:ietf:params:acme:error:connection\",\n"
	"    \"detail\": \"Get \\\"http://mail.example.com:80/.well-known/acme-challenge/x\\\": "
	"dial tcp 198.18.4.12:80: connect: connection refused\",\n"
	"    \"status\": 400\n"
	"}\n"
	"uacme: running /usr/share/uacme/uacme.sh failed http-01 mail.example.com x y\n";

static const char ratelimit_out[] =
	"uacme: the server reported the following error:\n"
	"{\n"
	"    \"type\": \"urn:ietf:params:acme:error:rateLimited\",\n"
	"    \"detail\": \"too many certificates (5) already issued for this "
	"exact set of identifiers in the last 168h0m0s\",\n"
	"    \"status\": 429\n"
	"}\n";

static const char unauthorized_out[] =
	"{ \"status\": 403, \"detail\": \"Non-200 status code from HTTP: "
	"http://mail.example.com:80/.well-known/acme-challenge/JN returned 403\", "
	"\"type\": \"urn:ietf:params:acme:error:unauthorized\" }\n";

static void test_names(void **state)
{
	struct vm_strlist d = VM_STRLIST_INIT, out = VM_STRLIST_INIT;

	(void)state;
	assert_true(vm_strlist_add(&d, "example.com"));
	assert_true(vm_strlist_add(&d, "example.org"));
	assert_true(vm_strlist_add(&d, "example.com"));
	assert_true(acme_cert_names("mail.example.com", &d, &out));
	assert_int_equal(out.n, 5);
	assert_string_equal(out.v[0], "mail.example.com");
	assert_string_equal(out.v[1], "mta-sts.example.com");
	assert_string_equal(out.v[2], "autoconfig.example.com");
	assert_string_equal(out.v[3], "mta-sts.example.org");
	assert_string_equal(out.v[4], "autoconfig.example.org");
	vm_strlist_free(&out);
	vm_strlist_free(&d);
}

static void test_next_key_path(void **state)
{
	char p[64];

	(void)state;
	assert_true(acme_next_key_path("/etc/vmail/tls/key.pem", p, sizeof p));
	assert_string_equal(p, "/etc/vmail/tls/next-key.pem");
	assert_true(acme_next_key_path("key.pem", p, sizeof p));
	assert_string_equal(p, "next-key.pem");
	assert_false(acme_next_key_path("/a/very/long/directory/name/that/does/not/fit/key.pem",
					p, 20));
}

static void test_explain(void **state)
{
	char msg[600];

	(void)state;
	acme_explain(connection_out, msg, sizeof msg);
	assert_non_null(strstr(msg, "port 80 is unreachable"));
	assert_non_null(strstr(msg, "dial tcp 198.18.4.12:80: connect: "
			       "connection refused"));
	assert_non_null(strstr(msg, "\"http://mail.example.com:80/"));
	acme_explain(ratelimit_out, msg, sizeof msg);
	assert_non_null(strstr(msg, "rate limit was hit (too many certificates"));
	acme_explain(unauthorized_out, msg, sizeof msg);
	assert_non_null(strstr(msg, "did not get the challenge"));
	assert_non_null(strstr(msg, "returned 403"));
	acme_explain("uacme: dns problem\n{\"type\": \"urn:ietf:params:acme:error:dns\"}",
		     msg, sizeof msg);
	assert_non_null(strstr(msg, "DNS does not point here"));
	assert_non_null(strstr(msg, "no details given"));
	acme_explain("uacme: acme_get: curl_easy_perform failed: "
		     "SSL peer certificate or SSH remote key was not OK\n"
		     "SSL certificate problem: unable to get local issuer certificate\n",
		     msg, sizeof msg);
	assert_non_null(strstr(msg, "not trusted"));
	acme_explain("uacme: curl_easy_perform failed: Couldn't connect to server\n",
		     msg, sizeof msg);
	assert_non_null(strstr(msg, "the CA is unreachable"));
	acme_explain("uacme: something\nuacme: last\tword\n", msg, sizeof msg);
	assert_string_equal(msg, "the ACME client failed: last word");
	acme_explain("", msg, sizeof msg);
	assert_string_equal(msg, "the ACME client failed: no error message");
	/* a tiny buffer is still a string */
	acme_explain(connection_out, msg, 8);
	assert_int_equal(strlen(msg), 7);
}

static void test_account_uri(void **state)
{
	char uri[128];

	(void)state;
	assert_true(acme_account_uri("uacme: account location: "
				     "https://ca.example/acct/17\nuacme: x\n",
				     uri, sizeof uri));
	assert_string_equal(uri, "https://ca.example/acct/17");
	assert_true(acme_account_uri("uacme: Account already exists at "
				     "https://ca.example/acct/18", uri, sizeof uri));
	assert_string_equal(uri, "https://ca.example/acct/18");
	assert_false(acme_account_uri("account location: ftp://x", uri,
				      sizeof uri));
	assert_false(acme_account_uri("nothing", uri, sizeof uri));
	assert_false(acme_account_uri("account created at https://", uri, 8));
}

static void test_tlsa_matches(void **state)
{
	(void)state;
	assert_true(acme_tlsa_matches("3 1 1 ABCDEF", "abcdef"));
	assert_true(acme_tlsa_matches("3 1 1 ( AB CD EF )", "abcdef"));
	assert_false(acme_tlsa_matches("3 1 1 ABCDEF00", "abcdef"));
	assert_false(acme_tlsa_matches("3 1 1 ABCD", "abcdef"));
	assert_false(acme_tlsa_matches("3 0 1 ABCDEF", "abcdef"));
	assert_false(acme_tlsa_matches("3 1 1 ", ""));
}

/* The digest of a self-signed certificate equals that of its key, and
 * matches openssl(1)'s; a next key is new and 0600. */
static void test_tlsinfo(void **state)
{
	char dir[] = "/tmp/vmail-test-acme-XXXXXX", cert[128], key[128];
	char next[128], a[TLSINFO_TLSA_HEX], b[TLSINFO_TLSA_HEX], why[200];
	char cmd[512], shell[TLSINFO_TLSA_HEX + 8] = "";
	struct tlsinfo_cert c;
	FILE *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(next, sizeof next, "%s/next-key.pem", dir);
	assert_int_equal(tlscert_ensure_selfsigned("mail.example.com", cert, key), 1);
	assert_true(tlsinfo_cert_load(cert, &c, why, sizeof why));
	assert_true(tlsinfo_key_tlsa(key, a, why, sizeof why));
	assert_string_equal(c.spki_sha256, a);
	assert_true(c.self_signed);
	assert_int_equal(c.names.n, 1);
	assert_string_equal(c.names.v[0], "mail.example.com");
	assert_string_equal(c.subject_cn, "mail.example.com");
	assert_true(c.not_after > c.not_before);
	tlsinfo_cert_free(&c);
	snprintf(cmd, sizeof cmd, "openssl pkey -in %s -pubout -outform DER "
		 "2>/dev/null | openssl dgst -sha256 -r", key);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(shell, sizeof shell, p));
	pclose(p);
	assert_int_equal(strncmp(shell, a, 64), 0);

	assert_int_equal(tlsinfo_new_key(next, why, sizeof why), 1);
	assert_int_equal(tlsinfo_new_key(next, why, sizeof why), 0);
	assert_true(tlsinfo_key_tlsa(next, b, why, sizeof why));
	assert_string_not_equal(a, b);
	assert_false(tlsinfo_cert_load(next, &c, why, sizeof why));
	assert_false(tlsinfo_key_tlsa(cert, b, why, sizeof why));
	assert_false(tlsinfo_cert_parse("junk", 4, &c, why, sizeof why));
	unlink(cert);
	unlink(key);
	unlink(next);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_next_key_path),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_account_uri),
		cmocka_unit_test(test_tlsa_matches),
		cmocka_unit_test(test_tlsinfo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
