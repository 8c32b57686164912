/* testpki.c - CAs and certificates for the unit tests: real X.509 made with
 * OpenSSL's API, every failure a failed test. */
#include "config.h"
#include "testpki.h"

#include <check.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	ck_assert_msg(ext != NULL, "extension %d=%s", nid, value);
	ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

static void set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();

	ck_assert_ptr_nonnull(bn);
	ck_assert_int_eq(BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY), 1);
	ck_assert_ptr_nonnull(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)));
	BN_free(bn);
}

static void set_name(X509 *x, const char *cn)
{
	X509_NAME *name = X509_get_subject_name(x);

	ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
						    (const unsigned char *)cn, -1, -1, 0), 1);
}

/* A certificate after SP, signed by ISSUER, or self-signed when ISSUER is NULL. */
struct pki pki_issue(const struct spec *sp, const struct pki *issuer)
{
	struct pki p = { X509_new(), EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") };
	X509 *icert;
	EVP_PKEY *ikey;

	ck_assert_ptr_nonnull(p.cert);
	ck_assert_ptr_nonnull(p.key);
	icert = issuer != NULL ? issuer->cert : p.cert;
	ikey = issuer != NULL ? issuer->key : p.key;
	ck_assert_int_eq(X509_set_version(p.cert, X509_VERSION_3), 1);
	set_serial(p.cert);
	set_name(p.cert, sp->cn);
	ck_assert_int_eq(X509_set_issuer_name(p.cert, X509_get_subject_name(icert)), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(p.cert), sp->not_before));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(p.cert), sp->not_after));
	ck_assert_int_eq(X509_set_pubkey(p.cert, p.key), 1);
	add_ext(p.cert, icert, NID_basic_constraints, sp->ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(p.cert, icert, NID_subject_key_identifier, "hash");
	if (issuer != NULL)
		add_ext(p.cert, icert, NID_authority_key_identifier, "keyid");
	if (sp->ku != NULL)
		add_ext(p.cert, icert, NID_key_usage, sp->ku);
	if (sp->eku != NULL)
		add_ext(p.cert, icert, NID_ext_key_usage, sp->eku);
	ck_assert_int_gt(X509_sign(p.cert, ikey, EVP_sha256()), 0);
	return p;
}

struct pki make_ca(const char *cn, const struct pki *issuer, long not_after)
{
	const struct spec sp = { cn, -30 * DAY, not_after, 1, NULL, "keyCertSign,cRLSign" };

	return pki_issue(&sp, issuer);
}

/* A client certificate of ISSUER with the usual usages, valid from NB to NA. */
struct pki make_leaf(const struct pki *issuer, long nb, long na)
{
	const struct spec sp = { "alice", nb, na, 0, "clientAuth", "digitalSignature" };

	return pki_issue(&sp, issuer);
}

struct pki make_leaf_eku(const struct pki *issuer, const char *eku, const char *ku)
{
	const struct spec sp = { "alice", -DAY, 30 * DAY, 0, eku, ku };

	return pki_issue(&sp, issuer);
}

void pki_free(struct pki *p)
{
	X509_free(p->cert);
	EVP_PKEY_free(p->key);
	p->cert = NULL;
	p->key = NULL;
}

