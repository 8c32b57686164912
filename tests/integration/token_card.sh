#!/bin/sh
# token_card.sh - end to end on a real card stack (SPEC 3.3): pcscd, a virtual CAC card in
# vpcd's virtual reader, OpenSC's PKCS#11 module behind p11-kit's proxy as on a workstation
# (tests/vcard.sh).  The right PIN, a wrong one, the card pulled out at the PIN prompt,
# wait_for_card with the card put in after the prompt, no card, two certificates.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
. "$top_srcdir/tests/vcard.sh"
need_wrappers
need_vcard

# libcacard's CAC is RSA only and wants a PIN of 4 to 8 digits.
PIN=24681357
BADPIN=11112222
K=$T/keys
mkdir "$K" || bail "mkdir $K"
pki_init "$T/pki" || bail "cannot make the CA"
for _c in alice mallory; do
	hsm_key rsa2048 "$K/$_c.key" && hsm_cacert "$K/$_c.key" "$_c card" "$K/$_c.pem" &&
		vcard_p12 "$K/$_c.key" "$K/$_c.pem" "$_c" "$K/$_c.p12" ||
		bail "cannot make $_c's key and certificate"
done
vcard_db "$T/db-alice" $PIN "$K/alice.p12" &&
	vcard_db "$T/db-two" $PIN "$K/mallory.p12" "$K/alice.p12" || bail "cannot make the NSS databases"
MAP=$T/map.xml
xml_add "$K/alice.pem" alice | map_simple "$MAP"

vcard_stack_start || bail "cannot start pcscd: $(cat "$T/pcscd.log" 2>&1)"
vcard_start "$T/db-alice" alice || bail "the card does not show: $(cat "$T/card.log" 2>&1)"
# OpenSC names the CAC token after the first certificate's CN.
LABEL="alice card"

# The default pkcs11_module: p11-kit's proxy, which sees OpenSC only here.
BASE="source=pkcs11 mapfile=$MAP token_timeout=20 debug"
tok_svc tc $BASE

# ---------------------------------------------------------------- the PIN

t_tok "the right PIN" PAM_SUCCESS $PIN tc alice
t_prompt "the right PIN: asked for the card by its label" "$LABEL"
t_tlog "the right PIN: logged" notice tc "granted: user 'alice' location 'tc' certificate sha256:"
t_tlog "the right PIN: signed by the card" debug tc "token '$LABEL' signed the challenge with RSA"
t_tok "no user given: the card names alice" PAM_SUCCESS $PIN tc ""

# libcacard answers a wrong PIN with 6985, which OpenSC's CAC driver turns into
# CKR_GENERAL_ERROR, not CKR_PIN_INCORRECT: the module cannot tell it from another refusal,
# so it is a refused login (PAM_AUTH_ERR), never a grant; and the card has no retry counter.
t_tok "a wrong PIN" PAM_AUTH_ERR $BADPIN tc alice
t_tlog "a wrong PIN: logged as the card refusing the login" warning tc \
	"denied: token '$LABEL' refused the login: C_Login failed: CKR_GENERAL_ERROR"
t_tok "a PIN of the wrong length" PAM_AUTH_ERR 123 tc alice
t_tlog "a PIN of the wrong length: logged as a wrong PIN" warning tc \
	"denied: wrong PIN for token '$LABEL'"
t_tok "the right PIN after wrong ones" PAM_SUCCESS $PIN tc alice

# ---------------------------------------------------------------- the card pulled out

tok_start tc alice
if tok_wait_out "PIN for $LABEL: "; then
	vcard_remove || tap_diag "the card did not go: $(cat "$T/card.log")"
	tok_send $PIN
	tok_finish
	tok_check "the card pulled out at the PIN prompt" PAM_AUTHINFO_UNAVAIL
	t_tlog "the card pulled out: logged as removed, not as a wrong PIN" warning tc \
		"denied: token '$LABEL' was removed"
else
	tok_finish
	tap_notok "the card pulled out at the PIN prompt" "no prompt:" "$TOK_OUT"
	tap_notok "the card pulled out: logged as removed, not as a wrong PIN"
fi

# ---------------------------------------------------------------- no card

t_tok "no card and no wait_for_card" PAM_AUTHINFO_UNAVAIL $PIN tc alice
t_no_prompt "no card: no PIN asked"
t_tlog "no card: logged" warning tc "denied: no token with a certificate"

# ---------------------------------------------------------------- wait_for_card

# t_insert NAME SERVICE: the card goes in once the user was told to insert it.
t_insert() {
	tok_start "$2" alice
	if tok_wait_out "Insert your smart card."; then
		tap_ok "$1: the user is told to insert the card"
		vcard_insert || tap_diag "the card did not come: $(cat "$T/card.log")"
	else
		tap_notok "$1: the user is told to insert the card" "$(cat "$T/out")"
	fi
	tok_wait_out "PIN for $LABEL: " && tok_send $PIN
	tok_finish
	tok_check "$1: the card is used" PAM_SUCCESS
}
tok_svc tc-wait $BASE wait_for_card=60
t_insert "wait_for_card, through p11-kit's proxy (polling)" tc-wait
vcard_remove || bail "the card did not go"
tok_svc tc-wait-opensc $BASE wait_for_card=60 pkcs11_module="$OPENSC_P11"
t_insert "wait_for_card, OpenSC directly (slot events)" tc-wait-opensc
vcard_remove || bail "the card did not go"
tok_svc tc-wait-short $BASE wait_for_card=1
t_tok "wait_for_card, no card in time" PAM_AUTHINFO_UNAVAIL $PIN tc-wait-short alice
t_out "no card in time: the user was told" "Insert your smart card."
t_tlog "no card in time: logged" warning tc-wait-short \
	"denied: no smart card was inserted within 1 s"

# ---------------------------------------------------------------- two certificates

vcard_stop || bail "cannot stop the card"
vcard_start "$T/db-two" mallory alice || bail "the second card does not show"
LABEL="mallory card"
t_tok "two certificates, alice's second" PAM_SUCCESS $PIN tc alice
t_prompt "two certificates: the token is named after the first" "$LABEL"
t_tlog "two certificates: the first maps to nobody" debug tc "no mapping for this certificate"
t_tok "two certificates, no user given: alice" PAM_SUCCESS $PIN tc ""
t_tok "two certificates, PAM_USER bob: nothing maps to bob" PAM_AUTH_ERR $PIN tc bob
t_no_prompt "PAM_USER bob: no PIN asked"

# ---------------------------------------------------------------- the end

_card=$CARD_PID _pcscd=$PCSCD_PID
vcard_stack_stop
if ! kill -0 "$_card" 2>/dev/null && ! kill -0 "$_pcscd" 2>/dev/null; then
	tap_ok "the card and pcscd are stopped"
else
	tap_notok "the card and pcscd are stopped"
fi

tap_done
