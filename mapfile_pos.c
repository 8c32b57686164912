/* mapfile_pos.c - where the elements stand in the bytes, recorded during the
 * one parse when certmap's editor asks (mapfile_params.positions). */
#include "config.h"
#include "ascii.h"
#include "mapfile_parse.h"

#include <stdlib.h>
#include <string.h>

/* A new span for the element whose start tag expat is at; MF_NO_SPAN (and
 * the parse failed) when memory runs out. */
static uint32_t span_open(struct pstate *s)
{
	struct mapfile *mf = s->mf;
	struct mf_span *sp;

	if (mf->nspans >= MF_NO_SPAN ||
	    mf_grow((void **)&mf->spans, &mf->capspans, mf->nspans, sizeof(*sp)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return MF_NO_SPAN;
	}
	sp = &mf->spans[mf->nspans];
	memset(sp, 0, sizeof(*sp));
	sp->start = (size_t)XML_GetCurrentByteIndex(s->p);
	sp->tag_end = sp->start + (size_t)XML_GetCurrentByteCount(s->p);
	return (uint32_t)mf->nspans++;
}

uint32_t mf_top_span(const struct pstate *s)
{
	return s->positions && s->sp > 0 ? s->span_of[s->sp - 1] : MF_NO_SPAN;
}

void mf_pos_child(struct pstate *s)
{
	uint32_t parent = mf_top_span(s);

	if (parent == MF_NO_SPAN)
		return;
	s->mf->spans[parent].has_child = 1;
	s->mf->spans[parent].last_child = (size_t)XML_GetCurrentByteIndex(s->p);
}

void mf_pos_push(struct pstate *s)
{
	s->span_of[s->sp - 1] = span_open(s);
}

void mf_pos_pop(struct pstate *s, uint32_t span)
{
	struct mf_span *sp;
	int n;

	if (span == MF_NO_SPAN)
		return;
	sp = &s->mf->spans[span];
	n = XML_GetCurrentByteCount(s->p);
	/* No bytes: the end of an empty-element tag <x/>. */
	sp->empty = n == 0;
	sp->close = n == 0 ? sp->tag_end : (size_t)XML_GetCurrentByteIndex(s->p);
	sp->end = sp->close + (size_t)n;
}

/* The root <configuration> (PATH NULL) or a <location>, just pushed. */
void mf_pos_place(struct pstate *s, const char *path)
{
	struct mapfile *mf = s->mf;
	struct mf_place *pl;

	if (!s->positions)
		return;
	if (mf_grow((void **)&mf->places, &mf->capplaces, mf->nplaces, sizeof(*pl)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	pl = &mf->places[mf->nplaces];
	pl->path = NULL;
	pl->el = mf_top_span(s);
	pl->sysweb = pl->security = pl->authn = MF_NO_SPAN;
	if (path != NULL && (pl->path = strdup(path)) == NULL) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	s->place = (uint32_t)mf->nplaces++;
}

/* A step down to the section (C the step, just pushed): the first of each
 * kind inside the place's first of the kind before. */
void mf_pos_step(struct pstate *s, enum mf_ctx c)
{
	struct mf_place *pl;
	uint32_t *slot, parent;

	if (!s->positions || s->place == MF_NO_SPAN || s->sp < 2)
		return;
	pl = &s->mf->places[s->place];
	parent = s->span_of[s->sp - 2];
	if (c == C_SYSWEB) {
		slot = parent == pl->el ? &pl->sysweb : NULL;
	} else if (c == C_SECURITY) {
		slot = parent == pl->sysweb ? &pl->security : NULL;
	} else {
		slot = parent == pl->security ? &pl->authn : NULL;
	}
	if (slot != NULL && *slot == MF_NO_SPAN)
		*slot = mf_top_span(s);
}

void mf_pos_collection(struct pstate *s, enum mf_ctx c)
{
	uint32_t span = mf_top_span(s);

	if (span == MF_NO_SPAN)
		return;
	if (c == C_O2O)
		s->mf->levels[s->level].o2o_span = span;
	else if (c == C_M2O)
		s->mf->levels[s->level].m2o_span = span;
	else if (c == C_RULES && s->mf->nm2o > 0)
		s->mf->m2o[s->mf->nm2o - 1].rules_span = span;
}

static void decl_handler(void *ud, const XML_Char *version, const XML_Char *encoding,
			 int standalone)
{
	struct pstate *s = ud;

	(void)version;
	(void)standalone;
	/* New text may stay UTF-8 only in a UTF-8 document; else the editor
	 * writes character references. */
	s->mf->utf8 = encoding == NULL || ascii_casecmp(encoding, "UTF-8") == 0;
}

void mf_pos_begin(struct pstate *s)
{
	s->positions = s->a->params->positions != 0;
	s->place = MF_NO_SPAN;
	s->mf->utf8 = 1;
	if (s->positions)
		XML_SetXmlDeclHandler(s->p, decl_handler);
}

void mf_pos_free(struct mapfile *mf)
{
	for (size_t i = 0; i < mf->nplaces; i++)
		free(mf->places[i].path);
	free(mf->places);
	free(mf->spans);
	free(mf->o2o_spans);
}
