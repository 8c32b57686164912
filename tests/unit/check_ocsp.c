/* check_ocsp.c - unit tests of the OCSP messages (ocspmsg.c): the request,
 * and every check a response must pass, with responses signed at run time
 * by the issuer, delegated responders, strangers and the certificate itself. */
#include "config.h"
#include "ocspmsg.h"
#include "testpki.h"
#include "unit.h"

#include <string.h>
#include <time.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>

static struct pki root, other, leaf, sibling, deleg, deleg_noeku, deleg_other, self_signer;
static X509_STORE *store;
static STACK_OF(X509) *chain;
static struct ocsp_query q;
static time_t now;
static char why[512];

/* What a test response is made of; times are seconds from now. */
struct resp {
	int rstatus;                /* OCSP_RESPONSE_STATUS_* */
	int status, reason;         /* V_OCSP_CERTSTATUS_*, CRL reason or -1 */
	long this_upd, next_upd;
	int no_next;
	const struct pki *signer;   /* default: the issuer, root */
	X509 *about;                /* default: the leaf */
	int nonce;                  /* 0: echo the request's; 1: none; 2: another */
	unsigned long flags;        /* OCSP_basic_sign flags, e.g. OCSP_NOCERTS */
};

static ASN1_GENERALIZEDTIME *gtime(long off)
{
	ASN1_GENERALIZEDTIME *t = ASN1_GENERALIZEDTIME_adj(NULL, now, 0, off);

	ck_assert_ptr_nonnull(t);
	return t;
}

static OCSP_BASICRESP *make_basic(const struct resp *r)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	X509 *about = r->about != NULL ? r->about : leaf.cert;
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, about, root.cert);
	ASN1_GENERALIZEDTIME *thisupd = gtime(r->this_upd), *nextupd = gtime(r->next_upd);
	ASN1_GENERALIZEDTIME *revtime = gtime(-DAY);
	const struct pki *signer = r->signer != NULL ? r->signer : &root;

	ck_assert_ptr_nonnull(bs);
	ck_assert_ptr_nonnull(id);
	ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id, r->status, r->reason, revtime,
						     thisupd, r->no_next ? NULL : nextupd));
	if (r->nonce == 0)
		ck_assert_int_eq(OCSP_copy_nonce(bs, q.req), 1);
	else if (r->nonce == 2)
		ck_assert_int_eq(OCSP_basic_add1_nonce(bs, NULL, -1), 1);
	ck_assert_int_eq(OCSP_basic_sign(bs, signer->cert, signer->key, EVP_sha256(), NULL,
					 r->flags), 1);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(revtime);
	return bs;
}

/* The response R describes, judged for q. */
static enum ocsp_verdict judge(const struct resp *r)
{
	OCSP_BASICRESP *bs = r->rstatus == OCSP_RESPONSE_STATUS_SUCCESSFUL ? make_basic(r) : NULL;
	OCSP_RESPONSE *resp = OCSP_response_create(r->rstatus, bs);
	unsigned char *der = NULL;
	enum ocsp_verdict v;
	int n;

	ck_assert_ptr_nonnull(resp);
	n = i2d_OCSP_RESPONSE(resp, &der);
	ck_assert_int_gt(n, 0);
	why[0] = '\0';
	v = ocspmsg_judge(&q, der, (size_t)n, chain, store, now, why, sizeof(why));
	ck_assert_uint_eq(ERR_peek_error(), 0);
	ck_assert_msg(why[0] != '\0', "a verdict without words");
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	return v;
}

/* A good answer, fresh, signed by the issuer, with the nonce; tests change
 * one thing. */
static struct resp good_resp(void)
{
	struct resp r = { .rstatus = OCSP_RESPONSE_STATUS_SUCCESSFUL,
			  .status = V_OCSP_CERTSTATUS_GOOD, .reason = -1, .this_upd = -60,
			  .next_upd = DAY };

	return r;
}

#define assert_why_has(s) ck_assert_msg(strstr(why, (s)) != NULL, "why: \"%s\"", why)

static struct pki responder(const char *cn, const struct pki *issuer, const char *eku)
{
	const struct spec sp = { cn, -DAY, 30 * DAY, 0, eku, "digitalSignature" };

