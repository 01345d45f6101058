/*
 * send_limits.c - write the map of users' own hourly sending limits for
 * rspamd (see send_limits.h).
 */
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_common.h"
#include "commands/send_limits.h"
#include "lib/config.h"
#include "lib/util.h"

#define RSPAMD_GROUP "_rspamd"

static const char map_header[] =
	"# ratelimit.map - hourly sending limits of single users, read by\n"
	"# rspamd (/etc/rspamd/lua.local.d/vmail_ratelimit.lua).\n"
	"# Written by vmailctl from the directory: change it with\n"
	"# \"vmailctl user limit ADDRESS ...\", not here.\n"
	"# ADDRESS MESSAGES RECIPIENTS  (\"-\" = [limits] in vmail.conf,\n"
	"# 0 = no limit)\n";

bool send_limits_map_path(char *out, size_t size)
{
	const char *conf = config_path();
	const char *slash = strrchr(conf, '/');

	if (!slash)
		return vm_snprintf(out, size, "%s", SEND_LIMITS_MAP_NAME);
	return vm_snprintf(out, size, "%.*s/%s", (int)(slash - conf), conf,
			   SEND_LIMITS_MAP_NAME);
}

static void print_limit(struct vm_buf *b, int64_t v)
{
	if (v == STORE_LIMIT_DEFAULT)
		vm_buf_printf(b, " -");
	else
		vm_buf_printf(b, " %lld", (long long)v);
}

static int map_line(const struct store_mailbox *m, void *ctx)
{
	if (m->messages_per_hour == STORE_LIMIT_DEFAULT &&
	    m->recipients_per_hour == STORE_LIMIT_DEFAULT)
		return 0;
	vm_buf_printf(ctx, "%s", m->address);
	print_limit(ctx, m->messages_per_hour);
	print_limit(ctx, m->recipients_per_hour);
	vm_buf_printf(ctx, "\n");
	return 0;
}

int send_limits_sync_map(struct store *s)
{
	struct vm_buf b = VM_BUF_INIT;
	enum store_status st;
	char path[4096];
	size_t len;
	char *text;
	uid_t uid;
	gid_t gid;
	int rc;

	if (!send_limits_map_path(path, sizeof path)) {
		vm_err("%s: path too long", config_path());
		return -1;
	}
	vm_buf_printf(&b, "%s", map_header);
	/* store_mailbox_list orders by domain and local part. */
	if ((st = store_mailbox_list(s, NULL, map_line, &b)) != STORE_OK) {
		vm_buf_free(&b);
		cmd_store_fail(s, st);
		return -1;
	}
	if (!(text = vm_buf_take(&b, &len))) {
		vm_errno("cannot build %s", path);
		return -1;
	}
	/* root:_rspamd (rspamd reads it) */
	vm_root_group_owner(RSPAMD_GROUP, &uid, &gid);
	rc = vm_write_file_if_changed(path, text, len, 0640, uid, gid);
	free(text);
	return rc;
}
