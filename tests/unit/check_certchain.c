/* check_certchain.c - unit tests of cert_verify_chain: chains, hashed CA
 * directories, CRLs, key usages and allow_expired, with a PKI made at run time. */
#include "config.h"
#include "cert.h"
#include "certchain.h"
#include "testcert.h"
#include "testpki.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define SCLOGON "1.3.6.1.4.1.311.20.2.2"

static struct pki root, inter, other;
static char why[512];

/* A CRL of CA revoking the NULL-terminated REVOKED, updated at now + LAST,
 * next update at now + NEXT. */
static X509_CRL *make_crl(const struct pki *ca, X509 *const *revoked, long last, long next)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t_last = X509_gmtime_adj(NULL, last);
	ASN1_TIME *t_next = X509_gmtime_adj(NULL, next);

	ck_assert_ptr_nonnull(crl);
	ck_assert_ptr_nonnull(t_last);
	ck_assert_ptr_nonnull(t_next);
	ck_assert_int_eq(X509_CRL_set_version(crl, X509_CRL_VERSION_2), 1);
	ck_assert_int_eq(X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)), 1);
	ck_assert_int_eq(X509_CRL_set1_lastUpdate(crl, t_last), 1);
	ck_assert_int_eq(X509_CRL_set1_nextUpdate(crl, t_next), 1);
	for (; *revoked != NULL; revoked++) {
		X509_REVOKED *r = X509_REVOKED_new();

		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(X509_REVOKED_set_serialNumber(r,
							       X509_get_serialNumber(*revoked)), 1);
		ck_assert_int_eq(X509_REVOKED_set_revocationDate(r, t_last), 1);
		ck_assert_int_eq(X509_CRL_add0_revoked(crl, r), 1);
	}
	ck_assert_int_eq(X509_CRL_sort(crl), 1);
	ck_assert_int_gt(X509_CRL_sign(crl, ca->key, EVP_sha256()), 0);
	ASN1_TIME_free(t_last);
	ASN1_TIME_free(t_next);
	return crl;
}

/* NAME in the scratch directory holding the PEM of the NULL-terminated CERTS
 * and CRLS (either may be NULL); the full path goes to PATH. */
static void write_pem(const char *name, X509 *const *certs, X509_CRL *const *crls,
		      char *path, size_t pathlen)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	ck_assert_ptr_nonnull(bio);
	for (; certs != NULL && *certs != NULL; certs++)
		ck_assert_int_eq(PEM_write_bio_X509(bio, *certs), 1);
	for (; crls != NULL && *crls != NULL; crls++)
		ck_assert_int_eq(PEM_write_bio_X509_CRL(bio, *crls), 1);
	n = BIO_get_mem_data(bio, &data);
	ck_assert_int_ge(n, 0);
	unit_write_file(name, data, (size_t)n, 0644, path, pathlen);
	BIO_free(bio);
}

/* One CRL of CA revoking R (or nothing) written to NAME. */
static void write_crl(const char *name, const struct pki *ca, X509 *r, char *path, size_t len)
{
	X509_CRL *crl = make_crl(ca, (X509 *[]){ r, NULL }, -3600, DAY);

	write_pem(name, NULL, (X509_CRL *[]){ crl, NULL }, path, len);
	X509_CRL_free(crl);
}

/* A hashed directory NAME holding the NULL-terminated CERTS as <hash>.0,
 * as `openssl rehash` names them. */
