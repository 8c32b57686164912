/* tokchal.c - what the module hands the helper to sign: the challenge comes
 * from the kernel's CSPRNG, and the module hashes it itself, so the helper
 * needs neither OpenSSL nor the certificate. */
#include "config.h"
#include "tokchal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/err.h>
#include <openssl/evp.h>

static int digests(struct tok_sign_req *req)
{
	unsigned int n256 = 0, n384 = 0, n512 = 0;
	int ok;

	ok = EVP_Digest(req->chal, req->chal_len, req->sha256, &n256, EVP_sha256(), NULL) == 1 &&
	     EVP_Digest(req->chal, req->chal_len, req->sha384, &n384, EVP_sha384(), NULL) == 1 &&
	     EVP_Digest(req->chal, req->chal_len, req->sha512, &n512, EVP_sha512(), NULL) == 1;
	ERR_clear_error();
	return ok && n256 == sizeof(req->sha256) && n384 == sizeof(req->sha384) &&
	       n512 == sizeof(req->sha512) ? 0 : -1;
}

/* The kind and size of the key the token's must match; decide.c refused
 * every key outside RSA and ECDSA before the PIN was asked. */
static int key_of(X509 *mapped, struct tok_sign_req *req)
{
	EVP_PKEY *pub = X509_get0_pubkey(mapped);
	int bits;

	if (pub == NULL)
		return -1;
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		req->key = TOK_KEY_RSA;
		break;
	case EVP_PKEY_EC:
		req->key = TOK_KEY_EC;
		break;
	default:
		return -1;
	}
	bits = EVP_PKEY_get_bits(pub);
	if (bits <= 0 || (unsigned)bits > TOKREQ_KEY_BITS_MAX)
		return -1;
	req->key_bits = (uint32_t)bits;
	return 0;
}

int tokchal_make(struct tok_sign_req *req, unsigned char chal[TOKCHAL_LEN], X509 *mapped,
		 char *why, size_t whylen)
{
	if (getrandom(chal, TOKCHAL_LEN, 0) != TOKCHAL_LEN) {
		snprintf(why, whylen, "no random challenge: %s", strerror(errno));
		return -1;
	}
	req->chal = chal;
	req->chal_len = TOKCHAL_LEN;
	if (key_of(mapped, req) != 0) {
		ERR_clear_error();
		snprintf(why, whylen, "the certificate's key cannot be read");
		return -1;
	}
	if (digests(req) != 0) {
		snprintf(why, whylen, "cannot hash the challenge");
		return -1;
	}
	return 0;
}
