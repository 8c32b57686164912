/* pin.h - the PIN: from PAM_AUTHTOK with use_first_pass or try_first_pass,
 * else through the conversation (SPEC 3.3), and what the user is told about
 * the token's PIN before and after a try. */
#ifndef PAM_CERTMAP_PIN_H
#define PAM_CERTMAP_PIN_H

#include <security/pam_modules.h>
#include <stdint.h>
#include "options.h"

enum pin_source {
	PIN_TYPED = 0,      /* answered to the prompt */
	PIN_AUTHTOK,        /* taken from PAM_AUTHTOK (use_first_pass, try_first_pass) */
};

/* *pin is a copy the caller wipes with pin_free; *SRC says where it came
 * from.  PAM_SUCCESS, PAM_CONV_ERR (the conversation failed),
 * PAM_CRED_INSUFFICIENT (no PIN given) or PAM_BUF_ERR. */
int pin_get(pam_handle_t *pamh, const struct options *o, const char *label, char **pin,
	    enum pin_source *src);

/* The prompt alone: the one more try after try_first_pass's PAM_AUTHTOK
 * was refused.  Codes as pin_get. */
int pin_ask(pam_handle_t *pamh, const char *label, char **pin);

void pin_free(char *pin);

/* Before asking: a locked PIN is an error message; a last try or few tries
 * left are information, which PAM_SILENT suppresses.  Returns PAM_MAXTRIES
 * when the PIN is locked. */
int pin_announce(pam_handle_t *pamh, int flags, const char *label, unsigned token_flags);

/* A PIN pad: the user types the PIN on the reader.  Told even under
 * PAM_SILENT, as a prompt would be: it asks the user to act. */
void pin_pad_notice(pam_handle_t *pamh, const char *label);

/* After the token refused the PIN (TOK_E_* ERR, the token's flags read
 * after the try): a PIN this try locked and an expired PIN are errors;
 * a last try or few tries left are information, as in pin_announce. */
void pin_refused(pam_handle_t *pamh, int flags, const char *label, uint32_t err,
		 unsigned token_flags);

#endif
