/*
 * validate.c - syntax checks for domains, local parts, addresses and
 * alias sources (see validate.h).
 *
 * Every command runs what the administrator typed through these before
 * it touches the directory, so the database, Postfix lookups, Dovecot
 * and Maildir paths only ever see plain lower-case ASCII without quoting
 * problems.  Each validator returns false with a short reason in why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/validate.h"

/* Characters RFC 5322 allows in a dot-atom local part, minus the ones we
 * refuse for safety: quotes, backslash, '/', '%' and '!'.  Letters and
 * digits are checked separately. */
static const char LOCALPART_SPECIALS[] = "#$&*+=?^_`{|}~.-";

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Describe a refused character: printable ones quoted, others as hex. */
static bool bad_char(char *why, size_t whylen, const char *what, char c)
{
	unsigned char u = (unsigned char)c;

	if (is_upper(c))
		return vm_why(why, whylen, "upper-case letters are not allowed "
			    "in a %s", what);
	if (u > 0x20 && u < 0x7f)
		return vm_why(why, whylen, "character '%c' is not allowed in a %s",
			    c, what);
	return vm_why(why, whylen, "character 0x%02x is not allowed in a %s",
		    u, what);
}

/* Check one domain label of n characters at s. */
static bool valid_label(const char *s, size_t n, char *why, size_t whylen)
{
	if (n == 0)
		return vm_why(why, whylen, "empty label in domain name");
	if (n > 63)
		return vm_why(why, whylen, "label longer than 63 characters");
	if (s[0] == '-' || s[n - 1] == '-')
		return vm_why(why, whylen,
			    "label starts or ends with a hyphen");
	for (size_t i = 0; i < n; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return bad_char(why, whylen, "domain name", s[i]);
	return true;
}

bool valid_domain(const char *s, char *why, size_t whylen)
{
	size_t total = strlen(s), labels = 0;
	const char *label = s, *last = s;
	size_t lastlen = 0;

	if (total == 0)
		return vm_why(why, whylen, "empty domain name");
	if (total > VM_DOMAIN_MAX)
		return vm_why(why, whylen, "domain name longer than %d characters",
			    VM_DOMAIN_MAX);
	for (;;) {
		const char *dot = strchr(label, '.');
		size_t n = dot ? (size_t)(dot - label) : strlen(label);

		if (!valid_label(label, n, why, whylen))
			return false;
		labels++;
		last = label;
		lastlen = n;
		if (!dot)
			break;
		label = dot + 1;
	}
	if (labels < 2)
		return vm_why(why, whylen,
			    "domain name needs at least two labels (like example.com)");
	for (size_t i = 0; i < lastlen; i++)
		if (!is_digit(last[i]))
			return true;
	return vm_why(why, whylen, "top-level domain is all digits");
}

bool valid_localpart(const char *s, char *why, size_t whylen)
{
	size_t n = strlen(s);

	if (n == 0)
		return vm_why(why, whylen, "empty local part");
	if (n > VM_LOCALPART_MAX)
		return vm_why(why, whylen, "local part longer than %d characters",
			    VM_LOCALPART_MAX);
	if (s[0] == '.' || s[n - 1] == '.')
		return vm_why(why, whylen, "local part starts or ends with a dot");
	if (s[0] == '-')
		return vm_why(why, whylen, "local part starts with a hyphen");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.' && s[i + 1] == '.')
			return vm_why(why, whylen, "two dots in a row in local part");
		if (is_lower(c) || is_digit(c) ||
		    (c != '\0' && strchr(LOCALPART_SPECIALS, c)))
			continue;
		return bad_char(why, whylen, "local part", c);
	}
	return true;
}

bool valid_mailbox_localpart(const char *s, char *why, size_t whylen)
{
	if (!valid_localpart(s, why, whylen))
		return false;
	if (strchr(s, '+'))
		return vm_why(why, whylen, "'+' is reserved for plus addressing "
			    "(user+tag@domain) and not allowed in a mailbox name");
	/* A mailbox logs in: Dovecot refuses a user name with characters
	 * outside its auth_username_chars (letters, digits, '.', '-', '_'
	 * and '@'), so such a mailbox could never be used.  Aliases, which
	 * never log in, may use the rest of the local-part characters. */
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-' || *p == '_'))
			return vm_why(why, whylen, "'%c' is not allowed in a "
				    "mailbox name (letters, digits, '.', '-' and "
				    "'_' only: mail clients log in with it)", *p);
	return true;
}

bool valid_address(const char *s, char *why, size_t whylen)
{
	char local[VM_LOCALPART_MAX + 1], domain[VM_DOMAIN_MAX + 1];
	char reason[128];
	const char *at = strrchr(s, '@');

	if (!at)
		return vm_why(why, whylen, "not an address (no '@')");
	if (!split_address(s, local, sizeof local, domain, sizeof domain)) {
		if ((size_t)(at - s) > VM_LOCALPART_MAX)
			return vm_why(why, whylen, "local part longer than %d "
				    "characters", VM_LOCALPART_MAX);
		return vm_why(why, whylen, "domain name longer than %d characters",
			    VM_DOMAIN_MAX);
	}
	if (!valid_localpart(local, reason, sizeof reason))
		return vm_why(why, whylen, "%s", reason);
	if (!valid_domain(domain, reason, sizeof reason))
		return vm_why(why, whylen, "%s", reason);
	return true;
}

bool valid_alias_source(const char *s, char *why, size_t whylen)
{
	if (s[0] == '@')
		return valid_domain(s + 1, why, whylen);
	return valid_address(s, why, whylen);
}

bool split_address(const char *addr, char *local, size_t llen,
		   char *domain, size_t dlen)
{
	const char *at = strrchr(addr, '@');
	size_t n;

	if (!at)
		return false;
	n = (size_t)(at - addr);
	if (n >= llen || strlen(at + 1) >= dlen)
		return false;
	memcpy(local, addr, n);
	local[n] = '\0';
	memcpy(domain, at + 1, strlen(at + 1) + 1);
	return true;
}
