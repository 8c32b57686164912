/* mapindex_enc.c - a model loaded with keys, as index records: the header,
 * one record per level, one per certificate with every entry that holds it. */
#include "config.h"
#include "ascii.h"
#include "mapfile_model.h"
#include "mapindex_rec.h"

#include <stdlib.h>
#include <string.h>

/* A section attribute as a byte: 0, 1, or 255 when not given. */
#define MI_UNSET 255

struct enc {
	const struct mapfile *mf;
	const unsigned char *build;
	mi_put_fn put;
	void *ctx;
};

/* Seal B under KEY and hand it to PUT; B is emptied for the next record. */
static int emit(struct enc *e, struct mi_buf *b, const void *key, size_t klen)
{
	int rc = -1;

	if (mi_seal(b, e->build, key, klen) == 0)
		rc = e->put(e->ctx, key, klen, b->p, b->len);
	b->len = 0;
	return rc;
}

static void put_header(struct mi_buf *b, const struct mi_header *h)
{
	const struct fileid *id = &h->id;

	mi_put_bytes(b, "CMIX", 4);
	mi_put_u32(b, h->version);
	mi_put_bytes(b, h->build, MI_BUILD_LEN);
	mi_put_u64(b, id->dev);
	mi_put_u64(b, id->ino);
	mi_put_u64(b, id->size);
	mi_put_u64(b, (uint64_t)id->mtime.sec);
	mi_put_u32(b, id->mtime.nsec);
	mi_put_u64(b, (uint64_t)id->ctime.sec);
	mi_put_u32(b, id->ctime.nsec);
	mi_put_u64(b, h->probe_dev);
	mi_put_u64(b, (uint64_t)h->probe.sec);
	mi_put_u32(b, h->probe.nsec);
	mi_put_bytes(b, h->digest, MI_DIGEST_LEN);
	mi_put_u32(b, (uint32_t)h->verdict.status);
	mi_put_u32(b, (uint32_t)h->verdict.line);
	mi_put_u32(b, (uint32_t)h->verdict.column);
	mi_put_str(b, h->verdict.reason);
	mi_put_u32(b, h->nlevels);
	mi_put_u32(b, h->nentries);
	mi_put_u32(b, h->nmappings);
}

static unsigned attr_byte(int v)
{
	return v == MF_UNSET ? MI_UNSET : (unsigned)(v != 0);
}

static void put_mapping(struct mi_buf *b, const struct mapfile *mf, const struct mapfile_mapping *m)
{
	const struct mapfile_rule *r = mapfile_mapping_rules(mf, m);

	mi_put_u32(b, (uint32_t)m->line);
	mi_put_u32(b, (uint32_t)m->column);
	mi_put_str(b, m->name);
	mi_put_optstr(b, m->description);
	mi_put_optstr(b, m->user_name);
	mi_put_u8(b, m->enabled != 0);
	mi_put_u8(b, m->deny != 0);
	mi_put_u8(b, m->has_password != 0);
	mi_put_u8(b, m->password_plain != 0);
	mi_put_u32(b, (uint32_t)m->nrules);
	for (size_t i = 0; i < m->nrules; i++) {
		mi_put_u32(b, (uint32_t)r[i].line);
		mi_put_u32(b, (uint32_t)r[i].column);
		mi_put_u8(b, r[i].field == MAPFILE_FIELD_ISSUER);
		mi_put_u32(b, (uint32_t)r[i].subfield);
		mi_put_str(b, r[i].subfield_name);
		mi_put_str(b, r[i].criteria);
		mi_put_u8(b, r[i].case_sensitive != 0);
	}
}

/* Every directive of level L but its one-to-one <add>s (those are under
 * their certificates), each with its position among the level's. */
static void put_directives(struct mi_buf *b, const struct mapfile *mf, const struct mf_level *l)
{
	uint32_t n = 0;

	for (size_t i = 0; i < l->ndir; i++)
		n += MF_DIR_KIND(mf->dirs[l->first_dir + i]) != MF_O2O_ADD;
	mi_put_u32(b, (uint32_t)l->ndir);
	mi_put_u32(b, n);
	for (size_t i = 0; i < l->ndir; i++) {
		mf_dir d = mf->dirs[l->first_dir + i];
		const struct mf_pos *c;

		if (MF_DIR_KIND(d) == MF_O2O_ADD)
			continue;
		mi_put_u8(b, (unsigned)MF_DIR_KIND(d));
		mi_put_u32(b, (uint32_t)i);
		if (MF_DIR_KIND(d) == MF_M2O_ADD) {
			put_mapping(b, mf, &mf->m2o[MF_DIR_INDEX(d)].m);
			continue;
		}
		c = &mf->clears[MF_DIR_INDEX(d)];
		mi_put_u32(b, c->line);
		mi_put_u32(b, c->column);
	}
}

