/* sync_file.c - the files certmap sync reads whole (its configuration, the
 * bind password, the mapping file for check): opened as the module opens the
 * mapping file, read to the end, NUL-terminated. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certmap/sync.h"
#include "safefile.h"

/* A file that others may read is no place for a password. */
static int private_enough(int fd, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if ((st.st_mode & S_IRWXO) != 0) {
		snprintf(why, whylen, "open to others (mode %04o); chmod 0600 it",
			 (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int sync_file_read(const char *path, size_t max, int private, char **buf, size_t *len,
		   char *why, size_t whylen)
{
	size_t size = 0, got = 0;
	int fd = -1, rc = -1;

	*buf = NULL;
	*len = 0;
	if (safefile_open(path, max, &fd, &size, why, whylen) != SAFEFILE_OK)
		return -1;
	if (private && private_enough(fd, why, whylen) != 0)
		goto out;
	*buf = malloc(size + 1);
	if (*buf == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	while (got < size) {
		ssize_t n = read(fd, *buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		snprintf(why, whylen, "cannot be read whole");
		goto out;
	}
	(*buf)[size] = '\0';
	*len = size;
	rc = 0;
out:
	if (rc != 0) {
		/* It may hold a password. */
		if (*buf != NULL)
			explicit_bzero(*buf, size + 1);
		free(*buf);
		*buf = NULL;
	}
	close(fd);
	return rc;
}
