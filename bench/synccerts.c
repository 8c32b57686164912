/* synccerts.c - the users of bench/sync as LDIF: N inetOrgPerson entries under a base,
 * each with its own certificate (an RSA-2048 key and the extensions an enterprise CA
 * puts in, signed by an EC test CA), one in a hundred locked (nsAccountLock).
 *
 * Usage: synccerts N BASE > users.ldif */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static EVP_PKEY *new_key(const char *alg, const char *param)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
	EVP_PKEY *k = NULL;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0)
		goto out;
	if (strcmp(alg, "EC") == 0 ? EVP_PKEY_CTX_set_group_name(ctx, param) <= 0 :
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, atoi(param)) <= 0)
		goto out;
	if (EVP_PKEY_keygen(ctx, &k) <= 0)
		k = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static int add_ext(X509 *x, X509 *ca, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	ok = e != NULL && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok ? 0 : -1;
}

static X509 *make_cert(long serial, const char *cn, const char *issuer_cn, EVP_PKEY *key,
		       EVP_PKEY *signer, X509 *ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new(), *in = X509_NAME_new();
	char san[160];

	if (x == NULL || n == NULL || in == NULL)
		goto fail;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"pam_certmap bench",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "O", MBSTRING_ASC,
				   (const unsigned char *)"pam_certmap bench", -1, -1, 0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC, (const unsigned char *)issuer_cn, -1,
				   -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, in);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400);
	X509_set_pubkey(x, key);
	snprintf(san, sizeof(san), "email:%s@example.test,otherName:1.3.6.1.4.1.311.20.2.3;"
		 "UTF8:%s@example.test", cn, cn);
	if (ca == NULL ? add_ext(x, x, NID_basic_constraints, "critical,CA:true") ||
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext(x, x, NID_subject_key_identifier, "hash") :
	    add_ext(x, ca, NID_basic_constraints, "critical,CA:false") ||
	    add_ext(x, ca, NID_key_usage, "critical,digitalSignature,keyEncipherment") ||
	    add_ext(x, ca, NID_ext_key_usage, "clientAuth,msSmartcardLogin,emailProtection") ||
	    add_ext(x, ca, NID_subject_alt_name, san) ||
	    add_ext(x, ca, NID_subject_key_identifier, "hash") ||
	    add_ext(x, ca, NID_authority_key_identifier, "keyid") ||
	    add_ext(x, ca, NID_crl_distribution_points,
		    "URI:http://pki.example.test/crl/bench-ca.crl"))
		goto fail;
	if (X509_sign(x, signer, EVP_sha256()) <= 0)
		goto fail;
	X509_NAME_free(n);
	X509_NAME_free(in);
	return x;
fail:
	X509_NAME_free(n);
	X509_NAME_free(in);
	X509_free(x);
	return NULL;
}

static void put_entry(long i, const char *base, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	char *b64 = malloc((size_t)len / 3 * 4 + 5);

	if (len <= 0 || b64 == NULL) {
		fprintf(stderr, "synccerts: out of memory\n");
		exit(1);
	}
	EVP_EncodeBlock((unsigned char *)b64, der, len);
	printf("dn: uid=user%06ld,%s\nobjectClass: inetOrgPerson\nobjectClass: certmapTestAccount\n"
	       "uid: user%06ld\ncn: User %06ld\nsn: %06ld\n", i, base, i, i, i);
	if (i % 100 == 0)
		printf("nsAccountLock: TRUE\n");
	printf("userCertificate;binary:: %s\n\n", b64);
	free(b64);
	OPENSSL_free(der);
}

int main(int argc, char **argv)
{
	EVP_PKEY *cakey, *userkey;
	X509 *ca;
	long n;

	if (argc != 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: synccerts N BASE > users.ldif\n");
		return 2;
	}
	cakey = new_key("EC", "P-256");
	/* One key for every user: the mapping is by certificate, not by key. */
	userkey = new_key("RSA", "2048");
	ca = cakey && userkey ? make_cert(1, "Bench CA", "Bench CA", cakey, cakey, NULL) : NULL;
	if (ca == NULL) {
		fprintf(stderr, "synccerts: cannot make the CA\n");
		return 1;
	}
	for (long i = 1; i <= n; i++) {
		char cn[32];
		X509 *x;

		snprintf(cn, sizeof(cn), "user%06ld", i);
		x = make_cert(1000 + i, cn, "Bench CA", userkey, cakey, ca);
		if (x == NULL) {
			fprintf(stderr, "synccerts: cannot make certificate %ld\n", i);
			return 1;
		}
		put_entry(i, argv[2], x);
		X509_free(x);
	}
	X509_free(ca);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(userkey);
	return fflush(stdout) == 0 ? 0 : 1;
}
