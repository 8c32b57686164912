/* floor.c - the PKCS#11 floor of a token login: load the module, log in and sign a 32-byte
 * challenge with libp11, timed in-process, as any PAM module must do once per login. */
#include "config.h"

#include <libp11.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define CHALLENGE_LEN 32

/* What one run does; the phases are timed in microseconds. */
struct run {
	PKCS11_CTX *ctx;
	int loaded;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	PKCS11_SLOT *slot;
	EVP_PKEY *pk;
	const char *alg;
	size_t sig_len;
};

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int fail(const char *what)
{
	fprintf(stderr, "floor: %s\n", what);
	ERR_print_errors_fp(stderr);
	return -1;
}

/* Module load, C_Initialize, the slot list and the token with LABEL. */
static int open_token(struct run *r, const char *module, const char *label)
{
	r->ctx = PKCS11_CTX_new();
	if (r->ctx == NULL)
		return fail("out of memory");
	if (PKCS11_CTX_load(r->ctx, module) != 0)
		return fail("cannot load the PKCS#11 module");
	r->loaded = 1;
	if (PKCS11_enumerate_slots(r->ctx, &r->slots, &r->nslots) != 0)
		return fail("cannot list the slots");
	for (unsigned int i = 0; i < r->nslots; i++) {
		const PKCS11_TOKEN *t = r->slots[i].token;

		if (t != NULL && t->initialized && t->label != NULL && strcmp(t->label, label) == 0) {
			r->slot = &r->slots[i];
			return 0;
		}
	}
	return fail("no token with that label");
}

/* The first private key of the token: the benchmark's token holds one. */
static int find_key(struct run *r)
{
	PKCS11_KEY *keys = NULL;
	unsigned int n = 0;

	if (PKCS11_enumerate_keys(r->slot->token, &keys, &n) != 0)
		return fail("cannot list the keys");
	for (unsigned int i = 0; i < n; i++) {
		if (!keys[i].isPrivate)
			continue;
		r->pk = PKCS11_get_private_key(&keys[i]);
		return r->pk != NULL ? 0 : fail("the private key cannot be used");
	}
	return fail("no private key on the token");
}

/* The mechanisms pam_certmap_token uses first: RSA-PSS or ECDSA, with SHA-256. */
static int sign(struct run *r)
{
	unsigned char chal[CHALLENGE_LEN];
	unsigned char *sig = NULL;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int is_rsa = EVP_PKEY_get_base_id(r->pk) == EVP_PKEY_RSA;
	int ret = -1;

	r->alg = is_rsa ? "RSA-PSS-SHA256" : "ECDSA-SHA256";
	if (mctx == NULL || getrandom(chal, sizeof(chal), 0) != (ssize_t)sizeof(chal))
		goto out;
	if (EVP_DigestSignInit(mctx, &pctx, EVP_sha256(), NULL, r->pk) != 1)
		goto out;
	if (is_rsa && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	if (EVP_DigestSign(mctx, NULL, &r->sig_len, chal, sizeof(chal)) != 1)
		goto out;
	sig = OPENSSL_malloc(r->sig_len);
	if (sig == NULL || EVP_DigestSign(mctx, sig, &r->sig_len, chal, sizeof(chal)) != 1)
		goto out;
	ret = 0;
out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(mctx);
	return ret == 0 ? 0 : fail("the token did not sign");
}

static void close_token(struct run *r)
{
	EVP_PKEY_free(r->pk);
	if (r->slots != NULL)
		PKCS11_release_all_slots(r->ctx, r->slots, r->nslots);
	if (r->loaded)
		PKCS11_CTX_unload(r->ctx);
	if (r->ctx != NULL)
		PKCS11_CTX_free(r->ctx);
}

int main(int argc, char **argv)
{
	struct run r = { 0 };
	long long t0, t1, t2, t3, t4;
	const char *alg;
	int rc = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: floor PKCS11_MODULE TOKEN_LABEL PIN\n"
				"prints load_us= login_us= sign_us= close_us= total_us= alg=\n");
		return 2;
	}
	t0 = now_us();
	if (open_token(&r, argv[1], argv[2]) != 0)
		goto out;
	t1 = now_us();
	if (PKCS11_login(r.slot, 0, argv[3]) != 0) {
		fail("login failed");
		goto out;
	}
	t2 = now_us();
	if (find_key(&r) != 0 || sign(&r) != 0)
		goto out;
	t3 = now_us();
	alg = r.alg;
	close_token(&r);
	memset(&r, 0, sizeof(r));
	t4 = now_us();
	printf("load_us=%lld login_us=%lld sign_us=%lld close_us=%lld total_us=%lld alg=%s\n",
	       t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, alg);
	rc = 0;
out:
	close_token(&r);
	return rc;
}
