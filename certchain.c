/* certchain.c - the chain of trust of a certificate for client
 * authentication: anchors, intermediates, key usage and revocation. */
#include "config.h"
#include "certchain.h"
#include "crlstore.h"
#include "ocspcheck.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

static void set_why(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", msg);
}

__attribute__((format(printf, 3, 4)))
static void fmt_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

const char *trust_err_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r;

	if (ERR_SYSTEM_ERROR(e))
		return strerror(ERR_GET_REASON(e));
	r = ERR_reason_error_string(e);
	return r != NULL ? r : "cannot be read";
}

/* The hashed-directory lookups open files only when they need an issuer or a
 * CRL and take a missing directory for an empty one: say what is wrong up front. */
enum cert_status trust_check_dir(const char *option, const char *dir, char *why, size_t whylen)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		fmt_why(why, whylen, "%s %s: %s", option, dir, strerror(errno));
		return CERT_CONFIG;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fmt_why(why, whylen, "%s %s: not a directory", option, dir);
		return CERT_CONFIG;
	}
	return CERT_OK;
}

static enum cert_status load_cas(X509_STORE *store, const char *ca_file, const char *ca_dir,
				 char *why, size_t whylen)
{
	enum cert_status st;

	if (ca_file != NULL && X509_STORE_load_file(store, ca_file) != 1) {
		fmt_why(why, whylen, "ca_file %s: %s", ca_file, trust_err_reason());
		return CERT_CONFIG;
	}
	if (ca_dir == NULL)
		return CERT_OK;
	st = trust_check_dir("ca_dir", ca_dir, why, whylen);
	if (st != CERT_OK)
		return st;
	if (X509_STORE_load_path(store, ca_dir) != 1) {
		fmt_why(why, whylen, "ca_dir %s: %s", ca_dir, trust_err_reason());
		return CERT_CONFIG;
	}
	return CERT_OK;
}

/* allow_expired waives the expiry of the certificate itself and nothing else
 * (a certificate that is not yet valid stays refused: that is a clock or an
 * issuing problem, not an old card).
 * OpenSSL has no flag for that (X509_V_FLAG_NO_CHECK_TIME drops every date,
 * the CAs' and the CRLs' too), and verifying at a moment inside the leaf's
 * validity instead would move the CAs' dates with it and make every CRL
 * issued since then "not yet valid", so this callback forgives exactly the
 * expiry error at depth 0.  The signature, chain and CRL checks all still
 * run at NOW.  A CA may drop an expired certificate from its later CRLs, so
 * the CRL check of an expired certificate is only as good as the CA's CRLs. */
static int leaf_dates_waived(int ok, X509_STORE_CTX *ctx)
{
	int err = X509_STORE_CTX_get_error(ctx);

	if (ok || X509_STORE_CTX_get_error_depth(ctx) != 0)
		return ok;
	if (err != X509_V_ERR_CERT_HAS_EXPIRED)
		return ok;
	X509_STORE_CTX_set_error(ctx, X509_V_OK);
	return 1;
}

static void name_str(const X509_NAME *name, char *buf, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = -1;

	if (bio != NULL && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0 && len > 1)
		n = BIO_read(bio, buf, len - 1 > INT_MAX ? INT_MAX : (int)(len - 1));
	if (n >= 0)
		buf[n] = '\0';
	else
		snprintf(buf, len, "?");
	BIO_free(bio);
}

static int is_crl_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_REVOKED:
	case X509_V_ERR_UNABLE_TO_GET_CRL:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
	case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
	case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
	case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
	case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
	case X509_V_ERR_DIFFERENT_CRL_SCOPE:
	case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
		return 1;
	default:
		return 0;
	}
}

/* A CRL failure names the CA whose CRL it is: only direct CRLs are used (no
 * X509_V_FLAG_EXTENDED_CRL_SUPPORT), so that is the certificate's issuer. */
static void crl_why(int err, X509 *bad, char *why, size_t whylen)
{
	char issuer[256] = "?";

	if (bad != NULL)
		name_str(X509_get_issuer_name(bad), issuer, sizeof(issuer));
	if (err == X509_V_ERR_CERT_REVOKED)
		fmt_why(why, whylen, "revoked (CRL of %s)", issuer);
	else if (err == X509_V_ERR_UNABLE_TO_GET_CRL)
		fmt_why(why, whylen, "CRL: no CRL of %s in crl_file or crl_dir", issuer);
	else if (err == X509_V_ERR_CRL_HAS_EXPIRED)
		fmt_why(why, whylen, "CRL: the CRL of %s has expired (nextUpdate passed)", issuer);
	else
		fmt_why(why, whylen, "CRL: %s (CRL of %s)", X509_verify_cert_error_string(err),
			issuer);
}

