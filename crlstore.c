/* crlstore.c - CRLs for the chain check.  crl_dir is read through a lookup of
 * our own rather than OpenSSL's hashed-directory lookup, which would also take
 * any certificate in the directory as a trust anchor. */
#include "config.h"
#include "crlstore.h"

#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/* The most <hash>.rN files read for one issuer (rehash numbers collisions). */
#define CRLDIR_MAX_FILES 16

/* Every CRL of a PEM file; other PEM blocks (certificates) are skipped.  A
 * file without any CRL is an error: the administrator asked for revocation. */
static enum cert_status load_crl_file(X509_STORE *store, const char *crl_file,
				      char *why, size_t whylen)
{
	enum cert_status st = CERT_CONFIG;
	X509_CRL *crl;
	int n = 0, added;
	BIO *bio;

	bio = BIO_new_file(crl_file, "r");
	if (bio == NULL) {
		snprintf(why, whylen, "crl_file %s: %s", crl_file, trust_err_reason());
		return CERT_CONFIG;
	}
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		added = X509_STORE_add_crl(store, crl);
		X509_CRL_free(crl);
		if (added != 1) {
			snprintf(why, whylen, "crl_file %s: %s", crl_file, trust_err_reason());
			goto out;
		}
		n++;
	}
	/* The loop ends at the end of the file or at a block that is not a CRL. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
		snprintf(why, whylen, "crl_file %s: malformed CRL: %s", crl_file, trust_err_reason());
	else if (n == 0)
		snprintf(why, whylen, "crl_file %s: no PEM CRL", crl_file);
	else
		st = CERT_OK;
out:
	BIO_free(bio);
	return st;
}

/* The CRLs issued by NM in one file of crl_dir; 0 when the file is absent. */
static int add_file_crls(STACK_OF(X509_CRL) *sk, const char *path, const X509_NAME *nm)
{
	BIO *bio = BIO_new_file(path, "r");
	X509_CRL *crl;

	if (bio == NULL)
		return 0;
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), nm) != 0 || !sk_X509_CRL_push(sk, crl))
			X509_CRL_free(crl);
	}
	BIO_free(bio);
	return 1;
}

/* NM's CRLs in DIR, named as `openssl rehash` names them: <hash>.r0, .r1 ...
 * A file that cannot be read or parsed adds nothing, so a damaged CRL ends as
 * "no CRL of the issuer", a refusal. */
static void add_dir_crls(STACK_OF(X509_CRL) *sk, const char *dir, const X509_NAME *nm)
{
	unsigned long h;
	char path[4096];
	int ok = 0;

	h = X509_NAME_hash_ex(nm, NULL, NULL, &ok);
	if (!ok)
		return;
	for (int i = 0; i < CRLDIR_MAX_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%08lx.r%d", dir, h, i);
		if (!add_file_crls(sk, path, nm))
			break;
	}
}

/* The store's CRLs of NM (crl_file's, and CRLs of a ca_dir as OpenSSL reads
 * them), and crl_dir's.  OpenSSL frees the stack and picks the best CRL. */
static STACK_OF(X509_CRL) *lookup_crls(const X509_STORE_CTX *ctx, const X509_NAME *nm)
{
	const char *dir = X509_STORE_CTX_get_app_data(ctx);
	STACK_OF(X509_CRL) *sk = X509_STORE_CTX_get1_crls(ctx, nm);

	if (dir == NULL)
		return sk;
	if (sk == NULL)
		sk = sk_X509_CRL_new_null();
	if (sk == NULL)
		return NULL;
	/* A missing or unreadable file is "no CRL here", not an error to keep. */
	ERR_set_mark();
	add_dir_crls(sk, dir, nm);
	ERR_pop_to_mark();
	return sk;
}

enum cert_status crlstore_add(X509_STORE *store, const struct trust *t, char *why, size_t whylen)
{
	enum cert_status st = CERT_OK;

	if (t->crl_file != NULL)
		st = load_crl_file(store, t->crl_file, why, whylen);
	if (st == CERT_OK && t->crl_dir != NULL)
		st = trust_check_dir("crl_dir", t->crl_dir, why, whylen);
	if (st == CERT_OK && t->crl_dir != NULL)
		X509_STORE_set_lookup_crls(store, lookup_crls);
	return st;
}

void crlstore_bind(X509_STORE_CTX *ctx, const struct trust *t)
{
	/* The directory outlives the context: T is the caller's for the whole check. */
	if (t->crl_dir != NULL)
		X509_STORE_CTX_set_app_data(ctx, (void *)t->crl_dir);
}
