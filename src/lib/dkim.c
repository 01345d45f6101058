/*
 * dkim.c - DKIM keys on disk (made with the OpenSSL 3 API, no openssl(1)
 * command line, no key in argv) and the TXT records that publish them.
 *
 * The commands and setup, mostly through src/core/dkim_keys.c, call
 * dkim_generate_key() when a domain is added or a key rotated,
 * dkim_txt_value() and dkim_txt_quote() to show the record,
 * dkim_remove_key() when a key is retired; setup calls
 * dkim_fix_permissions() so that the signer's group can read the keys
 * once it exists.  See dkim.h for the layout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/dkim.h"
#include "lib/file.h"
#include "lib/str.h"

#define KEY_SUFFIX ".key"
#define TXT_PREFIX "v=DKIM1; k=rsa; p="

/* ---- selectors ------------------------------------------------------ */

static bool is_taken(const char *name, const char *const *taken, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (taken[i] && strcmp(taken[i], name) == 0)
			return true;
	return false;
}

bool dkim_selector_name(const struct tm *date, const char *const *taken,
			size_t n, char *out, size_t size)
{
	int year = date->tm_year + 1900;
	char base[16];

	if (year < 0 || year > 9999 || date->tm_mon < 0 || date->tm_mon > 11 ||
	    date->tm_mday < 1 || date->tm_mday > 31)
		return false;
	snprintf(base, sizeof base, "vm%04d%02d%02d", year, date->tm_mon + 1,
		 date->tm_mday);
	if (!is_taken(base, taken, n))
		return vm_strlcpy(out, base, size);
	for (char c = 'b'; c <= 'z'; c++) {
		char name[sizeof base + 1];

		snprintf(name, sizeof name, "%s%c", base, c);
		if (!is_taken(name, taken, n))
			return vm_strlcpy(out, name, size);
	}
	return false;
}

bool dkim_valid_selector(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > DKIM_SELECTOR_MAX || s[0] == '-' ||
	    s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* ---- TXT values ----------------------------------------------------- */

/* The length of the string that starts at off in a value of len bytes. */
static size_t chunk_len(size_t len, size_t off)
{
	return len - off < DKIM_TXT_STRING_MAX ? len - off : DKIM_TXT_STRING_MAX;
}

size_t dkim_txt_split(size_t len, struct dkim_chunk *chunks, size_t max)
{
	size_t n = 0, off = 0;

	do {
		size_t piece = chunk_len(len, off);

		if (n < max)
			chunks[n] = (struct dkim_chunk){ off, piece };
		n++;
		off += piece;
	} while (off < len);
	return n;
}

/* One byte in zone-file syntax: '"' and '\\' escaped with '\\', other
 * bytes that are not printable ASCII as \DDD (decimal). */
static void quote_byte(struct vm_buf *b, unsigned char c)
{
	if (c == '"' || c == '\\')
		vm_buf_printf(b, "\\%c", c);
	else if (c < 0x20 || c > 0x7e)
		vm_buf_printf(b, "\\%03u", c);
	else
		vm_buf_add(b, &c, 1);
}

char *dkim_txt_quote(const char *value, size_t len)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t off = 0;

	do {
		size_t end = off + chunk_len(len, off);

		vm_buf_puts(&b, off ? " \"" : "\"");
		for (; off < end; off++)
			quote_byte(&b, (unsigned char)value[off]);
		vm_buf_add(&b, "\"", 1);
	} while (off < len);
	return vm_buf_take(&b, NULL);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The byte of the escape at text[*i] (a '\\'): \DDD (at most 255) or
 * \X for the character X; *i ends on its last character.  0 with *i ==
 * len if the escape is cut short or out of range. */
static unsigned char unescape(const char *text, size_t len, size_t *i)
{
	size_t at = *i + 1;
	unsigned v;

	if (at >= len) {
		*i = len;
		return 0;
	}
	if (!is_digit(text[at])) {
		*i = at;
		return (unsigned char)text[at];
	}
	if (at + 2 >= len || !is_digit(text[at + 1]) ||
	    !is_digit(text[at + 2])) {
		*i = len;
		return 0;
	}
	v = (unsigned)(text[at] - '0') * 100 +
	    (unsigned)(text[at + 1] - '0') * 10 + (unsigned)(text[at + 2] - '0');
	*i = v > 255 ? len : at + 2;
	return v > 255 ? 0 : (unsigned char)v;
}

/* Parse one quoted string at text[*pos] (the opening quote) into b;
 * *pos ends after the closing quote.  The string's length, or -1. */
static long unquote_one(const char *text, size_t len, size_t *pos,
			struct vm_buf *b)
{
	size_t i = *pos + 1;
	long n = 0;

	for (; i < len && text[i] != '"'; i++, n++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\\' && (c = unescape(text, len, &i)) == 0 &&
		    i == len)
			return -1;
		if (n >= DKIM_TXT_STRING_MAX)
			return -1;
		vm_buf_add(b, &c, 1);
	}
	if (i == len)
		return -1;
	*pos = i + 1;
	return n;
}

