/* pin.h - getting the PIN: from PAM_AUTHTOK with use_first_pass or
 * try_first_pass, else through the conversation (SPEC 3.3). */
#ifndef PAM_CERTMAP_PIN_H
#define PAM_CERTMAP_PIN_H

#include <security/pam_modules.h>
#include "options.h"

/* *pin is a copy the caller wipes with pin_free.  PAM_SUCCESS,
 * PAM_CONV_ERR (the conversation failed), PAM_CRED_INSUFFICIENT (no PIN
 * given) or PAM_BUF_ERR. */
int pin_get(pam_handle_t *pamh, const struct options *o, const char *label, char **pin);

void pin_free(char *pin);

/* Tell the user about the token's PIN state before asking: a locked PIN is
 * an error message; a last try or few tries left are information, which
 * PAM_SILENT suppresses.  Returns PAM_MAXTRIES when the PIN is locked. */
int pin_announce(pam_handle_t *pamh, int flags, const char *label, unsigned token_flags);

#endif
