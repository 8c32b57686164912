/* mapload.h - loading the mapping file for one question (SPEC 2.8): from a
 * per-process cache or the look-up index when either is provably current
 * for the file just opened, else by reading the file itself. */
#ifndef PAM_CERTMAP_MAPLOAD_H
#define PAM_CERTMAP_MAPLOAD_H

#include <time.h>

#include "fileid.h"
#include "mapfile.h"

/* A cache the loader may ask first and fill (the module's: mapcache.h). */
struct mapload_cache {
	/* 1 when PATH at identity ID is cached: then *ST, *OUT and ERR are the
	 * answer (as mi_answer gives it, or the file's recorded verdict); 0. */
	int (*answer)(const char *path, const struct fileid *id, const char *location,
		      const struct mapfile_params *p, struct mapfile **out,
		      struct mapfile_error *err, enum mapfile_status *st);
	/* Should this read of PATH at ID (started at READ_START) load with keys
	 * and hand the result to put? */
	int (*wants)(const char *path, const struct fileid *id, const struct timespec *read_start);
	/* The result of that read: MF (loaded with keys) or, when MF is NULL,
	 * the file's verdict in ERR. */
	void (*put)(const char *path, const struct fileid *id, const struct mapfile *mf,
		    const struct mapfile_error *err);
};

/* Where the answer came from, and why the faster ways were not taken. */
enum mapload_from { MAPLOAD_FILE, MAPLOAD_FILE_CACHED, MAPLOAD_INDEX, MAPLOAD_CACHE };

struct mapload_note {
	enum mapload_from from;
	char index[320];           /* why the index was not used; "" when it was */
};

/* Open PATH safely (safefile.h), then answer for LOCATION and P's
 * candidates from CACHE (may be NULL), else from the index when it is
 * current for the opened file (mapindex.h), else by parsing the opened file.
 * A missing, stale, unsafe or corrupt index changes nothing but the speed:
 * NOTE says what was used and why not the index.  Returns as mapfile_load;
 * an index or cache that records the file invalid gives MAPFILE_INVALID with
 * the recorded reason. */
enum mapfile_status mapload(const char *path, const char *location,
			    const struct mapfile_params *p, const struct mapload_cache *cache,
			    struct mapfile **out, struct mapfile_error *err,
			    struct mapload_note *note);

const char *mapload_from_words(enum mapload_from f);

#endif