int dkim_txt_unquote(const char *text, size_t len, char **out,
		     size_t *outlen)
{
	struct vm_buf b = VM_BUF_INIT;
	size_t pos = 0;
	int strings = 0;

	*out = NULL;
	vm_buf_puts(&b, "");
	while (pos < len) {
		if (strings > 0) {
			if (text[pos] != ' ')
				goto bad;
			pos++;
		}
		if (pos >= len || text[pos] != '"' ||
		    unquote_one(text, len, &pos, &b) < 0 || strings == INT_MAX)
			goto bad;
		strings++;
	}
	if (strings == 0 || !(*out = vm_buf_take(&b, outlen)))
		goto bad;
	return strings;
bad:
	vm_buf_free(&b);
	return -1;
}

/* ---- paths and owners ----------------------------------------------- */

const char *dkim_dir(void)
{
	const char *dir = getenv("VMAIL_DKIM_DIR");

	return dir && *dir ? dir : DKIM_DIR;
}

bool dkim_key_path(const char *domain, const char *selector, char *out,
		   size_t size)
{
	return vm_snprintf(out, size, "%s/%s.%s" KEY_SUFFIX, dkim_dir(),
			   domain, selector);
}

bool dkim_map_path(char *out, size_t size)
{
	return vm_snprintf(out, size, "%s/" DKIM_MAP_NAME, dkim_dir());
}

void dkim_owner(uid_t *uid, gid_t *gid)
{
	vm_root_group_owner(DKIM_SIGNER_GROUP, uid, gid);
}

int dkim_ensure_dir(void)
{
	uid_t uid;
	gid_t gid;

	dkim_owner(&uid, &gid);
	return vm_ensure_dir(dkim_dir(), 0750, uid, gid);
}

/* ---- keys ----------------------------------------------------------- */

static void ssl_err(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown error";

	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	vm_err("%s: %s", what, buf);
}

/* The key as PEM in a malloc'd buffer (wiped and freed by the caller
 * with OPENSSL_clear_free). */
static char *key_pem(EVP_PKEY *key, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data, *copy = NULL;
	long n;

	if (!bio)
		return NULL;
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (n = BIO_get_mem_data(bio, &data)) > 0 &&
	    (copy = OPENSSL_malloc((size_t)n + 1))) {
		memcpy(copy, data, (size_t)n);
		copy[n] = '\0';
		*len = (size_t)n;
	}
	BIO_free(bio);
	return copy;
}

bool dkim_generate_key(const char *domain, const char *selector,
		       unsigned bits)
{
	char path[4096];
	EVP_PKEY *key;
	char *pem;
	size_t len = 0;
	uid_t uid;
	gid_t gid;
	int rc;

	if (!dkim_key_path(domain, selector, path, sizeof path)) {
		vm_err("%s: DKIM key path too long", dkim_dir());
		return false;
	}
	if (dkim_ensure_dir() < 0)
		return false;
	if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits))) {
		ssl_err("cannot generate the DKIM key");
		return false;
	}
	pem = key_pem(key, &len);
	EVP_PKEY_free(key);
	if (!pem) {
		ssl_err("cannot encode the DKIM key");
		return false;
	}
	dkim_owner(&uid, &gid);
	rc = vm_write_file_if_changed(path, pem, len, 0640, uid, gid);
	OPENSSL_clear_free(pem, len + 1);
	return rc >= 0;
}

