/* unit.h - shared bits of the Check unit tests: a main that runs one suite,
 * and scratch files in a private temporary directory. */
#ifndef PAM_CERTMAP_UNIT_H
#define PAM_CERTMAP_UNIT_H

#include <check.h>
#include <stddef.h>

/* Each test program defines this. */
Suite *unit_suite(void);

/* A fresh directory for this process, removed at exit. */
const char *unit_tmpdir(void);

/* Write LEN bytes of DATA to NAME inside unit_tmpdir() with MODE; returns the
 * full path in a static buffer of the caller's (PATH, PATHLEN). */
void unit_write_file(const char *name, const void *data, size_t len, unsigned mode,
		     char *path, size_t pathlen);

/* A formatted string, malloc'd; the test fails when memory runs out. */
char *unit_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
