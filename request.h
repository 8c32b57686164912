/* request.h - one call of pam_sm_authenticate: what it was asked, what it
 * owns, and the log lines every source writes the same way. */
#ifndef PAM_CERTMAP_REQUEST_H
#define PAM_CERTMAP_REQUEST_H

#include <security/pam_modules.h>
#include <openssl/x509.h>
#include <stddef.h>

#include "certchain.h"
#include "mapfile.h"
#include "options.h"

struct request {
	pam_handle_t *pamh;
	int flags;              /* PAM_SILENT ... */
	const struct options *opt;
	const char *location;
	const char *pam_user;   /* NULL when unset or empty */
	struct mapfile *mf;
	char *account;          /* the local account the chosen certificate maps to */
	X509 *chosen;           /* the certificate that proved itself */
	char *token_label;      /* token of the chosen certificate, pkcs11 only */
	struct revocation rev;  /* how the logged certificate's revocation was checked */
};

/* PAM_SUCCESS or PAM_SERVICE_ERR (no service name). */
int request_init(struct request *rq, pam_handle_t *pamh, int flags, const struct options *opt);
void request_free(struct request *rq);

/* Load the mapping file with these candidate certificates (DER), in place
 * of any loaded before; a PAM code. */
int request_load_mapfile(struct request *rq, const unsigned char *const *der,
			 const size_t *len, size_t n);

/* The one log line of a decision about certificate X, with rq->rev. */
void request_log(const struct request *rq, X509 *x, int rc, const char *why);

#endif
