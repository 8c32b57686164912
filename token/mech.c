/* mech.c - which signature mechanism: the preference table, checked against
 * the token's C_GetMechanismList and C_GetMechanismInfo, so a token that
 * offers only hash-and-sign, only PSS or only raw mechanisms still signs. */
#include "config.h"
#include "helper.h"

#include <stdlib.h>

#define ROW(m, k, in, h, pss, alg) { m, TOK_KEY_##k, in, h, pss, TOK_ALG_##alg }

/* Best first: PSS before PKCS#1 v1.5, the longer digest first, the token
 * hashing before the helper's digests (the module sends those). */
static const struct mech_row rows[] = {
	ROW(CKM_SHA512_RSA_PKCS_PSS, RSA, MECH_MESSAGE, 512, 1, RSA_PSS_SHA512),
	ROW(CKM_SHA384_RSA_PKCS_PSS, RSA, MECH_MESSAGE, 384, 1, RSA_PSS_SHA384),
	ROW(CKM_SHA256_RSA_PKCS_PSS, RSA, MECH_MESSAGE, 256, 1, RSA_PSS_SHA256),
	ROW(CKM_SHA512_RSA_PKCS, RSA, MECH_MESSAGE, 512, 0, RSA_PKCS1_SHA512),
	ROW(CKM_SHA384_RSA_PKCS, RSA, MECH_MESSAGE, 384, 0, RSA_PKCS1_SHA384),
	ROW(CKM_SHA256_RSA_PKCS, RSA, MECH_MESSAGE, 256, 0, RSA_PKCS1_SHA256),
	ROW(CKM_RSA_PKCS_PSS, RSA, MECH_DIGEST, 512, 1, RSA_PSS_SHA512),
	ROW(CKM_RSA_PKCS_PSS, RSA, MECH_DIGEST, 384, 1, RSA_PSS_SHA384),
	ROW(CKM_RSA_PKCS_PSS, RSA, MECH_DIGEST, 256, 1, RSA_PSS_SHA256),
	ROW(CKM_RSA_PKCS, RSA, MECH_DIGESTINFO, 512, 0, RSA_PKCS1_SHA512),
	ROW(CKM_RSA_PKCS, RSA, MECH_DIGESTINFO, 384, 0, RSA_PKCS1_SHA384),
	ROW(CKM_RSA_PKCS, RSA, MECH_DIGESTINFO, 256, 0, RSA_PKCS1_SHA256),
	ROW(CKM_ECDSA_SHA512, EC, MECH_MESSAGE, 512, 0, ECDSA_SHA512),
	ROW(CKM_ECDSA_SHA384, EC, MECH_MESSAGE, 384, 0, ECDSA_SHA384),
	ROW(CKM_ECDSA_SHA256, EC, MECH_MESSAGE, 256, 0, ECDSA_SHA256),
	/* Raw ECDSA signs the digest as long as the curve's order (see mech_hash). */
	ROW(CKM_ECDSA, EC, MECH_DIGEST, 0, 0, ECDSA_SHA256),
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

uint32_t mech_alg(const struct mech_row *m, uint32_t bits)
{
	if (m->hash != 0)
		return m->alg;
	switch (mech_hash(m, bits)) {
	case 256:
		return TOK_ALG_ECDSA_SHA256;
	case 384:
		return TOK_ALG_ECDSA_SHA384;
	default:
		return TOK_ALG_ECDSA_SHA512;
	}
}

unsigned mech_hash(const struct mech_row *m, uint32_t bits)
{
	if (m->hash != 0)
		return m->hash;
	/* A longer digest would be cut to the order's length by some tokens
	 * and not by others: give the one that fits. */
	if (bits <= 256)
		return 256;
	return bits <= 384 ? 384 : 512;
}

/* Modules give the key size range in bits, as the standard says, or in
 * bytes (some older ones); 0..0 is no range at all. */
static int size_fits(const CK_MECHANISM_INFO *mi, uint32_t bits)
{
	CK_ULONG bytes = (bits + 7) / 8;

	if (mi->ulMaxKeySize == 0)
		return 1;
	if (bits >= mi->ulMinKeySize && bits <= mi->ulMaxKeySize)
		return 1;
	return bytes >= mi->ulMinKeySize && bytes <= mi->ulMaxKeySize;
}

/* The token's mechanisms (*N of them, perhaps none); NULL when it will not
 * say (then every row is tried and C_SignInit decides). */
static CK_MECHANISM_TYPE *mech_list(struct p11 *p, CK_SLOT_ID slot, CK_ULONG *n)
{
	CK_MECHANISM_TYPE *v;

	*n = 0;
	if (p->f->C_GetMechanismList(slot, NULL, n) != CKR_OK || *n > 4096)
		return NULL;
	v = calloc(*n ? *n : 1, sizeof(*v));
	if (v != NULL && p->f->C_GetMechanismList(slot, v, n) == CKR_OK)
		return v;
	free(v);
	return NULL;
}

static int offered(struct p11 *p, CK_SLOT_ID slot, const CK_MECHANISM_TYPE *list, CK_ULONG n,
		   const struct mech_row *m, uint32_t bits)
{
	CK_MECHANISM_INFO mi;
	CK_ULONG i;

	if (list == NULL)
		return 1;
	for (i = 0; i < n && list[i] != m->type; i++)
		;
	if (i == n || p->f->C_GetMechanismInfo(slot, m->type, &mi) != CKR_OK)
		return 0;
	return (mi.flags & CKF_SIGN) && size_fits(&mi, bits);
}

size_t mech_candidates(struct p11 *p, CK_SLOT_ID slot, uint32_t key, uint32_t bits,
		       const struct mech_row **out)
{
	CK_ULONG n = 0;
	CK_MECHANISM_TYPE *list = mech_list(p, slot, &n);
	size_t k = 0;

	for (size_t i = 0; i < NROWS && k < MECH_MAX; i++)
		if (rows[i].key == key && offered(p, slot, list, n, &rows[i], bits))
			out[k++] = &rows[i];
	free(list);
	return k;
}
