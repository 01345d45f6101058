/*
 * file.h - reading files, and writing files and directories so that
 * "vmailctl setup" is idempotent.
 *
 * Files are written atomically (temp file in the same directory, fsync,
 * rename, fsync of the directory) and only when their content, mode or
 * ownership actually differ: an unchanged file keeps its mtime, and no
 * daemon needs a reload.  Directories are made like "mkdir -p", and the
 * mode and owner of an existing one are repaired.
 */
#ifndef VMAIL_FILE_H
#define VMAIL_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Read a whole file into a malloc'd NUL-terminated buffer. NULL on error
 * (errno set). *len, if non-NULL, receives the length. */
char *vm_read_file(const char *path, size_t *len);

/*
 * Write data to path atomically (temp file in the same directory, fsync,
 * rename) with the given mode, owner and group (uid/gid of (uid_t)-1 and
 * (gid_t)-1 mean "leave as the creating process").  If the file already
 * has exactly this content, mode and ownership it is left untouched.
 * Returns 1 if the file was written or its metadata fixed, 0 if it was
 * already right, -1 on error (message already printed).
 */
int vm_write_file_if_changed(const char *path, const char *data, size_t len,
			     mode_t mode, uid_t uid, gid_t gid);

/* The owner for a file a daemon reads through its group: root:group when
 * we are root (root:root if the group does not exist yet), else -1/-1
 * ("leave as the creating process", for tests run as a user). */
void vm_root_group_owner(const char *group, uid_t *uid, gid_t *gid);

/* mkdir -p with the given mode/owner for the last component; fixes mode
 * and ownership of an existing directory. Returns 1 if anything changed,
 * 0 if not, -1 on error (message printed). */
int vm_ensure_dir(const char *path, mode_t mode, uid_t uid, gid_t gid);

#endif
