/* mapindex_dec.c - index records back into a model for one location and its
 * candidates: what the module's queries need, every byte checked, so that a
 * record that is not what it claims sends the caller to the file itself. */
#include "config.h"
#include "ascii.h"
#include "certname.h"
#include "mapfile_model.h"
#include "mapindex_rec.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A section attribute as a byte: 0, 1, or 255 when not given. */
#define MI_UNSET 255
/* The least bytes of a counted item: a directive, a rule, an entry. */
#define MIN_DIR 9
#define MIN_RULE 22
#define MIN_ENTRY 20

/* A directive of the model, before the directives are put in order. */
struct pending {
	uint32_t level, pos;  /* the model's level, and the position among the file's */
	mf_dir dir;
};

struct dec {
	const struct mi_source *src;
	const char *location;
	struct mapfile *mf;
	struct mapfile_error *err;
	struct mlevel {
		uint32_t id;        /* the index's id of the model's level */
		uint32_t ndir;      /* how many directives the file's level has */
	} *lv;                  /* one per level of the model */
	size_t caplv;
	struct pending *pend;
	size_t npend, cappend;
	enum mapfile_status st;
};

static void fail(struct dec *d, enum mapfile_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct dec *d, enum mapfile_status st, const char *fmt, ...)
{
	va_list ap;

	if (d->st != MAPFILE_OK)
		return;
	d->st = st;
	d->err->status = st;
	d->err->line = d->err->column = 0;
	va_start(ap, fmt);
	vsnprintf(d->err->reason, sizeof(d->err->reason), fmt, ap);
	va_end(ap);
}

/* After a record: NOMEM, or corrupt when it did not end where it should. */
static int cur_done(struct dec *d, const struct mi_cur *c, const char *what)
{
	if (c->nomem)
		fail(d, MAPFILE_NOMEM, "out of memory");
	else if (c->bad || c->left != 0)
		fail(d, MAPFILE_IO, "the index's %s record is corrupt", what);
	return d->st == MAPFILE_OK ? 0 : -1;
}

/* The record under KEY, its checksum checked: 1, 0 when absent, -1. */
static int get(struct dec *d, const void *key, size_t klen, unsigned char **v, size_t *len)
{
	int r = d->src->get(d->src->ctx, key, klen, v, len);

	if (r < 0) {
		fail(d, MAPFILE_IO, "the index cannot be read");
		return -1;
	}
	if (r == 1 && mi_unseal(d->src->build, key, klen, *v, len) != 0) {
		free(*v);
		*v = NULL;
		fail(d, MAPFILE_IO, "a record of the index does not match its checksum");
		return -1;
	}
	return r;
}

static void pend(struct dec *d, uint32_t level, uint32_t pos, mf_dir dir)
{
	if (mf_grow((void **)&d->pend, &d->cappend, d->npend, sizeof(*d->pend)) != 0) {
		fail(d, MAPFILE_NOMEM, "out of memory");
		return;
	}
	d->pend[d->npend++] = (struct pending){ level, pos, dir };
}

/* ----------------------------------------------------------------- levels */

static int attr_of(struct mi_cur *c)
{
	uint8_t v = mi_get_u8(c);

	if (v == MI_UNSET)
		return MF_UNSET;
	if (v > 1)
		c->bad = 1;
	return v;
}

static int flag_of(struct mi_cur *c)
{
	uint8_t v = mi_get_u8(c);

	if (v > 1)
		c->bad = 1;
	return v;
}

static void clear_dir(struct dec *d, struct mi_cur *c, uint32_t level, uint32_t pos,
		      enum mf_dir_kind kind)
{
	struct mapfile *mf = d->mf;

	if (mf_grow((void **)&mf->clears, &mf->capclears, mf->nclears, sizeof(*mf->clears)) != 0) {
		c->nomem = 1;
		return;
	}
	mf->clears[mf->nclears].line = mi_get_u32(c);
	mf->clears[mf->nclears].column = mi_get_u32(c);
	pend(d, level, pos, MF_DIR(kind, mf->nclears));
	mf->nclears++;
}

