/* sbuf.h - growing text for certmap's editor, and values written as XML
 * attributes: escaped, and as character references where the document's
 * encoding cannot carry them. */
#ifndef CERTMAP_SBUF_H
#define CERTMAP_SBUF_H

#include <stddef.h>

/* Zero-initialised it is empty; p is NUL-terminated once anything was put.
 * After a failed allocation err is set and every later put does nothing. */
struct sbuf {
	char *p;
	size_t len, cap;
	int err;
};

void sb_put(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);

/* S as the value of a double-quoted attribute: the XML specials as entities
 * and, unless UTF8, every character beyond ASCII as a character reference.
 * -1 when S is not UTF-8 or holds a character that XML cannot carry in an
 * attribute unchanged (controls, U+FFFE/FFFF). */
int sb_attr(struct sbuf *b, const char *s, int utf8);

#endif
