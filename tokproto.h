/* tokproto.h - the wire format between the module and pam_certmap_token:
 * length-prefixed frames read and written through a length-checked buffer,
 * so neither side does pointer arithmetic on what the other sent. */
#ifndef PAM_CERTMAP_TOKPROTO_H
#define PAM_CERTMAP_TOKPROTO_H

#include <stddef.h>
#include <stdint.h>

/* A frame: u32 length (big-endian) of what follows, u8 type, payload. */
#define TOKPROTO_MAX_FRAME ((size_t)1024 * 1024)

enum tok_type {
	TOK_LIST = 1,   /* module -> helper: tokreq.h's list request */
	TOK_CERTS,      /* helper -> module: u32 n, n x tok_cert (below) */
	TOK_SIGN,       /* module -> helper: tokreq.h's sign request */
	TOK_SIGNED,     /* helper -> module: u32 tok_alg, bytes signature */
	TOK_ERROR,      /* helper -> module: u32 tok_err, u32 token flags, str message */
	TOK_WAITING,    /* helper -> module, empty: no token is present; waiting for one */
	TOK_INSERTED,   /* helper -> module, empty: a token arrived; TOK_CERTS follows */
};

/* A tok_cert on the wire: u32 slot index, str token label, str token serial,
 * u32 token flags, bytes certificate DER, bytes CKA_ID.  The label and the
 * serial are the token's bytes, blanks trimmed: the module escapes them. */
#define TOK_FLAG_LOGIN_REQUIRED 0x01u
#define TOK_FLAG_PIN_COUNT_LOW 0x02u
#define TOK_FLAG_PIN_FINAL_TRY 0x04u
#define TOK_FLAG_PIN_LOCKED 0x08u
#define TOK_FLAG_PROTECTED_AUTH 0x10u   /* PIN pad: the PIN is typed on the reader */
#define TOK_FLAG_PIN_TO_BE_CHANGED 0x20u

/* Signature algorithms; the module accepts only these, all SHA-256 or better.
 * The signature is as PKCS#11 returns it: RSA the modulus-sized integer,
 * ECDSA r || s, each as long as the group order (the module makes the DER). */
enum tok_alg {
	TOK_ALG_RSA_PKCS1_SHA256 = 1,
	TOK_ALG_RSA_PKCS1_SHA384,
	TOK_ALG_RSA_PKCS1_SHA512,
	TOK_ALG_RSA_PSS_SHA256,   /* salt length = digest length, MGF1 with the same digest */
	TOK_ALG_RSA_PSS_SHA384,
	TOK_ALG_RSA_PSS_SHA512,
	TOK_ALG_ECDSA_SHA256,
	TOK_ALG_ECDSA_SHA384,
	TOK_ALG_ECDSA_SHA512,
};

/* The certificate's key, as the module tells the helper in TOK_SIGN. */
enum tok_key {
	TOK_KEY_RSA = 1,
	TOK_KEY_EC,
};

enum tok_err {
	TOK_E_MODULE = 1,     /* the PKCS#11 module cannot be loaded or initialised */
	TOK_E_PIN_INCORRECT,
	TOK_E_PIN_LOCKED,
	TOK_E_PIN_INVALID,    /* length out of range, bad characters */
	TOK_E_NO_KEY,         /* no private key with the certificate's CKA_ID */
	TOK_E_SIGN,           /* the token refused every mechanism */
	TOK_E_PROTOCOL,       /* a frame the helper could not understand */
	TOK_E_INTERNAL,
	TOK_E_TOKEN_GONE,     /* removed, not present, its session gone (a card pulled out) */
	TOK_E_DEVICE,         /* the reader or the token failed, or is not recognised */
	TOK_E_PIN_EXPIRED,    /* the PIN was right but must be changed first */
	TOK_E_LOGIN,          /* the token refused the login for another reason */
};

/* A growable buffer with a read cursor.  Any failed get or put sets error,
 * and every later call fails too: check once at the end. */
struct tokbuf {
	unsigned char *data;
	size_t len, cap, off;
	int error;
};

void tokbuf_init(struct tokbuf *b);
/* Wipes the contents (a PIN may have been in it) and frees them. */
void tokbuf_free(struct tokbuf *b);

int tokbuf_put_u32(struct tokbuf *b, uint32_t v);
int tokbuf_put_bytes(struct tokbuf *b, const void *p, size_t n);  /* u32 length + bytes */
int tokbuf_put_str(struct tokbuf *b, const char *s);               /* as bytes, no NUL */

int tokbuf_get_u32(struct tokbuf *b, uint32_t *v);
/* *p points into the buffer, valid until it is freed or changed. */
int tokbuf_get_bytes(struct tokbuf *b, const unsigned char **p, size_t *n);
/* A copy with a terminating NUL; refused if it holds a NUL. */
int tokbuf_get_str(struct tokbuf *b, char **s);
/* 0 when everything was read and no call failed. */
int tokbuf_done(const struct tokbuf *b);

/* Write one frame to FD (send with MSG_NOSIGNAL on a socket, so a dead
 * peer is an error, not a SIGPIPE).  Returns 0 or -1. */
int tok_write_frame(int fd, uint8_t type, const struct tokbuf *payload);

/* Read one frame from FD into PAYLOAD (reset first).  TIMEOUT_MS < 0 waits
 * forever.  Returns 0, or -1 with errno ETIMEDOUT (deadline passed),
 * EPROTO (bad length), or EPIPE (peer closed), or another errno. */
int tok_read_frame(int fd, uint8_t *type, struct tokbuf *payload, int timeout_ms);

#endif
