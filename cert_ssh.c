/* cert_ssh.c - encode a certificate's RSA or ECDSA public key as the key blob
 * of an OpenSSH authorized_keys line, from OpenSSL 3 key parameters. */
#include "config.h"
#include "cert_ssh.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

/* The curves OpenSSH knows, with the width of their field elements. */
static const struct curve {
	int nid;
	const char *type;
	const char *id;
	size_t field;
} curves[] = {
	{ NID_X9_62_prime256v1, "ecdsa-sha2-nistp256", "nistp256", 32 },
	{ NID_secp384r1, "ecdsa-sha2-nistp384", "nistp384", 48 },
	{ NID_secp521r1, "ecdsa-sha2-nistp521", "nistp521", 66 },
};

/* The blob under construction: its size is known before, so one allocation,
 * and a write past it is a bug caught here rather than an overflow. */
struct blob {
	unsigned char *p;
	size_t n, cap;
};

static void say(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static int blob_alloc(struct blob *b, size_t cap)
{
	b->n = 0;
	b->cap = cap;
	b->p = malloc(cap);
	return b->p != NULL ? 0 : -1;
}

static int put_u32(struct blob *b, size_t v)
{
	if (v > UINT32_MAX || b->cap - b->n < 4)
		return -1;
	b->p[b->n++] = (unsigned char)(v >> 24);
	b->p[b->n++] = (unsigned char)(v >> 16);
	b->p[b->n++] = (unsigned char)(v >> 8);
	b->p[b->n++] = (unsigned char)v;
	return 0;
}

/* RFC 4251 string: length, then the bytes. */
static int put_string(struct blob *b, const void *s, size_t len)
{
	if (put_u32(b, len) != 0 || b->cap - b->n < len)
		return -1;
	memcpy(b->p + b->n, s, len);
	b->n += len;
	return 0;
}

/* RFC 4251 mpint of a non-negative number: big-endian, a 0 byte in front
 * when the top bit is set, nothing at all for zero. */
static size_t mpint_len(const BIGNUM *bn)
{
	size_t nb = (size_t)BN_num_bytes(bn);

	return 4 + nb + (nb > 0 && BN_num_bits(bn) % 8 == 0);
}

static int put_mpint(struct blob *b, const BIGNUM *bn)
{
	size_t nb = (size_t)BN_num_bytes(bn);
	size_t pad = nb > 0 && BN_num_bits(bn) % 8 == 0;

	if (BN_is_negative(bn) || put_u32(b, nb + pad) != 0 || b->cap - b->n < nb + pad)
		return -1;
	if (pad)
		b->p[b->n++] = 0;
	if (BN_bn2bin(bn, b->p + b->n) != (int)nb)
		return -1;
	b->n += nb;
	return 0;
}

static enum cert_ssh_status rsa_blob(const EVP_PKEY *pk, struct blob *b,
				     char *why, size_t whylen)
{
	static const char type[] = "ssh-rsa";
	enum cert_ssh_status st = CERT_SSH_BAD;
	BIGNUM *e = NULL, *n = NULL;
	int bits;

	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n)) {
		say(why, whylen, "the RSA key's modulus or exponent cannot be read");
		goto out;
	}
	bits = BN_num_bits(n);
	if (bits < CERT_SSH_RSA_MIN_BITS || bits > CERT_SSH_RSA_MAX_BITS) {
		say(why, whylen, "RSA key of %d bits: OpenSSH takes %d to %d bits", bits,
		    CERT_SSH_RSA_MIN_BITS, CERT_SSH_RSA_MAX_BITS);
		st = CERT_SSH_UNSUPPORTED;
		goto out;
	}
	if (blob_alloc(b, 4 + strlen(type) + mpint_len(e) + mpint_len(n)) != 0) {
		st = CERT_SSH_NOMEM;
		goto out;
	}
	if (put_string(b, type, strlen(type)) != 0 || put_mpint(b, e) != 0 ||
	    put_mpint(b, n) != 0) {
		say(why, whylen, "the RSA key cannot be encoded");
		goto out;
	}
	st = CERT_SSH_OK;
out:
	BN_free(e);
	BN_free(n);
	return st;
}

