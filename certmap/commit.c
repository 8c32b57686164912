/* commit.c - replace the mapping file safely: one editor at a time, the new
 * bytes validated, written beside it, synced, renamed over it, dir synced. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certmap/commit.h"
#include "certmap/cmd.h"
#include "certmap/index.h"
#include "mapindex.h"
#include "safefile.h"

/* A temporary file is ".BASE.XXXXXX": hidden, and named so that the next
 * editor can recognise one that a killed editor left. */
#define TMP_RANDOM 6
#define TMP_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define NEW_FILE_MODE 0644

static int split_path(struct commit *c, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		c->dir = strdup(".");
		c->base = strdup(path);
	} else {
		c->dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		c->base = strdup(slash + 1);
	}
	if (c->dir == NULL || c->base == NULL) {
		cm_err("out of memory");
		return -1;
	}
	if (c->base[0] == '\0' || strcmp(c->base, ".") == 0 || strcmp(c->base, "..") == 0) {
		cm_err("%s: not a file name", path);
		return -1;
	}
	return 0;
}

/* The lock is flock() on the sibling PATH.lock, which is never replaced.  A
 * lock on the mapping file itself would stay with the inode that the rename
 * retires: an editor that waited for it would then hold a lock nobody else
 * takes and edit bytes that are no longer the file's. */
