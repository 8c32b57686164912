/* testcert.h - real certificates made with OpenSSL at run time for the unit
 * tests: self-signed, EC P-256, random serial, chosen CN and validity. */
#ifndef PAM_CERTMAP_TESTCERT_H
#define PAM_CERTMAP_TESTCERT_H

#include <stddef.h>
#include <openssl/x509.h>

/* A new self-signed certificate with subject and issuer CN=CN, valid from
 * now + NOT_BEFORE_S to now + NOT_AFTER_S seconds (negative: in the past).
 * Free with X509_free.  Every helper aborts the program with a message on
 * failure, so none returns NULL and callers need no checks. */
X509 *testcert_make(const char *cn, long not_before_s, long not_after_s);

/* Shorthand: testcert_make(CN, -3600, 86400), valid now. */
X509 *testcert_valid(const char *cn);

/* PEM text ("-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n"),
 * NUL-terminated.  Free with free(). */
char *testcert_pem(X509 *x);

/* DER bytes, length in *LEN.  Free with free(). */
unsigned char *testcert_der(X509 *x, size_t *len);

/* The DER as one line of standard base64 with padding, no newline: the form
 * of a mapping file's certificate attribute.  Free with free(). */
char *testcert_b64(X509 *x);

#endif
