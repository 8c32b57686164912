/* mistore.h - index records held in memory, for the module's cache: filled
 * once by mi_encode, then read-only, so threads may read it at once. */
#ifndef PAM_CERTMAP_MISTORE_H
#define PAM_CERTMAP_MISTORE_H

#include <stddef.h>

struct mi_store;

struct mi_store *mi_store_new(void);
void mi_store_free(struct mi_store *s);

/* A mi_put_fn: add a record (STORE is the struct mi_store).  0, or -1 when
 * memory runs out or the store holds more than MAX bytes (mi_store_limit). */
int mi_store_put(void *store, const void *key, size_t klen, const void *val, size_t vlen);

/* Stop filling at MAX bytes of records and tables (0: no limit). */
void mi_store_limit(struct mi_store *s, size_t max);

/* Done filling: the look-up table is built.  0, or -1 out of memory. */
int mi_store_seal(struct mi_store *s);

/* A mi_source get on a sealed store: a copy of the record under KEY. */
int mi_store_get(void *store, const void *key, size_t klen, unsigned char **val, size_t *len);

/* The bytes the store holds, records and tables. */
size_t mi_store_bytes(const struct mi_store *s);

#endif
