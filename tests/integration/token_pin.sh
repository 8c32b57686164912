#!/bin/sh
# token_pin.sh - the PIN on the token path: wrong, empty, not given, locked, last try, few
# tries left, use_first_pass / try_first_pass, never kept, and a fresh login every time.
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
else
	for _n in 1 2 3 4 5 6 7 8 9 10 11; do
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
