/* tokchal.h - a TOK_SIGN request for the mapped certificate: a fresh random
 * challenge, its digests, and the certificate's key kind and size. */
#ifndef PAM_CERTMAP_TOKCHAL_H
#define PAM_CERTMAP_TOKCHAL_H

#include <openssl/x509.h>

#include "tokreq.h"

#define TOKCHAL_LEN 32

/* Fills REQ's challenge (TOKCHAL_LEN bytes from getrandom, into CHAL, which
 * REQ points to), digests and key from MAPPED.  0, or -1 with WHY. */
int tokchal_make(struct tok_sign_req *req, unsigned char chal[TOKCHAL_LEN], X509 *mapped,
		 char *why, size_t whylen);

#endif
