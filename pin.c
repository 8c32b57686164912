/* pin.c - the PIN from PAM_AUTHTOK or the conversation, every copy the
 * module makes wiped and none stored as PAM_AUTHTOK, and the messages about
 * the token's PIN state. */
#include "config.h"
#include "pin.h"
#include "tokproto.h"

#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>

void pin_free(char *pin)
{
	if (pin == NULL)
		return;
	explicit_bzero(pin, strlen(pin));
	free(pin);
}

static int pin_from_authtok(pam_handle_t *pamh, char **pin)
{
	const void *tok = NULL;

	if (pam_get_item(pamh, PAM_AUTHTOK, &tok) != PAM_SUCCESS || tok == NULL ||
	    *(const char *)tok == '\0')
		return PAM_CRED_INSUFFICIENT;
	*pin = strdup(tok);
	return *pin == NULL ? PAM_BUF_ERR : PAM_SUCCESS;
}

int pin_ask(pam_handle_t *pamh, const char *label, char **pin)
{
	char *resp = NULL;
	int rc;

	*pin = NULL;
	rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "PIN for %s: ", label);
	if (rc != PAM_SUCCESS) {
		pin_free(resp);
		return rc == PAM_BUF_ERR ? PAM_BUF_ERR : PAM_CONV_ERR;
	}
	if (resp == NULL || resp[0] == '\0') {
		pin_free(resp);
		return PAM_CRED_INSUFFICIENT;
	}
	*pin = resp;
	return PAM_SUCCESS;
}

int pin_get(pam_handle_t *pamh, const struct options *o, const char *label, char **pin,
	    enum pin_source *src)
{
	*pin = NULL;
	*src = PIN_TYPED;
	if (o->use_first_pass || o->try_first_pass) {
		int rc = pin_from_authtok(pamh, pin);

		if (rc == PAM_SUCCESS)
			*src = PIN_AUTHTOK;
		if (rc != PAM_CRED_INSUFFICIENT || o->use_first_pass)
			return rc;
	}
	return pin_ask(pamh, label, pin);
}

/* The tries left, as information: PAM_SILENT suppresses it. */
static void tries_left(pam_handle_t *pamh, int flags, const char *label, unsigned token_flags)
{
	if (flags & PAM_SILENT)
		return;
	if (token_flags & TOK_FLAG_PIN_FINAL_TRY)
		pam_info(pamh, "Last try before %s locks.", label);
	else if (token_flags & TOK_FLAG_PIN_COUNT_LOW)
		pam_info(pamh, "Few tries left for the PIN of %s.", label);
}

int pin_announce(pam_handle_t *pamh, int flags, const char *label, unsigned token_flags)
{
	if (token_flags & TOK_FLAG_PIN_LOCKED) {
		pam_error(pamh, "The PIN of %s is locked.", label);
		return PAM_MAXTRIES;
	}
	tries_left(pamh, flags, label, token_flags);
	return PAM_SUCCESS;
}

void pin_pad_notice(pam_handle_t *pamh, const char *label)
{
	pam_info(pamh, "Enter the PIN of %s on the reader's keypad.", label);
}

void pin_refused(pam_handle_t *pamh, int flags, const char *label, uint32_t err,
		 unsigned token_flags)
{
	switch (err) {
	case TOK_E_PIN_EXPIRED:
		pam_error(pamh, "The PIN of %s has expired: change it before logging in "
			  "with the card.", label);
		return;
	case TOK_E_PIN_LOCKED:
		pam_error(pamh, "The PIN of %s is now locked.", label);
		return;
	case TOK_E_PIN_INCORRECT:
	case TOK_E_PIN_INVALID:
	case TOK_E_LOGIN:
		if (token_flags & TOK_FLAG_PIN_LOCKED)
			pam_error(pamh, "The PIN of %s is now locked.", label);
		else
			tries_left(pamh, flags, label, token_flags);
		return;
	default:
		return;
	}
}
