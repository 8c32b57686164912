/* edit.c - certmap add, remove, enable and disable on a parsed document: the
 * entries of a level found in the model, spliced where the parser saw them. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "certmap/attrlex.h"
#include "certmap/edit.h"
#include "certmap/where.h"

void edit_load_init(struct edit_load *l, const struct edit_request *rq, int positions)
{
	memset(l, 0, sizeof(*l));
	l->der[0] = rq->der;
	l->len[0] = rq->der_len;
	l->p.cand_der = l->der;
	l->p.cand_len = l->len;
	l->p.ncand = rq->der != NULL;
	/* Only the kept values can be hashed. */
	l->p.keep_all = rq->der == NULL;
	l->p.positions = positions;
}

/* Does entry E's value decode to a DER whose SHA-256 is SHA?  -1 when
 * memory runs out. */
static int sha_matches(const struct mapfile_entry *e, const unsigned char *sha)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t n;
	unsigned char *der;
	int dlen, ok = 0;

	if (e->dead != MAPFILE_LIVE || e->certificate == NULL)
		return 0;
	n = strlen(e->certificate);
	if (n > INT_MAX || (der = malloc(n / 4 * 3 + 1)) == NULL)
		return n > INT_MAX ? 0 : -1;
	dlen = EVP_DecodeBlock(der, (const unsigned char *)e->certificate, (int)n);
	/* EVP_DecodeBlock counts the bytes of the padding too. */
	for (size_t i = n; dlen > 0 && i > 0 && e->certificate[i - 1] == '='; i--)
		dlen--;
	if (dlen > 0 && EVP_Digest(der, (size_t)dlen, md, &mdlen, EVP_sha256(), NULL) == 1)
		ok = mdlen == EDIT_SHA256_LEN && memcmp(md, sha, mdlen) == 0;
	free(der);
	return ok;
}

static int entry_matches(const struct mapfile_entry *e, const struct edit_request *rq)
{
	return rq->der != NULL ? e->cand == 0 : sha_matches(e, rq->sha256);
}

/* The kept entries of level L that hold RQ's certificate, into HIT. */
static int level_hits(const struct mapfile *mf, const struct mf_level *l,
		      const struct edit_request *rq, struct edit_hit *hit)
{
	for (size_t i = l->first_dir; i < l->first_dir + l->ndir; i++) {
		uint32_t idx = MF_DIR_INDEX(mf->dirs[i]), ei;
		int r;

		if (MF_DIR_KIND(mf->dirs[i]) != MF_O2O_ADD ||
		    (ei = mf->o2o[idx].entry) == MF_NO_ENTRY)
			continue;
		r = entry_matches(&mf->entries[ei], rq);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;
		hit->count++;
		hit->entry = &mf->entries[ei];
		hit->span = mf->o2o_spans != NULL ? mf->o2o_spans[idx] : MF_NO_SPAN;
	}
	return 0;
}

int edit_find(const struct mapfile *mf, const struct edit_request *rq, struct edit_hit *hit)
{
	const struct mf_level *l = where_level(mf, rq->location);

	memset(hit, 0, sizeof(*hit));
	hit->span = MF_NO_SPAN;
	return l != NULL ? level_hits(mf, l, rq, hit) : 0;
}

/* Does level L hold the certificate?  For where_elsewhere. */
static int level_has(const void *ctx, const struct mapfile *mf, const struct mf_level *l)
{
	struct edit_hit h = { 0, NULL, MF_NO_SPAN };

	if (level_hits(mf, l, ctx, &h) != 0)
		return -1;
	return h.count > 0;
}

/* The canonical <add> of an add request, as one line. */
static int put_add(struct sbuf *o, const struct doc *d, const char *indent, const void *ctx,
		   char *why, size_t whylen)
{
	const struct edit_request *rq = ctx;
	char *canon;

	if (rq->der_len > INT_MAX / 2 || (canon = malloc(rq->der_len / 3 * 4 + 5)) == NULL) {
		o->err = 1;
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)canon, rq->der, (int)rq->der_len);
	sb_puts(o, indent);
	sb_puts(o, "<add userName=\"");
	if (sb_attr(o, rq->user, d->utf8) != 0) {
		snprintf(why, whylen, "the user name is not UTF-8 text without control characters");
		free(canon);
		return -1;
	}
	sb_puts(o, "\" certificate=\"");
	sb_puts(o, canon);
	sb_puts(o, rq->disabled ? "\" enabled=\"false\" />" : "\" />");
	sb_puts(o, d->eol);
	free(canon);
	return 0;
}

/* Remove, enable or disable the last entry of HIT. */
static enum edit_status change(const struct doc *d, const struct mapfile *mf,
			       const struct edit_request *rq, const struct edit_hit *hit,
			       struct edit_result *res)
{
	const struct mf_span *e;

	if (hit->entry == NULL || hit->span == MF_NO_SPAN || hit->span >= mf->nspans) {
		snprintf(res->why, sizeof(res->why), "the entry's place in the file is unknown");
		return EDIT_REFUSED;
	}
	e = &mf->spans[hit->span];
	if (rq->op == EDIT_REMOVE)
		return doc_remove(d, e, res);
	return attr_set_enabled(d, e, rq->op == EDIT_ENABLE, hit->entry->enabled, res);
}

enum edit_status edit_apply(const char *old, size_t len, const struct mapfile *mf,
			    const struct edit_request *rq, struct edit_result *res)
{
	struct edit_hit hit;
	struct doc d;

	memset(res, 0, sizeof(*res));
	if (old == NULL || mf == NULL)
		return where_new_document(rq->location, WHERE_O2O, put_add, rq, res);
	if (doc_refuse_utf16(old, len, res) != EDIT_OK)
		return EDIT_REFUSED;
	if (edit_find(mf, rq, &hit) != 0)
		return EDIT_NOMEM;
	doc_layout(&d, old, len, mf->utf8);
	res->line = hit.entry != NULL ? hit.entry->line : 0;
	res->count = hit.count;
	if (rq->op == EDIT_ADD)
		return where_insert(&d, mf, rq->location, WHERE_O2O, put_add, rq, res);
	if (hit.count == 0) {
		if (where_elsewhere(mf, rq->location, level_has, rq, &res->elsewhere) != 0)
			return EDIT_NOMEM;
		return EDIT_NOT_FOUND;
	}
	return change(&d, mf, rq, &hit, res);
}

void edit_result_free(struct edit_result *res)
{
	free(res->buf);
	free(res->elsewhere);
	res->buf = NULL;
	res->elsewhere = NULL;
}
