/* mapindex_rec.h - the bytes of an index record: little-endian integers,
 * length-counted strings, and a checksum that binds a record to its key and
 * to the index it was written for.  Shared by mapindex_enc.c and _dec.c. */
#ifndef PAM_CERTMAP_MAPINDEX_REC_H
#define PAM_CERTMAP_MAPINDEX_REC_H

#include <stddef.h>
#include <stdint.h>

#include "mapindex.h"

/* Writing: zero-initialised it is empty; after a failed allocation err is
 * set and every later put does nothing. */
struct mi_buf {
	unsigned char *p;
	size_t len, cap;
	int err;
};

void mi_put_u8(struct mi_buf *b, unsigned v);
void mi_put_u32(struct mi_buf *b, uint32_t v);
void mi_put_u64(struct mi_buf *b, uint64_t v);
void mi_put_bytes(struct mi_buf *b, const void *p, size_t n);
/* A string: its length as u32, then its bytes (no NUL). */
void mi_put_str(struct mi_buf *b, const char *s);
/* An optional string: 0, or 1 and the string. */
void mi_put_optstr(struct mi_buf *b, const char *s);
void mi_buf_free(struct mi_buf *b);

/* Reading, length-checked: a read past the end sets bad and gives zeros. */
struct mi_cur {
	const unsigned char *p;
	size_t left;
	int bad;     /* the record is not what it claims: the index is corrupt */
	int nomem;
};

uint8_t mi_get_u8(struct mi_cur *c);
uint32_t mi_get_u32(struct mi_cur *c);
uint64_t mi_get_u64(struct mi_cur *c);
void mi_get_bytes(struct mi_cur *c, void *out, size_t n);
/* A string as mi_put_str wrote it, malloc'd; NULL (bad or nomem set) when
 * it runs past the end or holds a NUL. */
char *mi_get_str(struct mi_cur *c);
/* An optional string: NULL when absent (then neither flag is set). */
char *mi_get_optstr(struct mi_cur *c);
/* N counted items of at least SIZE bytes each can be there: else bad. */
int mi_count_fits(struct mi_cur *c, uint32_t n, size_t size);

/* Append the checksum of B's bytes under KEY (KLEN bytes) for index BUILD:
 * the first MI_SUM_LEN bytes of SHA-256(BUILD, KEY, bytes).  0 or -1. */
int mi_seal(struct mi_buf *b, const unsigned char build[MI_BUILD_LEN], const void *key,
	    size_t klen);

/* Check the checksum at the end of V (*LEN bytes) and take it off *LEN:
 * 0, or -1 when it does not match (or cannot be computed). */
int mi_unseal(const unsigned char build[MI_BUILD_LEN], const void *key, size_t klen,
	      const unsigned char *v, size_t *len);

#endif
