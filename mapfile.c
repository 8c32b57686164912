/* mapfile.c - loading a mapping file (safe open, parse, whole-file checks)
 * and answering queries: which entry or mapping applies to a certificate at
 * a location (the many-to-one walk itself is in mapfile_m2o.c). */
#include "config.h"
#include "ascii.h"
#include "mapfile_model.h"
#include "keyset.h"
#include "safefile.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------- paths */

int mf_next_seg(const char **p, const char **seg, size_t *len)
{
	while (**p != '\0') {
		size_t n = strcspn(*p, "/");

		*seg = *p;
		*p += n;
		if (**p == '/')
			(*p)++;
		if (n > 0 && !(n == 1 && (*seg)[0] == '.')) {
			*len = n;
			return 1;
		}
	}
	return 0;
}

int mapfile_path_applies(const char *p, const char *q)
{
	const char *ps, *qs;
	size_t pl, ql;

	while (mf_next_seg(&p, &ps, &pl)) {
		if (!mf_next_seg(&q, &qs, &ql) || pl != ql || ascii_ncasecmp(ps, qs, pl) != 0)
			return 0;
	}
	return 1;
}

size_t mf_path_nseg(const char *q)
{
	const char *s;
	size_t l, n = 0;

	while (mf_next_seg(&q, &s, &l))
		n++;
	return n;
}

/* Order of normalised paths: segment by segment without case, a prefix
 * first, so a sorted list walks the level tree depth first. */
static int norm_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = *a == '/' ? 1 : ascii_lower((unsigned char)*a);
		int cb = *b == '/' ? 1 : ascii_lower((unsigned char)*b);

		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

/* ------------------------------------------------------------ load & free */

void mapfile_free(struct mapfile *mf)
{
	if (mf == NULL)
		return;
	for (size_t i = 0; i < mf->nlevels; i++) {
		free(mf->levels[i].path);
		free(mf->levels[i].norm);
		free(mf->levels[i].default_logon_domain);
	}
	for (size_t i = 0; i < mf->nentries; i++) {
		free(mf->entries[i].user_name);
		free(mf->entries[i].certificate);
	}
	for (size_t i = 0; i < mf->nm2o; i++) {
		free(mf->m2o[i].m.name);
		free(mf->m2o[i].m.description);
		free(mf->m2o[i].m.user_name);
	}
	for (size_t i = 0; i < mf->nrules; i++) {
		free(mf->rules[i].subfield_name);
		free(mf->rules[i].criteria);
	}
	free(mf->rules);
	free(mf->levels);
	free(mf->dirs);
	free(mf->o2o);
	free(mf->clears);
	free(mf->entries);
	free(mf->ekeys);
	free(mf->m2o);
	mf_pos_free(mf);
	free(mf);
}

static void cands_free(struct mf_cand *c, size_t n)
{
	for (size_t i = 0; c != NULL && i < n; i++)
		free(c[i].b64);
	free(c);
}

/* The candidates in the one form an entry can equal: canonical base64. */
static struct mf_cand *cands_make(const struct mapfile_params *p)
{
	struct mf_cand *c = calloc(p->ncand ? p->ncand : 1, sizeof(*c));

	for (size_t i = 0; c != NULL && i < p->ncand; i++) {
		size_t n = 4 * ((p->cand_len[i] + 2) / 3);
		struct b64scan sc;

		if (p->cand_len[i] > (size_t)1 << 28 || (c[i].b64 = malloc(n + 1)) == NULL) {
			cands_free(c, p->ncand);
			return NULL;
		}
		c[i].len = (size_t)EVP_EncodeBlock((unsigned char *)c[i].b64, p->cand_der[i],
						   (int)p->cand_len[i]);
		b64scan(c[i].b64, &sc);
		c[i].key = sc.key;
	}
	return c;
}