static void write_hashdir(const char *name, X509 *const *certs, char *path, size_t pathlen)
{
	char file[256], scratch[512];
	int ok = 0;

	snprintf(path, pathlen, "%s/%s", unit_tmpdir(), name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (; *certs != NULL; certs++) {
		unsigned long h = X509_NAME_hash_ex(X509_get_subject_name(*certs), NULL, NULL, &ok);

		ck_assert_int_eq(ok, 1);
		snprintf(file, sizeof(file), "%s/%08lx.0", name, h);
		write_pem(file, (X509 *[]){ *certs, NULL }, NULL, scratch, sizeof(scratch));
	}
}

/* A CRL directory NAME holding the NULL-terminated CRLS as <hash>.rN, as
 * `openssl rehash` names them (N counts CRLs of the same issuer). */
static void write_crldir(const char *name, X509_CRL *const *crls, char *path, size_t pathlen)
{
	char file[256], scratch[512];
	struct stat sb;
	int ok = 0;

	snprintf(path, pathlen, "%s/%s", unit_tmpdir(), name);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	for (; *crls != NULL; crls++) {
		unsigned long h = X509_NAME_hash_ex(X509_CRL_get_issuer(*crls), NULL, NULL, &ok);
		int n = 0;

		ck_assert_int_eq(ok, 1);
		do {
			snprintf(file, sizeof(file), "%s/%s/%08lx.r%d", unit_tmpdir(), name, h, n++);
		} while (stat(file, &sb) == 0);
		snprintf(file, sizeof(file), "%s/%08lx.r%d", name, h, n - 1);
		write_pem(file, NULL, (X509_CRL *[]){ *crls, NULL }, scratch, sizeof(scratch));
	}
}

/* cert_verify_chain with trust T at the present time, REV filled; it must
 * leave no OpenSSL error behind. */
static enum cert_status verify_t(X509 *x, const struct trust *t, struct revocation *rev)
{
	enum cert_status st;

	why[0] = '\0';
	st = cert_verify_chain(x, NULL, t, time(NULL), rev, why, sizeof(why));
	ck_assert_uint_eq(ERR_peek_error(), 0);
	if (st != CERT_OK)
		ck_assert_msg(why[0] != '\0', "a failure without a reason");
	return st;
}

/* How REV reads in the log. */
static const char *rev_words(const struct revocation *rev)
{
	static char buf[300];

	revocation_str(rev, buf, sizeof(buf));
	return buf;
}

/* cert_verify_chain at the present time; it must leave no OpenSSL error behind. */
static enum cert_status verify(X509 *x, const char *ca_file, const char *ca_dir,
			       const char *crl_file, int allow_expired)
{
	enum cert_status st;

	struct trust t = { .ca_file = ca_file, .ca_dir = ca_dir, .crl_file = crl_file,
			   .allow_expired = allow_expired };

	why[0] = '\0';
	st = cert_verify_chain(x, NULL, &t, time(NULL), NULL, why, sizeof(why));
	ck_assert_uint_eq(ERR_peek_error(), 0);
	if (st != CERT_OK)
		ck_assert_msg(why[0] != '\0', "a failure without a reason");
	return st;
}

#define assert_why_has(s) ck_assert_msg(strstr(why, (s)) != NULL, "why: \"%s\"", why)

static char root_file[512];	/* the root alone */
static char both_file[512];	/* the root and the intermediate */

static void setup(void)
{
	root = make_ca("Test Root CA", NULL, 3650 * DAY);
	inter = make_ca("Test Issuing CA", &root, 1000 * DAY);
	other = make_ca("Other Root CA", NULL, 3650 * DAY);
	write_pem("root.pem", (X509 *[]){ root.cert, NULL }, NULL, root_file, sizeof(root_file));
	write_pem("both.pem", (X509 *[]){ root.cert, inter.cert, NULL }, NULL,
		  both_file, sizeof(both_file));
}

static void teardown(void)
{
	pki_free(&root);
	pki_free(&inter);
	pki_free(&other);
}

/* ---- chains ---- */

START_TEST(ca_file_ok)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);

	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 0), CERT_OK);
	pki_free(&leaf);
}
END_TEST

START_TEST(ca_dir_ok)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct pki leaf2 = make_leaf(&inter, -DAY, 30 * DAY);
	char dir[512];

	write_hashdir("cadir", (X509 *[]){ root.cert, inter.cert, NULL }, dir, sizeof(dir));
	ck_assert_int_eq(verify(leaf.cert, NULL, dir, NULL, 0), CERT_OK);
	ck_assert_int_eq(verify(leaf2.cert, NULL, dir, NULL, 0), CERT_OK);
	/* Both sources together: the root from the file, the intermediate from the dir. */
	ck_assert_int_eq(verify(leaf2.cert, root_file, dir, NULL, 0), CERT_OK);
	pki_free(&leaf);
	pki_free(&leaf2);
}
END_TEST

