/* testpki.h - certificate authorities and their certificates made with
 * OpenSSL at run time for the unit tests of chains, CRLs and OCSP. */
#ifndef PAM_CERTMAP_TESTPKI_H
#define PAM_CERTMAP_TESTPKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#define DAY 86400L

struct pki {
	X509 *cert;
	EVP_PKEY *key;
};

/* What a certificate is made of; dates are seconds from now. */
struct spec {
	const char *cn;
	long not_before, not_after;
	int ca;
	const char *eku;	/* extendedKeyUsage value, NULL for none */
	const char *ku;		/* keyUsage value, NULL for none */
};

/* Every helper fails the test (ck_assert) rather than return an error. */

/* A certificate after SP with a new EC P-256 key, signed by ISSUER, or
 * self-signed when ISSUER is NULL. */
struct pki pki_issue(const struct spec *sp, const struct pki *issuer);

/* A CA (keyCertSign, cRLSign) valid from 30 days ago to now + NOT_AFTER. */
struct pki make_ca(const char *cn, const struct pki *issuer, long not_after);

/* A client certificate "alice" of ISSUER (clientAuth, digitalSignature),
 * valid from now + NB to now + NA. */
struct pki make_leaf(const struct pki *issuer, long nb, long na);

/* The same, valid now, with these extendedKeyUsage and keyUsage values. */
struct pki make_leaf_eku(const struct pki *issuer, const char *eku, const char *ku);

void pki_free(struct pki *p);

#endif
