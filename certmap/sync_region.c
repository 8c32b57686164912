/* sync_region.c - where certmap sync's entries are in a mapping file: the
 * begin and end marker comments inside a level's <oneToOneMappings>, found
 * with expat, with every <add> shown to the caller on the way. */
#include "config.h"

#include <expat.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ascii.h"
#include "certmap/sync.h"

#define SECTION "iisClientCertificateMappingAuthentication"
#define O2O "oneToOneMappings"
#define MAX_DEPTH 64
/* Given a whole 100 MiB document at once, expat copies it into a buffer of
 * its own; fed in pieces, it keeps only a piece. */
#define PIECE ((size_t)1 << 20)

enum role { R_OTHER, R_SECTION, R_O2O };

struct scan {
	XML_Parser p;
	struct sync_regions *r;
	sync_add_fn fn;
	void *ctx;
	unsigned long depth;
	unsigned char role[MAX_DEPTH];
	int bare;                /* the root is the section */
	char *loc;               /* path of the <location> we are in, NULL outside */
	long open;               /* index of the region begun and not ended, -1 */
	unsigned long open_depth;   /* depth of its <oneToOneMappings> */
	int failed;
};

static int same_level(const char *a, const char *b)
{
	return mapfile_path_applies(a, b) && mapfile_path_applies(b, a);
}

static const char *level(const struct scan *s)
{
	return s->loc != NULL ? s->loc : "";
}

static void fail(struct scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first error stops the parse; it says where. */
static void fail(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = 1;
	s->r->bad_marker = 1;
	s->r->err_line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	va_start(ap, fmt);
	vsnprintf(s->r->why, sizeof(s->r->why), fmt, ap);
	va_end(ap);
	XML_StopParser(s->p, XML_FALSE);
}

static void nomem(struct scan *s)
{
	fail(s, "%s", "out of memory");
	s->r->nomem = 1;
	s->r->bad_marker = 0;
}

static enum role parent_role(const struct scan *s)
{
	return s->depth >= 1 && s->depth - 1 < MAX_DEPTH ? (enum role)s->role[s->depth - 1] :
	       R_OTHER;
}

static const char *att(const char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], name) == 0)
			return atts[1];
	return NULL;
}

static void start_handler(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct scan *s = ud;
	enum role parent = parent_role(s), r = R_OTHER;

	if (s->depth == 0 && strcmp(name, SECTION) == 0)
		s->bare = 1;
	if (s->depth == 1 && !s->bare && strcmp(name, "location") == 0) {
		const char *path = att(atts, "path");

		free(s->loc);
		if ((s->loc = strdup(path != NULL ? path : "")) == NULL)
			nomem(s);
	}
	if (strcmp(name, SECTION) == 0)
		r = R_SECTION;
	else if (parent == R_SECTION && strcmp(name, O2O) == 0)
		r = R_O2O;
	else if (parent == R_O2O && strcmp(name, "add") == 0) {
		struct sync_add a = { level(s), (unsigned long)XML_GetCurrentLineNumber(s->p),
				      s->open, att(atts, "certificate") };

		if (s->open >= 0)
			s->r->v[s->open].entries++;
		if (s->fn != NULL)
			s->fn(s->ctx, &a);
	}
	if (s->depth < MAX_DEPTH)
		s->role[s->depth] = (unsigned char)r;
	s->depth++;
}

static void end_handler(void *ud, const XML_Char *name)
{
	struct scan *s = ud;

	s->depth--;
	if (s->open >= 0 && s->open_depth == s->depth)
		fail(s, "the '" SYNC_MARK_BEGIN "' marker has no '" SYNC_MARK_END
		     "' before </%s>", name);
	if (s->depth == 1 && s->loc != NULL) {
		free(s->loc);
		s->loc = NULL;
	}
}

/* "48h": the hours, or 0 when it is not so written. */
static unsigned hours(const char *s)
{
	char *end;
	unsigned long h;

	if (*s < '0' || *s > '9')
		return 0;
	h = strtoul(s, &end, 10);
	return strcmp(end, "h") == 0 && h <= 24UL * 3650 ? (unsigned)h : 0;
}

/* "certmap-sync begin last-sync=T stale-after=Nh: free text": the words up
 * to the colon that ends them (T has colons of its own). */
