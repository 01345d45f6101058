/*
 * test_setup_web.c - unit tests for the parts of src/setup/setup_web.c
 * that need no nginx: the server_name list (hostname first, three names
 * per domain, each once), the UUIDs of the Apple profile (RFC 4122
 * version 4 form, stable per seed), the fingerprint of the local nginx
 * snippets (changes with a name or a content, ignores other files), and
 * that the shipped templates under templates/web and templates/nginx
 * render with the variables setup gives them and name no plaintext
 * port.
 *
 * Run by "make test" (VMAIL_TEMPLATES=templates); the fingerprint tests
 * work in a private mkdtemp() directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/file.h"
#include "lib/str.h"
#include "lib/template.h"
#include "scratch_dir.h"
#include "setup/setup.h"

/* ---- server names -------------------------------------------------- */

static void test_server_names(void **state)
{
	const char *const domains[] = { "example.com", "example.org" };
	char *got = web_server_names("mail.example.com", domains, 2);

	(void)state;
	assert_non_null(got);
	assert_string_equal(got, "mail.example.com "
			    "mta-sts.example.com autoconfig.example.com "
			    "autodiscover.example.com "
			    "mta-sts.example.org autoconfig.example.org "
			    "autodiscover.example.org");
	free(got);
}

static void test_server_names_once_each(void **state)
{
	/* A hostname that is also a name of a domain, a domain twice. */
	const char *const domains[] = { "example.com", "example.com" };
	char *got = web_server_names("autoconfig.example.com", domains, 2);

	(void)state;
	assert_non_null(got);
	assert_string_equal(got, "autoconfig.example.com mta-sts.example.com "
			    "autodiscover.example.com");
	free(got);
}

static void test_server_names_no_domains(void **state)
{
	char *got = web_server_names("mail.example.com", NULL, 0);

	(void)state;
	assert_non_null(got);
	assert_string_equal(got, "mail.example.com");
	free(got);
}

/* ---- UUIDs ----------------------------------------------------------- */

static void test_uuid_form(void **state)
{
	char a[WEB_UUID_LEN + 1], b[WEB_UUID_LEN + 1], c[WEB_UUID_LEN + 1];

	(void)state;
	assert_true(web_uuid("example.com", a));
	assert_true(web_uuid("example.com", b));
	assert_true(web_uuid("example.org", c));
	assert_int_equal(strlen(a), WEB_UUID_LEN);
	for (size_t i = 0; i < WEB_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_true(isxdigit((unsigned char)a[i]) &&
				    !islower((unsigned char)a[i]));
	}
	assert_int_equal(a[14], '4');                 /* version 4 */
	assert_non_null(strchr("89AB", a[19]));       /* RFC 4122 variant */
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
}

/* ---- the fingerprint of the local snippets --------------------------- */

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];

	scratch_path(path, sizeof path, rel);
	assert_true(vm_dir_of(path, dir, sizeof dir));
	assert_true(vm_ensure_dir(dir, 0755, (uid_t)-1, (gid_t)-1) >= 0);
	assert_true(vm_write_file_if_changed(path, text, strlen(text), 0644,
					     (uid_t)-1, (gid_t)-1) >= 0);
}

static void test_fingerprint(void **state)
{
	char none[17], one[17], again[17], edited[17], other[17], moved[17];
	char path[PATH_MAX];

	(void)state;
	assert_int_equal(web_local_fingerprint(scratch_dir, none), 0);

	put("nginx/https.d/webmail.conf", "location /webmail/ { }\n");
	assert_int_equal(web_local_fingerprint(scratch_dir, one), 1);
	assert_string_not_equal(one, none);
	assert_int_equal(strlen(one), 16);
	assert_int_equal(web_local_fingerprint(scratch_dir, again), 1);
	assert_string_equal(one, again);

	/* Files that are not NAME.conf do not count. */
	put("nginx/https.d/notes.txt", "not nginx\n");
	put("nginx/https.d/.hidden.conf", "location /x/ { }\n");
	assert_int_equal(web_local_fingerprint(scratch_dir, again), 1);
	assert_string_equal(one, again);

	put("nginx/https.d/webmail.conf", "location /mail/ { }\n");
	assert_int_equal(web_local_fingerprint(scratch_dir, edited), 1);
	assert_string_not_equal(edited, one);

	put("nginx/http.d/extra.conf", "location /x/ { }\n");
	assert_int_equal(web_local_fingerprint(scratch_dir, other), 2);
	assert_string_not_equal(other, edited);

	/* The same text in the other server is another configuration. */
	scratch_path(path, sizeof path, "nginx/http.d/extra.conf");
	assert_int_equal(unlink(path), 0);
	scratch_path(path, sizeof path, "nginx/https.d/webmail.conf");
	assert_int_equal(unlink(path), 0);
	put("nginx/http.d/webmail.conf", "location /mail/ { }\n");
	assert_int_equal(web_local_fingerprint(scratch_dir, moved), 1);
	assert_string_not_equal(moved, edited);
}

