/* mapindex_file.c - the index file as the module reads it: opened with the
 * mapping file's own safety rules, its header checked, current only for the
 * identity of the file the caller opened. */
#include "config.h"
#include "mapindex.h"
#include "safefile.h"

#include <cdb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *mi_state_name(enum mi_state s)
{
	switch (s) {
	case MI_CURRENT:
		return "current";
	case MI_MISSING:
		return "missing";
	case MI_UNSAFE:
		return "unsafe";
	case MI_CORRUPT:
		return "corrupt";
	case MI_STALE:
		return "stale";
	case MI_RACY:
		return "not proven current";
	case MI_IO:
		break;
	}
	return "unreadable";
}

/* The value under KEY: 1 with a malloc'd copy, 0 when absent, -1. */
static int file_get(void *ctx, const void *key, size_t klen, unsigned char **val, size_t *len)
{
	const struct mi_file *f = ctx;
	unsigned dlen = 0;
	int r;

	if (klen > 4096)
		return -1;
	r = cdb_seek(f->fd, key, (unsigned)klen, &dlen);
	if (r <= 0)
		return r;
	/* A length beyond the file is a corrupt index, not an allocation to make. */
	if (dlen > f->size)
		return -1;
	*val = malloc(dlen ? dlen : 1);
	if (*val == NULL)
		return -1;
	if (dlen > 0 && cdb_bread(f->fd, *val, (int)dlen) != 0) {
		free(*val);
		*val = NULL;
		return -1;
	}
	*len = dlen;
	return 1;
}

void mi_file_source(struct mi_file *f, struct mi_source *src)
{
	src->get = file_get;
	src->ctx = f;
	memcpy(src->build, f->h.build, MI_BUILD_LEN);
}

void mi_file_close(struct mi_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static enum mi_state read_header(struct mi_file *f, char *why, size_t whylen)
{
	const char hkey = MI_KEY_HEADER;
	unsigned char *v = NULL;
	size_t len = 0;
	int r = file_get(f, &hkey, 1, &v, &len);

	if (r <= 0) {
		snprintf(why, whylen, "%s: %s", f->path, r == 0 ? "no header: not an index of "
			 "pam_certmap" : "not a constant database, or cut short");
		return MI_CORRUPT;
	}
	r = mi_header_decode(v, len, &f->h);
	free(v);
	if (r != 0) {
		snprintf(why, whylen, "%s: its header is not one of this version, or does not "
			 "match its checksum", f->path);
		return MI_CORRUPT;
	}
	return MI_CURRENT;
}

enum mi_state mi_file_open(const char *mapfile, size_t max_size, struct mi_file *f, char *why,
			   size_t whylen)
{
	char reason[256] = "";
	enum mi_state st;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (snprintf(f->path, sizeof(f->path), "%s%s", mapfile, MI_SUFFIX) >= (int)sizeof(f->path)) {
		snprintf(why, whylen, "%s: name too long for its index", mapfile);
		return MI_IO;
	}
	switch (safefile_open(f->path, max_size, &f->fd, &f->size, reason, sizeof(reason))) {
	case SAFEFILE_OK:
		break;
	case SAFEFILE_MISSING:
		snprintf(why, whylen, "%s: %s", f->path, reason);
		return MI_MISSING;
	case SAFEFILE_UNSAFE:
		snprintf(why, whylen, "%s: %s", f->path, reason);
		return MI_UNSAFE;
	default:
		snprintf(why, whylen, "%s: %s", f->path, reason);
		return MI_IO;
	}
	st = read_header(f, why, whylen);
	if (st != MI_CURRENT)
		mi_file_close(f);
	return st;
}

enum mi_state mi_file_current(const struct mi_file *f, const struct fileid *id, char *why,
			      size_t whylen)
{
	const struct fileid *was = &f->h.id;

	if (!fileid_equal(was, id)) {
		snprintf(why, whylen, "%s: made for another state of the file (%s differs): the "
			 "file changed since", f->path, was->ino != id->ino || was->dev != id->dev ?
			 "its inode" : was->size != id->size ? "its size" :
			 fstamp_cmp(&was->mtime, &id->mtime) != 0 ? "its modification time" :
			 "its change time");
		return MI_STALE;
	}
	if (!fileid_probe_settled(was, f->h.probe_dev, &f->h.probe)) {
		snprintf(why, whylen, "%s: made within the clock tick of the file's last change, "
			 "so a later change could keep its identity", f->path);
		return MI_RACY;
	}
	return MI_CURRENT;
}
