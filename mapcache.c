/* mapcache.c - the per-process cache of mapping files: the module's only
 * global state, so that a caller authenticating again and again in one
 * process does not parse the whole file each time.
 *
 * What is kept: per file (by path), the identity of the file as it was
 * opened for the read, and the index records of what that read found
 * (mapindex.h, in a mistore.c store); never the XML, never anything from a
 * request.  A file the read found invalid is kept as its verdict.
 *
 * When it answers: every call opens the file and fstats the descriptor
 * (mapload.c), and only an identical identity (device, inode, size, mtime,
 * ctime) hits.  ctime cannot be set from user space and changes on every
 * write, chmod, chown and rename-into-place; but it is stamped with a coarse
 * clock, so a write in the same tick as the read could keep it.  So a read
 * is cached only when the identity was settled as the read began
 * (fileid_clock_settled): its ctime older than the clock's tick could blur,
 * or by two seconds on a filesystem that keeps whole seconds.  A read is
 * also cached only on the second read of one identity, so a process that
 * authenticates once pays nothing for the cache.
 *
 * Bounds: files larger than MAX_FILE bytes are not cached; a store is built
 * under a limit of MAX_STORE bytes (records and tables) and dropped when it
 * would pass it; at most NFILES files, the least recently used giving way.
 *
 * Threads: one mutex guards the slots and the reference counts.  A reader
 * takes a reference under it and reads the store without it (a sealed store
 * is read-only), and whoever drops the last reference frees the store, so
 * no reader sees one freed under it.  Answers are copied out: mi_answer
 * builds a model of the request's own.  Nothing is parsed under the lock.
 *
 * Lifetime: the module is linked with -z nodelete (Makefile.am), so the
 * dlclose of pam_end leaves it, and the cache, in place for the next
 * pam_start; the destructor frees the cache when the module is unloaded,
 * which is then at the process's exit.
 */
#include "config.h"
#include "mapcache.h"
#include "mapindex.h"
#include "mistore.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NFILES 4
#define MAX_FILE ((uint64_t)128 << 20)
#define MAX_STORE ((size_t)64 << 20)

struct cstore {
	unsigned refs;            /* the slot's, and each reader's */
	struct mi_store *store;
	struct mi_header h;       /* the build id of the records, the verdict */
};

struct slot {
	char *path;
	struct fileid id;
	struct cstore *cs;        /* NULL: this identity was read once, nothing kept */
	unsigned long used;       /* when last used, for choosing a slot to give up */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[NFILES];
static unsigned long uses;

static void cstore_free(struct cstore *cs)
{
	if (cs == NULL)
		return;
	mi_store_free(cs->store);
	free(cs);
}

/* Under the lock: drop a reference; the store to free when it was the last. */
static struct cstore *unref(struct cstore *cs)
{
	return cs != NULL && --cs->refs == 0 ? cs : NULL;
}

static int find(const char *path)
{
	for (int i = 0; i < NFILES; i++)
		if (slots[i].path != NULL && strcmp(slots[i].path, path) == 0)
			return i;
	return -1;
}

/* An empty slot, else the least recently used. */
static int victim(void)
{
	int v = 0;

	for (int i = 0; i < NFILES; i++) {
		if (slots[i].path == NULL)
			return i;
		if (slots[i].used < slots[v].used)
			v = i;
	}
	return v;
}

/* Under the lock: slot I now holds PATH at ID with CS (NULL: only seen).
 * Returns the store to free, or NULL.  -1 in *FAILED when memory runs out. */
static struct cstore *occupy(int i, const char *path, const struct fileid *id,
			     struct cstore *cs, int *failed)
{
	struct slot *s = &slots[i];
	struct cstore *old = unref(s->cs);