static int take_lock(struct commit *c)
{
	char name[NAME_MAX + 1];
	struct stat st;

	if (snprintf(name, sizeof(name), "%s.lock", c->base) >= (int)sizeof(name)) {
		cm_err("%s: name too long for its lock file", c->path);
		return -1;
	}
	c->lockfd = openat(c->dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
			   0600);
	if (c->lockfd < 0 || fstat(c->lockfd, &st) != 0) {
		cm_err("%s/%s: cannot open the lock file: %s", c->dir, name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cm_err("%s/%s: the lock file is not a regular file", c->dir, name);
		return -1;
	}
	while (flock(c->lockfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			cm_err("%s/%s: cannot lock: %s", c->dir, name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int is_temp_of(const char *base, const char *name)
{
	size_t blen = strlen(base);

	if (strlen(name) != blen + 2 + TMP_RANDOM || name[0] != '.' ||
	    strncmp(name + 1, base, blen) != 0 || name[blen + 1] != '.')
		return 0;
	return strspn(name + blen + 2, TMP_CHARS) == TMP_RANDOM;
}

/* The file's temporary files, and its index's (certmap/index_write.c). */
static int is_temp_name(const struct commit *c, const char *name)
{
	char ibase[NAME_MAX + 1];

	if (is_temp_of(c->base, name))
		return 1;
	return snprintf(ibase, sizeof(ibase), "%s%s", c->base, MI_SUFFIX) < (int)sizeof(ibase) &&
	       is_temp_of(ibase, name);
}

/* Only the lock's holder makes temporary files and it removes its own before
 * it lets go: any found now was left by an editor that was killed. */
static void remove_stale(struct commit *c)
{
	int fd = openat(c->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	const struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!is_temp_name(c, de->d_name) ||
		    fstatat(c->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(c->dirfd, de->d_name, 0) != 0 && errno != ENOENT)
			cm_err("warning: %s/%s: cannot remove this left-over temporary file: %s",
			       c->dir, de->d_name, strerror(errno));
	}
	closedir(d);
}

/* The file as the module would read it, into c->old. */
static int read_current(struct commit *c, int create)
{
	char why[256] = "";
	size_t size = 0, got = 0;
	int fd = -1, rc = -1;

	switch (safefile_open(c->path, MAPFILE_DEFAULT_MAX_SIZE, &fd, &size, why, sizeof(why))) {
	case SAFEFILE_OK:
		break;
	case SAFEFILE_MISSING:
		if (create)
			return 0;
		/* fall through */
	default:
		cm_err("%s: %s", c->path, why);
		return -1;
	}
	c->old = malloc(size + 1);
	if (c->old == NULL || fstat(fd, &c->st) != 0) {
		cm_err("%s: %s", c->path, c->old == NULL ? "out of memory" : strerror(errno));
		goto out;
	}
	/* One byte more than the size: a file still growing is an error. */
	while (got <= size) {
		ssize_t r = read(fd, c->old + got, size + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != size) {
		cm_err("%s: %s", c->path, got > size ? "changed while being read" :
		       "cannot be read");
		goto out;
	}
	c->old[size] = '\0';
	c->old_len = size;
	c->exists = 1;
	rc = 0;
out:
	close(fd);
	return rc;
}

static int lock_dir(struct commit *c, const char *path, int create)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->dirfd = c->lockfd = -1;
	if (split_path(c, path) != 0)
		return -1;
	c->dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd < 0) {
		cm_err("%s: %s", c->dir, strerror(errno));
		return -1;
	}
	/* No lock file beside a file that is not there to edit. */
	if (!create && fstatat(c->dirfd, c->base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		cm_err("%s: %s", path, strerror(errno));
		return -1;
	}
	if (take_lock(c) != 0)
		return -1;
	remove_stale(c);
	return 0;
}

int commit_lock(struct commit *c, const char *path)
{
	return lock_dir(c, path, 0);
}

int commit_begin(struct commit *c, const char *path, int create)
{
	if (lock_dir(c, path, create) != 0)
		return -1;
	return read_current(c, create);
}

int commit_temp(int dirfd, const char *base, char *name, size_t len)
{
	static const char set[] = TMP_CHARS;
	unsigned char r[TMP_RANDOM];
	int fd = -1;

	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		char rnd[TMP_RANDOM + 1];

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
			break;
		for (size_t i = 0; i < TMP_RANDOM; i++)
			rnd[i] = set[r[i] % (sizeof(set) - 1)];
		rnd[TMP_RANDOM] = '\0';
		if (snprintf(name, len, ".%s.%s", base, rnd) >= (int)len) {
			errno = ENAMETOOLONG;
			break;
		}
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
			    O_NOCTTY, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The bytes into the temporary file NAME, as the file they replace will be. */
static int fill_temp(struct commit *c, int fd, const char *name, const char *buf, size_t len)
{
	uid_t uid = c->exists ? c->st.st_uid : 0;
	gid_t gid = c->exists ? c->st.st_gid : 0;
	mode_t mode = c->exists ? c->st.st_mode & 07777 : NEW_FILE_MODE;
	const char *what;

	/* chown before chmod: chown clears the set-id bits. */
	if (write_all(fd, buf, len) != 0)
		what = "cannot write";
	else if (fchown(fd, uid, gid) != 0)
		what = "cannot give it the owner of the file";
	else if (fchmod(fd, mode) != 0)
		what = "cannot give it the mode of the file";
	else if (fsync(fd) != 0)
		what = "cannot sync";
	else
		return 0;
	cm_err("%s/%s: %s: %s", c->dir, name, what, strerror(errno));
	return -1;
}

/* BUF parsed with P and with keys (the index is made from that model),
 * into *MF, and checked. */
static int validate(struct commit *c, const char *buf, size_t len,
		    const struct mapfile_params *p, commit_check_fn check, void *ctx,
		    struct mapfile **out)
{
	struct mapfile_params pk = *p;
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	int rc = -1;

	memset(&err, 0, sizeof(err));
	pk.keys = 1;
	if (len > MAPFILE_DEFAULT_MAX_SIZE) {
		cm_err("%s: the edited file would exceed the size limit of %zu bytes", c->path,
		       MAPFILE_DEFAULT_MAX_SIZE);
		return -1;
	}
	if (mapfile_parse_buffer(buf, len, &pk, &mf, &err) != MAPFILE_OK) {
		if (err.line)
			cm_err("%s: after the edit, line %lu column %lu: %s", c->path, err.line,
			       err.column, cm_error_reason(&err));
		else
			cm_err("%s: after the edit: %s", c->path, cm_error_reason(&err));
		goto out;
	}
	rc = check != NULL ? check(ctx, mf, buf, len) : 0;
out:
	if (rc == 0)
		*out = mf;
	else
		mapfile_free(mf);
	return rc;
}

int commit_replace(struct commit *c, const char *buf, size_t len,
		   const struct mapfile_params *p, commit_check_fn check, void *ctx)
{
	char name[NAME_MAX + 1] = "";
	struct mapfile *mf = NULL;
	int fd = -1, rc = -1, made = 0, renamed = 0;

	if (validate(c, buf, len, p, check, ctx, &mf) != 0)
		goto out;
	fd = commit_temp(c->dirfd, c->base, name, sizeof(name));
	if (fd < 0) {
		cm_err("%s: cannot create a temporary file: %s", c->dir, strerror(errno));
		goto out;
	}
	made = 1;
	if (fill_temp(c, fd, name, buf, len) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		cm_err("%s/%s: cannot write: %s", c->dir, name, strerror(errno));
		goto out;
	}
	fd = -1;
	if (renameat(c->dirfd, name, c->dirfd, c->base) != 0) {
		cm_err("%s: cannot rename %s over it: %s", c->path, name, strerror(errno));
		goto out;
	}
	made = 0;
	renamed = 1;
	if (fsync(c->dirfd) != 0) {
		cm_err("%s: replaced, but its directory cannot be synced (%s): the change may "
		       "not survive a crash", c->path, strerror(errno));
		goto out;
	}
	cm_index_refresh(c, buf, len, mf);
	rc = 0;
out:
	mapfile_free(mf);
	if (fd >= 0)
		close(fd);
	if (made && unlinkat(c->dirfd, name, 0) != 0)
		cm_err("warning: %s/%s: cannot remove the temporary file: %s", c->dir, name,
		       strerror(errno));
	if (!renamed)
		cm_err("%s: left unchanged", c->path);
	return rc;
}

void commit_end(struct commit *c)
{
	if (c->lockfd >= 0)
		close(c->lockfd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	free(c->dir);
	free(c->base);
	free(c->old);
	memset(c, 0, sizeof(*c));
	c->lockfd = c->dirfd = -1;
}
