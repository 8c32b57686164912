/* synccheck.c - what certmap check says of certmap sync's regions: markers
 * in place, a last sync not too long ago, and no certificate both written by
 * hand and by the sync (a sync conflict). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "certmap/sync.h"

/* What the marker says when it says nothing: the documented default. */
#define STALE_AFTER_DEFAULT 48

static int by_key(const void *a, const void *b)
{
	const struct sync_keyed *x = a, *y = b;
	int c = sync_key_cmp(x->key, y->key);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static void say(const char *path, unsigned long line, int error, unsigned long *count,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void say(const char *path, unsigned long line, int error, unsigned long *count,
		const char *fmt, ...)
{
	va_list ap;

	printf("%s:%lu: %s: ", path, line, error ? "error" : "warning");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(*count)++;
}

/* Each group of equal certificates: a hand entry beside a region's entry at a
 * level that touches it is a conflict (the file is invalid, or would be). */
static void conflicts(const char *path, struct sync_keys *k, const struct sync_regions *rs,
		      unsigned long *errors)
{
	if (k->n > 1)
		qsort(k->v, k->n, sizeof(*k->v), by_key);
	for (size_t i = 0, j; i < k->n; i = j) {
		for (j = i + 1; j < k->n && sync_key_cmp(k->v[i].key, k->v[j].key) == 0; j++)
			;
		for (size_t h = i; h < j; h++) {
			for (size_t s = i; s < j; s++) {
				const struct sync_keyed *a = &k->v[h], *b = &k->v[s];

				if (b->region < 0 || a->region == b->region ||
				    !sync_keys_related(k, a, k->levels[b->level]))
					continue;
				say(path, a->line, 1, errors, "sync conflict: this certificate is also "
				    "one certmap sync wrote from the directory (line %lu, in the region "
				    "of line %lu); remove it here, or from the directory", b->line,
				    rs->v[b->region].begin_line);
				break;
			}
		}
	}
}

static void staleness(const char *path, const struct sync_regions *rs, time_t now,
		      unsigned long *warnings)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct sync_region *g = &rs->v[i];
		unsigned hours = g->stale_after ? g->stale_after : STALE_AFTER_DEFAULT;
		char when[32];
		struct tm tm;

		if (g->last_sync == 0) {
			say(path, g->begin_line, 0, warnings, "the certmap sync region does not say "
			    "when it was last synced ('last-sync=' in its marker)");
			continue;
		}
		if (now - g->last_sync <= (time_t)hours * 3600)
			continue;
		if (gmtime_r(&g->last_sync, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(when, sizeof(when), "(unreadable)");
		say(path, g->begin_line, 0, warnings, "the last successful certmap sync was at %s, "
		    "more than %u hours ago: the directory's changes since (disabled accounts "
		    "too) are not here; look at the sync's log", when, hours);
	}
}

void synccheck_run(const char *path, time_t now, unsigned long *errors,
		   unsigned long *warnings)
{
	struct sync_regions rs;
	struct sync_keys k;
	char *buf = NULL, why[256];
	size_t len = 0;

	memset(&k, 0, sizeof(k));
	memset(&rs, 0, sizeof(rs));
	/* What cannot be read or parsed the caller has reported already. */
	if (sync_file_read(path, MAPFILE_DEFAULT_MAX_SIZE, 0, &buf, &len, why, sizeof(why)) != 0)
		return;
	if (sync_regions_scan(buf, len, sync_keys_collect, &k, &rs) != 0) {
		if (rs.bad_marker)
			say(path, rs.err_line, 1, errors, "%s", rs.why);
		goto out;
	}
	if (k.nomem) {
		cm_err("out of memory");
		(*errors)++;
		goto out;
	}
	staleness(path, &rs, now, warnings);
	conflicts(path, &k, &rs, errors);
out:
	sync_keys_free(&k);
	free(buf);
	sync_regions_free(&rs);
}
