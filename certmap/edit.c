/* edit.c - certmap's edits as byte splices: an expat pass finds where the
 * level's section, its <oneToOneMappings> and the entry are; nothing else moves. */
#include "config.h"

#include <expat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ascii.h"
#include "b64scan.h"
#include "certmap/edit.h"

#define SECTION "iisClientCertificateMappingAuthentication"
#define O2O "oneToOneMappings"
#define ROLE_DEPTH 32
#define MAX_ATTRS 32

/* The elements from the root down to an entry; K_LOCATION only for a level
 * other than the top one. */
enum chain { K_CONFIG, K_LOCATION, K_SYSWEB, K_SECURITY, K_AUTHN, K_SECTION, K_O2O, K_N };

static const char *const chain_name[K_N] = {
	"configuration", "location", "system.webServer", "security", "authentication",
	SECTION, O2O,
};

/* An element by its bytes: [start, tag_end) is its start tag, or all of it
 * when it is an empty-element tag; [close, end) is its end tag. */
struct el {
	int found, open, empty, has_child;
	unsigned long depth;
	size_t start, tag_end, close, end;
	size_t last_child;       /* start of its last child element */
};

/* The last <add> of the level's collection that holds the certificate. */
struct hit {
	struct el el;
	unsigned long line;
	int enabled;             /* the attribute: -1 absent, 0 false, 1 true */
	char *user;
};

enum role { R_OTHER, R_SECTION, R_O2O, R_ADD };

struct scan {
	XML_Parser p;
	const struct edit_request *rq;
	int at_loc;              /* the level is a <location>, not the top */
	char *canon;             /* base64 of rq->der */
	size_t canon_len;
	int nomem;
	int utf8;                /* new text may stay UTF-8; else character references */
	int bare;                /* the root is the section */
	unsigned long depth;
	unsigned char role[ROLE_DEPTH];
	char *loc;               /* path of the open <location>, NULL outside one */
	unsigned long loc_depth;
	struct el k[K_N];
	size_t nhits;
	struct hit hit;
	char *elsewhere;
};

/* ------------------------------------------------------------ growing text */

struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (n + 1 > b->cap - b->len || b->p == NULL) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;

		while (cap - b->len < n + 1) {
			if (cap > ((size_t)-1) / 2) {
				b->err = 1;
				return;
			}
			cap *= 2;
		}
		np = realloc(b->p, cap);
		if (np == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* One UTF-8 character of S: its length, or 0 when S does not start with a
 * well-formed one (overlong forms and surrogates are not). */
static size_t utf8_char(const unsigned char *s, unsigned long *cp)
{
	static const unsigned long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned long c;
	size_t n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	c = s[0] & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3fu);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* S as the value of a double-quoted attribute: the XML specials as entities
 * and, in a document that is not UTF-8, every other character beyond ASCII
 * as a character reference.  -1 when S is not UTF-8 or holds a character
 * that XML cannot carry in an attribute unchanged (controls, U+FFFE/FFFF). */
static int sb_attr(struct sbuf *b, const char *s, int utf8)
{
	static const char special[] = "&<>\"'";
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	const unsigned char *u = (const unsigned char *)s;

	while (*u != '\0') {
		const char *sp = strchr(special, *u);
		unsigned long cp;
		size_t n = utf8_char(u, &cp);
		char ref[24];

		if (n == 0 || cp < 0x20 || cp == 0x7f || cp == 0xfffe || cp == 0xffff)
			return -1;
		if (sp != NULL) {
			sb_puts(b, ent[sp - special]);
		} else if (cp >= 0x80 && !utf8) {
			snprintf(ref, sizeof(ref), "&#x%lX;", cp);
			sb_puts(b, ref);
		} else {
			sb_put(b, (const char *)u, n);
		}
		u += n;
	}
	return 0;
}

/* ------------------------------------------------------------- the scan */

static int same_level(const char *a, const char *b)
{
	return mapfile_path_applies(a, b) && mapfile_path_applies(b, a);
}

static const char *att(const char **atts, const char *name)
{
	for (; atts[0] != NULL; atts += 2)
		if (strcmp(atts[0], name) == 0)
			return atts[1];
	return NULL;
}

static void nomem(struct scan *s)
{
	s->nomem = 1;
	XML_StopParser(s->p, XML_FALSE);
}

/* Does value V, strict base64 or not, decode to a DER whose SHA-256 is asked? */
static int sha_matches(struct scan *s, const char *v, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned char *in = malloc(len + 1), *der = malloc(len / 4 * 3 + 1);
	size_t n = 0;
	int dlen, ok = 0;

	if (in == NULL || der == NULL) {
		nomem(s);
		goto out;
	}
	for (; *v != '\0'; v++)
		if (!b64_is_space((unsigned char)*v))
			in[n++] = (unsigned char)*v;
	dlen = EVP_DecodeBlock(der, in, (int)n);
	/* EVP_DecodeBlock counts the bytes of the padding too. */
	for (size_t i = n; dlen > 0 && i > 0 && in[i - 1] == '='; i--)
		dlen--;
	if (dlen > 0 && EVP_Digest(der, (size_t)dlen, md, &mdlen, EVP_sha256(), NULL) == 1)
		ok = mdlen == EDIT_SHA256_LEN && memcmp(md, s->rq->sha256, mdlen) == 0;
out:
	free(in);
	free(der);
	return ok;
}

static int cert_matches(struct scan *s, const char *v)
{
	struct b64scan sc;

	b64scan(v, &sc);
	if (sc.dead != MAPFILE_LIVE || sc.len > INT_MAX)
		return 0;
	if (s->rq->der != NULL)
		return sc.len == s->canon_len && b64_equal_stripped(v, s->canon, s->canon_len);
	return sha_matches(s, v, sc.len);
}

static const char *cur_level(const struct scan *s)
{
	return s->loc != NULL ? s->loc : "";
}

static void el_open(struct scan *s, struct el *e)
{
	memset(e, 0, sizeof(*e));
	e->found = e->open = 1;
	e->depth = s->depth;
	e->start = (size_t)XML_GetCurrentByteIndex(s->p);
	e->tag_end = e->start + (size_t)XML_GetCurrentByteCount(s->p);
}

static void el_close(struct scan *s, struct el *e)
{
	int n = XML_GetCurrentByteCount(s->p);

	e->open = 0;
	/* No bytes: the end of an empty-element tag <x/>. */
	e->empty = n == 0;
	e->close = n == 0 ? e->tag_end : (size_t)XML_GetCurrentByteIndex(s->p);
	e->end = e->close + (size_t)n;
}

static void entry(struct scan *s, const char **atts, int in_target)
{
	const char *v = att(atts, "certificate"), *en = att(atts, "enabled");
	const char *user = att(atts, "userName");

	if (v == NULL || !cert_matches(s, v))
		return;
	if (!in_target) {
		if (s->elsewhere == NULL && (s->elsewhere = strdup(cur_level(s))) == NULL)
			nomem(s);
		return;
	}
	free(s->hit.user);
	memset(&s->hit, 0, sizeof(s->hit));
	el_open(s, &s->hit.el);
	s->hit.line = (unsigned long)XML_GetCurrentLineNumber(s->p);
	s->hit.enabled = en == NULL ? -1 : ascii_casecmp(en, "false") != 0;
	if (user != NULL && (s->hit.user = strdup(user)) == NULL)
		nomem(s);
	s->nhits++;
}

/* The first element of each step of the way down to the level's entries;
 * the section is the level's wherever it is (the file was validated). */
static void chain_start(struct scan *s, const char *name)
{
	for (int k = 0; k < K_N; k++) {
		struct el *e = &s->k[k];
		int parent = k == K_SYSWEB && !s->at_loc ? K_CONFIG : k - 1;

		if (e->found || strcmp(name, chain_name[k]) != 0)
			continue;
		if (k == K_SECTION) {
			if (!same_level(cur_level(s), s->rq->location))
				continue;
		} else if (k == K_CONFIG ? s->depth != 1 :
			   !s->k[parent].open || s->k[parent].depth != s->depth - 1) {
			continue;
		}
		if (k == K_LOCATION && (!s->at_loc || !same_level(s->loc, s->rq->location)))
			continue;
		el_open(s, e);
		return;
	}
}

static enum role role_of(struct scan *s, const char *name)
{
	enum role parent = s->depth >= 2 && s->depth - 2 < ROLE_DEPTH ?
			   (enum role)s->role[s->depth - 2] : R_OTHER;

	if (strcmp(name, SECTION) == 0)
		return R_SECTION;
	if (parent == R_SECTION && strcmp(name, O2O) == 0)
		return R_O2O;
	if (parent == R_O2O && strcmp(name, "add") == 0)
		return R_ADD;
	return R_OTHER;
}

static void start_handler(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct scan *s = ud;
	enum role r;

	s->depth++;
	if (s->depth == 1 && strcmp(name, SECTION) == 0)
		s->bare = 1;
	for (int k = 0; k < K_N; k++) {
		if (s->k[k].open && s->k[k].depth == s->depth - 1) {
			s->k[k].has_child = 1;
			s->k[k].last_child = (size_t)XML_GetCurrentByteIndex(s->p);
		}
	}
	if (s->depth == 2 && !s->bare && strcmp(name, "location") == 0) {
		const char *path = att(atts, "path");

		free(s->loc);
		s->loc = strdup(path ? path : "");
		s->loc_depth = s->depth;
		if (s->loc == NULL)
			nomem(s);
	}
	r = role_of(s, name);
	if (s->depth - 1 < ROLE_DEPTH)
		s->role[s->depth - 1] = (unsigned char)r;
	if (r == R_ADD)
		entry(s, atts, s->k[K_O2O].open && s->k[K_O2O].depth == s->depth - 1);
	else
		chain_start(s, name);
}

static void end_handler(void *ud, const XML_Char *name)
{
	struct scan *s = ud;

	(void)name;
	for (int k = 0; k < K_N; k++)
		if (s->k[k].open && s->k[k].depth == s->depth)
			el_close(s, &s->k[k]);
	if (s->hit.el.open && s->hit.el.depth == s->depth)
		el_close(s, &s->hit.el);
	if (s->loc != NULL && s->loc_depth == s->depth) {
		free(s->loc);
		s->loc = NULL;
	}
	s->depth--;
}

static void decl_handler(void *ud, const XML_Char *version, const XML_Char *encoding,
			 int standalone)
{
	struct scan *s = ud;

	(void)version;
	(void)standalone;
	s->utf8 = encoding == NULL || ascii_casecmp(encoding, "UTF-8") == 0;
}

static int is_utf16(const char *b, size_t len)
{
	const unsigned char *u = (const unsigned char *)b;

	/* A byte-order mark, or '<' as a 16-bit unit. */
	return len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff) ||
			    (u[0] == 0 && u[1] == '<') || (u[0] == '<' && u[1] == 0));
}

