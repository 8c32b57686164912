/* trustopt.c - certmap's trust options into a struct trust, the same the
 * module fills from its options, checked by the same rules. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cmd.h"
#include "certmap/trustopt.h"
#include "ocspfetch.h"

#ifndef OCSP_HELPER_PATH
#error "OCSP_HELPER_PATH must name the installed pam_certmap_ocsp"
#endif

static int ocsp_mode(const char *arg, struct trust *t)
{
	if (strcmp(arg, "off") == 0)
		t->ocsp = TRUST_OCSP_OFF;
	else if (strcmp(arg, "soft") == 0)
		t->ocsp = TRUST_OCSP_SOFT;
	else if (strcmp(arg, "require") == 0)
		t->ocsp = TRUST_OCSP_REQUIRE;
	else {
		cm_err("--ocsp is off, soft or require, not '%s'", arg);
		return -1;
	}
	return 1;
}

static int ocsp_seconds(const char *arg, struct trust *t)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || errno != 0 || *end != '\0' || v < 1 || v > 300) {
		cm_err("--ocsp-timeout is a whole number of seconds, 1 to 300, not '%s'", arg);
		return -1;
	}
	t->ocsp_timeout = (int)v;
	return 1;
}

int cm_trust_option(int c, const char *arg, struct trust *t)
{
	t->ocsp_helper = OCSP_HELPER_PATH;
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
	case CM_OPT_CRL_DIR:
		t->crl_dir = arg;
		return 1;
	case CM_OPT_OCSP:
		return ocsp_mode(arg, t);
	case CM_OPT_OCSP_URL:
		if (!ocspfetch_url_ok(arg)) {
			cm_err("--ocsp-url takes an http:// URL, not '%s'", arg);
			return -1;
		}
		t->ocsp_url = arg;
		return 1;
	case CM_OPT_OCSP_TIMEOUT:
		return ocsp_seconds(arg, t);
	default:
		return 0;
	}
}

int cm_trust_check(const struct trust *t)
{
	const char *rev = t->crl_file != NULL ? "--crl-file" : t->crl_dir != NULL ? "--crl-dir" :
			  t->ocsp != TRUST_OCSP_OFF ? "--ocsp" : NULL;

	if (rev != NULL && !trust_has_anchors(t)) {
		cm_err("%s needs --ca-file or --ca-dir", rev);
		return -1;
	}
	if (t->ocsp == TRUST_OCSP_OFF && (t->ocsp_url != NULL || t->ocsp_timeout != 0)) {
		cm_err("%s needs --ocsp soft or --ocsp require",
		       t->ocsp_url != NULL ? "--ocsp-url" : "--ocsp-timeout");
		return -1;
	}
	return 0;
}
