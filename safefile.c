/* safefile.c - open the mapping file without following links and check the
 * descriptor itself, so a swap between the check and the read is harmless. */
#include "config.h"
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The owner the mapping file must have; files of anyone else can be edited
 * by someone other than the administrator. */
#define SAFEFILE_OWNER ((uid_t)0)

static enum safefile_status safefile_check(const struct stat *st, size_t max_size,
					   char *why, size_t whylen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "not a regular file");
		return SAFEFILE_UNSAFE;
	}
	if (st->st_uid != SAFEFILE_OWNER) {
		snprintf(why, whylen, "owned by uid %lu, not by root",
			 (unsigned long)st->st_uid);
		return SAFEFILE_UNSAFE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(why, whylen, "writable by %s (mode %04o); chmod go-w it",
			 (st->st_mode & S_IWOTH) ? "others" : "its group",
			 (unsigned)(st->st_mode & 07777));
		return SAFEFILE_UNSAFE;
	}
	if (st->st_size < 0 || (unsigned long long)st->st_size > max_size) {
		snprintf(why, whylen, "too large: %lld bytes, the limit is %zu",
			 (long long)st->st_size, max_size);
		return SAFEFILE_UNSAFE;
	}
	return SAFEFILE_OK;
}

enum safefile_status safefile_open(const char *path, size_t max_size, int *fd, size_t *size,
				   char *why, size_t whylen)
{
	enum safefile_status rc = SAFEFILE_IO;
	struct stat st;
	int f;

	*fd = -1;
	/* O_NONBLOCK: opening a FIFO must not hang the login; fstat refuses it. */
	f = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (f < 0) {
		if (errno == ENOENT) {
			snprintf(why, whylen, "does not exist");
			return SAFEFILE_MISSING;
		}
		if (errno == ELOOP) {
			snprintf(why, whylen, "is a symbolic link; name the file itself");
			return SAFEFILE_UNSAFE;
		}
		snprintf(why, whylen, "cannot be opened: %s", strerror(errno));
		return SAFEFILE_IO;
	}
	if (fstat(f, &st) != 0) {
		snprintf(why, whylen, "cannot be examined: %s", strerror(errno));
		goto out;
	}
	rc = safefile_check(&st, max_size, why, whylen);
	if (rc != SAFEFILE_OK)
		goto out;
	*fd = f;
	*size = (size_t)st.st_size;
	f = -1;
out:
	if (f >= 0)
		close(f);
	return rc;
}
