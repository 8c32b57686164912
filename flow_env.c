/* flow_env.c - SPEC 3.1 for source=env: one candidate, vouched for by the
 * TLS-terminating service, so no possession proof. */
#include "config.h"
#include "flow.h"
#include "cert.h"
#include "decide.h"
#include "source_env.h"

#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <syslog.h>
#include <time.h>

int flow_env(struct request *rq)
{
	const unsigned char *der[1] = { NULL };
	size_t len[1] = { 0 };
	unsigned char *d = NULL;
	char why[512] = "";
	struct decide_in in;
	X509 *x = NULL;
	int env_rc, rc;

	env_rc = source_env_read(rq->pamh, rq->opt, &x, why, sizeof(why));
	if (env_rc == PAM_SUCCESS && cert_der(x, &d, &len[0]) != CERT_OK) {
		rc = PAM_BUF_ERR;
		goto out;
	}
	der[0] = d;
	rc = request_load_mapfile(rq, der, len, d != NULL ? 1 : 0);
	if (rc != PAM_SUCCESS)
		goto out;
	decide_init(&in, rq);
	rc = decide_enabled(&in, why, sizeof(why));
	if (rc != PAM_SUCCESS || env_rc != PAM_SUCCESS) {
		pam_syslog(rq->pamh, LOG_WARNING, "denied: %s", why);
		rc = rc != PAM_SUCCESS ? rc : env_rc;
		goto out;
	}
	rc = decide_candidate(&in, x, 0, &rq->account, why, sizeof(why));
	if (rc != PAM_SUCCESS) {
		request_log(rq, x, rc, why);
		goto out;
	}
	rq->chosen = x;
	x = NULL;
out:
	OPENSSL_free(d);
	X509_free(x);
	return rc;
}
