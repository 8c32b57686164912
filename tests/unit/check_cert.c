/* check_cert.c - unit tests of cert.c: every accepted encoding of files and env
 * values, what must be refused, fingerprints, subjects and dates. */
#include "config.h"
#include "cert.h"
#include "testcert.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* Made once with `openssl req -x509 -subj "/C=DE/O=Example Org/CN=Fixed Test"
 * -days 36500`; the hash, subject and dates below come from the openssl tool
 * (`openssl x509 -outform der | sha256sum`, `-nameopt RFC2253 -dates`), not
 * from the code under test. */
static const char fixed_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBtTCCAVugAwIBAgICEJIwCgYIKoZIzj0EAwIwODELMAkGA1UEBhMCREUxFDAS\n"
	"BgNVBAoMC0V4YW1wbGUgT3JnMRMwEQYDVQQDDApGaXhlZCBUZXN0MCAXDTI2MTEy\n"
	"NTE5MzkxM1oYDzIxMjYxMTAxMTkzOTEzWjA4MQswCQYDVQQGEwJERTEUMBIGA1UE\n"
	"CgwLRXhhbXBsZSBPcmcxEzARBgNVBAMMCkZpeGVkIFRlc3QwWTATBgcqhkjOPQIB\n"
	"BggqhkjOPQMBBwNCAAS9df8rPc57g8ayYjRL+pF99AYOAxd0uVZxsA4BP298K/YE\n"
	"654WU0X/sroDdt3c79vYMQnbqJGqoi51FuT3FRiGo1MwUTAdBgNVHQ4EFgQU8Xce\n"
	"+uk6zHZjKni1ZInb5UXMRMEwHwYDVR0jBBgwFoAU8Xce+uk6zHZjKni1ZInb5UXM\n"
	"RMEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiA8tWvzjX6kHzhY\n"
	"QQW0ljd98FtRyKq6N3IiL5yR9ujaEgIhAPP+aLGvXJqkRXJY6L106R7YcV7TaVb6\n"
	"I0X6oZXimOq5\n"
	"-----END CERTIFICATE-----\n";
#define FIXED_SHA256 "466eab89aa7519a4bc74d94c9173f18ed0a49534fc7cb770d5cd89f43b5d5a7f"
#define FIXED_SUBJECT "CN=Fixed Test,O=Example Org,C=DE"
#define FIXED_NOT_AFTER "2126-11-01T19:39:13Z"
#define FIXED_NOT_BEFORE_T ((time_t)1795635553)
#define FIXED_NOT_AFTER_T ((time_t)4949235553)

/* A string of N copies of S after HEAD. */
static char *chain(const char *head, const char *s, size_t n)
{
	size_t hl = strlen(head), sl = strlen(s), i;
	char *r = malloc(hl + sl * n + 1);

	ck_assert_ptr_nonnull(r);
	memcpy(r, head, hl);
	for (i = 0; i < n; i++)
		memcpy(r + hl + i * sl, s, sl);
	r[hl + sl * n] = '\0';
	return r;
}

/* As nginx $ssl_client_escaped_cert: everything but unreserved characters as %XX. */
static char *pct_encode(const char *s, int lower)
{
	const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
	char *r = malloc(strlen(s) * 3 + 1), *o = r;

	ck_assert_ptr_nonnull(r);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		}
	}
	*o = '\0';
	return r;
}

/* As nginx $ssl_client_cert: a TAB after every newline but the last. */
static char *nginx_indent(const char *pem)
{
	size_t n = strlen(pem), i;
	char *r = malloc(n * 2 + 1), *o = r;

	ck_assert_ptr_nonnull(r);
	for (i = 0; i < n; i++) {
		*o++ = pem[i];
		if (pem[i] == '\n' && i + 1 < n)
			*o++ = '\t';
	}
	*o = '\0';
	return r;
}

static void assert_same_cert(X509 *got, X509 *want)
{
	size_t gl, wl;
	unsigned char *g, *w;

	ck_assert_ptr_nonnull(got);
	g = testcert_der(got, &gl);
	w = testcert_der(want, &wl);
	ck_assert_uint_eq(gl, wl);
	ck_assert_int_eq(memcmp(g, w, gl), 0);
	free(g);
	free(w);
}

static void expect_env_ok(const char *value, X509 *want)
{
	char why[128] = "";
	X509 *got = NULL;

	ck_assert_msg(cert_from_env(value, &got, why, sizeof(why)) == CERT_OK, "refused: %s", why);
	assert_same_cert(got, want);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	X509_free(got);
}

static void expect_env_bad(const char *value, const char *why_part)
{
	char why[128] = "";
	X509 *got = (X509 *)1;

	ck_assert_int_eq(cert_from_env(value, &got, why, sizeof(why)), CERT_BAD);
	ck_assert_ptr_null(got);
	ck_assert_msg(strstr(why, why_part) != NULL, "why \"%s\" lacks \"%s\"", why, why_part);
	ck_assert_uint_eq(ERR_peek_error(), 0);
}

static void expect_bytes_ok(const void *buf, size_t len, X509 *want)
{
	char why[128] = "";
	X509 *got = NULL;

	ck_assert_msg(cert_from_bytes(buf, len, &got, why, sizeof(why)) == CERT_OK,
		      "refused: %s", why);
	assert_same_cert(got, want);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	X509_free(got);
}

static void expect_bytes_bad(const void *buf, size_t len, const char *why_part)
{
	char why[128] = "";
	X509 *got = (X509 *)1;

	ck_assert_int_eq(cert_from_bytes(buf, len, &got, why, sizeof(why)), CERT_BAD);
	ck_assert_ptr_null(got);
	ck_assert_msg(strstr(why, why_part) != NULL, "why \"%s\" lacks \"%s\"", why, why_part);
	ck_assert_uint_eq(ERR_peek_error(), 0);
}

/* DER with one byte more than the certificate, and its base64. */
static unsigned char *der_plus_byte(X509 *x, size_t *len)
{
	unsigned char *der = testcert_der(x, len), *r = realloc(der, *len + 1);

	ck_assert_ptr_nonnull(r);
	r[(*len)++] = 0;
	return r;
}

static char *b64_of(const unsigned char *buf, size_t len)
{
	char *r = malloc((len + 2) / 3 * 4 + 1);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_gt(EVP_EncodeBlock((unsigned char *)r, buf, (int)len), 0);
	return r;
}

/* ---------------------------------------------------------------- files */

START_TEST(test_file_pem)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x);

	expect_bytes_ok(pem, strlen(pem), x);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_file_pem_crlf_and_text)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x), *crlf = malloc(strlen(pem) * 2 + 64), *o;
	const char *p;

	/* openssl x509 -text puts a description before the block; Windows adds CR. */
	ck_assert_ptr_nonnull(crlf);
	o = crlf + snprintf(crlf, 64, "Certificate:\r\n    Data: ...\r\n");
	for (p = pem; *p != '\0'; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	expect_bytes_ok(crlf, strlen(crlf), x);
	free(crlf);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_file_pem_chain_first)
{
	X509 *a = testcert_valid("leaf"), *b = testcert_valid("issuer");
	char *pa = testcert_pem(a), *pb = testcert_pem(b), *both = chain(pa, pb, 1);

	expect_bytes_ok(both, strlen(both), a);
	free(both);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

START_TEST(test_file_pem_key_before_cert)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x);
	char *all = chain("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", pem, 1);

	expect_bytes_ok(all, strlen(all), x);
	free(all);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_file_pem_not_cert)
{
	static const char key[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";

	expect_bytes_bad(key, strlen(key), "PEM block is not a certificate");
}
END_TEST

START_TEST(test_file_pem_encrypted_header)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x), *nl = strchr(pem, '\n'), *all;
	size_t head = (size_t)(nl + 1 - pem);

	/* A Proc-Type header would send OpenSSL looking for a passphrase. */
	all = malloc(strlen(pem) + 128);
	ck_assert_ptr_nonnull(all);
	memcpy(all, pem, head);
	snprintf(all + head, strlen(pem) + 128 - head, "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"
		"00112233445566778899AABBCCDDEEFF\n\n%s", nl + 1);
	expect_bytes_bad(all, strlen(all), "PEM certificate has headers");
	free(all);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_file_pem_trailing_der)
{
	X509 *x = testcert_valid("alice");
	size_t len;
	unsigned char *der = der_plus_byte(x, &len);
	char *b64 = b64_of(der, len);
	char *pem = malloc(strlen(b64) + 64);

	ck_assert_ptr_nonnull(pem);
	snprintf(pem, strlen(b64) + 64,
		 "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", b64);
	expect_bytes_bad(pem, strlen(pem), "PEM block does not hold one DER certificate");
	expect_env_bad(pem, "PEM block does not hold one DER certificate");
	free(pem);
	free(b64);
	free(der);
	X509_free(x);
}
END_TEST

START_TEST(test_file_der)
{
	X509 *x = testcert_valid("alice");
	size_t len;
	unsigned char *der = testcert_der(x, &len);

	expect_bytes_ok(der, len, x);
	free(der);
	X509_free(x);
}
END_TEST

START_TEST(test_file_der_trailing)
{
	X509 *x = testcert_valid("alice");
	size_t len;
	unsigned char *der = der_plus_byte(x, &len);

	expect_bytes_bad(der, len, "not PEM, DER or base64 DER");
	free(der);
	X509_free(x);
}
END_TEST

START_TEST(test_file_der_truncated)
{
	X509 *x = testcert_valid("alice");
	size_t len;
	unsigned char *der = testcert_der(x, &len);

	expect_bytes_bad(der, len - 1, "not PEM, DER or base64 DER");
	expect_bytes_bad(der, len / 2, "not PEM, DER or base64 DER");
	free(der);
	X509_free(x);
}
END_TEST

START_TEST(test_file_b64_whitespace)
{
	X509 *x = testcert_valid("alice");
	char *b64 = testcert_b64(x), *ws = malloc(strlen(b64) * 2 + 8), *o = ws;
	static const char spaces[] = " \t\r\n";
	size_t i;

	ck_assert_ptr_nonnull(ws);
	*o++ = '\n';
	for (i = 0; b64[i] != '\0'; i++) {
		*o++ = b64[i];
		if (i % 7 == 6)
			*o++ = spaces[i % 4];
	}
	memcpy(o, "\r\n", 3);
	expect_bytes_ok(ws, strlen(ws), x);
	free(ws);
	free(b64);
	X509_free(x);
}
END_TEST

START_TEST(test_file_garbage)
{
	static const char junk[] = "this is not a certificate\n";
	static const unsigned char der_like[] = { 0x30, 0x82, 0x01, 0x00, 0x01, 0x02 };

	expect_bytes_bad(junk, strlen(junk), "not PEM, DER or base64 DER");
	expect_bytes_bad(der_like, sizeof(der_like), "not PEM, DER or base64 DER");
	expect_bytes_bad("", 0, "empty");
}
END_TEST

START_TEST(test_file_oversize)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x);
	size_t n = CERT_FILE_MAX + 1;
	char *big = malloc(n);

	ck_assert_ptr_nonnull(big);
	memset(big, '\n', n);
	memcpy(big, pem, strlen(pem));
	expect_bytes_bad(big, n, "longer than");
	expect_bytes_ok(big, n - 1, x);
	free(big);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_file_chain_1000)
{
	X509 *a = testcert_valid("leaf"), *b = testcert_valid("issuer");
	char *pa = testcert_pem(a), *pb = testcert_pem(b), *all = chain(pa, pb, 999);

	ck_assert_uint_le(strlen(all), CERT_FILE_MAX);
	expect_bytes_ok(all, strlen(all), a);
	free(all);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

/* ---------------------------------------------------------------- env */

START_TEST(test_env_apache_pem)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x);

	expect_env_ok(pem, x);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_env_nginx_tab)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x), *tab = nginx_indent(pem);

	ck_assert_ptr_nonnull(strstr(tab, "\n\t-----END"));
	expect_env_ok(tab, x);
	free(tab);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_env_nginx_escaped)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x), *up = pct_encode(pem, 0), *low = pct_encode(pem, 1);

	ck_assert_ptr_nonnull(strstr(up, "-----BEGIN%20CERTIFICATE-----%0A"));
	expect_env_ok(up, x);
	expect_env_ok(low, x);
	free(up);
	free(low);
	free(pem);
	X509_free(x);
}
END_TEST

START_TEST(test_env_b64)
{
	X509 *x = testcert_valid("alice");
	char *b64 = testcert_b64(x);

	expect_env_ok(b64, x);
	free(b64);
	X509_free(x);
}
END_TEST

START_TEST(test_env_b64_escaped)
{
	X509 *x = testcert_valid("alice");
	char *b64 = testcert_b64(x), *esc = pct_encode(b64, 0);

	expect_env_ok(esc, x);
	free(esc);
	free(b64);
	X509_free(x);
}
END_TEST

/* '+' is base64, not a URL-encoded space: it is left unescaped here. */
START_TEST(test_env_plus_stays_plus)
{
	X509 *x = NULL;
	char *b64 = NULL, *esc, *o;
	const char *p;
	int tries;

	for (tries = 0; tries < 50 && (b64 == NULL || strchr(b64, '+') == NULL); tries++) {
		free(b64);
		X509_free(x);
		x = testcert_valid("alice");
		b64 = testcert_b64(x);
	}
	ck_assert_ptr_nonnull(strchr(b64, '+'));
	esc = malloc(strlen(b64) * 3 + 1);
	ck_assert_ptr_nonnull(esc);
	/* The first character is escaped too, so there is always an escape;
	 * each character takes at most three bytes. */
	o = esc + snprintf(esc, 4, "%%%02X", (unsigned char)b64[0]);
	for (p = b64 + 1; *p != '\0'; p++)
		o += *p == '/' ? snprintf(o, 4, "%%2F") : *p == '=' ? snprintf(o, 4, "%%3D") :
			snprintf(o, 4, "%c", *p);
	ck_assert_ptr_nonnull(strchr(esc, '+'));
	expect_env_ok(esc, x);
	free(esc);
	free(b64);
	X509_free(x);
}
END_TEST

START_TEST(test_env_bad_percent)
{
	X509 *x = testcert_valid("alice");
	char *b64 = testcert_b64(x);
	char *bad[4];

	bad[0] = unit_asprintf("%s%%3", b64);
	bad[1] = unit_asprintf("%%zz%s", b64);
	bad[2] = unit_asprintf("%s%%", b64);
	bad[3] = unit_asprintf("%s%%00", b64);
	for (size_t i = 0; i < 4; i++) {
		expect_env_bad(bad[i], "bad percent escape");
		free(bad[i]);
	}
	free(b64);
	X509_free(x);
}
END_TEST

START_TEST(test_env_garbage)
{
	expect_env_bad("not a certificate", "not PEM or base64 DER");
	expect_env_bad("AAAA", "not PEM or base64 DER");
	expect_env_bad("-----BEGIN CERTIFICATE-----\nAAAA\n", "malformed PEM block");
	expect_env_bad("", "empty");
}
END_TEST

START_TEST(test_env_trailing_der)
{
	X509 *x = testcert_valid("alice");
	size_t len;
	unsigned char *der = der_plus_byte(x, &len);
	char *b64 = b64_of(der, len), *esc = pct_encode(b64, 0);

	expect_env_bad(b64, "not PEM or base64 DER");
	expect_env_bad(esc, "not PEM or base64 DER");
	free(esc);
	free(b64);
	free(der);
	X509_free(x);
}
END_TEST

START_TEST(test_env_truncated_der)
{
	X509 *x = testcert_valid("alice");
	size_t len;
	unsigned char *der = testcert_der(x, &len);
	char *b64 = b64_of(der, len - 3);

	expect_env_bad(b64, "not PEM or base64 DER");
	free(b64);
	free(der);
	X509_free(x);
}
END_TEST

/* Base64 whose last character carries non-zero unused bits decodes to the
 * same bytes under a lax decoder; one certificate has one base64 form. */
START_TEST(test_env_b64_noncanonical)
{
	X509 *x = NULL;
	char *b64 = NULL, *pad;
	char cn[64] = "a";
	const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = 0;

	while (len % 3 == 0) {
		unsigned char *der;

		free(b64);
		X509_free(x);
		strcat(cn, "a");
		x = testcert_valid(cn);
		der = testcert_der(x, &len);
		free(der);
		b64 = testcert_b64(x);
	}
	expect_env_ok(b64, x);
	pad = strchr(b64, '=');
	ck_assert_ptr_nonnull(pad);
	pad[-1] = alpha[(strchr(alpha, pad[-1]) - alpha) | 1];
	expect_env_bad(b64, "not PEM or base64 DER");
	free(b64);
	X509_free(x);
}
END_TEST

START_TEST(test_env_oversize)
{
	X509 *x = testcert_valid("alice");
	char *pem = testcert_pem(x);
	char *big = malloc(CERT_ENV_MAX + 2);

	ck_assert_ptr_nonnull(big);
	memset(big, '\n', CERT_ENV_MAX + 1);
	big[CERT_ENV_MAX + 1] = '\0';
	memcpy(big, pem, strlen(pem));
	expect_env_bad(big, "value longer than 262144 bytes");
	big[CERT_ENV_MAX] = '\0';
	expect_env_ok(big, x);
	free(big);
	free(pem);
	X509_free(x);
}
END_TEST

/* As long a tab-indented chain as the limit allows: the first is taken. */
START_TEST(test_env_long_chain)
{
	X509 *a = testcert_valid("leaf"), *b = testcert_valid("issuer");
	char *pa = testcert_pem(a), *pb = testcert_pem(b), *all, *tab;
	size_t n = (CERT_ENV_MAX * 95 / 100 - strlen(pa)) / strlen(pb);

	all = chain(pa, pb, n);
	tab = nginx_indent(all);
	ck_assert_uint_le(strlen(tab), CERT_ENV_MAX);
	ck_assert_uint_gt(strlen(tab), CERT_ENV_MAX * 9 / 10);
	expect_env_ok(tab, a);
	free(tab);
	free(all);
	free(pa);
	free(pb);
	X509_free(a);
	X509_free(b);
}
END_TEST

/* ---------------------------------------------------------------- facts */

static X509 *fixed_cert(void)
{
	X509 *x = NULL;
	char why[128];

	ck_assert_int_eq(cert_from_bytes((const unsigned char *)fixed_pem, strlen(fixed_pem),
					 &x, why, sizeof(why)), CERT_OK);
	return x;
}

START_TEST(test_der_roundtrip)
{
	X509 *x = testcert_valid("alice");
	unsigned char *der, *want;
	size_t len, wlen;

	ck_assert_int_eq(cert_der(x, &der, &len), CERT_OK);
	want = testcert_der(x, &wlen);
	ck_assert_uint_eq(len, wlen);
	ck_assert_int_eq(memcmp(der, want, len), 0);
	OPENSSL_free(der);
	free(want);
	X509_free(x);
}
END_TEST

START_TEST(test_sha256)
{
	X509 *x = testcert_valid("alice"), *f = fixed_cert();
	unsigned char md[EVP_MAX_MD_SIZE], *der;
	unsigned int mdlen, i;
	char hex[65], want[65];
	size_t len;

	ck_assert_int_eq(cert_sha256_hex(x, hex), CERT_OK);
	der = testcert_der(x, &len);
	ck_assert_int_eq(EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL), 1);
	for (i = 0; i < mdlen; i++)
		sprintf(want + 2 * i, "%02x", md[i]);
	ck_assert_str_eq(hex, want);
	ck_assert_int_eq(cert_sha256_hex(f, hex), CERT_OK);
	ck_assert_str_eq(hex, FIXED_SHA256);
	free(der);
	X509_free(x);
	X509_free(f);
}
END_TEST

START_TEST(test_subject)
{
	X509 *x = testcert_valid("Alice Example"), *f = fixed_cert();
	char *s = cert_subject(x);

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(s, "CN=Alice Example"));
	OPENSSL_free(s);
	s = cert_subject(f);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, FIXED_SUBJECT);
	OPENSSL_free(s);
	X509_free(x);
	X509_free(f);
}
END_TEST

START_TEST(test_time_now)
{
	X509 *ok = testcert_make("ok", -60, 3600);
	X509 *old = testcert_make("old", -7200, -3600);
	X509 *young = testcert_make("young", 3600, 7200);
	time_t now = time(NULL);

	ck_assert_int_eq(cert_check_time(ok, now), CERT_TIME_OK);
	ck_assert_int_eq(cert_check_time(old, now), CERT_TIME_EXPIRED);
	ck_assert_int_eq(cert_check_time(young, now), CERT_TIME_NOT_YET_VALID);
	ck_assert_int_eq(cert_check_time(young, now + 5400), CERT_TIME_OK);
	X509_free(ok);
	X509_free(old);
	X509_free(young);
}
END_TEST

START_TEST(test_time_bounds)
{
	X509 *f = fixed_cert();

	ck_assert_int_eq(cert_check_time(f, FIXED_NOT_BEFORE_T - 1), CERT_TIME_NOT_YET_VALID);
	ck_assert_int_eq(cert_check_time(f, FIXED_NOT_BEFORE_T), CERT_TIME_OK);
	ck_assert_int_eq(cert_check_time(f, FIXED_NOT_AFTER_T - 1), CERT_TIME_OK);
	ck_assert_int_eq(cert_check_time(f, FIXED_NOT_AFTER_T + 1), CERT_TIME_EXPIRED);
	X509_free(f);
}
END_TEST

START_TEST(test_not_after)
{
	X509 *f = fixed_cert(), *x = testcert_make("t", -60, 86400);
	char out[32], want[32];
	time_t t;
	struct tm tm;

	ck_assert_int_eq(cert_not_after(f, out), CERT_OK);
	ck_assert_str_eq(out, FIXED_NOT_AFTER);
	/* A UTCTime date, made a moment ago: allow the clock one tick. */
	ck_assert_int_eq(cert_not_after(x, out), CERT_OK);
	t = time(NULL) + 86400;
	ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
	ck_assert_uint_gt(strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm), 0);
	if (strcmp(out, want) != 0) {
		t--;
		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		ck_assert_uint_gt(strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm), 0);
	}
	ck_assert_str_eq(out, want);
	X509_free(f);
	X509_free(x);
}
END_TEST

START_TEST(test_env_null_why)
{
	X509 *got = NULL;

	ck_assert_int_eq(cert_from_env("junk", &got, NULL, 0), CERT_BAD);
	ck_assert_ptr_null(got);
	ck_assert_int_eq(cert_from_bytes((const unsigned char *)"junk", 4, &got, NULL, 0),
			 CERT_BAD);
	ck_assert_ptr_null(got);
}
END_TEST

/* ---------------------------------------------------------------- keys */

/* A certificate holding a fresh key of TYPE (CURVE or BITS); unsigned, which
 * cert_key_check does not look at. */
static X509 *cert_with_key(const char *type, const char *curve, size_t bits)
{
	EVP_PKEY *pk = curve != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, type, curve)
				     : bits != 0 ? EVP_PKEY_Q_keygen(NULL, NULL, type, bits)
						 : EVP_PKEY_Q_keygen(NULL, NULL, type);
	X509 *x = X509_new();

	ck_assert_msg(pk != NULL, "cannot make a %s key", type);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_set_pubkey(x, pk), 1);
	EVP_PKEY_free(pk);
	return x;
}

static void expect_key(X509 *x, enum cert_status want, const char *why_part)
{
	char why[256] = "";

	ck_assert_int_eq(cert_key_check(x, why, sizeof(why)), want);
	if (why_part != NULL)
		ck_assert_msg(strstr(why, why_part) != NULL, "reason '%s' lacks '%s'", why,
			      why_part);
	else
		ck_assert_str_eq(why, "");
	X509_free(x);
}

START_TEST(test_key_supported)
{
	expect_key(cert_with_key("RSA", NULL, 2048), CERT_OK, NULL);
	expect_key(cert_with_key("EC", "P-256", 0), CERT_OK, NULL);
	expect_key(cert_with_key("EC", "P-384", 0), CERT_OK, NULL);
	expect_key(cert_with_key("EC", "P-521", 0), CERT_OK, NULL);
	expect_key(testcert_valid("alice"), CERT_OK, NULL);
}
END_TEST

START_TEST(test_key_refused)
{
	const char *tail = "(RSA of 2048 to 8192 bits, or ECDSA on P-256, P-384 or P-521)";

	expect_key(cert_with_key("RSA", NULL, 1024), CERT_BAD,
		   "the certificate's key is not supported: a 1024-bit RSA key");
	expect_key(cert_with_key("RSA", NULL, 1024), CERT_BAD, tail);
	expect_key(cert_with_key("EC", "secp256k1", 0), CERT_BAD, "an EC key on curve secp256k1");
	expect_key(cert_with_key("EC", "brainpoolP256r1", 0), CERT_BAD,
		   "an EC key on curve brainpoolP256r1");
	expect_key(cert_with_key("ED25519", NULL, 0), CERT_BAD, "a key of type ED25519");
	expect_key(X509_new(), CERT_BAD, "an unreadable key");
}
END_TEST

START_TEST(test_key_null_why)
{
	X509 *x = cert_with_key("RSA", NULL, 1024);

	ck_assert_int_eq(cert_key_check(x, NULL, 0), CERT_BAD);
	X509_free(x);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cert");
	TCase *files = tcase_create("files"), *env = tcase_create("env");
	TCase *facts = tcase_create("facts");

	tcase_set_timeout(files, 60);
	tcase_set_timeout(env, 60);
	tcase_add_test(files, test_file_pem);
	tcase_add_test(files, test_file_pem_crlf_and_text);
	tcase_add_test(files, test_file_pem_chain_first);
	tcase_add_test(files, test_file_pem_key_before_cert);
	tcase_add_test(files, test_file_pem_not_cert);
	tcase_add_test(files, test_file_pem_encrypted_header);
	tcase_add_test(files, test_file_pem_trailing_der);
	tcase_add_test(files, test_file_der);
	tcase_add_test(files, test_file_der_trailing);
	tcase_add_test(files, test_file_der_truncated);
	tcase_add_test(files, test_file_b64_whitespace);
	tcase_add_test(files, test_file_garbage);
	tcase_add_test(files, test_file_oversize);
	tcase_add_test(files, test_file_chain_1000);
	tcase_add_test(env, test_env_apache_pem);
	tcase_add_test(env, test_env_nginx_tab);
	tcase_add_test(env, test_env_nginx_escaped);
	tcase_add_test(env, test_env_b64);
	tcase_add_test(env, test_env_b64_escaped);
	tcase_add_test(env, test_env_plus_stays_plus);
	tcase_add_test(env, test_env_bad_percent);
	tcase_add_test(env, test_env_garbage);
	tcase_add_test(env, test_env_trailing_der);
	tcase_add_test(env, test_env_truncated_der);
	tcase_add_test(env, test_env_b64_noncanonical);
	tcase_add_test(env, test_env_oversize);
	tcase_add_test(env, test_env_long_chain);
	tcase_add_test(env, test_env_null_why);
	tcase_add_test(facts, test_der_roundtrip);
	tcase_add_test(facts, test_sha256);
	tcase_add_test(facts, test_subject);
	tcase_add_test(facts, test_time_now);
	tcase_add_test(facts, test_time_bounds);
	tcase_add_test(facts, test_not_after);
	tcase_add_test(facts, test_key_supported);
	tcase_add_test(facts, test_key_refused);
	tcase_add_test(facts, test_key_null_why);
	suite_add_tcase(s, files);
	suite_add_tcase(s, env);
	suite_add_tcase(s, facts);
	return s;
}
