/* mapfile_parse.c - the expat pass over a mapping file: where the section may
 * stand, the IIS schema of SPEC 2.2, and what each level says. */
#include "config.h"
#include "ascii.h"
#include "mapfile_model.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTION "iisClientCertificateMappingAuthentication"
#define READ_CHUNK 65536

/* Where the parser stands; outside these it skips subtrees it does not know. */
enum ctx {
	C_CONFIG, C_LOCATION, C_SYSWEB, C_SECURITY, C_AUTHN,
	C_SECTION, C_O2O, C_O2O_ADD, C_M2O, C_M2O_ADD, C_RULES, C_RULE_ADD, C_CLEAR,
};
#define MAX_DEPTH 16

static const char *const ctx_name[] = {
	[C_CONFIG] = "configuration", [C_LOCATION] = "location",
	[C_SYSWEB] = "system.webServer", [C_SECURITY] = "security",
	[C_AUTHN] = "authentication", [C_SECTION] = SECTION,
	[C_O2O] = "oneToOneMappings", [C_O2O_ADD] = "add", [C_M2O] = "manyToOneMappings",
	[C_M2O_ADD] = "add", [C_RULES] = "rules", [C_RULE_ADD] = "add", [C_CLEAR] = "clear",
};

struct pstate {
	XML_Parser p;
	struct mapfile *mf;
	const struct mf_parse_args *a;
	struct mapfile_error *err;
	int failed;
	enum ctx stack[MAX_DEPTH];
	int sp;
	unsigned long skip_depth;   /* > 0 inside a subtree that is not ours */
	char *loc_path;             /* path of the open <location>, NULL outside */
	size_t level;               /* index of the open section's level */
	int seen_o2o, seen_m2o, seen_rules;
	struct b64key *rules;       /* combined keys of the open <rules> */
	size_t nrules, caprules;
};

/* ------------------------------------------------------------------ errors */

