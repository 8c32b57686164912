/* layout.c - the shape of a document as certmap's editor keeps it: its line
 * ending and indentation, and splices of whole lines at element spans. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64scan.h"
#include "certmap/layout.h"

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

void doc_child_indent(struct sbuf *o, const struct doc *d, const struct mf_span *e)
{
	if (e->has_child && blank(d->b, line_start(d->b, e->last_child), e->last_child)) {
		put_indent(o, d, e->last_child);
		return;
	}
	put_indent(o, d, e->start);
	sb_puts(o, d->unit);
}

void doc_layout(struct doc *d, const char *b, size_t len, int utf8)
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

enum edit_status doc_splice(const struct doc *d, size_t a, size_t z, const struct sbuf *ins,
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

enum edit_status doc_insert_into(const struct doc *d, const struct mf_span *e, const char *name,
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
	rc = doc_splice(d, a, z, &ins, res);
	free(ins.p);
	return rc;
}

enum edit_status doc_refuse_utf16(const char *b, size_t len, struct edit_result *res)
{
	const unsigned char *u = (const unsigned char *)b;

	/* A byte-order mark, or '<' as a 16-bit unit. */
	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff) ||
			 (u[0] == 0 && u[1] == '<') || (u[0] == '<' && u[1] == 0))) {
		snprintf(res->why, sizeof(res->why), "the file is UTF-16, which certmap does not "
			 "edit; convert it to UTF-8 (iconv -f UTF-16 -t UTF-8) and try again");
		return EDIT_REFUSED;
	}
	return EDIT_OK;
}

enum edit_status doc_remove(const struct doc *d, const struct mf_span *e,
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
	return doc_splice(d, a, z, &none, res);
}
