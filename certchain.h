/* certchain.h - the chain of trust of a client certificate: the anchors and
 * revocation sources the administrator named, and the one check that uses
 * them, for both sources, certmap explain and certmap keys. */
#ifndef PAM_CERTMAP_CERTCHAIN_H
#define PAM_CERTMAP_CERTCHAIN_H

#include <time.h>
#include <openssl/x509.h>

#include "cert.h"

/* ocsp=off|soft|require (SPEC 3.3.1). */
enum trust_ocsp {
	TRUST_OCSP_OFF = 0,   /* no network: the default */
	TRUST_OCSP_SOFT,      /* revoked refuses; an unreachable responder or unknown is accepted */
	TRUST_OCSP_REQUIRE,   /* only a verified "good" passes */
};

#define TRUST_OCSP_DEFAULT_TIMEOUT 5

/* What the administrator trusts (the module's ca_file, ca_dir, crl_file,
 * crl_dir, ocsp* and allow_expired options, or certmap's --ca-file ...).
 * NULL: not given. */
struct trust {
	const char *ca_file;   /* PEM, several certificates: anchors and intermediates */
	const char *ca_dir;    /* hashed directory as `openssl rehash` makes */
	const char *crl_file;  /* PEM CRLs: revocation of the certificate itself */
	const char *crl_dir;   /* hashed directory of CRLs (<hash>.r0 ...); never anchors */
	int allow_expired;     /* waive the certificate's own notAfter */
	enum trust_ocsp ocsp;
	const char *ocsp_url;  /* the responder; NULL: the certificate's AIA OCSP URL */
	int ocsp_timeout;      /* seconds for the whole exchange; 0: the default */
	const char *ocsp_helper;  /* the program that does the HTTP exchange (ocspfetch.h) */
};

/* How the certificate's revocation was checked, for the decision's log line. */
enum rev_crl {
	REV_CRL_UNUSED = 0,  /* no crl_file or crl_dir, or the check did not get that far */
	REV_CRL_PASSED,      /* the issuer's current CRL does not list it */
	REV_CRL_FAILED,      /* listed, or no current CRL of the issuer: refused */
};

enum rev_ocsp {
	REV_OCSP_UNUSED = 0,
	REV_OCSP_GOOD,       /* the responder said good, in a response that passed every check */
	REV_OCSP_SOFT,       /* ocsp=soft: unreachable or unknown, accepted; note says why */
	REV_OCSP_FAILED,     /* refused: revoked, a bad response, or not good under require */
};

struct revocation {
	int configured;      /* T names a revocation source (CRL or OCSP) */
	enum rev_crl crl;
	enum rev_ocsp ocsp;
	int helper_failed;   /* OCSP had no answer because its helper failed (not started,
			      * crashed): an installation problem, for LOG_ERR */
	char note[200];      /* the OCSP outcome in words, for REV_OCSP_SOFT and _FAILED */
};

/* OpenSSL's reason for the oldest queued error, e.g. "No such file or
 * directory"; a system error carries errno, which has no OpenSSL string. */
const char *trust_err_reason(void);

/* CERT_OK when DIR (OPTION's value) is a directory, else CERT_CONFIG and why. */
enum cert_status trust_check_dir(const char *option, const char *dir, char *why, size_t whylen);

/* Does T name a trust anchor (ca_file or ca_dir)? */
int trust_has_anchors(const struct trust *t);

/* Does T name a revocation source (crl_file, crl_dir or ocsp)? */
int trust_has_revocation(const struct trust *t);

/* R before any check under T: nothing consulted yet. */
void revocation_init(struct revocation *r, const struct trust *t);

/* R in a few words for the log: "none" (no source configured), "not checked"
 * (the decision came before the check), else what was consulted, e.g.
 * "CRL, OCSP good" or "OCSP soft-accepted (responder unreachable: ...)". */
void revocation_str(const struct revocation *r, char *buf, size_t len);

/* Chain and revocation check of X for client authentication at time NOW.
 * Trust anchors and intermediates come from T's ca_file and/or ca_dir; at
 * least one is required, and a chain must end at a self-signed anchor.
 * UNTRUSTED (may be NULL) are more intermediates offered for path building
 * (a token's other certificates); they are never anchors.
 * Revocation is of X itself, not of the CAs: T's crl_file and crl_dir turn on
 * the CRL check (a missing, expired or badly signed CRL for X's issuer fails);
 * T's ocsp asks the responder, after the chain verified, through T's
 * ocsp_helper within ocsp_timeout (ocspcheck.h says what each mode accepts).
 * Usage: a certificate in the chain that has an extendedKeyUsage must allow
 * clientAuth, smartcardLogon (1.3.6.1.4.1.311.20.2.2) or anyExtendedKeyUsage,
 * one of the first two along the whole chain; an X with a keyUsage needs
 * digitalSignature or keyAgreement.  allow_expired waives X's own expiry only.
 * REV (may be NULL) says how revocation was checked, whatever the result.
 * CERT_BAD (the chain fails) or CERT_CONFIG (the CA or CRL files cannot be
 * used) with a short reason in why; CERT_NOMEM.  No global state. */
enum cert_status cert_verify_chain(X509 *x, STACK_OF(X509) *untrusted, const struct trust *t,
				   time_t now, struct revocation *rev, char *why, size_t whylen);

#endif
