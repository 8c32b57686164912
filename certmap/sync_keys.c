/* sync_keys.c - the certificates of a mapping file's entries as keys (the
 * SHA-256 of their DER), with line, level and sync region, for comparing
 * them with the directory's and with one another. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "certmap/sync.h"

static size_t level_index(struct sync_keys *k, const char *level)
{
	char **v;

	/* Files have few levels, and entries come level after level. */
	for (size_t i = k->nlevels; i > 0; i--)
		if (strcmp(k->levels[i - 1], level) == 0)
			return i - 1;
	v = realloc(k->levels, (k->nlevels + 1) * sizeof(*v));
	if (v == NULL) {
		k->nomem = 1;
		return 0;
	}
	k->levels = v;
	if ((v[k->nlevels] = strdup(level)) == NULL) {
		k->nomem = 1;
		return 0;
	}
	return k->nlevels++;
}

void sync_keys_collect(void *ctx, const struct sync_add *a)
{
	struct sync_keys *k = ctx;
	struct sync_keyed *v;

	if (a->certificate == NULL || k->nomem)
		return;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 256;

		v = realloc(k->v, cap * sizeof(*v));
		if (v == NULL) {
			k->nomem = 1;
			return;
		}
		k->v = v;
		k->cap = cap;
	}
	v = &k->v[k->n];
	/* A value that is not base64 is no certificate: it equals none. */
	if (sync_value_key(a->certificate, v->key) != 0)
		return;
	v->line = a->line;
	v->region = a->region;
	v->level = level_index(k, a->level);
	k->n++;
}

int sync_keys_related(const struct sync_keys *k, const struct sync_keyed *e, const char *level)
{
	const char *l = k->levels[e->level];

	return mapfile_path_applies(l, level) || mapfile_path_applies(level, l);
}

void sync_keys_free(struct sync_keys *k)
{
	for (size_t i = 0; i < k->nlevels; i++)
		free(k->levels[i]);
	free(k->levels);
	free(k->v);
	memset(k, 0, sizeof(*k));
}
