/* token.c - run pam_certmap_token in its own process, so a vendor PKCS#11
 * library that crashes or hangs cannot take the login process with it. */
#include "config.h"
#include "token.h"
#include "subproc.h"
#include "tokchal.h"
#include "tokparse.h"
#include "tokproto.h"
#include "tokreq.h"
#include "tokverify.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <syslog.h>
#include <unistd.h>

#ifndef TOKEN_HELPER_PATH
#error "TOKEN_HELPER_PATH must name the installed pam_certmap_token"
#endif

/* In a setuid caller the invoker wrote the environment: the helper gets
 * none of it.  A site configures its PKCS#11 modules in files instead
 * (p11-kit's /etc/pkcs11/modules, /etc/softhsm/softhsm2.conf). */
static char *const clean_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

static int token_spawn(struct token_session *ts)
{
	char *const *envp = getauxval(AT_SECURE) ? clean_env : environ;
	char err[256];

	if (spawn_start(&ts->sp, TOKEN_HELPER_PATH, "pam_certmap_token", envp, 0, err,
			sizeof(err)) != 0) {
		pam_syslog(ts->pamh, LOG_ERR, "token helper: %s", err);
		return PAM_AUTHINFO_UNAVAIL;
	}
	return PAM_SUCCESS;
}

/* Stop the helper: a second to exit after its socket closed, unless KILL_NOW,
 * then it is killed.  Log how it ended when it did not end well; returns 1
 * when a line was logged. */
static int token_reap(struct token_session *ts, int kill_now)
{
	int code = 0;

	switch (spawn_reap(&ts->sp, kill_now ? 0 : 1000, &code)) {
	case SPAWN_SIGNALLED:
		pam_syslog(ts->pamh, LOG_ERR, "token helper died (signal %d)", code);
		return 1;
	case SPAWN_EXITED:
		if (code == 127) {
			pam_syslog(ts->pamh, LOG_ERR, "token helper %s could not be started",
				   TOKEN_HELPER_PATH);
			return 1;
		}
		if (code != 0) {
			pam_syslog(ts->pamh, LOG_ERR, "token helper exited with status %d", code);
			return 1;
		}
		return 0;
	default:
		/* killed by us (already logged as a time-out), or reaped by the caller */
		return 0;
	}
}

/* The helper failed to answer within TIMEOUT_MS: say how, and stop it. */
static int token_lost(struct token_session *ts, int timeout_ms)
{
	int err = errno, timed_out = err == ETIMEDOUT, hung_up = err == EPIPE || err == ECONNRESET;

	if (timed_out)
		pam_syslog(ts->pamh, LOG_ERR, "token helper timed out after %d s",
			   timeout_ms / 1000);
	else if (err == EPROTO)
		pam_syslog(ts->pamh, LOG_ERR, "token helper sent a malformed frame "
			   "(length out of range)");
	else if (!hung_up)
		pam_syslog(ts->pamh, LOG_ERR, "token helper: %s", strerror(err));
	/* How it died says more than the hang-up; a clean exit says nothing. */
	if (!token_reap(ts, timed_out) && hung_up)
		pam_syslog(ts->pamh, LOG_ERR, "token helper hung up without a complete answer");
	return PAM_AUTHINFO_UNAVAIL;
}

static int token_send(struct token_session *ts, uint8_t type, struct tokbuf *b)
{
	if (b->error)
		return PAM_BUF_ERR;
	if (tok_write_frame(ts->sp.fd, type, b) != 0)
		return token_lost(ts, ts->timeout_ms);
	return PAM_SUCCESS;
}

static int token_recv(struct token_session *ts, uint8_t *type, struct tokbuf *b, int timeout_ms)
{
	if (tok_read_frame(ts->sp.fd, type, b, timeout_ms) != 0)
		return token_lost(ts, timeout_ms);
	return PAM_SUCCESS;
}

/* wait_for_card: the helper found no token and waits for one.  The user is
 * told to insert a card even under PAM_SILENT: like a prompt, it asks for
 * something to be done, and without it the login would seem to hang. */
