/* source_env.h - the env certificate source (SPEC 3.3): the PEM a
 * TLS-terminating service put in the PAM environment. */
#ifndef PAM_CERTMAP_SOURCE_ENV_H
#define PAM_CERTMAP_SOURCE_ENV_H

#include <security/pam_modules.h>
#include <openssl/x509.h>
#include "options.h"

/* Read and decode the certificate.  Returns PAM_SUCCESS with *out set, or
 * PAM_AUTHINFO_UNAVAIL (variable unset or empty), PAM_AUTH_ERR (not a
 * certificate) or PAM_BUF_ERR, with the reason in WHY. */
int source_env_read(pam_handle_t *pamh, const struct options *o, X509 **out,
		    char *why, size_t whylen);

#endif
