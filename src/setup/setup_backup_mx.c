/*
 * setup_backup_mx.c - what "vmailctl setup" does for a backup MX and for
 * a primary that has backups ([server] role, primary, backup_mx; see
 * docs/backup-mx.md).
 *
 *   setup_backup_mx_vars()   template variables: backup_role ("yes" on a
 *                            backup), primary, backup_mx_port, and
 *                            backup_mx_ips (the addresses of the primary's
 *                            backups, quoted for rspamd's settings.conf,
 *                            resolved now: the primary does not greylist
 *                            or judge by DNS again what they filtered)
 *   setup_backup_mx_files()  on a backup, before Postfix is configured:
 *                            the list directory and, if there are none
 *                            yet, empty maps (Postfix starts, and accepts
 *                            nothing until the first list; the hand-over's
 *                            TLS policy, the primary's pinned key, comes
 *                            with the pairing)
 *   setup_backup_mx_units()  with systemd, after the units are written:
 *                            the primary's vmail-backup-mx.socket on when
 *                            it has backups, the backup's sync timer on
 *                            when it is one, each off otherwise
 * The tokens and the first sync belong to "vmailctl backup-mx"
 * (cmd_setup.c calls it after these steps).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "core/recipient_list.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/file.h"
#include "lib/service.h"
#include "lib/str.h"
#include "lib/template.h"
#include "setup/setup.h"

static bool is_backup(const struct vm_config *c)
{
	return !strcmp(c->role, "backup-mx");
}

/* The addresses of host, each as "ADDR", appended to b (", " between). */
static void add_addresses(struct vm_buf *b, const char *host, bool *first)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char addr[INET6_ADDRSTRLEN];
	int rc = getaddrinfo(host, NULL, &hints, &res);

	if (rc) {
		vm_err("warning: cannot resolve the backup MX %s (%s): mail it "
		       "hands over is filtered as from a stranger; run setup "
		       "again once its name resolves", host, gai_strerror(rc));
		return;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		if (!inet_ntop(ai->ai_family, a, addr, sizeof addr))
			continue;
		if (strstr(b->data ? b->data : "", addr))
			continue;
		vm_buf_printf(b, "%s\"%s\"", *first ? "" : ", ", addr);
		*first = false;
	}
	freeaddrinfo(res);
}

bool setup_backup_mx_vars(const struct setup *st, struct tvars *v)
{
	const struct vm_config *c = &st->cfg;
	struct vm_buf b = VM_BUF_INIT;
	bool first = true, ok;
	char *ips;

	if (!is_backup(c)) {
		for (const char *p = c->backup_mx; *p;) {
			char host[256];
			size_t w;

			while (*p == ' ')
				p++;
			w = strcspn(p, " ");
			if (w && w < sizeof host) {
				memcpy(host, p, w);
				host[w] = '\0';
				add_addresses(&b, host, &first);
			}
			p += w;
		}
	}
	vm_buf_puts(&b, "");
	if (!(ips = vm_buf_take(&b, NULL)))
		return false;
	ok = tvars_set(v, "backup_role", is_backup(c) ? "yes" : "") &&
	     tvars_set(v, "primary", c->primary) &&
	     tvars_set(v, "backup_mx_port", RECIPIENT_LIST_PORT) &&
	     tvars_set(v, "backup_mx_dir", RECIPIENT_LIST_DIR) &&
	     tvars_set(v, "backup_mx_ips", ips);
	free(ips);
	return ok;
}

bool setup_backup_mx_files(const struct setup *st)
{
	static const char *const maps[] = { RECIPIENT_LIST_DOMAINS,
					    RECIPIENT_LIST_RCPTS,
					    RECIPIENT_LIST_TLS_POLICY };
	static const char empty[] = "# No recipient list from the primary "
		"yet: nothing is accepted (vmailctl backup-mx sync)\n";
	uid_t uid;
	gid_t gid;

	if (!is_backup(&st->cfg))
		return true;
	vm_root_group_owner("postfix", &uid, &gid);
	if (vm_ensure_dir(RECIPIENT_LIST_DIR, 0750, uid, gid) < 0)
		return false;
	for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
		char path[PATH_MAX];
		struct stat sb;

		if (!vm_snprintf(path, sizeof path, "%s/%s", RECIPIENT_LIST_DIR,
				 maps[i]))
			return false;
		/* Never over the last good list. */
		if (stat(path, &sb) == 0)
			continue;
		if (vm_write_file_if_changed(path, empty, strlen(empty), 0640,
					     uid, gid) < 0)
			return false;
	}
	return true;
}

bool setup_backup_mx_units(const struct setup *st)
{
	const struct vm_config *c = &st->cfg;
	bool serve = !is_backup(c) && c->backup_mx[0];

	if (!service_have_systemd())
		return true;
	/* what "backup-mx serve" becomes before it reads from the network */
	if (serve && !setup_service_user(RECIPIENT_SERVE_USER,
					 "vmail recipient list for backup MX"))
		return false;
	if ((serve ? service_unit_enable("vmail-backup-mx.socket") :
		     service_unit_disable("vmail-backup-mx.socket")) < 0)
		return false;
	return (is_backup(c) ?
		service_unit_enable("vmail-backup-mx-sync.timer") :
		service_unit_disable("vmail-backup-mx-sync.timer")) >= 0;
}
