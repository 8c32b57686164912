/* b64scan.h - one pass over a mapping entry's certificate value: is it strict
 * base64 (SPEC 2.5), and a 128-bit key of it with whitespace removed. */
#ifndef PAM_CERTMAP_B64SCAN_H
#define PAM_CERTMAP_B64SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "mapfile.h"

struct b64key {
	uint64_t a, b;
};

struct b64scan {
	struct b64key key;      /* of the value without whitespace */
	size_t len;             /* characters without whitespace */
	int has_space;          /* the value held whitespace */
	enum mapfile_dead dead; /* MAPFILE_LIVE when strict base64 */
};

/* Scan the NUL-terminated VALUE. */
void b64scan(const char *value, struct b64scan *out);

/* Key of the raw value, whitespace included (the IIS unique key). */
struct b64key b64key_raw(const char *value);

/* Is VALUE, with whitespace removed, exactly the LEN characters of CANON? */
int b64_equal_stripped(const char *value, const char *canon, size_t len);

/* Is C one of the whitespace characters the value may carry? */
static inline int b64_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

#endif
