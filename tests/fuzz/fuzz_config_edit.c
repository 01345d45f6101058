/*
 * fuzz_config_edit.c - libFuzzer target for config_edit()
 * (src/lib/config_edit.c), the in-place editor of vmail.conf.
 *
 * The input is a vmail.conf (first byte even), or bytes spliced into a
 * valid one (first byte odd: the next two bytes say where), so that
 * many inputs parse.  For every text config_parse() accepts:
 *   - editing it to its own settings only adds the keys it lacks (a
 *     text that has them all comes back byte for byte);
 *   - editing it to other settings (which ones: the last input byte)
 *     gives a text that reads back as exactly those settings, in which
 *     every line of the old text that held no changed key is still
 *     there, in order;
 *   - editing the result again to the same settings changes nothing;
 *   - the one acceptable failure is a line grown too long.
 * Text config_parse() refuses is refused by config_edit() too, with the
 * line number.                                               make fuzz
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/config_edit.h"
#include "lib/config_internal.h"
#include "lib/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid vmail.conf to splice into. */
static const char *base(void)
{
	static char *text;
	struct vm_config c;

	if (!text) {
		config_defaults(&c);
		vm_strlcpy(c.hostname, "mail.example.com", sizeof c.hostname);
		vm_strlcpy(c.domain, "example.com", sizeof c.domain);
		vm_strlcpy(c.admin, "admin@example.com", sizeof c.admin);
		if (!(text = config_format(&c)))
			abort();
	}
	return text;
}

/* The settings to edit to: the parsed ones with some changed. */
static void vary(struct vm_config *c, uint8_t m)
{
	if (m & 1)
		vm_strlcpy(c->hostname, "edited.example.org", sizeof c->hostname);
	if (m & 2)
		vm_strlcpy(c->admin, "boss@example.net", sizeof c->admin);
	if (m & 4)
		c->greylisting = !c->greylisting;
	if (m & 8)
		c->message_size_limit = 12345 * 1024;
	if (m & 16)
		c->spam_engine = c->spam_engine == VM_SPAM_RSPAMD ?
			VM_SPAM_SPAMASSASSIN : VM_SPAM_RSPAMD;
	if (m & 32)
		c->antivirus = !c->antivirus;
	if (m & 64)
		vm_strlcpy(c->database, "/srv/vmail/db.sqlite",
			   sizeof c->database);
	if (m & 128)
		c->admin[0] = '\0';
}

/* Is every line of old, but those in skip, a line of out, in order? */
static bool lines_kept(const char *old, const char *out, const bool *skip)
{
	size_t lineno = 0;

	while (*old) {
		size_t n = strcspn(old, "\n") + (old[strcspn(old, "\n")] != 0);

		lineno++;
		if (!skip[lineno]) {
			for (;;) {
				size_t m;

				if (!*out)
					return false;
				m = strcspn(out, "\n") + (out[strcspn(out, "\n")] != 0);
				out += m;
				if (m == n && !memcmp(out - m, old, n))
					break;
				/* the old last line may have gained its end */
				if (!old[n] && (m == n + 1 || m == n + 2) &&
				    !memcmp(out - m, old, n) &&
				    !memcmp(out - m + n, m == n + 1 ? "\n" : "\r\n",
					    m - n))
					break;
			}
		}
		old += n;
	}
	return true;
}

static bool differs(size_t i, const struct vm_config *a,
		    const struct vm_config *b)
{
	char x[32], y[32];

	return strcmp(config_setting_value(i, a, x, sizeof x),
		      config_setting_value(i, b, y, sizeof y)) != 0;
}

/* Editing text to the settings it already holds changes nothing. */
static void edit_is_stable(const char *text, const struct vm_config *cfg)
{
	char why[512], *again = config_edit(text, cfg, why, sizeof why);

	if (!again || strcmp(again, text))
		abort();
	free(again);
}

static void check(const char *text, uint8_t m)
{
	static struct config_where where;
	struct vm_config a, b, c;
	char why[512], reason[512];
	char *same, *out;
	bool *skip, missing;
	size_t lines = 2;

	if (config_parse_where(text, &a, &where, reason, sizeof reason)) {
		if (config_edit(text, &a, why, sizeof why) ||
		    strncmp(why, "line ", 5))
			abort();
		return;
	}
	if (!*text)
		return;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	if (!(skip = calloc(lines, sizeof *skip)))
		abort();
	/* Its own settings: only the missing keys are added. */
	same = config_edit(text, &a, why, sizeof why);
	if (!same || !lines_kept(text, same, skip))
		abort();
	missing = false;
	for (size_t i = 0; i < config_settings(); i++)
		missing |= !where.line[i];
	if (!missing && strcmp(same, text))
		abort();
	edit_is_stable(same, &a);
	free(same);

	b = a;
	vary(&b, m);
	out = config_edit(text, &b, why, sizeof why);
	if (!out) {
		if (!strstr(why, "longer than"))
			abort();
		free(skip);
		return;
	}
	if (!config_parse(out, &c, reason, sizeof reason))
		abort();
	for (size_t i = 0; i < config_settings(); i++) {
		if (differs(i, &b, &c))
			abort();
		if (where.line[i] && differs(i, &a, &b))
			skip[where.line[i]] = true;
	}
	if (!lines_kept(text, out, skip))
		abort();
	edit_is_stable(out, &b);
	free(skip);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = base();
	size_t blen = strlen(b), at;
	char *text;

	if (size < 4)
		return 0;
	if (!(text = malloc(blen + size + 1)))
		return 0;
	if (data[0] & 1) {
		at = ((size_t)data[1] | (size_t)data[2] << 8) % (blen + 1);
		memcpy(text, b, at);
		memcpy(text + at, data + 3, size - 4);
		strcpy(text + at + size - 4, b + at);
	} else {
		memcpy(text, data + 1, size - 2);
		text[size - 2] = '\0';
	}
	/* A NUL byte ends the text, as it would end the file's. */
	check(text, data[size - 1]);
	free(text);
	return 0;
}
