/* tokverify.h - check a token's signature over the module's challenge
 * against a certificate's public key, for the algorithms of tokproto.h. */
#ifndef PAM_CERTMAP_TOKVERIFY_H
#define PAM_CERTMAP_TOKVERIFY_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

enum tokverify_result {
	TOKVERIFY_OK = 0,
	TOKVERIFY_BAD,        /* does not verify, or the algorithm does not fit the key */
	TOKVERIFY_ERROR,      /* out of memory, unreadable key */
	TOKVERIFY_UNSUPPORTED,/* not RSA or ECDSA on P-256, P-384, P-521 (SPEC 3.3) */
};

/* SIG is as PKCS#11 makes it: for ECDSA r || s (tokproto.h). */
enum tokverify_result tokverify(X509 *cert, uint32_t alg, const unsigned char *data,
				size_t len, const unsigned char *sig, size_t siglen);

/* "RSA-PSS with SHA-256" and so on, for the log. */
const char *tokverify_alg_name(uint32_t alg);

#endif