START_TEST(ca_dir_without_issuer)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char dir[512];

	write_hashdir("otherdir", (X509 *[]){ other.cert, NULL }, dir, sizeof(dir));
	ck_assert_int_eq(verify(leaf.cert, NULL, dir, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: unable to get local issuer certificate");
	pki_free(&leaf);
}
END_TEST

START_TEST(intermediate_in_ca_file)
{
	struct pki leaf = make_leaf(&inter, -DAY, 30 * DAY);

	ck_assert_int_eq(verify(leaf.cert, both_file, NULL, NULL, 0), CERT_OK);
	pki_free(&leaf);
}
END_TEST

START_TEST(intermediate_missing)
{
	struct pki leaf = make_leaf(&inter, -DAY, 30 * DAY);

	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: unable to get local issuer certificate");
	pki_free(&leaf);
}
END_TEST

/* An intermediate alone is no trust anchor: the chain must reach a root. */
START_TEST(intermediate_alone_is_not_an_anchor)
{
	struct pki leaf = make_leaf(&inter, -DAY, 30 * DAY);
	char path[512];

	write_pem("inter.pem", (X509 *[]){ inter.cert, NULL }, NULL, path, sizeof(path));
	ck_assert_int_eq(verify(leaf.cert, path, NULL, NULL, 0), CERT_BAD);
	assert_why_has("chain: unable to get issuer certificate");
	pki_free(&leaf);
}
END_TEST

START_TEST(unknown_issuer)
{
	struct pki leaf = make_leaf(&other, -DAY, 30 * DAY);

	ck_assert_int_eq(verify(leaf.cert, both_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: unable to get local issuer certificate");
	pki_free(&leaf);
}
END_TEST

START_TEST(self_signed_unknown)
{
	X509 *x = testcert_valid("alice");

	ck_assert_int_eq(verify(x, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: self-signed certificate");
	X509_free(x);
}
END_TEST

/* A CA with the root's name but another key must not pass for the root. */
START_TEST(look_alike_issuer)
{
	struct pki fake = make_ca("Test Root CA", NULL, 3650 * DAY);
	struct pki leaf = make_leaf(&fake, -DAY, 30 * DAY);

	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_msg(strncmp(why, "chain: ", 7) == 0, "why: %s", why);
	pki_free(&leaf);
	pki_free(&fake);
}
END_TEST

START_TEST(expired_intermediate)
{
	struct pki old = make_ca("Old Issuing CA", &root, -DAY);
	struct pki leaf = make_leaf(&old, -DAY, 30 * DAY);
	char path[512];

	write_pem("old.pem", (X509 *[]){ root.cert, old.cert, NULL }, NULL, path, sizeof(path));
	ck_assert_int_eq(verify(leaf.cert, path, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: certificate has expired (depth 1)");
	/* allow_expired is about the certificate itself, not its CAs. */
	ck_assert_int_eq(verify(leaf.cert, path, NULL, NULL, 1), CERT_BAD);
	ck_assert_str_eq(why, "chain: certificate has expired (depth 1)");
	pki_free(&leaf);
	pki_free(&old);
}
END_TEST

/* ---- CRLs ---- */

START_TEST(revoked)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char crl[512];

	write_crl("crl.pem", &root, leaf.cert, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 0), CERT_BAD);
	ck_assert_str_eq(why, "revoked (CRL of CN=Test Root CA)");
	pki_free(&leaf);
}
END_TEST

START_TEST(not_revoked)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct pki gone = make_leaf(&root, -DAY, 30 * DAY);
	char crl[512];

	write_crl("crl.pem", &root, gone.cert, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 0), CERT_OK);
	ck_assert_int_eq(verify(gone.cert, root_file, NULL, crl, 0), CERT_BAD);
	assert_why_has("revoked");
	pki_free(&leaf);
	pki_free(&gone);
}
END_TEST

/* A file with several CRLs: each issuer's is found. */
START_TEST(several_crls)
{
	struct pki leaf = make_leaf(&inter, -DAY, 30 * DAY);
	struct pki gone = make_leaf(&inter, -DAY, 30 * DAY);
	X509_CRL *c1 = make_crl(&other, (X509 *[]){ NULL }, -3600, DAY);
	X509_CRL *c2 = make_crl(&root, (X509 *[]){ NULL }, -3600, DAY);
	X509_CRL *c3 = make_crl(&inter, (X509 *[]){ gone.cert, NULL }, -3600, DAY);
	char crl[512];

	write_pem("crls.pem", (X509 *[]){ root.cert, NULL }, (X509_CRL *[]){ c1, c2, c3, NULL },
		  crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, both_file, NULL, crl, 0), CERT_OK);
	ck_assert_int_eq(verify(gone.cert, both_file, NULL, crl, 0), CERT_BAD);
	ck_assert_str_eq(why, "revoked (CRL of CN=Test Issuing CA)");
	X509_CRL_free(c1);
	X509_CRL_free(c2);
	X509_CRL_free(c3);
	pki_free(&leaf);
	pki_free(&gone);
}
END_TEST

/* Only the certificate's own revocation is checked: the issuer's CRL is enough. */
START_TEST(crl_of_issuer_is_enough)
{
	struct pki leaf = make_leaf(&inter, -DAY, 30 * DAY);
	char crl[512];

	write_crl("crl.pem", &inter, NULL, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, both_file, NULL, crl, 0), CERT_OK);
	/* The root's CRL does not cover the intermediate's certificates. */
	write_crl("crl.pem", &root, NULL, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, both_file, NULL, crl, 0), CERT_BAD);
	ck_assert_str_eq(why, "CRL: no CRL of CN=Test Issuing CA in crl_file or crl_dir");
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_missing_for_issuer)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char crl[512];

	write_crl("crl.pem", &other, leaf.cert, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 0), CERT_BAD);
	ck_assert_str_eq(why, "CRL: no CRL of CN=Test Root CA in crl_file or crl_dir");
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_expired)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	X509_CRL *c = make_crl(&root, (X509 *[]){ NULL }, -2 * DAY, -60);
	char crl[512];

	write_pem("crl.pem", NULL, (X509_CRL *[]){ c, NULL }, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 0), CERT_BAD);
	ck_assert_str_eq(why, "CRL: the CRL of CN=Test Root CA has expired (nextUpdate passed)");
	X509_CRL_free(c);
	pki_free(&leaf);
}
END_TEST

