/* ocspcheck.c - OCSP for one certificate: pick the responder, run the
 * exchange with its deadline, judge the answer, and apply ocsp=soft|require. */
#include "config.h"
#include "ocspcheck.h"
#include "ocspfetch.h"
#include "ocspmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/x509v3.h>

/* The responder: ocsp_url=, else the first http URL of the AIA. */
static char *responder_url(X509 *x, const struct trust *t)
{
	STACK_OF(OPENSSL_STRING) *aia;
	char *url = NULL;

	if (t->ocsp_url != NULL)
		return strdup(t->ocsp_url);
	aia = X509_get1_ocsp(x);
	for (int i = 0; url == NULL && i < sk_OPENSSL_STRING_num(aia); i++) {
		const char *u = sk_OPENSSL_STRING_value(aia, i);

		if (strncasecmp(u, "http://", 7) == 0)
			url = strdup(u);
	}
	X509_email_free(aia);
	return url;
}

/* Query, fetch, judge.  *V is the verdict; WHY, its words. */
static enum cert_status ask(X509 *x, X509 *issuer, STACK_OF(X509) *chain, X509_STORE *store,
			    const struct trust *t, time_t now, struct revocation *rev,
			    enum ocsp_verdict *v, char *why, size_t whylen)
{
	int timeout = t->ocsp_timeout > 0 ? t->ocsp_timeout : TRUST_OCSP_DEFAULT_TIMEOUT;
	struct ocsp_query q = { 0 };
	unsigned char *resp = NULL;
	size_t resplen = 0;
	char *url = NULL, fetch_why[160] = "";
	enum cert_status st = CERT_NOMEM;

	*v = OCSP_VERDICT_UNAVAILABLE;
	url = responder_url(x, t);
	if (url == NULL) {
		snprintf(why, whylen, "no responder: no ocsp_url, and no http OCSP URL in the "
			 "certificate");
		st = CERT_OK;
		goto out;
	}
	if (issuer == NULL || ocspmsg_query(&q, x, issuer) != 0)
		goto out;
	switch (ocspfetch(t->ocsp_helper, url, q.der, q.derlen, timeout, &resp, &resplen,
			  fetch_why, sizeof(fetch_why))) {
	case OCSPFETCH_OK:
		*v = ocspmsg_judge(&q, resp, resplen, chain, store, now, why, whylen);
		st = *v == OCSP_VERDICT_NOMEM ? CERT_NOMEM : CERT_OK;
		break;
	case OCSPFETCH_HELPER:
		/* Not the responder's fault, but no answer all the same: said loudly. */
		rev->helper_failed = 1;
		snprintf(why, whylen, "%s not asked: %s", url, fetch_why);
		st = CERT_OK;
		break;
	case OCSPFETCH_FAILED:
		snprintf(why, whylen, "%s unreachable: %s", url, fetch_why);
		st = CERT_OK;
		break;
	case OCSPFETCH_NOMEM:
		break;
	}
out:
	if (st == CERT_NOMEM)
		snprintf(why, whylen, "out of memory");
	free(resp);
	free(url);
	ocspmsg_query_free(&q);
	return st;
}

enum cert_status ocsp_check(X509 *x, X509 *issuer, STACK_OF(X509) *chain, X509_STORE *store,
			    const struct trust *t, time_t now, struct revocation *rev,
			    char *why, size_t whylen)
{
	enum ocsp_verdict v = OCSP_VERDICT_UNAVAILABLE;
	char said[sizeof(rev->note)] = "";
	enum cert_status st;

	st = ask(x, issuer, chain, store, t, now, rev, &v, said, sizeof(said));
	if (st != CERT_OK) {
		snprintf(why, whylen, "%s", said);
		return st;
	}
	switch (v) {
	case OCSP_VERDICT_GOOD:
		rev->ocsp = REV_OCSP_GOOD;
		return CERT_OK;
	case OCSP_VERDICT_UNKNOWN:
	case OCSP_VERDICT_UNAVAILABLE:
		/* soft: what an attacker could also cause by cutting the line. */
		if (t->ocsp == TRUST_OCSP_SOFT) {
			rev->ocsp = REV_OCSP_SOFT;
			snprintf(rev->note, sizeof(rev->note), "%s", said);
			return CERT_OK;
		}
		snprintf(why, whylen, "OCSP: %s (ocsp=require)", said);
		break;
	case OCSP_VERDICT_REVOKED:
		snprintf(why, whylen, "%s", said);
		break;
	default:
		snprintf(why, whylen, "OCSP: %s", said);
		break;
	}
	rev->ocsp = REV_OCSP_FAILED;
	snprintf(rev->note, sizeof(rev->note), "%s", said);
	return CERT_BAD;
}
