/* pam_certmap.c - the PAM entry points and the order of the steps (SPEC 3.1);
 * each step lives in its own function or file. */
#include "config.h"

#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cert.h"
#include "decide.h"
#include "mapfile.h"
#include "options.h"
#include "source_env.h"

#define PAM_CERTMAP_EXPORT __attribute__((visibility("default")))

/* What one call works on; everything it owns is freed in request_free. */
struct request {
	pam_handle_t *pamh;
	const struct options *opt;
	const char *location;
	const char *pam_user;   /* NULL when unset or empty */
	X509 *cert;
	unsigned char *der;
	size_t der_len;
	struct mapfile *mf;
	char *account;
	char sha256[65];
	char *subject;
};

static void request_free(struct request *rq)
{
	X509_free(rq->cert);
	OPENSSL_free(rq->der);
	OPENSSL_free(rq->subject);
	mapfile_free(rq->mf);
	free(rq->account);
}

static int request_init(struct request *rq, pam_handle_t *pamh, const struct options *opt)
{
	const void *service = NULL, *user = NULL;

	memset(rq, 0, sizeof(*rq));
	rq->pamh = pamh;
	rq->opt = opt;
	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || service == NULL) {
		pam_syslog(pamh, LOG_ERR, "the application gave no PAM service name");
		return PAM_SERVICE_ERR;
	}
	rq->location = opt->location ? opt->location : service;
	/* PAM_USER as the application set it; the module never prompts for it. */
	if (pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS && user != NULL &&
	    *(const char *)user != '\0')
		rq->pam_user = user;
	return PAM_SUCCESS;
}

/* Fingerprint and subject of the candidate, for the log lines. */
static int request_describe(struct request *rq)
{
	if (cert_der(rq->cert, &rq->der, &rq->der_len) != CERT_OK ||
	    cert_sha256_hex(rq->cert, rq->sha256) != CERT_OK ||
	    (rq->subject = cert_subject(rq->cert)) == NULL)
		return PAM_BUF_ERR;
	return PAM_SUCCESS;
}

static int load_mapfile(struct request *rq)
{
	const unsigned char *der[1] = { rq->der };
	size_t len[1] = { rq->der_len };
	struct mapfile_params p = { .cand_der = der, .cand_len = len, .ncand = rq->der ? 1 : 0 };
	struct mapfile_error err;

	switch (mapfile_load(rq->opt->mapfile, &p, &rq->mf, &err)) {
	case MAPFILE_OK:
		return PAM_SUCCESS;
	case MAPFILE_NOMEM:
		pam_syslog(rq->pamh, LOG_ERR, "mapping file %s: out of memory", rq->opt->mapfile);
		return PAM_BUF_ERR;
	default:
		if (err.line > 0)
			pam_syslog(rq->pamh, LOG_ERR, "mapping file %s: %lu:%lu: %s",
				   rq->opt->mapfile, err.line, err.column, err.reason);
		else
			pam_syslog(rq->pamh, LOG_ERR, "mapping file %s: %s", rq->opt->mapfile,
				   err.reason);
		return PAM_AUTHINFO_UNAVAIL;
	}
}

static void log_decision(const struct request *rq, int rc, const char *why)
{
	const char *user = rq->pam_user ? rq->pam_user : "(none)";

	if (rc == PAM_SUCCESS)
		pam_syslog(rq->pamh, LOG_NOTICE, "granted: user '%s' location '%s' certificate "
			   "sha256:%s subject '%s'", rq->account, rq->location, rq->sha256,
			   rq->subject);
	else
		pam_syslog(rq->pamh, LOG_WARNING, "denied: %s: user '%s' location '%s' "
			   "certificate sha256:%s subject '%s'", why, user, rq->location,
			   rq->sha256, rq->subject);
}

/* PAM_USER was empty: the certificate names the user, as at a console. */
static int set_user(struct request *rq)
{
	int rc;

	if (rq->pam_user != NULL)
		return PAM_SUCCESS;
	rc = pam_set_item(rq->pamh, PAM_USER, rq->account);
	if (rc != PAM_SUCCESS)
		pam_syslog(rq->pamh, LOG_ERR, "cannot set the user: %s", pam_strerror(rq->pamh, rc));
	return rc;
}

static int authenticate(struct request *rq)
{
	char why[512] = "";
	struct decide_in in;
	int ret = PAM_AUTH_ERR;
	int env_rc, rc;

	env_rc = source_env_read(rq->pamh, rq->opt, &rq->cert, why, sizeof(why));
	if (env_rc == PAM_SUCCESS && (rc = request_describe(rq)) != PAM_SUCCESS) {
		ret = rc;
		goto out;
	}
	rc = load_mapfile(rq);
	if (rc != PAM_SUCCESS) {
		ret = rc;
		goto out;
	}
	in = (struct decide_in){ rq->opt, rq->mf, rq->location, rq->pam_user, time(NULL) };
	rc = decide_enabled(&in, why, sizeof(why));
	if (rc != PAM_SUCCESS || env_rc != PAM_SUCCESS) {
		pam_syslog(rq->pamh, LOG_WARNING, "denied: %s", why);
		ret = rc != PAM_SUCCESS ? rc : env_rc;
		goto out;
	}
	rc = decide_candidate(&in, rq->cert, 0, &rq->account, why, sizeof(why));
	if (rc == PAM_SUCCESS)
		rc = set_user(rq);
	log_decision(rq, rc, why);
	if (rc != PAM_SUCCESS) {
		ret = rc;
		goto out;
	}
	ret = PAM_SUCCESS;  /* the only place a success is made */
out:
	return ret;
}

PAM_CERTMAP_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
					   const char **argv)
{
	struct options opt;
	struct request rq;
	char err[256];
	int rc;

	(void)flags;
	if (options_parse(argc, argv, &opt, err, sizeof(err)) != 0) {
		pam_syslog(pamh, LOG_ERR, "%s", err);
		return PAM_SERVICE_ERR;
	}
	rc = request_init(&rq, pamh, &opt);
	if (rc == PAM_SUCCESS)
		rc = authenticate(&rq);
	request_free(&rq);
	return rc;
}

PAM_CERTMAP_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
