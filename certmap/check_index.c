/* check_index.c - certmap check's look at the look-up index: missing (a
 * note), not usable (a warning with the command that rebuilds it), or
 * current, which check proves in full: the content digest of the file. */
#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certmap/check.h"
#include "certmap/cmd.h"
#include "mapindex.h"
#include "safefile.h"

#define CHUNK 65536

/* "certmap [-f FILE] index", for the messages. */
static const char *rebuild_command(const struct check *c, char *buf, size_t len)
{
	if (strcmp(c->path, MAPFILE_DEFAULT_PATH) == 0)
		snprintf(buf, len, "certmap index");
	else
		snprintf(buf, len, "certmap -f %s index", c->path);
	return buf;
}

/* The SHA-256 of the file open as FD, from its start. */
static int digest_fd(int fd, unsigned char out[MI_DIGEST_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = malloc(CHUNK);
	unsigned int n = 0;
	off_t off = 0;
	int rc = -1;

	if (md == NULL || buf == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		ssize_t r = pread(fd, buf, CHUNK, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		if (EVP_DigestUpdate(md, buf, (size_t)r) != 1)
			goto out;
		off += r;
	}
	if (EVP_DigestFinal_ex(md, out, &n) == 1 && n == MI_DIGEST_LEN)
		rc = 0;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	return rc;
}

/* The index's header is sound: is it current for the file, and do the bytes
 * indexed hash as the file's do?  Only check can afford to read them all. */
static void check_current(struct check *c, const struct mi_file *f, const char *cmd)
{
	unsigned char d[MI_DIGEST_LEN];
	char why[512] = "";
	struct fileid id;
	struct stat st;
	size_t size;
	int fd = -1;

	if (safefile_open(c->path, MAPFILE_DEFAULT_MAX_SIZE, &fd, &size, why, sizeof(why)) !=
	    SAFEFILE_OK || fstat(fd, &st) != 0)
		goto out;  /* the file's own error is told by the caller */
	fileid_of(&st, &id);
	if (mi_file_current(f, &id, why, sizeof(why)) != MI_CURRENT) {
		diag(c, 0, SEV_WARNING, "the look-up index is not used: %s; rebuild it with: %s",
		     why, cmd);
		goto out;
	}
	if (digest_fd(fd, d) != 0) {
		diag(c, 0, SEV_WARNING, "cannot read the file to check its look-up index");
		goto out;
	}
	if (CRYPTO_memcmp(d, f->h.digest, MI_DIGEST_LEN) != 0)
		diag(c, 0, SEV_WARNING, "the look-up index %s matches the file's identity but not "
		     "its content (rewritten within one clock tick, or a clock set back?): "
		     "pam_certmap would answer from it; rebuild it now with: %s", f->path, cmd);
out:
	if (fd >= 0)
		close(fd);
}

void check_index(struct check *c)
{
	char why[512] = "", cmd[300];
	struct mi_file f;
	enum mi_state st;

	rebuild_command(c, cmd, sizeof(cmd));
	st = mi_file_open(c->path, MAPFILE_DEFAULT_MAX_SIZE, &f, why, sizeof(why));
	switch (st) {
	case MI_CURRENT:
		check_current(c, &f, cmd);
		break;
	case MI_MISSING:
		diag(c, 0, SEV_NOTE, "no look-up index (%s%s): pam_certmap reads the whole file "
		     "at each login; %s makes one, and edits keep it current", c->path,
		     MI_SUFFIX, cmd);
		break;
	default:
		diag(c, 0, SEV_WARNING, "the look-up index is %s and not used: %s; rebuild it "
		     "with: %s", mi_state_name(st), why, cmd);
		break;
	}
	mi_file_close(&f);
}
