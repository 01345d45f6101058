/*
 * setup_pending.c - remember reloads that a failed setup still owes.
 *
 * setup installs new configuration files first and reloads the daemons
 * that read them afterwards (setup_services).  When a step in between
 * fails, the files are in place but the daemons still run with the old
 * ones; the next run would find the files unchanged and reload nothing.
 * So a failed run writes the names of the services whose files it
 * changed to SETUP_PENDING, the next run reads them back as if it had
 * changed those files itself, and a run that got through the service
 * step removes the file.  A run with nothing pending and nothing
 * changed neither reads nor writes anything but the absent file's name.
 *
 *   setup_pending_load(st, SETUP_PENDING);   at the start
 *   setup_pending_save(st, SETUP_PENDING);   when a later step failed
 *   setup_pending_clear(SETUP_PENDING);      once the services converged
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setup/setup.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/file.h"

/* The services whose "files changed" flag is kept, by name. */
static bool *flag_of(struct setup *st, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t offset;
	} services[] = {
		{ "postfix", offsetof(struct setup, postfix_changed) },
		{ "nginx", offsetof(struct setup, nginx_changed) },
		{ "dovecot", offsetof(struct setup, dovecot_changed) },
		{ "rspamd", offsetof(struct setup, rspamd_changed) },
		{ "redis-server", offsetof(struct setup, redis_changed) },
	};

	for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
		if (strlen(services[i].name) == len &&
		    !memcmp(services[i].name, name, len))
			return (bool *)((char *)st + services[i].offset);
	return NULL;
}

bool setup_pending_load(struct setup *st, const char *path)
{
	size_t len;
	char *text = vm_read_file(path, &len);
	const char *p, *end;

	if (!text) {
		if (errno == ENOENT)
			return true;
		vm_errno("%s", path);
		return false;
	}
	for (p = text, end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		bool *flag = flag_of(st, p, n);

		if (flag && !*flag) {
			*flag = true;
			vm_progress("A previous setup did not finish: %.*s will "
				    "be reloaded", (int)n, p);
		}
		p += n + 1;
	}
	free(text);
	return true;
}

bool setup_pending_save(struct setup *st, const char *path)
{
	static const char *const names[] = {
		"postfix", "dovecot", "rspamd", "redis-server", "nginx",
	};
	struct vm_buf b = VM_BUF_INIT;
	size_t len;
	char *text;
	int rc;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (*flag_of(st, names[i], strlen(names[i])))
			vm_buf_printf(&b, "%s\n", names[i]);
	if (!(text = vm_buf_take(&b, &len))) {
		vm_errno("%s", path);
		return false;
	}
	rc = len ? vm_write_file_if_changed(path, text, len, 0600, 0, 0) : 0;
	free(text);
	return rc >= 0;
}

bool setup_pending_clear(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT) {
		vm_errno("cannot remove %s", path);
		return false;
	}
	return true;
}