/* A CRL in the root's name signed by another key is not the root's CRL. */
START_TEST(crl_forged)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	const struct pki forger = { root.cert, other.key };
	char crl[512];

	write_crl("crl.pem", &forger, NULL, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 0), CERT_BAD);
	ck_assert_str_eq(why, "CRL: CRL signature failure (CRL of CN=Test Root CA)");
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_with_ca_dir)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char crl[512], dir[512];

	write_hashdir("cadir2", (X509 *[]){ root.cert, NULL }, dir, sizeof(dir));
	write_crl("crl.pem", &root, leaf.cert, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, NULL, dir, crl, 0), CERT_BAD);
	ck_assert_str_eq(why, "revoked (CRL of CN=Test Root CA)");
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_file_alone)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char crl[512];

	write_crl("crl.pem", &root, NULL, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, NULL, NULL, crl, 0), CERT_CONFIG);
	ck_assert_str_eq(why, "crl_file needs ca_file or ca_dir");
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_file_without_crl)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char expect[600];

	/* A file of certificates only. */
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, both_file, 0), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "crl_file %s: no PEM CRL", both_file);
	ck_assert_str_eq(why, expect);
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_file_malformed)
{
	static const char bad[] = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char crl[512], expect[600];

	unit_write_file("bad.crl", bad, strlen(bad), 0644, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 0), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "crl_file %s: malformed CRL", crl);
	assert_why_has(expect);
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_file_missing)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char crl[512];

	snprintf(crl, sizeof(crl), "%s/no-such.crl", unit_tmpdir());
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 0), CERT_CONFIG);
	assert_why_has(crl);
	assert_why_has("crl_file");
	pki_free(&leaf);
}
END_TEST

/* ---- crl_dir ---- */

/* Two CAs' CRLs in one directory; each certificate is judged by its issuer's. */
START_TEST(crl_dir_two_cas)
{
	struct pki a = make_leaf(&root, -DAY, 30 * DAY), gone = make_leaf(&root, -DAY, 30 * DAY);
	struct pki b = make_leaf(&other, -DAY, 30 * DAY), gone_b = make_leaf(&other, -DAY, 30 * DAY);
	X509_CRL *c1 = make_crl(&root, (X509 *[]){ gone.cert, NULL }, -3600, DAY);
	X509_CRL *c2 = make_crl(&other, (X509 *[]){ gone_b.cert, NULL }, -3600, DAY);
	struct revocation rev;
	struct trust t = { 0 };
	char dir[512], cas[512];

	write_pem("two-roots.pem", (X509 *[]){ root.cert, other.cert, NULL }, NULL,
		  cas, sizeof(cas));
	write_crldir("crls-two", (X509_CRL *[]){ c1, c2, NULL }, dir, sizeof(dir));
	t.ca_file = cas;
	t.crl_dir = dir;
	ck_assert_int_eq(verify_t(a.cert, &t, &rev), CERT_OK);
	ck_assert_str_eq(rev_words(&rev), "CRL");
	ck_assert_int_eq(verify_t(b.cert, &t, &rev), CERT_OK);
	ck_assert_int_eq(verify_t(gone.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "revoked (CRL of CN=Test Root CA)");
	ck_assert_str_eq(rev_words(&rev), "CRL failed");
	ck_assert_int_eq(verify_t(gone_b.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "revoked (CRL of CN=Other Root CA)");
	X509_CRL_free(c1);
	X509_CRL_free(c2);
	pki_free(&a);
	pki_free(&gone);
	pki_free(&b);
	pki_free(&gone_b);
}
END_TEST

START_TEST(crl_dir_missing_for_issuer)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	X509_CRL *c = make_crl(&other, (X509 *[]){ NULL }, -3600, DAY);
	struct trust t = { .ca_file = root_file };
	struct revocation rev;
	char dir[512];

	write_crldir("crls-other", (X509_CRL *[]){ c, NULL }, dir, sizeof(dir));
	t.crl_dir = dir;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "CRL: no CRL of CN=Test Root CA in crl_file or crl_dir");
	ck_assert_str_eq(rev_words(&rev), "CRL failed");
	X509_CRL_free(c);
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_dir_expired)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	X509_CRL *c = make_crl(&root, (X509 *[]){ NULL }, -2 * DAY, -60);
	struct trust t = { .ca_file = root_file };
	struct revocation rev;
	char dir[512];

	write_crldir("crls-expired", (X509_CRL *[]){ c, NULL }, dir, sizeof(dir));
	t.crl_dir = dir;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "CRL: the CRL of CN=Test Root CA has expired (nextUpdate passed)");
	X509_CRL_free(c);
	pki_free(&leaf);
}
END_TEST