static int token_wait(struct token_session *ts, const struct options *o, uint8_t *type,
		      struct tokbuf *b)
{
	int rc;

	pam_info(ts->pamh, "Insert your smart card.");
	if (tok_read_frame(ts->sp.fd, type, b, o->wait_for_card * 1000) != 0) {
		if (errno != ETIMEDOUT)
			return token_lost(ts, o->wait_for_card * 1000);
		pam_syslog(ts->pamh, LOG_WARNING, "denied: no smart card was inserted within %d s",
			   o->wait_for_card);
		(void)token_reap(ts, 1);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (*type != TOK_INSERTED)
		return PAM_SUCCESS;  /* token_list says what is wrong with it */
	rc = token_recv(ts, type, b, ts->timeout_ms);
	if (rc == PAM_SUCCESS && o->debug)
		pam_syslog(ts->pamh, LOG_DEBUG, "a smart card was inserted");
	return rc;
}

static int token_list(struct token_session *ts, const struct options *o)
{
	struct tok_list_req req = { (char *)o->pkcs11_module,
				    (char *)(o->token_label ? o->token_label : ""),
				    (uint32_t)o->wait_for_card };
	struct tokbuf b;
	uint8_t type = 0;
	char msg[256];
	int rc;

	tokbuf_init(&b);
	tokreq_put_list(&b, &req);
	rc = token_send(ts, TOK_LIST, &b);
	if (rc == PAM_SUCCESS)
		rc = token_recv(ts, &type, &b, ts->timeout_ms);
	if (rc == PAM_SUCCESS && type == TOK_WAITING && o->wait_for_card > 0)
		rc = token_wait(ts, o, &type, &b);
	if (rc != PAM_SUCCESS)
		goto out;
	if (type == TOK_ERROR) {
		tokparse_error(&b, &ts->flags_after, msg, sizeof(msg));
		pam_syslog(ts->pamh, LOG_ERR, "PKCS#11 module %s cannot be loaded: %s",
			   o->pkcs11_module, msg);
		rc = PAM_AUTHINFO_UNAVAIL;
	} else if (type != TOK_CERTS || tokparse_certs(&b, &ts->certs, &ts->ncerts) != 0) {
		pam_syslog(ts->pamh, LOG_ERR, "token helper: malformed list of certificates");
		rc = PAM_AUTHINFO_UNAVAIL;
	}
out:
	tokbuf_free(&b);
	return rc;
}

int token_open(struct token_session *ts, pam_handle_t *pamh, const struct options *o)
{
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->pamh = pamh;
	ts->sp.pid = -1;
	ts->sp.pidfd = -1;
	ts->sp.fd = -1;
	ts->timeout_ms = o->token_timeout * 1000;
	rc = token_spawn(ts);
	if (rc == PAM_SUCCESS)
		rc = token_list(ts, o);
	return rc;
}

/* What a TOK_ERROR answer to a signing request means for the login. */
static int sign_error(struct token_session *ts, struct tokbuf *b, const char *label,
		      char *why, size_t whylen)
{
	char msg[256];

	ts->last_err = tokparse_error(b, &ts->flags_after, msg, sizeof(msg));
	switch (ts->last_err) {
	case TOK_E_PIN_INCORRECT:
	case TOK_E_PIN_INVALID:
		snprintf(why, whylen, "wrong PIN for token '%s'", label);
		return (ts->flags_after & TOK_FLAG_PIN_LOCKED) ? PAM_MAXTRIES : PAM_AUTH_ERR;
	case TOK_E_PIN_LOCKED:
		snprintf(why, whylen, "PIN of token '%s' is locked", label);
		return PAM_MAXTRIES;
	case TOK_E_PIN_EXPIRED:
		snprintf(why, whylen, "PIN of token '%s' has expired", label);
		return PAM_AUTH_ERR;
	case TOK_E_NO_KEY:
		snprintf(why, whylen, "token '%s' has no private key for this certificate", label);
		return PAM_AUTH_ERR;
	case TOK_E_TOKEN_GONE:
		/* Not a wrong PIN: a stack with authinfo_unavail=ignore goes on
		 * to the password. */
		snprintf(why, whylen, "token '%s' was removed: %s", label, msg);
		return PAM_AUTHINFO_UNAVAIL;
	case TOK_E_DEVICE:
		snprintf(why, whylen, "token '%s' or its reader failed: %s", label, msg);
		return PAM_AUTHINFO_UNAVAIL;
	case TOK_E_LOGIN:
		snprintf(why, whylen, "token '%s' refused the login: %s", label, msg);
		return (ts->flags_after & TOK_FLAG_PIN_LOCKED) ? PAM_MAXTRIES : PAM_AUTH_ERR;
	default:
		snprintf(why, whylen, "token '%s' did not sign: %s", label, msg);
		return PAM_AUTH_ERR;
	}
}

static int sign_answer(struct token_session *ts, struct tokbuf *b, X509 *mapped,
		       const unsigned char *chal, char *why, size_t whylen)
{
	const unsigned char *sig;
	size_t siglen;
	uint32_t alg;

	if (tokparse_signed(b, &alg, &sig, &siglen) != 0) {
		snprintf(why, whylen, "malformed signature from the token helper");
		return PAM_AUTH_ERR;
	}
	switch (tokverify(mapped, alg, chal, TOKCHAL_LEN, sig, siglen)) {
	case TOKVERIFY_OK:
		ts->alg = alg;
		return PAM_SUCCESS;
	case TOKVERIFY_BAD:
		snprintf(why, whylen, "the token's key does not match the mapped certificate");
		return PAM_AUTH_ERR;
	case TOKVERIFY_UNSUPPORTED:
		snprintf(why, whylen, "the certificate's key is not supported (RSA of 2048 to "
			 "8192 bits, or ECDSA on P-256, P-384 or P-521)");
		return PAM_AUTH_ERR;
	default:
		snprintf(why, whylen, "the signature cannot be checked");
		return PAM_AUTH_ERR;
	}
}

int token_prove(struct token_session *ts, size_t idx, const char *pin, int pinpad,
		X509 *mapped, char *why, size_t whylen)
{
	struct tok_sign_req req = { .index = (uint32_t)idx, .pin = (char *)pin };
	unsigned char chal[TOKCHAL_LEN];
	int rc = PAM_AUTH_ERR;
	uint8_t type = 0;
	struct tokbuf b;

	tokbuf_init(&b);
	ts->last_err = 0;
	ts->alg = 0;
	if (ts->sp.fd < 0 || idx >= ts->ncerts) {
		snprintf(why, whylen, "token helper is gone");
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (tokchal_make(&req, chal, mapped, why, whylen) != 0)
		return PAM_AUTHINFO_UNAVAIL;
	req.flags = pinpad ? TOK_SIGN_PINPAD : 0;
	tokreq_put_sign(&b, &req);
	rc = token_send(ts, TOK_SIGN, &b);
	if (rc == PAM_SUCCESS)
		rc = token_recv(ts, &type, &b, ts->timeout_ms + (pinpad ? TOKEN_PINPAD_MS : 0));
	if (rc != PAM_SUCCESS) {
		snprintf(why, whylen, "token helper failed");
	} else if (type == TOK_SIGNED) {
		/* Nothing more is asked of the helper after a signature: it
		 * finalizes and exits while the module checks the signature. */
		spawn_hangup(&ts->sp);
		rc = sign_answer(ts, &b, mapped, chal, why, whylen);
	} else if (type == TOK_ERROR) {
		rc = sign_error(ts, &b, ts->certs[idx].label, why, whylen);
	} else {
		snprintf(why, whylen, "unexpected answer from the token helper");
		rc = PAM_AUTH_ERR;
	}
	tokbuf_free(&b);  /* wipes the PIN */
	return rc;
}

void token_close(struct token_session *ts)
{
	(void)token_reap(ts, 0);
	tokparse_certs_free(ts->certs, ts->ncerts);
	ts->certs = NULL;
	ts->ncerts = 0;
}
