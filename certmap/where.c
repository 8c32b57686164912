/* where.c - where in a parsed document certmap's editor works: a location's
 * level, and the place a new item goes, missing elements made around it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/where.h"

#define SECTION "iisClientCertificateMappingAuthentication"

/* The elements from the root down to an item; K_LOCATION only for a level
 * other than the top one. */
enum step { K_CONFIG, K_LOCATION, K_SYSWEB, K_SECURITY, K_AUTHN, K_SECTION, K_COLL, K_N };

static const char *const step_name[K_N] = {
	"configuration", "location", "system.webServer", "security", "authentication",
	SECTION, NULL,
};

static const char *coll_name(enum where_collection coll)
{
	return coll == WHERE_O2O ? "oneToOneMappings" : "manyToOneMappings";
}

static const char *name_of(int k, enum where_collection coll)
{
	return k == K_COLL ? coll_name(coll) : step_name[k];
}

static int same_level(const char *a, const char *b)
{
	return mapfile_path_applies(a, b) && mapfile_path_applies(b, a);
}

static int is_top(const char *location)
{
	return same_level(location, "");
}

const struct mf_level *where_level(const struct mapfile *mf, const char *location)
{
	for (size_t i = 0; i < mf->nlevels; i++)
		if (same_level(mf->levels[i].path, location))
			return &mf->levels[i];
	return NULL;
}

int where_elsewhere(const struct mapfile *mf, const char *location, where_has_fn has,
		    const void *ctx, char **path)
{
	const struct mf_level *target = where_level(mf, location);

	*path = NULL;
	for (size_t i = 0; i < mf->nlevels; i++) {
		int r;

		if (&mf->levels[i] == target)
			continue;
		r = has(ctx, mf, &mf->levels[i]);
		if (r < 0)
			return -1;
		if (r > 0)
			return (*path = strdup(mf->levels[i].path)) == NULL ? -1 : 0;
	}
	return 0;
}

/* The root, or the first <location> of LOCATION's level. */
static const struct mf_place *place_of(const struct mapfile *mf, const char *location)
{
	for (size_t i = 0; i < mf->nplaces; i++) {
		const struct mf_place *p = &mf->places[i];

		if (p->path == NULL ? is_top(location) : !is_top(location) &&
		    same_level(p->path, location))
			return p;
	}
	return NULL;
}

struct block {
	const struct doc *d;
	const char *location;
	enum where_collection coll;
	where_item_fn item;
	const void *ctx;
};

/* The elements FROM .. the collection with the item inside, as whole lines;
 * the first one indented by BASE. */
static int put_block(struct sbuf *o, const struct block *bl, const char *base, int from,
		     char *why, size_t whylen)
{
	const struct doc *d = bl->d;
	int ks[K_N], n = 0;
	struct sbuf ind = { 0 };
	int rc = -1;

	for (int k = from; k < K_N; k++)
		if (k != K_LOCATION || !is_top(bl->location))
			ks[n++] = k;
	for (int i = 0; i < n; i++) {
		sb_puts(o, base);
		for (int j = 0; j < i; j++)
			sb_puts(o, d->unit);
		if (ks[i] == K_LOCATION) {
			sb_puts(o, "<location path=\"");
			if (sb_attr(o, bl->location, d->utf8) != 0) {
				snprintf(why, whylen, "the location is not UTF-8 text without "
					 "control characters");
				goto out;
			}
			sb_puts(o, "\">");
		} else if (ks[i] == K_SECTION) {
			sb_puts(o, "<" SECTION " enabled=\"true\">");
		} else {
			sb_puts(o, "<");
			sb_puts(o, name_of(ks[i], bl->coll));
			sb_puts(o, ">");
		}
		sb_puts(o, d->eol);
	}
	sb_puts(&ind, base);
	for (int j = 0; j < n; j++)
		sb_puts(&ind, d->unit);
	if (ind.err || bl->item(o, d, ind.p ? ind.p : "", bl->ctx, why, whylen) != 0)
		goto out;
	for (int i = n - 1; i >= 0; i--) {
		sb_puts(o, base);
		for (int j = 0; j < i; j++)
			sb_puts(o, d->unit);
		sb_puts(o, "</");
		sb_puts(o, name_of(ks[i], bl->coll));
		sb_puts(o, ">");
		sb_puts(o, d->eol);
	}
	rc = 0;
out:
	free(ind.p);
	return rc;
}

