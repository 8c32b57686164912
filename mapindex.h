/* mapindex.h - the look-up index of a mapping file (SPEC 2.8): what the module
 * asks of the file, as records under keys; certmap writes them to a constant
 * database beside the file, the module's cache keeps them in memory. */
#ifndef PAM_CERTMAP_MAPINDEX_H
#define PAM_CERTMAP_MAPINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "fileid.h"
#include "mapfile.h"

/* The index of MAPFILE is MAPFILE.cdb (tinycdb), in the same directory. */
#define MI_SUFFIX ".cdb"
#define MI_VERSION 1
#define MI_BUILD_LEN 16
#define MI_SUM_LEN 8
#define MI_DIGEST_LEN 32

/* The keys: the header; a level, "L" and its path in lower case, segments
 * joined by '/' ("L" alone for the top level); a certificate, "C" and its
 * key (the SHA-256 of its canonical base64, mapfile_model.h's MF_KEY_LEN). */
#define MI_KEY_HEADER 'H'
#define MI_KEY_LEVEL 'L'
#define MI_KEY_CERT 'C'
#define MI_CERT_KEY_LEN 33

/* What the index was built from and what it says of the whole file. */
struct mi_header {
	uint32_t version;
	unsigned char build[MI_BUILD_LEN];  /* random per index, in every record's checksum:
					     * a record of another index does not fit */
	struct fileid id;                   /* the mapping file as read */
	uint64_t probe_dev;                 /* the probe of fileid_probe_settled */
	struct fstamp probe;
	unsigned char digest[MI_DIGEST_LEN];  /* SHA-256 of the bytes indexed */
	struct mapfile_error verdict;       /* MAPFILE_OK, or why the file is invalid */
	uint32_t nlevels, nentries, nmappings;  /* for certmap's messages */
};

/* ------------------------------------------------------------ writing */

/* Receives each record; 0, or -1 to stop. */
typedef int (*mi_put_fn)(void *ctx, const void *key, size_t klen, const void *val,
			 size_t vlen);

/* The records of header H and, when H's verdict is MAPFILE_OK, of MF
 * (loaded with mapfile_params.keys; H's counts are filled from it), each
 * passed to PUT.  Returns 0, or -1 when memory runs out or PUT fails. */
int mi_encode(struct mi_header *h, const struct mapfile *mf, mi_put_fn put, void *ctx);

/* ------------------------------------------------------------ reading */

/* Where the records come from.  GET: 1 with *VAL (malloc'd, *LEN bytes), 0
 * when KEY is absent, -1 when it cannot be read. */
struct mi_source {
	int (*get)(void *ctx, const void *key, size_t klen, unsigned char **val, size_t *len);
	void *ctx;
	unsigned char build[MI_BUILD_LEN];  /* of the header: the records' checksums */
};

/* Decode the header record V (LEN bytes) into H: 0, or -1 when it is not a
 * header of this version or its checksum does not match. */
int mi_header_decode(const unsigned char *v, size_t len, struct mi_header *h);

/* The model of the file for location Q and P's candidates, from SRC's
 * records: the levels that apply to Q with their attributes, directives and
 * many-to-one mappings, and the candidates' entries at those levels, so that
 * mapfile_query and mapfile_query_cert answer as for the whole file.  Only
 * for a header whose verdict is MAPFILE_OK.  Returns MAPFILE_OK, MAPFILE_NOMEM,
 * or MAPFILE_IO with ERR's reason when a record cannot be read or is not
 * what it claims (the caller then reads the file itself). */
enum mapfile_status mi_answer(const struct mi_source *src, const char *location,
			      const struct mapfile_params *p, struct mapfile **out,
			      struct mapfile_error *err);

/* ------------------------------------------------- the index file (reading) */

/* What became of an index the reader looked at. */
enum mi_state {
	MI_CURRENT,    /* current for the file: its answers are the file's */
	MI_MISSING,    /* there is none */
	MI_UNSAFE,     /* a symlink, not a regular file, not root's, writable by others */
	MI_CORRUPT,    /* not an index of this version, or its header does not check */
	MI_STALE,      /* made for another state of the file: it changed since */
	MI_RACY,       /* made in the clock tick of the file's last change: proves nothing */
	MI_IO,         /* cannot be read */
};

struct mi_file {
	int fd;
	size_t size;
	struct mi_header h;
	char path[4096];
};

/* Open the index of MAPFILE (MAPFILE.cdb) as the mapping file itself is
 * opened (safefile.h: no link, regular, root's, not writable by group or
 * others, at most MAX_SIZE bytes) and read its header.  On MI_CURRENT (the
 * header is sound; currency is mi_file_current's) F is open; otherwise it
 * is closed and WHY says what is wrong. */
enum mi_state mi_file_open(const char *mapfile, size_t max_size, struct mi_file *f, char *why,
			   size_t whylen);

/* Is F's index current for the mapping file whose opened descriptor has
 * identity ID: the identity it records equal, and recorded by a writer
 * whose probe was past the file's change time (fileid_probe_settled)?
 * MI_CURRENT, or MI_STALE or MI_RACY with WHY. */
enum mi_state mi_file_current(const struct mi_file *f, const struct fileid *id, char *why,
			      size_t whylen);

/* A source of F's records (tinycdb's read-and-seek look-up, no mapping of
 * the file: an index cut short under a reader cannot fault it). */
void mi_file_source(struct mi_file *f, struct mi_source *src);

void mi_file_close(struct mi_file *f);

/* Words for a state, for logs and certmap check. */
const char *mi_state_name(enum mi_state s);

#endif
