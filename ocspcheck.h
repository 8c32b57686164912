/* ocspcheck.h - the OCSP part of the chain check (SPEC 3.3.1): which
 * responder, the exchange, and what ocsp=soft and ocsp=require accept. */
#ifndef PAM_CERTMAP_OCSPCHECK_H
#define PAM_CERTMAP_OCSPCHECK_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>

#include "certchain.h"

/* Ask the responder about X, whose verified CHAIN names ISSUER (chain[1], or
 * X itself when X is an anchor); STORE holds the anchors.  The responder is
 * T's ocsp_url, else the first http URL of X's AIA OCSP entries.
 * "revoked", and any response that fails ocspmsg_judge's checks, is CERT_BAD
 * in every mode; "good" is CERT_OK.  An unreachable responder (no URL,
 * refused, timed out, HTTP error, tryLater ...) or "unknown" is CERT_OK under
 * TRUST_OCSP_SOFT and CERT_BAD under TRUST_OCSP_REQUIRE.  REV records which,
 * WHY has the reason of a refusal; CERT_NOMEM. */
enum cert_status ocsp_check(X509 *x, X509 *issuer, STACK_OF(X509) *chain, X509_STORE *store,
			    const struct trust *t, time_t now, struct revocation *rev,
			    char *why, size_t whylen);

#endif
