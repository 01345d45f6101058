/*
 * validate.h - syntax checks for everything an administrator types:
 * domain names, local parts, mail addresses, alias sources.
 *
 * The rules are deliberately stricter than RFC 5321 allows: vmail only
 * accepts what Postfix, Dovecot, Maildir paths and SQL all handle without
 * quoting.  On failure a short reason ("label longer than 63 characters")
 * is copied into why (may be NULL).  Callers lower-case input first
 * (vm_ascii_lower); validators reject upper case so stored data is
 * canonical.
 */
#ifndef VMAIL_VALIDATE_H
#define VMAIL_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define VM_DOMAIN_MAX 253
#define VM_LOCALPART_MAX 64
#define VM_ADDRESS_MAX (VM_LOCALPART_MAX + 1 + VM_DOMAIN_MAX)

/* LDH labels of 1..63 chars, no leading/trailing hyphen, at least two
 * labels, total <= 253, TLD not all digits, lower case only. */
bool valid_domain(const char *s, char *why, size_t whylen);

/* Dot-atom local part over [a-z0-9!#$%&*+/=?^_`{|}~.-] minus the
 * characters we refuse for safety (quotes, backslash, '/', '%', '!'),
 * no leading/trailing/double dot, no leading '-' (it would read as an
 * option to the programs we run), 1..64 chars.  '+' is allowed here but
 * see valid_mailbox_localpart. */
bool valid_localpart(const char *s, char *why, size_t whylen);

/* A mailbox's local part: valid_localpart without '+' (the recipient
 * delimiter, reserved for plus addressing), and only [a-z0-9._-], the
 * characters Dovecot accepts in a login (auth_username_chars). */
bool valid_mailbox_localpart(const char *s, char *why, size_t whylen);

/* local@domain with both parts valid. */
bool valid_address(const char *s, char *why, size_t whylen);

/* An alias source: a full address, or "@domain" for a catch-all. */
bool valid_alias_source(const char *s, char *why, size_t whylen);

/* Split a valid address at the last '@'. Returns false if no '@' or the
 * parts do not fit. */
bool split_address(const char *addr, char *local, size_t llen,
		   char *domain, size_t dlen);

#endif
