#!/bin/sh
# token_faults.sh - what a broken token stack does to the caller: a PKCS#11 module that hangs,
# crashes, fails or is missing, a card pulled out or a reader error, no token, no
# certificate, bad token options; and callers that are hard on a child process (fds 0-2
# closed, SIGCHLD ignored or reaped by the caller).  The caller always gets an answer in time
# and lives on.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_softhsm
for _m in hang crash shim; do
	[ -f "$P11DIR/$_m.so" ] || bail "$P11DIR/$_m.so not built"
done

PIN=192837
K=$T/keys
mkdir "$K" || bail "mkdir $K"
pki_init "$T/pki" && hsm_key p256 "$K/key.pem" &&
	hsm_cacert "$K/key.pem" "alice faults" "$K/alice.pem" || bail "cannot make the certificate"
MAP=$T/map.xml
xml_add "$K/alice.pem" alice | map_simple "$MAP"
hsm_setup "$T/hsm" && hsm_token faults $PIN && hsm_put faults $PIN 01 "$K/key.pem" "$K/alice.pem" ||
	bail "cannot fill the token"
CONF=$SOFTHSM2_CONF
hsm_setup "$T/hsm-empty" || bail "cannot set up an empty SoftHSM2"
CONF_EMPTY=$SOFTHSM2_CONF
hsm_setup "$T/hsm-nocert" && hsm_token bare $PIN || bail "cannot make a token"
CONF_NOCERT=$SOFTHSM2_CONF
SOFTHSM2_CONF=$CONF
export SOFTHSM2_CONF

# Private copies: a helper left running would still map its own copy, whatever else runs.
cp "$P11DIR/hang.so" "$T/hang.so" && cp "$P11DIR/crash.so" "$T/crash.so" &&
	cp "$P11DIR/shim.so" "$T/shim.so" || bail "cannot copy the test modules"

BASE="source=pkcs11 mapfile=$MAP"
TIMEOUT=2

# t_elapsed NAME MIN_MS MAX_MS: the last run took between MIN_MS and MAX_MS (plus what a
# memory checker adds to the start of pamtester and the helper).
t_elapsed() {
	if [ "$TOK_MS" -ge "$2" ] && [ "$TOK_MS" -le "$(($3 + MEMCHECK_SLACK_MS))" ]; then
		tap_ok "$1"
		tap_diag "took $TOK_MS ms"
	else
		tap_notok "$1" "took $TOK_MS ms, want $2..$(($3 + MEMCHECK_SLACK_MS)) ms"
	fi
}

