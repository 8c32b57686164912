/* tokverify.c - the module's own signature check: the helper's answer is
 * worth nothing until the mapped certificate's public key accepts it. */
#include "config.h"
#include "tokverify.h"
#include "tokproto.h"
#include "cert.h"

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

struct alg_def {
	uint32_t alg;
	int key_type;         /* EVP_PKEY_RSA or EVP_PKEY_EC */
	int pss;
	const char *digest;
};

static const struct alg_def alg_defs[] = {
	{ TOK_ALG_RSA_PKCS1_SHA256, EVP_PKEY_RSA, 0, "SHA256" },
	{ TOK_ALG_RSA_PKCS1_SHA384, EVP_PKEY_RSA, 0, "SHA384" },
	{ TOK_ALG_RSA_PKCS1_SHA512, EVP_PKEY_RSA, 0, "SHA512" },
	{ TOK_ALG_RSA_PSS_SHA256, EVP_PKEY_RSA, 1, "SHA256" },
	{ TOK_ALG_RSA_PSS_SHA384, EVP_PKEY_RSA, 1, "SHA384" },
	{ TOK_ALG_RSA_PSS_SHA512, EVP_PKEY_RSA, 1, "SHA512" },
	{ TOK_ALG_ECDSA_SHA256, EVP_PKEY_EC, 0, "SHA256" },
	{ TOK_ALG_ECDSA_SHA384, EVP_PKEY_EC, 0, "SHA384" },
	{ TOK_ALG_ECDSA_SHA512, EVP_PKEY_EC, 0, "SHA512" },
};

static const struct alg_def *alg_find(uint32_t alg)
{
	for (size_t i = 0; i < sizeof(alg_defs) / sizeof(alg_defs[0]); i++)
		if (alg_defs[i].alg == alg)
			return &alg_defs[i];
	return NULL;
}

static int pss_setup(EVP_PKEY_CTX *pctx, const EVP_MD *md)
{
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) > 0;
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
	res = EVP_DigestVerify(mctx, sig, siglen, data, len) == 1 ? TOKVERIFY_OK : TOKVERIFY_BAD;
out:
	EVP_MD_CTX_free(mctx);
	EVP_MD_free(md);
	ERR_clear_error();
	return res;
}
