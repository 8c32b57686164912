/* tokreq.h - the module's requests to pam_certmap_token, TOK_LIST and
 * TOK_SIGN: written by the module, read by the helper, without OpenSSL. */
#ifndef PAM_CERTMAP_TOKREQ_H
#define PAM_CERTMAP_TOKREQ_H

#include <stddef.h>
#include <stdint.h>

#include "tokproto.h"

/* TOK_LIST: str pkcs11_module, str token_label ("" = any token), u32 seconds
 * to wait for a token when none is present (0: do not wait). */
#define TOKREQ_WAIT_MAX 3600u

struct tok_list_req {
	char *module;
	char *label;
	uint32_t wait;
};

int tokreq_put_list(struct tokbuf *b, const struct tok_list_req *req);
/* 0 with two new strings, or -1 with both NULL; free with tokreq_list_free. */
int tokreq_list(struct tokbuf *b, struct tok_list_req *req);
void tokreq_list_free(struct tok_list_req *req);

/* TOK_SIGN: u32 certificate index, str PIN, u32 flags, u32 tok_key, u32 key
 * bits, bytes challenge, bytes SHA-256, SHA-384 and SHA-512 of the challenge.
 * The module sends the digests and the certificate's key so the helper needs
 * no hashing and no certificate parser: it only picks a mechanism and asks
 * the token.  A wrong digest or key can only make a signature the module
 * refuses. */
#define TOKREQ_CHALLENGE_MIN 32
#define TOKREQ_CHALLENGE_MAX 1024
#define TOKREQ_KEY_BITS_MAX 16384u
/* flags */
#define TOK_SIGN_PINPAD 0x1u   /* log in on the reader's PIN pad; the PIN is empty */

struct tok_sign_req {
	uint32_t index;
	char *pin;
	size_t pin_len;
	uint32_t flags;
	uint32_t key;            /* enum tok_key */
	uint32_t key_bits;
	unsigned char *chal;
	size_t chal_len;
	unsigned char sha256[32];
	unsigned char sha384[48];
	unsigned char sha512[64];
};

int tokreq_put_sign(struct tokbuf *b, const struct tok_sign_req *req);
/* A TOK_SIGN for a list of NCERTS certificates: 0, or -1 when it is
 * malformed, the index is out of range, the challenge length is not in
 * TOKREQ_CHALLENGE_MIN..MAX, a digest has the wrong length, the key is
 * unknown or a PIN comes with TOK_SIGN_PINPAD.  REQ must start zeroed; free
 * it with tokreq_sign_free in both cases. */
int tokreq_sign(struct tokbuf *b, size_t ncerts, struct tok_sign_req *req);
/* Wipes the PIN, frees the copies and zeroes REQ. */
void tokreq_sign_free(struct tok_sign_req *req);

#endif
