/*
 * privdrop.c - become an unprivileged user for good (see privdrop.h).
 *
 * Group first (setgroups, setresgid need root), then user.  The user
 * must exist and must not be root; its primary group is the only group
 * kept.  Leaving uid 0 clears the permitted and effective capabilities;
 * the inheritable set (which systemd may fill from the bounding set) is
 * cleared too, with capset(2): no libcap for one call.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/privdrop.h"

static bool no_capabilities(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof d);
	if (syscall(SYS_capset, &h, d) != 0 || syscall(SYS_capget, &h, d) != 0)
		return false;
	for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective || d[i].permitted || d[i].inheritable)
			return false;
	return true;
}

bool vm_drop_privileges(const char *user, char *why, size_t whylen)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	errno = 0;
	if (!(pw = getpwnam(user))) {
		vm_why(why, whylen, "no user %s (vmailctl setup creates it)",
		       user);
		return false;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0 || gid == 0) {
		vm_why(why, whylen, "the user %s must not be root", user);
		return false;
	}
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		vm_why(why, whylen, "cannot become %s: %s", user,
		       strerror(errno));
		return false;
	}
	if (!no_capabilities()) {
		vm_why(why, whylen, "cannot drop the capabilities: %s",
		       strerror(errno));
		return false;
	}
	if (setuid(0) == 0 || getuid() != uid || geteuid() != uid ||
	    getgid() != gid || getegid() != gid) {
		vm_why(why, whylen, "still privileged after becoming %s", user);
		return false;
	}
	return true;
}
