/* mechs.c - a PKCS#11 module in front of SoftHSM2 ($MECHS_TARGET) that offers only the
 * signature mechanisms $MECHS names, as tokens with only hash-and-sign, only PSS or only
 * raw mechanisms do.  CKM_ECDSA_SHA256/384/512, which SoftHSM2 2.6 lacks, are made of its
 * C_Digest and raw CKM_ECDSA, so the helper's ECDSA hash-and-sign rows are exercised too. */
#include "config.h"
#include "wrap.h"

#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * MECHS        comma-separated names without CKM_ (SHA384_RSA_PKCS, RSA_PKCS_PSS, ECDSA,
 *              ECDSA_SHA256, ...), or "none"; unset: every mechanism SoftHSM2 has.
 *              Others are missing from C_GetMechanismList and refused by C_SignInit.
 * MECHS_NOLIST C_GetMechanismList fails: the caller cannot know what is offered.
 * MECHS_RANGE  MIN,MAX: the key size range C_GetMechanismInfo reports for every mechanism.
 */

static const struct {
	CK_MECHANISM_TYPE type;
	const char *name;
	CK_MECHANISM_TYPE hash;  /* emulated ECDSA_SHA*: the digest made first */
} known[] = {
	{ CKM_RSA_PKCS, "RSA_PKCS", 0 },
	{ CKM_RSA_PKCS_PSS, "RSA_PKCS_PSS", 0 },
	{ CKM_SHA256_RSA_PKCS, "SHA256_RSA_PKCS", 0 },
	{ CKM_SHA384_RSA_PKCS, "SHA384_RSA_PKCS", 0 },
	{ CKM_SHA512_RSA_PKCS, "SHA512_RSA_PKCS", 0 },
	{ CKM_SHA256_RSA_PKCS_PSS, "SHA256_RSA_PKCS_PSS", 0 },
	{ CKM_SHA384_RSA_PKCS_PSS, "SHA384_RSA_PKCS_PSS", 0 },
	{ CKM_SHA512_RSA_PKCS_PSS, "SHA512_RSA_PKCS_PSS", 0 },
	{ CKM_ECDSA, "ECDSA", 0 },
	{ CKM_ECDSA_SHA256, "ECDSA_SHA256", CKM_SHA256 },
	{ CKM_ECDSA_SHA384, "ECDSA_SHA384", CKM_SHA384 },
	{ CKM_ECDSA_SHA512, "ECDSA_SHA512", CKM_SHA512 },
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* The emulated operation of each session: its digest mechanism, or 0.  Sessions of one
 * helper are few; a handle that does not fit is refused. */
#define SESSIONS 64
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CK_MECHANISM_TYPE pending[SESSIONS];

static void fill(CK_FUNCTION_LIST *l);
static struct wrap mechs = { .env = "MECHS_TARGET", .fill = fill };

static int listed(CK_MECHANISM_TYPE type)
{
	const char *m = getenv("MECHS");
	const char *name = NULL;
	size_t n;

	if (m == NULL)
		return 1;
	for (size_t i = 0; i < NKNOWN; i++)
		if (known[i].type == type)
			name = known[i].name;
	if (name == NULL)
		return 0;
	n = strlen(name);
	for (const char *p = m; *p != '\0';) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len + (p[len] == ',');
	}
	return 0;
}

static CK_MECHANISM_TYPE emulated_hash(CK_MECHANISM_TYPE type)
{
	for (size_t i = 0; i < NKNOWN; i++)
		if (known[i].type == type)
			return known[i].hash;
	return 0;
}

