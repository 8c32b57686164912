/* cert.c - certificates from files and from the env encodings of SPEC 3.3,
 * decoded strictly with OpenSSL; fingerprints, subjects, validity dates, and
 * chain and CRL checks. */
#include "config.h"
#include "cert.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#define PEM_BEGIN "-----BEGIN"

static void set_why(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", msg);
}

static int is_b64_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* DER that is exactly one certificate: trailing bytes would let two different
 * byte strings stand for one certificate. */
static X509 *der_exact(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	if (len == 0 || len > LONG_MAX)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	if (x == NULL)
		ERR_clear_error();
	return x;
}

/* Strict standard base64 (no whitespace left) to bytes.  Re-encoding and
 * comparing rejects what EVP_DecodeBlock lets through: '=' inside the text and
 * non-zero unused bits, so one certificate has one base64 form. */
static enum cert_status b64_strict(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	enum cert_status st = CERT_BAD;
	unsigned char *bin = NULL;
	unsigned char *enc = NULL;
	int got, pad = 0;

	*out = NULL;
	if (n == 0 || n % 4 != 0 || n > INT_MAX)
		goto out;
	st = CERT_NOMEM;
	bin = OPENSSL_malloc(n / 4 * 3);
	enc = OPENSSL_malloc(n + 1);
	if (bin == NULL || enc == NULL)
		goto out;
	st = CERT_BAD;
	got = EVP_DecodeBlock(bin, (const unsigned char *)s, (int)n);
	if (got < 0)
		goto out;
	/* EVP_DecodeBlock counts the zero bytes that padding stands for. */
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	got -= pad;
	if (got <= 0 || EVP_EncodeBlock(enc, bin, got) != (int)n || memcmp(enc, s, n) != 0)
		goto out;
	*out = bin;
	*outlen = (size_t)got;
	bin = NULL;
	st = CERT_OK;
out:
	OPENSSL_free(bin);
	OPENSSL_free(enc);
	ERR_clear_error();
	return st;
}

/* Base64 DER with whitespace anywhere, as one certificate. */
static enum cert_status b64_der(const char *s, size_t n, X509 **out)
{
	enum cert_status st = CERT_NOMEM;
	unsigned char *der = NULL;
	size_t i, m = 0, derlen = 0;
	char *packed;

