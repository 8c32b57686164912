/* pin.c - the PIN from PAM_AUTHTOK or the conversation; every copy the
 * module makes is wiped, and none is stored as PAM_AUTHTOK. */
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

static int pin_prompt(pam_handle_t *pamh, const char *label, char **pin)
{
	char *resp = NULL;
	int rc;

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

int pin_get(pam_handle_t *pamh, const struct options *o, const char *label, char **pin)
{
	*pin = NULL;
	if (o->use_first_pass || o->try_first_pass) {
		int rc = pin_from_authtok(pamh, pin);

		if (rc != PAM_CRED_INSUFFICIENT || o->use_first_pass)
			return rc;
	}
	return pin_prompt(pamh, label, pin);
}

int pin_announce(pam_handle_t *pamh, int flags, const char *label, unsigned token_flags)
{
	if (token_flags & TOK_FLAG_PIN_LOCKED) {
		pam_error(pamh, "The PIN of %s is locked.", label);
		return PAM_MAXTRIES;
	}
	if (flags & PAM_SILENT)
		return PAM_SUCCESS;
	if (token_flags & TOK_FLAG_PIN_FINAL_TRY)
		pam_info(pamh, "Last try before %s locks.", label);
	else if (token_flags & TOK_FLAG_PIN_COUNT_LOW)
		pam_info(pamh, "Few tries left for the PIN of %s.", label);
	return PAM_SUCCESS;
}
