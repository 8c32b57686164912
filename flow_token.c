/* flow_token.c - SPEC 3.1 for source=pkcs11: look every token certificate
 * up first, ask for a PIN only when one maps, have the token prove it holds
 * the mapped certificate's key, then decide again on the file as it is. */
#include "config.h"
#include "flow.h"
#include "decide.h"
#include "pin.h"
#include "token.h"
#include "tokproto.h"
#include "tokverify.h"

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

/* The other certificates on the token of candidate I, as untrusted chain
 * material: a card often holds its user's intermediate CA.  Trust still
 * ends at ca_file/ca_dir.  The stack does not own them; NULL when there
 * are none (or no memory: fewer intermediates can only deny). */
static STACK_OF(X509) *token_chain(const struct token_session *ts, size_t i)
{
	STACK_OF(X509) *sk = NULL;

	for (size_t j = 0; j < ts->ncerts; j++) {
		if (j == i || ts->certs[j].slot != ts->certs[i].slot)
			continue;
		if (sk == NULL && (sk = sk_X509_new_null()) == NULL)
			return NULL;
		if (sk_X509_push(sk, ts->certs[j].x509) <= 0)
			break;
	}
	return sk;
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
		STACK_OF(X509) *chain = token_chain(ts, i);
		int rc;

		in.untrusted = chain;
		rc = decide_candidate(&in, ts->certs[i].x509, (int)i, &rq->account, why,
				      sizeof(why));
		sk_X509_free(chain);
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

/* try_first_pass: a PAM_AUTHTOK the token refused as a PIN (the password of
 * an earlier module, most likely) earns one prompt. */
static int may_ask_again(const struct request *rq, const struct token_session *ts, int rc,
			 enum pin_source src)
{
	return rq->opt->try_first_pass && src == PIN_AUTHTOK && rc == PAM_AUTH_ERR &&
	       (ts->last_err == TOK_E_PIN_INCORRECT || ts->last_err == TOK_E_PIN_INVALID ||
		ts->last_err == TOK_E_LOGIN);
}

/* The PIN typed or taken from PAM_AUTHTOK, and the token's signature. */
static int prove_with_pin(struct request *rq, struct token_session *ts, size_t i, char *why,
			  size_t whylen)
{
	const struct token_cert *c = &ts->certs[i];
	enum pin_source src = PIN_TYPED;
	char *pin = NULL;
	int rc;

	rc = pin_get(rq->pamh, rq->opt, c->label, &pin, &src);
	if (rc == PAM_SUCCESS) {
		rc = token_prove(ts, i, pin, 0, c->x509, why, whylen);
		if (may_ask_again(rq, ts, rc, src)) {
			if (rq->opt->debug)
				pam_syslog(rq->pamh, LOG_DEBUG, "PAM_AUTHTOK is not the PIN of "
					   "token '%s': asking", c->label);
			pin_refused(rq->pamh, rq->flags, c->label, ts->last_err, ts->flags_after);
			ts->last_err = 0;  /* told; what the next try says is told after it */
			pin_free(pin);
			rc = pin_ask(rq->pamh, c->label, &pin);
			if (rc == PAM_SUCCESS)
				rc = token_prove(ts, i, pin, 0, c->x509, why, whylen);
		}
	}
	if (rc == PAM_CONV_ERR || rc == PAM_CRED_INSUFFICIENT)
		snprintf(why, whylen, "%s", rc == PAM_CONV_ERR ? "the conversation failed" :
			 "no PIN was given");
	pin_free(pin);
	return rc;
}

/* PIN (typed, from PAM_AUTHTOK or on the reader), login and signature for
 * the chosen certificate. */
static int prove(struct request *rq, struct token_session *ts, size_t i)
{
	const struct token_cert *c = &ts->certs[i];
	char why[512] = "";
	int rc;

	rc = pin_announce(rq->pamh, rq->flags, c->label, c->flags);
	if (rc != PAM_SUCCESS) {
		snprintf(why, sizeof(why), "PIN of token '%s' is locked", c->label);
	} else if (c->flags & TOK_FLAG_PROTECTED_AUTH) {
		pin_pad_notice(rq->pamh, c->label);
		rc = token_prove(ts, i, "", 1, c->x509, why, sizeof(why));
	} else {
		rc = prove_with_pin(rq, ts, i, why, sizeof(why));
	}
	if (rc != PAM_SUCCESS && ts->last_err != 0)
		pin_refused(rq->pamh, rq->flags, c->label, ts->last_err, ts->flags_after);
	if (rc != PAM_SUCCESS)
		request_log(rq, c->x509, rc, why);
	else if (rq->opt->debug)
		pam_syslog(rq->pamh, LOG_DEBUG, "token '%s' signed the challenge with %s",
			   c->label, tokverify_alg_name(ts->alg));
	return rc;
}

/* SPEC 3.3: the mapping is decided again once the token signed, against the
 * file as it is now, so an entry disabled or removed while the PIN prompt
 * was open does not grant.  Dates, chain and revocation were checked before
 * the prompt and are not fetched again (decide.h's recheck). */
static int recheck(struct request *rq, const struct token_cert *c)
{
	const unsigned char *der[1] = { c->der };
	size_t len[1] = { c->der_len };
	char why[512] = "";
	struct decide_in in;
	char *acct = NULL;
	int rc;

	rc = request_load_mapfile(rq, der, len, 1);
	if (rc != PAM_SUCCESS) {
		snprintf(why, sizeof(why), "the mapping file cannot be read again");
	} else {
		decide_init(&in, rq);
		in.recheck = 1;
		rc = decide_enabled(&in, why, sizeof(why));
		if (rc == PAM_SUCCESS)
			rc = decide_candidate(&in, c->x509, 0, &acct, why, sizeof(why));
	}
	/* The account the PIN was asked for, or nothing. */
	if (rc == PAM_SUCCESS && strcmp(acct, rq->account) != 0) {
		snprintf(why, sizeof(why), "now mapped to '%s', not to '%s'", acct, rq->account);
		rc = PAM_AUTH_ERR;
	}
	if (rc != PAM_SUCCESS) {
		char line[600];

		snprintf(line, sizeof(line), "after the token signed: %s", why);
		request_log(rq, c->x509, rc, line);
	}
	free(acct);
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
	if (rc == PAM_SUCCESS)
		rc = recheck(rq, &ts.certs[chosen]);
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
