/* cert.c - certificates from files and from the env encodings of SPEC 3.3,
 * decoded strictly with OpenSSL; fingerprints, subjects and validity dates. */
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
