/* sbuf.c - growing text for certmap's editor, and values written as XML
 * attributes in a form the document's encoding carries unchanged. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/sbuf.h"

void sb_put(struct sbuf *b, const char *s, size_t n)
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

void sb_puts(struct sbuf *b, const char *s)
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

int sb_attr(struct sbuf *b, const char *s, int utf8)
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