	if (s->path == NULL || strcmp(s->path, path) != 0) {
		free(s->path);
		s->path = strdup(path);
	}
	s->cs = s->path != NULL ? cs : NULL;
	*failed = s->path == NULL;
	s->id = *id;
	s->used = ++uses;
	return old;
}

static int cache_answer(const char *path, const struct fileid *id, const char *location,
			const struct mapfile_params *p, struct mapfile **out,
			struct mapfile_error *err, enum mapfile_status *st)
{
	struct cstore *cs = NULL, *dead;
	struct mi_source src;
	int i, hit = 1;

	pthread_mutex_lock(&lock);
	i = find(path);
	if (i >= 0 && slots[i].cs != NULL && fileid_equal(&slots[i].id, id)) {
		cs = slots[i].cs;
		cs->refs++;
		slots[i].used = ++uses;
	}
	pthread_mutex_unlock(&lock);
	if (cs == NULL)
		return 0;
	if (cs->h.verdict.status != MAPFILE_OK) {
		*err = cs->h.verdict;
		*st = MAPFILE_INVALID;
	} else {
		src.get = mi_store_get;
		src.ctx = cs->store;
		memcpy(src.build, cs->h.build, MI_BUILD_LEN);
		*st = mi_answer(&src, location, p, out, err);
		/* Our own records cannot be corrupt: that is memory running out. */
		hit = *st != MAPFILE_IO;
	}
	pthread_mutex_lock(&lock);
	dead = unref(cs);
	pthread_mutex_unlock(&lock);
	cstore_free(dead);
	return hit;
}

static int cache_wants(const char *path, const struct fileid *id, const struct timespec *start)
{
	struct cstore *dead = NULL;
	int i, want = 0, failed = 0;

	if (id->size > MAX_FILE || !fileid_clock_settled(id, start))
		return 0;
	pthread_mutex_lock(&lock);
	i = find(path);
	if (i >= 0 && fileid_equal(&slots[i].id, id))
		want = slots[i].cs == NULL;  /* seen once: now keep it */
	else
		dead = occupy(i >= 0 ? i : victim(), path, id, NULL, &failed);
	pthread_mutex_unlock(&lock);
	cstore_free(dead);
	return want;
}

/* MF's records (or the verdict ERR) in a store of their own. */
static struct cstore *build(const struct mapfile *mf, const struct mapfile_error *err)
{
	struct cstore *cs = calloc(1, sizeof(*cs));

	if (cs == NULL || (cs->store = mi_store_new()) == NULL)
		goto fail;
	cs->h.version = MI_VERSION;
	if (mf == NULL)
		cs->h.verdict = *err;
	mi_store_limit(cs->store, MAX_STORE);
	if (mi_encode(&cs->h, mf, mi_store_put, cs->store) != 0 || mi_store_seal(cs->store) != 0)
		goto fail;
	cs->refs = 1;
	return cs;
fail:
	cstore_free(cs);
	return NULL;
}

static void cache_put(const char *path, const struct fileid *id, const struct mapfile *mf,
		      const struct mapfile_error *err)
{
	struct cstore *cs = build(mf, err), *dead;
	int i, failed = 0;

	if (cs == NULL)
		return;
	pthread_mutex_lock(&lock);
	i = find(path);
	dead = occupy(i >= 0 ? i : victim(), path, id, cs, &failed);
	pthread_mutex_unlock(&lock);
	cstore_free(dead);
	if (failed)
		cstore_free(cs);
}

const struct mapload_cache mapcache = { cache_answer, cache_wants, cache_put };

/* A fork in another thread while this one holds the lock must not leave the
 * child a lock nobody will release. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&lock);
}

static void fork_done(void)
{
	pthread_mutex_unlock(&lock);
}

__attribute__((constructor)) static void mapcache_init(void)
{
	(void)pthread_atfork(fork_prepare, fork_done, fork_done);
}

/* The module is unloaded: nothing of the cache is left behind.  A store a
 * reader still holds (a thread inside the module at exit) is its to free. */
__attribute__((destructor)) static void mapcache_fini(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < NFILES; i++) {
		cstore_free(unref(slots[i].cs));
		free(slots[i].path);
		memset(&slots[i], 0, sizeof(slots[i]));
	}
	pthread_mutex_unlock(&lock);
}
