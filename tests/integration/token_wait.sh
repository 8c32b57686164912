#!/bin/sh
# token_wait.sh - wait_for_card (SPEC 3.3): with no token present the user is told once to
# insert a smart card, and a card that comes within the time is used, found by slot events
# where the PKCS#11 module has them and by polling where it does not; none in time is
# PAM_AUTHINFO_UNAVAIL.  tests/p11/slots.c keeps SoftHSM2's token away until a file exists.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_softhsm
[ -f "$P11DIR/slots.so" ] || bail "$P11DIR/slots.so not built"
# a private copy: a helper left running would map it, and t_gone would see it
cp "$P11DIR/slots.so" "$T/slots.so" || bail "cannot copy slots.so"

PIN=246802
K=$T/keys
mkdir "$K" || bail "mkdir $K"
pki_init "$T/pki" && hsm_key p256 "$K/key.pem" &&
	hsm_cacert "$K/key.pem" "alice wait" "$K/alice.pem" || bail "cannot make the certificate"
MAP=$T/map.xml
xml_add "$K/alice.pem" alice | map_simple "$MAP"
hsm_setup "$T/hsm" && hsm_token waitcard $PIN &&
	hsm_put waitcard $PIN 01 "$K/key.pem" "$K/alice.pem" || bail "cannot fill the token"

CARD=$T/card
TRACE=$T/trace
BASE="source=pkcs11 mapfile=$MAP pkcs11_module=$T/slots.so"
INSERT="Insert your smart card."

# t_trace NAME WORD MIN: the wrapper's trace holds WORD at least MIN times (0: never).
t_trace() {
	_tt_n=$(grep -cx -- "$2" "$TRACE" 2>/dev/null)
	if { [ "$3" -eq 0 ] && [ "$_tt_n" -eq 0 ]; } || { [ "$3" -gt 0 ] && [ "$_tt_n" -ge "$3" ]; }
	then
		tap_ok "$1"
	else
		tap_notok "$1" "'$2' $_tt_n times in the trace, want $([ "$3" -eq 0 ] && echo none ||
			echo "$3 or more"):" "$(sort "$TRACE" 2>&1 | uniq -c)"
	fi
}

# insert_after_prompt NAME EVENTS: the card goes in once the user was told; then the PIN.
insert_after_prompt() {
	rm -f "$CARD" "$TRACE"
	tok_start tw-wait alice SLOTS_CARD="$CARD" SLOTS_TRACE="$TRACE" SLOTS_EVENTS="$2"
	if tok_wait_out "$INSERT"; then
		tap_ok "$1: the user is told to insert a card"
	else
		tap_notok "$1: the user is told to insert a card" "$(cat "$T/out")"
	fi
	sleep 0.5
	: > "$CARD"
	if tok_wait_out "PIN for waitcard: "; then
		tap_ok "$1: the card is seen, its PIN asked"
		tok_send $PIN
	else
		tap_notok "$1: the card is seen, its PIN asked" "$(cat "$T/out")"
	fi
	tok_finish
	tok_check "$1: authenticated" PAM_SUCCESS
	_ti_n=$(grep -cF -- "$INSERT" "$T/out")
	if [ "$_ti_n" -eq 1 ]; then
		tap_ok "$1: told once"
	else
		tap_notok "$1: told once" "told $_ti_n times"
	fi
}

# ---------------------------------------------------------------- a card after the prompt

tok_svc tw-wait $BASE wait_for_card=30
insert_after_prompt "slot events" 1
t_trace "slot events: the helper waited in C_WaitForSlotEvent" block 1
insert_after_prompt "no slot events: polling" 0
t_trace "polling: no blocking wait" block 0
t_trace "polling: the slot list was asked again and again" list 3

# token_timeout bounds each answer of the helper, not the wait for the card (a timed run:
# under valgrind the helper is not followed, softhsm.sh).
HELPER_TIMED=yes
tok_svc tw-wait $BASE wait_for_card=30 token_timeout=1
insert_after_prompt "token_timeout shorter than the wait" 0
HELPER_TIMED=""

# ---------------------------------------------------------------- the card already there

rm -f "$TRACE"
: > "$CARD"
tok_svc tw-there $BASE wait_for_card=30
t_tok "the card is already there" PAM_SUCCESS $PIN tw-there alice SLOTS_CARD="$CARD" \
	SLOTS_EVENTS=1 SLOTS_TRACE="$TRACE"
t_no_out "the card is already there: nothing said about inserting one" "$INSERT"
t_trace "the card is already there: no wait" block 0

# ---------------------------------------------------------------- no card

rm -f "$CARD"
HELPER_TIMED=yes
tok_svc tw-none $BASE wait_for_card=1
for _e in 1 0; do
	t_tok "no card within wait_for_card (events $_e)" PAM_AUTHINFO_UNAVAIL $PIN tw-none alice \
		SLOTS_CARD="$CARD" SLOTS_EVENTS=$_e
	t_out "no card (events $_e): the user was told to insert one" "$INSERT"
	t_no_prompt "no card (events $_e): no PIN asked"
	t_tlog "no card (events $_e): logged" warning tw-none \
		"denied: no smart card was inserted within 1 s"
	t_gone "no card (events $_e): the waiting helper was stopped" "$T/slots.so"
done
HELPER_TIMED=""

tok_svc tw-nowait $BASE
t_tok "no card and no wait_for_card" PAM_AUTHINFO_UNAVAIL $PIN tw-nowait alice \
	SLOTS_CARD="$CARD"
t_no_out "no wait_for_card: nothing said" "$INSERT"
t_tlog "no wait_for_card: logged" warning tw-nowait "denied: no token with a certificate"

tok_svc tw-label $BASE wait_for_card=1 token_label=another
: > "$CARD"
t_tok "wait_for_card waits for the token_label's token" PAM_AUTHINFO_UNAVAIL $PIN tw-label \
	alice SLOTS_CARD="$CARD"
t_out "another token is there: told to insert the labelled one" "$INSERT"

tap_done