static void rule(struct dec *d, struct mi_cur *c)
{
	struct mapfile *mf = d->mf;
	struct mapfile_rule *r;

	if (mf_grow((void **)&mf->rules, &mf->caprules, mf->nrules, sizeof(*r)) != 0) {
		c->nomem = 1;
		return;
	}
	r = &mf->rules[mf->nrules++];
	memset(r, 0, sizeof(*r));
	r->line = mi_get_u32(c);
	r->column = mi_get_u32(c);
	r->field = flag_of(c) ? MAPFILE_FIELD_ISSUER : MAPFILE_FIELD_SUBJECT;
	r->subfield = (int)mi_get_u32(c);
	r->subfield_name = mi_get_str(c);
	r->criteria = mi_get_str(c);
	r->case_sensitive = flag_of(c);
	/* The matcher indexes its table with the sub-field: it must be the name's. */
	if (r->subfield_name != NULL && certname_subfield(r->subfield_name) != r->subfield)
		c->bad = 1;
	if (r->criteria == NULL)
		c->bad = 1;
}

static void mapping_dir(struct dec *d, struct mi_cur *c, uint32_t level, uint32_t pos)
{
	struct mapfile *mf = d->mf;
	struct mapfile_mapping *m;
	uint32_t nrules;

	if (mf_grow((void **)&mf->m2o, &mf->capm2o, mf->nm2o, sizeof(*mf->m2o)) != 0) {
		c->nomem = 1;
		return;
	}
	memset(&mf->m2o[mf->nm2o], 0, sizeof(*mf->m2o));
	mf->m2o[mf->nm2o].span = mf->m2o[mf->nm2o].rules_span = MF_NO_SPAN;
	m = &mf->m2o[mf->nm2o++].m;
	m->line = mi_get_u32(c);
	m->column = mi_get_u32(c);
	m->name = mi_get_str(c);
	m->description = mi_get_optstr(c);
	m->user_name = mi_get_optstr(c);
	m->enabled = flag_of(c);
	m->deny = flag_of(c);
	m->has_password = flag_of(c);
	m->password_plain = flag_of(c);
	nrules = mi_get_u32(c);
	if (m->name == NULL || !mi_count_fits(c, nrules, MIN_RULE))
		c->bad = 1;
	m->first_rule = mf->nrules;
	for (uint32_t i = 0; i < nrules && !c->bad && !c->nomem; i++)
		rule(d, c);
	m->nrules = mf->nrules - m->first_rule;
	pend(d, level, pos, MF_DIR(MF_M2O_ADD, mf->nm2o - 1));
}

static void directives(struct dec *d, struct mi_cur *c, uint32_t level, uint32_t ndir)
{
	uint32_t n = mi_get_u32(c);

	if (!mi_count_fits(c, n, MIN_DIR) || n > ndir)
		return;
	for (uint32_t i = 0; i < n && !c->bad && !c->nomem && d->st == MAPFILE_OK; i++) {
		uint8_t kind = mi_get_u8(c);
		uint32_t pos = mi_get_u32(c);

		if (pos >= ndir) {
			c->bad = 1;
			return;
		}
		switch (kind) {
		case MF_O2O_CLEAR:
		case MF_M2O_CLEAR:
			clear_dir(d, c, level, pos, (enum mf_dir_kind)kind);
			break;
		case MF_M2O_ADD:
			mapping_dir(d, c, level, pos);
			break;
		default:
			c->bad = 1;
			return;
		}
	}
}

/* Is the record's level the one asked for: its path, lower case, the key's,
 * of DEPTH segments, and applying to the location?  Its id not seen yet? */
static int level_fits(const struct dec *d, const struct mf_level *l, const char *key,
		      size_t depth, uint32_t id)
{
	size_t n = strlen(l->norm);

	if (l->nseg != depth || n != strlen(key + 1) || ascii_ncasecmp(l->norm, key + 1, n) != 0 ||
	    !mapfile_path_applies(l->norm, d->location))
		return 0;
	for (size_t i = 0; d->lv != NULL && i + 1 < d->mf->nlevels; i++)
		if (d->lv[i].id == id)
			return 0;
	return 1;
}

