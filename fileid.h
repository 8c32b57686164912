/* fileid.h - the identity of an opened file, as its descriptor's fstat gives
 * it, and when derived data may trust that the identity pins the content. */
#ifndef PAM_CERTMAP_FILEID_H
#define PAM_CERTMAP_FILEID_H

#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* A file timestamp. */
struct fstamp {
	int64_t sec;
	uint32_t nsec;
};

/* Device, inode, size, modification and change time.  ctime is the strong
 * part: no system call sets it, and the kernel stamps it on every write,
 * truncate, chmod, chown and rename of the inode; mtime anyone who can
 * write may set (touch -d).  The weak part: timestamps come from a coarse
 * clock (a tick, or a second on some filesystems), so a second write within
 * the tick of the first keeps the same ctime.  See fileid_settled. */
struct fileid {
	uint64_t dev, ino, size;
	struct fstamp mtime, ctime;
};

void fileid_of(const struct stat *st, struct fileid *id);
int fileid_equal(const struct fileid *a, const struct fileid *b);

/* -1, 0 or 1 as A is before, at or after B. */
int fstamp_cmp(const struct fstamp *a, const struct fstamp *b);
struct fstamp fstamp_of(const struct timespec *ts);

/* How far apart the stamps of a file and of a probe on another filesystem
 * must be: their clocks are the kernel's, their granularity may differ. */
#define FILEID_OTHER_FS_MARGIN_SEC 2

/* Was content read after PROBE still the file's as long as ID holds?  PROBE
 * is the change time of a file touched on PROBE_DEV before the read began.
 * Every later write to the file is stamped at or after PROBE, so when PROBE
 * is strictly after ID's ctime (by the margin when the devices differ), such
 * a write changes the ctime and with it the identity.  Otherwise (a write in
 * the same tick as the read) the identity proves nothing. */
int fileid_probe_settled(const struct fileid *id, uint64_t probe_dev, const struct fstamp *probe);

/* The same question without a probe, for a reader that may not write
 * (the module's cache): READ_START is the local clock (CLOCK_REALTIME) taken
 * before the read.  The ctime must be older by more than the clock's tick
 * could blur, or by two seconds when its nanoseconds are zero (a filesystem
 * that keeps whole seconds).  A clock set back, or a network filesystem whose
 * server's clock lags, defeats this rule; the probe's does not. */
#define FILEID_TICK_MARGIN_NSEC 100000000L
#define FILEID_COARSE_MARGIN_SEC 2
int fileid_clock_settled(const struct fileid *id, const struct timespec *read_start);

#endif