/* An old CRL left beside the current one (.r0 and .r1) does not matter. */
START_TEST(crl_dir_old_and_new)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	X509_CRL *old = make_crl(&root, (X509 *[]){ NULL }, -3 * DAY, -2 * DAY);
	X509_CRL *cur = make_crl(&root, (X509 *[]){ NULL }, -3600, DAY);
	struct trust t = { .ca_file = root_file };
	struct revocation rev;
	char dir[512];

	write_crldir("crls-old-new", (X509_CRL *[]){ old, cur, NULL }, dir, sizeof(dir));
	t.crl_dir = dir;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_OK);
	X509_CRL_free(old);
	X509_CRL_free(cur);
	pki_free(&leaf);
}
END_TEST

/* crl_dir adds CRLs, never trust: a CA certificate in it is no anchor. */
START_TEST(crl_dir_is_no_anchor)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	X509_CRL *c = make_crl(&root, (X509 *[]){ NULL }, -3600, DAY);
	char dir[512], cas[512], scratch[512], file[256];
	struct trust t = { 0 };
	struct revocation rev;
	int ok = 0;

	write_pem("other-root.pem", (X509 *[]){ other.cert, NULL }, NULL, cas, sizeof(cas));
	write_crldir("crls-with-ca", (X509_CRL *[]){ c, NULL }, dir, sizeof(dir));
	snprintf(file, sizeof(file), "crls-with-ca/%08lx.0",
		 X509_NAME_hash_ex(X509_get_subject_name(root.cert), NULL, NULL, &ok));
	write_pem(file, (X509 *[]){ root.cert, NULL }, NULL, scratch, sizeof(scratch));
	t.ca_file = cas;
	t.crl_dir = dir;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "chain: unable to get local issuer certificate");
	ck_assert_str_eq(rev_words(&rev), "not checked");
	X509_CRL_free(c);
	pki_free(&leaf);
}
END_TEST

/* A damaged CRL is no CRL: refused, not skipped. */
START_TEST(crl_dir_damaged)
{
	static const char bad[] = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct trust t = { .ca_file = root_file };
	char dir[512], file[256], scratch[512];
	struct revocation rev;
	int ok = 0;

	snprintf(dir, sizeof(dir), "%s/crls-damaged", unit_tmpdir());
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(file, sizeof(file), "crls-damaged/%08lx.r0",
		 X509_NAME_hash_ex(X509_get_subject_name(root.cert), NULL, NULL, &ok));
	unit_write_file(file, bad, strlen(bad), 0644, scratch, sizeof(scratch));
	t.crl_dir = dir;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "CRL: no CRL of CN=Test Root CA in crl_file or crl_dir");
	pki_free(&leaf);
}
END_TEST

/* crl_file and crl_dir together: each CA's CRL may be in either. */
START_TEST(crl_dir_and_file)
{
	struct pki a = make_leaf(&root, -DAY, 30 * DAY), b = make_leaf(&inter, -DAY, 30 * DAY);
	X509_CRL *c = make_crl(&inter, (X509 *[]){ NULL }, -3600, DAY);
	struct trust t = { .ca_file = both_file };
	char dir[512], crl[512];
	struct revocation rev;

	write_crl("root-crl.pem", &root, NULL, crl, sizeof(crl));
	write_crldir("crls-inter", (X509_CRL *[]){ c, NULL }, dir, sizeof(dir));
	t.crl_file = crl;
	t.crl_dir = dir;
	ck_assert_int_eq(verify_t(a.cert, &t, &rev), CERT_OK);
	ck_assert_int_eq(verify_t(b.cert, &t, &rev), CERT_OK);
	X509_CRL_free(c);
	pki_free(&a);
	pki_free(&b);
}
END_TEST

START_TEST(crl_dir_not_a_directory)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct trust t = { .ca_file = root_file };
	char path[512], expect[600];

	snprintf(path, sizeof(path), "%s/no-such-crl-dir", unit_tmpdir());
	t.crl_dir = path;
	ck_assert_int_eq(verify_t(leaf.cert, &t, NULL), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "crl_dir %s: No such file or directory", path);
	ck_assert_str_eq(why, expect);
	t.crl_dir = root_file;
	ck_assert_int_eq(verify_t(leaf.cert, &t, NULL), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "crl_dir %s: not a directory", root_file);
	ck_assert_str_eq(why, expect);
	pki_free(&leaf);
}
END_TEST

START_TEST(crl_dir_alone)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct trust t = { .crl_dir = "/nonexistent" };

	ck_assert_int_eq(verify_t(leaf.cert, &t, NULL), CERT_CONFIG);
	ck_assert_str_eq(why, "crl_dir needs ca_file or ca_dir");
	pki_free(&leaf);
}
END_TEST

/* ---- how revocation was checked, and OCSP without a responder ---- */

