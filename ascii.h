/* ascii.h - case folding of ASCII letters only, the same in every locale:
 * a login process that called setlocale must compare paths and names as
 * certmap does. */
#ifndef PAM_CERTMAP_ASCII_H
#define PAM_CERTMAP_ASCII_H

#include <stddef.h>

static inline int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static inline int ascii_ncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ca = ascii_lower((unsigned char)a[i]), cb = ascii_lower((unsigned char)b[i]);

		if (ca != cb || ca == 0)
			return ca - cb;
	}
	return 0;
}

static inline int ascii_casecmp(const char *a, const char *b)
{
	return ascii_ncasecmp(a, b, (size_t)-1);
}

#endif
