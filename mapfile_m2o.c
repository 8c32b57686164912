/* mapfile_m2o.c - the many-to-one walk of SPEC 2.7: the effective mappings
 * at a location in order, disabled ones skipped, the first whose rules all
 * match the certificate deciding; each step told to explain. */
#include "config.h"
#include "certname.h"
#include "mapfile_model.h"

#include <stdio.h>
#include <string.h>

/* Longest value shown in a trace line. */
#define SHOW_MAX 96

/* Call FN for each mapping of the effective collection at Q, in order, with
 * its level's path, until it returns non-zero, which is returned. */
typedef int (*m2o_fn)(void *ctx, const char *level_path, const struct mapfile_mapping *m);

static int each_effective(const struct mapfile *mf, const char *q, m2o_fn fn, void *ctx)
{
	size_t depth = mf_path_nseg(q), from_depth, from_dir;

	/* A deeper level's mappings come after the inherited ones. */
	mf_effective_start(mf, q, depth, MF_M2O_CLEAR, &from_depth, &from_dir);
	for (size_t d = from_depth; d <= depth; d++) {
		const struct mf_level *l = mf_level_at(mf, q, d);

		for (size_t i = d == from_depth ? from_dir : 0; l != NULL && i < l->ndir; i++) {
			mf_dir dir = mf->dirs[l->first_dir + i];
			int r;

			if (MF_DIR_KIND(dir) != MF_M2O_ADD)
				continue;
			r = fn(ctx, l->path, &mf->m2o[MF_DIR_INDEX(dir)].m);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

static int count_enabled(void *ctx, const char *level_path, const struct mapfile_mapping *m)
{
	size_t *n = ctx;

	(void)level_path;
	*n += m->enabled != 0;
	return 0;
}

size_t mf_m2o_count(const struct mapfile *mf, const char *q)
{
	size_t n = 0;

	each_effective(mf, q, count_enabled, &n);
	return n;
}

/* ------------------------------------------------------------ the decision */

struct decide {
	const struct mapfile *mf;
	X509 *x;
	const struct mf_walk *w;
	const struct mapfile_mapping *found;
	enum mapfile_status st;
};

/* V (LEN bytes) quoted for a trace line: control bytes and quotes escaped,
 * long values cut. */
static const char *show(const unsigned char *v, size_t len, char *buf, size_t size)
{
	size_t n = 0, i;

	buf[n++] = '\'';
	/* Room is kept for one escape, "...", the quote and the NUL. */
	for (i = 0; i < len && n + 9 < size; i++) {
		if (v[i] < 0x20 || v[i] == 0x7f || v[i] == '\'')
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", v[i]);
		else
			buf[n++] = (char)v[i];
	}
	if (i < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
}

static void trace_value(void *ctx, const unsigned char *value, size_t len, int matched)
{
	const struct mf_walk *w = ctx;
	char q[SHOW_MAX + 16];

	mf_say(w, "      value %s: %s", show(value, len, q, sizeof(q)),
	       matched ? "matches" : "does not match");
}

static const char *field_name(enum mapfile_field f)
{
	return f == MAPFILE_FIELD_SUBJECT ? "Subject" : "Issuer";
}

/* Does rule R match?  1, 0, or -1 when the certificate's names cannot be read. */
static int rule_matches(struct decide *d, size_t i, const struct mapfile_rule *r)
{
	const X509_NAME *name = r->field == MAPFILE_FIELD_SUBJECT ? X509_get_subject_name(d->x) :
				X509_get_issuer_name(d->x);
	char crit[SHOW_MAX + 16];
	enum certname_status st;

	mf_say(d->w, "    rule %zu (line %lu): %s %s must match %s (%s)", i + 1, r->line,
	       field_name(r->field), certname_subfield_name(r->subfield),
	       show((const unsigned char *)r->criteria, strlen(r->criteria), crit, sizeof(crit)),
	       r->case_sensitive ? "case-sensitive" : "without case");
	st = certname_match(name, r->subfield, r->criteria, r->case_sensitive,
			    d->w != NULL ? trace_value : NULL, (void *)d->w);
	switch (st) {
	case CERTNAME_MATCH:
		return 1;
	case CERTNAME_NO_MATCH:
		return 0;
	case CERTNAME_ABSENT:
		mf_say(d->w, "      the certificate's %s has no %s: the rule never matches",
		       field_name(r->field), certname_subfield_name(r->subfield));
		return 0;
	case CERTNAME_BAD:
		break;
	}
	mf_say(d->w, "      the certificate's %s cannot be read", field_name(r->field));
	return -1;
}

/* All rules of M match: 1, 0, or -1.  Explain looks at every rule. */
static int all_rules_match(struct decide *d, const struct mapfile_mapping *m)
{
	const struct mapfile_rule *rules = mapfile_mapping_rules(d->mf, m);
	int all = 1;

	for (size_t i = 0; i < m->nrules; i++) {
		int r = rule_matches(d, i, &rules[i]);

		if (r < 0)
			return -1;
		all &= r;
		if (!all && d->w == NULL)
			break;
	}
	return all;
}

static void say_mapping(const struct decide *d, const struct mapfile_mapping *m)
{
	char q[SHOW_MAX + 16];

	mf_say(d->w, "  mapping %s (line %lu), %s%s%s%s", show((const unsigned char *)m->name,
	       strlen(m->name), q, sizeof(q)), m->line, m->deny ? "Deny" : "Allow",
	       !m->deny && m->user_name ? " to userName '" : "",
	       !m->deny && m->user_name ? m->user_name : "", !m->deny && m->user_name ? "'" : "");
}

static int try_mapping(void *ctx, const char *level_path, const struct mapfile_mapping *m)
{
	struct decide *d = ctx;
	int r;

	(void)level_path;
	say_mapping(d, m);
	if (!m->enabled) {
		mf_say(d->w, "    disabled (enabled=\"false\"): skipped");
		return 0;
	}
	if (m->nrules == 0) {
		mf_say(d->w, "    no rules: it matches nothing");
		return 0;
	}
	r = all_rules_match(d, m);
	if (r < 0) {
		d->st = MAPFILE_INVALID;
		return 1;
	}
	if (r == 0) {
		mf_say(d->w, "    a rule does not match: the next mapping is tried");
		return 0;
	}
	d->found = m;
	if (m->deny)
		mf_say(d->w, "    every rule matches: this Deny mapping decides, the certificate "
		       "is refused");
	else if (m->user_name == NULL)
		mf_say(d->w, "    every rule matches: this mapping decides, but it has no "
		       "userName, so nothing maps");
	else
		mf_say(d->w, "    every rule matches: this mapping decides for userName '%s'",
		       m->user_name);
	return 1;
}

enum mapfile_status mf_m2o_decide(const struct mapfile *mf, const char *q, X509 *x,
				  const struct mapfile_mapping **out, const struct mf_walk *w)
{
	struct decide d = { mf, x, w, NULL, MAPFILE_OK };

	*out = NULL;
	if (x == NULL)
		return MAPFILE_INVALID;
	mf_say(w, "many-to-one mappings, in order:");
	each_effective(mf, q, try_mapping, &d);
	if (d.st != MAPFILE_OK)
		return d.st;
	if (d.found == NULL)
		mf_say(w, "no many-to-one mapping matches this certificate");
	*out = d.found;
	return MAPFILE_OK;
}

/* ------------------------------------------------------------ for the editor */

struct each {
	mapfile_mapping_fn fn;
	void *ctx;
};

static int each_one(void *ctx, const char *level_path, const struct mapfile_mapping *m)
{
	const struct each *e = ctx;

	e->fn(e->ctx, level_path, m);
	return 0;
}

void mapfile_foreach_effective_mapping(const struct mapfile *mf, const char *location,
				       mapfile_mapping_fn fn, void *ctx)
{
	struct each e = { fn, ctx };

	each_effective(mf, location, each_one, &e);
}
