/* keyset.h - the set of unique keys of one effective collection while the
 * levels are walked depth first: insert, undo back to a mark, and a floor
 * below which keys are hidden (what <clear/> does to inherited entries). */
#ifndef PAM_CERTMAP_KEYSET_H
#define PAM_CERTMAP_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "b64scan.h"

struct keyset_node {
	struct b64key key;
	uint32_t next;   /* index + 1 of the next node in the bucket, 0 ends */
	uint32_t value;  /* the caller's id of the entry */
};

struct keyset {
	uint32_t *buckets;  /* index + 1 of the newest node of each bucket */
	size_t nbuckets;    /* a power of two */
	struct keyset_node *nodes;
	size_t n, cap;
	size_t floor;       /* nodes below this index are hidden */
};

/* Size the set for about EXPECTED keys.  Returns 0, or -1 when out of memory. */
int keyset_init(struct keyset *ks, size_t expected);
void keyset_free(struct keyset *ks);

/* The visible nodes holding KEY, newest first: *IT starts at 0; returns 1
 * with the next one's value in *VALUE, 0 when there is none left.  Equal keys
 * only suggest equal entries: the caller confirms with the values. */
int keyset_next(const struct keyset *ks, struct b64key key, uint32_t *it, uint32_t *value);

/* Add KEY with VALUE, whatever the set holds.  Returns 0, or -1 out of memory. */
int keyset_add(struct keyset *ks, struct b64key key, uint32_t value);

/* Remove the nodes inserted since the set had MARK nodes (LIFO). */
void keyset_rollback(struct keyset *ks, size_t mark);

#endif
