/* tokparse.h - what the module reads from pam_certmap_token, decoded into C
 * values with no I/O: the certificate list, a signature, an error. */
#ifndef PAM_CERTMAP_TOKPARSE_H
#define PAM_CERTMAP_TOKPARSE_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "tokproto.h"

/* Most certificates one TOK_CERTS may list. */
#define TOKPARSE_MAX_CERTS 1024

struct token_cert {
	uint32_t slot;
	char *label;             /* escaped (tokstr.h): safe to show, log and export */
	char *serial;            /* escaped too */
	uint32_t flags;          /* TOK_FLAG_* */
	unsigned char *der;
	size_t der_len;
	X509 *x509;
};

/* A TOK_CERTS payload: every tok_cert must hold exactly one certificate and
 * nothing may follow the last; der is what the certificate encodes to.  0
 * with *CERTS (N entries, free with tokparse_certs_free) or -1 with *CERTS
 * NULL and *N 0. */
int tokparse_certs(struct tokbuf *b, struct token_cert **certs, size_t *n);
void tokparse_certs_free(struct token_cert *certs, size_t n);

/* A TOK_ERROR payload: returns the code, or TOK_E_PROTOCOL when not even
 * that can be read; *FLAGS gets the token flags (0 when unreadable) and MSG
 * the message, escaped, or a note that the frame was malformed. */
uint32_t tokparse_error(struct tokbuf *b, uint32_t *flags, char *msg, size_t len);

/* A TOK_SIGNED payload: 0 with the algorithm and the signature (pointing
 * into B), or -1. */
int tokparse_signed(struct tokbuf *b, uint32_t *alg, const unsigned char **sig,
		    size_t *siglen);

#endif