static void scan_free(struct scan *s)
{
	free(s->canon);
	free(s->loc);
	free(s->hit.user);
	free(s->elsewhere);
}

/* Set S up for RQ, before any pass.  0, or -1 when memory runs out. */
static int scan_init(struct scan *s, const struct edit_request *rq)
{
	memset(s, 0, sizeof(*s));
	s->rq = rq;
	s->utf8 = 1;
	s->at_loc = !same_level(rq->location, "");
	if (rq->der == NULL)
		return 0;
	if (rq->der_len > INT_MAX / 2 || (s->canon = malloc(rq->der_len / 3 * 4 + 5)) == NULL)
		return -1;
	s->canon_len = (size_t)EVP_EncodeBlock((unsigned char *)s->canon, rq->der,
					       (int)rq->der_len);
	return 0;
}

/* The pass over BUF.  0, or -1 (not parsable, out of memory). */
static int scan_run(struct scan *s, const char *buf, size_t len)
{
	int rc = -1;

	if (len > INT_MAX || is_utf16(buf, len))
		return -1;
	s->p = XML_ParserCreate(NULL);
	if (s->p == NULL) {
		s->nomem = 1;
		return -1;
	}
	XML_SetUserData(s->p, s);
	XML_SetElementHandler(s->p, start_handler, end_handler);
	XML_SetXmlDeclHandler(s->p, decl_handler);
	XML_SetParamEntityParsing(s->p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(s->p, buf, (int)len, XML_TRUE) == XML_STATUS_OK && !s->nomem)
		rc = 0;
	else if (XML_GetErrorCode(s->p) == XML_ERROR_NO_MEMORY)
		s->nomem = 1;
	XML_ParserFree(s->p);
	s->p = NULL;
	return rc;
}

