/* mapindex_rec.c - writing and reading the bytes of index records, every
 * read checked against the record's end, and the checksum of each record. */
#include "config.h"
#include "mapindex_rec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ write */

static int reserve(struct mi_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	unsigned char *p;

	if (b->err)
		return -1;
	if (n <= b->cap - b->len)
		return 0;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->err = 1;
			return -1;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->err = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void mi_put_bytes(struct mi_buf *b, const void *p, size_t n)
{
	if (n == 0 || reserve(b, n) != 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void mi_put_u8(struct mi_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	mi_put_bytes(b, &c, 1);
}

void mi_put_u32(struct mi_buf *b, uint32_t v)
{
	unsigned char c[4];

	for (int i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	mi_put_bytes(b, c, sizeof(c));
}

void mi_put_u64(struct mi_buf *b, uint64_t v)
{
	mi_put_u32(b, (uint32_t)v);
	mi_put_u32(b, (uint32_t)(v >> 32));
}

void mi_put_str(struct mi_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > UINT32_MAX) {
		b->err = 1;
		return;
	}
	mi_put_u32(b, (uint32_t)n);
	mi_put_bytes(b, s, n);
}

void mi_put_optstr(struct mi_buf *b, const char *s)
{
	mi_put_u8(b, s != NULL);
	if (s != NULL)
		mi_put_str(b, s);
}

void mi_buf_free(struct mi_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------------- read */

void mi_get_bytes(struct mi_cur *c, void *out, size_t n)
{
	if (c->bad || n > c->left) {
		c->bad = 1;
		memset(out, 0, n);
		return;
	}
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
}

uint8_t mi_get_u8(struct mi_cur *c)
{
	uint8_t v;

	mi_get_bytes(c, &v, 1);
	return v;
}

uint32_t mi_get_u32(struct mi_cur *c)
{
	unsigned char b[4];
	uint32_t v = 0;

	mi_get_bytes(c, b, sizeof(b));
	for (int i = 3; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

uint64_t mi_get_u64(struct mi_cur *c)
{
	uint64_t lo = mi_get_u32(c);

	return lo | (uint64_t)mi_get_u32(c) << 32;
}

char *mi_get_str(struct mi_cur *c)
{
	uint32_t n = mi_get_u32(c);
	char *s;

	if (c->bad || n > c->left || memchr(c->p, '\0', n) != NULL) {
		c->bad = 1;
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (s == NULL) {
		c->nomem = 1;
		return NULL;
	}
	memcpy(s, c->p, n);
	s[n] = '\0';
	c->p += n;
	c->left -= n;
	return s;
}

char *mi_get_optstr(struct mi_cur *c)
{
	switch (mi_get_u8(c)) {
	case 0:
		return NULL;
	case 1:
		return mi_get_str(c);
	default:
		c->bad = 1;
		return NULL;
	}
}

int mi_count_fits(struct mi_cur *c, uint32_t n, size_t size)
{
	if (c->bad || (size > 0 && n > c->left / size)) {
		c->bad = 1;
		return 0;
	}
	return 1;
}

/* -------------------------------------------------------------- checksum */

static int sum(const unsigned char build[MI_BUILD_LEN], const void *key, size_t klen,
	       const void *v, size_t vlen, unsigned char out[MI_SUM_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;

	if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, build, MI_BUILD_LEN) == 1 &&
	    EVP_DigestUpdate(ctx, key, klen) == 1 && EVP_DigestUpdate(ctx, v, vlen) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &n) == 1 && n >= MI_SUM_LEN) {
		memcpy(out, md, MI_SUM_LEN);
		rc = 0;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

int mi_seal(struct mi_buf *b, const unsigned char build[MI_BUILD_LEN], const void *key,
	    size_t klen)
{
	unsigned char s[MI_SUM_LEN];

	if (b->err || sum(build, key, klen, b->p, b->len, s) != 0)
		return -1;
	mi_put_bytes(b, s, sizeof(s));
	return b->err ? -1 : 0;
}

int mi_unseal(const unsigned char build[MI_BUILD_LEN], const void *key, size_t klen,
	      const unsigned char *v, size_t *len)
{
	unsigned char s[MI_SUM_LEN];

	if (*len < MI_SUM_LEN || sum(build, key, klen, v, *len - MI_SUM_LEN, s) != 0 ||
	    CRYPTO_memcmp(s, v + *len - MI_SUM_LEN, MI_SUM_LEN) != 0)
		return -1;
	*len -= MI_SUM_LEN;
	return 0;
}