static CK_RV mechs_get_list(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR out, CK_ULONG_PTR count)
{
	CK_MECHANISM_TYPE all[256], keep[256 + NKNOWN];
	CK_ULONG n = 256, k = 0;
	CK_RV rv;

	if (getenv("MECHS_NOLIST") != NULL)
		return CKR_FUNCTION_FAILED;
	rv = mechs.real->C_GetMechanismList(slot, all, &n);
	if (rv != CKR_OK)
		return rv;
	for (CK_ULONG i = 0; i < n; i++)
		if (listed(all[i]))
			keep[k++] = all[i];
	for (size_t i = 0; i < NKNOWN; i++)
		if (known[i].hash != 0 && getenv("MECHS") != NULL && listed(known[i].type))
			keep[k++] = known[i].type;
	if (out != NULL && *count < k) {
		*count = k;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (out != NULL)
		memcpy(out, keep, k * sizeof(*keep));
	*count = k;
	return CKR_OK;
}

static CK_RV mechs_get_info(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	const char *range = getenv("MECHS_RANGE");
	CK_RV rv;

	if (!listed(type))
		return CKR_MECHANISM_INVALID;
	rv = mechs.real->C_GetMechanismInfo(slot, emulated_hash(type) ? CKM_ECDSA : type, info);
	if (rv == CKR_OK && range != NULL &&
	    sscanf(range, "%lu,%lu", &info->ulMinKeySize, &info->ulMaxKeySize) != 2)
		return CKR_GENERAL_ERROR;
	return rv;
}

static CK_RV mechs_sign_init(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM raw = { CKM_ECDSA, NULL, 0 };
	CK_MECHANISM_TYPE hash;
	CK_RV rv;

	if (m == NULL || !listed(m->mechanism))
		return CKR_MECHANISM_INVALID;
	hash = emulated_hash(m->mechanism);
	if (hash == 0)
		return mechs.real->C_SignInit(s, m, key);
	if (s >= SESSIONS)
		return CKR_SESSION_COUNT;
	rv = mechs.real->C_SignInit(s, &raw, key);
	if (rv == CKR_OK) {
		pthread_mutex_lock(&lock);
		pending[s] = hash;
		pthread_mutex_unlock(&lock);
	}
	return rv;
}

/* The digest of DATA made by the target in a session of its own on S's slot (S has a
 * signature going on). */
static CK_RV digest(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE hash, CK_BYTE_PTR data,
		    CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR outlen)
{
	CK_MECHANISM m = { hash, NULL, 0 };
	CK_SESSION_INFO info;
	CK_SESSION_HANDLE d;
	CK_RV rv;

	rv = mechs.real->C_GetSessionInfo(s, &info);
	if (rv == CKR_OK)
		rv = mechs.real->C_OpenSession(info.slotID, CKF_SERIAL_SESSION, NULL, NULL, &d);
	if (rv != CKR_OK)
		return rv;
	rv = mechs.real->C_DigestInit(d, &m);
	if (rv == CKR_OK)
		rv = mechs.real->C_Digest(d, data, len, out, outlen);
	(void)mechs.real->C_CloseSession(d);
	return rv;
}

static CK_RV mechs_sign(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
			CK_ULONG_PTR siglen)
{
	CK_BYTE md[64];
	CK_ULONG mdlen = sizeof(md);
	CK_MECHANISM_TYPE hash = 0;
	CK_RV rv;

	if (s < SESSIONS) {
		pthread_mutex_lock(&lock);
		hash = pending[s];
		pending[s] = 0;
		pthread_mutex_unlock(&lock);
	}
	if (hash == 0)
		return mechs.real->C_Sign(s, data, len, sig, siglen);
	rv = digest(s, hash, data, len, md, &mdlen);
	if (rv != CKR_OK)
		return rv;
	return mechs.real->C_Sign(s, md, mdlen, sig, siglen);
}

static void fill(CK_FUNCTION_LIST *l)
{
	l->C_GetMechanismList = mechs_get_list;
	l->C_GetMechanismInfo = mechs_get_info;
	l->C_SignInit = mechs_sign_init;
	l->C_Sign = mechs_sign;
}

__attribute__((visibility("default")))
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	return wrap_get(&mechs, C_GetFunctionList, out);
}
