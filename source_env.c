/* source_env.c - take the client certificate from the PAM environment, or
 * with process_env from the process environment of a non-setuid caller. */
#include "config.h"
#include "source_env.h"
#include "cert.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>

int source_env_read(pam_handle_t *pamh, const struct options *o, X509 **out,
		    char *why, size_t whylen)
{
	const char *value = pam_getenv(pamh, o->env);
	char reason[256];

	*out = NULL;
	/* secure_getenv: in setuid programs (sudo, su) the invoker writes the
	 * environment, so it is never read there. */
	if (value == NULL && o->process_env)
		value = secure_getenv(o->env);
	if (value == NULL) {
		snprintf(why, whylen, "variable %s is not set", o->env);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (value[0] == '\0') {
		snprintf(why, whylen, "variable %s is empty", o->env);
		return PAM_AUTHINFO_UNAVAIL;
	}
	switch (cert_from_env(value, out, reason, sizeof(reason))) {
	case CERT_OK:
		return PAM_SUCCESS;
	case CERT_NOMEM:
		snprintf(why, whylen, "out of memory decoding variable %s", o->env);
		return PAM_BUF_ERR;
	default:
		snprintf(why, whylen, "variable %s is not a certificate: %s", o->env, reason);
		return PAM_AUTH_ERR;
	}
}