void mf_error(struct mapfile_error *err, enum mapfile_status st, unsigned long line,
	      unsigned long column, const char *fmt, ...)
{
	va_list ap;

	err->status = st;
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

static void fail(struct pstate *s, enum mapfile_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first error at the parser's position and stop the parse. */
static void fail(struct pstate *s, enum mapfile_status st, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = 1;
	s->err->status = st;
	s->err->line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	s->err->column = (unsigned long)XML_GetCurrentColumnNumber(s->p) + 1;
	va_start(ap, fmt);
	vsnprintf(s->err->reason, sizeof(s->err->reason), fmt, ap);
	va_end(ap);
	XML_StopParser(s->p, XML_FALSE);
}

static int grow(void **arr, size_t *cap, size_t n, size_t elsize)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > ((size_t)-1) / elsize)
		return -1;
	p = realloc(*arr, ncap * elsize);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static char *dup_or_fail(struct pstate *s, const char *v)
{
	char *d = strdup(v);

	if (d == NULL)
		fail(s, MAPFILE_NOMEM, "out of memory");
	return d;
}

/* -------------------------------------------------------------- attributes */

enum atype { A_STR, A_BOOL, A_ENUM };
#define A_REQ 1
#define A_NONEMPTY 2

struct adef {
	const char *name;
	enum atype type;
	int flags;
	const char *const *names;  /* A_ENUM: NULL-terminated */
};

static const char *const logon_methods[] = { "Interactive", "Batch", "Network", "ClearText", NULL };
static const char *const permission_modes[] = { "Allow", "Deny", NULL };
static const char *const cert_fields[] = { "Subject", "Issuer", NULL };

static const struct adef section_attrs[] = {
	{ "enabled", A_BOOL, 0, NULL },
	{ "oneToOneCertificateMappingsEnabled", A_BOOL, 0, NULL },
	{ "manyToOneCertificateMappingsEnabled", A_BOOL, 0, NULL },
	{ "defaultLogonDomain", A_STR, 0, NULL },
	{ "logonMethod", A_ENUM, 0, logon_methods },
};
enum { SA_ENABLED, SA_O2O, SA_M2O, SA_DOMAIN, SA_LOGON, SA_N };

static const struct adef o2o_add_attrs[] = {
	{ "enabled", A_BOOL, 0, NULL },
	{ "userName", A_STR, 0, NULL },
	{ "password", A_STR, 0, NULL },
	{ "certificate", A_STR, A_REQ, NULL },
};
enum { OA_ENABLED, OA_USER, OA_PASSWORD, OA_CERT, OA_N };

static const struct adef m2o_add_attrs[] = {
	{ "name", A_STR, A_REQ | A_NONEMPTY, NULL },
	{ "description", A_STR, 0, NULL },
	{ "enabled", A_BOOL, 0, NULL },
	{ "permissionMode", A_ENUM, 0, permission_modes },
	{ "userName", A_STR, A_NONEMPTY, NULL },
	{ "password", A_STR, 0, NULL },
};
enum { MA_NAME, MA_N = 6 };

static const struct adef rule_add_attrs[] = {
	{ "certificateField", A_ENUM, A_REQ, cert_fields },
	{ "certificateSubField", A_STR, A_REQ, NULL },
	{ "matchCriteria", A_STR, A_REQ, NULL },
	{ "compareCaseSensitive", A_BOOL, 0, NULL },
};
enum { RA_FIELD, RA_SUB, RA_MATCH, RA_CASE, RA_N };

/* IIS locking meta-attributes: allowed anywhere in the section, no meaning here. */
static int is_lock_attr(const char *name)
{
	return strcmp(name, "lockItem") == 0 || strcmp(name, "lockAttributes") == 0 ||
	       strcmp(name, "lockElements") == 0 || strcmp(name, "lockAllAttributesExcept") == 0 ||
	       strcmp(name, "lockAllElementsExcept") == 0;
}

static int bool_value(const char *v)
{
	if (ascii_casecmp(v, "true") == 0)
		return 1;
	if (ascii_casecmp(v, "false") == 0)
		return 0;
	return -1;
}

static int enum_index(const char *const *names, const char *v)
{
	for (int i = 0; names[i] != NULL; i++)
		if (ascii_casecmp(names[i], v) == 0)
			return i;
	return -1;
}

static int check_value(struct pstate *s, const char *el, const struct adef *d, const char *v)
{
	if (d->type == A_BOOL && bool_value(v) < 0) {
		fail(s, MAPFILE_INVALID, "attribute '%s' of <%s> must be true or false, not '%s'",
		     d->name, el, v);
		return -1;
	}
	if (d->type == A_ENUM && enum_index(d->names, v) < 0) {
		char list[128] = "";

		for (int i = 0; d->names[i] != NULL; i++) {
			strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, d->names[i], sizeof(list) - strlen(list) - 1);
		}
		fail(s, MAPFILE_INVALID, "attribute '%s' of <%s> must be one of %s, not '%s'",
		     d->name, el, list, v);
		return -1;
	}
	if ((d->flags & A_NONEMPTY) && v[0] == '\0') {
		fail(s, MAPFILE_INVALID, "attribute '%s' of <%s> must not be empty", d->name, el);
		return -1;
	}
	return 0;
}

static int unknown_attr(struct pstate *s, const char *el, const char *name)
{
	if (strcmp(name, "configSource") == 0)
		fail(s, MAPFILE_INVALID, "configSource is not supported: pam_certmap reads one "
		     "file; move the section into this file");
	else
		fail(s, MAPFILE_INVALID, "unrecognized attribute '%s' on <%s>", name, el);
	return -1;
}

/* Validate ATTS of element EL against DEFS; VALS[i] is the value of DEFS[i]
 * or NULL.  Returns 0, or -1 after fail(). */
static int check_attrs(struct pstate *s, const char *el, const char **atts,
		       const struct adef *defs, size_t n, const char **vals)
{
	for (size_t i = 0; i < n; i++)
		vals[i] = NULL;
	for (; atts[0] != NULL; atts += 2) {
		size_t i;

		for (i = 0; i < n && strcmp(defs[i].name, atts[0]) != 0; i++)
			;
		if (i == n) {
			if (is_lock_attr(atts[0]))
				continue;
			return unknown_attr(s, el, atts[0]);
		}
		if (check_value(s, el, &defs[i], atts[1]) != 0)
			return -1;
		vals[i] = atts[1];
	}
	for (size_t i = 0; i < n; i++) {
		if ((defs[i].flags & A_REQ) && vals[i] == NULL) {
			fail(s, MAPFILE_INVALID, "<%s> is missing its required attribute '%s'",
			     el, defs[i].name);
			return -1;
		}
	}
	return 0;
}

