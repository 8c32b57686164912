/* request.c - state of one authentication and the log lines of SPEC 3.6:
 * user, location, certificate fingerprint and subject on every decision. */
#include "config.h"
#include "request.h"
#include "cert.h"
#include "mapcache.h"
#include "mapindex.h"
#include "mapload.h"

#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

int request_init(struct request *rq, pam_handle_t *pamh, int flags, const struct options *opt)
{
	const void *service = NULL, *user = NULL;

	memset(rq, 0, sizeof(*rq));
	rq->pamh = pamh;
	rq->flags = flags;
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

void request_free(struct request *rq)
{
	mapfile_free(rq->mf);
	free(rq->account);
	X509_free(rq->chosen);
	free(rq->token_label);
	rq->token_label = NULL;
	rq->mf = NULL;
	rq->account = NULL;
	rq->chosen = NULL;
}

/* With debug: where the answer came from, and why not from the index. */
static void log_source(const struct request *rq, const struct mapload_note *note)
{
	if (!rq->opt->debug)
		return;
	if (note->from == MAPLOAD_INDEX)
		pam_syslog(rq->pamh, LOG_DEBUG, "mapping file %s: %s %s%s", rq->opt->mapfile,
			   mapload_from_words(note->from), rq->opt->mapfile, MI_SUFFIX);
	else if (note->index[0] != '\0')
		pam_syslog(rq->pamh, LOG_DEBUG, "mapping file %s: %s; its index is %s",
			   rq->opt->mapfile, mapload_from_words(note->from), note->index);
	else
		pam_syslog(rq->pamh, LOG_DEBUG, "mapping file %s: %s", rq->opt->mapfile,
			   mapload_from_words(note->from));
}

int request_load_mapfile(struct request *rq, const unsigned char *const *der,
			 const size_t *len, size_t n)
{
	struct mapfile_params p = { .cand_der = der, .cand_len = len, .ncand = n };
	struct mapload_note note;
	struct mapfile_error err;
	enum mapfile_status st;

	/* Loaded again after the token signed (flow_token.c): the file as it
	 * is now replaces the one read before the PIN prompt. */
	mapfile_free(rq->mf);
	rq->mf = NULL;
	st = mapload(rq->opt->mapfile, rq->location, &p, &mapcache, &rq->mf, &err, &note);
	if (st != MAPFILE_MISSING && st != MAPFILE_UNSAFE && st != MAPFILE_IO)
		log_source(rq, &note);
	switch (st) {
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

void request_log(const struct request *rq, X509 *x, int rc, const char *why)
{
	const char *user = rc == PAM_SUCCESS ? rq->account : rq->pam_user;
	char sha[65] = "(unknown)";
	char *subject = cert_subject(x);
	char rev[300];

	if (cert_sha256_hex(x, sha) != CERT_OK)
		snprintf(sha, sizeof(sha), "(unknown)");
	revocation_str(&rq->rev, rev, sizeof(rev));
	if (rc == PAM_SUCCESS)
		pam_syslog(rq->pamh, LOG_NOTICE, "granted: user '%s' location '%s' certificate "
			   "sha256:%s subject '%s' revocation: %s", user, rq->location, sha,
			   subject ? subject : "(unknown)", rev);
	else
		pam_syslog(rq->pamh, LOG_WARNING, "denied: %s: user '%s' location '%s' "
			   "certificate sha256:%s subject '%s' revocation: %s", why,
			   user ? user : "(none)", rq->location, sha,
			   subject ? subject : "(unknown)", rev);
	OPENSSL_free(subject);
}
