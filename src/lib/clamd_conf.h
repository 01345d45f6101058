/*
 * clamd_conf.h - keep clamd's size limits at least as large as the
 * largest message Postfix accepts.
 *
 * clamd refuses a stream longer than StreamMaxLength (Debian: 25M) and
 * does not look into a file larger than MaxFileSize or past MaxScanSize.
 * rspamd treats a refused stream as a scan failure (4xx, see
 * templates/rspamd/force_actions.conf), so a message between 25 MB and
 * vmail's 50 MB limit would be refused until its sender gave up; and a
 * file over MaxFileSize would pass unscanned.  setup_antivirus() raises
 * the three directives in /etc/clamav/clamd.conf to the message size
 * limit (never lowers them; Debian's clamav-daemon keeps such edits).
 *
 *   bool changed;
 *   char *text = clamd_conf_raise(old, len, limit_bytes, &changed);
 *
 * clamd_conf_set() sets directives to exact values the same way (with
 * systemd, setup makes clamd and freshclam log through syslog as
 * facility mail: "LogSyslog true", "LogFacility LOG_MAIL"); freshclam.conf
 * has the same syntax.
 */
#ifndef VMAIL_CLAMD_CONF_H
#define VMAIL_CLAMD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The directives clamd_conf_raise() keeps in step, NULL-terminated. */
extern const char *const clamd_size_directives[];

/* Parse a clamd size value: digits, optionally followed by k/K (KiB) or
 * m/M (MiB).  false if s[0..len) is not one or does not fit. */
bool clamd_parse_size(const char *s, size_t len, uint64_t *out);

/* The smallest value the directives need for messages of up to
 * max_message bytes: whole MiB, plus 1 MiB for the headers Postfix and
 * rspamd see on top of the counted size. */
uint64_t clamd_needed_size(uint64_t max_message);

/* A copy of the configuration text[0..len) in which every directive of
 * clamd_size_directives is at least min_bytes: a smaller (or
 * unparseable) value is replaced by "NM", a missing directive is
 * appended; every other line is kept byte for byte.  *changed tells
 * whether anything differs.  NULL (errno ENOMEM) on allocation failure. */
char *clamd_conf_raise(const char *text, size_t len, uint64_t min_bytes,
		       bool *changed);

/* A copy of text[0..len) in which every directive of set[0..n) (n <= 8)
 * has exactly its value: other values are replaced (the name as
 * written, the rest of the line kept), a missing directive is appended;
 * every other line is kept byte for byte, comments included.  NULL
 * (errno ENOMEM, or EINVAL for n > 8) on failure. */
struct clamd_setting {
	const char *name;
	const char *value;
};
char *clamd_conf_set(const char *text, size_t len,
		     const struct clamd_setting *set, size_t n, bool *changed);

#endif
