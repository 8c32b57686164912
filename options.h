/* options.h - the module's arguments from the pam.d line (SPEC 3.2),
 * parsed strictly: an unknown or malformed option is an error. */
#ifndef PAM_CERTMAP_OPTIONS_H
#define PAM_CERTMAP_OPTIONS_H

#include <stddef.h>

#include "certchain.h"

enum cert_source {
	SOURCE_PKCS11 = 0,
	SOURCE_ENV,
};

struct options {
	const char *mapfile;    /* default MAPFILE_DEFAULT_PATH */
	const char *location;   /* NULL: the PAM service name */
	enum cert_source source;
	const char *env;        /* default SSL_CLIENT_CERT */
	const char *domain;     /* NULL when not given */
	const char *pkcs11_module;  /* default DEFAULT_PKCS11_MODULE */
	const char *token_label;    /* NULL: every token */
	int token_timeout;          /* seconds, default OPTIONS_DEFAULT_TIMEOUT */
	int wait_for_card;          /* seconds to wait for a token when none is there; 0 */
	const char *ca_file, *ca_dir, *crl_file, *crl_dir;  /* NULL when not given */
	enum trust_ocsp ocsp;       /* default off */
	const char *ocsp_url;       /* NULL: the certificate's AIA */
	int ocsp_timeout;           /* seconds; 0 (not given): TRUST_OCSP_DEFAULT_TIMEOUT */
	int use_first_pass;
	int try_first_pass;
	int process_env;
	int allow_expired;
	int debug;
};

#define OPTIONS_DEFAULT_ENV "SSL_CLIENT_CERT"
#define OPTIONS_DEFAULT_TIMEOUT 10
#define OPTIONS_MAX_TIMEOUT 300

/* Fill O from ARGV.  Values point into ARGV, which outlives the call to the
 * module.  On error returns -1 with a message in ERR; 0 on success. */
int options_parse(int argc, const char **argv, struct options *o, char *err, size_t errlen);

#endif
