/* decide.c - the policy: an entry or a many-to-one mapping that maps, the
 * certificate in its validity period and its chain verified (always for a
 * many-to-one match), the account resolvable and the one asked for. */
#include "config.h"
#include "decide.h"
#include "account.h"
#include "cert.h"
#include "certchain.h"

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#ifndef OCSP_HELPER_PATH
#error "OCSP_HELPER_PATH must name the installed pam_certmap_ocsp"
#endif

void decide_init(struct decide_in *in, struct request *rq)
{
	in->pamh = rq->pamh;
	in->opt = rq->opt;
	in->mf = rq->mf;
	in->location = rq->location;
	in->pam_user = rq->pam_user;
	in->untrusted = NULL;
	in->recheck = 0;
	in->now = time(NULL);
	in->rev = &rq->rev;
}

int decide_has_entry(const struct decide_in *in, X509 *x, int cand)
{
	struct mapfile_answer ans;

	if (mapfile_query_cert(in->mf, in->location, cand, x, &ans) != MAPFILE_OK)
		return 1;  /* its failure is the answer to tell */
	return ans.entry != NULL || ans.mapping != NULL;
}

int decide_enabled(const struct decide_in *in, char *why, size_t whylen)
{
	struct mapfile_answer ans;

	mapfile_query(in->mf, in->location, -1, &ans);
	if (!ans.section_enabled) {
		snprintf(why, whylen, "certificate mapping is disabled for location '%s' "
			 "(enabled=false)", in->location);
		return PAM_AUTHINFO_UNAVAIL;
	}
	/* SPEC 2.7: mapping is off where no collection is usable. */
	if (!ans.one_to_one_enabled && (!ans.many_to_one_enabled || ans.many_to_one_count == 0)) {
		snprintf(why, whylen, "certificate mapping is disabled for location '%s' "
			 "(oneToOneCertificateMappingsEnabled=false)", in->location);
		return PAM_AUTHINFO_UNAVAIL;
	}
	return PAM_SUCCESS;
}