static void chain_why(X509_STORE_CTX *ctx, char *why, size_t whylen)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);

	if (is_crl_error(err))
		crl_why(err, X509_STORE_CTX_get_current_cert(ctx), why, whylen);
	else if (depth > 0)
		fmt_why(why, whylen, "chain: %s (depth %d)", X509_verify_cert_error_string(err),
			depth);
	else
		fmt_why(why, whylen, "chain: %s", X509_verify_cert_error_string(err));
}

#define USE_CLIENT_AUTH 1u
#define USE_SC_LOGON 2u
#define USE_ALL (USE_CLIENT_AUTH | USE_SC_LOGON)

/* Which of the two client usages X's extendedKeyUsage allows: both when it has
 * none or anyExtendedKeyUsage; none when it is repeated or undecodable. */
static unsigned int eku_uses(X509 *x)
{
	EXTENDED_KEY_USAGE *eku;
	unsigned int uses = 0;
	int crit = 0, i;

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL)
		return crit == -1 ? USE_ALL : 0;
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		switch (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i))) {
		case NID_client_auth:
			uses |= USE_CLIENT_AUTH;
			break;
		case NID_ms_smartcard_login:
			uses |= USE_SC_LOGON;
			break;
		case NID_anyExtendedKeyUsage:
			uses |= USE_ALL;
			break;
		default:
			break;
		}
	}
	EXTENDED_KEY_USAGE_free(eku);
	return uses;
}

/* The usage part of the check.  OpenSSL's TLS-client purpose would refuse a
 * smartcardLogon-only certificate, so the purpose is left unset and this does
 * its job: EKU chaining as Windows does it (a CA whose extendedKeyUsage leaves
 * out both client usages cannot vouch for one), and the leaf's keyUsage rule
 * of that purpose (digitalSignature or keyAgreement). */
static enum cert_status check_usage(X509_STORE_CTX *ctx, char *why, size_t whylen)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	unsigned int uses = USE_ALL;
	uint32_t ku;
	int i, n;

	n = chain != NULL ? sk_X509_num(chain) : 0;
	if (n <= 0) {
		set_why(why, whylen, "chain: empty");
		return CERT_BAD;
	}
	for (i = 0; i < n; i++) {
		uses &= eku_uses(sk_X509_value(chain, i));
		if (uses != 0)
			continue;
		if (i == 0)
			set_why(why, whylen, "extendedKeyUsage allows neither clientAuth nor "
				"smartcardLogon");
		else
			fmt_why(why, whylen, "chain: extendedKeyUsage of the CA at depth %d does "
				"not allow the certificate's client usage", i);
		return CERT_BAD;
	}
	ku = X509_get_key_usage(sk_X509_value(chain, 0));
	if (ku != UINT32_MAX && (ku & (KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT)) == 0) {
		set_why(why, whylen, "keyUsage allows neither digitalSignature nor keyAgreement");
		return CERT_BAD;
	}
	return CERT_OK;
}

/* The verified chain's issuer of its first certificate: the CA that answers
 * for its revocation.  A self-signed anchor is its own. */
static X509 *chain_issuer(X509_STORE_CTX *ctx)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int n = chain != NULL ? sk_X509_num(chain) : 0;

	if (n <= 0)
		return NULL;
	return sk_X509_value(chain, n > 1 ? 1 : 0);
}

/* CRL_CHECK without CRL_CHECK_ALL: the certificate's own revocation only.  A
 * compromised CA is withdrawn by taking it out of ca_file or ca_dir. */
static enum cert_status set_params(X509_STORE_CTX *ctx, const struct trust *t, time_t now)
{
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
	int crl_check = t->crl_file != NULL || t->crl_dir != NULL;

	X509_VERIFY_PARAM_set_time(param, now);
	/* Anchors marked (TRUSTED CERTIFICATE) for or against clientAuth are
	 * honoured; plain self-signed ones are trusted. */
	if (X509_VERIFY_PARAM_set_trust(param, X509_TRUST_SSL_CLIENT) != 1 ||
	    (crl_check && X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK) != 1))
		return CERT_NOMEM;
	crlstore_bind(ctx, t);
	if (t->allow_expired)
		X509_STORE_CTX_set_verify_cb(ctx, leaf_dates_waived);
	return CERT_OK;
}

/* The chain, its CRL and its usages; then OCSP, once the chain has shown who
 * the issuer is (it signs, or delegates, the answer). */
