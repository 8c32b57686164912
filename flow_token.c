/* flow_token.c - SPEC 3.1 for source=pkcs11: look every token certificate
 * up first, ask for a PIN only when one maps, then have the token prove it
 * holds the mapped certificate's key. */
#include "config.h"
#include "flow.h"
#include "decide.h"
#include "pin.h"
#include "token.h"
#include "tokproto.h"

#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* The candidates' DER for one pass over the mapping file. */
static int load_candidates(struct request *rq, const struct token_session *ts)
{
	const unsigned char **der = calloc(ts->ncerts, sizeof(*der));
	size_t *len = calloc(ts->ncerts, sizeof(*len));
	int rc = PAM_BUF_ERR;

	if (der != NULL && len != NULL) {
		for (size_t i = 0; i < ts->ncerts; i++) {
			der[i] = ts->certs[i].der;
			len[i] = ts->certs[i].der_len;
		}
		rc = request_load_mapfile(rq, der, len, ts->ncerts);
	}
	free(der);
	free(len);
	return rc;
}

/* The first certificate, in slot order, that maps to an account that may
 * log in.  When none does, the answer of the first that had an entry. */
static int choose(struct request *rq, const struct token_session *ts, size_t *chosen)
{
	char why[512] = "", first_why[512] = "no mapping for any certificate on the tokens";
	int first_rc = PAM_AUTH_ERR, have_first = 0;
	struct revocation first_rev = rq->rev;
	struct decide_in in;
	size_t first = 0;

	decide_init(&in, rq);
	for (size_t i = 0; i < ts->ncerts; i++) {
		int rc = decide_candidate(&in, ts->certs[i].x509, (int)i, &rq->account, why,
					  sizeof(why));

		if (rc == PAM_SUCCESS) {
			*chosen = i;
			return PAM_SUCCESS;
		}
		if (rq->opt->debug)
			pam_syslog(rq->pamh, LOG_DEBUG, "token '%s' certificate %zu: %s",
				   ts->certs[i].label, i, why);
		if (!have_first && decide_has_entry(&in, ts->certs[i].x509, (int)i)) {
			have_first = 1;
			first = i;
			first_rc = rc;
			first_rev = rq->rev;
			snprintf(first_why, sizeof(first_why), "%s", why);
		}
	}
	if (have_first)
		rq->rev = first_rev;  /* the logged certificate's, not the last one's */
	request_log(rq, ts->certs[first].x509, first_rc, first_why);
	return first_rc;
}

static int check_enabled(struct request *rq)
{
	struct decide_in in;
	char why[256];
	int rc;

	decide_init(&in, rq);
	rc = decide_enabled(&in, why, sizeof(why));
	if (rc != PAM_SUCCESS)
		pam_syslog(rq->pamh, LOG_WARNING, "denied: %s", why);
	return rc;
}

/* PIN, login and signature for the chosen certificate. */
static int prove(struct request *rq, struct token_session *ts, size_t i)
{
	const struct token_cert *c = &ts->certs[i];
	char why[512] = "";
	char *pin = NULL;
	int rc;

	rc = pin_announce(rq->pamh, rq->flags, c->label, c->flags);
	if (rc != PAM_SUCCESS) {
		snprintf(why, sizeof(why), "PIN of token '%s' is locked", c->label);
		goto out;
	}
	rc = pin_get(rq->pamh, rq->opt, c->label, &pin);
	if (rc != PAM_SUCCESS) {
		snprintf(why, sizeof(why), "%s", rc == PAM_CONV_ERR ? "the conversation failed" :
			 "no PIN was given");
		goto out;
	}
	rc = token_prove(ts, i, pin, c->x509, why, sizeof(why));
	if (rc == PAM_AUTH_ERR && (ts->flags_after & (TOK_FLAG_PIN_FINAL_TRY | TOK_FLAG_PIN_COUNT_LOW)))
		pin_announce(rq->pamh, rq->flags, c->label, ts->flags_after);
out:
	pin_free(pin);
	if (rc != PAM_SUCCESS)
		request_log(rq, c->x509, rc, why);
	return rc;
}

int flow_token(struct request *rq)
{
	struct token_session ts;
	size_t chosen = 0;
	int rc;

	rc = token_open(&ts, rq->pamh, rq->opt);
	if (rc != PAM_SUCCESS)
		goto out;
	if (ts.ncerts == 0) {
		pam_syslog(rq->pamh, LOG_WARNING, "denied: no token with a certificate");
		rc = PAM_AUTHINFO_UNAVAIL;
		goto out;
	}
	rc = load_candidates(rq, &ts);
	if (rc == PAM_SUCCESS)
		rc = check_enabled(rq);
	if (rc == PAM_SUCCESS)
		rc = choose(rq, &ts, &chosen);
	if (rc == PAM_SUCCESS)
		rc = prove(rq, &ts, chosen);
	if (rc != PAM_SUCCESS)
		goto out;
	rq->token_label = strdup(ts.certs[chosen].label);
	if (X509_up_ref(ts.certs[chosen].x509) == 1)
		rq->chosen = ts.certs[chosen].x509;
	if (rq->token_label == NULL || rq->chosen == NULL)
		rc = PAM_BUF_ERR;
out:
	token_close(&ts);
	return rc;
}