	packed = OPENSSL_malloc(n + 1);
	if (packed == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (!is_b64_space((unsigned char)s[i]))
			packed[m++] = s[i];
	st = b64_strict(packed, m, &der, &derlen);
	if (st != CERT_OK)
		goto out;
	*out = der_exact(der, derlen);
	st = *out != NULL ? CERT_OK : CERT_BAD;
out:
	OPENSSL_free(packed);
	OPENSSL_free(der);
	return st;
}

static int is_cert_label(const char *name)
{
	return strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0;
}

/* The first CERTIFICATE block of PEM text; other blocks before it are skipped.
 * Only that block is read, so a long chain costs no more than its head. */
static enum cert_status pem_first(const char *buf, size_t len, X509 **out,
				  char *why, size_t whylen)
{
	enum cert_status st = CERT_BAD;
	const char *msg = "no PEM block";
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	BIO *bio;

	if (len > INT_MAX) {
		set_why(why, whylen, "PEM text too long");
		return CERT_BAD;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		set_why(why, whylen, "out of memory");
		return CERT_NOMEM;
	}
	for (;;) {
		if (PEM_read_bio(bio, &name, &header, &data, &dlen) != 1) {
			if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
				msg = "malformed PEM block";
			break;
		}
		if (is_cert_label(name)) {
			/* A header means an encrypted or otherwise wrapped body. */
			if (header[0] != '\0')
				msg = "PEM certificate has headers";
			else if ((*out = der_exact(data, (size_t)dlen)) == NULL)
				msg = "PEM block does not hold one DER certificate";
			else
				st = CERT_OK;
			break;
		}
		msg = "PEM block is not a certificate";
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	ERR_clear_error();
	if (st != CERT_OK)
		set_why(why, whylen, msg);
	return st;
}

static int has_pem_begin(const void *buf, size_t len)
{
	return memmem(buf, len, PEM_BEGIN, strlen(PEM_BEGIN)) != NULL;
}

enum cert_status cert_from_bytes(const unsigned char *buf, size_t len, X509 **out,
				 char *why, size_t whylen)
{
	enum cert_status st;

	*out = NULL;
	if (buf == NULL || len == 0) {
		set_why(why, whylen, "empty");
		return CERT_BAD;
	}
	if (len > CERT_FILE_MAX) {
		set_why(why, whylen, "longer than 1048576 bytes");
		return CERT_BAD;
	}
	/* DER cannot begin with '-', and base64 has no '-': PEM text is PEM or nothing. */
	if (has_pem_begin(buf, len))
		return pem_first((const char *)buf, len, out, why, whylen);
	*out = der_exact(buf, len);
	if (*out != NULL)
		return CERT_OK;
	st = b64_der((const char *)buf, len, out);
	if (st == CERT_BAD)
		set_why(why, whylen, "not PEM, DER or base64 DER");
	else if (st == CERT_NOMEM)
		set_why(why, whylen, "out of memory");
	return st;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strict %XX decoding in place; '+' is a base64 character here, not a space.
 * A NUL byte cannot be part of PEM or base64, so %00 is refused too. */
static int pct_decode(char *s, size_t *len)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < *len; i++) {
		if (s[i] != '%') {
			s[o++] = s[i];
			continue;
		}
		if (*len - i < 3)
			return -1;
		hi = hexval(s[i + 1]);
		lo = hexval(s[i + 2]);
		if (hi < 0 || lo < 0 || (hi | lo) == 0)
			return -1;
		s[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	*len = o;
	return 0;
}

/* nginx $ssl_client_cert puts "\n\t" between lines; PEM wants lines that
 * begin in the first column. */
static void unindent(char *s, size_t *len)
{
	size_t i, o = 0;
	int line_start = 1;

	for (i = 0; i < *len; i++) {
		if (line_start && (s[i] == ' ' || s[i] == '\t'))
			continue;
		line_start = s[i] == '\n';
		s[o++] = s[i];
	}
	*len = o;
}

enum cert_status cert_from_env(const char *value, X509 **out, char *why, size_t whylen)
{
	enum cert_status st = CERT_BAD;
	size_t len;
	char *buf = NULL;

	*out = NULL;
	len = value != NULL ? strnlen(value, CERT_ENV_MAX + 1) : 0;
	if (len == 0) {
		set_why(why, whylen, "empty value");
		goto out;
	}
	if (len > CERT_ENV_MAX) {
		set_why(why, whylen, "value longer than 262144 bytes");
		goto out;
	}
	buf = OPENSSL_malloc(len + 1);
	if (buf == NULL) {
		st = CERT_NOMEM;
		set_why(why, whylen, "out of memory");
		goto out;
	}
	memcpy(buf, value, len + 1);
	if (memchr(buf, '%', len) != NULL && pct_decode(buf, &len) != 0) {
		set_why(why, whylen, "bad percent escape");
		goto out;
	}
	if (has_pem_begin(buf, len)) {
		unindent(buf, &len);
		st = pem_first(buf, len, out, why, whylen);
		goto out;
	}
	st = b64_der(buf, len, out);
	if (st == CERT_BAD)
		set_why(why, whylen, "not PEM or base64 DER");
	else if (st == CERT_NOMEM)
		set_why(why, whylen, "out of memory");
out:
	OPENSSL_free(buf);
	return st;
}

enum cert_status cert_der(X509 *x, unsigned char **der, size_t *len)
{
	unsigned char *p = NULL;
	int n;

	*der = NULL;
	*len = 0;
	if (x == NULL)
		return CERT_BAD;
	n = i2d_X509(x, &p);
	if (n <= 0) {
		ERR_clear_error();
		return CERT_NOMEM;
	}
	*der = p;
	*len = (size_t)n;
	return CERT_OK;
}

enum cert_status cert_sha256_hex(X509 *x, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	enum cert_status st;
	unsigned char *der;
	size_t len;

	out[0] = '\0';
	st = cert_der(x, &der, &len);
	if (st != CERT_OK)
		return st;
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
		ERR_clear_error();
		st = CERT_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
out:
	OPENSSL_free(der);
	return st;
}

/* NAME in RFC 2253 order as a new string (OPENSSL_malloc). */
static char *name_rfc2253(const X509_NAME *name)
{
	char *res = NULL, *data;
	long n;
	BIO *bio = BIO_new(BIO_s_mem());

	if (bio == NULL || X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0)
		goto out;
	n = BIO_get_mem_data(bio, &data);
	if (n < 0)
		goto out;
	res = OPENSSL_malloc((size_t)n + 1);
	if (res == NULL)
		goto out;
	memcpy(res, data, (size_t)n);
	res[n] = '\0';
out:
	BIO_free(bio);
	ERR_clear_error();
	return res;
}

char *cert_subject(X509 *x)
{
	return x == NULL ? NULL : name_rfc2253(X509_get_subject_name(x));
}

char *cert_issuer(X509 *x)
{
	return x == NULL ? NULL : name_rfc2253(X509_get_issuer_name(x));
}

enum cert_time cert_check_time(X509 *x, time_t now)
{
	const ASN1_TIME *nb, *na;
	int before, after;

	if (x == NULL)
		return CERT_TIME_BAD;
	nb = X509_get0_notBefore(x);
	na = X509_get0_notAfter(x);
	if (nb == NULL || na == NULL)
		return CERT_TIME_BAD;
	/* -1: the date is at or before NOW; 1: after it; 0: unreadable. */
	before = X509_cmp_time(nb, &now);
	after = X509_cmp_time(na, &now);
	ERR_clear_error();
	if (before == 0 || after == 0)
		return CERT_TIME_BAD;
	if (before > 0)
		return CERT_TIME_NOT_YET_VALID;
	if (after < 0)
		return CERT_TIME_EXPIRED;
	return CERT_TIME_OK;
}

enum cert_status cert_not_after(X509 *x, char out[32])
{
	const ASN1_TIME *na;
	struct tm tm;

	out[0] = '\0';
	if (x == NULL)
		return CERT_BAD;
	na = X509_get0_notAfter(x);
	memset(&tm, 0, sizeof(tm));
	if (na == NULL || ASN1_TIME_to_tm(na, &tm) != 1) {
		ERR_clear_error();
		return CERT_BAD;
	}
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		out[0] = '\0';
		return CERT_BAD;
	}
	return CERT_OK;
}

/* ---- chain and revocation: the ca_file, ca_dir and crl_file options ---- */

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

/* OpenSSL's reason for the oldest queued error, e.g. "No such file or
 * directory"; a system error carries errno, which has no OpenSSL string. */
static const char *err_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r;

	if (ERR_SYSTEM_ERROR(e))
		return strerror(ERR_GET_REASON(e));
	r = ERR_reason_error_string(e);
	return r != NULL ? r : "cannot be read";
}

static enum cert_status load_cas(X509_STORE *store, const char *ca_file, const char *ca_dir,
				 char *why, size_t whylen)
{
	struct stat sb;

	if (ca_file != NULL && X509_STORE_load_file(store, ca_file) != 1) {
		fmt_why(why, whylen, "ca_file %s: %s", ca_file, err_reason());
		return CERT_CONFIG;
	}
	if (ca_dir == NULL)
		return CERT_OK;
	/* The hashed-directory lookup opens files only when it needs an issuer and
	 * takes a missing directory for an empty one: say what is wrong up front. */
	if (stat(ca_dir, &sb) != 0) {
		fmt_why(why, whylen, "ca_dir %s: %s", ca_dir, strerror(errno));
		return CERT_CONFIG;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fmt_why(why, whylen, "ca_dir %s: not a directory", ca_dir);
		return CERT_CONFIG;
	}
	if (X509_STORE_load_path(store, ca_dir) != 1) {
		fmt_why(why, whylen, "ca_dir %s: %s", ca_dir, err_reason());
		return CERT_CONFIG;
	}
	return CERT_OK;
}

/* Every CRL of a PEM file; other PEM blocks (certificates) are skipped.  A
 * file without any CRL is an error: the administrator asked for revocation. */
static enum cert_status load_crls(X509_STORE *store, const char *crl_file,
				  char *why, size_t whylen)
{
	enum cert_status st = CERT_CONFIG;
	X509_CRL *crl;
	int n = 0, added;
	BIO *bio;

	bio = BIO_new_file(crl_file, "r");
	if (bio == NULL) {
		fmt_why(why, whylen, "crl_file %s: %s", crl_file, err_reason());
		return CERT_CONFIG;
	}
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
		added = X509_STORE_add_crl(store, crl);
		X509_CRL_free(crl);
		if (added != 1) {
			fmt_why(why, whylen, "crl_file %s: %s", crl_file, err_reason());
			goto out;
		}
		n++;
	}
	/* The loop ends at the end of the file or at a block that is not a CRL. */
	if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE)
		fmt_why(why, whylen, "crl_file %s: malformed CRL: %s", crl_file, err_reason());
	else if (n == 0)
		fmt_why(why, whylen, "crl_file %s: no PEM CRL", crl_file);
	else
		st = CERT_OK;
