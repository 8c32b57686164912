/* tokparse.h - the payloads of tokproto.h decoded into C values, with no I/O:
 * what the module reads from the helper and what the helper reads from it. */
#ifndef PAM_CERTMAP_TOKPARSE_H
#define PAM_CERTMAP_TOKPARSE_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "tokproto.h"

/* ------------------------------------------ helper -> module (token.c) */

/* Most certificates one TOK_CERTS may list. */
#define TOKPARSE_MAX_CERTS 1024

struct token_cert {
	uint32_t slot;
	char *label;
	char *serial;
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
 * the message or a note that the frame was malformed. */
uint32_t tokparse_error(struct tokbuf *b, uint32_t *flags, char *msg, size_t len);

/* A TOK_SIGNED payload: 0 with the algorithm and the signature (pointing
 * into B), or -1. */
int tokparse_signed(struct tokbuf *b, uint32_t *alg, const unsigned char **sig,
		    size_t *siglen);

/* ------------------------------------- module -> helper (token/main.c) */

#define TOKPARSE_CHALLENGE_MIN 32
#define TOKPARSE_CHALLENGE_MAX 1024

/* A TOK_LIST payload: 0 with two new strings (free them), or -1 with both
 * NULL. */
int tokparse_list(struct tokbuf *b, char **module, char **label);

/* The request of a TOK_SIGN, with the PIN and the challenge copied out of
 * the frame so the frame (and its copy of the PIN) can be wiped before the
 * token sees it. */
struct tok_sign_req {
	uint32_t index;
	char *pin;
	size_t pin_len;
	unsigned char *chal;
	size_t chal_len;
};

/* A TOK_SIGN payload for a list of NCERTS certificates: 0, or -1 when it is
 * malformed, the index is out of range or the challenge length is not in
 * TOKPARSE_CHALLENGE_MIN..MAX.  REQ must start zeroed; free it with
 * tokparse_sign_free in both cases. */
int tokparse_sign(struct tokbuf *b, size_t ncerts, struct tok_sign_req *req);
/* Wipes the PIN, frees both copies and zeroes REQ. */
void tokparse_sign_free(struct tok_sign_req *req);

#endif
