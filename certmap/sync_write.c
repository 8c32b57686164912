/* sync_write.c - the mapping file with certmap sync's region written anew:
 * every byte outside it kept; a level and region made where there is none. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "certmap/commit.h"
#include "certmap/edit.h"
#include "certmap/sync.h"

/* The user of the placeholder entry that makes a new level's place. */
#define PLACEHOLDER "certmap sync region"

/* --------------------------------------------------------------- text */

/* One UTF-8 character of S: its length and *CP, or 0 when malformed
 * (overlong forms and surrogates included). */
static size_t utf8_next(const unsigned char *s, unsigned long *cp)
{
	static const unsigned long least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;
	unsigned long c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	c = s[0] & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	if (c < least[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int sync_text_ok(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u != '\0') {
		unsigned long cp = 0;
		size_t n = utf8_next(u, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f || cp == 0xfffe || cp == 0xffff)
			return 0;
		u += n;
	}
	return 1;
}

struct out {
	char *p;
	size_t len, cap;
	int err;
};

/* Room for N more bytes; on failure the output is marked spoilt.  The first
 * reservation is taken as the size wanted. */
static int reserve(struct out *o, size_t n)
{
	size_t cap = o->cap ? o->cap : n;
	char *np;

	if (o->err)
		return -1;
	if (n <= o->cap - o->len)
		return 0;
	while (cap - o->len < n) {
		if (cap > SIZE_MAX / 2) {
			o->err = 1;
			return -1;
		}
		cap *= 2;
	}
	np = realloc(o->p, cap);
	if (np == NULL) {
		o->err = 1;
		return -1;
	}
	o->p = np;
	o->cap = cap;
	return 0;
}

static void put(struct out *o, const void *s, size_t n)
{
	if (n == 0 || reserve(o, n) != 0)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* S (checked by sync_text_ok) as a double-quoted attribute value; beyond
 * ASCII as character references when the document is not UTF-8. */
static void put_attr(struct out *o, const char *s, int utf8)
{
	static const char special[] = "&<>\"'";
	static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	const unsigned char *u = (const unsigned char *)s;

	while (*u != '\0') {
		const char *sp = strchr(special, *u);
		unsigned long cp = 0;
		size_t n = utf8_next(u, &cp);
		char ref[24];

		if (n == 0) {
			o->err = 1;
			return;
		}
		if (sp != NULL) {
			puts_(o, ent[sp - special]);
		} else if (cp >= 0x80 && !utf8) {
			snprintf(ref, sizeof(ref), "&#x%lX;", cp);
			puts_(o, ref);
		} else {
			put(o, u, n);
		}
		u += n;
	}
}

static void put_b64(struct out *o, const struct sync_bytes *b)
{
	if (b->len > INT_MAX / 2) {
		o->err = 1;
		return;
	}
	if (reserve(o, b->len / 3 * 4 + 5) != 0)
		return;
	o->len += (size_t)EVP_EncodeBlock((unsigned char *)o->p + o->len, b->p, (int)b->len);
}

/* ------------------------------------------------------------ the region */

struct layout {
	const char *base;        /* the document the region goes into */
	size_t len;
	size_t a, z;             /* the bytes the region replaces */
	char indent[64];
	const char *eol;
};

static void region_text(struct out *o, const struct sync_doc *d, const struct layout *l,
			const struct sync_set *set)
{
	char when[32];
	struct tm tm;

	if (gmtime_r(&d->now, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
						       &tm) == 0) {
		o->err = 1;
		return;
	}
	puts_(o, l->indent);
	puts_(o, "<!-- " SYNC_MARK_BEGIN " last-sync=");
	puts_(o, when);
	snprintf(when, sizeof(when), " stale-after=%uh", d->stale_after);
	puts_(o, when);
	puts_(o, ": the entries up to '" SYNC_MARK_END "' are written by 'certmap sync' from "
	      "the directory; edit the directory, not them -->");
	puts_(o, l->eol);
	for (size_t i = 0; i < set->n; i++) {
		const struct sync_out *e = &set->v[i];

		if (e->out)
			continue;
		puts_(o, l->indent);
		puts_(o, "<add userName=\"");
		put_attr(o, e->user, d->utf8);
		puts_(o, "\" certificate=\"");
		put_b64(o, e->cert);
		puts_(o, e->disabled ? "\" enabled=\"false\" />" : "\" />");
		puts_(o, l->eol);
	}
	puts_(o, l->indent);
	puts_(o, "<!-- " SYNC_MARK_END " -->");
	puts_(o, l->eol);
}

/* At most how long the region's text is (a user name escaped at worst). */
static size_t region_size(const struct layout *l, const struct sync_set *set)
{
	size_t line = strlen(l->indent) + strlen(l->eol), n = 512 + 2 * line;

	for (size_t i = 0; i < set->n; i++)
		if (!set->v[i].out)
			n += line + 64 + 6 * strlen(set->v[i].user) + set->v[i].cert->len / 3 * 4 + 4;
	return n;
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
		if (b[from] != ' ' && b[from] != '\t')
			return 0;
	return 1;
}

/* [A, Z) grows to whole lines when nothing else stands on them, and the
 * indentation of A's line is kept for the region's lines. */
static void whole_lines(struct layout *l)
{
	size_t ls = line_start(l->base, l->a), q = l->z;

	l->indent[0] = '\0';
	while (q < l->len && (l->base[q] == ' ' || l->base[q] == '\t' || l->base[q] == '\r'))
		q++;
	if (!blank(l->base, ls, l->a) || l->a - ls >= sizeof(l->indent) ||
	    (q < l->len && l->base[q] != '\n'))
		return;
	memcpy(l->indent, l->base + ls, l->a - ls);
	l->indent[l->a - ls] = '\0';
	l->a = ls;
	l->z = q < l->len ? q + 1 : q;
}

/* No region yet: edit.c adds a placeholder entry where 'certmap add' would
 * put one (making the location, section and <oneToOneMappings> as needed);
 * its line is where the region goes. */
static int place_region(const struct sync_doc *d, struct layout *l, struct edit_result *res,
			char *why, size_t whylen)
{
	static const unsigned char mark[] = PLACEHOLDER;
	struct edit_request rq;
	struct edit_load ld;
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	enum edit_status st;
	size_t from = 0;
	const char *hit;
	char canon[64];

	memset(&rq, 0, sizeof(rq));
	rq.op = EDIT_ADD;
	rq.location = d->location;
	rq.der = mark;
	rq.der_len = sizeof(mark) - 1;
	rq.user = PLACEHOLDER;
	edit_load_init(&ld, &rq, 1);
	/* The editor splices at the positions of the parser's reading of the file. */
	if (d->old != NULL &&
	    mapfile_parse_buffer(d->old, d->old_len, &ld.p, &mf, &err) != MAPFILE_OK) {
		snprintf(why, whylen, "%s", err.status == MAPFILE_NOMEM ? "out of memory" :
			 err.reason);
		return -1;
	}
	st = edit_apply(d->old, d->old_len, mf, &rq, res);
	mapfile_free(mf);
	switch (st) {
	case EDIT_OK:
		break;
	case EDIT_NOMEM:
		snprintf(why, whylen, "out of memory");
		return -1;
	default:
		snprintf(why, whylen, "%s", res->why[0] ? res->why : "cannot place the entries");
		return -1;
	}
	/* The insertion starts where the old and new bytes part. */
	while (d->old != NULL && from < d->old_len && d->old[from] == res->buf[from])
		from++;
	EVP_EncodeBlock((unsigned char *)canon, mark, (int)sizeof(mark) - 1);
	hit = memmem(res->buf + line_start(res->buf, from), res->len - line_start(res->buf, from),
		     canon, strlen(canon));
	if (hit == NULL) {
		snprintf(why, whylen, "cannot place the entries (a bug in certmap)");
		return -1;
	}
	l->base = res->buf;
	l->len = res->len;
	l->a = line_start(res->buf, (size_t)(hit - res->buf));
	while (l->a < l->len && (l->base[l->a] == ' ' || l->base[l->a] == '\t'))
		l->a++;
	l->z = (size_t)(strstr(hit, "/>") - res->buf) + 2;
	return 0;
}

int sync_compose(const struct sync_doc *d, const struct sync_set *set, char **out,
		 size_t *out_len, char *why, size_t whylen)
{
	struct edit_result res;
	struct layout l;
	struct out o = { NULL, 0, 0, 0 };
	const char *nl;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	memset(&l, 0, sizeof(l));
	if (d->region != NULL) {
		l.base = d->old;
		l.len = d->old_len;
		l.a = d->region->begin;
		l.z = d->region->end;
	} else if (place_region(d, &l, &res, why, whylen) != 0) {
		goto out;
	}
	whole_lines(&l);
	nl = memchr(l.base, '\n', l.len);
	l.eol = nl != NULL && nl > l.base && nl[-1] == '\r' ? "\r\n" : "\n";
	/* One allocation of the right size: the file may be 100 MiB. */
	if (reserve(&o, l.len - (l.z - l.a) + region_size(&l, set)) != 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	put(&o, l.base, l.a);
	region_text(&o, d, &l, set);
	put(&o, l.base + l.z, l.len - l.z);
	if (o.err) {
		snprintf(why, whylen, "out of memory, or a user name that cannot be written");
		goto out;
	}
	*out = o.p;
	*out_len = o.len;
	o.p = NULL;
	rc = 0;
out:
	free(o.p);
	edit_result_free(&res);
	return rc;
}