static enum cert_status run_verify(X509_STORE *store, X509 *x, STACK_OF(X509) *untrusted,
				   const struct trust *t, time_t now, struct revocation *rev,
				   char *why, size_t whylen)
{
	enum cert_status st = CERT_NOMEM;
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int crl = t->crl_file != NULL || t->crl_dir != NULL;

	if (ctx == NULL || X509_STORE_CTX_init(ctx, store, x, untrusted) != 1 ||
	    set_params(ctx, t, now) != CERT_OK) {
		set_why(why, whylen, "out of memory");
		goto out;
	}
	st = CERT_BAD;
	if (X509_verify_cert(ctx) != 1) {
		int err = X509_STORE_CTX_get_error(ctx);

		if (err == X509_V_ERR_OUT_OF_MEM)
			st = CERT_NOMEM;
		if (crl && is_crl_error(err))
			rev->crl = REV_CRL_FAILED;
		chain_why(ctx, why, whylen);
		goto out;
	}
	if (crl)
		rev->crl = REV_CRL_PASSED;
	st = check_usage(ctx, why, whylen);
	if (st == CERT_OK && t->ocsp != TRUST_OCSP_OFF)
		st = ocsp_check(x, chain_issuer(ctx), X509_STORE_CTX_get0_chain(ctx), store, t, now,
				rev, why, whylen);
out:
	X509_STORE_CTX_free(ctx);
	return st;
}

int trust_has_anchors(const struct trust *t)
{
	return t != NULL && (t->ca_file != NULL || t->ca_dir != NULL);
}

int trust_has_revocation(const struct trust *t)
{
	return t != NULL && (t->crl_file != NULL || t->crl_dir != NULL ||
			     t->ocsp != TRUST_OCSP_OFF);
}

void revocation_init(struct revocation *r, const struct trust *t)
{
	memset(r, 0, sizeof(*r));
	r->configured = trust_has_revocation(t);
}

void revocation_str(const struct revocation *r, char *buf, size_t len)
{
	static const char *const ocsp[] = {
		[REV_OCSP_UNUSED] = "", [REV_OCSP_GOOD] = "OCSP good",
		[REV_OCSP_SOFT] = "OCSP soft-accepted", [REV_OCSP_FAILED] = "OCSP failed",
	};
	const char *crl = r->crl == REV_CRL_PASSED ? "CRL" :
			  r->crl == REV_CRL_FAILED ? "CRL failed" : "";

	if (r->crl == REV_CRL_UNUSED && r->ocsp == REV_OCSP_UNUSED) {
		snprintf(buf, len, "%s", r->configured ? "not checked" : "none");
		return;
	}
	snprintf(buf, len, "%s%s%s%s%s%s", crl, *crl && r->ocsp != REV_OCSP_UNUSED ? ", " : "",
		 ocsp[r->ocsp], r->note[0] ? " (" : "", r->note, r->note[0] ? ")" : "");
}

/* Which configuration is missing its anchor, in the option names of the module. */
static const char *no_anchor_why(const struct trust *t)
{
	if (t != NULL && t->crl_file != NULL)
		return "crl_file needs ca_file or ca_dir";
	if (t != NULL && t->crl_dir != NULL)
		return "crl_dir needs ca_file or ca_dir";
	if (t != NULL && t->ocsp != TRUST_OCSP_OFF)
		return "ocsp needs ca_file or ca_dir";
	return "neither ca_file nor ca_dir given";
}

enum cert_status cert_verify_chain(X509 *x, STACK_OF(X509) *untrusted, const struct trust *t,
				   time_t now, struct revocation *rev, char *why, size_t whylen)
{
	enum cert_status st = CERT_BAD;
	struct revocation scratch;
	X509_STORE *store = NULL;

	if (rev == NULL)
		rev = &scratch;
	revocation_init(rev, t);
	ERR_clear_error();
	if (!trust_has_anchors(t)) {
		set_why(why, whylen, no_anchor_why(t));
		st = CERT_CONFIG;
		goto out;
	}
	if (x == NULL) {
		set_why(why, whylen, "no certificate");
		goto out;
	}
	store = X509_STORE_new();
	if (store == NULL) {
		st = CERT_NOMEM;
		set_why(why, whylen, "out of memory");
		goto out;
	}
	/* The store's time is for the OCSP responder's chain; the leaf's has its own. */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), now);
	st = load_cas(store, t->ca_file, t->ca_dir, why, whylen);
	if (st == CERT_OK)
		st = crlstore_add(store, t, why, whylen);
	if (st == CERT_OK)
		st = run_verify(store, x, untrusted, t, now, rev, why, whylen);
out:
	X509_STORE_free(store);
	ERR_clear_error();
	return st;
}
