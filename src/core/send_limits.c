/*
 * send_limits.c - write the map of users' own hourly sending limits for
 * rspamd (see send_limits.h).
 */

#include "core/rspamd_map.h"
#include "core/send_limits.h"
#include "lib/buf.h"

static const char map_header[] =
	"# ratelimit.map - hourly sending limits of single users, read by\n"
	"# rspamd (VMAIL_RATELIMIT in /etc/rspamd/local.d/rspamd.lua).\n"
	"# Written by vmailctl from the directory: change it with\n"
	"# \"vmailctl user limit ADDRESS ...\", not here.\n"
	"# ADDRESS MESSAGES RECIPIENTS  (\"-\" = [limits] in vmail.conf,\n"
	"# 0 = no limit)\n";

bool send_limits_map_path(char *out, size_t size)
{
	return rspamd_map_path(SEND_LIMITS_MAP_NAME, out, size);
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

/* The map's text: the header, then the lines of a listing. */
static enum store_status map_text(struct store *s, struct vm_buf *b)
{
	vm_buf_printf(b, "%s", map_header);
	/* store_mailbox_list orders by domain and local part. */
	return store_mailbox_list(s, NULL, map_line, b);
}

int send_limits_sync_map(struct store *s)
{
	return rspamd_map_sync(s, SEND_LIMITS_MAP_NAME, map_text);
}
