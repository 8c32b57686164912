/* mistore.c - index records in one growing arena, found through an open-
 * addressing table built once they are all in; reads copy a record out. */
#include "config.h"
#include "mistore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A record in the arena: its key's and value's lengths, then both. */
struct rec {
	uint32_t klen, vlen;
};

struct mi_store {
	unsigned char *arena;
	size_t len, cap;
	size_t *recs;          /* offsets of the records in the arena */
	size_t nrecs, caprecs;
	size_t *table;         /* record index + 1, or 0: a power-of-two size */
	size_t tsize;
	size_t max;
};

struct mi_store *mi_store_new(void)
{
	return calloc(1, sizeof(struct mi_store));
}

void mi_store_free(struct mi_store *s)
{
	if (s == NULL)
		return;
	free(s->arena);
	free(s->recs);
	free(s->table);
	free(s);
}

void mi_store_limit(struct mi_store *s, size_t max)
{
	s->max = max;
}

size_t mi_store_bytes(const struct mi_store *s)
{
	return s->cap + s->caprecs * sizeof(*s->recs) + s->tsize * sizeof(*s->table);
}

/* FNV-1a over the key: the table is built from data the process wrote itself. */
static uint64_t hash(const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < klen; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elsize)
			return -1;
		ncap *= 2;
	}
	if (ncap == *cap)
		return 0;
	np = realloc(*p, ncap * elsize);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

int mi_store_put(void *store, const void *key, size_t klen, const void *val, size_t vlen)
{
	struct mi_store *s = store;
	struct rec r = { (uint32_t)klen, (uint32_t)vlen };
	size_t need = s->len + sizeof(r) + klen + vlen;

	if (klen > UINT32_MAX || vlen > UINT32_MAX || need < s->len ||
	    grow((void **)&s->arena, &s->cap, need, 1) != 0 ||
	    grow((void **)&s->recs, &s->caprecs, s->nrecs + 1, sizeof(*s->recs)) != 0)
		return -1;
	if (s->max > 0 && mi_store_bytes(s) > s->max)
		return -1;
	s->recs[s->nrecs++] = s->len;
	memcpy(s->arena + s->len, &r, sizeof(r));
	memcpy(s->arena + s->len + sizeof(r), key, klen);
	memcpy(s->arena + s->len + sizeof(r) + klen, val, vlen);
	s->len = need;
	return 0;
}

static const unsigned char *rec_key(const struct mi_store *s, size_t i, struct rec *r)
{
	const unsigned char *p = s->arena + s->recs[i];

	memcpy(r, p, sizeof(*r));
	return p + sizeof(*r);
}

int mi_store_seal(struct mi_store *s)
{
	size_t n = 16;

	while (n < s->nrecs * 2)
		n <<= 1;
	s->table = calloc(n, sizeof(*s->table));
	if (s->table == NULL)
		return -1;
	s->tsize = n;
	for (size_t i = 0; i < s->nrecs; i++) {
		struct rec r;
		const unsigned char *k = rec_key(s, i, &r);
		size_t slot = (size_t)hash(k, r.klen) & (n - 1);

		while (s->table[slot] != 0)
			slot = (slot + 1) & (n - 1);
		s->table[slot] = i + 1;
	}
	return 0;
}

int mi_store_get(void *store, const void *key, size_t klen, unsigned char **val, size_t *len)
{
	const struct mi_store *s = store;
	size_t slot;

	if (s->tsize == 0)
		return -1;
	for (slot = (size_t)hash(key, klen) & (s->tsize - 1); s->table[slot] != 0;
	     slot = (slot + 1) & (s->tsize - 1)) {
		struct rec r;
		const unsigned char *k = rec_key(s, s->table[slot] - 1, &r);

		if (r.klen != klen || memcmp(k, key, klen) != 0)
			continue;
		*val = malloc(r.vlen ? r.vlen : 1);
		if (*val == NULL)
			return -1;
		memcpy(*val, k + r.klen, r.vlen);
		*len = r.vlen;
		return 1;
	}
	return 0;
}