bool dkim_remove_key(const char *domain, const char *selector)
{
	char path[4096];

	if (!dkim_key_path(domain, selector, path, sizeof path)) {
		vm_err("%s: DKIM key path too long", dkim_dir());
		return false;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		vm_errno("cannot remove %s", path);
		return false;
	}
	return true;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *key;

	if (!f) {
		vm_errno("cannot read the DKIM key %s", path);
		return NULL;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key)
		ssl_err(path);
	return key;
}

/* "v=DKIM1; k=rsa; p=" + base64(DER SubjectPublicKeyInfo of key). */
static char *txt_of_key(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	int derlen = i2d_PUBKEY(key, &der);
	size_t prefix = strlen(TXT_PREFIX);
	char *txt;

	if (derlen <= 0)
		return NULL;
	txt = malloc(prefix + 4 * (((size_t)derlen + 2) / 3) + 1);
	if (txt) {
		memcpy(txt, TXT_PREFIX, prefix);
		EVP_EncodeBlock((unsigned char *)txt + prefix, der, derlen);
	}
	OPENSSL_free(der);
	return txt;
}

char *dkim_txt_value(const char *domain, const char *selector)
{
	char path[4096];
	EVP_PKEY *key;
	char *txt;

	if (!dkim_key_path(domain, selector, path, sizeof path)) {
		vm_err("%s: DKIM key path too long", dkim_dir());
		return NULL;
	}
	if (!(key = read_key(path)))
		return NULL;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		vm_err("%s: not an RSA key", path);
		EVP_PKEY_free(key);
		return NULL;
	}
	txt = txt_of_key(key);
	EVP_PKEY_free(key);
	if (!txt)
		ssl_err("cannot encode the DKIM public key");
	return txt;
}

/* ---- permissions ---------------------------------------------------- */

/* Give the regular file name in dirfd mode and owner.  1 changed, 0
 * right, -1 error (printed). */
static int fix_file(int dirfd, const char *dir, const char *name,
		    mode_t mode, uid_t uid, gid_t gid)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_CLOEXEC);
	struct stat sb;
	int changed = 0;

	if (fd < 0) {
		vm_errno("cannot open %s/%s", dir, name);
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		vm_err("%s/%s: not a regular file", dir, name);
		close(fd);
		return -1;
	}
	if ((uid != (uid_t)-1 && sb.st_uid != uid) ||
	    (gid != (gid_t)-1 && sb.st_gid != gid)) {
		changed = 1;
		if (fchown(fd, uid, gid) < 0)
			changed = -1;
	}
	if (changed >= 0 && (changed || (sb.st_mode & 07777) != mode)) {
		if (fchmod(fd, mode) < 0)
			changed = -1;
		else
			changed = 1;
	}
	if (changed < 0)
		vm_errno("cannot set the owner and mode of %s/%s", dir, name);
	close(fd);
	return changed;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

int dkim_fix_permissions(void)
{
	const char *dir = dkim_dir();
	struct dirent *e;
	struct stat sb;
	uid_t uid;
	gid_t gid;
	DIR *d;
	int rc, changed;

	if (stat(dir, &sb) < 0 && errno == ENOENT)
		return 0;
	if ((changed = dkim_ensure_dir()) < 0)
		return -1;
	if (!(d = opendir(dir))) {
		vm_errno("cannot read %s", dir);
		return -1;
	}
	dkim_owner(&uid, &gid);
	while ((e = readdir(d))) {
		if (!ends_with(e->d_name, KEY_SUFFIX) &&
		    strcmp(e->d_name, DKIM_MAP_NAME) != 0)
			continue;
		rc = fix_file(dirfd(d), dir, e->d_name, 0640, uid, gid);
		if (rc < 0) {
			changed = -1;
			break;
		}
		changed |= rc;
	}
	closedir(d);
	return changed;
}
