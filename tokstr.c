/* tokstr.c - escaping of token strings: a label is up to 32 bytes chosen by
 * whoever made the token, and reaches prompts, syslog lines and
 * PKCS11_LOGIN_TOKEN_NAME, where a control character could rewrite a
 * terminal or forge a log line. */
#include "config.h"
#include "tokstr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Code points that are well-formed but move text or the terminal: zero-width
 * and direction marks, line and paragraph separators, embeddings and
 * overrides, invisible operators and isolates, the byte order mark and the
 * non-characters at the end of the plane. */
static int invisible(unsigned long cp)
{
	return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp & 0xfffe) == 0xfffe;
}

/* The length of the well-formed UTF-8 sequence of a printable character at
 * P (not ASCII), or 0.  Overlong forms and surrogates are malformed. */
static size_t utf8_printable(const unsigned char *p)
{
	unsigned long cp;
	size_t n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1fu;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0fu;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07u;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* U+0080..U+009F are the C1 controls; U+00A0 on is text. */
	if (cp < 0xa0 || invisible(cp))
		return 0;
	return n;
}

char *tokstr_escape(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	char *out = malloc(len * 4 + 1);

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		size_t n = *p >= 0x80 ? utf8_printable(p) : 0;

		if (n > 0) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else if (*p == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
			p++;
		} else if (*p >= 0x20 && *p < 0x7f) {
			out[o++] = (char)*p++;
		} else {
			snprintf(out + o, 5, "\\x%02x", *p++);
			o += 4;
		}
	}
	out[o] = '\0';
	return out;
}
