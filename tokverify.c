/* tokverify.c - the module's own signature check: the helper's answer is
 * worth nothing until the mapped certificate's public key accepts it. */
#include "config.h"
#include "tokverify.h"
#include "tokproto.h"

#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/objects.h>
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

/* RSA, or ECDSA on a named NIST curve: a token key on another curve
 * (secp256k1, brainpool, explicit parameters) is refused, not verified. */
static int key_supported(EVP_PKEY *pub)
{
	char group[64];

	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA)
		return 1;
	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC ||
	    EVP_PKEY_get_group_name(pub, group, sizeof(group), NULL) != 1)
		return 0;
	switch (OBJ_sn2nid(group)) {
	case NID_X9_62_prime256v1:
	case NID_secp384r1:
	case NID_secp521r1:
		return 1;
	default:
		return 0;
	}
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

	if (pub == NULL)
		return TOKVERIFY_ERROR;
	if (!key_supported(pub)) {
		ERR_clear_error();
		return TOKVERIFY_UNSUPPORTED;
	}
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