static int bool_or(const char *v, int dflt)
{
	return v == NULL ? dflt : bool_value(v);
}

/* ------------------------------------------------------------------- levels */

/* "a//B/./c/" -> "a/B/c", counting segments; "." and "" are the top level. */
static char *path_normalize(const char *path, size_t *nseg)
{
	size_t len = strlen(path);
	char *out = malloc(len + 1);
	size_t o = 0;

	*nseg = 0;
	if (out == NULL)
		return NULL;
	for (const char *p = path; *p != '\0';) {
		size_t seg = strcspn(p, "/");

		if (seg > 0 && !(seg == 1 && p[0] == '.')) {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, seg);
			o += seg;
			(*nseg)++;
		}
		p += seg;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	return out;
}

static void section_begin(struct pstate *s, const char **atts);

static void text_handler(void *ud, const XML_Char *t, int len)
{
	struct pstate *s = ud;

	for (int i = 0; i < len; i++) {
		if (!b64_is_space((unsigned char)t[i])) {
			fail(s, MAPFILE_INVALID, "text is not allowed inside <%s>",
			     ctx_name[s->stack[s->sp - 1]]);
			return;
		}
	}
}

static void section_begin(struct pstate *s, const char **atts)
{
	struct mapfile *mf = s->mf;
	const char *v[SA_N];
	struct mf_level *l;

	if (check_attrs(s, SECTION, atts, section_attrs, SA_N, v) != 0)
		return;
	if (grow((void **)&mf->levels, &mf->caplevels, mf->nlevels, sizeof(*l)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	l = &mf->levels[mf->nlevels];
	memset(l, 0, sizeof(*l));
	l->line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	l->column = (unsigned long)XML_GetCurrentColumnNumber(s->p) + 1;
	l->path = strdup(s->loc_path ? s->loc_path : "");
	l->norm = l->path ? path_normalize(l->path, &l->nseg) : NULL;
	l->default_logon_domain = v[SA_DOMAIN] ? strdup(v[SA_DOMAIN]) : NULL;
	l->enabled = bool_or(v[SA_ENABLED], MF_UNSET);
	l->o2o_enabled = bool_or(v[SA_O2O], MF_UNSET);
	l->m2o_enabled = bool_or(v[SA_M2O], MF_UNSET);
	l->first_dir = mf->ndirs;
	s->level = mf->nlevels++;
	if (l->path == NULL || l->norm == NULL || (v[SA_DOMAIN] && !l->default_logon_domain)) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	s->seen_o2o = s->seen_m2o = 0;
	XML_SetCharacterDataHandler(s->p, text_handler);
}

static void section_end(struct pstate *s)
{
	struct mf_level *l = &s->mf->levels[s->level];

	l->ndir = s->mf->ndirs - l->first_dir;
	XML_SetCharacterDataHandler(s->p, NULL);
}

/* --------------------------------------------------------------- directives */

static int add_dir(struct pstate *s, enum mf_dir_kind kind, size_t index)
{
	struct mapfile *mf = s->mf;

	if (index > MF_DIR_MAX_INDEX) {
		fail(s, MAPFILE_INVALID, "too many entries in one file");
		return -1;
	}
	if (grow((void **)&mf->dirs, &mf->capdirs, mf->ndirs, sizeof(*mf->dirs)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return -1;
	}
	mf->dirs[mf->ndirs++] = MF_DIR(kind, index);
	return 0;
}

static void add_clear(struct pstate *s, enum mf_dir_kind kind)
{
	struct mapfile *mf = s->mf;

	if (grow((void **)&mf->clears, &mf->capclears, mf->nclears, sizeof(*mf->clears)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	mf->clears[mf->nclears].line = (uint32_t)XML_GetCurrentLineNumber(s->p);
	mf->clears[mf->nclears].column = (uint32_t)XML_GetCurrentColumnNumber(s->p) + 1;
	add_dir(s, kind, mf->nclears++);
}

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

static int is_encrypted(const char *pw)
{
	size_t n = strlen(pw);

	return n >= 10 && strncmp(pw, "[enc:", 5) == 0 && strcmp(pw + n - 5, ":enc]") == 0;
}

/* The public entry of an <add> that equals a candidate, or of every <add>
 * with keep_all. */
static void o2o_keep(struct pstate *s, const char *const *v, const struct b64scan *sc,
		     struct mf_o2o *o, int cand)
{
	struct mapfile *mf = s->mf;
	struct mapfile_entry *e;

	if (grow((void **)&mf->entries, &mf->capentries, mf->nentries, sizeof(*e)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	e = &mf->entries[mf->nentries];
	memset(e, 0, sizeof(*e));
	e->line = o->line;
	e->column = o->column;
	e->enabled = bool_or(v[OA_ENABLED], 1);
	e->dead = sc->dead;
	e->cand = cand;
	e->has_password = v[OA_PASSWORD] != NULL;
	e->password_plain = v[OA_PASSWORD] != NULL && !is_encrypted(v[OA_PASSWORD]);
	o->entry = (uint32_t)mf->nentries++;
	if (v[OA_USER] != NULL && (e->user_name = dup_or_fail(s, v[OA_USER])) == NULL)
		return;
	if (s->a->params->keep_all && (e->certificate = strip_copy(v[OA_CERT], sc->len)) == NULL)
		fail(s, MAPFILE_NOMEM, "out of memory");
}

/* A whitespace-holding value: its key as written decides between the IIS
 * duplicate message and the same-certificate one. */
static void o2o_raw(struct pstate *s, const char *value)
{
	struct mapfile *mf = s->mf;

	if (grow((void **)&mf->raws, &mf->capraws, mf->nraws, sizeof(*mf->raws)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	mf->raws[mf->nraws].o2o = (uint32_t)(mf->no2o - 1);
	mf->raws[mf->nraws].raw = b64key_raw(value);
	mf->nraws++;
}

static void o2o_add(struct pstate *s, const char **atts)
{
	struct mapfile *mf = s->mf;
	const char *v[OA_N];
	struct b64scan sc;
	struct mf_o2o *o;
	size_t plen;
	int cand;

	if (check_attrs(s, "add", atts, o2o_add_attrs, OA_N, v) != 0)
		return;
	if (grow((void **)&mf->o2o, &mf->capo2o, mf->no2o, sizeof(*o)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	b64scan(v[OA_CERT], &sc);
	o = &mf->o2o[mf->no2o++];
	o->key = sc.key;
	o->line = (uint32_t)XML_GetCurrentLineNumber(s->p);
	o->column = (uint32_t)XML_GetCurrentColumnNumber(s->p) + 1;
	o->entry = MF_NO_ENTRY;
	o->has_space = (uint8_t)sc.has_space;
	plen = strnlen(v[OA_CERT], sizeof(o->prefix) - 1);
	memcpy(o->prefix, v[OA_CERT], plen);
	o->prefix[plen] = '\0';
	if (sc.has_space)
		o2o_raw(s, v[OA_CERT]);
	cand = match_candidate(s, v[OA_CERT], &sc);
	if (cand >= 0 || s->a->params->keep_all)
		o2o_keep(s, v, &sc, o, cand);
	if (!s->failed)
		add_dir(s, MF_O2O_ADD, mf->no2o - 1);
}

static void lower_copy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i] != '\0'; i++)
		dst[i] = (char)ascii_lower((unsigned char)src[i]);
	dst[i] = '\0';
}

static void m2o_add(struct pstate *s, const char **atts)
{
	struct mapfile *mf = s->mf;
	const char *v[MA_N];
	struct mf_m2o *m;
	char *lower;
	size_t n;

	if (check_attrs(s, "add", atts, m2o_add_attrs, MA_N, v) != 0)
		return;
	if (grow((void **)&mf->m2o, &mf->capm2o, mf->nm2o, sizeof(*m)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	n = strlen(v[MA_NAME]) + 1;
	lower = malloc(n);
	m = &mf->m2o[mf->nm2o];
	m->name = strdup(v[MA_NAME]);
	if (lower == NULL || m->name == NULL) {
		free(lower);
		free(m->name);
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	/* The name is the key, compared without case. */
	lower_copy(lower, v[MA_NAME], n);
	m->key = b64key_raw(lower);
	free(lower);
	m->line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	m->column = (unsigned long)XML_GetCurrentColumnNumber(s->p) + 1;
	mf->nm2o++;
	s->nrules = 0;
	s->seen_rules = 0;
	add_dir(s, MF_M2O_ADD, mf->nm2o - 1);
}

/* A rule's combined key; the enum by its canonical name, defaults applied. */
static void rule_add(struct pstate *s, const char **atts)
{
	const char *v[RA_N];
	struct b64key k, k2;
	int field, cs;

	if (check_attrs(s, "add", atts, rule_add_attrs, RA_N, v) != 0)
		return;
	field = enum_index(cert_fields, v[RA_FIELD]);
	if (field < 0) {
		/* check_attrs refuses it first; fail closed all the same */
		fail(s, MAPFILE_INVALID, "<add> has no valid certificateField");
		return;
	}
	cs = bool_or(v[RA_CASE], 1);
	k = b64key_raw(v[RA_SUB]);
	k2 = b64key_raw(v[RA_MATCH]);
	/* Order matters (sub-field, then criteria); the enum and bool go in too. */
	k.a = (k.a * 0x9e3779b97f4a7c15ULL) ^ k2.a ^ (uint64_t)(field * 2 + cs);
	k.b = (k.b * 0xc2b2ae3d27d4eb4fULL) ^ k2.b ^ (uint64_t)(field * 2 + cs);
	for (size_t i = 0; i < s->nrules; i++) {
		if (s->rules[i].a == k.a && s->rules[i].b == k.b) {
			fail(s, MAPFILE_INVALID, "Cannot add duplicate collection entry of type "
			     "'add' with combined key attributes 'certificateField, "
			     "certificateSubField, matchCriteria, compareCaseSensitive' "
			     "respectively set to '%s, %.64s, %.64s, %s'", cert_fields[field],
			     v[RA_SUB], v[RA_MATCH], cs ? "true" : "false");
			return;
		}
	}
	if (grow((void **)&s->rules, &s->caprules, s->nrules, sizeof(*s->rules)) != 0) {
		fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	s->rules[s->nrules++] = k;
}

/* ----------------------------------------------------------------- elements */

static void push(struct pstate *s, enum ctx c)
{
	s->stack[s->sp++] = c;
}

static int only_lock_attrs(struct pstate *s, const char *el, const char **atts)
{
	return check_attrs(s, el, atts, NULL, 0, NULL);
}

static void unrecognized(struct pstate *s, const char *name, enum ctx parent)
{
	if (strcmp(name, "remove") == 0 && (parent == C_O2O || parent == C_M2O || parent == C_RULES))
		fail(s, MAPFILE_INVALID, "unrecognized element 'remove': the IIS schema has no "
		     "<remove> in <%s>; use <clear/> and add back the entries to keep",
		     ctx_name[parent]);
	else
		fail(s, MAPFILE_INVALID, "unrecognized element '%s' inside <%s>", name,
		     ctx_name[parent]);
}

/* A collection's <add>/<clear/>; PARENT is the collection. */
static void collection_child(struct pstate *s, enum ctx parent, const char *name,
			     const char **atts)
{
	if (strcmp(name, "clear") == 0) {
		if (only_lock_attrs(s, "clear", atts) != 0)
			return;
		if (parent == C_O2O)
			add_clear(s, MF_O2O_CLEAR);
		else if (parent == C_M2O)
			add_clear(s, MF_M2O_CLEAR);
		else
			s->nrules = 0;
		push(s, C_CLEAR);
		return;
	}
	if (strcmp(name, "add") != 0) {
		unrecognized(s, name, parent);
		return;
	}
	if (parent == C_O2O) {
		o2o_add(s, atts);
		push(s, C_O2O_ADD);
	} else if (parent == C_M2O) {
		m2o_add(s, atts);
		push(s, C_M2O_ADD);
	} else {
		rule_add(s, atts);
		push(s, C_RULE_ADD);
	}
}

/* Children of the section, and of a many-to-one <add>: each at most once. */
static void once_child(struct pstate *s, int *seen, enum ctx c, const char *name,
		       const char **atts, enum ctx parent)
{
	if (*seen) {
		fail(s, MAPFILE_INVALID, "<%s> appears more than once in <%s>", name,
		     ctx_name[parent]);
		return;
	}
	*seen = 1;
	if (only_lock_attrs(s, name, atts) != 0)
		return;
	if (c == C_RULES)
		s->nrules = 0;
	push(s, c);
}

static void section_child(struct pstate *s, enum ctx top, const char *name, const char **atts)
{
	switch (top) {
	case C_SECTION:
		if (strcmp(name, "oneToOneMappings") == 0)
			once_child(s, &s->seen_o2o, C_O2O, name, atts, top);
		else if (strcmp(name, "manyToOneMappings") == 0)
			once_child(s, &s->seen_m2o, C_M2O, name, atts, top);
		else
			unrecognized(s, name, top);
		return;
	case C_O2O:
	case C_M2O:
	case C_RULES:
		collection_child(s, top, name, atts);
		return;
	case C_M2O_ADD:
		if (strcmp(name, "rules") == 0)
			once_child(s, &s->seen_rules, C_RULES, name, atts, top);
		else
			unrecognized(s, name, top);
		return;
	default:
		unrecognized(s, name, top);
		return;
	}
}

static void location_begin(struct pstate *s, const char **atts)
{
	const char *path = "";

	/* overrideMode, allowOverride, inheritInChildApplications: no meaning here. */
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], "path") == 0)
			path = atts[1];
	s->loc_path = dup_or_fail(s, path);
	push(s, C_LOCATION);
}

static int in_location(const struct pstate *s)
{
	return s->loc_path != NULL;
}

/* An element we do not interpret: skip its subtree, but a section or a
 * <location> in the wrong place must not vanish silently. */
static void skip_begin(struct pstate *s, const char *name)
{
	if (strcmp(name, SECTION) == 0) {
		fail(s, MAPFILE_INVALID, "<" SECTION "> is misplaced: it belongs in "
		     "configuration/system.webServer/security/authentication");
		return;
	}
	if (strcmp(name, "location") == 0 && in_location(s)) {
		fail(s, MAPFILE_INVALID, "<location> inside another <location> is not allowed");
		return;
	}
	s->skip_depth++;
}

/* The path from <configuration> (or <location>) down to the section. */
static void outer_child(struct pstate *s, enum ctx top, const char *name, const char **atts)
{
	static const struct {
		enum ctx parent;
		const char *name;
		enum ctx child;
	} steps[] = {
		{ C_CONFIG, "system.webServer", C_SYSWEB },
		{ C_LOCATION, "system.webServer", C_SYSWEB },
		{ C_SYSWEB, "security", C_SECURITY },
		{ C_SECURITY, "authentication", C_AUTHN },
	};

	if (top == C_CONFIG && strcmp(name, "location") == 0) {
		location_begin(s, atts);
		return;
	}
	if (top == C_AUTHN && strcmp(name, SECTION) == 0) {
		section_begin(s, atts);
		push(s, C_SECTION);
		return;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].parent == top && strcmp(steps[i].name, name) == 0) {
			push(s, steps[i].child);
			return;
		}
	}
	skip_begin(s, name);
}

static void root_element(struct pstate *s, const char *name, const char **atts)
{
	if (strcmp(name, "configuration") == 0) {
		push(s, C_CONFIG);
	} else if (strcmp(name, SECTION) == 0) {
		section_begin(s, atts);
		push(s, C_SECTION);
	} else {
		fail(s, MAPFILE_INVALID, "the root element must be <configuration> or <" SECTION
		     ">, not <%s>", name);
	}
}

static void start_handler(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct pstate *s = ud;
	enum ctx top;

	if (s->failed)
		return;
	if (s->skip_depth > 0) {
		skip_begin(s, name);
		return;
	}
	if (s->sp == 0) {
		root_element(s, name, atts);
		return;
	}
	if (s->sp >= MAX_DEPTH) {
		fail(s, MAPFILE_INVALID, "elements nested too deeply");
		return;
	}
	top = s->stack[s->sp - 1];
	if (top < C_SECTION)
		outer_child(s, top, name, atts);
	else
		section_child(s, top, name, atts);
}

static void end_handler(void *ud, const XML_Char *name)
{
	struct pstate *s = ud;
	enum ctx top;

	(void)name;
	if (s->failed)
		return;
	if (s->skip_depth > 0) {
		s->skip_depth--;
		return;
	}
	top = s->stack[--s->sp];
	if (top == C_SECTION) {
		section_end(s);
	} else if (top == C_LOCATION) {
		free(s->loc_path);
		s->loc_path = NULL;
	}
}

static void doctype_handler(void *ud, const XML_Char *name, const XML_Char *sysid,
			    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	fail(ud, MAPFILE_INVALID, "a DOCTYPE is not allowed: this file is read inside login "
	     "processes and must have no DTD or entities");
}

/* -------------------------------------------------------------------- parse */

static enum mapfile_status parse_error(struct pstate *s)
{
	enum XML_Error code = XML_GetErrorCode(s->p);

	if (s->failed)
		return s->err->status;
	mf_error(s->err, code == XML_ERROR_NO_MEMORY ? MAPFILE_NOMEM : MAPFILE_INVALID,
		 (unsigned long)XML_GetCurrentLineNumber(s->p),
		 (unsigned long)XML_GetCurrentColumnNumber(s->p) + 1,
		 "not well-formed XML: %s", XML_ErrorString(code));
	return s->err->status;
}

/* Expat guesses UTF-16 from "<" and a NUL byte when there is no byte-order
 * mark; XML 1.0 (4.3.3) requires the mark, and so does SPEC 2.1. */
static enum mapfile_status check_start(struct pstate *s, const char *p, size_t n)
{
	if ((n > 0 && p[0] == '\0') || (n > 1 && p[1] == '\0')) {
		mf_error(s->err, MAPFILE_INVALID, 1, 1, "UTF-16 without a byte-order mark (or a "
			 "NUL byte): save the file as UTF-8, or as UTF-16 with a BOM");
		return MAPFILE_INVALID;
	}
	return MAPFILE_OK;
}

static enum mapfile_status parse_fd(struct pstate *s)
{
	size_t total = 0;

	for (;;) {
		void *buf = XML_GetBuffer(s->p, READ_CHUNK);
		ssize_t r;

		if (buf == NULL) {
			mf_error(s->err, MAPFILE_NOMEM, 0, 0, "out of memory");
			return MAPFILE_NOMEM;
		}
		do {
			r = read(s->a->fd, buf, READ_CHUNK);
		} while (r < 0 && errno == EINTR);
		if (r < 0) {
			mf_error(s->err, MAPFILE_IO, 0, 0, "read failed: %s", strerror(errno));
			return MAPFILE_IO;
		}
		if (total == 0 && check_start(s, buf, (size_t)r) != MAPFILE_OK)
			return MAPFILE_INVALID;
		total += (size_t)r;
		if (total > s->a->max_size) {
			mf_error(s->err, MAPFILE_UNSAFE, 0, 0, "grew beyond the size limit of %zu "
				 "bytes while being read", s->a->max_size);
			return MAPFILE_UNSAFE;
		}
		if (XML_ParseBuffer(s->p, (int)r, r == 0) != XML_STATUS_OK)
			return parse_error(s);
		if (r == 0)
			return MAPFILE_OK;
	}
}

static enum mapfile_status parse_buf(struct pstate *s)
{
	const char *p = s->a->buf;
	size_t left = s->a->len;

	if (check_start(s, p, left) != MAPFILE_OK)
		return MAPFILE_INVALID;
	/* XML_Parse takes an int length: feed large buffers in pieces. */
	do {
		int n = left > (size_t)1 << 30 ? 1 << 30 : (int)left;

		left -= (size_t)n;
		if (XML_Parse(s->p, p, n, left == 0) != XML_STATUS_OK)
			return parse_error(s);
		p += n;
	} while (left > 0);
	return MAPFILE_OK;
}

enum mapfile_status mf_parse(struct mapfile *mf, const struct mf_parse_args *a,
			     struct mapfile_error *err)
{
	struct pstate s;
	enum mapfile_status rc;

	memset(&s, 0, sizeof(s));
	s.mf = mf;
	s.a = a;
	s.err = err;
	s.p = XML_ParserCreate(NULL);
	if (s.p == NULL) {
		mf_error(err, MAPFILE_NOMEM, 0, 0, "out of memory");
		return MAPFILE_NOMEM;
	}
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, start_handler, end_handler);
	XML_SetStartDoctypeDeclHandler(s.p, doctype_handler);
	XML_SetParamEntityParsing(s.p, XML_PARAM_ENTITY_PARSING_NEVER);
	rc = a->fd >= 0 ? parse_fd(&s) : parse_buf(&s);
	XML_ParserFree(s.p);
	free(s.loc_path);
	free(s.rules);
	return rc;
}
