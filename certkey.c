/* certkey.c - which certificate keys pam_certmap accepts: RSA of 2048 to
 * 8192 bits, or ECDSA on P-256, P-384 or P-521 (SPEC 3.3).  Both sources and
 * certmap keys apply it, so a certificate the module cannot verify a token's
 * signature for is refused before any PIN is asked, and the env source does
 * not grant what the token source would refuse. */
#include "config.h"
#include "cert.h"

#include <stdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#define CERT_RSA_MIN_BITS 2048
#define CERT_RSA_MAX_BITS 8192

static enum cert_status ec_check(EVP_PKEY *pub, char *why, size_t whylen)
{
	char group[64];

	if (EVP_PKEY_get_group_name(pub, group, sizeof(group), NULL) != 1) {
		snprintf(why, whylen, "an EC key without a named curve");
		return CERT_BAD;
	}
	switch (OBJ_sn2nid(group)) {
	case NID_X9_62_prime256v1:
	case NID_secp384r1:
	case NID_secp521r1:
		return CERT_OK;
	default:
		snprintf(why, whylen, "an EC key on curve %.40s", group);
		return CERT_BAD;
	}
}

static enum cert_status key_check(EVP_PKEY *pub, char *why, size_t whylen)
{
	int bits;

	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(pub);
		if (bits >= CERT_RSA_MIN_BITS && bits <= CERT_RSA_MAX_BITS)
			return CERT_OK;
		snprintf(why, whylen, "a %d-bit RSA key", bits);
		return CERT_BAD;
	case EVP_PKEY_EC:
		return ec_check(pub, why, whylen);
	default:
		snprintf(why, whylen, "a key of type %.40s", OBJ_nid2sn(EVP_PKEY_get_base_id(pub)));
		return CERT_BAD;
	}
}

enum cert_status cert_key_check(X509 *x, char *why, size_t whylen)
{
	EVP_PKEY *pub = X509_get0_pubkey(x);
	enum cert_status st = CERT_BAD;
	char what[96] = "an unreadable key";

	if (pub != NULL)
		st = key_check(pub, what, sizeof(what));
	ERR_clear_error();
	if (st != CERT_OK)
		snprintf(why, whylen, "the certificate's key is not supported: %s (RSA of "
			 "2048 to 8192 bits, or ECDSA on P-256, P-384 or P-521)", what);
	return st;
}