	return pki_issue(&sp, issuer);
}

static void setup(void)
{
	now = time(NULL);
	root = make_ca("Test Root CA", NULL, 3650 * DAY);
	other = make_ca("Other Root CA", NULL, 3650 * DAY);
	leaf = make_leaf(&root, -DAY, 30 * DAY);
	sibling = make_leaf(&root, -DAY, 30 * DAY);
	deleg = responder("responder", &root, "OCSPSigning");
	deleg_noeku = responder("not a responder", &root, "clientAuth");
	deleg_other = responder("other's responder", &other, "OCSPSigning");
	self_signer = make_leaf_eku(&root, "clientAuth,OCSPSigning", "digitalSignature");
	/* Both roots are trusted: a responder of the other CA still does not count. */
	store = X509_STORE_new();
	ck_assert_ptr_nonnull(store);
	ck_assert_int_eq(X509_STORE_add_cert(store, root.cert), 1);
	ck_assert_int_eq(X509_STORE_add_cert(store, other.cert), 1);
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), now);
	chain = sk_X509_new_null();
	ck_assert_ptr_nonnull(chain);
	ck_assert_int_gt(sk_X509_push(chain, leaf.cert), 0);
	ck_assert_int_gt(sk_X509_push(chain, root.cert), 0);
	ck_assert_int_eq(ocspmsg_query(&q, leaf.cert, root.cert), 0);
}

static void teardown(void)
{
	ocspmsg_query_free(&q);
	sk_X509_free(chain);
	X509_STORE_free(store);
	pki_free(&root);
	pki_free(&other);
	pki_free(&leaf);
	pki_free(&sibling);
	pki_free(&deleg);
	pki_free(&deleg_noeku);
	pki_free(&deleg_other);
	pki_free(&self_signer);
}

/* ---- the request ---- */

START_TEST(request_has_certid_and_nonce)
{
	const unsigned char *p = q.der;
	OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)q.derlen);
	struct ocsp_query q2;

	ck_assert_ptr_nonnull(req);
	ck_assert_int_eq(OCSP_request_onereq_count(req), 1);
	ck_assert_int_eq(OCSP_id_cmp(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0)), q.id), 0);
	ck_assert_int_ge(OCSP_REQUEST_get_ext_by_NID(req, NID_id_pkix_OCSP_Nonce, -1), 0);
	/* a fresh nonce each time */
	ck_assert_int_eq(ocspmsg_query(&q2, leaf.cert, root.cert), 0);
	ck_assert_uint_eq(q2.derlen, q.derlen);
	ck_assert_int_ne(memcmp(q2.der, q.der, q.derlen), 0);
	ocspmsg_query_free(&q2);
	OCSP_REQUEST_free(req);
}
END_TEST

/* ---- what the responder says ---- */

START_TEST(good)
{
	struct resp r = good_resp();

	ck_assert_int_eq(judge(&r), OCSP_VERDICT_GOOD);
	ck_assert_str_eq(why, "good");
}
END_TEST

START_TEST(revoked)
{
	struct resp r = good_resp();

	r.status = V_OCSP_CERTSTATUS_REVOKED;
	r.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_REVOKED);
	assert_why_has("revoked (OCSP: keyCompromise, since ");
}
END_TEST

START_TEST(revoked_without_reason)
{
	struct resp r = good_resp();

	r.status = V_OCSP_CERTSTATUS_REVOKED;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_REVOKED);
	assert_why_has("revoked (OCSP: no reason given, since ");
}
END_TEST

START_TEST(unknown)
{
	struct resp r = good_resp();

	r.status = V_OCSP_CERTSTATUS_UNKNOWN;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_UNKNOWN);
	ck_assert_str_eq(why, "the responder does not know the certificate");
}
END_TEST

/* tryLater and its kin carry no signature: nothing to trust, nothing forged. */
START_TEST(try_later)
{
	const struct resp r = { .rstatus = OCSP_RESPONSE_STATUS_TRYLATER };
	const struct resp u = { .rstatus = OCSP_RESPONSE_STATUS_UNAUTHORIZED };

	ck_assert_int_eq(judge(&r), OCSP_VERDICT_UNAVAILABLE);
	ck_assert_str_eq(why, "the responder answered trylater");
	ck_assert_int_eq(judge(&u), OCSP_VERDICT_UNAVAILABLE);
}
END_TEST

