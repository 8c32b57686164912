/* commit.h - replacing the mapping file safely: one editor at a time under a
 * lock, the new bytes validated, written beside the file, renamed over it. */
#ifndef CERTMAP_COMMIT_H
#define CERTMAP_COMMIT_H

#include <stddef.h>
#include <sys/stat.h>

#include "mapfile.h"

/* An edit in progress: the lock and what the file held when it was taken. */
struct commit {
	const char *path;
	char *dir, *base;
	int dirfd, lockfd;
	int exists;
	struct stat st;          /* of the file read, when it exists */
	char *old;               /* its bytes (NUL-terminated), NULL when it does not exist */
	size_t old_len;
};

/* Take the exclusive lock of PATH, remove what editors killed mid-edit left
 * behind, and read PATH as the module does (no link, root-owned, not
 * writable by others, size limit).  A missing file is an error unless
 * CREATE.  Errors are printed; returns 0 or -1 (commit_end either way). */
int commit_begin(struct commit *c, const char *path, int create);

/* The first half of commit_begin: the lock taken and left-overs removed,
 * the file not read.  For certmap index.  0 or -1 (commit_end either way). */
int commit_lock(struct commit *c, const char *path);

/* A new ".BASE.XXXXXX" in DIRFD, created exclusively with mode 0600 (NAME
 * gets its name): never someone else's file, and one that commit_begin of a
 * later editor recognises as left by a killed one.  The descriptor, or -1. */
int commit_temp(int dirfd, const char *base, char *name, size_t len);

/* Look at the parsed result: 0 to go on, or -1 after printing why not. */
typedef int (*commit_check_fn)(void *ctx, const struct mapfile *mf, const char *buf,
			       size_t len);

/* Validate BUF (mapfile_parse_buffer with P, then CHECK), write it to a
 * temporary file beside PATH, fsync it, give it the original's owner and
 * mode (root and 0644 for a new file), rename it over PATH and fsync the
 * directory; then rebuild PATH's look-up index (certmap/index.h), which on
 * failure is removed with a warning.  Errors are printed; returns 0, or -1
 * with PATH as it was. */
int commit_replace(struct commit *c, const char *buf, size_t len,
		   const struct mapfile_params *p, commit_check_fn check, void *ctx);

/* Release the lock and free C. */
void commit_end(struct commit *c);

#endif
