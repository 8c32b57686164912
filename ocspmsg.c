/* ocspmsg.c - an OCSP request with a nonce, and the verdict on a response:
 * OpenSSL parses and verifies, this file decides what must hold. */
#include "config.h"
#include "ocspmsg.h"

#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

int ocspmsg_query(struct ocsp_query *q, X509 *x, X509 *issuer)
{
	OCSP_CERTID *id = NULL;
	unsigned char *der = NULL;
	int n;

	memset(q, 0, sizeof(*q));
	q->subject = x;
	q->req = OCSP_REQUEST_new();
	q->id = OCSP_cert_to_id(NULL, x, issuer);
	if (q->req == NULL || q->id == NULL)
		goto fail;
	id = OCSP_CERTID_dup(q->id);
	if (id == NULL || OCSP_request_add0_id(q->req, id) == NULL) {
		OCSP_CERTID_free(id);
		goto fail;
	}
	/* 16 random bytes: a recorded answer cannot be played back to us. */
	if (OCSP_request_add1_nonce(q->req, NULL, -1) != 1)
		goto fail;
	n = i2d_OCSP_REQUEST(q->req, &der);
	if (n <= 0)
		goto fail;
	q->der = der;
	q->derlen = (size_t)n;
	return 0;
fail:
	ocspmsg_query_free(q);
	return -1;
}

void ocspmsg_query_free(struct ocsp_query *q)
{
	OCSP_REQUEST_free(q->req);
	OCSP_CERTID_free(q->id);
	OPENSSL_free(q->der);
	memset(q, 0, sizeof(*q));
}

/* "YYYY-MM-DDTHH:MM:SSZ", or "?" */
static void time_str(const ASN1_GENERALIZEDTIME *t, char out[32])
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "?");
}

/* Is T earlier than W (T < W)?  An unreadable time counts as failing. */
static int before(const ASN1_GENERALIZEDTIME *t, time_t w)
{
	int c = ASN1_TIME_cmp_time_t(t, w);

	return c == -1 || c == -2;
}

static int after(const ASN1_GENERALIZEDTIME *t, time_t w)
{
	int c = ASN1_TIME_cmp_time_t(t, w);

	return c == 1 || c == -2;
}

/* thisUpdate/nextUpdate against NOW with the skew. */
static enum ocsp_verdict judge_dates(const ASN1_GENERALIZEDTIME *thisupd,
				     const ASN1_GENERALIZEDTIME *nextupd, time_t now,
				     char *why, size_t whylen)
{
	char a[32], b[32];

	time_str(thisupd, a);
	if (thisupd == NULL || after(thisupd, now + OCSPMSG_SKEW_SECONDS)) {
		snprintf(why, whylen, "OCSP response dated in the future (thisUpdate %s)", a);
		return OCSP_VERDICT_BAD;
	}
	if (nextupd == NULL) {
		/* A responder that promises nothing must have just answered. */
		if (before(thisupd, now - OCSPMSG_SKEW_SECONDS)) {
			snprintf(why, whylen, "stale OCSP response (thisUpdate %s, no nextUpdate)", a);
			return OCSP_VERDICT_BAD;
		}
		return OCSP_VERDICT_GOOD;
	}
	time_str(nextupd, b);
	if (before(nextupd, now - OCSPMSG_SKEW_SECONDS) ||
	    ASN1_TIME_compare(nextupd, thisupd) < 0) {
		snprintf(why, whylen, "stale OCSP response (thisUpdate %s, nextUpdate %s)", a, b);
		return OCSP_VERDICT_BAD;
	}
	return OCSP_VERDICT_GOOD;
}

/* The signer is the issuer or its delegate, chains to the anchors, and is
 * not the certificate the answer is about (a client certificate that also
 * has id-kp-OCSPSigning must not vouch for itself). */
