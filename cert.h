/* cert.h - certificates: decoding from files and from the env encodings of
 * SPEC 3.3, DER and base64 forms, fingerprints, subjects, validity dates and
 * the key policy.  Chain checks are in certchain.h. */
#ifndef PAM_CERTMAP_CERT_H
#define PAM_CERTMAP_CERT_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

/* Longest env value accepted; a client certificate chain fits many times. */
#define CERT_ENV_MAX ((size_t)256 * 1024)
/* Longest certificate file accepted by cert_from_bytes. */
#define CERT_FILE_MAX ((size_t)1024 * 1024)

enum cert_status {
	CERT_OK = 0,
	CERT_BAD,    /* not a certificate in any accepted encoding; why says more */
	CERT_NOMEM,
	CERT_CONFIG, /* the trust anchors or the CRL file cannot be used; why says which (certchain.h) */
};

/* A certificate file's contents: PEM (first certificate), DER, or base64 DER
 * (whitespace allowed).  *out is a new X509 on CERT_OK. */
enum cert_status cert_from_bytes(const unsigned char *buf, size_t len, X509 **out,
				 char *why, size_t whylen);

/* An environment value as TLS-terminating servers pass it: PEM (Apache
 * SSL_CLIENT_CERT), PEM with TAB-indented continuation lines (nginx
 * $ssl_client_cert), URL-encoded PEM (nginx $ssl_client_escaped_cert), bare or
 * URL-encoded base64 DER (HAProxy, Traefik).  The first certificate is taken. */
enum cert_status cert_from_env(const char *value, X509 **out, char *why, size_t whylen);

/* DER encoding of X, newly allocated with OPENSSL_malloc. */
enum cert_status cert_der(X509 *x, unsigned char **der, size_t *len);

/* SHA-256 of the DER encoding as 64 lower-case hex digits. */
enum cert_status cert_sha256_hex(X509 *x, char out[65]);

/* One-line subject (RFC 2253 order), newly allocated with OPENSSL_malloc. */
char *cert_subject(X509 *x);

/* The issuer in the same form. */
char *cert_issuer(X509 *x);

enum cert_time {
	CERT_TIME_OK = 0,
	CERT_TIME_EXPIRED,
	CERT_TIME_NOT_YET_VALID,
	CERT_TIME_BAD,          /* the dates cannot be read */
};
/* Is NOW within notBefore..notAfter? */
enum cert_time cert_check_time(X509 *x, time_t now);

/* notAfter as "YYYY-MM-DDTHH:MM:SSZ" into out. */
enum cert_status cert_not_after(X509 *x, char out[32]);

/* Is X's public key one pam_certmap uses: RSA of 2048 to 8192 bits, or ECDSA on
 * P-256, P-384 or P-521?  CERT_OK, or CERT_BAD with the reason in why. */
enum cert_status cert_key_check(X509 *x, char *why, size_t whylen);

#endif
