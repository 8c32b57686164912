/* pam_certmap.c - the PAM entry points: parse the options, run the flow of
 * the configured source, and grant in the one place a success is made. */
#include "config.h"

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <syslog.h>

#include "flow.h"
#include "options.h"
#include "request.h"

#define PAM_CERTMAP_EXPORT __attribute__((visibility("default")))

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

/* Display managers read the token's name from the PAM environment. */
static int export_token(struct request *rq)
{
	char var[300];
	int rc;

	if (rq->token_label == NULL)
		return PAM_SUCCESS;
	snprintf(var, sizeof(var), "PKCS11_LOGIN_TOKEN_NAME=%s", rq->token_label);
	rc = pam_putenv(rq->pamh, var);
	if (rc != PAM_SUCCESS)
		pam_syslog(rq->pamh, LOG_ERR, "cannot export PKCS11_LOGIN_TOKEN_NAME: %s",
			   pam_strerror(rq->pamh, rc));
	return rc;
}

static int authenticate(struct request *rq)
{
	int ret = PAM_AUTH_ERR;
	int rc;

	rc = rq->opt->source == SOURCE_ENV ? flow_env(rq) : flow_token(rq);
	if (rc == PAM_SUCCESS && (rq->chosen == NULL || rq->account == NULL))
		rc = PAM_AUTH_ERR;  /* a flow must name what it proved */
	if (rc == PAM_SUCCESS)
		rc = set_user(rq);
	if (rc == PAM_SUCCESS)
		rc = export_token(rq);
	if (rc != PAM_SUCCESS) {
		ret = rc;
		goto out;
	}
	request_log(rq, rq->chosen, PAM_SUCCESS, NULL);
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

	if (options_parse(argc, argv, &opt, err, sizeof(err)) != 0) {
		pam_syslog(pamh, LOG_ERR, "%s", err);
		return PAM_SERVICE_ERR;
	}
	rc = request_init(&rq, pamh, flags, &opt);
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
