/* mapload.c - the order of the ways to an answer: the process's cache, the
 * index, the file; each checked against the identity of the file opened. */
#include "config.h"
#include "mapload.h"
#include "mapindex.h"
#include "safefile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *mapload_from_words(enum mapload_from f)
{
	switch (f) {
	case MAPLOAD_INDEX:
		return "answered from its index";
	case MAPLOAD_CACHE:
		return "answered from this process's cache";
	case MAPLOAD_FILE_CACHED:
		return "read whole, and cached for the next calls";
	case MAPLOAD_FILE:
		break;
	}
	return "read whole";
}

/* The index, when it is current for ID: 1 with the answer in *ST (and *OUT
 * or ERR), 0 with the reason in NOTE when the file must be read. */
static int from_index(const char *path, const struct fileid *id, const char *location,
		      const struct mapfile_params *p, struct mapfile **out,
		      struct mapfile_error *err, struct mapload_note *note,
		      enum mapfile_status *st)
{
	size_t max = p->max_size ? p->max_size : MAPFILE_DEFAULT_MAX_SIZE;
	struct mi_source src;
	struct mi_file f;
	char why[300] = "";
	enum mi_state ms;

	ms = mi_file_open(path, max, &f, why, sizeof(why));
	if (ms == MI_CURRENT)
		ms = mi_file_current(&f, id, why, sizeof(why));
	if (ms != MI_CURRENT) {
		snprintf(note->index, sizeof(note->index), "%s (%.290s)", mi_state_name(ms), why);
		mi_file_close(&f);
		return 0;
	}
	if (f.h.verdict.status != MAPFILE_OK) {
		*err = f.h.verdict;
		*st = MAPFILE_INVALID;
		mi_file_close(&f);
		return 1;
	}
	mi_file_source(&f, &src);
	*st = mi_answer(&src, location, p, out, err);
	mi_file_close(&f);
	if (*st == MAPFILE_IO) {
		/* Corrupt inside: the file itself answers. */
		snprintf(note->index, sizeof(note->index), "corrupt (%.200s: %.100s)", f.path,
			 err->reason);
		memset(err, 0, sizeof(*err));
		return 0;
	}
	return 1;
}

/* The file itself, from the opened FD: with keys when the cache wants it. */
static enum mapfile_status from_file(const char *path, int fd, const struct fileid *id,
				     const struct mapfile_params *p,
				     const struct mapload_cache *cache, struct mapfile **out,
				     struct mapfile_error *err, struct mapload_note *note)
{
	struct mapfile_params pk = *p;
	struct timespec start;
	enum mapfile_status st;

	clock_gettime(CLOCK_REALTIME, &start);
	if (cache == NULL || !cache->wants(path, id, &start))
		return mapfile_load_fd(fd, p, out, err);
	pk.keys = 1;
	st = mapfile_load_fd(fd, &pk, out, err);
	if (st == MAPFILE_OK || st == MAPFILE_INVALID) {
		cache->put(path, id, *out, err);
		note->from = MAPLOAD_FILE_CACHED;
	}
	return st;
}

static enum mapfile_status open_error(enum safefile_status s, struct mapfile_error *err)
{
	switch (s) {
	case SAFEFILE_MISSING:
		return err->status = MAPFILE_MISSING;
	case SAFEFILE_UNSAFE:
		return err->status = MAPFILE_UNSAFE;
	default:
		return err->status = MAPFILE_IO;
	}
}

enum mapfile_status mapload(const char *path, const char *location,
			    const struct mapfile_params *p, const struct mapload_cache *cache,
			    struct mapfile **out, struct mapfile_error *err,
			    struct mapload_note *note)
{
	size_t max = p->max_size ? p->max_size : MAPFILE_DEFAULT_MAX_SIZE, size;
	enum mapfile_status st = MAPFILE_IO;
	enum safefile_status ss;
	struct fileid id;
	struct stat sb;
	int fd = -1;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	memset(note, 0, sizeof(*note));
	ss = safefile_open(path, max, &fd, &size, err->reason, sizeof(err->reason));
	if (ss != SAFEFILE_OK)
		return open_error(ss, err);
	if (fstat(fd, &sb) != 0) {
		snprintf(err->reason, sizeof(err->reason), "cannot be examined: %s",
			 strerror(errno));
		err->status = MAPFILE_IO;
		goto out;
	}
	fileid_of(&sb, &id);
	if (cache != NULL && cache->answer(path, &id, location, p, out, err, &st)) {
		note->from = MAPLOAD_CACHE;
		goto out;
	}
	if (from_index(path, &id, location, p, out, err, note, &st)) {
		note->from = MAPLOAD_INDEX;
		goto out;
	}
	st = from_file(path, fd, &id, p, cache, out, err, note);
out:
	close(fd);
	return st;
}
