/*
 * dkim.h - DKIM signing keys on disk and the DNS records that publish
 * them.  No knowledge of the directory database here: core/dkim_keys.c
 * (for the commands and setup) pairs these files with the dkim_key rows.
 *
 * Layout (a contract with the rspamd signer, see docs/administration.md):
 *
 *   /etc/vmail/dkim/                  0750 root:<signer group>
 *   /etc/vmail/dkim/DOMAIN.SEL.key    0640 root:<signer group>, PEM RSA
 *   /etc/vmail/dkim/selectors.map     "DOMAIN SELECTOR" per line, the
 *                                     active selector of every domain
 *
 * The signer group is "_rspamd" when it exists, else root.  $VMAIL_DKIM_DIR
 * replaces /etc/vmail/dkim (tests).  Private keys are made with the
 * OpenSSL 3 API, written atomically, and never printed.
 *
 * The pure parts (selector names, TXT value splitting and quoting) have
 * no I/O and are unit-tested and fuzzed (tests/fuzz/fuzz_dkim_txt.c).
 */
#ifndef VMAIL_DKIM_H
#define VMAIL_DKIM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define DKIM_DIR "/etc/vmail/dkim"
#define DKIM_MAP_NAME "selectors.map"
#define DKIM_SIGNER_GROUP "_rspamd"
#define DKIM_BITS 2048
/* A DNS label: 63 bytes; ours are "vm" + YYYYMMDD + optional letter. */
#define DKIM_SELECTOR_MAX 63
/* One <character-string> of a TXT record holds at most 255 bytes. */
#define DKIM_TXT_STRING_MAX 255

/* ---- pure functions ------------------------------------------------- */

/*
 * The selector for a key made on date (UTC): "vm" YYYYMMDD, or with a
 * letter "b".."z" appended when that name is among the n selectors in
 * taken (the domain's existing ones).  False if all 25 are taken, the
 * year is outside 0..9999, or out (size) is too small.
 */
bool dkim_selector_name(const struct tm *date, const char *const *taken,
			size_t n, char *out, size_t size);

/* A selector given on the command line: 1..63 of [a-z0-9-], not
 * starting or ending with '-'.  Lower-case it first. */
bool dkim_valid_selector(const char *s);

/* One piece of a TXT value: len bytes at value + off. */
struct dkim_chunk {
	size_t off;
	size_t len;
};

/*
 * Split a TXT value of len bytes into strings of at most
 * DKIM_TXT_STRING_MAX bytes, in order, each full but the last: fills
 * chunks[0..max-1] and returns how many there are (an empty value is
 * one empty string).  A return value > max means chunks was too short.
 */
size_t dkim_txt_split(size_t len, struct dkim_chunk *chunks, size_t max);

/*
 * The value in zone-file syntax: its strings (dkim_txt_split) each in
 * double quotes, '"' and '\' escaped with '\', bytes that are not
 * printable ASCII as \DDD (decimal), separated by one space, e.g.
 * "v=DKIM1; k=rsa; p=MIIB..." "...".  The 255-byte limit counts the
 * bytes of the value, not of their escapes.  malloc'd; NULL if out of
 * memory.
 */
char *dkim_txt_quote(const char *value, size_t len);

/*
 * The reverse of dkim_txt_quote(), for checking: parse space-separated
 * quoted strings (with '\X' and '\DDD' escapes) and concatenate their
 * contents into a malloc'd *out (*outlen bytes, NUL-terminated).
 * Returns the number of strings, or -1 if the text is not such a list or a string holds more
 * than DKIM_TXT_STRING_MAX bytes.
 */
int dkim_txt_unquote(const char *text, size_t len, char **out,
		     size_t *outlen);

/* ---- files ---------------------------------------------------------- */

/* $VMAIL_DKIM_DIR if set, else DKIM_DIR. */
const char *dkim_dir(void);
/* dkim_dir()/DOMAIN.SELECTOR.key into out; false if it does not fit. */
bool dkim_key_path(const char *domain, const char *selector, char *out,
		   size_t size);
/* dkim_dir()/selectors.map into out. */
bool dkim_map_path(char *out, size_t size);

/* The owner of the directory, the keys and the map: root and the signer
 * group as root; (uid_t)-1/(gid_t)-1 ("leave as is") when not root. */
void dkim_owner(uid_t *uid, gid_t *gid);

/* Create dkim_dir() if missing; fix its mode and owner.  1 changed,
 * 0 already right, -1 error (printed). */
int dkim_ensure_dir(void);

/*
 * Make a new RSA key of bits and write it to the path of domain and
 * selector (dkim_ensure_dir first).  Returns false with the reason
 * printed.
 */
bool dkim_generate_key(const char *domain, const char *selector,
		       unsigned bits);

/* Remove the key file of domain and selector; a missing file is fine.
 * False with the reason printed. */
bool dkim_remove_key(const char *domain, const char *selector);

/*
 * The TXT value that publishes the public half of the key in the file of
 * domain and selector: "v=DKIM1; k=rsa; p=" + base64 of the DER
 * SubjectPublicKeyInfo.  malloc'd; NULL with the reason printed.
 */
char *dkim_txt_value(const char *domain, const char *selector);

/*
 * Re-apply the directory's and every key file's (and the map's) mode
 * and owner, e.g. once rspamd is installed and its group exists.  Does
 * nothing if the directory does not exist.  1 changed, 0 already right,
 * -1 error (printed).
 */
int dkim_fix_permissions(void);

#endif