/* ------------------------------------------------------------ the splices */

/* The layout of the document: its line ending and one level of indentation. */
struct doc {
	const char *b;
	size_t len;
	const char *eol;
	char unit[9];
	int utf8;
};

static int hspace(char c)
{
	return c == ' ' || c == '\t';
}

static size_t line_start(const char *b, size_t off)
{
	while (off > 0 && b[off - 1] != '\n')
		off--;
	return off;
}

static int blank(const char *b, size_t from, size_t to)
{
	for (; from < to; from++)
		if (!hspace(b[from]))
			return 0;
	return 1;
}

/* The leading white space of the line that holds OFF. */
static void put_indent(struct sbuf *o, const struct doc *d, size_t off)
{
	size_t ls = line_start(d->b, off), e = ls;

	while (e < off && hspace(d->b[e]))
		e++;
	sb_put(o, d->b + ls, e - ls);
}

/* How deep a new child of E goes: as its last child when that starts a
 * line, else one level deeper than E. */
static void put_child_indent(struct sbuf *o, const struct doc *d, const struct el *e)
{
	if (e->has_child && blank(d->b, line_start(d->b, e->last_child), e->last_child)) {
		put_indent(o, d, e->last_child);
		return;
	}
	put_indent(o, d, e->start);
	sb_puts(o, d->unit);
}

/* The file's line ending (the first line's) and indentation step (a TAB if
 * the first indented line uses one, else the fewest leading spaces seen). */
static void doc_layout(struct doc *d, const char *b, size_t len, int utf8)
{
	const char *nl = memchr(b, '\n', len);
	size_t best = 0;

	d->b = b;
	d->len = len;
	d->utf8 = utf8;
	d->eol = nl != NULL && nl > b && nl[-1] == '\r' ? "\r\n" : "\n";
	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && b[j] == ' ')
			j++;
		if (j == i && j < len && b[j] == '\t' && best == 0) {
			d->unit[0] = '\t';
			d->unit[1] = '\0';
			return;
		}
		if (j > i && j < len && b[j] == '<' && (best == 0 || j - i < best))
			best = j - i;
		while (j < len && b[j] != '\n')
			j++;
		i = j + 1;
	}
	if (best == 0 || best >= sizeof(d->unit))
		best = 2;
	memset(d->unit, ' ', best);
	d->unit[best] = '\0';
}

/* Replace OLD[A, Z) by INS into RES. */
static enum edit_status splice(const struct doc *d, size_t a, size_t z, const struct sbuf *ins,
			       struct edit_result *res)
{
	struct sbuf o = { 0 };

	if (ins->err)
		return EDIT_NOMEM;
	sb_put(&o, d->b, a);
	sb_put(&o, ins->p ? ins->p : "", ins->len);
	sb_put(&o, d->b + z, d->len - z);
	if (o.err) {
		free(o.p);
		return EDIT_NOMEM;
	}
	res->buf = o.p;
	res->len = o.len;
	return EDIT_OK;
}