START_TEST(revocation_words)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct trust t = { .ca_file = root_file };
	struct revocation rev;

	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_OK);
	ck_assert_str_eq(rev_words(&rev), "none");
	revocation_init(&rev, &t);
	ck_assert_str_eq(rev_words(&rev), "none");
	t.ocsp = TRUST_OCSP_SOFT;
	revocation_init(&rev, &t);
	ck_assert_str_eq(rev_words(&rev), "not checked");
	pki_free(&leaf);
}
END_TEST

/* No ocsp_url and no AIA: nobody to ask.  soft accepts, require refuses. */
START_TEST(ocsp_no_responder)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct trust t = { .ca_file = root_file, .ocsp = TRUST_OCSP_SOFT,
			   .ocsp_helper = "/nonexistent/pam_certmap_ocsp" };
	struct revocation rev;
	char crl[512];

	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_OK);
	ck_assert_str_eq(rev_words(&rev), "OCSP soft-accepted (no responder: no ocsp_url, and no "
			 "http OCSP URL in the certificate)");
	t.ocsp = TRUST_OCSP_REQUIRE;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "OCSP: no responder: no ocsp_url, and no http OCSP URL in the "
			 "certificate (ocsp=require)");
	ck_assert_str_eq(rev_words(&rev), "OCSP failed (no responder: no ocsp_url, and no http "
			 "OCSP URL in the certificate)");
	/* with a CRL too: both are named */
	write_crl("crl-ocsp.pem", &root, NULL, crl, sizeof(crl));
	t.crl_file = crl;
	t.ocsp = TRUST_OCSP_SOFT;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_OK);
	ck_assert_str_eq(rev_words(&rev), "CRL, OCSP soft-accepted (no responder: no ocsp_url, "
			 "and no http OCSP URL in the certificate)");
	pki_free(&leaf);
}
END_TEST

/* A helper that cannot be started is a responder not asked, and an error of
 * the installation the caller logs. */
START_TEST(ocsp_helper_missing)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	struct trust t = { .ca_file = root_file, .ocsp = TRUST_OCSP_SOFT,
			   .ocsp_url = "http://127.0.0.1:9/",
			   .ocsp_helper = "/nonexistent/pam_certmap_ocsp" };
	struct revocation rev;

	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_OK);
	ck_assert_ptr_nonnull(strstr(rev_words(&rev), "OCSP soft-accepted (http://127.0.0.1:9/ "
				     "not asked: OCSP helper"));
	ck_assert_int_eq(rev.helper_failed, 1);
	t.ocsp = TRUST_OCSP_REQUIRE;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_BAD);
	assert_why_has("(ocsp=require)");
	pki_free(&leaf);
}
END_TEST

/* The revocation check is never reached for a chain that fails. */
START_TEST(ocsp_after_the_chain)
{
	struct pki leaf = make_leaf(&other, -DAY, 30 * DAY);
	struct trust t = { .ca_file = root_file, .ocsp = TRUST_OCSP_REQUIRE,
			   .ocsp_helper = "/nonexistent/pam_certmap_ocsp" };
	struct revocation rev;

	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_BAD);
	ck_assert_str_eq(why, "chain: unable to get local issuer certificate");
	ck_assert_str_eq(rev_words(&rev), "not checked");
	t.ca_file = NULL;
	ck_assert_int_eq(verify_t(leaf.cert, &t, &rev), CERT_CONFIG);
	ck_assert_str_eq(why, "ocsp needs ca_file or ca_dir");
	pki_free(&leaf);
}
END_TEST

/* ---- usages ---- */

START_TEST(eku_server_only)
{
	struct pki leaf = make_leaf_eku(&root, "serverAuth", "digitalSignature");

	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "extendedKeyUsage allows neither clientAuth nor smartcardLogon");
	pki_free(&leaf);
}
END_TEST

START_TEST(eku_accepted)
{
	static const char *const ekus[] = {
		SCLOGON, "clientAuth," SCLOGON, "serverAuth,clientAuth", "anyExtendedKeyUsage",
		"emailProtection," SCLOGON, NULL,	/* the last: no extendedKeyUsage */
	};
	struct pki leaf;
	size_t i;

	for (i = 0; i < sizeof(ekus) / sizeof(ekus[0]); i++) {
		leaf = make_leaf_eku(&root, ekus[i], "digitalSignature");
		ck_assert_msg(verify(leaf.cert, root_file, NULL, NULL, 0) == CERT_OK,
			      "EKU %s: %s", ekus[i] != NULL ? ekus[i] : "(none)", why);
		pki_free(&leaf);
	}
}
END_TEST