static const struct curve *find_curve(const EVP_PKEY *pk, char *why, size_t whylen)
{
	char name[80];
	int nid;

	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
					    NULL)) {
		say(why, whylen, "EC key without a named curve: OpenSSH takes only "
		    "P-256, P-384 and P-521");
		return NULL;
	}
	nid = OBJ_txt2nid(name);
	if (nid == NID_undef)
		nid = EC_curve_nist2nid(name);
	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (curves[i].nid == nid)
			return &curves[i];
	say(why, whylen, "EC key on curve %s: OpenSSH takes only P-256, P-384 and P-521", name);
	return NULL;
}

/* The point is written uncompressed whatever form the certificate used. */
static enum cert_ssh_status ec_blob(const EVP_PKEY *pk, struct blob *b, const char **type,
				    char *why, size_t whylen)
{
	enum cert_ssh_status st = CERT_SSH_UNSUPPORTED;
	const struct curve *c = find_curve(pk, why, whylen);
	BIGNUM *qx = NULL, *qy = NULL;
	unsigned char *point = NULL;
	size_t plen;

	if (c == NULL)
		goto out;
	st = CERT_SSH_BAD;
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &qx) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &qy)) {
		say(why, whylen, "the EC key's public point cannot be read");
		goto out;
	}
	plen = 1 + 2 * c->field;
	point = malloc(plen);
	if (point == NULL || blob_alloc(b, 12 + strlen(c->type) + strlen(c->id) + plen) != 0) {
		st = CERT_SSH_NOMEM;
		goto out;
	}
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	if (BN_bn2binpad(qx, point + 1, (int)c->field) < 0 ||
	    BN_bn2binpad(qy, point + 1 + c->field, (int)c->field) < 0 ||
	    put_string(b, c->type, strlen(c->type)) != 0 ||
	    put_string(b, c->id, strlen(c->id)) != 0 || put_string(b, point, plen) != 0) {
		say(why, whylen, "the EC key cannot be encoded");
		goto out;
	}
	*type = c->type;
	st = CERT_SSH_OK;
out:
	BN_free(qx);
	BN_free(qy);
	free(point);
	return st;
}

static enum cert_ssh_status key_blob(const EVP_PKEY *pk, struct blob *b, const char **type,
				     char *why, size_t whylen)
{
	const char *name;

	if (EVP_PKEY_is_a(pk, "RSA")) {
		*type = "ssh-rsa";
		return rsa_blob(pk, b, why, whylen);
	}
	if (EVP_PKEY_is_a(pk, "EC"))
		return ec_blob(pk, b, type, why, whylen);
	name = EVP_PKEY_get0_type_name(pk);
	say(why, whylen, "%s key: authorized_keys lines are made for RSA and ECDSA "
	    "(P-256, P-384, P-521) keys only", name != NULL ? name : "unknown");
	return CERT_SSH_UNSUPPORTED;
}

enum cert_ssh_status cert_ssh_pkey(const EVP_PKEY *pk, const char **type, char **b64,
				   char *why, size_t whylen)
{
	enum cert_ssh_status st;
	struct blob b = { NULL, 0, 0 };
	const char *t = NULL;
	char *out = NULL;

	*type = NULL;
	*b64 = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (pk == NULL) {
		say(why, whylen, "no public key");
		return CERT_SSH_BAD;
	}
	st = key_blob(pk, &b, &t, why, whylen);
	if (st != CERT_SSH_OK)
		goto out;
	/* The blobs are a few kilobytes at most: no overflow in the length. */
	out = malloc(4 * ((b.n + 2) / 3) + 1);
	if (out == NULL) {
		st = CERT_SSH_NOMEM;
		goto out;
	}
	EVP_EncodeBlock((unsigned char *)out, b.p, (int)b.n);
	*type = t;
	*b64 = out;
out:
	if (st == CERT_SSH_NOMEM)
		say(why, whylen, "out of memory");
	free(b.p);
	ERR_clear_error();
	return st;
}

enum cert_ssh_status cert_ssh_x509(X509 *x, const char **type, char **b64,
				   char *why, size_t whylen)
{
	EVP_PKEY *pk = x != NULL ? X509_get0_pubkey(x) : NULL;

	if (pk == NULL) {
		*type = NULL;
		*b64 = NULL;
		say(why, whylen, "the certificate's public key cannot be read");
		ERR_clear_error();
		return CERT_SSH_BAD;
	}
	return cert_ssh_pkey(pk, type, b64, why, whylen);
}
