/* safefile.h - open a configuration file the way a PAM module must (SPEC 2.6):
 * no symlinks, a regular file owned by root, not writable by group or others. */
#ifndef PAM_CERTMAP_SAFEFILE_H
#define PAM_CERTMAP_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

enum safefile_status {
	SAFEFILE_OK = 0,
	SAFEFILE_MISSING,
	SAFEFILE_UNSAFE,
	SAFEFILE_IO,
};

/* Open PATH for reading and check the opened descriptor (not the name, so no
 * race).  On SAFEFILE_OK *fd is open (close-on-exec) and *size is its size;
 * otherwise WHY says what is wrong. */
enum safefile_status safefile_open(const char *path, size_t max_size, int *fd, size_t *size,
				   char *why, size_t whylen);

#endif
