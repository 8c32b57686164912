/* attrlex.c - the attributes of a start tag by their bytes (expat gives only
 * their values), to set an <add>'s enabled where it stands. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "b64scan.h"
#include "certmap/attrlex.h"

#define MAX_ATTRS 32

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

enum edit_status attr_set_enabled(const struct doc *d, const struct mf_span *e, int enable,
				  int enabled, struct edit_result *res)
{
	struct attr a[MAX_ATTRS];
	size_t n = lex_attrs(d->b, e->start, e->tag_end, a, MAX_ATTRS), i;
	struct sbuf ins = { 0 };
	enum edit_status rc;

	if (n == 0)
		return EDIT_REFUSED;
	for (i = 0; i < n; i++)
		if (a[i].name_end - a[i].name == 7 && memcmp(d->b + a[i].name, "enabled", 7) == 0)
			break;
	if (enable) {
		if (enabled || i == n)
			return EDIT_UNCHANGED;
		return doc_splice(d, a[i].ws, a[i].val_end + 1, &ins, res);
	}
	if (!enabled)
		return EDIT_UNCHANGED;
	if (i < n) {
		sb_puts(&ins, "false");
		rc = doc_splice(d, a[i].val, a[i].val_end, &ins, res);
	} else {
		/* After the last attribute, quoted as it is. */
		sb_puts(&ins, " enabled=");
		sb_put(&ins, &a[n - 1].quote, 1);
		sb_puts(&ins, "false");
		sb_put(&ins, &a[n - 1].quote, 1);
		rc = doc_splice(d, a[n - 1].val_end + 1, a[n - 1].val_end + 1, &ins, res);
	}
	free(ins.p);
	return rc;
}