static void level_body(struct dec *d, struct mi_cur *c, const char *key, size_t depth)
{
	struct mapfile *mf = d->mf;
	size_t li = mf->nlevels;
	struct mf_level *l;
	uint32_t id, ndir;

	if (mf_grow((void **)&mf->levels, &mf->caplevels, li, sizeof(*l)) != 0 ||
	    mf_grow((void **)&d->lv, &d->caplv, li, sizeof(*d->lv)) != 0) {
		c->nomem = 1;
		return;
	}
	l = &mf->levels[mf->nlevels++];
	memset(l, 0, sizeof(*l));
	l->place = l->section_span = l->o2o_span = l->m2o_span = MF_NO_SPAN;
	id = mi_get_u32(c);
	l->path = mi_get_str(c);
	l->norm = mi_get_str(c);
	l->nseg = mi_get_u32(c);
	l->line = mi_get_u32(c);
	l->column = mi_get_u32(c);
	l->enabled = attr_of(c);
	l->o2o_enabled = attr_of(c);
	l->m2o_enabled = attr_of(c);
	l->default_logon_domain = mi_get_optstr(c);
	ndir = mi_get_u32(c);
	if (c->bad || c->nomem || l->path == NULL || l->norm == NULL ||
	    !level_fits(d, l, key, depth, id)) {
		c->bad = c->bad || !c->nomem;
		return;
	}
	d->lv[li].id = id;
	d->lv[li].ndir = ndir;
	directives(d, c, (uint32_t)li, ndir);
}

/* The level of KEY (KLEN bytes, NUL-terminated), DEPTH segments deep. */
static void level(struct dec *d, const char *key, size_t klen, size_t depth)
{
	unsigned char *v = NULL;
	size_t len = 0;
	struct mi_cur c;

	if (get(d, key, klen, &v, &len) <= 0)
		return;
	c = (struct mi_cur){ v, len, 0, 0 };
	level_body(d, &c, key, depth);
	cur_done(d, &c, "level");
	free(v);
}

/* Every level that applies to the location: "L", then "L" and one more
 * segment of it at a time. */
static void levels(struct dec *d)
{
	size_t cap = strlen(d->location) + 2, klen = 1, depth = 0, n;
	char *key = malloc(cap);
	const char *q = d->location, *seg;

	if (key == NULL) {
		fail(d, MAPFILE_NOMEM, "out of memory");
		return;
	}
	key[0] = MI_KEY_LEVEL;
	key[1] = '\0';
	level(d, key, klen, depth);
	while (d->st == MAPFILE_OK && mf_next_seg(&q, &seg, &n)) {
		if (depth > 0)
			key[klen++] = '/';
		for (size_t i = 0; i < n; i++)
			key[klen++] = (char)ascii_lower((unsigned char)seg[i]);
		key[klen] = '\0';
		level(d, key, klen, ++depth);
	}
	free(key);
}

/* ----------------------------------------------------------- certificates */

/* The model's level of index id ID, or -1 (the entry is at a level that
 * does not apply). */
static const struct mlevel *level_of(const struct dec *d, uint32_t id)
{
	for (size_t i = 0; d->lv != NULL && i < d->mf->nlevels; i++)
		if (d->lv[i].id == id)
			return &d->lv[i];
	return NULL;
}

