/* trustopt.h - the trust options that let certmap answer as the module does
 * with its ca_file, ca_dir, crl_file, crl_dir and ocsp* options: --ca-file,
 * --ca-dir, --crl-file, --crl-dir, --ocsp, --ocsp-url and --ocsp-timeout,
 * shared by the commands that check a chain. */
#ifndef CERTMAP_TRUSTOPT_H
#define CERTMAP_TRUSTOPT_H

#include <getopt.h>

#include "certchain.h"

/* getopt_long values of the trust options, above any short option. */
enum {
	CM_OPT_CA_FILE = 0x100,
	CM_OPT_CA_DIR,
	CM_OPT_CRL_FILE,
	CM_OPT_CRL_DIR,
	CM_OPT_OCSP,
	CM_OPT_OCSP_URL,
	CM_OPT_OCSP_TIMEOUT,
};

/* Entries for a command's struct option table. */
#define CM_TRUST_LONGOPTS \
	{ "ca-file", required_argument, NULL, CM_OPT_CA_FILE }, \
	{ "ca-dir", required_argument, NULL, CM_OPT_CA_DIR }, \
	{ "crl-file", required_argument, NULL, CM_OPT_CRL_FILE }, \
	{ "crl-dir", required_argument, NULL, CM_OPT_CRL_DIR }, \
	{ "ocsp", required_argument, NULL, CM_OPT_OCSP }, \
	{ "ocsp-url", required_argument, NULL, CM_OPT_OCSP_URL }, \
	{ "ocsp-timeout", required_argument, NULL, CM_OPT_OCSP_TIMEOUT }

/* When C (from getopt_long) is a trust option, store ARG in T and return 1;
 * -1 with the reason on stderr when ARG is not a value it takes; otherwise 0.
 * T starts zeroed; any call also names the OCSP helper in it. */
int cm_trust_option(int c, const char *arg, struct trust *t);

/* After the options: -1 with the reason on stderr when T cannot work (a
 * revocation source without an anchor, OCSP details with OCSP off), else 0. */
int cm_trust_check(const struct trust *t);

#endif