/* ---- who signed ---- */

START_TEST(issuer_without_its_certificate_in_the_response)
{
	struct resp r = good_resp();

	r.flags = OCSP_NOCERTS;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_GOOD);
}
END_TEST

START_TEST(delegated_responder)
{
	struct resp r = good_resp();

	r.signer = &deleg;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_GOOD);
}
END_TEST

START_TEST(delegate_without_ocsp_signing)
{
	struct resp r = good_resp();

	r.signer = &deleg_noeku;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	assert_why_has("OCSP response not signed by the issuer or its responder");
}
END_TEST

/* A responder of another trusted CA does not answer for this CA. */
START_TEST(responder_of_another_ca)
{
	struct resp r = good_resp();
	struct resp r2 = good_resp();

	r.signer = &deleg_other;
	r2.signer = &other;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	assert_why_has("not signed by the issuer or its responder");
	ck_assert_int_eq(judge(&r2), OCSP_VERDICT_BAD);
}
END_TEST

START_TEST(signer_not_trusted_at_all)
{
	struct pki stranger = make_ca("Stranger CA", NULL, 3650 * DAY);
	struct resp r = good_resp();

	r.signer = &stranger;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	assert_why_has("not signed by the issuer or its responder");
	pki_free(&stranger);
}
END_TEST

/* A client certificate that also has OCSPSigning must not vouch for itself. */
START_TEST(certificate_signs_for_itself)
{
	struct ocsp_query own;
	struct resp r = good_resp();
	STACK_OF(X509) *own_chain = sk_X509_new_null();

	r.signer = &self_signer;
	r.about = self_signer.cert;
	ck_assert_ptr_nonnull(own_chain);
	ck_assert_int_gt(sk_X509_push(own_chain, self_signer.cert), 0);
	ck_assert_int_gt(sk_X509_push(own_chain, root.cert), 0);
	ck_assert_int_eq(ocspmsg_query(&own, self_signer.cert, root.cert), 0);
	ocspmsg_query_free(&q);
	q = own;
	sk_X509_free(chain);
	chain = own_chain;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	ck_assert_str_eq(why, "OCSP response signed by the certificate it is about");
}
END_TEST

/* ---- the nonce ---- */

START_TEST(nonce_of_another_request)
{
	struct resp r = good_resp();

	r.nonce = 2;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	ck_assert_str_eq(why, "OCSP response with another request's nonce");
}
END_TEST

/* A responder that does not do nonces (pre-signed responses): the dates decide. */
START_TEST(no_nonce_in_the_response)
{
	struct resp r = good_resp();

	r.nonce = 1;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_GOOD);
}
END_TEST

/* ---- the dates ---- */

START_TEST(stale)
{
	struct resp r = good_resp();

	r.this_upd = -3 * DAY;
	r.next_upd = -2 * DAY;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	assert_why_has("stale OCSP response (thisUpdate ");
}
END_TEST

START_TEST(next_update_within_the_skew)
{
	struct resp ok = good_resp();
	struct resp late = good_resp();

	ok.this_upd = -DAY;
	ok.next_upd = -(OCSPMSG_SKEW_SECONDS - 60);
	late.this_upd = -DAY;
	late.next_upd = -(OCSPMSG_SKEW_SECONDS + 60);
	ck_assert_int_eq(judge(&ok), OCSP_VERDICT_GOOD);
	ck_assert_int_eq(judge(&late), OCSP_VERDICT_BAD);
}
END_TEST

START_TEST(this_update_in_the_future)
{
	struct resp near = good_resp();
	struct resp far = good_resp();

	near.this_upd = OCSPMSG_SKEW_SECONDS - 60;
	far.this_upd = OCSPMSG_SKEW_SECONDS + 60;
	ck_assert_int_eq(judge(&near), OCSP_VERDICT_GOOD);
	ck_assert_int_eq(judge(&far), OCSP_VERDICT_BAD);
	assert_why_has("OCSP response dated in the future");
}
END_TEST

