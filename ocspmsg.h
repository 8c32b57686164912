/* ocspmsg.h - the OCSP messages of one certificate's check: the request, with
 * a nonce, and the checks a response passes before its status counts. */
#ifndef PAM_CERTMAP_OCSPMSG_H
#define PAM_CERTMAP_OCSPMSG_H

#include <stddef.h>
#include <time.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

/* Clock skew allowed between the responder and this machine, as OpenSSL's
 * own OCSP client allows by default. */
#define OCSPMSG_SKEW_SECONDS 300

struct ocsp_query {
	X509 *subject;         /* the certificate asked about (not owned) */
	OCSP_REQUEST *req;
	OCSP_CERTID *id;       /* its CertID, SHA-1 as every responder takes */
	unsigned char *der;    /* the request in DER, OPENSSL_malloc'd */
	size_t derlen;
};

enum ocsp_verdict {
	OCSP_VERDICT_GOOD = 0,
	OCSP_VERDICT_REVOKED,
	OCSP_VERDICT_UNKNOWN,      /* the responder does not know the certificate */
	OCSP_VERDICT_UNAVAILABLE,  /* an answer without a status: tryLater, internalError ... */
	OCSP_VERDICT_BAD,          /* fails a check (signature, nonce, dates, CertID): never trusted */
	OCSP_VERDICT_NOMEM,
};

/* A request about X, issued by ISSUER, with a fresh random nonce.  0, or -1
 * when out of memory. */
int ocspmsg_query(struct ocsp_query *q, X509 *x, X509 *issuer);
void ocspmsg_query_free(struct ocsp_query *q);

/* What the response DER (LEN bytes) says of Q's certificate.  It counts only
 * when it is a successful basic response, signed by the issuer or by a
 * responder certificate the issuer issued with id-kp-OCSPSigning (never by the
 * certificate itself), whose signer chains to STORE's anchors at STORE's time;
 * that echoes Q's nonce if it carries one (a responder without nonces is
 * allowed, its dates then do the work); that holds a single response for Q's
 * CertID; and whose thisUpdate is not after NOW and nextUpdate not before NOW,
 * give or take OCSPMSG_SKEW_SECONDS (without nextUpdate, thisUpdate must be
 * that recent).  CHAIN is the certificate's verified chain (the issuer may
 * sign without sending its certificate).  WHY says what was found, also for
 * REVOKED (reason and time) and the failures. */
enum ocsp_verdict ocspmsg_judge(const struct ocsp_query *q, const unsigned char *der, size_t len,
				STACK_OF(X509) *chain, X509_STORE *store, time_t now,
				char *why, size_t whylen);

#endif
