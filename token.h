/* token.h - the module's side of pam_certmap_token: spawn it, list the
 * tokens' certificates (waiting for a card if asked), have it sign a fresh
 * challenge, verify the answer. */
#ifndef PAM_CERTMAP_TOKEN_H
#define PAM_CERTMAP_TOKEN_H

#include <security/pam_modules.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"
#include "subproc.h"
#include "tokparse.h"

/* A PIN pad user types the PIN while the helper waits in C_Login: the
 * answer may take this much longer than token_timeout. */
#define TOKEN_PINPAD_MS 60000

struct token_session {
	pam_handle_t *pamh;
	struct spawned sp;       /* the helper; sp.fd is the socket to it */
	int timeout_ms;
	struct token_cert *certs;
	size_t ncerts;
	uint32_t last_err;       /* TOK_E_* of the last refused signature, else 0 */
	uint32_t flags_after;    /* token flags the helper reported with an error */
	uint32_t alg;            /* TOK_ALG_* of the signature that verified */
};

/* Start the helper and list the certificates of every token (filtered by
 * token_label).  With wait_for_card and no token, the user is told to
 * insert one and the list comes when one arrived.  PAM_SUCCESS (possibly
 * with no certificate), or PAM_AUTHINFO_UNAVAIL (no card in time, helper or
 * PKCS#11 module failed, timed out, crashed) or PAM_BUF_ERR, logged. */
int token_open(struct token_session *ts, pam_handle_t *pamh, const struct options *o);

/* Log in to the token of certificate IDX with PIN (on the reader's PIN pad
 * when PINPAD, PIN then empty) and have the key with the certificate's ID
 * sign a fresh challenge; verify it against MAPPED.  PAM_SUCCESS only when
 * the signature verifies.  Otherwise PAM_AUTH_ERR (wrong or expired PIN,
 * no key, bad signature), PAM_MAXTRIES (PIN locked), PAM_AUTHINFO_UNAVAIL
 * (token removed, device error, helper failed), PAM_BUF_ERR; WHY says
 * which, ts->last_err and ts->flags_after what the token said.  The helper
 * takes another request after a refused PIN. */
int token_prove(struct token_session *ts, size_t idx, const char *pin, int pinpad,
		X509 *mapped, char *why, size_t whylen);

/* Stop the helper and free everything. */
void token_close(struct token_session *ts);

#endif
