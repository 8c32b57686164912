/* sync_state.c - what an incremental sync starts from: the directory's
 * entries and the RFC 4533 cookie of the last sync, kept in a root-only file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "certmap/sync.h"
#include "safefile.h"

#define STATE_MAGIC "certmap-sync-state 1"
#define STATE_MAX_SIZE ((size_t)2 * 1024 * 1024 * 1024)

/* ------------------------------------------------------------- reading */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

/* The digest so far as hex; 0, or -1. */
static int digest_hex(EVP_MD_CTX *md, char hex[2 * EVP_MAX_MD_SIZE + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(md, d, &n) != 1)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * (size_t)i, 3, "%02x", d[i]);
	return 0;
}

/* "end COUNT DIGEST": 1 with the count and the digest, 0 for another line. */
static int end_line(const char *line, unsigned long *count, const char **digest)
{
	char *end;

	if (strncmp(line, "end ", 4) != 0 || line[4] < '0' || line[4] > '9')
		return 0;
	*count = strtoul(line + 4, &end, 10);
	if (*end != ' ')
		return 0;
	*digest = end + 1;
	return 1;
}

/* Base64 S into B; "-" is no value, "=" an empty one. */
static int unb64(const char *s, struct sync_bytes *b)
{
	size_t n = strlen(s), pad = 0;
	unsigned char *buf;
	int len;

	if (strcmp(s, "-") == 0)
		return 0;
	if (strcmp(s, "=") == 0)
		return sync_bytes_set(b, "", 0);
	if (n % 4 != 0 || n > INT_MAX)
		return -1;
	buf = malloc(n / 4 * 3 + 1);
	if (buf == NULL)
		return -1;
	len = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	while (pad < 2 && n > pad && s[n - 1 - pad] == '=')
		pad++;
	if (len < 0 || (size_t)len < pad) {
		free(buf);
		return -1;
	}
	buf[len - (int)pad] = '\0';
	free(b->p);
	b->p = buf;
	b->len = (size_t)len - pad;
	return 0;
}

static int push_value(struct sync_bytes **v, size_t *n, const char *s, int checked)
{
	struct sync_bytes *nv = realloc(*v, (*n + 1) * sizeof(**v)), b = { NULL, 0, 0 };

	if (nv == NULL)
		return -1;
	*v = nv;
	if (unb64(s, &b) != 0 || b.p == NULL) {
		free(b.p);
		return -1;
	}
	b.checked = checked;
	nv[(*n)++] = b;
	return 0;
}

static int take_string(char **dst, const char *s)
{
	struct sync_bytes b = { NULL, 0, 0 };

	if (unb64(s, &b) != 0 || b.p == NULL || strlen((char *)b.p) != b.len) {
		free(b.p);
		return -1;
	}
	free(*dst);
	*dst = (char *)b.p;
	return 0;
}

/* One line "TAG VALUE..." into the entry being read, E. */
static int state_line(struct dirset *s, struct dir_entry *e, char *line)
{
	char *sp = strchr(line, ' ');
	const char *arg = sp != NULL ? sp + 1 : "";

	if (sp != NULL)
		*sp = '\0';
	if (strcmp(line, "e") == 0) {
		char *dn = strchr(arg, ' ');

		if ((e->dn != NULL && dirset_push(s, e) != 0) || dn == NULL)
			return -1;
		*dn++ = '\0';
		e->has_uuid = 1;
		return unhex(arg, e->uuid, SYNC_UUID_LEN) != 0 || take_string(&e->dn, dn) != 0 ?
		       -1 : 0;
	}
	if (e->dn == NULL)
		return strcmp(line, "cookie") == 0 ? unb64(arg, &s->cookie) : -1;
	if (strcmp(line, "u") == 0)
		return push_value(&e->users, &e->nusers, arg, 0);
	/* A certificate value, with what sync_set found of it: c is one, x is
	 * not, n was not looked at. */
	if (strcmp(line, "c") == 0 || strcmp(line, "x") == 0 || strcmp(line, "n") == 0)
		return push_value(&e->certs, &e->ncerts, arg,
				  line[0] == 'c' ? 1 : line[0] == 'x' ? -1 : 0);
	if (strcmp(line, "a") == 0)
		return take_string(&e->uac, arg);
	if (strcmp(line, "l") == 0)
		return take_string(&e->lock, arg);
	if (strcmp(line, "p") == 0 && arg[0] == '\0') {
		e->pwd_locked = 1;
		return 0;
	}
	return -1;
}

