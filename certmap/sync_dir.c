/* sync_dir.c - the directory's entries as the sync last saw them, and one
 * refresh's news (RFC 4533's adds, deletes and presents) applied to them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "certmap/sync.h"

int sync_bytes_set(struct sync_bytes *b, const void *p, size_t len)
{
	unsigned char *n = malloc(len + 1);

	if (n == NULL)
		return -1;
	memcpy(n, p, len);
	n[len] = '\0';
	free(b->p);
	b->p = n;
	b->len = len;
	return 0;
}

void dir_entry_free(struct dir_entry *e)
{
	for (size_t i = 0; i < e->nusers; i++)
		free(e->users[i].p);
	for (size_t i = 0; i < e->ncerts; i++)
		free(e->certs[i].p);
	free(e->users);
	free(e->certs);
	free(e->dn);
	free(e->uac);
	free(e->lock);
	memset(e, 0, sizeof(*e));
}

int dirset_push(struct dirset *s, struct dir_entry *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct dir_entry *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

void dirset_free(struct dirset *s)
{
	for (size_t i = 0; i < s->n; i++)
		dir_entry_free(&s->v[i]);
	free(s->v);
	free(s->cookie.p);
	memset(s, 0, sizeof(*s));
}

int journal_uuid(unsigned char (**v)[SYNC_UUID_LEN], size_t *n, size_t *cap,
		 const unsigned char *uuid)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		unsigned char (*nv)[SYNC_UUID_LEN] = realloc(*v, c * sizeof(**v));

		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = c;
	}
	memcpy((*v)[(*n)++], uuid, SYNC_UUID_LEN);
	return 0;
}

void journal_free(struct sync_journal *j)
{
	dirset_free(&j->adds);
	free(j->gone);
	free(j->kept);
	free(j->cookie.p);
	memset(j, 0, sizeof(*j));
}

static int by_uuid(const void *a, const void *b)
{
	return memcmp(((const struct dir_entry *)a)->uuid, ((const struct dir_entry *)b)->uuid,
		      SYNC_UUID_LEN);
}

static struct dir_entry *find(struct dir_entry *v, size_t n, const unsigned char *uuid)
{
	struct dir_entry key;

	if (n == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	memcpy(key.uuid, uuid, SYNC_UUID_LEN);
	return bsearch(&key, v, n, sizeof(*v), by_uuid);
}

static int by_uuid_seq(const void *a, const void *b)
{
	const struct dir_entry *x = a, *y = b;
	int c = memcmp(x->uuid, y->uuid, SYNC_UUID_LEN);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by entryUUID, each one once: of an entry sent twice, the last. */
static void sort_unique(struct dirset *s)
{
	size_t w = 0;

	/* (qsort wants an array, even of nothing) */
	if (s->n < 2)
		return;
	for (size_t i = 0; i < s->n; i++)
		s->v[i].seq = i;
	qsort(s->v, s->n, sizeof(*s->v), by_uuid_seq);
	for (size_t i = 0; i < s->n; i++) {
		const struct dir_entry *e = &s->v[i], *next = i + 1 < s->n ? e + 1 : NULL;

		if (next != NULL && e->has_uuid && next->has_uuid &&
		    memcmp(e->uuid, next->uuid, SYNC_UUID_LEN) == 0) {
			dir_entry_free(&s->v[i]);
			continue;
		}
		s->v[w++] = s->v[i];
	}
	s->n = w;
}

/* Marks: 0 not heard of, 1 present (unchanged), 2 replaced, 3 deleted. */
enum { M_NONE, M_KEPT, M_CHANGED, M_GONE };

/* What J says of the entries S has; the new ones are pushed after them. */
static enum dir_apply merge(struct dirset *s, struct sync_journal *j)
{
	size_t old_n = s->n;

	sort_unique(&j->adds);
	for (size_t i = 0; i < j->nkept; i++) {
		struct dir_entry *e = find(s->v, old_n, j->kept[i]);

		/* An entry the server thinks we have, and we do not: only a
		 * full refresh can tell what it holds. */
		if (e == NULL && find(j->adds.v, j->adds.n, j->kept[i]) == NULL)
			return DIR_INCONSISTENT;
		if (e != NULL && e->mark == M_NONE)
			e->mark = M_KEPT;
	}
	for (size_t i = 0; i < j->ngone; i++) {
		struct dir_entry *e = find(s->v, old_n, j->gone[i]);

		if (e != NULL)
			e->mark = M_GONE;
	}
	for (size_t i = 0; i < j->adds.n; i++) {
		struct dir_entry *n = &j->adds.v[i];
		struct dir_entry *e = n->has_uuid ? find(s->v, old_n, n->uuid) : NULL;

		if (e != NULL) {
			dir_entry_free(e);
			*e = *n;
			memset(n, 0, sizeof(*n));
			e->mark = M_CHANGED;
		} else {
			n->mark = M_CHANGED;
			if (dirset_push(s, n) != 0)
				return DIR_NOMEM;
		}
	}
	return DIR_APPLIED;
}

/* Keep what stays; without a delete phase, the present phase named it all. */
static void drop_gone(struct dirset *s, int refresh_deletes, struct sync_counts *n)
{
	size_t w = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct dir_entry *e = &s->v[i];

		if (e->mark == M_GONE || (e->mark == M_NONE && !refresh_deletes)) {
			dir_entry_free(e);
			n->deleted++;
			continue;
		}
		if (e->mark == M_CHANGED)
			n->changed++;
		else
			n->unchanged++;
		s->v[w++] = *e;
	}
	s->n = w;
}

enum dir_apply dirset_apply(struct dirset *s, struct sync_journal *j, struct sync_counts *n)
{
	memset(n, 0, sizeof(*n));
	if (j->full) {
		/* Everything came: it replaces what was. */
		dirset_free(s);
		*s = j->adds;
		memset(&j->adds, 0, sizeof(j->adds));
		/* The journal's cookie comes below; its set of entries has none. */
		s->cookie.p = NULL;
		s->cookie.len = 0;
		sort_unique(s);
		n->changed = s->n;
	} else {
		enum dir_apply rc;

		for (size_t i = 0; i < s->n; i++)
			s->v[i].mark = M_NONE;
		rc = merge(s, j);
		if (rc != DIR_APPLIED)
			return rc;
		drop_gone(s, j->refresh_deletes, n);
		sort_unique(s);
	}
	if (j->cookie.p != NULL) {
		free(s->cookie.p);
		s->cookie = j->cookie;
		memset(&j->cookie, 0, sizeof(j->cookie));
	}
	return DIR_APPLIED;
}
