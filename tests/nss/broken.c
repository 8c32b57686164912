/* broken.c - an NSS service (loaded by nss_wrapper through
 * NSS_WRAPPER_MODULE_SO_PATH, NSS_WRAPPER_MODULE_FN_PREFIX=broken) that
 * fails as a directory backend that is down: for the names in
 * $BROKEN_NSS_NAMES (comma-separated, "*" for all) it answers UNAVAIL with
 * errno $BROKEN_NSS_ERRNO (a number; EPERM by default), for others NOTFOUND. */
#include "config.h"

#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

static int listed(const char *name)
{
	const char *list = getenv("BROKEN_NSS_NAMES");
	size_t n = strlen(name);

	if (list == NULL)
		return 0;
	if (strcmp(list, "*") == 0)
		return 1;
	for (const char *p = list; *p != '\0';) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

__attribute__((visibility("default")))
enum nss_status _nss_broken_getpwnam_r(const char *name, struct passwd *pw, char *buf,
				       size_t len, int *errnop);

enum nss_status _nss_broken_getpwnam_r(const char *name, struct passwd *pw, char *buf,
				       size_t len, int *errnop)
{
	const char *e = getenv("BROKEN_NSS_ERRNO");

	(void)pw;
	(void)buf;
	(void)len;
	if (!listed(name)) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	*errnop = e != NULL ? atoi(e) : EPERM;
	return NSS_STATUS_UNAVAIL;
}