/* The many-to-one mapping that decided: it refuses, or names a user. */
static int decide_mapping(const struct mapfile_mapping *m, char *why, size_t whylen)
{
	if (m->deny) {
		snprintf(why, whylen, "matched many-to-one Deny mapping '%.64s' (line %lu)", m->name,
			 m->line);
		return PAM_AUTH_ERR;
	}
	if (m->user_name == NULL || m->user_name[0] == '\0') {
		snprintf(why, whylen, "many-to-one mapping '%.64s' (line %lu) has no userName",
			 m->name, m->line);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

static int decide_entry(const struct mapfile_answer *ans, char *why, size_t whylen)
{
	if (ans->entry == NULL && ans->mapping != NULL)
		return decide_mapping(ans->mapping, why, whylen);
	if (ans->entry == NULL) {
		snprintf(why, whylen, "no mapping for this certificate");
		return PAM_AUTH_ERR;
	}
	if (!ans->entry->enabled) {
		snprintf(why, whylen, "mapping at line %lu is disabled", ans->entry->line);
		return PAM_AUTH_ERR;
	}
	if (mapfile_answer_user(ans) == NULL) {
		snprintf(why, whylen, "mapping at line %lu has no userName", ans->entry->line);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

static int decide_time(const struct decide_in *in, X509 *x, char *why, size_t whylen)
{
	switch (cert_check_time(x, in->now)) {
	case CERT_TIME_OK:
		return PAM_SUCCESS;
	case CERT_TIME_EXPIRED:
		/* allow_expired: old cards at sites that cannot renew them in time. */
		if (in->opt->allow_expired)
			return PAM_SUCCESS;
		snprintf(why, whylen, "certificate expired");
		return PAM_AUTH_ERR;
	case CERT_TIME_NOT_YET_VALID:
		snprintf(why, whylen, "certificate not yet valid");
		return PAM_AUTH_ERR;
	default:
		snprintf(why, whylen, "certificate validity dates cannot be read");
		return PAM_AUTH_ERR;
	}
}

/* What the module's options trust. */
static void decide_trust(const struct options *o, struct trust *t)
{
	memset(t, 0, sizeof(*t));
	t->ca_file = o->ca_file;
	t->ca_dir = o->ca_dir;
	t->crl_file = o->crl_file;
	t->crl_dir = o->crl_dir;
	t->allow_expired = o->allow_expired;
	t->ocsp = o->ocsp;
	t->ocsp_url = o->ocsp_url;
	t->ocsp_timeout = o->ocsp_timeout;
	t->ocsp_helper = OCSP_HELPER_PATH;
}

/* Chain and revocation, when the administrator named a trust anchor; IN's
 * rev learns how revocation was checked. */
static int decide_chain(const struct decide_in *in, X509 *x, char *why, size_t whylen)
{
	enum cert_status rc;
	struct trust t;

	decide_trust(in->opt, &t);
	if (!trust_has_anchors(&t))
		return PAM_SUCCESS;
	rc = cert_verify_chain(x, in->untrusted, &t, in->now, in->rev, why, whylen);
	/* Like a token helper that cannot be started: an error of the installation. */
	if (in->rev != NULL && in->rev->helper_failed)
		pam_syslog(in->pamh, LOG_ERR, "%s", in->rev->note);
	switch (rc) {
	case CERT_OK:
		return PAM_SUCCESS;
	case CERT_NOMEM:
		snprintf(why, whylen, "out of memory checking the chain");
		return PAM_BUF_ERR;
	case CERT_CONFIG:
		/* Like a missing mapping file: nobody can be checked, so say it loudly. */
		pam_syslog(in->pamh, LOG_ERR, "%s", why);
		return PAM_AUTHINFO_UNAVAIL;
	default:
		return PAM_AUTH_ERR;
	}
}

/* Names prove nothing (SPEC 2.7): a many-to-one match needs trust anchors,
 * and the chain verified against them; one-to-one entries need it when
 * anchors are named.  A recheck follows a verification in this request. */
static int decide_verified(const struct decide_in *in, const struct mapfile_answer *ans,
			   X509 *x, char *why, size_t whylen)
{
	const struct mapfile_mapping *m = ans->mapping;
	struct trust anchors;
	int rc;

	decide_trust(in->opt, &anchors);
	if (m != NULL && !trust_has_anchors(&anchors)) {
		snprintf(why, whylen, "many-to-one mapping '%.64s' (line %lu) matched, but names "
			 "prove nothing without trust anchors: set ca_file or ca_dir", m->name,
			 m->line);
		return PAM_AUTH_ERR;
	}
	if (in->recheck)
		return PAM_SUCCESS;
	rc = decide_chain(in, x, why, whylen);
	if (rc == PAM_AUTH_ERR && m != NULL) {
		char inner[384];

		snprintf(inner, sizeof(inner), "%s", why);
		snprintf(why, whylen, "many-to-one mapping '%.64s' (line %lu) matched, but the "
			 "certificate is not trusted: %s", m->name, m->line, inner);
	}
	return rc;
}

/* What the file says of X: the entry or mapping that decides, in ANS. */
static int decide_lookup(const struct decide_in *in, X509 *x, int cand,
			 struct mapfile_answer *ans, char *why, size_t whylen)
{
	switch (mapfile_query_cert(in->mf, in->location, cand, x, ans)) {
	case MAPFILE_OK:
		return decide_entry(ans, why, whylen);
	case MAPFILE_NOMEM:
		snprintf(why, whylen, "out of memory matching the certificate's names");
		return PAM_BUF_ERR;
	default:
		snprintf(why, whylen, "the certificate's subject or issuer cannot be read for the "
			 "many-to-one mappings");
		return PAM_AUTH_ERR;
	}
}

static int decide_account(const struct decide_in *in, const struct mapfile_answer *ans,
			  char **account, char *why, size_t whylen)
{
	const char *mapped = mapfile_answer_user(ans);

	switch (account_resolve(mapped, ans->default_logon_domain, in->opt->domain, account)) {
	case ACCOUNT_OK:
		return PAM_SUCCESS;
	case ACCOUNT_UNKNOWN:
		snprintf(why, whylen, "mapped account '%s' does not exist", mapped);
		return PAM_USER_UNKNOWN;
	case ACCOUNT_NOMEM:
		snprintf(why, whylen, "out of memory resolving '%s'", mapped);
		return PAM_BUF_ERR;
	default:
		snprintf(why, whylen, "the user database cannot be asked about '%s'", mapped);
		return PAM_AUTHINFO_UNAVAIL;
	}
}

int decide_candidate(const struct decide_in *in, X509 *x, int cand, char **account,
		     char *why, size_t whylen)
{
	struct mapfile_answer ans;
	char *acct = NULL;
	int rc;

	*account = NULL;
	if (!in->recheck && in->rev != NULL) {
		struct trust t;

		/* A decision before the chain check logs "not checked". */
		decide_trust(in->opt, &t);
		revocation_init(in->rev, &t);
	}
	rc = decide_lookup(in, x, cand, &ans, why, whylen);
	if (rc == PAM_SUCCESS && cert_key_check(x, why, whylen) != CERT_OK)
		rc = PAM_AUTH_ERR;
	if (rc == PAM_SUCCESS && !in->recheck)
		rc = decide_time(in, x, why, whylen);
	if (rc == PAM_SUCCESS)
		rc = decide_verified(in, &ans, x, why, whylen);
	if (rc == PAM_SUCCESS)
		rc = decide_account(in, &ans, &acct, why, whylen);
	if (rc == PAM_SUCCESS && in->pam_user != NULL && strcmp(in->pam_user, acct) != 0) {
		snprintf(why, whylen, "mapped to '%s', not to '%s'", acct, in->pam_user);
		rc = PAM_AUTH_ERR;
	}
	if (rc == PAM_SUCCESS) {
		*account = acct;
		acct = NULL;
	}
	free(acct);
	return rc;
}