static void entry(struct dec *d, struct mi_cur *c, int cand)
{
	struct mapfile *mf = d->mf;
	uint32_t id = mi_get_u32(c), pos = mi_get_u32(c);
	struct mapfile_entry e;
	const struct mlevel *ml;

	memset(&e, 0, sizeof(e));
	e.line = mi_get_u32(c);
	e.column = mi_get_u32(c);
	e.enabled = flag_of(c);
	e.has_password = flag_of(c);
	e.password_plain = flag_of(c);
	e.user_name = mi_get_optstr(c);
	e.cand = cand;
	ml = level_of(d, id);
	/* An entry at a level that does not apply to the location is not asked for. */
	if (c->bad || c->nomem || ml == NULL)
		goto drop;
	if (pos >= ml->ndir) {
		c->bad = 1;
		goto drop;
	}
	if (mf_grow((void **)&mf->entries, &mf->capentries, mf->nentries, sizeof(e)) != 0 ||
	    mf_grow((void **)&mf->o2o, &mf->capo2o, mf->no2o, sizeof(*mf->o2o)) != 0) {
		c->nomem = 1;
		goto drop;
	}
	memset(&mf->o2o[mf->no2o], 0, sizeof(*mf->o2o));
	mf->o2o[mf->no2o].line = (uint32_t)e.line;
	mf->o2o[mf->no2o].column = (uint32_t)e.column;
	mf->o2o[mf->no2o].entry = (uint32_t)mf->nentries;
	mf->entries[mf->nentries++] = e;
	pend(d, (uint32_t)(ml - d->lv), pos, MF_DIR(MF_O2O_ADD, mf->no2o));
	mf->no2o++;
	return;
drop:
	free(e.user_name);
}

static void cert(struct dec *d, const unsigned char key[MI_CERT_KEY_LEN], int cand)
{
	unsigned char *v = NULL;
	size_t len = 0;
	struct mi_cur c;
	uint32_t n;

	if (get(d, key, MI_CERT_KEY_LEN, &v, &len) <= 0)
		return;
	c = (struct mi_cur){ v, len, 0, 0 };
	n = mi_get_u32(&c);
	if (mi_count_fits(&c, n, MIN_ENTRY))
		for (uint32_t i = 0; i < n && !c.bad && !c.nomem && d->st == MAPFILE_OK; i++)
			entry(d, &c, cand);
	cur_done(d, &c, "certificate");
	free(v);
}

/* A candidate's key: the SHA-256 of its DER's canonical base64. */
static int cand_key(const unsigned char *der, size_t len, unsigned char key[MI_CERT_KEY_LEN])
{
	size_t n = 4 * ((len + 2) / 3);
	char *b64 = len <= ((size_t)1 << 28) ? malloc(n + 1) : NULL;
	int rc = -1;

	key[0] = MI_KEY_CERT;
	if (b64 != NULL) {
		n = (size_t)EVP_EncodeBlock((unsigned char *)b64, der, (int)len);
		rc = mf_key_of(b64, n, key + 1);
	}
	free(b64);
	return rc;
}

/* Each distinct candidate's entries; a candidate given twice is the first,
 * as the parser has it. */
static void certs(struct dec *d, const struct mapfile_params *p)
{
	unsigned char (*keys)[MI_CERT_KEY_LEN] = calloc(p->ncand ? p->ncand : 1, sizeof(*keys));

	if (keys == NULL) {
		fail(d, MAPFILE_NOMEM, "out of memory");
		return;
	}
	for (size_t i = 0; i < p->ncand && d->st == MAPFILE_OK; i++) {
		if (cand_key(p->cand_der[i], p->cand_len[i], keys[i]) != 0) {
			fail(d, MAPFILE_NOMEM, "cannot compute a certificate's key");
			break;
		}
		int dup = 0;

		for (size_t j = 0; j < i && !dup; j++)
			dup = memcmp(keys[j], keys[i], MI_CERT_KEY_LEN) == 0;
		if (!dup)
			cert(d, keys[i], (int)i);
	}
	free(keys);
}

/* ------------------------------------------------------------- assembly */

