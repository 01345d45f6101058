/*
 * tlscert.c - the server's self-signed TLS certificate, made with the
 * OpenSSL 3 API (no openssl(1) command line, no key in argv).
 *
 * setup calls tlscert_ensure_selfsigned() so that a fresh server has TLS
 * on every port from the first minute.  The certificate is a leaf for
 * the hostname (CN and subjectAltName), RSA-3072, SHA-256, valid for ten
 * years.  An administrator replaces it by pointing [tls] cert/key in
 * vmail.conf at real files (or by overwriting these); existing files are
 * never touched.  The key is written 0600 root before the certificate, so
 * an interrupted run never leaves a certificate without its key.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/diag.h"
#include "lib/str.h"
#include "lib/tlscert.h"

#define KEY_BITS 3072
#define VALID_DAYS 3650

static void ssl_err(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown error";

	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	vm_err("%s: %s", what, buf);
}

/* Add one v3 extension given in openssl.cnf syntax. */
static bool add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return false;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1;
}

static bool set_random_serial(X509 *cert)
{
	BIGNUM *bn = BN_new();
	bool ok = bn && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
	BN_free(bn);
	return ok;
}

static X509 *make_cert(EVP_PKEY *key, const char *hostname)
{
	char san[300];
	X509 *cert = X509_new();
	X509_NAME *name;

	if (!cert || !vm_snprintf(san, sizeof san, "DNS:%s", hostname))
		goto fail;
	if (!X509_set_version(cert, 2) || !set_random_serial(cert) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), VALID_DAYS, 0, NULL) ||
	    !X509_set_pubkey(cert, key))
		goto fail;
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)hostname, -1, -1, 0) ||
	    !X509_set_issuer_name(cert, name))
		goto fail;
	if (!add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(cert, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
	    !add_ext(cert, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(cert, NID_subject_alt_name, san) ||
	    !add_ext(cert, NID_subject_key_identifier, "hash"))
		goto fail;
	if (!X509_sign(cert, key, EVP_sha256()))
		goto fail;
	return cert;
fail:
	X509_free(cert);
	return NULL;
}

/* Write PEM data produced by writer() to path atomically with mode. */
static bool write_pem(const char *path, mode_t mode,
		      int (*writer)(FILE *, const void *), const void *obj)
{
	char tmp[4200];
	if (!vm_snprintf(tmp, sizeof tmp, "%s.XXXXXX", path)) {
		vm_err("%s: path too long", path);
		return false;
	}
	int fd = mkstemp(tmp);
	if (fd < 0) {
		vm_errno("cannot create %s", tmp);
		return false;
	}
	FILE *f = NULL;
	if (fchmod(fd, mode) < 0 || !(f = fdopen(fd, "w"))) {
		vm_errno("cannot write %s", tmp);
		if (f)
			fclose(f);
		else
			close(fd);
		unlink(tmp);
		return false;
	}
	bool ok = writer(f, obj) == 1;
	ok = (fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		vm_errno("cannot write %s", path);
		unlink(tmp);
		return false;
	}
	return true;
}

static int write_key(FILE *f, const void *key)
{
	return PEM_write_PrivateKey(f, (EVP_PKEY *)key, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(FILE *f, const void *cert)
{
	return PEM_write_X509(f, (X509 *)cert);
}

int tlscert_ensure_selfsigned(const char *hostname, const char *cert_path,
			      const char *key_path)
{
	bool have_cert = access(cert_path, F_OK) == 0;
	bool have_key = access(key_path, F_OK) == 0;

	if (have_cert && have_key)
		return 0;
	if (have_cert != have_key) {
		vm_err("%s exists but %s does not; provide both or neither",
		       have_cert ? cert_path : key_path,
		       have_cert ? key_path : cert_path);
		return -1;
	}

	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)KEY_BITS);
	if (!key) {
		ssl_err("cannot generate the TLS key");
		return -1;
	}
	X509 *cert = make_cert(key, hostname);
	int rc = -1;
	if (!cert)
		ssl_err("cannot create the TLS certificate");
	else if (write_pem(key_path, 0600, write_key, key) &&
		 write_pem(cert_path, 0644, write_cert, cert))
		rc = 1;
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

bool tlscert_names_host(const char *cert_path, const char *hostname)
{
	FILE *f = fopen(cert_path, "r");
	if (!f)
		return false;
	X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!cert)
		return false;
	bool ok = X509_check_host(cert, hostname, 0, 0, NULL) == 1;
	X509_free(cert);
	return ok;
}