/* EKU chaining: a CA limited to other usages cannot vouch for client login. */
START_TEST(eku_of_ca)
{
	const struct spec srv = { "TLS Server CA", -DAY, 30 * DAY, 1, "serverAuth", NULL };
	const struct spec cli = { "Client CA", -DAY, 30 * DAY, 1, "clientAuth", NULL };
	struct pki srv_ca = pki_issue(&srv, &root), cli_ca = pki_issue(&cli, &root);
	struct pki l1 = make_leaf(&srv_ca, -DAY, 30 * DAY);
	struct pki l2 = make_leaf_eku(&cli_ca, SCLOGON, NULL);
	struct pki l3 = make_leaf_eku(&cli_ca, "clientAuth," SCLOGON, NULL);
	char path[512];

	write_pem("cas.pem", (X509 *[]){ root.cert, srv_ca.cert, cli_ca.cert, NULL }, NULL,
		  path, sizeof(path));
	ck_assert_int_eq(verify(l1.cert, path, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: extendedKeyUsage of the CA at depth 1 does not allow "
			 "the certificate's client usage");
	ck_assert_int_eq(verify(l2.cert, path, NULL, NULL, 0), CERT_BAD);
	assert_why_has("depth 1");
	ck_assert_int_eq(verify(l3.cert, path, NULL, NULL, 0), CERT_OK);
	pki_free(&l1);
	pki_free(&l2);
	pki_free(&l3);
	pki_free(&srv_ca);
	pki_free(&cli_ca);
}
END_TEST

START_TEST(key_usage)
{
	struct pki enc = make_leaf_eku(&root, "clientAuth", "keyEncipherment");
	struct pki ka = make_leaf_eku(&root, "clientAuth", "keyAgreement");
	struct pki none = make_leaf_eku(&root, "clientAuth", NULL);

	ck_assert_int_eq(verify(enc.cert, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "keyUsage allows neither digitalSignature nor keyAgreement");
	ck_assert_int_eq(verify(ka.cert, root_file, NULL, NULL, 0), CERT_OK);
	ck_assert_int_eq(verify(none.cert, root_file, NULL, NULL, 0), CERT_OK);
	pki_free(&enc);
	pki_free(&ka);
	pki_free(&none);
}
END_TEST

/* ---- allow_expired ---- */

START_TEST(expired_leaf)
{
	struct pki leaf = make_leaf(&root, -30 * DAY, -DAY);

	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: certificate has expired");
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 1), CERT_OK);
	pki_free(&leaf);
}
END_TEST

START_TEST(not_yet_valid_leaf)
{
	struct pki leaf = make_leaf(&root, DAY, 30 * DAY);

	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "chain: certificate is not yet valid");
	/* allow_expired forgives an old certificate, not one from the future. */
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 1), CERT_BAD);
	ck_assert_str_eq(why, "chain: certificate is not yet valid");
	pki_free(&leaf);
}
END_TEST

/* The CRL is still judged at the present time, so a current CRL works. */
START_TEST(expired_leaf_with_crl)
{
	struct pki leaf = make_leaf(&root, -30 * DAY, -DAY);
	char crl[512];

	write_crl("crl.pem", &root, NULL, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 1), CERT_OK);
	write_crl("crl.pem", &root, leaf.cert, crl, sizeof(crl));
	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, crl, 1), CERT_BAD);
	ck_assert_str_eq(why, "revoked (CRL of CN=Test Root CA)");
	pki_free(&leaf);
}
END_TEST

/* allow_expired forgives the dates and nothing else. */
START_TEST(expired_leaf_other_errors_stay)
{
	struct pki leaf = make_leaf(&other, -30 * DAY, -DAY);
	struct pki srv = make_leaf_eku(&root, "serverAuth", NULL);

	ck_assert_int_eq(verify(leaf.cert, root_file, NULL, NULL, 1), CERT_BAD);
	ck_assert_str_eq(why, "chain: unable to get local issuer certificate");
	ck_assert_int_eq(verify(srv.cert, root_file, NULL, NULL, 1), CERT_BAD);
	assert_why_has("extendedKeyUsage");
	pki_free(&leaf);
	pki_free(&srv);
}
END_TEST

/* ---- arguments and files ---- */

START_TEST(ca_file_missing)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char path[512], expect[600];

	snprintf(path, sizeof(path), "%s/no-such-ca.pem", unit_tmpdir());
	ck_assert_int_eq(verify(leaf.cert, path, NULL, NULL, 0), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "ca_file %s: ", path);
	assert_why_has(expect);
	assert_why_has("No such file");
	pki_free(&leaf);
}
END_TEST

START_TEST(ca_file_without_certificate)
{
	static const char junk[] = "not a certificate\n";
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char path[512], expect[600];

	unit_write_file("junk.pem", junk, strlen(junk), 0644, path, sizeof(path));
	ck_assert_int_eq(verify(leaf.cert, path, NULL, NULL, 0), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "ca_file %s: ", path);
	assert_why_has(expect);
	pki_free(&leaf);
}
END_TEST

