/* helper.h - the two halves of pam_certmap_token: main.c speaks the protocol
 * of tokproto.h, p11.c does the PKCS#11 work through libp11. */
#ifndef PAM_CERTMAP_TOKEN_HELPER_H
#define PAM_CERTMAP_TOKEN_HELPER_H

#include <stddef.h>
#include <stdint.h>

/* The loaded module, its slots and the certificates found; opaque. */
struct p11;

/* One certificate as sent in TOK_CERTS.  Owned by the struct p11: these are
 * copies, because libp11 frees its own objects on logout. */
struct p11_cert {
	uint32_t slot_index;    /* index in the slot enumeration */
	char *label;
	char *serial;
	uint32_t flags;         /* TOK_FLAG_* */
	unsigned char *der;
	size_t der_len;
	unsigned char *id;      /* CKA_ID */
	size_t id_len;
};

/* The answer to TOK_SIGN: err == 0 with alg and sig, or a TOK_E_* with the
 * token flags read after the failure and a message for the log. */
struct p11_result {
	uint32_t err;
	uint32_t flags;
	char msg[256];
	uint32_t alg;
	unsigned char *sig;
	size_t sig_len;
};

struct p11 *p11_new(void);
void p11_free(struct p11 *p);

/* Loads MODULE and collects the certificates of every token (whose label is
 * LABEL unless it is empty), in slot order.  Returns 0 or a TOK_E_* with MSG
 * set.  No certificate at all is a success. */
uint32_t p11_list(struct p11 *p, const char *module, const char *label, char *msg,
		  size_t msglen);
size_t p11_count(const struct p11 *p);
const struct p11_cert *p11_cert_at(const struct p11 *p, size_t i);

/* Fresh login with PIN to the token of certificate I, then a signature over
 * CHAL with the private key of the same CKA_ID.  PIN is wiped in place as
 * soon as the login returned.  Never fails without filling R. */
void p11_sign(struct p11 *p, size_t i, char *pin, const unsigned char *chal, size_t chal_len,
	      struct p11_result *r);
void p11_result_free(struct p11_result *r);

#endif
