/* index_write.c - the look-up index written beside the mapping file: the
 * file read only once a probe shows that a later write will change its
 * identity, then the records in a constant database renamed into place. */
#include "config.h"

#include <cdb.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "certmap/cmd.h"
#include "certmap/index.h"
#include "safefile.h"

/* How long the probe may wait for the clock to pass the file's change time
 * (a tick, or a second on filesystems that keep whole seconds). */
#define SETTLE_LIMIT_MS 3000
#define SETTLE_STEP_MS 2
/* Reads of a file that keeps changing under the indexer, before it gives up. */
#define READ_TRIES 3
#define INDEX_MODE 0644

struct ixw {
	const struct commit *c;
	char ibase[NAME_MAX + 1];   /* BASE.cdb */
	char tmp[NAME_MAX + 1];
	int tfd, fd;
	struct mi_header h;
	char *bytes;
	size_t len;
};

static int sys_err(const struct ixw *w, const char *what)
{
	cm_err("%s/%s: %s: %s", w->c->dir, w->ibase, what, strerror(errno));
	return -1;
}

static int open_file(struct ixw *w)
{
	char why[256] = "";
	struct stat st;
	size_t size;

	if (safefile_open(w->c->path, MAPFILE_DEFAULT_MAX_SIZE, &w->fd, &size, why,
			  sizeof(why)) != SAFEFILE_OK) {
		cm_err("%s: %s", w->c->path, why);
		return -1;
	}
	if (fstat(w->fd, &st) != 0) {
		cm_err("%s: %s", w->c->path, strerror(errno));
		return -1;
	}
	fileid_of(&st, &w->h.id);
	return 0;
}

/* Touch the probe (the temporary index) until its change time is past the
 * file's: from then on, every write to the file changes its ctime. */
static int settle(struct ixw *w)
{
	const struct timespec step = { 0, SETTLE_STEP_MS * 1000000L };
	struct stat st;

	for (int waited = 0;; waited += SETTLE_STEP_MS) {
		if (fstat(w->tfd, &st) != 0)
			return sys_err(w, "cannot examine the temporary index");
		w->h.probe_dev = (uint64_t)st.st_dev;
		w->h.probe = fstamp_of(&st.st_ctim);
		if (fileid_probe_settled(&w->h.id, w->h.probe_dev, &w->h.probe))
			return 0;
		if (waited >= SETTLE_LIMIT_MS) {
			cm_err("%s: its change time stays ahead of the clock of %s: a later write "
			       "could not be told from the one indexed", w->c->path, w->c->dir);
			return -1;
		}
		nanosleep(&step, NULL);
		if (futimens(w->tfd, NULL) != 0)
			return sys_err(w, "cannot touch the temporary index");
	}
}

/* The whole file, read after the probe, and its digest.  0; 1 when it
 * changed meanwhile (read it again); -1. */