START_TEST(ca_dir_missing)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	char path[512], expect[600];

	snprintf(path, sizeof(path), "%s/no-such-dir", unit_tmpdir());
	ck_assert_int_eq(verify(leaf.cert, NULL, path, NULL, 0), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "ca_dir %s: No such file or directory", path);
	ck_assert_str_eq(why, expect);
	ck_assert_int_eq(verify(leaf.cert, NULL, root_file, NULL, 0), CERT_CONFIG);
	snprintf(expect, sizeof(expect), "ca_dir %s: not a directory", root_file);
	ck_assert_str_eq(why, expect);
	pki_free(&leaf);
}
END_TEST

START_TEST(no_ca_at_all)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);

	ck_assert_int_eq(verify(leaf.cert, NULL, NULL, NULL, 0), CERT_CONFIG);
	ck_assert_str_eq(why, "neither ca_file nor ca_dir given");
	ck_assert_int_eq(verify(NULL, root_file, NULL, NULL, 0), CERT_BAD);
	ck_assert_str_eq(why, "no certificate");
	pki_free(&leaf);
}
END_TEST

/* The time is the caller's, not the clock's. */
START_TEST(time_is_the_callers)
{
	struct pki leaf = make_leaf(&root, -DAY, 30 * DAY);
	time_t later = time(NULL) + 60 * DAY;

	struct trust t = { .ca_file = root_file };

	ck_assert_int_eq(cert_verify_chain(leaf.cert, NULL, &t, later, NULL, why, sizeof(why)),
			 CERT_BAD);
	ck_assert_str_eq(why, "chain: certificate has expired");
	pki_free(&leaf);
}
END_TEST

START_TEST(why_may_be_null)
{
	struct pki leaf = make_leaf(&other, -DAY, 30 * DAY);

	struct trust t = { .ca_file = root_file };

	ck_assert_int_eq(cert_verify_chain(leaf.cert, NULL, &t, time(NULL), NULL, NULL, 0),
			 CERT_BAD);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	pki_free(&leaf);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("certchain");
	TCase *tc = tcase_create("chain");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, ca_file_ok);
	tcase_add_test(tc, ca_dir_ok);
	tcase_add_test(tc, ca_dir_without_issuer);
	tcase_add_test(tc, intermediate_in_ca_file);
	tcase_add_test(tc, intermediate_missing);
	tcase_add_test(tc, intermediate_alone_is_not_an_anchor);
	tcase_add_test(tc, unknown_issuer);
	tcase_add_test(tc, self_signed_unknown);
	tcase_add_test(tc, look_alike_issuer);
	tcase_add_test(tc, expired_intermediate);
	tcase_add_test(tc, revoked);
	tcase_add_test(tc, not_revoked);
	tcase_add_test(tc, several_crls);
	tcase_add_test(tc, crl_of_issuer_is_enough);
	tcase_add_test(tc, crl_missing_for_issuer);
	tcase_add_test(tc, crl_expired);
	tcase_add_test(tc, crl_forged);
	tcase_add_test(tc, crl_with_ca_dir);
	tcase_add_test(tc, crl_file_alone);
	tcase_add_test(tc, crl_file_without_crl);
	tcase_add_test(tc, crl_file_malformed);
	tcase_add_test(tc, crl_file_missing);
	tcase_add_test(tc, crl_dir_two_cas);
	tcase_add_test(tc, crl_dir_missing_for_issuer);
	tcase_add_test(tc, crl_dir_expired);
	tcase_add_test(tc, crl_dir_old_and_new);
	tcase_add_test(tc, crl_dir_is_no_anchor);
	tcase_add_test(tc, crl_dir_damaged);
	tcase_add_test(tc, crl_dir_and_file);
	tcase_add_test(tc, crl_dir_not_a_directory);
	tcase_add_test(tc, crl_dir_alone);
	tcase_add_test(tc, revocation_words);
	tcase_add_test(tc, ocsp_no_responder);
	tcase_add_test(tc, ocsp_helper_missing);
	tcase_add_test(tc, ocsp_after_the_chain);
	tcase_add_test(tc, eku_server_only);
	tcase_add_test(tc, eku_accepted);
	tcase_add_test(tc, eku_of_ca);
	tcase_add_test(tc, key_usage);
	tcase_add_test(tc, expired_leaf);
	tcase_add_test(tc, not_yet_valid_leaf);
	tcase_add_test(tc, expired_leaf_with_crl);
	tcase_add_test(tc, expired_leaf_other_errors_stay);
	tcase_add_test(tc, ca_file_missing);
	tcase_add_test(tc, ca_file_without_certificate);
	tcase_add_test(tc, ca_dir_missing);
	tcase_add_test(tc, no_ca_at_all);
	tcase_add_test(tc, time_is_the_callers);
	tcase_add_test(tc, why_may_be_null);
	suite_add_tcase(s, tc);
	return s;
}