/* ---- the templates ----------------------------------------------------- */

static char *render(const char *rel, struct tvars *v)
{
	char path[PATH_MAX], err[1024];
	char *text;

	assert_true(vm_snprintf(path, sizeof path, "%s/%s",
				config_templates_dir(), rel));
	text = template_render_file(path, v, NULL, err, sizeof err);
	if (!text)
		fail_msg("%s", err);
	return text;
}

/* No port a client could use without TLS: not 25, 110, 143, 80. */
static void assert_no_plaintext_port(const char *text)
{
	static const char *const bad[] = {
		">25<", ">110<", ">143<", ">80<", "socketType>plain",
		"<SSL>off", "<Encryption>None",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (strstr(text, bad[i]))
			fail_msg("'%s' in:\n%s", bad[i], text);
}

static void test_web_templates(void **state)
{
	static const char *const files[] = { "web/config-v1.1.xml",
					     "web/autodiscover.xml",
					     "web/mobileconfig.xml" };
	struct tvars *v = tvars_new();

	(void)state;
	assert_non_null(v);
	assert_true(tvars_set(v, "domain", "example.org") &&
		    tvars_set(v, "hostname", "mail.example.com") &&
		    tvars_set(v, "payload_id", "vmail.example.org") &&
		    tvars_set(v, "email_uuid",
			      "00000000-0000-4000-8000-000000000000"));
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *text = render(files[i], v);

		/* The declaration must come first (the comments go). */
		assert_int_equal(strncmp(text, "<?xml ", 6), 0);
		assert_null(strstr(text, "{{"));
		assert_non_null(strstr(text, "mail.example.com"));
		assert_non_null(strstr(text, "993"));
		assert_no_plaintext_port(text);
		free(text);
	}
	tvars_free(v);
}

static void test_nginx_template(void **state)
{
	struct tvars *v = tvars_new();
	char *text;

	(void)state;
	assert_non_null(v);
	assert_true(tvars_set(v, "hostname", "mail.example.com") &&
		    tvars_set(v, "server_names", "mail.example.com "
			      "mta-sts.example.com") &&
		    tvars_set(v, "www_dir", SETUP_WEB_DIR) &&
		    tvars_set(v, "local_dir", "/etc/vmail/local") &&
		    tvars_set(v, "tls_cert", "/etc/vmail/tls/cert.pem") &&
		    tvars_set(v, "tls_key", "/etc/vmail/tls/key.pem") &&
		    tvars_set(v, "ipv6", ""));
	text = render("nginx/vmail.conf", v);
	assert_null(strstr(text, "[::]"));
	free(text);
	assert_true(tvars_set(v, "ipv6", "yes"));
	text = render("nginx/vmail.conf", v);
	assert_non_null(strstr(text, "listen [::]:443 ssl default_server;"));
	assert_non_null(strstr(text, "server_name mail.example.com "
			       "mta-sts.example.com;"));
	assert_non_null(strstr(text, "ssl_protocols TLSv1.2 TLSv1.3;"));
	assert_non_null(strstr(text, "server_tokens off;"));
	assert_non_null(strstr(text, "root " SETUP_WEB_DIR "/acme;"));
	assert_non_null(strstr(text, "include /etc/vmail/local/nginx/"
			       "https.d/*.conf;"));
	assert_null(strstr(text, "TLSv1.1"));
	free(text);
	tvars_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_names),
		cmocka_unit_test(test_server_names_once_each),
		cmocka_unit_test(test_server_names_no_domains),
		cmocka_unit_test(test_uuid_form),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_web_templates),
		cmocka_unit_test(test_nginx_template),
	};

	return cmocka_run_group_tests(tests, scratch_dir_setup,
				      scratch_dir_teardown);
}
