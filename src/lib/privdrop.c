/*
 * privdrop.c - become an unprivileged user for good (see privdrop.h).
 *
 * Group first (setgroups, setresgid need root), then user.  The user
 * must exist and must not be root; its primary group is the only group
 * kept.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/privdrop.h"

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
	if (setuid(0) == 0 || getuid() != uid || geteuid() != uid ||
	    getgid() != gid || getegid() != gid) {
		vm_why(why, whylen, "still privileged after becoming %s", user);
		return false;
	}
	return true;
}
