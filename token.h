/* token.h - the module's side of pam_certmap_token: spawn it, list the
 * tokens' certificates, have it sign a fresh challenge, verify the answer. */
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

#define TOKEN_CHALLENGE_LEN 32

struct token_session {
	pam_handle_t *pamh;
	struct spawned sp;       /* the helper; sp.fd is the socket to it */
	int timeout_ms;
	struct token_cert *certs;
	size_t ncerts;
	uint32_t flags_after;    /* token flags the helper reported with an error */
};

/* Start the helper and list the certificates of every token (filtered by
 * token_label).  PAM_SUCCESS (possibly with no certificate), or
 * PAM_AUTHINFO_UNAVAIL (helper or PKCS#11 module failed, timed out,
 * crashed) or PAM_BUF_ERR, logged. */
int token_open(struct token_session *ts, pam_handle_t *pamh, const struct options *o);

/* Log in to the token of certificate IDX with PIN and have the key with the
 * certificate's ID sign a fresh challenge; verify it against MAPPED.
 * PAM_SUCCESS only when the signature verifies.  Otherwise PAM_AUTH_ERR
 * (wrong PIN, no key, bad signature), PAM_MAXTRIES (PIN locked),
 * PAM_AUTHINFO_UNAVAIL (helper failed), PAM_BUF_ERR; WHY says which. */
int token_prove(struct token_session *ts, size_t idx, const char *pin, X509 *mapped,
		char *why, size_t whylen);

/* Stop the helper and free everything. */
void token_close(struct token_session *ts);

#endif
