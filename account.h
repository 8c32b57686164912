/* account.h - from a mapped userName to a local account (SPEC 3.4). */
#ifndef PAM_CERTMAP_ACCOUNT_H
#define PAM_CERTMAP_ACCOUNT_H

#include <stddef.h>

enum account_status {
	ACCOUNT_OK = 0,
	ACCOUNT_UNKNOWN,   /* no such local account */
	ACCOUNT_ERROR,     /* the user database could not be asked */
	ACCOUNT_NOMEM,
};

/* Resolve NAME: verbatim when such an account exists, else for DOMAIN\name,
 * name@DOMAIN or .\name, where DOMAIN is ".", DEFAULT_DOMAIN or OPT_DOMAIN
 * (without case; either may be NULL), the bare name.  On ACCOUNT_OK, *out is
 * the account's name, newly allocated. */
enum account_status account_resolve(const char *name, const char *default_domain,
				    const char *opt_domain, char **out);

/* The bare name account_resolve tries after NAME itself: for DOMAIN\name or
 * name@DOMAIN when DOMAIN is ".", DEFAULT_DOMAIN or OPT_DOMAIN, newly
 * allocated; NULL when there is none, *NOMEM set when memory ran out. */
char *account_bare_name(const char *name, const char *default_domain, const char *opt_domain,
			int *nomem);

#endif