/* "L" and the level's normalised path in lower case. */
static char *level_key(const struct mf_level *l, size_t *klen)
{
	size_t n = strlen(l->norm);
	char *k = malloc(n + 2);

	if (k == NULL)
		return NULL;
	k[0] = MI_KEY_LEVEL;
	for (size_t i = 0; i < n; i++)
		k[i + 1] = (char)ascii_lower((unsigned char)l->norm[i]);
	k[n + 1] = '\0';
	*klen = n + 1;
	return k;
}

static int emit_level(struct enc *e, struct mi_buf *b, uint32_t id)
{
	const struct mf_level *l = &e->mf->levels[id];
	size_t klen = 0;
	char *key = level_key(l, &klen);
	int rc = -1;

	if (key == NULL)
		return -1;
	mi_put_u32(b, id);
	mi_put_str(b, l->path);
	mi_put_str(b, l->norm);
	mi_put_u32(b, (uint32_t)l->nseg);
	mi_put_u32(b, (uint32_t)l->line);
	mi_put_u32(b, (uint32_t)l->column);
	mi_put_u8(b, attr_byte(l->enabled));
	mi_put_u8(b, attr_byte(l->o2o_enabled));
	mi_put_u8(b, attr_byte(l->m2o_enabled));
	mi_put_optstr(b, l->default_logon_domain);
	put_directives(b, e->mf, l);
	rc = emit(e, b, key, klen);
	free(key);
	return rc;
}

/* ------------------------------------------------------ certificates */

/* A live one-to-one <add>, where it stands. */
struct at {
	const unsigned char *key;
	const struct mapfile_entry *e;
	uint32_t level, pos;
};

static int by_key(const void *a, const void *b)
{
	const struct at *x = a, *y = b;
	int c = memcmp(x->key, y->key, MF_KEY_LEN);

	if (c != 0)
		return c;
	return x->level != y->level ? (x->level < y->level ? -1 : 1) :
	       (x->pos < y->pos ? -1 : x->pos > y->pos);
}

static struct at *collect(const struct mapfile *mf, size_t *n)
{
	struct at *v = malloc((mf->no2o ? mf->no2o : 1) * sizeof(*v));

	*n = 0;
	for (size_t li = 0; v != NULL && li < mf->nlevels; li++) {
		const struct mf_level *l = &mf->levels[li];

		for (size_t i = 0; i < l->ndir; i++) {
			mf_dir d = mf->dirs[l->first_dir + i];
			uint32_t ei;

			if (MF_DIR_KIND(d) != MF_O2O_ADD)
				continue;
			ei = mf->o2o[MF_DIR_INDEX(d)].entry;
			if (ei == MF_NO_ENTRY || mf->entries[ei].dead != MAPFILE_LIVE)
				continue;
			v[*n] = (struct at){ mf->ekeys[ei], &mf->entries[ei], (uint32_t)li,
					     (uint32_t)i };
			(*n)++;
		}
	}
	if (v != NULL)
		qsort(v, *n, sizeof(*v), by_key);
	return v;
}

static int emit_cert(struct enc *e, struct mi_buf *b, const struct at *v, size_t n)
{
	unsigned char key[MI_CERT_KEY_LEN];

	key[0] = MI_KEY_CERT;
	memcpy(key + 1, v[0].key, MF_KEY_LEN);
	mi_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		const struct mapfile_entry *en = v[i].e;

		mi_put_u32(b, v[i].level);
		mi_put_u32(b, v[i].pos);
		mi_put_u32(b, (uint32_t)en->line);
		mi_put_u32(b, (uint32_t)en->column);
		mi_put_u8(b, en->enabled != 0);
		mi_put_u8(b, en->has_password != 0);
		mi_put_u8(b, en->password_plain != 0);
		mi_put_optstr(b, en->user_name);
	}
	return emit(e, b, key, sizeof(key));
}

static int emit_certs(struct enc *e, struct mi_buf *b, const struct at *v, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && memcmp(v[j].key, v[i].key, MF_KEY_LEN) == 0; j++)
			;
		if (emit_cert(e, b, v + i, j - i) != 0)
			return -1;
	}
	return 0;
}

int mi_encode(struct mi_header *h, const struct mapfile *mf, mi_put_fn put, void *ctx)
{
	struct enc e = { mf, h->build, put, ctx };
	struct mi_buf b = { 0 };
	const char hkey = MI_KEY_HEADER;
	int valid = h->verdict.status == MAPFILE_OK;
	struct at *v = NULL;
	size_t n = 0;
	int rc = -1;

	if (valid) {
		v = collect(mf, &n);
		if (v == NULL)
			goto out;
		h->nlevels = (uint32_t)mf->nlevels;
		h->nentries = (uint32_t)n;
		h->nmappings = (uint32_t)mf->nm2o;
	}
	put_header(&b, h);
	if (emit(&e, &b, &hkey, 1) != 0)
		goto out;
	for (size_t i = 0; valid && i < mf->nlevels; i++)
		if (emit_level(&e, &b, (uint32_t)i) != 0)
			goto out;
	if (valid && emit_certs(&e, &b, v, n) != 0)
		goto out;
	rc = 0;
out:
	free(v);
	mi_buf_free(&b);
	return rc;
}
