/* tokverify.c - the module's own signature check: the helper's answer is
 * worth nothing until the mapped certificate's public key accepts it. */
#include "config.h"
#include "tokverify.h"
#include "tokproto.h"
#include "cert.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

struct alg_def {
	uint32_t alg;
	int key_type;         /* EVP_PKEY_RSA or EVP_PKEY_EC */
	int pss;
	const char *digest;
	const char *name;     /* for the log */
};

static const struct alg_def alg_defs[] = {
	{ TOK_ALG_RSA_PKCS1_SHA256, EVP_PKEY_RSA, 0, "SHA256", "RSA PKCS#1 v1.5 with SHA-256" },
	{ TOK_ALG_RSA_PKCS1_SHA384, EVP_PKEY_RSA, 0, "SHA384", "RSA PKCS#1 v1.5 with SHA-384" },
	{ TOK_ALG_RSA_PKCS1_SHA512, EVP_PKEY_RSA, 0, "SHA512", "RSA PKCS#1 v1.5 with SHA-512" },
	{ TOK_ALG_RSA_PSS_SHA256, EVP_PKEY_RSA, 1, "SHA256", "RSA-PSS with SHA-256" },
	{ TOK_ALG_RSA_PSS_SHA384, EVP_PKEY_RSA, 1, "SHA384", "RSA-PSS with SHA-384" },
	{ TOK_ALG_RSA_PSS_SHA512, EVP_PKEY_RSA, 1, "SHA512", "RSA-PSS with SHA-512" },
	{ TOK_ALG_ECDSA_SHA256, EVP_PKEY_EC, 0, "SHA256", "ECDSA with SHA-256" },
	{ TOK_ALG_ECDSA_SHA384, EVP_PKEY_EC, 0, "SHA384", "ECDSA with SHA-384" },
	{ TOK_ALG_ECDSA_SHA512, EVP_PKEY_EC, 0, "SHA512", "ECDSA with SHA-512" },
};

static const struct alg_def *alg_find(uint32_t alg)
{
	for (size_t i = 0; i < sizeof(alg_defs) / sizeof(alg_defs[0]); i++)
		if (alg_defs[i].alg == alg)
			return &alg_defs[i];
	return NULL;
}

const char *tokverify_alg_name(uint32_t alg)
{
	const struct alg_def *d = alg_find(alg);

	return d != NULL ? d->name : "an unknown algorithm";
}

static int pss_setup(EVP_PKEY_CTX *pctx, const EVP_MD *md)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) > 0;
}

/* PKCS#11 gives an ECDSA signature as r || s, each as long as the group
 * order; OpenSSL verifies the DER ECDSA-Sig-Value.  A length that does not
 * fit the key is a bad signature. */
static int ecdsa_der(EVP_PKEY *pub, const unsigned char *sig, size_t len, unsigned char **der,
		     size_t *derlen)
{
	size_t half = ((size_t)EVP_PKEY_get_bits(pub) + 7) / 8;
	ECDSA_SIG *es = NULL;
	BIGNUM *r = NULL, *s = NULL;
	int n;

	*der = NULL;
	if (half == 0 || len != 2 * half)
		return -1;
	es = ECDSA_SIG_new();
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)half, NULL);
	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return -1;
	}
	n = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return -1;
	*derlen = (size_t)n;
	return 0;
}

enum tokverify_result tokverify(X509 *cert, uint32_t alg, const unsigned char *data,
				size_t len, const unsigned char *sig, size_t siglen)
{
	const struct alg_def *d = alg_find(alg);
	enum tokverify_result res = TOKVERIFY_ERROR;
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_MD *md = NULL;
	unsigned char *der = NULL;
	char why[160];

	if (pub == NULL)
		return TOKVERIFY_ERROR;
	/* decide.c refuses these before the PIN; checked again where it matters. */
	if (cert_key_check(cert, why, sizeof(why)) != CERT_OK)
		return TOKVERIFY_UNSUPPORTED;
	if (d == NULL || EVP_PKEY_get_base_id(pub) != d->key_type)
		return TOKVERIFY_BAD;
	md = EVP_MD_fetch(NULL, d->digest, NULL);
	mctx = EVP_MD_CTX_new();
	if (md == NULL || mctx == NULL ||
	    EVP_DigestVerifyInit_ex(mctx, &pctx, d->digest, NULL, NULL, pub, NULL) != 1)
		goto out;
	if (d->pss && !pss_setup(pctx, md))
		goto out;
	if (d->key_type == EVP_PKEY_EC) {
		res = TOKVERIFY_BAD;
		if (ecdsa_der(pub, sig, siglen, &der, &siglen) != 0)
			goto out;
		sig = der;
	}
	res = EVP_DigestVerify(mctx, sig, siglen, data, len) == 1 ? TOKVERIFY_OK : TOKVERIFY_BAD;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(mctx);
	EVP_MD_free(md);
	ERR_clear_error();
	return res;
}