# t_not_signalled NAME: pamtester exited by itself (it was not killed by a signal).
t_not_signalled() {
	if [ "$TOK_RC" -lt 128 ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "pamtester died of signal $((TOK_RC - 128))" "$TOK_OUT"
	fi
}

# ---------------------------------------------------------------- the baseline

# Up to the crashes, times are measured: no memory checker on the helper (softhsm.sh).
HELPER_TIMED=yes

tok_svc tf-ok $BASE pkcs11_module="$HSM_LIB" token_timeout=$TIMEOUT
t_tok "a working token within token_timeout" PAM_SUCCESS $PIN tf-ok alice

# ---------------------------------------------------------------- a module that hangs

tok_svc tf-hang $BASE pkcs11_module="$T/hang.so" token_timeout=$TIMEOUT
t_tok "C_Initialize hangs" PAM_AUTHINFO_UNAVAIL $PIN tf-hang alice
t_elapsed "C_Initialize hangs: the answer comes within token_timeout + 1 s" \
	$((TIMEOUT * 1000 - 100)) $((TIMEOUT * 1000 + 1000))
t_no_prompt "C_Initialize hangs: no PIN asked"
t_tlog "C_Initialize hangs: logged" err tf-hang "token helper timed out after $TIMEOUT s"
t_gone "C_Initialize hangs: the helper was killed" "$T/hang.so"
t_not_signalled "C_Initialize hangs: pamtester lives on"

tok_svc tf-hang-login $BASE pkcs11_module="$T/shim.so" token_timeout=$TIMEOUT
# What the listing before the PIN takes: a locked PIN ends the run right after it.
t_tok "listing alone (PIN locked)" PAM_MAXTRIES $PIN tf-hang-login alice SHIM_MODE=locked
LIST_MS=$TOK_MS
t_tok "C_Login hangs" PAM_AUTHINFO_UNAVAIL $PIN tf-hang-login alice SHIM_MODE=hang_login
t_prompt "C_Login hangs: the PIN was asked" faults
t_elapsed "C_Login hangs: the answer comes within token_timeout + 1 s of the PIN" \
	$((TIMEOUT * 1000 - 100)) $((LIST_MS + TIMEOUT * 1000 + 1000))
t_tlog "C_Login hangs: logged" err tf-hang-login "token helper timed out after $TIMEOUT s"
t_gone "C_Login hangs: the helper was killed" "$T/shim.so"

# ---------------------------------------------------------------- a module that crashes

HELPER_TIMED=""
EXPECT_CRASH=yes
tok_svc tf-crash $BASE pkcs11_module="$T/crash.so"
t_tok "C_GetSlotList crashes" PAM_AUTHINFO_UNAVAIL $PIN tf-crash alice
t_not_signalled "C_GetSlotList crashes: pamtester lives on"
t_no_prompt "C_GetSlotList crashes: no PIN asked"
t_tlog "C_GetSlotList crashes: logged" err tf-crash "token helper died (signal 11)"

t_tok "C_Initialize crashes" PAM_AUTHINFO_UNAVAIL $PIN tf-crash alice CRASH_AT=initialize
t_not_signalled "C_Initialize crashes: pamtester lives on"
t_tlog "C_Initialize crashes: logged" err tf-crash "token helper died (signal 11)"

tok_svc tf-crash-login $BASE pkcs11_module="$T/shim.so"
t_tok "C_Login crashes" PAM_AUTHINFO_UNAVAIL $PIN tf-crash-login alice SHIM_MODE=crash_login
t_not_signalled "C_Login crashes: pamtester lives on"
t_tlog "C_Login crashes: logged" err tf-crash-login "token helper died (signal 11)"
EXPECT_CRASH=""

# ---------------------------------------------------------------- modules that cannot serve

tok_svc tf-missing $BASE pkcs11_module="$T/no-such-module.so"
t_tok "pkcs11_module does not exist" PAM_AUTHINFO_UNAVAIL $PIN tf-missing alice
t_no_prompt "pkcs11_module does not exist: no PIN asked"
t_tlog "pkcs11_module does not exist: logged" err tf-missing \
	"PKCS#11 module $T/no-such-module.so cannot be loaded"

echo "not a library" > "$T/text.so"
tok_svc tf-text $BASE pkcs11_module="$T/text.so"
t_tok "pkcs11_module is not a library" PAM_AUTHINFO_UNAVAIL $PIN tf-text alice
t_tlog "pkcs11_module is not a library: logged" err tf-text \
	"PKCS#11 module $T/text.so cannot be loaded"

# a shared object without C_GetFunctionList: the test module built for pam_wrapper
tok_svc tf-notp11 $BASE pkcs11_module="$PAM_SET_ITEMS"
if [ -n "$PAM_SET_ITEMS" ]; then
	t_tok "pkcs11_module is a library but no PKCS#11 module" PAM_AUTHINFO_UNAVAIL $PIN \
		tf-notp11 alice
else
	tap_skip "pkcs11_module is a library but no PKCS#11 module" "no such library found"
fi

tok_svc tf-initfail $BASE pkcs11_module="$T/shim.so"
t_tok "C_Initialize fails" PAM_AUTHINFO_UNAVAIL $PIN tf-initfail alice SHIM_MODE=initfail
t_no_prompt "C_Initialize fails: no PIN asked"

# ---------------------------------------------------------------- no token, no certificate

tok_svc tf-hsm $BASE pkcs11_module="$HSM_LIB"
t_tok "no token" PAM_AUTHINFO_UNAVAIL $PIN tf-hsm alice SOFTHSM2_CONF="$CONF_EMPTY"
t_no_prompt "no token: no PIN asked"
t_tlog "no token: logged" warning tf-hsm "denied: no token with a certificate"
t_tok "no token, empty PAM_USER" PAM_AUTHINFO_UNAVAIL $PIN tf-hsm "" SOFTHSM2_CONF="$CONF_EMPTY"
t_tok "a token without certificates" PAM_AUTHINFO_UNAVAIL $PIN tf-hsm alice \
	SOFTHSM2_CONF="$CONF_NOCERT"
t_no_prompt "a token without certificates: no PIN asked"

# ---------------------------------------------------------------- a card pulled out

# t_gone_card NAME MODE WHERE: the shim plays MODE; PAM_AUTHINFO_UNAVAIL, not a wrong PIN.
t_gone_card() {
	t_tok "$1" PAM_AUTHINFO_UNAVAIL $PIN tf-gone alice SHIM_MODE=$2
	t_tlog "$1: logged" warning tf-gone "$3"
	t_no_out "$1: not told as a wrong PIN" "locked"
}
tok_svc tf-gone $BASE pkcs11_module="$T/shim.so"
t_gone_card "card pulled out at the PIN prompt (C_Login: CKR_DEVICE_REMOVED)" gone_login \
	"denied: token 'faults' was removed: C_Login failed: CKR_DEVICE_REMOVED"
t_gone_card "card pulled out and put back (C_Login: CKR_SESSION_HANDLE_INVALID)" session_gone \
	"denied: token 'faults' was removed: C_Login failed: CKR_SESSION_HANDLE_INVALID"
t_gone_card "card pulled out while signing (C_Sign: CKR_DEVICE_REMOVED)" gone_sign \
	"denied: token 'faults' was removed: C_Sign failed: CKR_DEVICE_REMOVED"
t_gone_card "a reader error while signing (C_Sign: CKR_DEVICE_ERROR)" device_sign \
	"denied: token 'faults' or its reader failed: C_Sign failed: CKR_DEVICE_ERROR"

# What that is for: a card-or-password stack goes on to the next module.
PAM_PERMIT=$(dirname "${PAM_EXEC:-/x/x}")/pam_permit.so
if [ -n "$PAM_EXEC" ] && [ -f "$PAM_PERMIT" ]; then
	{
		printf 'auth [success=done authinfo_unavail=ignore default=die] %s %s\n' "$MODULE" \
			"$TOK_DEFAULTS $BASE pkcs11_module=$T/shim.so"
		printf 'auth required %s\n' "$PAM_PERMIT"
	} > "$PAMDIR/tf-fallback" || bail "cannot write tf-fallback"
	t_tok "card pulled out: a card-or-password stack reaches the next module" PAM_SUCCESS \
		$PIN tf-fallback alice SHIM_MODE=gone_login
	t_tok "wrong PIN: the same stack stops" PAM_AUTH_ERR 000000 tf-fallback alice
else
	tap_skip "card pulled out: a card-or-password stack" "pam_permit.so not found"
	tap_skip "wrong PIN: the same stack stops" "pam_permit.so not found"
fi

# ---------------------------------------------------------------- callers hard on children

tok_svc tf-caller $BASE pkcs11_module="$HSM_LIB"
t_drive "a caller with fds 0, 1 and 2 closed" PAM_SUCCESS alice -c -p $PIN -u alice tf-caller
t_drive "a caller that ignores SIGCHLD" PAM_SUCCESS alice -S ignore -p $PIN -u alice tf-caller
t_drive "a caller that reaps its children itself" PAM_SUCCESS alice -S reap -p $PIN -u alice \
	tf-caller
t_drive "fds closed and SIGCHLD reaped: a wrong PIN is still wrong" PAM_AUTH_ERR alice -c \
	-S reap -p 000000 -u alice tf-caller

# A helper that hangs is killed through its pidfd, whatever the caller does with SIGCHLD:
# after the caller reaped it, its PID may be another process's.
# As for the other timed runs, a memory checker does not follow the helper (softhsm.sh).
tok_svc tf-caller-hang $BASE pkcs11_module="$T/hang.so" token_timeout=$TIMEOUT
for _s in ignore reap; do
	_t0=$(date +%s%N)
	drive_check "SIGCHLD $_s: C_Initialize hangs" PAM_AUTHINFO_UNAVAIL alice \
		$MEMCHECK_NOHELPER "$PAMDRIVE" -S $_s -p $PIN -u alice tf-caller-hang
	TOK_MS=$((($(date +%s%N) - _t0) / 1000000))
	t_elapsed "SIGCHLD $_s: the answer comes within token_timeout + 1 s" \
		$((TIMEOUT * 1000 - 100)) $((TIMEOUT * 1000 + 1000))
	t_tlog "SIGCHLD $_s: logged" err tf-caller-hang "token helper timed out after $TIMEOUT s"
	t_gone "SIGCHLD $_s: the helper was killed" "$T/hang.so"
done

# ---------------------------------------------------------------- token options

for _v in 0 -1 301 abc 2s ""; do
	tok_svc tf-opt $BASE pkcs11_module="$HSM_LIB" token_timeout=$_v
	t_tok "token_timeout=$_v is refused" PAM_SERVICE_ERR $PIN tf-opt alice
done
t_no_prompt "a refused option: no PIN asked"
HELPER_TIMED=yes
for _v in 1 300; do
	tok_svc tf-opt $BASE pkcs11_module="$HSM_LIB" token_timeout=$_v
	t_tok "token_timeout=$_v is taken" PAM_SUCCESS $PIN tf-opt alice
done
HELPER_TIMED=""

tap_done
