/*
 * setup_redis.c - what Redis and rspamd need besides their
 * configuration files (those are rendered by setup_render.c):
 *
 *   - rspamd keeps its state in Redis over the unix socket
 *     /run/redis/redis-server.sock (mode 0770, group redis), so the
 *     user _rspamd is made a member of the group redis (and a running
 *     rspamd, which keeps its old groups, is stopped to be started
 *     again by the service step);
 *   - with systemd, the drop-in
 *     /etc/systemd/system/redis-server.service.d/vmail.conf (rendered
 *     from templates/systemd/ by setup_render.c) starts the packaged
 *     redis-server with /etc/redis/vmail.conf (which includes Debian's
 *     redis.conf and turns TCP off); without systemd, service.c starts
 *     it with that file directly.
 *
 * Like every step of setup, nothing is changed that is already right.
 */
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "setup/setup.h"
#include "lib/diag.h"
#include "lib/process.h"
#include "lib/service.h"

#define RSPAMD_USER "_rspamd"
#define REDIS_GROUP "redis"

static bool in_group(const struct group *gr, const char *user)
{
	for (char **m = gr->gr_mem; m && *m; m++)
		if (!strcmp(*m, user))
			return true;
	return false;
}

/* _rspamd may use Redis' socket. */
static bool rspamd_in_redis_group(struct setup *st)
{
	const char *argv[] = { "usermod", "-a", "-G", REDIS_GROUP, RSPAMD_USER,
			       NULL };
	struct group *gr = getgrnam(REDIS_GROUP);

	if (!gr || !getpwnam(RSPAMD_USER)) {
		vm_err("the user %s or the group %s is missing; are rspamd and "
		       "redis-server installed?", RSPAMD_USER, REDIS_GROUP);
		return false;
	}
	if (in_group(gr, RSPAMD_USER))
		return true;
	vm_progress("Adding %s to the group %s", RSPAMD_USER, REDIS_GROUP);
	if (vm_run_quiet(argv) != 0) {
		vm_err("'usermod -a -G %s %s' failed", REDIS_GROUP, RSPAMD_USER);
		return false;
	}
	/* The running rspamd keeps its old groups until restarted. */
	if (service_running("rspamd") && service_stop("rspamd") < 0)
		return false;
	st->rspamd_changed = true;
	return true;
}

bool setup_redis(struct setup *st)
{
	return rspamd_in_redis_group(st);
}