/* The element the block goes into (*INTO, a step) and the first step the
 * block makes (*FROM; K_N for the item alone).  -1 when there is none. */
static int find_into(const struct mapfile *mf, const char *location, enum where_collection coll,
		     uint32_t *span, int *into, int *from)
{
	const struct mf_level *l = where_level(mf, location);
	const struct mf_place *p;

	if (l != NULL) {
		uint32_t c = coll == WHERE_O2O ? l->o2o_span : l->m2o_span;

		*span = c != MF_NO_SPAN ? c : l->section_span;
		*into = c != MF_NO_SPAN ? K_COLL : K_SECTION;
	} else if ((p = place_of(mf, location)) != NULL) {
		/* The deepest step that exists; the rest is made under it. */
		const uint32_t steps[] = { p->el, p->sysweb, p->security, p->authn };
		int k = 3;

		while (k > 0 && steps[k] == MF_NO_SPAN)
			k--;
		*span = steps[k];
		*into = k == 0 ? (p->path == NULL ? K_CONFIG : K_LOCATION) : K_SYSWEB + k - 1;
	} else {
		p = place_of(mf, "");
		*span = p != NULL ? p->el : MF_NO_SPAN;
		*into = K_CONFIG;
	}
	*from = *into == K_COLL ? K_N : *into == K_CONFIG ? K_LOCATION : *into + 1;
	return *span == MF_NO_SPAN || *span >= mf->nspans ? -1 : 0;
}

enum edit_status where_insert(const struct doc *d, const struct mapfile *mf,
			      const char *location, enum where_collection coll,
			      where_item_fn item, const void *ctx, struct edit_result *res)
{
	struct block bl = { d, location, coll, item, ctx };
	struct sbuf base = { 0 }, block = { 0 };
	enum edit_status rc = EDIT_REFUSED;
	uint32_t span;
	int into, from;

	if (where_level(mf, location) == NULL && mf->bare) {
		snprintf(res->why, sizeof(res->why), "the file is a bare <" SECTION ">, which "
			 "has no locations; make it a <configuration> to map per location");
		return EDIT_REFUSED;
	}
	if (find_into(mf, location, coll, &span, &into, &from) != 0) {
		snprintf(res->why, sizeof(res->why), "no place for the section found in the file");
		return EDIT_REFUSED;
	}
	doc_child_indent(&base, d, &mf->spans[span]);
	if (put_block(&block, &bl, base.p ? base.p : "", from, res->why, sizeof(res->why)) != 0)
		goto out;
	rc = base.err || block.err ? EDIT_NOMEM :
	     doc_insert_into(d, &mf->spans[span], name_of(into, coll), &block, res);
out:
	free(base.p);
	free(block.p);
	return rc;
}

enum edit_status where_new_document(const char *location, enum where_collection coll,
				    where_item_fn item, const void *ctx, struct edit_result *res)
{
	struct doc d;
	struct block bl = { &d, location, coll, item, ctx };
	struct sbuf o = { 0 };
	enum edit_status rc = EDIT_NOMEM;

	doc_layout(&d, "", 0, 1);
	sb_puts(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n");
	if (put_block(&o, &bl, d.unit, K_LOCATION, res->why, sizeof(res->why)) != 0) {
		rc = o.err ? EDIT_NOMEM : EDIT_REFUSED;
		goto out;
	}
	sb_puts(&o, "</configuration>\n");
	if (!o.err) {
		res->buf = o.p;
		res->len = o.len;
		o.p = NULL;
		rc = EDIT_OK;
	}
out:
	free(o.p);
	return rc;
}
