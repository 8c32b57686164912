/* mapfile_parse.c - the expat pass over a mapping file: where the section may
 * stand, the IIS schema of SPEC 2.2, and what each level says. */
#include "config.h"
#include "mapfile_parse.h"

#include <errno.h>
#include <expat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECTION MF_SECTION
#define READ_CHUNK 65536

static const char *const ctx_name[] = {
	[C_CONFIG] = "configuration", [C_LOCATION] = "location",
	[C_SYSWEB] = "system.webServer", [C_SECURITY] = "security",
	[C_AUTHN] = "authentication", [C_SECTION] = SECTION,
	[C_O2O] = "oneToOneMappings", [C_O2O_ADD] = "add", [C_M2O] = "manyToOneMappings",
	[C_M2O_ADD] = "add", [C_RULES] = "rules", [C_RULE_ADD] = "add", [C_CLEAR] = "clear",
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

void mf_fail(struct pstate *s, enum mapfile_status st, const char *fmt, ...)
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

int mf_grow(void **arr, size_t *cap, size_t n, size_t elsize)
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

uint32_t mf_line(const struct pstate *s)
{
	return (uint32_t)XML_GetCurrentLineNumber(s->p);
}

uint32_t mf_column(const struct pstate *s)
{
	return (uint32_t)XML_GetCurrentColumnNumber(s->p) + 1;
}

static char *dup_or_fail(struct pstate *s, const char *v)
{
	char *d = strdup(v);

	if (d == NULL)
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
	return d;
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
			mf_fail(s, MAPFILE_INVALID, "text is not allowed inside <%s>",
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

	if (mf_check_attrs(s, SECTION, atts, mf_section_attrs, SA_N, v) != 0)
		return;
	if (mf_grow((void **)&mf->levels, &mf->caplevels, mf->nlevels, sizeof(*l)) != 0) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
		return;
	}
	l = &mf->levels[mf->nlevels];
	memset(l, 0, sizeof(*l));
	l->line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	l->column = (unsigned long)XML_GetCurrentColumnNumber(s->p) + 1;
	l->path = strdup(s->loc_path ? s->loc_path : "");
	l->norm = l->path ? path_normalize(l->path, &l->nseg) : NULL;
	l->default_logon_domain = v[SA_DOMAIN] ? strdup(v[SA_DOMAIN]) : NULL;
	l->enabled = mf_bool(v[SA_ENABLED], MF_UNSET);
	l->o2o_enabled = mf_bool(v[SA_O2O], MF_UNSET);
	l->m2o_enabled = mf_bool(v[SA_M2O], MF_UNSET);
	l->first_dir = mf->ndirs;
	l->place = s->place;
	l->section_span = mf_top_span(s);
	l->o2o_span = l->m2o_span = MF_NO_SPAN;
	s->level = mf->nlevels++;
	if (l->path == NULL || l->norm == NULL || (v[SA_DOMAIN] && !l->default_logon_domain)) {
		mf_fail(s, MAPFILE_NOMEM, "out of memory");
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

/* ----------------------------------------------------------------- elements */

static void push(struct pstate *s, enum mf_ctx c)
{
	s->stack[s->sp++] = c;
	if (s->positions)
		mf_pos_push(s);
}

static int only_lock_attrs(struct pstate *s, const char *el, const char **atts)
{
	return mf_check_attrs(s, el, atts, NULL, 0, NULL);
}

static void unrecognized(struct pstate *s, const char *name, enum mf_ctx parent)
{
	if (strcmp(name, "remove") == 0 && (parent == C_O2O || parent == C_M2O || parent == C_RULES))
		mf_fail(s, MAPFILE_INVALID, "unrecognized element 'remove': the IIS schema has no "
		     "<remove> in <%s>; use <clear/> and add back the entries to keep",
		     ctx_name[parent]);
	else
		mf_fail(s, MAPFILE_INVALID, "unrecognized element '%s' inside <%s>", name,
		     ctx_name[parent]);
}

/* A collection's <add>/<clear/>; PARENT is the collection. */
static void collection_child(struct pstate *s, enum mf_ctx parent, const char *name,
			     const char **atts)
{
	if (strcmp(name, "clear") == 0) {
		if (only_lock_attrs(s, "clear", atts) != 0)
			return;
		mf_clear(s, parent);
		push(s, C_CLEAR);
		return;
	}
	if (strcmp(name, "add") != 0) {
		unrecognized(s, name, parent);
		return;
	}
	if (parent == C_O2O) {
		push(s, C_O2O_ADD);
		mf_o2o_add(s, atts);
	} else if (parent == C_M2O) {
		push(s, C_M2O_ADD);
		mf_m2o_add(s, atts);
	} else {
		push(s, C_RULE_ADD);
		mf_rule_add(s, atts);
	}
}

/* Children of the section, and of a many-to-one <add>: each at most once. */
static void once_child(struct pstate *s, int *seen, enum mf_ctx c, const char *name,
		       const char **atts, enum mf_ctx parent)
{
	if (*seen) {
		mf_fail(s, MAPFILE_INVALID, "<%s> appears more than once in <%s>", name,
		     ctx_name[parent]);
		return;
	}
	*seen = 1;
	if (only_lock_attrs(s, name, atts) != 0)
		return;
	if (c == C_RULES)
		s->nrule_keys = 0;
	push(s, c);
	mf_pos_collection(s, c);
}

static void section_child(struct pstate *s, enum mf_ctx top, const char *name, const char **atts)
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
	mf_pos_place(s, path);
}

static int in_location(const struct pstate *s)
{
	return s->loc_path != NULL;
}

/* The name of the element a skipped element NAME stands in. */
static const char *skip_parent(const struct pstate *s)
{
	if (s->skip_depth == 0)
		return s->sp > 0 ? ctx_name[s->stack[s->sp - 1]] : "";
	return s->skip_depth <= MF_SKIP_NAMES ? s->skip_names[s->skip_depth - 1] : "...";
}

/* An element we do not interpret: skip its subtree, but a section, one of
 * its collections or a <location> in the wrong place must not vanish
 * silently (SPEC 2.3). */
static void skip_begin(struct pstate *s, const char *name)
{
	if (strcmp(name, SECTION) == 0) {
		mf_fail(s, MAPFILE_INVALID, "<" SECTION "> is misplaced: it belongs in "
		     "configuration/system.webServer/security/authentication");
		return;
	}
	if (strcmp(name, "oneToOneMappings") == 0 || strcmp(name, "manyToOneMappings") == 0) {
		/* IIS says "Unrecognized element" of a collection under, say,
		 * <clientCertificateMappingAuthentication>, the AD mapping. */
		mf_fail(s, MAPFILE_INVALID, "unrecognized element '%s' inside <%.64s>: it belongs "
			"directly inside <" SECTION ">", name, skip_parent(s));
		return;
	}
	if (strcmp(name, "location") == 0 && in_location(s)) {
		mf_fail(s, MAPFILE_INVALID, "<location> inside another <location> is not allowed");
		return;
	}
	if (s->skip_depth < MF_SKIP_NAMES) {
		size_t n = strnlen(name, MF_SKIP_NAME_LEN - 1);

		memcpy(s->skip_names[s->skip_depth], name, n);
		s->skip_names[s->skip_depth][n] = '\0';
	}
	s->skip_depth++;
}

/* The path from <configuration> (or <location>) down to the section. */
static void outer_child(struct pstate *s, enum mf_ctx top, const char *name, const char **atts)
{
	static const struct {
		enum mf_ctx parent;
		const char *name;
		enum mf_ctx child;
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
		push(s, C_SECTION);
		section_begin(s, atts);
		return;
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i].parent == top && strcmp(steps[i].name, name) == 0) {
			push(s, steps[i].child);
			mf_pos_step(s, steps[i].child);
			return;
		}
	}
	skip_begin(s, name);
}

