/* b64scan.c - strict base64 check and keying of certificate values in one
 * pass, so the parser never decodes an entry that cannot match. */
#include "config.h"
#include "b64scan.h"

#include <string.h>

/* Character classes, stored plus one so that 0, the default of every byte
 * not listed, means "other": 1..64 are the base64 digits 0..63. */
enum { C_OTHER = 0, C_PAD = 65, C_SPACE, C_URL };

static const unsigned char b64_class[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
	['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
	['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
	['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
	['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
	['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
	['/'] = 64,
	['='] = C_PAD, [' '] = C_SPACE, ['\t'] = C_SPACE, ['\r'] = C_SPACE, ['\n'] = C_SPACE,
	['-'] = C_URL, ['_'] = C_URL,
};

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Two multiply-rotate lanes over 8-character words: a collision can only make
 * a file invalid (a false duplicate), never make a certificate match, since
 * a match is confirmed by comparing the characters. */
static inline void key_mix(struct b64key *k, uint64_t w)
{
	k->a = rotl64((k->a ^ w) * 0x9e3779b97f4a7c15ULL, 31);
	k->b = rotl64((k->b ^ w) * 0xc2b2ae3d27d4eb4fULL, 29) + 0x165667b19e3779f9ULL;
}

static uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

static void key_final(struct b64key *k, uint64_t w, size_t n)
{
	key_mix(k, w);
	key_mix(k, (uint64_t)n);
	k->a = fmix64(k->a);
	k->b = fmix64(k->b ^ k->a);
}

static int is_hex_only(const char *v)
{
	size_t n = 0;

	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (b64_is_space(c) || c == ':')
			continue;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
		n++;
	}
	return n == 40 || n == 64;
}

/* Does the value begin as the base64 of a certificate does?  Its DER starts
 * with a SEQUENCE of a long-form length (0x30 0x8N): "MI" in base64.  A
 * placeholder such as Microsoft's "Base64-Encoded-Certificate-Data" or
 * "CERTIFICATE_BLOB" does not, and base64url advice would mislead. */
static int starts_as_certificate(const char *v)
{
	while (b64_is_space((unsigned char)*v))
		v++;
	return v[0] == 'M' && v[1] == 'I';
}

/* Why a value that is not strict base64 is dead; the order gives the most
 * helpful name to a value with several faults. */
static enum mapfile_dead dead_reason(const char *v, size_t n, int url, int other, int pad_bad)
{
	if (n == 0)
		return MAPFILE_DEAD_EMPTY;
	if (strstr(v, "-----BEGIN") != NULL || strstr(v, "-----END") != NULL)
		return MAPFILE_DEAD_PEM;
	if (is_hex_only(v))
		return MAPFILE_DEAD_THUMBPRINT;
	if ((url || other) && !starts_as_certificate(v))
		return MAPFILE_DEAD_TEXT;
	if (url && !other)
		return MAPFILE_DEAD_BASE64URL;
	if (other)
		return MAPFILE_DEAD_CHARACTER;
	if (n % 4 != 0)
		return MAPFILE_DEAD_LENGTH;
	if (pad_bad)
		return MAPFILE_DEAD_PADDING;
	return MAPFILE_LIVE;
}

/* Bits of what a value holds, ORed over it in one tight pass. */
enum { M_DIGIT = 1, M_PAD = 2, M_SPACE = 4, M_URL = 8, M_OTHER = 16 };

static const unsigned char class_bits[68] = {
	[C_OTHER] = M_OTHER, [1 ... 64] = M_DIGIT, [C_PAD] = M_PAD, [C_SPACE] = M_SPACE,
	[C_URL] = M_URL,
};

/* The key of N characters without whitespace, 8 at a time (big-endian words,
 * as the byte-wise loop builds them). */
static struct b64key key_words(const unsigned char *p, size_t n, struct b64key k)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		key_mix(&k, __builtin_bswap64(w));
	}
	w = 0;
	for (; i < n; i++)
		w = (w << 8) | p[i];
	key_final(&k, w, n);
	return k;
}

static struct b64key key_bytes(const unsigned char *p, struct b64key k)
{
	uint64_t w = 0;
	size_t n = 0;

	for (; *p != '\0'; p++) {
		if (b64_class[*p] == C_SPACE)
			continue;
		w = (w << 8) | *p;
		if ((++n & 7) == 0) {
			key_mix(&k, w);
			w = 0;
		}
	}
	key_final(&k, w, n);
	return k;
}

static const struct b64key scan_seed = { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL };

/* The careful walk, for a value with whitespace: anywhere, and padding must end the value. */
static void scan_spaced(const unsigned char *v, size_t *n, size_t *pads, unsigned *last,
			int *pad_bad)
{
	for (const unsigned char *p = v; *p != '\0'; p++) {
		unsigned c = b64_class[*p];

		if (c == C_SPACE)
			continue;
		(*n)++;
		if (c >= 1 && c <= 64) {
			if (*pads != 0)
				*pad_bad = 1;
			*last = c - 1;
		} else if (c == C_PAD) {
			(*pads)++;
		}
	}
}

void b64scan(const char *value, struct b64scan *out)
{
	const unsigned char *v = (const unsigned char *)value, *p;
	unsigned m = 0, last = 0;
	size_t len = 0, n = 0, pads = 0;
	int pad_bad = 0;

	for (p = v; *p != '\0'; p++)
		m |= class_bits[b64_class[*p]];
	len = (size_t)(p - v);
	if (m & M_SPACE) {
		scan_spaced(v, &n, &pads, &last, &pad_bad);
	} else {
		const unsigned char *q = (m & M_PAD) ? memchr(v, '=', len) : v + len;

		n = len;
		pads = len - (size_t)(q - v);
		for (p = q; p < v + len; p++)
			pad_bad |= *p != '=';
		if (q > v)
			last = (unsigned)b64_class[q[-1]] - 1;
	}
	if (pads > 2 || (pads == 1 && (last & 0x3) != 0) || (pads == 2 && (last & 0xf) != 0))
		pad_bad = 1;
	out->key = (m & M_SPACE) ? key_bytes(v, scan_seed) : key_words(v, len, scan_seed);
	out->len = n;
	out->has_space = (m & M_SPACE) != 0;
	if ((m & (M_URL | M_OTHER)) == 0 && n != 0 && n % 4 == 0 && !pad_bad && n != 40 && n != 64)
		out->dead = MAPFILE_LIVE;
	else
		out->dead = dead_reason(value, n, (m & M_URL) != 0, (m & M_OTHER) != 0, pad_bad);
}

struct b64key b64key_raw(const char *value)
{
	struct b64key k = { 0x452821e638d01377ULL, 0xbe5466cf34e90c6cULL };
	uint64_t w = 0;
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		w = (w << 8) | *p;
		if ((++n & 7) == 0) {
			key_mix(&k, w);
			w = 0;
		}
	}
	key_final(&k, w, n);
	return k;
}

int b64_equal_stripped(const char *value, const char *canon, size_t len)
{
	size_t i = 0;

	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if (b64_is_space(*p))
			continue;
		if (i >= len || (unsigned char)canon[i] != *p)
			return 0;
		i++;
	}
	return i == len;
}
