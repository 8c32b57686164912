/* helper.h - the parts of pam_certmap_token: main.c speaks tokproto.h to the
 * module; the other files speak PKCS#11 to the token's module directly. */
#ifndef PAM_CERTMAP_TOKEN_HELPER_H
#define PAM_CERTMAP_TOKEN_HELPER_H

#include <stddef.h>
#include <stdint.h>
/* p11-kit's self-contained copy of the PKCS#11 header (libp11-kit-dev). */
#include <p11-kit/pkcs11.h>

#include "tokreq.h"

/* Most certificates listed (what one TOK_CERTS may carry) and the longest
 * certificate taken; a larger object is not a client certificate. */
#define HELPER_CERTS_MAX 1024
#define HELPER_DER_MAX ((size_t)64 * 1024)

/* A token with certificates; its session stays open from the listing to the
 * signature, so a card swapped in between shows as a session gone. */
struct p11_slot {
	CK_SLOT_ID id;
	CK_SESSION_HANDLE session;
	int logged_in;          /* this helper logged the session in */
	CK_FLAGS token_flags;   /* CK_TOKEN_INFO.flags at the listing */
	char label[33];         /* blank padding trimmed; the module escapes it */
	char serial[17];
};

struct p11_cert {
	size_t slot;            /* index in struct p11's slots */
	unsigned char *der;
	size_t der_len;
	unsigned char *id;      /* CKA_ID; the private key has the same */
	size_t id_len;
};

struct p11 {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int initialized;
	struct p11_slot *slots;
	size_t nslots;
	struct p11_cert *certs;
	size_t ncerts;
};

/* The answer to a TOK_SIGN: err == 0 with alg and sig, or a TOK_E_* with the
 * token flags read after the failure and a message for the log. */
struct p11_result {
	uint32_t err;
	uint32_t flags;
	char msg[256];
	uint32_t alg;
	unsigned char *sig;
	size_t sig_len;
};

/* ---------------------------------------------------------- module.c */

/* dlopen PATH, take its function list and C_Initialize it.  0, or
 * TOK_E_MODULE with MSG set. */
uint32_t p11_load(struct p11 *p, const char *path, char *msg, size_t msglen);
/* C_Finalize and C_Initialize again: a module (p11-kit's proxy) may learn
 * of readers plugged in since only at its initialisation.  0 or -1. */
int p11_reinit(struct p11 *p);
/* Log out what this helper logged in, close the sessions, C_Finalize.  The
 * library stays mapped: the helper _exits next. */
void p11_close(struct p11 *p);

/* ---------------------------------------------------------- ckr.c */

const char *ckr_name(CK_RV rv);
/* TOK_E_TOKEN_GONE or TOK_E_DEVICE when RV says the token or the reader is
 * gone or failed, else 0. */
uint32_t ckr_token_err(CK_RV rv);
/* CK_TOKEN_INFO flags as TOK_FLAG_*. */
uint32_t p11_flags(CK_FLAGS f);
/* R says that WHAT failed with RV: ERR, or the device error RV is. */
void p11_fail(struct p11_result *r, uint32_t err, uint32_t flags, const char *what, CK_RV rv);
void p11_result_set(struct p11_result *r, uint32_t err, uint32_t flags, const char *msg);
void p11_result_free(struct p11_result *r);

/* ---------------------------------------------------------- list.c */

/* Is a usable token (initialised, and labelled LABEL unless LABEL is "")
 * in slot ID?  Fills TI. */
int p11_token_usable(struct p11 *p, CK_SLOT_ID id, const char *label, CK_TOKEN_INFO *ti);
/* Is there such a token in any slot? */
int p11_token_present(struct p11 *p, const char *label);
/* The certificates of every such token, in slot order, each token's session
 * kept open.  0, or a TOK_E_* with MSG set.  No certificate is a success. */
uint32_t p11_list(struct p11 *p, const char *label, char *msg, size_t msglen);

/* ---------------------------------------------------------- wait.c */

/* Returns 0 once a token labelled LABEL ("" = any) is present, by slot
 * events where the module has them, else by polling; -1 when FD, the
 * module's socket, becomes readable (it hung up: nobody waits any more). */
int p11_wait(struct p11 *p, const char *label, int fd);

/* ---------------------------------------------------------- login.c */

/* A fresh CKU_USER login on slot S's session with PIN (or on the reader's
 * PIN pad): a login some other session left behind is ended first, so the
 * PIN is always checked.  0, or -1 with R filled and the token's flags
 * read after the failure. */
int p11_login_user(struct p11 *p, struct p11_slot *s, const struct tok_sign_req *req,
		   struct p11_result *r);
/* The CKU_CONTEXT_SPECIFIC login a CKA_ALWAYS_AUTHENTICATE key wants after
 * each C_SignInit, with the same PIN. */
int p11_login_context(struct p11 *p, struct p11_slot *s, const struct tok_sign_req *req,
		      struct p11_result *r);

/* ---------------------------------------------------------- mech.c */

/* What is handed to C_Sign. */
enum mech_input {
	MECH_MESSAGE,      /* the challenge: the token hashes (CKM_SHA*_RSA_*, CKM_ECDSA_SHA*) */
	MECH_DIGEST,       /* its digest (raw PSS, raw ECDSA) */
	MECH_DIGESTINFO,   /* its digest in a DigestInfo (raw PKCS#1 v1.5) */
};

struct mech_row {
	CK_MECHANISM_TYPE type;
	uint32_t key;            /* TOK_KEY_* */
	enum mech_input input;
	unsigned hash;           /* 256, 384 or 512; 0: the one that fits the curve */
	int pss;
	uint32_t alg;            /* TOK_ALG_*, with mech_alg for hash 0 */
};

#define MECH_MAX 16
/* The rows of the preference table the token offers for signing with a
 * KEY of BITS, best first, into OUT (MECH_MAX).  Returns how many. */
size_t mech_candidates(struct p11 *p, CK_SLOT_ID slot, uint32_t key, uint32_t bits,
		       const struct mech_row **out);
/* The digest length a row signs with for a key of BITS: 256, 384 or 512,
 * and the TOK_ALG_* of the signature it makes. */
unsigned mech_hash(const struct mech_row *m, uint32_t bits);
uint32_t mech_alg(const struct mech_row *m, uint32_t bits);

/* ---------------------------------------------------------- sign.c */

/* Log in to the token of certificate REQ->index and have its private key
 * (same CKA_ID) sign the challenge by the best mechanism the token offers.
 * Never returns without filling R. */
void p11_sign(struct p11 *p, const struct tok_sign_req *req, struct p11_result *r);

#endif
