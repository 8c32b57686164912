/* index.h - certmap's side of the look-up index (SPEC 2.8): written beside
 * the mapping file by certmap index and after every edit and sync, and
 * looked at by certmap check. */
#ifndef CERTMAP_INDEX_H
#define CERTMAP_INDEX_H

#include <stddef.h>

#include "certmap/commit.h"
#include "mapindex.h"

/* What a written index holds, for the messages. */
struct cm_index_info {
	struct mi_header h;
	char path[4096];          /* of the index */
};

/* Write the index of C's file (locked by commit_lock or commit_begin) from
 * what the file holds now: atomically beside it (a temporary file, fsync,
 * rename), owned by root, mode 0644.  KNOWN, when not NULL, is the model of
 * the KNOWN_LEN bytes of KNOWN_BUF loaded with keys: taken when the file
 * holds exactly those bytes, instead of parsing them again.  On failure no
 * index is left: an old one is removed, never left stale.  Errors are
 * printed.  Returns 0 (written), or -1. */
int cm_index_write(const struct commit *c, const char *known_buf, size_t known_len,
		   const struct mapfile *known, struct cm_index_info *info);

/* After an edit renamed into place: cm_index_write, and on failure the
 * warning that the index is gone and how to make it again. */
void cm_index_refresh(const struct commit *c, const char *buf, size_t len,
		      const struct mapfile *mf);

/* certmap index: the command, with its own argv as in cmd.h. */
struct global;
int cmd_index(const struct global *g, int argc, char **argv);

#endif
