/* decide.h - what the mapping file and the account database say of one
 * candidate certificate (SPEC 3.1 steps 4 and 5). */
#ifndef PAM_CERTMAP_DECIDE_H
#define PAM_CERTMAP_DECIDE_H

#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include <security/pam_modules.h>

#include "mapfile.h"
#include "options.h"
#include "request.h"

struct decide_in {
	pam_handle_t *pamh;     /* for LOG_ERR on configuration problems */
	const struct options *opt;
	const struct mapfile *mf;
	const char *location;
	const char *pam_user;   /* NULL when PAM_USER is unset or empty */
	STACK_OF(X509) *untrusted;  /* more intermediates for the chain, or NULL */
	int recheck;            /* the certificate passed its time, chain and revocation
				 * checks in this request already: decide the mapping and
				 * the account again, without the network or the clock */
	time_t now;
	struct revocation *rev; /* how revocation was checked, for the log (the request's) */
};

/* Fill IN from the request, with the current time. */
void decide_init(struct decide_in *in, struct request *rq);

/* Does certificate X (candidate CAND of the load) map, at the location, to
 * an existing account that may authenticate as pam_user?  A one-to-one
 * entry decides, else the first matching many-to-one mapping (SPEC 2.7),
 * which counts only with trust anchors and a verified chain.  Returns a PAM
 * code; on PAM_SUCCESS *account is the local account name (malloc'd).
 * WHY is the reason of a failure, for the log. */
int decide_candidate(const struct decide_in *in, X509 *x, int cand, char **account,
		     char *why, size_t whylen);

/* Does the file decide anything for certificate X, candidate CAND, at the
 * location: an entry whatever its flags, or a matching many-to-one mapping? */
int decide_has_entry(const struct decide_in *in, X509 *x, int cand);

/* PAM_AUTHINFO_UNAVAIL with a reason when mapping is off at the location:
 * the section disabled, or no collection usable (SPEC 2.7). */
int decide_enabled(const struct decide_in *in, char *why, size_t whylen);

#endif
