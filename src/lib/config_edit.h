/*
 * config_edit.h - change the values of an existing vmail.conf in place.
 *
 * "vmailctl setup" writes /etc/vmail/vmail.conf from scratch only when
 * there is none (config_format() in config.h).  Afterwards the file is
 * the administrator's: config_edit() changes the values that differ from
 * the settings setup arrived at (flags given, an empty admin filled in)
 * and adds the keys the file lacks, with their comment, at the end of
 * their section (a section the file lacks goes at the end of the file).
 * Every other byte is kept: comments, blank lines, the order of keys
 * and sections, a key written differently but meaning the same value
 * ("51200K" for 50M), inline comments after a value, CRLF line ends.
 *
 *	char why[256];
 *	char *text = config_edit(old_text, &cfg, why, sizeof why);
 *	NULL: why says what ("line 12 would be longer than 199 characters")
 */
#ifndef VMAIL_CONFIG_EDIT_H
#define VMAIL_CONFIG_EDIT_H

#include <stddef.h>

#include "lib/config.h"

/* text with the values of cfg, as above: malloc'd.  NULL, with the
 * reason in why, if text is not a valid vmail.conf (the parse error,
 * "line N: ..."), if the result would not be one (a line grown too
 * long, a value longer than VM_CONF_VALUE_MAX), or out of memory.  The
 * result is checked: it reads back as exactly cfg. */
char *config_edit(const char *text, const struct vm_config *cfg, char *why,
		  size_t whylen);

#endif
