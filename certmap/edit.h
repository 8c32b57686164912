/* edit.h - certmap add, remove, enable and disable: the byte-exact edit of a
 * mapping file (edit.c), its safe replacement on disk (commit.c), tokens. */
#ifndef CERTMAP_EDIT_H
#define CERTMAP_EDIT_H

#include <stddef.h>
#include <sys/stat.h>

#include "certmap/cmd.h"
#include "mapfile.h"

/* cmd_edit.c: the commands, each with its own argv as in cmd.h. */
int cmd_add(const struct global *g, int argc, char **argv);
int cmd_remove(const struct global *g, int argc, char **argv);
int cmd_enable(const struct global *g, int argc, char **argv);
int cmd_disable(const struct global *g, int argc, char **argv);

/* ------------------------------------------------------------------ edit.c */

enum edit_op { EDIT_ADD, EDIT_REMOVE, EDIT_ENABLE, EDIT_DISABLE };

#define EDIT_SHA256_LEN 32

struct edit_request {
	enum edit_op op;
	const char *location;        /* as -l gave it; "" is the top level */
	const unsigned char *der;    /* the certificate, or NULL when sha256 names it */
	size_t der_len;
	const unsigned char *sha256; /* EDIT_SHA256_LEN bytes of the DER's hash; when der is NULL */
	const char *user;            /* add: the userName, UTF-8 */
	int disabled;                /* add: with enabled="false" */
};

enum edit_status {
	EDIT_OK,         /* res->buf holds the new document */
	EDIT_UNCHANGED,  /* the entry is already as asked: nothing to write */
	EDIT_NOT_FOUND,  /* no such entry at the level; res->elsewhere may name one */
	EDIT_REFUSED,    /* this document cannot be edited so: res->why */
	EDIT_NOMEM,
};

struct edit_result {
	char *buf;               /* the new document, malloc'd */
	size_t len;
	unsigned long line;      /* line of the entry found in the old document, 0 for none */
	size_t count;            /* entries for the certificate at the level in the old one */
	char why[256];
	char *elsewhere;         /* NOT_FOUND: path of a level that maps it, or NULL */
};

/* Apply RQ to the document OLD of LEN bytes, or build a new one when OLD is
 * NULL.  OLD must already be a valid mapping file, UTF-16 aside (refused).
 * Every byte of OLD that the edit does not concern is kept. */
enum edit_status edit_apply(const char *old, size_t len, const struct edit_request *rq,
			    struct edit_result *res);
void edit_result_free(struct edit_result *res);

/* What BUF holds for RQ's certificate at RQ's level: the number of entries
 * for it in that level's <oneToOneMappings>, and the last one's enabled flag
 * (default true) and userName (a copy, NULL when absent).  For the check of
 * a result before it replaces the file.  Returns 0, or -1 when BUF cannot be
 * parsed or memory runs out. */
struct edit_probe {
	size_t count;
	int enabled;
	char *user;
};
int edit_probe(const char *buf, size_t len, const struct edit_request *rq,
	       struct edit_probe *out);

/* ---------------------------------------------------------------- commit.c */

/* An edit in progress: the lock and what the file held when it was taken. */
struct commit {
	const char *path;
	char *dir, *base;
	int dirfd, lockfd;
	int exists;
	struct stat st;          /* of the file read, when it exists */
	char *old;               /* its bytes (NUL-terminated), NULL when it does not exist */
	size_t old_len;
};

/* Take the exclusive lock of PATH, remove what editors killed mid-edit left
 * behind, and read PATH as the module does (no link, root-owned, not
 * writable by others, size limit).  A missing file is an error unless
 * CREATE.  Errors are printed; returns 0 or -1 (commit_end either way). */
int commit_begin(struct commit *c, const char *path, int create);

/* Look at the parsed result: 0 to go on, or -1 after printing why not. */
typedef int (*commit_check_fn)(void *ctx, const struct mapfile *mf, const char *buf,
			       size_t len);

/* Validate BUF (mapfile_parse_buffer with P, then CHECK), write it to a
 * temporary file beside PATH, fsync it, give it the original's owner and
 * mode (root and 0644 for a new file), rename it over PATH and fsync the
 * directory.  Errors are printed; returns 0, or -1 with PATH as it was. */
int commit_replace(struct commit *c, const char *buf, size_t len,
		   const struct mapfile_params *p, commit_check_fn check, void *ctx);

/* Release the lock and free C. */
void commit_end(struct commit *c);

/* --------------------------------------------------------------- tokread.c */

/* The certificate of a token that CERT "pkcs11:" names: every certificate of
 * every token is listed through pam_certmap_token with PKCS#11 module MODULE;
 * one is taken, the INDEXth (from 1) when INDEX > 0.  Errors are printed;
 * returns 0 with C filled (cm_cert_free it), or -1. */
int tokread_cert(const char *module, long index, struct cm_cert *c);

#endif
