/* login.c - the PIN checked by the token: always a fresh login, the
 * context-specific login of CKA_ALWAYS_AUTHENTICATE keys, the PIN pad, and
 * what a failed login means (wrong, locked, expired, or the card gone). */
#include "config.h"
#include "helper.h"

#include <stdio.h>

static int user_state(CK_STATE st)
{
	return st == CKS_RO_USER_FUNCTIONS || st == CKS_RW_USER_FUNCTIONS ||
	       st == CKS_RW_SO_FUNCTIONS;
}

/* The token's flags as they are now: a failed login changes them (a PIN
 * locked by this very try shows only here). */
static uint32_t flags_now(struct p11 *p, const struct p11_slot *s)
{
	CK_TOKEN_INFO ti;

	if (p->f->C_GetTokenInfo(s->id, &ti) != CKR_OK)
		return p11_flags(s->token_flags);
	return p11_flags(ti.flags);
}

static uint32_t login_err(CK_RV rv)
{
	switch (rv) {
	case CKR_PIN_INCORRECT:
		return TOK_E_PIN_INCORRECT;
	case CKR_PIN_LEN_RANGE:
	case CKR_PIN_INVALID:
		return TOK_E_PIN_INVALID;
	case CKR_PIN_LOCKED:
		return TOK_E_PIN_LOCKED;
	case CKR_PIN_EXPIRED:
		return TOK_E_PIN_EXPIRED;
	default:
		/* CKR_GENERAL_ERROR and the like: the token refused, and did not
		 * say the PIN was wrong (OpenSC's CAC driver answers a wrong
		 * PIN so).  Not a device error: the card is still there. */
		return TOK_E_LOGIN;
	}
}

static int login(struct p11 *p, struct p11_slot *s, CK_USER_TYPE who,
		 const struct tok_sign_req *req, const char *what, struct p11_result *r)
{
	int pinpad = (req->flags & TOK_SIGN_PINPAD) != 0;
	CK_RV rv;

	/* A PIN pad takes the PIN on its own keys when given none. */
	rv = p->f->C_Login(s->session, who, pinpad ? NULL : (CK_UTF8CHAR_PTR)req->pin,
			   pinpad ? 0 : req->pin_len);
	if (rv == CKR_OK) {
		s->logged_in = 1;
		return 0;
	}
	p11_fail(r, login_err(rv), flags_now(p, s), what, rv);
	return -1;
}

/* A module may share its login state between sessions or processes, and
 * "already logged in" must never pass for a good PIN: end any login first. */
static int logged_out(struct p11 *p, struct p11_slot *s, struct p11_result *r)
{
	CK_SESSION_INFO info;
	CK_RV rv;

	rv = p->f->C_GetSessionInfo(s->session, &info);
	if (rv == CKR_OK && user_state(info.state)) {
		(void)p->f->C_Logout(s->session);
		rv = p->f->C_GetSessionInfo(s->session, &info);
		if (rv == CKR_OK && user_state(info.state)) {
			p11_result_set(r, TOK_E_INTERNAL, p11_flags(s->token_flags),
				       "the token cannot be logged out: the PIN cannot be checked");
			return -1;
		}
	}
	if (rv != CKR_OK) {
		p11_fail(r, TOK_E_INTERNAL, p11_flags(s->token_flags), "C_GetSessionInfo", rv);
		return -1;
	}
	s->logged_in = 0;
	return 0;
}

int p11_login_user(struct p11 *p, struct p11_slot *s, const struct tok_sign_req *req,
		   struct p11_result *r)
{
	if (logged_out(p, s, r) != 0)
		return -1;
	return login(p, s, CKU_USER, req, "C_Login", r);
}

int p11_login_context(struct p11 *p, struct p11_slot *s, const struct tok_sign_req *req,
		      struct p11_result *r)
{
	return login(p, s, CKU_CONTEXT_SPECIFIC, req, "C_Login (context specific)", r);
}