/* The new <add>, without indentation or line ending. */
static int put_add(struct sbuf *o, const struct doc *d, const struct edit_request *rq,
		   const struct scan *s, struct edit_result *res)
{
	sb_puts(o, "<add userName=\"");
	if (sb_attr(o, rq->user, d->utf8) != 0) {
		snprintf(res->why, sizeof(res->why), "the user name is not UTF-8 text without "
			 "control characters");
		return -1;
	}
	sb_puts(o, "\" certificate=\"");
	sb_put(o, s->canon, s->canon_len);
	sb_puts(o, rq->disabled ? "\" enabled=\"false\" />" : "\" />");
	return 0;
}

/* The elements FROM .. <oneToOneMappings> with the new entry inside, as whole
 * lines; the first one indented by BASE. */
static int put_block(struct sbuf *o, const struct doc *d, const char *base, int from,
		     const struct scan *s, struct edit_result *res)
{
	int ks[K_N], n = 0;

	for (int k = from; k < K_N; k++)
		if (k != K_LOCATION || s->at_loc)
			ks[n++] = k;
	for (int i = 0; i <= n; i++) {
		sb_puts(o, base);
		for (int j = 0; j < i; j++)
			sb_puts(o, d->unit);
		if (i == n) {
			if (put_add(o, d, s->rq, s, res) != 0)
				return -1;
		} else if (ks[i] == K_LOCATION) {
			sb_puts(o, "<location path=\"");
			if (sb_attr(o, s->rq->location, d->utf8) != 0) {
				snprintf(res->why, sizeof(res->why), "the location is not UTF-8 "
					 "text without control characters");
				return -1;
			}
			sb_puts(o, "\">");
		} else if (ks[i] == K_SECTION) {
			sb_puts(o, "<" SECTION " enabled=\"true\">");
		} else {
			sb_puts(o, "<");
			sb_puts(o, chain_name[ks[i]]);
			sb_puts(o, ">");
		}
		sb_puts(o, d->eol);
	}
	for (int i = n - 1; i >= 0; i--) {
		sb_puts(o, base);
		for (int j = 0; j < i; j++)
			sb_puts(o, d->unit);
		sb_puts(o, "</");
		sb_puts(o, chain_name[ks[i]]);
		sb_puts(o, ">");
		sb_puts(o, d->eol);
	}
	return 0;
}

/* Put BLOCK (whole lines) after the last child of E, element NAME. */
static enum edit_status insert_into(const struct doc *d, const struct el *e, const char *name,
				    const struct sbuf *block, struct edit_result *res)
{
	struct sbuf ins = { 0 };
	size_t a, z;
	enum edit_status rc;

	if (!e->empty && blank(d->b, line_start(d->b, e->close), e->close)) {
		/* The end tag starts its line: the block goes just above it. */
		a = z = line_start(d->b, e->close);
		sb_put(&ins, block->p, block->len);
	} else if (!e->empty) {
		a = z = e->close;
		sb_puts(&ins, d->eol);
		sb_put(&ins, block->p, block->len);
		put_indent(&ins, d, e->start);
	} else {
		/* <name ... /> becomes <name ...> block </name>. */
		z = e->tag_end;
		a = z - 2;
		while (a > e->start && b64_is_space((unsigned char)d->b[a - 1]))
			a--;
		sb_puts(&ins, ">");
		sb_puts(&ins, d->eol);
		sb_put(&ins, block->p, block->len);
		put_indent(&ins, d, e->start);
		sb_puts(&ins, "</");
		sb_puts(&ins, name);
		sb_puts(&ins, ">");
	}
	rc = splice(d, a, z, &ins, res);
	free(ins.p);
	return rc;
}

static enum edit_status do_add(const struct doc *d, const struct scan *s,
			       struct edit_result *res)
{
	struct sbuf base = { 0 }, block = { 0 };
	enum edit_status rc = EDIT_REFUSED;
	int from = K_O2O, into;

