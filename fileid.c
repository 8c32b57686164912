/* fileid.c - file identities compared, and the "racy" rule: an identity
 * pins the content only when its ctime is older than the read it stands for. */
#include "config.h"
#include "fileid.h"

#include <string.h>

struct fstamp fstamp_of(const struct timespec *ts)
{
	struct fstamp s = { (int64_t)ts->tv_sec, (uint32_t)ts->tv_nsec };

	return s;
}

void fileid_of(const struct stat *st, struct fileid *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = (uint64_t)st->st_dev;
	id->ino = (uint64_t)st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->mtime = fstamp_of(&st->st_mtim);
	id->ctime = fstamp_of(&st->st_ctim);
}

int fstamp_cmp(const struct fstamp *a, const struct fstamp *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

int fileid_equal(const struct fileid *a, const struct fileid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       fstamp_cmp(&a->mtime, &b->mtime) == 0 && fstamp_cmp(&a->ctime, &b->ctime) == 0;
}

/* S moved forward by SEC seconds and NSEC nanoseconds (NSEC < 1e9). */
static struct fstamp fstamp_add(struct fstamp s, int64_t sec, long nsec)
{
	s.sec += sec;
	s.nsec += (uint32_t)nsec;
	if (s.nsec >= 1000000000u) {
		s.nsec -= 1000000000u;
		s.sec++;
	}
	return s;
}

int fileid_probe_settled(const struct fileid *id, uint64_t probe_dev, const struct fstamp *probe)
{
	struct fstamp least = id->ctime;

	if (probe_dev != id->dev)
		least = fstamp_add(least, FILEID_OTHER_FS_MARGIN_SEC, 0);
	return fstamp_cmp(probe, &least) > 0;
}

int fileid_clock_settled(const struct fileid *id, const struct timespec *read_start)
{
	struct fstamp now = fstamp_of(read_start), least;

	if (id->ctime.nsec == 0)
		least = fstamp_add(id->ctime, FILEID_COARSE_MARGIN_SEC, 0);
	else
		least = fstamp_add(id->ctime, 0, FILEID_TICK_MARGIN_NSEC);
	return fstamp_cmp(&now, &least) > 0;
}
