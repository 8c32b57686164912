/* mapfile_add.c - what each <add> and <clear/> of the section's collections
 * puts in the model: directives in document order, entries, mappings, rules. */
#include "config.h"
#include "ascii.h"
#include "certname.h"
#include "mapfile_parse.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_fail(struct pstate *s, const char *v)
{
	char *d = strdup(v);

	if (d == NULL)
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
	return d;
}

static int add_dir(struct pstate *s, enum mf_dir_kind kind, size_t index)
{
	struct mapfile *mf = s->mf;

	if (index > MF_DIR_MAX_INDEX) {
		mf_fail(s, MAPFILE_INVALID, "too many entries in one file");
		return -1;
	}
	if (mf_grow((void **)&mf->dirs, &mf->capdirs, mf->ndirs, sizeof(*mf->dirs)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return -1;
	}
	mf->dirs[mf->ndirs++] = MF_DIR(kind, index);
	return 0;
}

static void add_clear(struct pstate *s, enum mf_dir_kind kind)
{
	struct mapfile *mf = s->mf;

	if (mf_grow((void **)&mf->clears, &mf->capclears, mf->nclears, sizeof(*mf->clears)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	mf->clears[mf->nclears].line = mf_line(s);
	mf->clears[mf->nclears].column = mf_column(s);
	add_dir(s, kind, mf->nclears++);
}

/* <clear/> in a mapping's <rules>: the rules before it are gone, and their
 * keys are free again. */
static void clear_rules(struct pstate *s)
{
	struct mapfile *mf = s->mf;
	struct mapfile_mapping *m = &mf->m2o[mf->nm2o - 1].m;

	for (size_t i = m->first_rule; i < mf->nrules; i++) {
		free(mf->rules[i].subfield_name);
		free(mf->rules[i].criteria);
	}
	mf->nrules = m->first_rule;
	m->nrules = 0;
	s->nrule_keys = 0;
}

void mf_clear(struct pstate *s, enum mf_ctx collection)
{
	if (collection == C_O2O)
		add_clear(s, MF_O2O_CLEAR);
	else if (collection == C_M2O)
		add_clear(s, MF_M2O_CLEAR);
	else
		clear_rules(s);
}

/* ---------------------------------------------------------------- one-to-one */

/* Which candidate, if any, the scanned value equals: the key comparison rules
 * out nearly every entry, the character comparison confirms. */
static int match_candidate(const struct pstate *s, const char *value, const struct b64scan *sc)
{
	if (sc->dead != MAPFILE_LIVE)
		return -1;
	for (size_t i = 0; i < s->a->ncands; i++) {
		const struct mf_cand *c = &s->a->cands[i];

		if (c->len == sc->len && c->key.a == sc->key.a && c->key.b == sc->key.b &&
		    b64_equal_stripped(value, c->b64, c->len))
			return (int)i;
	}
	return -1;
}

static char *strip_copy(const char *v, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (; *v != '\0'; v++)
		if (!b64_is_space((unsigned char)*v))
			out[o++] = *v;
	out[o] = '\0';
	return out;
}

const unsigned char *mf_entry_key(const struct mapfile *mf, const struct mapfile_entry *e)
{
	return mf->ekeys[e - mf->entries];
}

static int sha256_into(EVP_MD_CTX *md, const EVP_MD *sha, const void *p, size_t len,
		       unsigned char out[MF_KEY_LEN])
{
	unsigned int n = 0;

	if (EVP_DigestInit_ex(md, sha, NULL) != 1 || EVP_DigestUpdate(md, p, len) != 1 ||
	    EVP_DigestFinal_ex(md, out, &n) != 1 || n != MF_KEY_LEN)
		return -1;
	return 0;
}

int mf_key_of(const char *b64, size_t len, unsigned char out[MF_KEY_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc = md != NULL ? sha256_into(md, EVP_sha256(), b64, len, out) : -1;

	EVP_MD_CTX_free(md);
	return rc;
}

/* With keys, the key of entry E (index I): dead values never match and keep
 * none. */
static void o2o_key(struct pstate *s, const char *value, const struct b64scan *sc, size_t i)
{
	struct mapfile *mf = s->mf;
	char *stripped = NULL;
	int rc;

	if (mf_grow((void **)&mf->ekeys, &mf->capekeys, i, sizeof(*mf->ekeys)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	memset(mf->ekeys[i], 0, MF_KEY_LEN);
	if (sc->dead != MAPFILE_LIVE)
		return;
	if (sc->has_space && (stripped = strip_copy(value, sc->len)) == NULL) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	rc = sha256_into(s->md, s->sha256, stripped ? stripped : value, sc->len, mf->ekeys[i]);
	free(stripped);
	if (rc != 0)
		mf_fail(s, MAPFILE_NOMEM, "cannot compute a SHA-256");
}

/* The public entry of an <add> that equals a candidate, or of every <add>
 * with keep_all or keys. */
static void o2o_keep(struct pstate *s, const char *const *v, const struct b64scan *sc,
		     struct mf_o2o *o, int cand)
{
	struct mapfile *mf = s->mf;
	struct mapfile_entry *e;

	if (mf_grow((void **)&mf->entries, &mf->capentries, mf->nentries, sizeof(*e)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	e = &mf->entries[mf->nentries];
	memset(e, 0, sizeof(*e));
	e->line = o->line;
	e->column = o->column;
	e->enabled = mf_bool(v[OA_ENABLED], 1);
	e->dead = sc->dead;
	e->cand = cand;
	e->has_password = v[OA_PASSWORD] != NULL;
	e->password_plain = v[OA_PASSWORD] != NULL && !mf_is_encrypted(v[OA_PASSWORD]);
	o->entry = (uint32_t)mf->nentries++;
	if (v[OA_USER] != NULL && (e->user_name = dup_or_fail(s, v[OA_USER])) == NULL)
		return;
	if (s->a->params->keys)
		o2o_key(s, v[OA_CERT], sc, o->entry);
	if (s->a->params->keep_all && (e->certificate = strip_copy(v[OA_CERT], sc->len)) == NULL)
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
}

void mf_o2o_add(struct pstate *s, const char **atts)
{
	struct mapfile *mf = s->mf;
	const char *v[OA_N];
	struct b64scan sc;
	struct mf_o2o *o;
	int cand;

	if (mf_check_attrs(s, "add", atts, mf_o2o_add_attrs, OA_N, v) != 0)
		return;
	if (mf_grow((void **)&mf->o2o, &mf->capo2o, mf->no2o, sizeof(*o)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	b64scan(v[OA_CERT], &sc);
	o = &mf->o2o[mf->no2o++];
	o->key = sc.key;
	o->line = mf_line(s);
	o->column = mf_column(s);
	o->entry = MF_NO_ENTRY;
	if (s->a->ncollect > 0)
		mf_collect_value(s->a, (uint32_t)(mf->no2o - 1), v[OA_CERT]);
	if (s->positions) {
		if (mf_grow((void **)&mf->o2o_spans, &mf->capo2o_spans, mf->no2o - 1,
			    sizeof(*mf->o2o_spans)) != 0) {
			mf_fail(s, MAPFILE_NOMEM, "out of memory");
			return;
		}
		mf->o2o_spans[mf->no2o - 1] = mf_top_span(s);
	}
	cand = match_candidate(s, v[OA_CERT], &sc);
	if (cand >= 0 || s->a->params->keep_all || s->a->params->keys)
		o2o_keep(s, v, &sc, o, cand);
	if (!s->failed)
		add_dir(s, MF_O2O_ADD, mf->no2o - 1);
}

/* --------------------------------------------------------------- many-to-one */

static void lower_copy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i] != '\0'; i++)
		dst[i] = (char)ascii_lower((unsigned char)src[i]);
	dst[i] = '\0';
}

/* The strings of a mapping; -1 when memory runs out. */
static int m2o_strings(struct mapfile_mapping *m, const char *const *v)
{
	m->name = strdup(v[MA_NAME]);
	m->description = v[MA_DESCRIPTION] ? strdup(v[MA_DESCRIPTION]) : NULL;
	m->user_name = v[MA_USER] ? strdup(v[MA_USER]) : NULL;
	if (m->name == NULL || (v[MA_DESCRIPTION] && m->description == NULL) ||
	    (v[MA_USER] && m->user_name == NULL))
		return -1;
	return 0;
}

void mf_m2o_add(struct pstate *s, const char **atts)
{
	struct mapfile *mf = s->mf;
	const char *v[MA_N];
	struct mf_m2o *o;
	struct mapfile_mapping *m;
	char *lower;
	size_t n;

	if (mf_check_attrs(s, "add", atts, mf_m2o_add_attrs, MA_N, v) != 0)
		return;
	if (mf_grow((void **)&mf->m2o, &mf->capm2o, mf->nm2o, sizeof(*o)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	o = &mf->m2o[mf->nm2o++];
	memset(o, 0, sizeof(*o));
	m = &o->m;
	n = strlen(v[MA_NAME]) + 1;
	lower = malloc(n);
	if (lower == NULL || m2o_strings(m, v) != 0) {
		free(lower);
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	/* The name is the key, compared without case. */
	lower_copy(lower, v[MA_NAME], n);
	o->key = b64key_raw(lower);
	free(lower);
	m->line = mf_line(s);
	m->column = mf_column(s);
	m->enabled = mf_bool(v[MA_ENABLED], 1);
	m->deny = v[MA_PERMISSION] != NULL && mf_enum_index(mf_permission_modes,
							    v[MA_PERMISSION]) == 1;
	m->has_password = v[MA_PASSWORD] != NULL;
	m->password_plain = v[MA_PASSWORD] != NULL && !mf_is_encrypted(v[MA_PASSWORD]);
	m->first_rule = mf->nrules;
	o->span = mf_top_span(s);
	o->rules_span = MF_NO_SPAN;
	s->nrule_keys = 0;
	s->seen_rules = 0;
	add_dir(s, MF_M2O_ADD, mf->nm2o - 1);
}

/* Is rule I of the open <rules> (its key equals the new one's) the same as
 * the new rule?  Equal keys only suggest it. */
static int same_rule(const struct pstate *s, size_t i, const char *const *v, int field, int cs)
{
	const struct mapfile *mf = s->mf;
	const struct mapfile_rule *r = &mf->rules[mf->m2o[mf->nm2o - 1].m.first_rule + i];
	int rfield = r->field == MAPFILE_FIELD_SUBJECT ? 0 : 1;

	return rfield == field && r->case_sensitive == cs &&
	       strcmp(r->subfield_name, v[RA_SUB]) == 0 && strcmp(r->criteria, v[RA_MATCH]) == 0;
}

/* A rule's combined key (SPEC 2.2): the enum by its canonical name, defaults
 * applied, the strings with case.  0, or -1 after mf_fail (a duplicate). */
static int rule_key(struct pstate *s, const char *const *v, int field, int cs)
{
	struct b64key k = b64key_raw(v[RA_SUB]), k2 = b64key_raw(v[RA_MATCH]);

	/* Order matters (sub-field, then criteria); the enum and bool go in too. */
	k.a = (k.a * 0x9e3779b97f4a7c15ULL) ^ k2.a ^ (uint64_t)(field * 2 + cs);
	k.b = (k.b * 0xc2b2ae3d27d4eb4fULL) ^ k2.b ^ (uint64_t)(field * 2 + cs);
	for (size_t i = 0; i < s->nrule_keys; i++) {
		if (s->rule_keys[i].a == k.a && s->rule_keys[i].b == k.b &&
		    same_rule(s, i, v, field, cs)) {
			mf_fail(s, MAPFILE_INVALID, "Cannot add duplicate collection entry of type "
				"'add' with combined key attributes 'certificateField, "
				"certificateSubField, matchCriteria, compareCaseSensitive' "
				"respectively set to '%s, %.64s, %.64s, %s'", mf_cert_fields[field],
				v[RA_SUB], v[RA_MATCH], cs ? "true" : "false");
			return -1;
		}
	}
	if (mf_grow((void **)&s->rule_keys, &s->caprule_keys, s->nrule_keys,
		    sizeof(*s->rule_keys)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return -1;
	}
	s->rule_keys[s->nrule_keys++] = k;
	return 0;
}

void mf_rule_add(struct pstate *s, const char **atts)
{
	struct mapfile *mf = s->mf;
	const char *v[RA_N];
	struct mapfile_rule *r;
	int field, sub, cs;

	if (mf_check_attrs(s, "add", atts, mf_rule_add_attrs, RA_N, v) != 0)
		return;
	field = mf_enum_index(mf_cert_fields, v[RA_FIELD]);
	if (field < 0 || mf->nm2o == 0) {
		/* mf_check_attrs refuses it first; fail closed all the same */
		mf_fail(s, MAPFILE_INVALID, "<add> has no valid certificateField");
		return;
	}
	/* A typo must not silently turn a Deny into nothing (SPEC 2.7). */
	sub = certname_subfield(v[RA_SUB]);
	if (sub < 0) {
		mf_fail(s, MAPFILE_INVALID, "certificateSubField '%.64s' of <add> is not a "
			"sub-field pam_certmap knows; use one of %s", v[RA_SUB],
			certname_subfield_list());
		return;
	}
	cs = mf_bool(v[RA_CASE], 1);
	if (rule_key(s, v, field, cs) != 0)
		return;
	if (mf_grow((void **)&mf->rules, &mf->caprules, mf->nrules, sizeof(*r)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	r = &mf->rules[mf->nrules];
	memset(r, 0, sizeof(*r));
	r->line = mf_line(s);
	r->column = mf_column(s);
	r->field = field == 0 ? MAPFILE_FIELD_SUBJECT : MAPFILE_FIELD_ISSUER;
	r->subfield = sub;
	r->case_sensitive = cs;
	r->subfield_name = strdup(v[RA_SUB]);
	r->criteria = strdup(v[RA_MATCH]);
	mf->nrules++;
	mf->m2o[mf->nm2o - 1].m.nrules++;
	if (r->subfield_name == NULL || r->criteria == NULL)
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
}