static enum mapfile_status load(struct mf_parse_args *a, const struct mapfile_params *p,
				struct mapfile **out, struct mapfile_error *err)
{
	enum mapfile_status rc = MAPFILE_NOMEM;
	struct mf_cand *cands = cands_make(p);
	struct mapfile *mf = calloc(1, sizeof(*mf));

	if (cands == NULL || mf == NULL) {
		mf_error(err, MAPFILE_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	a->params = p;
	a->cands = cands;
	a->ncands = p->ncand;
	rc = mf_parse(mf, a, err);
	if (rc == MAPFILE_OK)
		rc = mf_validate(mf, a, err);
	if (rc == MAPFILE_OK) {
		*out = mf;
		mf = NULL;
	}
out:
	mapfile_free(mf);
	cands_free(cands, p->ncand);
	return rc;
}

static void err_reset(struct mapfile_error *err)
{
	memset(err, 0, sizeof(*err));
}

enum mapfile_status mapfile_load_fd(int fd, const struct mapfile_params *p,
				    struct mapfile **out, struct mapfile_error *err)
{
	struct mf_parse_args a;

	*out = NULL;
	err_reset(err);
	memset(&a, 0, sizeof(a));
	a.max_size = p->max_size ? p->max_size : MAPFILE_DEFAULT_MAX_SIZE;
	a.fd = fd;
	return load(&a, p, out, err);
}

enum mapfile_status mapfile_load(const char *path, const struct mapfile_params *p,
				 struct mapfile **out, struct mapfile_error *err)
{
	enum mapfile_status rc;
	size_t size, max = p->max_size ? p->max_size : MAPFILE_DEFAULT_MAX_SIZE;
	int fd;

	*out = NULL;
	err_reset(err);
	switch (safefile_open(path, max, &fd, &size, err->reason, sizeof(err->reason))) {
	case SAFEFILE_OK:
		break;
	case SAFEFILE_MISSING:
		return err->status = MAPFILE_MISSING;
	case SAFEFILE_UNSAFE:
		return err->status = MAPFILE_UNSAFE;
	default:
		return err->status = MAPFILE_IO;
	}
	(void)size;
	rc = mapfile_load_fd(fd, p, out, err);
	close(fd);
	return rc;
}

enum mapfile_status mapfile_parse_buffer(const char *buf, size_t len,
					 const struct mapfile_params *p,
					 struct mapfile **out, struct mapfile_error *err)
{
	struct mf_parse_args a;

	*out = NULL;
	err_reset(err);
	memset(&a, 0, sizeof(a));
	a.fd = -1;
	a.buf = buf;
	a.len = len;
	a.max_size = p->max_size ? p->max_size : MAPFILE_DEFAULT_MAX_SIZE;
	if (len > a.max_size) {
		mf_error(err, MAPFILE_UNSAFE, 0, 0, "too large: %zu bytes, the limit is %zu",
			 len, a.max_size);
		return MAPFILE_UNSAFE;
	}
	return load(&a, p, out, err);
}

/* -------------------------------------------------------- whole-file checks */

struct vframe {
	size_t level;
	size_t o2o_mark, o2o_floor, m2o_mark, m2o_floor;
};

struct vstate {
	struct mapfile *mf;
	struct keyset o2o, m2o;
	struct mapfile_error *err;
	struct mf_suspect *sus;  /* one-to-one <add>s whose keys equal an earlier one's */
	size_t nsus;
};

/* An <add> whose key is in the effective collection already: a duplicate to
 * confirm with the values (mapfile_dup.c), which the parse did not keep.
 * Returns 0, or 1 when the walk must stop (the suspects are full). */
static int suspect_o2o(struct vstate *v, uint32_t idx)
{
	uint32_t it = 0, found;

	while (keyset_next(&v->o2o, v->mf->o2o[idx].key, &it, &found)) {
		if (v->nsus == MF_MAX_SUSPECTS)
			return 1;
		v->sus[v->nsus].first = found;
		v->sus[v->nsus].again = idx;
		v->nsus++;
	}
	return 0;
}

/* A many-to-one <add> whose name is in the effective collection already,
 * without case: the IIS message.  Equal keys only suggest it. */
static int dup_m2o(struct vstate *v, uint32_t idx)
{
	const struct mapfile_mapping *m = &v->mf->m2o[idx].m;
	uint32_t it = 0, found;

	while (keyset_next(&v->m2o, v->mf->m2o[idx].key, &it, &found)) {
		if (ascii_casecmp(v->mf->m2o[found].m.name, m->name) != 0)
			continue;
		mf_error(v->err, MAPFILE_INVALID, m->line, m->column,
			 "Cannot add duplicate collection entry of type 'add' with unique key "
			 "attribute 'name' set to '%.64s' (first added at line %lu)", m->name,
			 v->mf->m2o[found].m.line);
		return 1;
	}
	return 0;
}

/* Apply one level's directives to the sets of its effective collections.
 * MAPFILE_OK with a full list of suspects stops the walk too. */
static enum mapfile_status validate_level(struct vstate *v, const struct mf_level *l)
{
	for (size_t i = l->first_dir; i < l->first_dir + l->ndir; i++) {
		uint32_t idx = MF_DIR_INDEX(v->mf->dirs[i]);
		int r = 0;

		switch (MF_DIR_KIND(v->mf->dirs[i])) {
		case MF_O2O_CLEAR:
			v->o2o.floor = v->o2o.n;
			break;
		case MF_M2O_CLEAR:
			v->m2o.floor = v->m2o.n;
			break;
		case MF_O2O_ADD:
			if (suspect_o2o(v, idx) != 0)
				return MAPFILE_OK;
			r = keyset_add(&v->o2o, v->mf->o2o[idx].key, idx);
			break;
		case MF_M2O_ADD:
			if (dup_m2o(v, idx) != 0)
				return MAPFILE_INVALID;
			r = keyset_add(&v->m2o, v->mf->m2o[idx].key, idx);
			break;
		}
		if (r < 0) {
			mf_error(v->err, MAPFILE_NOMEM, 0, 0, "out of memory");
			return MAPFILE_NOMEM;
		}
	}
	return MAPFILE_OK;
}

static int level_is_prefix(const struct mf_level *p, const struct mf_level *l)
{
	return mapfile_path_applies(p->norm, l->norm);
}

/* Walk the levels depth first; each level sees its ancestors' entries, as
 * its effective collections do, and leaves them as it found them. */
static enum mapfile_status validate_tree(struct vstate *v, const size_t *order)
{
	struct mapfile *mf = v->mf;
	struct vframe *st = calloc(mf->nlevels ? mf->nlevels : 1, sizeof(*st));
	enum mapfile_status rc = MAPFILE_OK;
	size_t sp = 0;

	if (st == NULL) {
		mf_error(v->err, MAPFILE_NOMEM, 0, 0, "out of memory");
		return MAPFILE_NOMEM;
	}
	for (size_t i = 0; i < mf->nlevels && rc == MAPFILE_OK && v->nsus < MF_MAX_SUSPECTS; i++) {
		const struct mf_level *l = &mf->levels[order[i]];

		while (sp > 0 && !level_is_prefix(&mf->levels[st[sp - 1].level], l)) {
			sp--;
			keyset_rollback(&v->o2o, st[sp].o2o_mark);
			keyset_rollback(&v->m2o, st[sp].m2o_mark);
			v->o2o.floor = st[sp].o2o_floor;
			v->m2o.floor = st[sp].m2o_floor;
		}
		st[sp] = (struct vframe){ order[i], v->o2o.n, v->o2o.floor, v->m2o.n, v->m2o.floor };
		sp++;
		rc = validate_level(v, l);
	}
	free(st);
	return rc;
}

/* Sort level indices by path (insertion sort: files have few levels). */
static void sort_levels(const struct mapfile *mf, size_t *order)
{
	for (size_t i = 0; i < mf->nlevels; i++) {
		size_t j = i;

		order[i] = i;
		while (j > 0 && norm_cmp(mf->levels[order[j - 1]].norm, mf->levels[i].norm) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

static enum mapfile_status check_levels_unique(const struct mapfile *mf, const size_t *order,
					       struct mapfile_error *err)
{
	for (size_t i = 1; i < mf->nlevels; i++) {
		const struct mf_level *a = &mf->levels[order[i - 1]], *b = &mf->levels[order[i]];

		if (norm_cmp(a->norm, b->norm) == 0) {
			const struct mf_level *later = a->line > b->line ? a : b;

			mf_error(err, MAPFILE_INVALID, later->line, later->column,
				 "the section is given twice for location '%s' (lines %lu and %lu)",
				 later->path, a->line < b->line ? a->line : b->line, later->line);
			return MAPFILE_INVALID;
		}
	}
	return MAPFILE_OK;
}

enum mapfile_status mf_validate(struct mapfile *mf, const struct mf_parse_args *a,
				struct mapfile_error *err)
{
	struct vstate v = { .mf = mf, .err = err };
	size_t *order = calloc(mf->nlevels ? mf->nlevels : 1, sizeof(*order));
	enum mapfile_status rc = MAPFILE_NOMEM;

	v.sus = malloc(MF_MAX_SUSPECTS * sizeof(*v.sus));
	if (order == NULL || v.sus == NULL || keyset_init(&v.o2o, mf->no2o) != 0 ||
	    keyset_init(&v.m2o, mf->nm2o) != 0) {
		mf_error(err, MAPFILE_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	sort_levels(mf, order);
	rc = check_levels_unique(mf, order, err);
	if (rc == MAPFILE_OK)
		rc = validate_tree(&v, order);
	/* The suspects come in the order of the walk: the first confirmed is the
	 * duplicate the walk would have stopped at. */
	if (rc == MAPFILE_OK && v.nsus > 0)
		rc = mf_confirm_o2o(mf, a, v.sus, v.nsus, v.nsus == MF_MAX_SUSPECTS, err);
out:
	keyset_free(&v.o2o);
	keyset_free(&v.m2o);
	free(v.sus);
	free(order);
	return rc;
}

/* ------------------------------------------------------------------ queries */

const struct mf_level *mf_level_at(const struct mapfile *mf, const char *q, size_t depth)
{
	for (size_t i = 0; i < mf->nlevels; i++)
		if (mf->levels[i].nseg == depth && mapfile_path_applies(mf->levels[i].norm, q))
			return &mf->levels[i];
	return NULL;
}

void mf_say(const struct mf_walk *w, const char *fmt, ...)
{
	char line[640];
	va_list ap;

	if (w == NULL || w->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	w->fn(w->ctx, line);
}

static const char *yes_no(int b)
{
	return b ? "true" : "false";
}

static void level_attrs(const struct mf_level *l, struct mapfile_answer *ans, const struct mf_walk *w)
{
	mf_say(w, "level '%s' (section at line %lu) applies", l->path, l->line);
	if (l->enabled != MF_UNSET) {
		ans->section_enabled = l->enabled;
		mf_say(w, "  line %lu: enabled=\"%s\"", l->line, yes_no(l->enabled));
	}
	if (l->o2o_enabled != MF_UNSET) {
		ans->one_to_one_enabled = l->o2o_enabled;
		mf_say(w, "  line %lu: oneToOneCertificateMappingsEnabled=\"%s\"", l->line,
		    yes_no(l->o2o_enabled));
	}
	if (l->m2o_enabled != MF_UNSET) {
		ans->many_to_one_enabled = l->m2o_enabled;
		mf_say(w, "  line %lu: manyToOneCertificateMappingsEnabled=\"%s\"", l->line,
		    yes_no(l->m2o_enabled));
	}
	if (l->default_logon_domain != NULL) {
		ans->default_logon_domain = l->default_logon_domain;
		mf_say(w, "  line %lu: defaultLogonDomain=\"%s\"", l->line, l->default_logon_domain);
	}
}

/* The public entry of a one-to-one <add> directive, if it was kept. */
static const struct mapfile_entry *dir_entry(const struct mapfile *mf, mf_dir d)
{
	uint32_t e;

	if (MF_DIR_KIND(d) != MF_O2O_ADD)
		return NULL;
	e = mf->o2o[MF_DIR_INDEX(d)].entry;
	return e == MF_NO_ENTRY ? NULL : &mf->entries[e];
}

static void level_dirs(const struct mapfile *mf, const struct mf_level *l, int cand,
		       struct mapfile_answer *ans, const struct mf_walk *w)
{
	for (size_t i = l->first_dir; i < l->first_dir + l->ndir; i++) {
		mf_dir d = mf->dirs[i];
		const struct mapfile_entry *e;

		if (MF_DIR_KIND(d) == MF_O2O_CLEAR) {
			if (ans->entry != NULL)
				mf_say(w, "  line %lu: <clear/> drops the matching entry of line %lu",
				    (unsigned long)mf->clears[MF_DIR_INDEX(d)].line, ans->entry->line);
			ans->entry = NULL;
			continue;
		}
		e = dir_entry(mf, d);
		if (e != NULL && cand >= 0 && e->cand == cand) {
			ans->entry = e;
			mf_say(w, "  line %lu: <add> holds this certificate: userName=%s%s%s, "
			    "enabled=\"%s\"", e->line, e->user_name ? "\"" : "",
			    e->user_name ? e->user_name : "(none)", e->user_name ? "\"" : "",
			    yes_no(e->enabled));
		}
	}
}

static void query(const struct mapfile *mf, const char *location, int cand,
		  struct mapfile_answer *ans, const struct mf_walk *w)
{
	size_t depth = mf_path_nseg(location);

	memset(ans, 0, sizeof(*ans));
	/* Schema defaults; enabled is false. */
	ans->one_to_one_enabled = 1;
	ans->many_to_one_enabled = 1;
	for (size_t d = 0; d <= depth; d++) {
		const struct mf_level *l = mf_level_at(mf, location, d);

		if (l == NULL)
			continue;
		level_attrs(l, ans, w);
		level_dirs(mf, l, cand, ans, w);
	}
	if (mf->nm2o > 0)
		ans->many_to_one_count = mf_m2o_count(mf, location);
}

void mapfile_query(const struct mapfile *mf, const char *location, int cand,
		   struct mapfile_answer *ans)
{
	query(mf, location, cand, ans, NULL);
}

/* The many-to-one side of a query, after the one-to-one side in ANS. */
static enum mapfile_status query_m2o(const struct mapfile *mf, const char *location, X509 *x,
				     struct mapfile_answer *ans, const struct mf_walk *w)
{
	/* An exact entry decides, even a disabled one; with one-to-one mappings
	 * off their entries decide nothing. */
	if (!ans->one_to_one_enabled)
		ans->entry = NULL;
	if (!ans->section_enabled || ans->entry != NULL || !ans->many_to_one_enabled ||
	    ans->many_to_one_count == 0)
		return MAPFILE_OK;
	return mf_m2o_decide(mf, location, x, &ans->mapping, w);
}

enum mapfile_status mapfile_query_cert(const struct mapfile *mf, const char *location,
				       int cand, X509 *x, struct mapfile_answer *ans)
{
	query(mf, location, cand, ans, NULL);
	return query_m2o(mf, location, x, ans, NULL);
}

const char *mapfile_answer_user(const struct mapfile_answer *ans)
{
	const struct mapfile_entry *e = ans->entry;
	const struct mapfile_mapping *m = ans->mapping;

	if (!ans->section_enabled)
		return NULL;
	if (e != NULL) {
		if (!ans->one_to_one_enabled || !e->enabled || e->user_name == NULL ||
		    e->user_name[0] == '\0')
			return NULL;
		return e->user_name;
	}
	if (m == NULL || !ans->many_to_one_enabled || !m->enabled || m->deny ||
	    m->user_name == NULL || m->user_name[0] == '\0')
		return NULL;
	return m->user_name;
}

/* Entries that hold the certificate at levels that do not apply to Q. */
static void explain_elsewhere(const struct mapfile *mf, const char *location, int cand,
			      const struct mf_walk *w)
{
	for (size_t i = 0; i < mf->nlevels; i++) {
		const struct mf_level *l = &mf->levels[i];

		if (mapfile_path_applies(l->norm, location))
			continue;
		for (size_t j = l->first_dir; j < l->first_dir + l->ndir; j++) {
			const struct mapfile_entry *e = dir_entry(mf, mf->dirs[j]);

			if (e != NULL && cand >= 0 && e->cand == cand)
				mf_say(w, "line %lu: an entry at location '%s' holds this certificate, "
				    "but that location does not apply to '%s'", e->line, l->path,
				    location);
		}
	}
}

/* What the one-to-one side says, after the levels. */
static void explain_o2o(const struct mapfile *mf, const char *location, int cand,
			const struct mapfile_answer *ans, const struct mf_walk *w)
{
	if (!ans->one_to_one_enabled)
		mf_say(w, "one-to-one mappings are disabled at this location: their entries "
		       "decide nothing");
	if (ans->entry == NULL) {
		mf_say(w, "no entry of the effective one-to-one collection holds this certificate");
		explain_elsewhere(mf, location, cand, w);
	} else if (!ans->entry->enabled) {
		mf_say(w, "the entry of line %lu is disabled (enabled=\"false\"); an exact entry "
		       "decides, even a disabled one", ans->entry->line);
	} else if (ans->entry->user_name == NULL || ans->entry->user_name[0] == '\0') {
		mf_say(w, "the entry of line %lu has no userName", ans->entry->line);
	}
}

void mapfile_explain(const struct mapfile *mf, const char *location, int cand, X509 *x,
		     mapfile_trace_fn fn, void *ctx)
{
	struct mf_walk w = { fn, ctx };
	struct mapfile_answer ans;

	mf_say(&w, "location '%s'", location);
	query(mf, location, cand, &ans, &w);
	mf_say(&w, "effective: enabled=\"%s\" oneToOneCertificateMappingsEnabled=\"%s\" "
	    "manyToOneCertificateMappingsEnabled=\"%s\" defaultLogonDomain=%s",
	    yes_no(ans.section_enabled), yes_no(ans.one_to_one_enabled),
	    yes_no(ans.many_to_one_enabled),
	    ans.default_logon_domain ? ans.default_logon_domain : "(none)");
	if (!ans.section_enabled) {
		mf_say(&w, "nothing maps: the section is not enabled at this location "
		    "(enabled defaults to false)");
		return;
	}
	explain_o2o(mf, location, cand, &ans, &w);
	if (ans.entry != NULL && ans.one_to_one_enabled) {
		if (ans.many_to_one_count > 0)
			mf_say(&w, "many-to-one mappings are not tried: the one-to-one entry "
			       "decides");
		return;
	}
	if (!ans.many_to_one_enabled)
		mf_say(&w, "many-to-one mappings are disabled at this location");
	else if (ans.many_to_one_count == 0)
		mf_say(&w, "no enabled many-to-one mapping at this location");
	else if (x != NULL)
		(void)query_m2o(mf, location, x, &ans, &w);
}

void mapfile_foreach_mapping(const struct mapfile *mf, mapfile_mapping_fn fn, void *ctx)
{
	for (size_t i = 0; i < mf->nlevels; i++) {
		const struct mf_level *l = &mf->levels[i];

		for (size_t j = l->first_dir; j < l->first_dir + l->ndir; j++)
			if (MF_DIR_KIND(mf->dirs[j]) == MF_M2O_ADD)
				fn(ctx, l->path, &mf->m2o[MF_DIR_INDEX(mf->dirs[j])].m);
	}
}

const struct mapfile_rule *mapfile_mapping_rules(const struct mapfile *mf,
						 const struct mapfile_mapping *m)
{
	return m->nrules > 0 ? &mf->rules[m->first_rule] : NULL;
}

void mapfile_foreach_entry(const struct mapfile *mf, mapfile_entry_fn fn, void *ctx)
{
	for (size_t i = 0; i < mf->nlevels; i++) {
		const struct mf_level *l = &mf->levels[i];

		for (size_t j = l->first_dir; j < l->first_dir + l->ndir; j++) {
			const struct mapfile_entry *e = dir_entry(mf, mf->dirs[j]);

			if (e != NULL)
				fn(ctx, l->path, e);
		}
	}
}

void mf_effective_start(const struct mapfile *mf, const char *location, size_t depth,
			enum mf_dir_kind clear, size_t *from_depth, size_t *from_dir)
{
	*from_depth = 0;
	*from_dir = 0;
	for (size_t d = 0; d <= depth; d++) {
		const struct mf_level *l = mf_level_at(mf, location, d);

		for (size_t i = 0; l != NULL && i < l->ndir; i++) {
			if (MF_DIR_KIND(mf->dirs[l->first_dir + i]) == clear) {
				*from_depth = d;
				*from_dir = i + 1;
			}
		}
	}
}

void mapfile_foreach_effective(const struct mapfile *mf, const char *location,
			       mapfile_answer_fn fn, void *ctx)
{
	size_t depth = mf_path_nseg(location), from_depth, from_dir;
	struct mapfile_answer ans;

	/* The section attributes are Q's, whichever level the entry stands at. */
	query(mf, location, -1, &ans, NULL);
	mf_effective_start(mf, location, depth, MF_O2O_CLEAR, &from_depth, &from_dir);
	for (size_t d = from_depth; d <= depth; d++) {
		const struct mf_level *l = mf_level_at(mf, location, d);

		for (size_t i = d == from_depth ? from_dir : 0; l != NULL && i < l->ndir; i++) {
			ans.entry = dir_entry(mf, mf->dirs[l->first_dir + i]);
			if (ans.entry != NULL)
				fn(ctx, &ans);
		}
	}
}

/* ------------------------------------------------------------- dead entries */

const char *mapfile_dead_reason(enum mapfile_dead d)
{
	switch (d) {
	case MAPFILE_LIVE:
		return "a base64 certificate";
	case MAPFILE_DEAD_EMPTY:
		return "the value is empty";
	case MAPFILE_DEAD_PEM:
		return "the value still has PEM armour (-----BEGIN/END CERTIFICATE-----)";
	case MAPFILE_DEAD_BASE64URL:
		return "the value is base64url ('-' or '_'), not standard base64";
	case MAPFILE_DEAD_THUMBPRINT:
		return "the value is a thumbprint (a hash), not the certificate";
	case MAPFILE_DEAD_LENGTH:
		return "the value is truncated or has a character too many (length not a "
		       "multiple of 4)";
	case MAPFILE_DEAD_PADDING:
		return "the value's '=' padding is wrong";
	case MAPFILE_DEAD_CHARACTER:
		return "the value has a character outside the base64 alphabet";
	case MAPFILE_DEAD_TEXT:
		return "the value is not base64 at all but text, such as a placeholder";
	}
	return "unknown";
}

const char *mapfile_dead_hint(enum mapfile_dead d)
{
	switch (d) {
	case MAPFILE_LIVE:
		return "";
	case MAPFILE_DEAD_THUMBPRINT:
		return "the value must be the whole certificate: map it with "
		       "'certmap add --user NAME cert.pem'";
	case MAPFILE_DEAD_PEM:
		return "remove the BEGIN/END lines, or map it with 'certmap add --user NAME cert.pem'";
	case MAPFILE_DEAD_TEXT:
		return "put the certificate there: map it with 'certmap add --user NAME cert.pem'";
	default:
		return "take the value from the certificate file again, e.g. with "
		       "'certmap add --user NAME cert.pem'";
	}
}
