/*
 * rspamd_map.c - write a map file for rspamd (see rspamd_map.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "core/directory.h"
#include "core/rspamd_map.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/str.h"

bool rspamd_map_path(const char *name, char *out, size_t size)
{
	char dir[PATH_MAX];

	return vm_dir_of(config_path(), dir, sizeof dir) &&
	       vm_snprintf(out, size, "%s/%s", dir, name);
}

int rspamd_map_write(struct store *s, enum store_status st,
		     struct vm_buf *b, const char *path)
{
	size_t len;
	char *text;
	uid_t uid;
	gid_t gid;
	int rc;

	if (st != STORE_OK) {
		vm_buf_free(b);
		directory_fail(s, st);
		return -1;
	}
	if (!(text = vm_buf_take(b, &len))) {
		vm_errno("cannot build %s", path);
		return -1;
	}
	vm_root_group_owner(RSPAMD_GROUP, &uid, &gid);
	rc = vm_write_file_if_changed(path, text, len, 0640, uid, gid);
	free(text);
	return rc;
}

int rspamd_map_sync(struct store *s, const char *name,
		    enum store_status (*fill)(struct store *, struct vm_buf *))
{
	struct vm_buf b = VM_BUF_INIT;
	char path[4096];

	if (!rspamd_map_path(name, path, sizeof path)) {
		vm_err("%s: path too long", config_path());
		return -1;
	}
	return rspamd_map_write(s, fill(s, &b), &b, path);
}
