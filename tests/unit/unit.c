/* unit.c - the main of every Check test program: run the suite, print TAP
 * (CK_TAP_LOG_FILE_NAME=- is set by the harness), exit non-zero on failure. */
#include "config.h"
#include "unit.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];
static pid_t tmpdir_owner;

static void unit_cleanup(void)
{
	char cmd[300];

	/* Check forks a child per test; only the parent removes the directory. */
	if (tmpdir[0] == '\0' || getpid() != tmpdir_owner)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

const char *unit_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/certmap-unit.XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			exit(2);
		}
		tmpdir_owner = getpid();
		atexit(unit_cleanup);
	}
	return tmpdir;
}

void unit_write_file(const char *name, const void *data, size_t len, unsigned mode,
		     char *path, size_t pathlen)
{
	int fd;

	snprintf(path, pathlen, "%s/%s", unit_tmpdir(), name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_msg(fd >= 0, "open %s", path);
	ck_assert_msg(write(fd, data, len) == (ssize_t)len, "write %s", path);
	ck_assert_int_eq(fchmod(fd, (mode_t)mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

int main(void)
{
	SRunner *sr = srunner_create(unit_suite());
	int failed;

	unit_tmpdir();
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

char *unit_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	return s;
}