static enum ocsp_verdict judge_signer(const struct ocsp_query *q, OCSP_BASICRESP *bs,
				      STACK_OF(X509) *chain, X509_STORE *store,
				      char *why, size_t whylen)
{
	enum ocsp_verdict v = OCSP_VERDICT_NOMEM;
	STACK_OF(X509) *cas = sk_X509_new_null();
	X509 *signer = NULL;
	int i;

	if (cas == NULL)
		goto out;
	for (i = 1; i < sk_X509_num(chain); i++)
		if (!sk_X509_push(cas, sk_X509_value(chain, i)))
			goto out;
	v = OCSP_VERDICT_BAD;
	if (OCSP_basic_verify(bs, cas, store, 0) <= 0) {
		unsigned long e = ERR_peek_last_error();
		const char *r = ERR_reason_error_string(e);

		snprintf(why, whylen, "OCSP response not signed by the issuer or its responder "
			 "(%s)", r != NULL ? r : "verification failed");
		goto out;
	}
	if (OCSP_resp_get0_signer(bs, &signer, cas) != 1 || signer == NULL ||
	    X509_cmp(signer, q->subject) == 0) {
		snprintf(why, whylen, "OCSP response signed by the certificate it is about");
		goto out;
	}
	v = OCSP_VERDICT_GOOD;
out:
	sk_X509_free(cas);
	return v;
}

static enum ocsp_verdict judge_status(int status, int reason, const ASN1_GENERALIZEDTIME *rev,
				      char *why, size_t whylen)
{
	char when[32];

	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		snprintf(why, whylen, "good");
		return OCSP_VERDICT_GOOD;
	case V_OCSP_CERTSTATUS_REVOKED:
		time_str(rev, when);
		snprintf(why, whylen, "revoked (OCSP: %s, since %s)",
			 reason >= 0 ? OCSP_crl_reason_str(reason) : "no reason given", when);
		return OCSP_VERDICT_REVOKED;
	case V_OCSP_CERTSTATUS_UNKNOWN:
		snprintf(why, whylen, "the responder does not know the certificate");
		return OCSP_VERDICT_UNKNOWN;
	default:
		snprintf(why, whylen, "OCSP response with an undefined status %d", status);
		return OCSP_VERDICT_BAD;
	}
}

/* Everything a basic response must pass, then its status for Q. */
static enum ocsp_verdict judge_basic(const struct ocsp_query *q, OCSP_BASICRESP *bs,
				     STACK_OF(X509) *chain, X509_STORE *store, time_t now,
				     char *why, size_t whylen)
{
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int status = -1, reason = -1;
	enum ocsp_verdict v;

	/* 1: it echoed our nonce; -1: the responder does not do nonces. */
	switch (OCSP_check_nonce(q->req, bs)) {
	case 1:
	case -1:
		break;
	default:
		snprintf(why, whylen, "OCSP response with another request's nonce");
		return OCSP_VERDICT_BAD;
	}
	v = judge_signer(q, bs, chain, store, why, whylen);
	if (v != OCSP_VERDICT_GOOD)
		return v;
	if (OCSP_resp_find_status(bs, q->id, &status, &reason, &rev, &thisupd, &nextupd) != 1) {
		snprintf(why, whylen, "the OCSP response does not answer for this certificate");
		return OCSP_VERDICT_BAD;
	}
	v = judge_dates(thisupd, nextupd, now, why, whylen);
	if (v != OCSP_VERDICT_GOOD)
		return v;
	return judge_status(status, reason, rev, why, whylen);
}

enum ocsp_verdict ocspmsg_judge(const struct ocsp_query *q, const unsigned char *der, size_t len,
				STACK_OF(X509) *chain, X509_STORE *store, time_t now,
				char *why, size_t whylen)
{
	enum ocsp_verdict v = OCSP_VERDICT_BAD;
	const unsigned char *p = der;
	OCSP_BASICRESP *bs = NULL;
	OCSP_RESPONSE *resp = NULL;
	int rs;

	ERR_set_mark();
	if (len > LONG_MAX || (resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL ||
	    p != der + len) {
		snprintf(why, whylen, "malformed OCSP response");
		goto out;
	}
	rs = OCSP_response_status(resp);
	if (rs != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(why, whylen, "the responder answered %s", OCSP_response_status_str(rs));
		v = OCSP_VERDICT_UNAVAILABLE;
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (bs == NULL) {
		snprintf(why, whylen, "OCSP response of an unknown type");
		goto out;
	}
	v = judge_basic(q, bs, chain, store, now, why, whylen);
out:
	ERR_pop_to_mark();
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	return v;
}