/* 1 read whole, 0 for another configuration, -1 damaged or out of memory. */
static int read_state(FILE *f, const char *fp, struct dirset *s)
{
	struct dir_entry e;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char *line = NULL, hex[2 * EVP_MAX_MD_SIZE + 1];
	const char *digest = "";
	size_t cap = 0;
	ssize_t n;
	unsigned long count = 0;
	int rc = -1, ended = 0;

	memset(&e, 0, sizeof(e));
	n = getline(&line, &cap, f);
	if (n <= 0 || strncmp(line, STATE_MAGIC " ", sizeof(STATE_MAGIC)) != 0)
		goto out;
	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line + sizeof(STATE_MAGIC), fp) != 0) {
		rc = 0;
		goto out;
	}
	/* The digest covers every line before the end line, the first too. */
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, STATE_MAGIC " ", sizeof(STATE_MAGIC)) != 1 ||
	    EVP_DigestUpdate(md, fp, strlen(fp)) != 1 || EVP_DigestUpdate(md, "\n", 1) != 1)
		goto out;
	while (!ended && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			goto out;
		if (end_line(line, &count, &digest)) {
			ended = 1;
			break;
		}
		if (EVP_DigestUpdate(md, line, (size_t)n) != 1)
			goto out;
		line[n - 1] = '\0';
		if (state_line(s, &e, line) != 0)
			goto out;
	}
	if (!ended || digest_hex(md, hex) != 0 || strncmp(digest, hex, strlen(hex)) != 0 ||
	    strcmp(digest + strlen(hex), "\n") != 0 ||
	    (e.dn != NULL && dirset_push(s, &e) != 0) || count != s->n ||
	    getline(&line, &cap, f) != -1)
		goto out;
	rc = 1;
out:
	EVP_MD_CTX_free(md);
	dir_entry_free(&e);
	free(line);
	return rc;
}

static int by_uuid(const void *a, const void *b)
{
	return memcmp(((const struct dir_entry *)a)->uuid, ((const struct dir_entry *)b)->uuid,
		      SYNC_UUID_LEN);
}