static int by_place(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The directives in order, level by level; two at one place are corrupt. */
static void assemble(struct dec *d)
{
	struct mapfile *mf = d->mf;
	size_t k = 0;

	if (d->npend > 0)
		qsort(d->pend, d->npend, sizeof(*d->pend), by_place);
	mf->dirs = malloc((d->npend ? d->npend : 1) * sizeof(*mf->dirs));
	if (mf->dirs == NULL) {
		fail(d, MAPFILE_NOMEM, "out of memory");
		return;
	}
	mf->capdirs = d->npend ? d->npend : 1;
	for (size_t li = 0; li < mf->nlevels; li++) {
		mf->levels[li].first_dir = k;
		for (; k < d->npend && d->pend[k].level == li; k++) {
			if (k > mf->levels[li].first_dir && d->pend[k].pos == d->pend[k - 1].pos) {
				fail(d, MAPFILE_IO, "the index puts two directives at one place");
				return;
			}
			mf->dirs[k] = d->pend[k].dir;
		}
		mf->levels[li].ndir = k - mf->levels[li].first_dir;
	}
	mf->ndirs = k;
}

enum mapfile_status mi_answer(const struct mi_source *src, const char *location,
			      const struct mapfile_params *p, struct mapfile **out,
			      struct mapfile_error *err)
{
	struct dec d;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	memset(&d, 0, sizeof(d));
	d.src = src;
	d.location = location;
	d.err = err;
	d.mf = calloc(1, sizeof(*d.mf));
	if (d.mf == NULL) {
		fail(&d, MAPFILE_NOMEM, "out of memory");
		return d.st;
	}
	d.mf->utf8 = 1;
	levels(&d);
	if (d.st == MAPFILE_OK)
		certs(&d, p);
	if (d.st == MAPFILE_OK)
		assemble(&d);
	if (d.st == MAPFILE_OK) {
		*out = d.mf;
		d.mf = NULL;
	}
	mapfile_free(d.mf);
	free(d.lv);
	free(d.pend);
	return d.st;
}

/* ----------------------------------------------------------------- header */

int mi_header_decode(const unsigned char *v, size_t len, struct mi_header *h)
{
	const char hkey = MI_KEY_HEADER;
	struct mi_cur c;
	unsigned char magic[4];
	char *reason;

	memset(h, 0, sizeof(*h));
	/* The checksum's build is the header's own, just after magic and version. */
	if (len < 8 + MI_BUILD_LEN)
		return -1;
	memcpy(h->build, v + 8, MI_BUILD_LEN);
	if (mi_unseal(h->build, &hkey, 1, v, &len) != 0)
		return -1;
	c = (struct mi_cur){ v, len, 0, 0 };
	mi_get_bytes(&c, magic, sizeof(magic));
	h->version = mi_get_u32(&c);
	if (memcmp(magic, "CMIX", 4) != 0 || h->version != MI_VERSION)
		return -1;
	mi_get_bytes(&c, h->build, MI_BUILD_LEN);
	h->id.dev = mi_get_u64(&c);
	h->id.ino = mi_get_u64(&c);
	h->id.size = mi_get_u64(&c);
	h->id.mtime.sec = (int64_t)mi_get_u64(&c);
	h->id.mtime.nsec = mi_get_u32(&c);
	h->id.ctime.sec = (int64_t)mi_get_u64(&c);
	h->id.ctime.nsec = mi_get_u32(&c);
	h->probe_dev = mi_get_u64(&c);
	h->probe.sec = (int64_t)mi_get_u64(&c);
	h->probe.nsec = mi_get_u32(&c);
	mi_get_bytes(&c, h->digest, MI_DIGEST_LEN);
	h->verdict.status = (enum mapfile_status)mi_get_u32(&c);
	h->verdict.line = mi_get_u32(&c);
	h->verdict.column = mi_get_u32(&c);
	reason = mi_get_str(&c);
	if (reason == NULL)
		return -1;
	snprintf(h->verdict.reason, sizeof(h->verdict.reason), "%s", reason);
	free(reason);
	h->nlevels = mi_get_u32(&c);
	h->nentries = mi_get_u32(&c);
	h->nmappings = mi_get_u32(&c);
	if (c.bad || c.nomem || c.left != 0)
		return -1;
	/* Only two verdicts are written: valid, or invalid with a reason. */
	if (h->verdict.status != MAPFILE_OK && h->verdict.status != MAPFILE_INVALID)
		return -1;
	return 0;
}
