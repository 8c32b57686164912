/* keyset.c - chained hash set whose nodes live in one array in insertion
 * order, so undoing the newest insertions is popping that array. */
#include "config.h"
#include "keyset.h"

#include <stdlib.h>

int keyset_init(struct keyset *ks, size_t expected)
{
	size_t nb = 64;

	while (nb < expected * 2 && nb < ((size_t)1 << 30))
		nb <<= 1;
	ks->buckets = calloc(nb, sizeof(*ks->buckets));
	ks->nbuckets = nb;
	ks->n = ks->floor = 0;
	/* Sized once: the caller knows how many keys a walk can hold at most. */
	ks->cap = expected < 16 ? 16 : expected;
	ks->nodes = malloc(ks->cap * sizeof(*ks->nodes));
	return ks->buckets == NULL || ks->nodes == NULL ? -1 : 0;
}

void keyset_free(struct keyset *ks)
{
	free(ks->buckets);
	free(ks->nodes);
	ks->buckets = NULL;
	ks->nodes = NULL;
	ks->n = ks->cap = 0;
}

static size_t keyset_bucket(const struct keyset *ks, struct b64key key)
{
	return (size_t)(key.a ^ (key.b >> 7)) & (ks->nbuckets - 1);
}

int keyset_next(const struct keyset *ks, struct b64key key, uint32_t *it, uint32_t *value)
{
	uint32_t i = *it == 0 ? ks->buckets[keyset_bucket(ks, key)] : ks->nodes[*it - 1].next;

	for (; i != 0; i = ks->nodes[i - 1].next) {
		const struct keyset_node *nd = &ks->nodes[i - 1];

		/* Newest first: once below the floor, everything after is too. */
		if (i - 1 < ks->floor)
			break;
		if (nd->key.a == key.a && nd->key.b == key.b) {
			*it = i;
			*value = nd->value;
			return 1;
		}
	}
	*it = 0;
	return 0;
}

int keyset_add(struct keyset *ks, struct b64key key, uint32_t value)
{
	size_t b = keyset_bucket(ks, key);

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 256;
		struct keyset_node *nodes;

		if (cap > UINT32_MAX - 1)
			return -1;
		nodes = realloc(ks->nodes, cap * sizeof(*nodes));
		if (nodes == NULL)
			return -1;
		ks->nodes = nodes;
		ks->cap = cap;
	}
	ks->nodes[ks->n].key = key;
	ks->nodes[ks->n].value = value;
	ks->nodes[ks->n].next = ks->buckets[b];
	ks->n++;
	ks->buckets[b] = (uint32_t)ks->n;
	return 0;
}

void keyset_rollback(struct keyset *ks, size_t mark)
{
	while (ks->n > mark) {
		const struct keyset_node *nd = &ks->nodes[ks->n - 1];

		ks->buckets[keyset_bucket(ks, nd->key)] = nd->next;
		ks->n--;
	}
}
