/* testcert.c - make real certificates for the unit tests with OpenSSL, so no
 * test depends on a fixture file that can expire or go stale. */
#include "config.h"
#include "testcert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* A broken helper is a broken test: stop loudly rather than return NULL. */
static void testcert_die(const char *what)
{
	fprintf(stderr, "testcert: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	abort();
}

static void set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();

	if (bn == NULL || BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		testcert_die("serial");
	BN_free(bn);
}

static void set_names(X509 *x, const char *cn)
{
	X509_NAME *name = X509_NAME_new();

	if (name == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1)
		testcert_die("names");
	X509_NAME_free(name);
}

X509 *testcert_make(const char *cn, long not_before_s, long not_after_s)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();

	if (key == NULL || x == NULL || X509_set_version(x, X509_VERSION_3) != 1)
		testcert_die("key or X509_new");
	set_serial(x);
	set_names(x, cn);
	if (X509_gmtime_adj(X509_getm_notBefore(x), not_before_s) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), not_after_s) == NULL ||
	    X509_set_pubkey(x, key) != 1 || X509_sign(x, key, EVP_sha256()) <= 0)
		testcert_die("dates, key or signature");
	EVP_PKEY_free(key);
	return x;
}

X509 *testcert_valid(const char *cn)
{
	return testcert_make(cn, -3600, 86400);
}

char *testcert_pem(X509 *x)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *res;
	long n;

	if (bio == NULL || PEM_write_bio_X509(bio, x) != 1)
		testcert_die("PEM_write_bio_X509");
	n = BIO_get_mem_data(bio, &data);
	res = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (res == NULL)
		testcert_die("PEM copy");
	memcpy(res, data, (size_t)n);
	res[n] = '\0';
	BIO_free(bio);
	return res;
}

unsigned char *testcert_der(X509 *x, size_t *len)
{
	int n = i2d_X509(x, NULL);
	unsigned char *res, *p;

	res = n > 0 ? malloc((size_t)n) : NULL;
	if (res == NULL)
		testcert_die("i2d_X509 length");
	p = res;
	if (i2d_X509(x, &p) != n)
		testcert_die("i2d_X509");
	*len = (size_t)n;
	return res;
}

char *testcert_b64(X509 *x)
{
	size_t len;
	unsigned char *der = testcert_der(x, &len);
	char *res = malloc((len + 2) / 3 * 4 + 1);

	if (res == NULL)
		testcert_die("base64 buffer");
	if (EVP_EncodeBlock((unsigned char *)res, der, (int)len) <= 0)
		testcert_die("EVP_EncodeBlock");
	free(der);
	return res;
}