	if (s->k[K_O2O].found) {
		into = K_O2O;
		from = K_N;
	} else if (s->k[K_SECTION].found) {
		into = K_SECTION;
	} else if (s->bare) {
		snprintf(res->why, sizeof(res->why), "the file is a bare <" SECTION ">, which "
			 "has no locations; make it a <configuration> to map per location");
		return EDIT_REFUSED;
	} else {
		/* The deepest step that exists; the rest is made under it. */
		into = K_AUTHN;
		while (into > K_CONFIG && (!s->k[into].found || (into == K_LOCATION && !s->at_loc)))
			into--;
		from = into + 1;
	}
	if (!s->k[into].found) {
		snprintf(res->why, sizeof(res->why), "no place for the section found in the file");
		return EDIT_REFUSED;
	}
	put_child_indent(&base, d, &s->k[into]);
	if (from == K_N) {
		sb_put(&block, base.p, base.len);
		if (put_add(&block, d, s->rq, s, res) != 0)
			goto out;
		sb_puts(&block, d->eol);
	} else if (put_block(&block, d, base.p ? base.p : "", from, s, res) != 0) {
		goto out;
	}
	rc = base.err || block.err ? EDIT_NOMEM :
	     insert_into(d, &s->k[into], chain_name[into], &block, res);
out:
	free(base.p);
	free(block.p);
	return rc;
}

static enum edit_status do_remove(const struct doc *d, const struct el *e,
				  struct edit_result *res)
{
	struct sbuf none = { 0 };
	size_t ls = line_start(d->b, e->start), a = e->start, z = e->end, q;

	for (q = z; q < d->len && (hspace(d->b[q]) || d->b[q] == '\r'); q++)
		;
	if (blank(d->b, ls, a) && (q == d->len || d->b[q] == '\n')) {
		/* Alone on its line(s): the lines go. */
		a = ls;
		z = q < d->len ? q + 1 : q;
	} else {
		while (a > ls && hspace(d->b[a - 1]))
			a--;
	}
	return splice(d, a, z, &none, res);
}

struct attr {
	size_t ws, name, name_end, val, val_end;
	char quote;
};

static int xspace(char c)
{
	return b64_is_space((unsigned char)c);
}

/* The attributes of the start tag B[I, END), which expat accepted. */
static size_t lex_attrs(const char *b, size_t i, size_t end, struct attr *a, size_t max)
{
	size_t n = 0;

	for (i++; i < end && !xspace(b[i]) && b[i] != '/' && b[i] != '>'; i++)
		;
	while (n < max) {
		struct attr *t = &a[n];

		t->ws = i;
		while (i < end && xspace(b[i]))
			i++;
		if (i >= end || b[i] == '/' || b[i] == '>')
			break;
		for (t->name = i; i < end && !xspace(b[i]) && b[i] != '='; i++)
			;
		t->name_end = i;
		while (i < end && (xspace(b[i]) || b[i] == '='))
			i++;
		if (i >= end || (b[i] != '"' && b[i] != '\''))
			break;
		t->quote = b[i++];
		for (t->val = i; i < end && b[i] != t->quote; i++)
			;
		t->val_end = i++;
		n++;
	}
	return n;
}

static enum edit_status do_toggle(const struct doc *d, const struct scan *s, int enable,
				  struct edit_result *res)
{
	struct attr a[MAX_ATTRS];
	const struct el *e = &s->hit.el;
	size_t n = lex_attrs(d->b, e->start, e->tag_end, a, MAX_ATTRS), i;
	struct sbuf ins = { 0 };
	enum edit_status rc;

