/* glibc.c - preloaded in front of libnss_wrapper.so so that the tests' user
 * database answers as glibc does: a name that is not there is 0 with no
 * result, where nss_wrapper 1.1 answers ENOENT, which glibc gives only
 * when an NSS service failed (SPEC 3.4 tells the two apart). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stddef.h>

typedef int (*getpwnam_r_fn)(const char *, struct passwd *, char *, size_t, struct passwd **);

__attribute__((visibility("default")))
int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	getpwnam_r_fn next;
	int rc;

	*(void **)&next = dlsym(RTLD_NEXT, "getpwnam_r");
	if (next == NULL)
		return ENOSYS;
	rc = next(name, pw, buf, len, res);
	return rc == ENOENT && *res == NULL ? 0 : rc;
}
