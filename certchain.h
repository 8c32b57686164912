/* certchain.h - the chain of trust of a client certificate: the anchors and
 * revocation sources the administrator named, and the one check that uses
 * them, for both sources, certmap explain and certmap keys. */
#ifndef PAM_CERTMAP_CERTCHAIN_H
#define PAM_CERTMAP_CERTCHAIN_H

#include <time.h>
#include <openssl/x509.h>

#include "cert.h"

/* What the administrator trusts (the module's ca_file, ca_dir, crl_file and
 * allow_expired options, or certmap's --ca-file ...).  NULL: not given. */
struct trust {
	const char *ca_file;   /* PEM, several certificates: anchors and intermediates */
	const char *ca_dir;    /* hashed directory as `openssl rehash` makes */
	const char *crl_file;  /* PEM CRLs: revocation of the certificate itself */
	int allow_expired;     /* waive the certificate's own notAfter */
};

/* Does T name a trust anchor (ca_file or ca_dir)? */
int trust_has_anchors(const struct trust *t);

/* Chain and revocation check of X for client authentication at time NOW.
 * Trust anchors and intermediates come from T's ca_file and/or ca_dir; at
 * least one is required, and a chain must end at a self-signed anchor.
 * UNTRUSTED (may be NULL) are more intermediates offered for path building
 * (a token's other certificates); they are never anchors.  T's crl_file
 * turns on revocation checking of X itself, not of the CAs: a missing,
 * expired or badly signed CRL for X's issuer fails.
 * Usage: a certificate in the chain that has an extendedKeyUsage must allow
 * clientAuth, smartcardLogon (1.3.6.1.4.1.311.20.2.2) or anyExtendedKeyUsage,
 * one of the first two along the whole chain; an X with a keyUsage needs
 * digitalSignature or keyAgreement.  allow_expired waives X's own expiry only.
 * CERT_BAD (the chain fails) or CERT_CONFIG (the CA or CRL files cannot be
 * used) with a short reason in why; CERT_NOMEM.  No global state. */
enum cert_status cert_verify_chain(X509 *x, STACK_OF(X509) *untrusted, const struct trust *t,
				   time_t now, char *why, size_t whylen);

#endif