static int read_file(struct ixw *w)
{
	size_t size = (size_t)w->h.id.size, got = 0;
	unsigned int dlen = 0;
	struct fileid now;
	struct stat st;

	free(w->bytes);
	w->bytes = malloc(size + 1);
	if (w->bytes == NULL) {
		cm_err("out of memory");
		return -1;
	}
	while (got <= size) {
		ssize_t r = pread(w->fd, w->bytes + got, size + 1 - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	w->len = got;
	if (fstat(w->fd, &st) != 0) {
		cm_err("%s: %s", w->c->path, strerror(errno));
		return -1;
	}
	fileid_of(&st, &now);
	if (got != size || !fileid_equal(&now, &w->h.id))
		return 1;
	if (EVP_Digest(w->bytes, w->len, w->h.digest, &dlen, EVP_sha256(), NULL) != 1 ||
	    dlen != MI_DIGEST_LEN) {
		cm_err("cannot compute a SHA-256");
		return -1;
	}
	return 0;
}

static void close_file(struct ixw *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* The file as it is, its identity settled, read whole. */
static int capture(struct ixw *w)
{
	for (int i = 0; i < READ_TRIES; i++) {
		int r;

		close_file(w);
		if (open_file(w) != 0 || settle(w) != 0)
			return -1;
		r = read_file(w);
		if (r <= 0)
			return r;
	}
	cm_err("%s: it keeps changing while it is read; index it when it is left alone",
	       w->c->path);
	return -1;
}

/* The model to index: KNOWN when the file holds its bytes, else a parse.
 * An invalid file is indexed with its verdict.  0 or -1. */
static int model(struct ixw *w, const char *kbuf, size_t klen, const struct mapfile *known,
		 struct mapfile **own, const struct mapfile **mf)
{
	struct mapfile_params p;

	if (known != NULL && klen == w->len && memcmp(kbuf, w->bytes, klen) == 0) {
		*mf = known;
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.keys = 1;
	switch (mapfile_parse_buffer(w->bytes, w->len, &p, own, &w->h.verdict)) {
	case MAPFILE_OK:
		*mf = *own;
		return 0;
	case MAPFILE_INVALID:
		*mf = NULL;
		return 0;
	case MAPFILE_NOMEM:
		cm_err("out of memory");
		return -1;
	default:
		cm_print_load_error(w->c->path, &w->h.verdict);
		return -1;
	}
}

static int put_cdb(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
	if (klen > UINT_MAX / 2 || vlen > UINT_MAX / 2)
		return -1;
	return cdb_make_add(ctx, key, (unsigned)klen, val, (unsigned)vlen) == 0 ? 0 : -1;
}

/* The records into the temporary file, which then takes the index's place. */
static int write_index(struct ixw *w, const struct mapfile *mf)
{
	struct cdb_make cm;

	w->h.version = MI_VERSION;
	if (getrandom(w->h.build, MI_BUILD_LEN, 0) != MI_BUILD_LEN)
		return sys_err(w, "no random bytes");
	if (lseek(w->tfd, 0, SEEK_SET) != 0 || cdb_make_start(&cm, w->tfd) != 0)
		return sys_err(w, "cannot write the temporary index");
	if (mi_encode(&w->h, mf, put_cdb, &cm) != 0 || cdb_make_finish(&cm) != 0)
		return sys_err(w, "cannot write the temporary index");
	/* chown before chmod: chown clears the set-id bits. */
	if (fchown(w->tfd, 0, 0) != 0 || fchmod(w->tfd, INDEX_MODE) != 0)
		return sys_err(w, "cannot make the temporary index root's, mode 0644");
	if (fsync(w->tfd) != 0 || close(w->tfd) != 0) {
		w->tfd = -1;
		return sys_err(w, "cannot write the temporary index");
	}
	w->tfd = -1;
	if (renameat(w->c->dirfd, w->tmp, w->c->dirfd, w->ibase) != 0)
		return sys_err(w, "cannot rename the temporary index into place");
	w->tmp[0] = '\0';
	if (fsync(w->c->dirfd) != 0)
		return sys_err(w, "written, but the directory cannot be synced");
	return 0;
}

/* No index is better than a stale one. */
static void remove_index(const struct ixw *w)
{
	if (unlinkat(w->c->dirfd, w->ibase, 0) != 0 && errno != ENOENT)
		cm_err("%s/%s: cannot remove it: %s", w->c->dir, w->ibase, strerror(errno));
}

int cm_index_write(const struct commit *c, const char *known_buf, size_t known_len,
		   const struct mapfile *known, struct cm_index_info *info)
{
	struct ixw w;
	struct mapfile *own = NULL;
	const struct mapfile *mf = NULL;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	memset(info, 0, sizeof(*info));
	w.c = c;
	w.fd = w.tfd = -1;
	snprintf(info->path, sizeof(info->path), "%s%s", c->path, MI_SUFFIX);
	if (snprintf(w.ibase, sizeof(w.ibase), "%s%s", c->base, MI_SUFFIX) >= (int)sizeof(w.ibase)) {
		cm_err("%s: name too long for its index", c->path);
		goto out;
	}
	w.tfd = commit_temp(c->dirfd, w.ibase, w.tmp, sizeof(w.tmp));
	if (w.tfd < 0) {
		w.tmp[0] = '\0';  /* a name tried may be someone else's */
		sys_err(&w, "cannot create a temporary index");
		goto out;
	}
	if (capture(&w) != 0 || model(&w, known_buf, known_len, known, &own, &mf) != 0)
		goto out;
	rc = write_index(&w, mf);
	info->h = w.h;
out:
	if (w.tfd >= 0)
		close(w.tfd);
	if (w.tmp[0] != '\0' && unlinkat(c->dirfd, w.tmp, 0) != 0 && errno != ENOENT)
		cm_err("%s/%s: cannot remove it: %s", c->dir, w.tmp, strerror(errno));
	if (rc != 0)
		remove_index(&w);
	close_file(&w);
	mapfile_free(own);
	free(w.bytes);
	return rc;
}

void cm_index_refresh(const struct commit *c, const char *buf, size_t len,
		      const struct mapfile *mf)
{
	struct cm_index_info info;

	if (cm_index_write(c, buf, len, mf, &info) == 0)
		return;
	cm_err("warning: %s: the look-up index could not be rebuilt and is gone: pam_certmap "
	       "reads the whole file at each login until 'certmap -f %s index' makes it again",
	       info.path, c->path);
}