static void begin_words(struct sync_region *g, const char *text)
{
	const char *p = text + strlen(SYNC_MARK_BEGIN);
	char word[64];
	int n = 0, last = 0;

	while (!last && sscanf(p, " %63s%n", word, &n) == 1 && strchr(word, '=') != NULL) {
		size_t wl = strlen(word);
		struct tm tm;
		const char *end;

		last = word[wl - 1] == ':';
		if (last)
			word[wl - 1] = '\0';
		memset(&tm, 0, sizeof(tm));
		if (strncmp(word, "last-sync=", 10) == 0 &&
		    (end = strptime(word + 10, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL && *end == '\0')
			g->last_sync = timegm(&tm);
		else if (strncmp(word, "stale-after=", 12) == 0)
			g->stale_after = hours(word + 12);
		p += n;
	}
}

static int is_marker(const char *text, const char *mark)
{
	size_t n = strlen(mark);

	return strncmp(text, mark, n) == 0 &&
	       (text[n] == '\0' || text[n] == ' ' || text[n] == ':' || text[n] == '\t' ||
		text[n] == '\r' || text[n] == '\n');
}

static void begin_marker(struct scan *s, const char *text)
{
	struct sync_regions *r = s->r;
	struct sync_region *g, *v;

	if (s->open >= 0) {
		fail(s, "%s", "a second '" SYNC_MARK_BEGIN "' marker before '" SYNC_MARK_END "'");
		return;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (same_level(r->v[i].level, level(s))) {
			fail(s, "%s", "a second certmap sync region at this level");
			return;
		}
	}
	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (v == NULL) {
		nomem(s);
		return;
	}
	r->v = v;
	g = &v[r->n];
	memset(g, 0, sizeof(*g));
	if ((g->level = strdup(level(s))) == NULL) {
		nomem(s);
		return;
	}
	r->n++;
	g->begin = (size_t)XML_GetCurrentByteIndex(s->p);
	g->begin_line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	begin_words(g, text);
	s->open = (long)(r->n - 1);
	s->open_depth = s->depth - 1;
}

static void end_marker(struct scan *s)
{
	struct sync_region *g;

	if (s->open < 0 || s->open_depth != s->depth - 1) {
		fail(s, "%s", "a '" SYNC_MARK_END "' marker without its '" SYNC_MARK_BEGIN "'");
		return;
	}
	g = &s->r->v[s->open];
	g->end = (size_t)XML_GetCurrentByteIndex(s->p) + (size_t)XML_GetCurrentByteCount(s->p);
	g->end_line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	g->closed = 1;
	s->open = -1;
}

static void comment_handler(void *ud, const XML_Char *data)
{
	struct scan *s = ud;
	int begin, end;

	while (*data == ' ' || *data == '\t' || *data == '\r' || *data == '\n')
		data++;
	begin = is_marker(data, SYNC_MARK_BEGIN);
	end = is_marker(data, SYNC_MARK_END);
	if (!begin && !end)
		return;
	if (parent_role(s) != R_O2O)
		fail(s, "a '%s' marker outside a <" O2O "> of the section; certmap sync writes "
		     "only there", begin ? SYNC_MARK_BEGIN : SYNC_MARK_END);
	else if (begin)
		begin_marker(s, data);
	else
		end_marker(s);
}

static void decl_handler(void *ud, const XML_Char *version, const XML_Char *encoding,
			 int standalone)
{
	struct scan *s = ud;

	(void)version;
	(void)standalone;
	s->r->utf8 = encoding == NULL || ascii_casecmp(encoding, "UTF-8") == 0;
}

static int is_utf16(const char *b, size_t len)
{
	const unsigned char *u = (const unsigned char *)b;

	return len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff) ||
			    (u[0] == 0 && u[1] == '<') || (u[0] == '<' && u[1] == 0));
}

int sync_regions_scan(const char *buf, size_t len, sync_add_fn fn, void *ctx,
		      struct sync_regions *r)
{
	struct scan s;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	r->utf8 = 1;
	s.r = r;
	s.fn = fn;
	s.ctx = ctx;
	s.open = -1;
	if (len > INT_MAX || is_utf16(buf, len)) {
		snprintf(r->why, sizeof(r->why), "%s", len > INT_MAX ? "too large" :
			 "the file is UTF-16, which certmap does not edit; convert it to UTF-8 "
			 "(iconv -f UTF-16 -t UTF-8) and try again");
		return -1;
	}
	s.p = XML_ParserCreate(NULL);
	if (s.p == NULL) {
		r->nomem = 1;
		snprintf(r->why, sizeof(r->why), "out of memory");
		return -1;
	}
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, start_handler, end_handler);
	XML_SetCommentHandler(s.p, comment_handler);
	XML_SetXmlDeclHandler(s.p, decl_handler);
	XML_SetParamEntityParsing(s.p, XML_PARAM_ENTITY_PARSING_NEVER);
	for (size_t off = 0, n;; off += n) {
		int last;

		n = len - off < PIECE ? len - off : PIECE;
		last = off + n == len;
		if (XML_Parse(s.p, buf + off, (int)n, last) != XML_STATUS_OK || s.failed)
			break;
		if (last) {
			rc = 0;
			break;
		}
	}
	if (rc != 0 && !s.failed) {
		r->err_line = (unsigned long)XML_GetCurrentLineNumber(s.p);
		snprintf(r->why, sizeof(r->why), "not well-formed XML: %s",
			 XML_ErrorString(XML_GetErrorCode(s.p)));
	}
	XML_ParserFree(s.p);
	free(s.loc);
	return rc;
}

const struct sync_region *sync_region_at(const struct sync_regions *r, const char *location)
{
	for (size_t i = 0; i < r->n; i++)
		if (same_level(r->v[i].level, location))
			return &r->v[i];
	return NULL;
}

void sync_regions_free(struct sync_regions *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].level);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
