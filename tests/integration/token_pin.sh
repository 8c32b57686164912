#!/bin/sh
# token_pin.sh - the PIN on the token path: wrong, empty, not given, locked (before, and by
# this try), last try, few tries left, expired, a PIN pad, use_first_pass / try_first_pass,
# never kept, a fresh login every time, and token labels escaped wherever they appear.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_softhsm
[ -f "$P11DIR/shim.so" ] || bail "$P11DIR/shim.so not built"

PIN=918273
BADPIN=564738
LABEL=pintok
SHIM=$P11DIR/shim.so
K=$T/keys
mkdir "$K" || bail "mkdir $K"
pki_init "$T/pki" && hsm_key p256 "$K/key.pem" &&
	hsm_cacert "$K/key.pem" "alice pin" "$K/alice.pem" || bail "cannot make the certificate"
MAP=$T/map.xml
xml_add "$K/alice.pem" alice | map_simple "$MAP"
hsm_setup "$T/hsm" && hsm_token $LABEL $PIN && hsm_put $LABEL $PIN 01 "$K/key.pem" "$K/alice.pem" ||
	bail "cannot fill the token"

BASE="source=pkcs11 mapfile=$MAP"

# t_prompts NAME LABEL N: the last run asked the PIN of LABEL exactly N times.
t_prompts() {
	_tp_n=$(printf '%s\n' "$TOK_OUT" | grep -oF -- "PIN for $2: " | wc -l)
	if [ "$_tp_n" -eq "$3" ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "asked $_tp_n times, want $3:" "$TOK_OUT"
	fi
}

# ---------------------------------------------------------------- the PIN asked

tok_svc_dump tp-plain $BASE pkcs11_module="$HSM_LIB"
t_tok "right PIN" PAM_SUCCESS $PIN tp-plain alice
t_prompt "right PIN: asked as 'PIN for <label>: '" $LABEL
t_no_out "right PIN: no last-try message" "Last try"
t_no_out "right PIN: no few-tries message" "Few tries"

t_tok "wrong PIN" PAM_AUTH_ERR $BADPIN tp-plain alice
t_tlog "wrong PIN: logged" warning tp-plain "denied: wrong PIN for token '$LABEL'"
t_no_log_text "wrong PIN: the PIN is not logged" $BADPIN
t_not_seen "wrong PIN: no PKCS11_LOGIN_TOKEN_NAME" tp-plain PKCS11_LOGIN_TOKEN_NAME

t_tok "right PIN after a wrong one" PAM_SUCCESS $PIN tp-plain alice
t_no_log_text "right PIN: the PIN is not logged" $PIN

t_tok "empty PIN" PAM_CRED_INSUFFICIENT "" tp-plain alice
# pamtester's conversation (misc_conv) answers NULL at end of input
t_tok "no answer to the prompt" PAM_CRED_INSUFFICIENT - tp-plain alice
# pamdrive's conversation fails every prompt
t_drive "the conversation fails" PAM_CONV_ERR alice -u alice tp-plain

# ---------------------------------------------------------------- what the token reports

tok_svc tp-shim $BASE pkcs11_module="$SHIM"
t_tok "through the shim: right PIN" PAM_SUCCESS $PIN tp-shim alice

t_tok "PIN locked on the token" PAM_MAXTRIES $PIN tp-shim alice SHIM_MODE=locked
t_no_prompt "PIN locked: no PIN asked"
t_out "PIN locked: the user is told" "The PIN of $LABEL is locked."
t_tlog "PIN locked: logged" warning tp-shim "denied: PIN of token '$LABEL' is locked"

t_tok "last try: right PIN" PAM_SUCCESS $PIN tp-shim alice SHIM_MODE=final
t_before "last try: the user is told before the prompt" "Last try before $LABEL locks." \
	"PIN for $LABEL: "
TOK_OP="authenticate(PAM_SILENT)"
t_tok "last try, PAM_SILENT: right PIN" PAM_SUCCESS $PIN tp-shim alice SHIM_MODE=final
t_no_out "last try, PAM_SILENT: no message" "Last try"
t_prompt "last try, PAM_SILENT: the PIN is still asked" $LABEL
TOK_OP=authenticate
t_tok "last try: a wrong PIN locks the token" PAM_MAXTRIES $BADPIN tp-shim alice SHIM_MODE=final
t_tlog "last try, wrong PIN: the lock is logged" warning tp-shim \
	"denied: PIN of token '$LABEL' is locked"

t_tok "few tries left: right PIN" PAM_SUCCESS $PIN tp-shim alice SHIM_MODE=low
t_before "few tries left: the user is told before the prompt" \
	"Few tries left for the PIN of $LABEL." "PIN for $LABEL: "
TOK_OP="authenticate(PAM_SILENT)"
t_tok "few tries left, PAM_SILENT: right PIN" PAM_SUCCESS $PIN tp-shim alice SHIM_MODE=low
t_no_out "few tries left, PAM_SILENT: no message" "Few tries"
TOK_OP=authenticate

t_tok "a wrong PIN that locks the token" PAM_MAXTRIES $BADPIN tp-shim alice SHIM_MODE=lockthis
t_before "locked by this try: the last try was told first" "Last try before $LABEL locks." \
	"PIN for $LABEL: "
t_before "locked by this try: then that it is locked now" "PIN for $LABEL: " \
	"The PIN of $LABEL is now locked."
t_tlog "locked by this try: logged" warning tp-shim "denied: wrong PIN for token '$LABEL'"
TOK_OP="authenticate(PAM_SILENT)"
t_tok "locked by this try, PAM_SILENT" PAM_MAXTRIES $BADPIN tp-shim alice SHIM_MODE=lockthis
t_out "locked by this try, PAM_SILENT: an error is still told" "The PIN of $LABEL is now locked."
TOK_OP=authenticate
t_tok "last try: the right PIN does not lock" PAM_SUCCESS $PIN tp-shim alice SHIM_MODE=lockthis

t_tok "an expired PIN" PAM_AUTH_ERR $PIN tp-shim alice SHIM_MODE=expired
t_out "an expired PIN: the user is told" \
	"The PIN of $LABEL has expired: change it before logging in with the card."
t_tlog "an expired PIN: logged" warning tp-shim "denied: PIN of token '$LABEL' has expired"
t_tok "an expired PIN, and a wrong one: just wrong" PAM_AUTH_ERR $BADPIN tp-shim alice \
	SHIM_MODE=expired
t_no_out "a wrong PIN: nothing said of expiry" "expired"

# OpenSC's CAC driver answers a wrong PIN with CKR_GENERAL_ERROR, not CKR_PIN_INCORRECT.
t_tok "a login refused with CKR_GENERAL_ERROR" PAM_AUTH_ERR $PIN tp-shim alice \
	SHIM_MODE=general
t_tlog "CKR_GENERAL_ERROR: logged as a refused login" warning tp-shim \
	"denied: token '$LABEL' refused the login: C_Login failed: CKR_GENERAL_ERROR"

# ---------------------------------------------------------------- a PIN pad

t_tok "PIN pad: the PIN typed on the reader" PAM_SUCCESS - tp-shim alice SHIM_MODE=pinpad \
	SHIM_PIN=$PIN
t_no_prompt "PIN pad: no PIN prompt"
t_out "PIN pad: the user is told where to type it" \
	"Enter the PIN of $LABEL on the reader's keypad."
TOK_OP="authenticate(PAM_SILENT)"
t_tok "PIN pad, PAM_SILENT" PAM_SUCCESS - tp-shim alice SHIM_MODE=pinpad SHIM_PIN=$PIN
t_out "PIN pad, PAM_SILENT: still told, as a prompt would be" \
	"Enter the PIN of $LABEL on the reader's keypad."
TOK_OP=authenticate
t_tok "PIN pad: a wrong PIN on the reader" PAM_AUTH_ERR - tp-shim alice SHIM_MODE=pinpad \
	SHIM_PIN=$BADPIN
t_tlog "PIN pad, wrong PIN: logged" warning tp-shim "denied: wrong PIN for token '$LABEL'"
# The user types on the reader while the helper waits in C_Login: that wait is not bound by
# token_timeout (the control: token_faults.sh's C_Login that hangs without a PIN pad).
HELPER_TIMED=yes
tok_svc tp-pad-slow $BASE pkcs11_module="$SHIM" token_timeout=1
t_tok "PIN pad, 2 s to type the PIN, token_timeout=1" PAM_SUCCESS - tp-pad-slow alice \
	SHIM_MODE=pinpad_slow SHIM_PIN=$PIN
HELPER_TIMED=""

# ---------------------------------------------------------------- token labels

EVIL=$(printf 'pin\033[2Jtok\r\nx')
tok_svc_dump tp-label $BASE pkcs11_module="$SHIM"
t_tok "a label with control characters" PAM_SUCCESS $PIN tp-label alice SHIM_LABEL="$EVIL"
t_prompt "a label with control characters: the prompt shows it escaped" \
	'pin\x1b[2Jtok\x0d\x0ax'
t_no_out "a label with control characters: no escape character reaches the user" \
	"$(printf '\033')"
t_seen "a label with control characters: exported escaped" tp-label \
	'PKCS11_LOGIN_TOKEN_NAME=pin\x1b[2Jtok\x0d\x0ax'
t_tok "a label with control characters, wrong PIN" PAM_AUTH_ERR $BADPIN tp-label alice \
	SHIM_LABEL="$EVIL"
t_tlog "a label with control characters: logged escaped" warning tp-label \
	"denied: wrong PIN for token 'pin\x1b[2Jtok\x0d\x0ax'"
t_tok "a UTF-8 label" PAM_SUCCESS $PIN tp-label alice SHIM_LABEL="Carte de Zoé"
t_prompt "a UTF-8 label: shown as it is" "Carte de Zoé"

# Another application logged the token in: the PIN typed must still be checked.
t_tok "token already logged in: wrong PIN denied" PAM_AUTH_ERR $BADPIN tp-shim alice \
	SHIM_MODE=loggedin SHIM_PIN=$PIN
t_tok "token already logged in: right PIN" PAM_SUCCESS $PIN tp-shim alice \
	SHIM_MODE=loggedin SHIM_PIN=$PIN

# ---------------------------------------------------------------- use_first_pass, try_first_pass

if [ -n "$PAM_SET_ITEMS" ]; then
	tok_svc_authtok tp-ufp $BASE pkcs11_module="$HSM_LIB" use_first_pass
	t_tok "use_first_pass: PAM_AUTHTOK is the PIN" PAM_SUCCESS - tp-ufp alice PAM_AUTHTOK=$PIN
	t_no_prompt "use_first_pass: no PIN asked"
	t_tok "use_first_pass: a wrong PAM_AUTHTOK" PAM_AUTH_ERR $PIN tp-ufp alice \
		PAM_AUTHTOK=$BADPIN
	t_no_prompt "use_first_pass, wrong PAM_AUTHTOK: no PIN asked"
	t_tok "use_first_pass without PAM_AUTHTOK" PAM_CRED_INSUFFICIENT $PIN tp-ufp alice
	t_no_prompt "use_first_pass without PAM_AUTHTOK: no PIN asked"

	tok_svc_authtok tp-ufp-shim $BASE pkcs11_module="$SHIM" use_first_pass
	t_tok "use_first_pass, PIN locked" PAM_MAXTRIES - tp-ufp-shim alice PAM_AUTHTOK=$PIN \
		SHIM_MODE=locked

	tok_svc_authtok tp-tfp $BASE pkcs11_module="$HSM_LIB" try_first_pass
	t_tok "try_first_pass: PAM_AUTHTOK is the PIN" PAM_SUCCESS - tp-tfp alice PAM_AUTHTOK=$PIN
	t_no_prompt "try_first_pass with PAM_AUTHTOK: no PIN asked"
	t_tok "try_first_pass without PAM_AUTHTOK: asked" PAM_SUCCESS $PIN tp-tfp alice
	t_prompt "try_first_pass without PAM_AUTHTOK: the PIN is asked" $LABEL
	t_tok "try_first_pass, PAM_AUTHTOK refused: one prompt, the right PIN" PAM_SUCCESS $PIN \
		tp-tfp alice PAM_AUTHTOK=$BADPIN
	t_prompts "try_first_pass, PAM_AUTHTOK refused: asked exactly once" $LABEL 1
	t_tok "try_first_pass, PAM_AUTHTOK refused, then a wrong PIN" PAM_AUTH_ERR \
		"$BADPIN
$PIN" tp-tfp alice PAM_AUTHTOK=$BADPIN
	t_prompts "try_first_pass, two wrong PINs: still asked only once" $LABEL 1
	t_tlog "try_first_pass, two wrong PINs: logged once" warning tp-tfp \
		"denied: wrong PIN for token '$LABEL'"

	tok_svc_authtok tp-tfp-shim $BASE pkcs11_module="$SHIM" try_first_pass
	t_tok "try_first_pass, PAM_AUTHTOK locks the token: no prompt" PAM_MAXTRIES $PIN \
		tp-tfp-shim alice PAM_AUTHTOK=$BADPIN SHIM_MODE=lockthis
	t_no_prompt "try_first_pass, locked by PAM_AUTHTOK: no PIN asked"
	t_tok "try_first_pass, PAM_AUTHTOK refused, few tries left" PAM_SUCCESS $PIN \
		tp-tfp-shim alice PAM_AUTHTOK=$BADPIN SHIM_MODE=low
	_few=$(printf '%s\n' "$TOK_OUT" | grep -c "Few tries left for the PIN of $LABEL.")
	if [ "$_few" -eq 2 ]; then
		tap_ok "try_first_pass, few tries left: told before, and again after the refusal"
	else
		tap_notok "try_first_pass, few tries left: told before, and again after the refusal" \
			"told $_few times:" "$TOK_OUT"
	fi
	t_before "try_first_pass, few tries left: the prompt comes after" \
		"Few tries left for the PIN of $LABEL." "PIN for $LABEL: "
	tok_svc_authtok tp-ufp-pad $BASE pkcs11_module="$SHIM" use_first_pass
	t_tok "use_first_pass and a PIN pad: the pad, not PAM_AUTHTOK" PAM_SUCCESS - tp-ufp-pad \
		alice PAM_AUTHTOK=$BADPIN SHIM_MODE=pinpad SHIM_PIN=$PIN
else
	for _n in $(seq 22); do
		tap_skip "use_first_pass / try_first_pass ($_n)" "pam_set_items.so not found"
	done
fi

# The PIN asked is not kept as PAM_AUTHTOK: a second instance with use_first_pass finds none.
{
	printf 'auth required %s %s\n' "$MODULE" "$BASE pkcs11_module=$HSM_LIB"
	printf 'auth required %s %s\n' "$MODULE" "$BASE pkcs11_module=$HSM_LIB use_first_pass"
} > "$PAMDIR/tp-keep" || bail "cannot write service tp-keep"
t_tok "the PIN is not kept as PAM_AUTHTOK" PAM_CRED_INSUFFICIENT $PIN tp-keep alice

tap_done
