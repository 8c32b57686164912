/* sync_secret.c - the bind password of certmap sync: read from a file only
 * root can read (never argv or the environment), wiped when done with. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "certmap/sync.h"

#define SECRET_MAX 4096

int sync_secret_read(const char *path, char **out, size_t *len)
{
	char why[256] = "";
	char *buf = NULL;
	size_t size = 0, all = 0;

	*out = NULL;
	*len = 0;
	if (sync_file_read(path, SECRET_MAX, 1, &buf, &all, why, sizeof(why)) != 0) {
		cm_err("%s: %s", path, why);
		return -1;
	}
	size = all;
	/* One final line ending, as an editor or echo leaves it. */
	if (size > 0 && buf[size - 1] == '\n')
		size--;
	if (size > 0 && buf[size - 1] == '\r')
		size--;
	buf[size] = '\0';
	if (size == 0 || memchr(buf, '\0', size) != NULL || memchr(buf, '\n', size) != NULL) {
		/* An empty password would make the bind an anonymous one (RFC 4513 5.1.2). */
		cm_err("%s: %s", path, size == 0 ? "the password file is empty" :
		       "the password file must hold one line");
		sync_secret_free(buf, all);
		return -1;
	}
	*out = buf;
	*len = size;
	return 0;
}

void sync_secret_free(char *secret, size_t len)
{
	if (secret == NULL)
		return;
	/* The line ending after it, too. */
	explicit_bzero(secret, len + 1);
	free(secret);
}
