/*
 * config_internal.h - what config.c shares with config_edit.c, its
 * in-place editor, and with nothing else: the table of settings (in
 * the order config_format() writes them), each value as the file spells
 * it, and a parse that also says where each key was found.
 */
#ifndef VMAIL_CONFIG_INTERNAL_H
#define VMAIL_CONFIG_INTERNAL_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/config.h"

/* At least the number of settings (config.c checks it at build time). */
#define CONFIG_SETTINGS_MAX 64

/* Where each setting i was found: the line (1-based; 0 = not in the
 * text) and its value exactly as libinih read it (trimmed, without an
 * inline comment). */
struct config_where {
	int line[CONFIG_SETTINGS_MAX];
	char value[CONFIG_SETTINGS_MAX][VM_CONF_VALUE_MAX + 1];
};

size_t config_settings(void);
const char *config_setting_section(size_t i);
const char *config_setting_key(size_t i);
/* The comment config_format() writes above the key; NULL for a key that
 * shares the comment of the one before it. */
const char *config_setting_help(size_t i);
/* Setting i of cfg as config_format() writes it (buf: >= 32 bytes). */
const char *config_setting_value(size_t i, const struct vm_config *cfg,
				 char *buf, size_t len);
/* help as "# " comment lines, each ended with eol. */
void config_put_comment(struct vm_buf *b, const char *help, const char *eol);
/* config_parse() that fills where as well.  0 if the text is valid,
 * else the line of the first error, with the reason in reason. */
int config_parse_where(const char *text, struct vm_config *cfg,
		       struct config_where *where, char *reason,
		       size_t reasonlen);

#endif
