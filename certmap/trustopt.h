/* trustopt.h - the trust options that let certmap answer as the module does
 * with its ca_file, ca_dir and crl_file options: --ca-file, --ca-dir and
 * --crl-file, shared by the commands that check a chain. */
#ifndef CERTMAP_TRUSTOPT_H
#define CERTMAP_TRUSTOPT_H

#include <getopt.h>

#include "certchain.h"

/* getopt_long values of the trust options, above any short option. */
enum {
	CM_OPT_CA_FILE = 0x100,
	CM_OPT_CA_DIR,
	CM_OPT_CRL_FILE,
};

/* Entries for a command's struct option table. */
#define CM_TRUST_LONGOPTS \
	{ "ca-file", required_argument, NULL, CM_OPT_CA_FILE }, \
	{ "ca-dir", required_argument, NULL, CM_OPT_CA_DIR }, \
	{ "crl-file", required_argument, NULL, CM_OPT_CRL_FILE }

/* When C (from getopt_long) is a trust option, store ARG in T and return 1;
 * otherwise 0. */
int cm_trust_option(int c, const char *arg, struct trust *t);

/* After the options: -1 with the reason on stderr when T cannot work (a
 * revocation source without an anchor), else 0. */
int cm_trust_check(const struct trust *t);

#endif