static void root_element(struct pstate *s, const char *name, const char **atts)
{
	if (strcmp(name, "configuration") == 0) {
		push(s, C_CONFIG);
		mf_pos_place(s, NULL);
	} else if (strcmp(name, SECTION) == 0) {
		s->mf->bare = 1;
		push(s, C_SECTION);
		section_begin(s, atts);
	} else {
		mf_fail(s, MAPFILE_INVALID, "the root element must be <configuration> or <" SECTION
		     ">, not <%s>", name);
	}
}

static void start_handler(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct pstate *s = ud;
	enum mf_ctx top;

	if (s->failed)
		return;
	if (s->skip_depth > 0) {
		skip_begin(s, name);
		return;
	}
	if (s->positions)
		mf_pos_child(s);
	if (s->sp == 0) {
		root_element(s, name, atts);
		return;
	}
	if (s->sp >= MF_MAX_DEPTH) {
		mf_fail(s, MAPFILE_INVALID, "elements nested too deeply");
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
	enum mf_ctx top;

	(void)name;
	if (s->failed)
		return;
	if (s->skip_depth > 0) {
		s->skip_depth--;
		return;
	}
	top = s->stack[--s->sp];
	if (s->positions)
		mf_pos_pop(s, s->span_of[s->sp]);
	if (top == C_SECTION) {
		section_end(s);
	} else if (top == C_LOCATION) {
		free(s->loc_path);
		s->loc_path = NULL;
		s->place = s->mf->nplaces > 0 ? 0 : MF_NO_SPAN;
	}
}

static void doctype_handler(void *ud, const XML_Char *name, const XML_Char *sysid,
			    const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	mf_fail(ud, MAPFILE_INVALID, "a DOCTYPE is not allowed: this file is read inside login "
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
	if (a->params->keys) {
		s.md = EVP_MD_CTX_new();
		s.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (s.md == NULL || s.sha256 == NULL) {
			mf_error(err, MAPFILE_NOMEM, 0, 0, "out of memory");
			rc = MAPFILE_NOMEM;
			goto out;
		}
	}
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, start_handler, end_handler);
	XML_SetStartDoctypeDeclHandler(s.p, doctype_handler);
	XML_SetParamEntityParsing(s.p, XML_PARAM_ENTITY_PARSING_NEVER);
	mf_pos_begin(&s);
	rc = a->fd >= 0 ? parse_fd(&s) : parse_buf(&s);
out:
	EVP_MD_CTX_free(s.md);
	EVP_MD_free(s.sha256);
	XML_ParserFree(s.p);
	free(s.loc_path);
	free(s.rule_keys);
	return rc;
}