START_TEST(next_update_before_this_update)
{
	struct resp r = good_resp();

	r.this_upd = -60;
	r.next_upd = -120;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	assert_why_has("stale OCSP response");
}
END_TEST

/* Without nextUpdate the responder promises nothing: it must have just answered. */
START_TEST(no_next_update)
{
	struct resp fresh = good_resp();
	struct resp old = good_resp();

	fresh.no_next = 1;
	fresh.this_upd = -60;
	old.no_next = 1;
	old.this_upd = -(OCSPMSG_SKEW_SECONDS + 60);
	ck_assert_int_eq(judge(&fresh), OCSP_VERDICT_GOOD);
	ck_assert_int_eq(judge(&old), OCSP_VERDICT_BAD);
	assert_why_has("no nextUpdate");
}
END_TEST

/* ---- what it is about ---- */

START_TEST(answer_for_another_certificate)
{
	struct resp r = good_resp();

	r.about = sibling.cert;
	ck_assert_int_eq(judge(&r), OCSP_VERDICT_BAD);
	ck_assert_str_eq(why, "the OCSP response does not answer for this certificate");
}
END_TEST

START_TEST(malformed)
{
	static const unsigned char junk[] = { 0x30, 0x03, 0x0a, 0x01, 0x00, 0x00 };
	struct resp r = good_resp();
	OCSP_BASICRESP *bs = make_basic(&r);
	OCSP_RESPONSE *resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	unsigned char *der = NULL, *longer;
	int n = i2d_OCSP_RESPONSE(resp, &der);

	ck_assert_int_eq(ocspmsg_judge(&q, (const unsigned char *)"<html>", 6, chain, store, now,
				       why, sizeof(why)), OCSP_VERDICT_BAD);
	ck_assert_str_eq(why, "malformed OCSP response");
	ck_assert_int_eq(ocspmsg_judge(&q, junk, sizeof(junk), chain, store, now, why,
				       sizeof(why)), OCSP_VERDICT_BAD);
	/* a good response with a byte after it */
	ck_assert_int_gt(n, 0);
	longer = OPENSSL_malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(longer);
	memcpy(longer, der, (size_t)n);
	longer[n] = 0;
	ck_assert_int_eq(ocspmsg_judge(&q, longer, (size_t)n + 1, chain, store, now, why,
				       sizeof(why)), OCSP_VERDICT_BAD);
	ck_assert_int_eq(ocspmsg_judge(&q, der, (size_t)n - 1, chain, store, now, why,
				       sizeof(why)), OCSP_VERDICT_BAD);
	ck_assert_int_eq(ocspmsg_judge(&q, der, (size_t)n, chain, store, now, why, sizeof(why)),
			 OCSP_VERDICT_GOOD);
	ck_assert_uint_eq(ERR_peek_error(), 0);
	OPENSSL_free(longer);
	OPENSSL_free(der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("ocsp");
	TCase *tc = tcase_create("ocsp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, request_has_certid_and_nonce);
	tcase_add_test(tc, good);
	tcase_add_test(tc, revoked);
	tcase_add_test(tc, revoked_without_reason);
	tcase_add_test(tc, unknown);
	tcase_add_test(tc, try_later);
	tcase_add_test(tc, issuer_without_its_certificate_in_the_response);
	tcase_add_test(tc, delegated_responder);
	tcase_add_test(tc, delegate_without_ocsp_signing);
	tcase_add_test(tc, responder_of_another_ca);
	tcase_add_test(tc, signer_not_trusted_at_all);
	tcase_add_test(tc, certificate_signs_for_itself);
	tcase_add_test(tc, nonce_of_another_request);
	tcase_add_test(tc, no_nonce_in_the_response);
	tcase_add_test(tc, stale);
	tcase_add_test(tc, next_update_within_the_skew);
	tcase_add_test(tc, this_update_in_the_future);
	tcase_add_test(tc, next_update_before_this_update);
	tcase_add_test(tc, no_next_update);
	tcase_add_test(tc, answer_for_another_certificate);
	tcase_add_test(tc, malformed);
	suite_add_tcase(s, tc);
	return s;
}
