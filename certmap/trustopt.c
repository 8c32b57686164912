/* trustopt.c - --ca-file, --ca-dir and --crl-file into a struct trust, the
 * same the module fills from its options. */
#include "config.h"

#include "certmap/cmd.h"
#include "certmap/trustopt.h"

int cm_trust_option(int c, const char *arg, struct trust *t)
{
	switch (c) {
	case CM_OPT_CA_FILE:
		t->ca_file = arg;
		return 1;
	case CM_OPT_CA_DIR:
		t->ca_dir = arg;
		return 1;
	case CM_OPT_CRL_FILE:
		t->crl_file = arg;
		return 1;
	default:
		return 0;
	}
}

int cm_trust_check(const struct trust *t)
{
	if (t->crl_file != NULL && !trust_has_anchors(t)) {
		cm_err("--crl-file needs --ca-file or --ca-dir");
		return -1;
	}
	return 0;
}