out:
	BIO_free(bio);
	return st;
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

static void chain_why(X509_STORE_CTX *ctx, char *why, size_t whylen)
{
	int err = X509_STORE_CTX_get_error(ctx);
	int depth = X509_STORE_CTX_get_error_depth(ctx);
	X509 *bad = X509_STORE_CTX_get_current_cert(ctx);

	if (err == X509_V_ERR_CERT_REVOKED && bad != NULL) {
		char issuer[256];

		/* Only direct CRLs are used (no X509_V_FLAG_EXTENDED_CRL_SUPPORT), so
		 * the CRL's issuer is the revoked certificate's issuer. */
		name_str(X509_get_issuer_name(bad), issuer, sizeof(issuer));
		fmt_why(why, whylen, "revoked (CRL of %s)", issuer);
	} else if (depth > 0) {
		fmt_why(why, whylen, "chain: %s (depth %d)", X509_verify_cert_error_string(err),
			depth);
	} else {
		fmt_why(why, whylen, "chain: %s", X509_verify_cert_error_string(err));
	}
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

/* CRL_CHECK without CRL_CHECK_ALL: the certificate's own revocation only.  A
 * compromised CA is withdrawn by taking it out of ca_file or ca_dir. */
static enum cert_status run_verify(X509_STORE *store, X509 *x, time_t now, int allow_expired,
				   int crl_check, char *why, size_t whylen)
{
	enum cert_status st = CERT_NOMEM;
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;

	if (ctx == NULL || X509_STORE_CTX_init(ctx, store, x, NULL) != 1) {
		set_why(why, whylen, "out of memory");
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(param, now);
	/* Anchors marked (TRUSTED CERTIFICATE) for or against clientAuth are
	 * honoured; plain self-signed ones are trusted. */
	if (X509_VERIFY_PARAM_set_trust(param, X509_TRUST_SSL_CLIENT) != 1 ||
	    (crl_check && X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK) != 1)) {
		set_why(why, whylen, "out of memory");
		goto out;
	}
	if (allow_expired)
		X509_STORE_CTX_set_verify_cb(ctx, leaf_dates_waived);
	st = CERT_BAD;
	if (X509_verify_cert(ctx) != 1) {
		if (X509_STORE_CTX_get_error(ctx) == X509_V_ERR_OUT_OF_MEM)
			st = CERT_NOMEM;
		chain_why(ctx, why, whylen);
		goto out;
	}
	st = check_usage(ctx, why, whylen);
out:
	X509_STORE_CTX_free(ctx);
	return st;
}

enum cert_status cert_verify_chain(X509 *x, const char *ca_file, const char *ca_dir,
				   const char *crl_file, time_t now, int allow_expired,
				   char *why, size_t whylen)
{
	enum cert_status st = CERT_BAD;
	X509_STORE *store = NULL;

	ERR_clear_error();
	if (ca_file == NULL && ca_dir == NULL) {
		set_why(why, whylen, crl_file != NULL ? "crl_file needs ca_file or ca_dir" :
			"neither ca_file nor ca_dir given");
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
	st = load_cas(store, ca_file, ca_dir, why, whylen);
	if (st == CERT_OK && crl_file != NULL)
		st = load_crls(store, crl_file, why, whylen);
	if (st == CERT_OK)
		st = run_verify(store, x, now, allow_expired, crl_file != NULL, why, whylen);
out:
	X509_STORE_free(store);
	ERR_clear_error();
	return st;
}
