/*
 * tlsinfo.c - certificate facts and key digests with the OpenSSL 3 API
 * (see tlsinfo.h).  The TLSA digest is SHA-256 over the DER encoding of
 * the SubjectPublicKeyInfo (i2d_PUBKEY), as "3 1 1" says; the same
 * bytes for a certificate's key and for the private key it came from,
 * so a record made from the key before a certificate exists matches
 * the certificate later.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/diag.h"
#include "lib/file.h"
#include "lib/str.h"
#include "lib/tlsinfo.h"

#define NEW_KEY_BITS 3072

static bool ssl_why(char *why, size_t whylen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "no details";

	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return vm_why(why, whylen, "%s: %s", what, buf);
}

static bool spki_hex(EVP_PKEY *key, char hex[TLSINFO_TLSA_HEX])
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int len = i2d_PUBKEY(key, &der);
	bool ok;

	if (len <= 0)
		return false;
	ok = EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) &&
	     mdlen == 32;
	OPENSSL_free(der);
	for (unsigned int i = 0; ok && i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return ok;
}

static void name_cn(X509_NAME *n, char *out, size_t size)
{
	out[0] = '\0';
	if (n)
		X509_NAME_get_text_by_NID(n, NID_commonName, out, (int)size);
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static bool collect_names(X509 *x, struct vm_strlist *names)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name,
					       NULL, NULL);
	bool ok = true;

	for (int i = 0; sans && ok && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const unsigned char *d;
		int len;
		char name[256];

		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		len = ASN1_STRING_length(g->d.dNSName);
		if (len <= 0 || (size_t)len >= sizeof name ||
		    memchr(d, '\0', (size_t)len))
			continue;
		memcpy(name, d, (size_t)len);
		name[len] = '\0';
		vm_ascii_lower(name);
		if (!vm_strlist_has(names, name))
			ok = vm_strlist_add(names, name);
	}
	GENERAL_NAMES_free(sans);
	return ok;
}

static bool from_x509(X509 *x, struct tlsinfo_cert *out, char *why,
		      size_t whylen)
{
	EVP_PKEY *pub = X509_get0_pubkey(x);

	name_cn(X509_get_subject_name(x), out->subject_cn,
		sizeof out->subject_cn);
	name_cn(X509_get_issuer_name(x), out->issuer_cn,
		sizeof out->issuer_cn);
	out->not_before = asn1_time(X509_get0_notBefore(x));
	out->not_after = asn1_time(X509_get0_notAfter(x));
	out->self_signed = X509_NAME_cmp(X509_get_subject_name(x),
					 X509_get_issuer_name(x)) == 0 &&
			   pub && X509_verify(x, pub) == 1;
	ERR_clear_error();
	if (!pub || !spki_hex(pub, out->spki_sha256))
		return ssl_why(why, whylen, "cannot read the certificate's key");
	if (!collect_names(x, &out->names))
		return vm_why(why, whylen, "out of memory");
	return true;
}

bool tlsinfo_cert_parse(const char *pem, size_t len, struct tlsinfo_cert *out,
			char *why, size_t whylen)
{
	BIO *b;
	X509 *x;
	bool ok;

	memset(out, 0, sizeof *out);
	if (len > (size_t)1 << 24)
		return vm_why(why, whylen, "too large for a certificate");
	if (!(b = BIO_new_mem_buf(pem, (int)len)))
		return vm_why(why, whylen, "out of memory");
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!x)
		return ssl_why(why, whylen, "no PEM certificate");
	ok = from_x509(x, out, why, whylen);
	X509_free(x);
	if (!ok)
		tlsinfo_cert_free(out);
	return ok;
}

bool tlsinfo_cert_load(const char *path, struct tlsinfo_cert *out,
		       char *why, size_t whylen)
{
	size_t len;
	char *pem = vm_read_file(path, &len);
	bool ok;

	memset(out, 0, sizeof *out);
	if (!pem)
		return vm_why(why, whylen, "cannot read %s: %s", path,
			      strerror(errno));
	ok = tlsinfo_cert_parse(pem, len, out, why, whylen);
	free(pem);
	return ok;
}

void tlsinfo_cert_free(struct tlsinfo_cert *c)
{
	vm_strlist_free(&c->names);
}

bool tlsinfo_key_tlsa(const char *path, char hex[TLSINFO_TLSA_HEX],
		      char *why, size_t whylen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key;
	bool ok;

	if (!f)
		return vm_why(why, whylen, "cannot read %s: %s", path,
			      strerror(errno));
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key)
		return ssl_why(why, whylen, "no PEM private key");
	ok = spki_hex(key, hex);
	EVP_PKEY_free(key);
	return ok || ssl_why(why, whylen, "cannot encode the public key");
}

int tlsinfo_new_key(const char *path, char *why, size_t whylen)
{
	EVP_PKEY *key;
	BIO *b;
	char *pem;
	long len;
	int rc;

	if (access(path, F_OK) == 0)
		return 0;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)NEW_KEY_BITS);
	if (!key) {
		ssl_why(why, whylen, "cannot generate a key");
		return -1;
	}
	b = BIO_new(BIO_s_mem());
	if (!b || PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
					   NULL) != 1) {
		BIO_free(b);
		EVP_PKEY_free(key);
		ssl_why(why, whylen, "cannot encode the key");
		return -1;
	}
	EVP_PKEY_free(key);
	len = BIO_get_mem_data(b, &pem);
	rc = vm_write_file_if_changed(path, pem, (size_t)len, 0600,
				      (uid_t)-1, (gid_t)-1);
	OPENSSL_cleanse(pem, (size_t)len);
	BIO_free(b);
	if (rc < 0) {
		vm_why(why, whylen, "cannot write %s", path);
		return -1;
	}
	return 1;
}
