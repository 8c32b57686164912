/* edit_m2o.c - certmap's edits of many-to-one mappings on a parsed document:
 * a mapping of a level found by name, spliced where the parser saw it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "certmap/attrlex.h"
#include "certmap/edit.h"
#include "certmap/where.h"

static void level_hits(const struct mapfile *mf, const struct mf_level *l,
		       const struct edit_mapping *rq, struct edit_mapping_hit *hit)
{
	for (size_t i = l->first_dir; i < l->first_dir + l->ndir; i++) {
		const struct mf_m2o *o;

		if (MF_DIR_KIND(mf->dirs[i]) != MF_M2O_ADD)
			continue;
		o = &mf->m2o[MF_DIR_INDEX(mf->dirs[i])];
		if (ascii_casecmp(o->m.name, rq->name) != 0)
			continue;
		hit->count++;
		hit->mapping = &o->m;
		hit->span = o->span;
	}
}

void edit_mapping_find(const struct mapfile *mf, const struct edit_mapping *rq,
		       struct edit_mapping_hit *hit)
{
	const struct mf_level *l = where_level(mf, rq->location);

	memset(hit, 0, sizeof(*hit));
	hit->span = MF_NO_SPAN;
	if (l != NULL)
		level_hits(mf, l, rq, hit);
}

/* Does level L hold a mapping of that name?  For where_elsewhere. */
static int level_has(const void *ctx, const struct mapfile *mf, const struct mf_level *l)
{
	struct edit_mapping_hit h = { 0, NULL, MF_NO_SPAN };

	level_hits(mf, l, ctx, &h);
	return h.count > 0;
}

/* NAME="VALUE" with a space before it; -1 when VALUE cannot be written. */
static int put_attr(struct sbuf *o, const struct doc *d, const char *name, const char *value)
{
	sb_puts(o, " ");
	sb_puts(o, name);
	sb_puts(o, "=\"");
	if (sb_attr(o, value, d->utf8) != 0)
		return -1;
	sb_puts(o, "\"");
	return 0;
}

static void put_line_start(struct sbuf *o, const struct doc *d, const char *indent, int steps)
{
	sb_puts(o, indent);
	for (int i = 0; i < steps; i++)
		sb_puts(o, d->unit);
}

static int put_rule(struct sbuf *o, const struct doc *d, const char *indent,
		    const struct edit_mapping *rq, const struct edit_rule *r)
{
	put_line_start(o, d, indent, 2);
	sb_puts(o, "<add");
	if (put_attr(o, d, "certificateField",
		     r->field == MAPFILE_FIELD_SUBJECT ? "Subject" : "Issuer") != 0 ||
	    put_attr(o, d, "certificateSubField", r->subfield) != 0 ||
	    put_attr(o, d, "matchCriteria", r->criteria) != 0)
		return -1;
	if (rq->case_insensitive)
		sb_puts(o, " compareCaseSensitive=\"false\"");
	sb_puts(o, " />");
	sb_puts(o, d->eol);
	return 0;
}

/* The canonical mapping: its <add>, <rules> and the rules, as whole lines. */
static int put_mapping(struct sbuf *o, const struct doc *d, const char *indent, const void *ctx,
		       char *why, size_t whylen)
{
	const struct edit_mapping *rq = ctx;

	put_line_start(o, d, indent, 0);
	sb_puts(o, "<add");
	if (put_attr(o, d, "name", rq->name) != 0 ||
	    (rq->description != NULL && put_attr(o, d, "description", rq->description) != 0) ||
	    (rq->user != NULL && put_attr(o, d, "userName", rq->user) != 0))
		goto bad;
	sb_puts(o, rq->deny ? " permissionMode=\"Deny\"" : " permissionMode=\"Allow\"");
	if (rq->disabled)
		sb_puts(o, " enabled=\"false\"");
	sb_puts(o, ">");
	sb_puts(o, d->eol);
	put_line_start(o, d, indent, 1);
	sb_puts(o, "<rules>");
	sb_puts(o, d->eol);
	for (size_t i = 0; i < rq->nrules; i++)
		if (put_rule(o, d, indent, rq, &rq->rules[i]) != 0)
			goto bad;
	put_line_start(o, d, indent, 1);
	sb_puts(o, "</rules>");
	sb_puts(o, d->eol);
	put_line_start(o, d, indent, 0);
	sb_puts(o, "</add>");
	sb_puts(o, d->eol);
	return 0;
bad:
	snprintf(why, whylen, "a name, description, userName or rule is not UTF-8 text without "
		 "control characters");
	return -1;
}

enum edit_status edit_mapping_apply(const char *old, size_t len, const struct mapfile *mf,
				    const struct edit_mapping *rq, struct edit_result *res)
{
	struct edit_mapping_hit hit;
	const struct mf_span *e;
	struct doc d;

	memset(res, 0, sizeof(*res));
	if (old == NULL || mf == NULL)
		return where_new_document(rq->location, WHERE_M2O, put_mapping, rq, res);
	if (doc_refuse_utf16(old, len, res) != EDIT_OK)
		return EDIT_REFUSED;
	edit_mapping_find(mf, rq, &hit);
	doc_layout(&d, old, len, mf->utf8);
	res->line = hit.mapping != NULL ? hit.mapping->line : 0;
	res->count = hit.count;
	if (rq->op == EDIT_ADD)
		return where_insert(&d, mf, rq->location, WHERE_M2O, put_mapping, rq, res);
	if (hit.count == 0)
		return where_elsewhere(mf, rq->location, level_has, rq, &res->elsewhere) != 0 ?
		       EDIT_NOMEM : EDIT_NOT_FOUND;
	if (hit.mapping == NULL || hit.span == MF_NO_SPAN || hit.span >= mf->nspans) {
		snprintf(res->why, sizeof(res->why), "the mapping's place in the file is unknown");
		return EDIT_REFUSED;
	}
	e = &mf->spans[hit.span];
	if (rq->op == EDIT_REMOVE)
		return doc_remove(&d, e, res);
	return attr_set_enabled(&d, e, rq->op == EDIT_ENABLE, hit.mapping->enabled, res);
}