	if (n == 0)
		return EDIT_REFUSED;
	for (i = 0; i < n; i++)
		if (a[i].name_end - a[i].name == 7 && memcmp(d->b + a[i].name, "enabled", 7) == 0)
			break;
	if (enable) {
		/* The schema's default is true: the attribute goes, so that
		 * disable then enable gives back the bytes of before. */
		if (s->hit.enabled != 0 || i == n)
			return EDIT_UNCHANGED;
		return splice(d, a[i].ws, a[i].val_end + 1, &ins, res);
	}
	if (s->hit.enabled == 0)
		return EDIT_UNCHANGED;
	if (i < n) {
		sb_puts(&ins, "false");
		rc = splice(d, a[i].val, a[i].val_end, &ins, res);
	} else {
		/* After the last attribute, quoted as it is. */
		sb_puts(&ins, " enabled=");
		sb_put(&ins, &a[n - 1].quote, 1);
		sb_puts(&ins, "false");
		sb_put(&ins, &a[n - 1].quote, 1);
		rc = splice(d, a[n - 1].val_end + 1, a[n - 1].val_end + 1, &ins, res);
	}
	free(ins.p);
	return rc;
}

/* ------------------------------------------------------------------ public */

static enum edit_status new_document(const struct edit_request *rq, struct edit_result *res)
{
	struct scan s;
	struct doc d;
	struct sbuf o = { 0 };
	enum edit_status rc = EDIT_NOMEM;

	if (scan_init(&s, rq) != 0)
		goto out;
	doc_layout(&d, "", 0, 1);
	sb_puts(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n");
	if (put_block(&o, &d, d.unit, s.at_loc ? K_LOCATION : K_SYSWEB, &s, res) != 0) {
		rc = EDIT_REFUSED;
		goto out;
	}
	sb_puts(&o, "</configuration>\n");
	if (!o.err) {
		res->buf = o.p;
		res->len = o.len;
		o.p = NULL;
		rc = EDIT_OK;
	}
out:
	free(o.p);
	scan_free(&s);
	return rc;
}

enum edit_status edit_apply(const char *old, size_t len, const struct edit_request *rq,
			    struct edit_result *res)
{
	struct scan s;
	struct doc d;
	enum edit_status rc;

	memset(res, 0, sizeof(*res));
	if (old == NULL)
		return new_document(rq, res);
	if (is_utf16(old, len)) {
		snprintf(res->why, sizeof(res->why), "the file is UTF-16, which certmap does not "
			 "edit; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8) and try again");
		return EDIT_REFUSED;
	}
	if (scan_init(&s, rq) != 0 || scan_run(&s, old, len) != 0) {
		rc = s.nomem ? EDIT_NOMEM : EDIT_REFUSED;
		if (rc == EDIT_REFUSED)
			snprintf(res->why, sizeof(res->why), "the file cannot be parsed");
		goto out;
	}
	doc_layout(&d, old, len, s.utf8);
	res->line = s.nhits ? s.hit.line : 0;
	res->count = s.nhits;
	if (rq->op == EDIT_ADD) {
		rc = do_add(&d, &s, res);
	} else if (s.nhits == 0) {
		res->elsewhere = s.elsewhere;
		s.elsewhere = NULL;
		rc = EDIT_NOT_FOUND;
	} else if (rq->op == EDIT_REMOVE) {
		rc = do_remove(&d, &s.hit.el, res);
	} else {
		rc = do_toggle(&d, &s, rq->op == EDIT_ENABLE, res);
	}
out:
	scan_free(&s);
	return rc;
}

void edit_result_free(struct edit_result *res)
{
	free(res->buf);
	free(res->elsewhere);
	res->buf = NULL;
	res->elsewhere = NULL;
}

int edit_probe(const char *buf, size_t len, const struct edit_request *rq,
	       struct edit_probe *out)
{
	struct scan s;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (scan_init(&s, rq) == 0 && scan_run(&s, buf, len) == 0) {
		out->count = s.nhits;
		out->enabled = s.hit.enabled != 0;
		out->user = s.hit.user;
		s.hit.user = NULL;
		rc = 0;
	}
	scan_free(&s);
	return rc;
}