int sync_state_load(const char *path, const char *fp, struct dirset *s)
{
	char why[256] = "";
	size_t size = 0;
	FILE *f = NULL;
	int fd = -1, r;

	memset(s, 0, sizeof(*s));
	switch (safefile_open(path, STATE_MAX_SIZE, &fd, &size, why, sizeof(why))) {
	case SAFEFILE_OK:
		break;
	case SAFEFILE_MISSING:
		return 0;
	default:
		sync_err("%s: %s; a full refresh follows", path, why);
		return 0;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return -1;
	}
	r = read_state(f, fp, s);
	fclose(f);
	if (r != 1) {
		dirset_free(s);
		if (r < 0)
			sync_err("%s: damaged; a full refresh follows", path);
		return 0;
	}
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), by_uuid);
	/* Sorted, and unique: a state that names an entry twice is damaged. */
	for (size_t i = 1; i < s->n; i++) {
		if (by_uuid(&s->v[i - 1], &s->v[i]) == 0) {
			dirset_free(s);
			sync_err("%s: damaged; a full refresh follows", path);
			return 0;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- writing */

/* The lines go out through a digest, which the end line carries. */
struct writer {
	FILE *f;
	EVP_MD_CTX *md;
	int err;
};

static void put(struct writer *w, const char *a, const char *b, const char *c)
{
	const char *parts[] = { a, b, c };

	for (size_t i = 0; i < 3 && !w->err; i++) {
		size_t n = parts[i] != NULL ? strlen(parts[i]) : 0;

		if (n > 0 && (fwrite(parts[i], 1, n, w->f) != n ||
			      EVP_DigestUpdate(w->md, parts[i], n) != 1))
			w->err = 1;
	}
}

/* "TAG BASE64\n"; "-" for no value, "=" for an empty one. */
static void put_b64(struct writer *w, const char *tag, const unsigned char *p, size_t len)
{
	char *buf;

	if (p == NULL || len == 0) {
		put(w, tag, p == NULL ? " -" : " =", "\n");
		return;
	}
	/* a space, the base64 and its NUL */
	if (len > INT_MAX / 2 || (buf = malloc(1 + (len + 2) / 3 * 4 + 1)) == NULL) {
		w->err = 1;
		return;
	}
	buf[0] = ' ';
	EVP_EncodeBlock((unsigned char *)buf + 1, p, (int)len);
	put(w, tag, buf, "\n");
	free(buf);
}

static void put_entry(struct writer *w, const struct dir_entry *e)
{
	char uuid[2 * SYNC_UUID_LEN + 3] = "e ";

	for (size_t i = 0; i < SYNC_UUID_LEN; i++)
		snprintf(uuid + 2 + 2 * i, 3, "%02x", e->uuid[i]);
	put_b64(w, uuid, (const unsigned char *)e->dn, strlen(e->dn));
	for (size_t i = 0; i < e->nusers; i++)
		put_b64(w, "u", e->users[i].p, e->users[i].len);
	for (size_t i = 0; i < e->ncerts; i++)
		put_b64(w, e->certs[i].checked > 0 ? "c" : e->certs[i].checked < 0 ? "x" : "n",
			e->certs[i].p, e->certs[i].len);
	if (e->uac != NULL)
		put_b64(w, "a", (const unsigned char *)e->uac, strlen(e->uac));
	if (e->lock != NULL)
		put_b64(w, "l", (const unsigned char *)e->lock, strlen(e->lock));
	if (e->pwd_locked)
		put(w, "p\n", NULL, NULL);
}

static int put_state(FILE *f, const char *fp, const struct dirset *s)
{
	struct writer w = { f, EVP_MD_CTX_new(), 0 };
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (w.md == NULL || EVP_DigestInit_ex(w.md, EVP_sha256(), NULL) != 1)
		w.err = 1;
	put(&w, STATE_MAGIC " ", fp, "\n");
	put_b64(&w, "cookie", s->cookie.p, s->cookie.len);
	for (size_t i = 0; i < s->n && !w.err; i++)
		put_entry(&w, &s->v[i]);
	if (!w.err && digest_hex(w.md, hex) == 0) {
		char end[32 + sizeof(hex)];

		snprintf(end, sizeof(end), "end %zu %s\n", s->n, hex);
		w.err = fputs(end, f) < 0;
	} else {
		w.err = 1;
	}
	EVP_MD_CTX_free(w.md);
	return w.err ? -1 : 0;
}

int sync_state_save(const char *path, const char *fp, const struct dirset *s)
{
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd, rc = -1, written = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		sync_err("%s: name too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		sync_err("%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		goto out;
	}
	if (fchmod(fd, 0600) == 0 && put_state(f, fp, s) == 0 && fflush(f) == 0 &&
	    fsync(fd) == 0)
		written = 1;
	if (fclose(f) != 0)
		written = 0;
	if (written && rename(tmp, path) == 0)
		rc = 0;
out:
	if (rc != 0) {
		sync_err("%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

/* ------------------------------------------------------------- locking */

int sync_state_lock(const char *path)
{
	char lock[PATH_MAX], dir[PATH_MAX];
	int fd;

	if (snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock)) {
		sync_err("%s: name too long", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	/* The state's own directory (/var/lib/pam_certmap): made on first use. */
	if (mkdir(dirname(dir), 0700) != 0 && errno != EEXIST) {
		sync_err("%s: cannot make its directory: %s", path, strerror(errno));
		return -1;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		sync_err("%s: %s", lock, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			sync_err("%s: cannot lock: %s", lock, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}
