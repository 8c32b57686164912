# softhsm.sh - SoftHSM2 tokens, keys and certificates for the token tests, and pamtester runs
# that answer the PIN prompt.  Sourced after lib.sh and pki.sh.

HSM_LIB=${HSM_LIB:-/usr/lib/softhsm/libsofthsm2.so}
# the test PKCS#11 modules (check_LTLIBRARIES tests/p11/*.la)
P11DIR=$top_builddir/tests/p11/.libs
# the module built to exec the helper of the build tree
MODULE=$top_builddir/tests/.libs/pam_certmap_uninst.so
HELPER=$top_builddir/token/pam_certmap_token

# Token tests call this after need_wrappers.
need_softhsm() {
	[ -f "$HSM_LIB" ] || skip_all "$HSM_LIB not installed"
	for _p in softhsm2-util pkcs11-tool openssl; do
		command -v $_p >/dev/null 2>&1 || skip_all "$_p not installed"
	done
	[ -x "$HELPER" ] || bail "$HELPER not built"
	# a dying test module must not leave cores behind
	ulimit -c 0
}

# ---------------------------------------------------------------- SoftHSM2

# hsm_setup DIR: a private SoftHSM2 configuration and token directory; exports SOFTHSM2_CONF.
# A new DIR starts with no token at all (SoftHSM2 then shows one empty slot).
hsm_setup() {
	mkdir -p "$1/tokens" || return 1
	cat > "$1/softhsm2.conf" <<EOF || return 1
directories.tokendir = $1/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
	SOFTHSM2_CONF=$1/softhsm2.conf
	export SOFTHSM2_CONF
}

# hsm_token LABEL PIN: initialise a token in the first free slot.
hsm_token() {
	softhsm2-util --init-token --free --label "$1" --pin "$2" --so-pin 87654321 \
		>/dev/null 2>"$T/hsm.err" || { cat "$T/hsm.err" >&2; return 1; }
}

# hsm_import_key TOKEN PIN ID KEYFILE [LABEL]: a PEM private key, as a key pair with CKA_ID ID
# (hex).
hsm_import_key() {
	openssl pkcs8 -topk8 -nocrypt -in "$4" -out "$4.pk8" 2>/dev/null || return 1
	softhsm2-util --import "$4.pk8" --token "$1" --pin "$2" --id "$3" --label "${5:-key$3}" \
		>/dev/null 2>"$T/hsm.err" || { cat "$T/hsm.err" >&2; return 1; }
}

# hsm_import_cert TOKEN PIN ID CERTFILE [LABEL]: a PEM certificate with CKA_ID ID (hex).
hsm_import_cert() {
	openssl x509 -in "$4" -outform DER -out "$4.der" || return 1
	pkcs11-tool --module "$HSM_LIB" --token-label "$1" --login --pin "$2" \
		--write-object "$4.der" --type cert --id "$3" --label "${5:-cert$3}" \
		>/dev/null 2>"$T/hsm.err" || { cat "$T/hsm.err" >&2; return 1; }
}

# hsm_put TOKEN PIN ID KEYFILE CERTFILE: a key and its certificate under one ID.
hsm_put() {
	hsm_import_key "$1" "$2" "$3" "$4" && hsm_import_cert "$1" "$2" "$3" "$5"
}

# Labels of the initialised tokens, one a line, in slot order (the order of C_GetSlotList).
hsm_labels() {
	pkcs11-tool --module "$HSM_LIB" -L 2>/dev/null |
		sed -n 's/^ *token label *: *//p' | sed 's/ *$//'
}

# ---------------------------------------------------------------- keys and certificates

# hsm_key TYPE FILE: a new PEM private key; TYPE is rsa2048 rsa3072 p256 p384 p521.
hsm_key() {
	case $1 in
	rsa2048) set -- "$2" -algorithm RSA -pkeyopt rsa_keygen_bits:2048 ;;
	rsa3072) set -- "$2" -algorithm RSA -pkeyopt rsa_keygen_bits:3072 ;;
	p256) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ;;
	p384) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-384 ;;
	p521) set -- "$2" -algorithm EC -pkeyopt ec_paramgen_curve:P-521 ;;
	*) bail "hsm_key: unknown key type $1" ;;
	esac
	_hk_out=$1
	shift
	openssl genpkey "$@" -out "$_hk_out" 2>/dev/null
}

# hsm_selfsigned KEYFILE CN OUT: a self-signed client certificate, valid from now for a year.
hsm_selfsigned() {
	openssl req -new -x509 -key "$1" -subj "/O=pam_certmap tests/CN=$2" -days 365 -sha256 \
		-addext "basicConstraints=critical,CA:false" \
		-addext "keyUsage=critical,digitalSignature" \
		-addext "extendedKeyUsage=clientAuth" -out "$3" 2>/dev/null
}

# hsm_cacert KEYFILE CN OUT [STARTDATE ENDDATE]: a client certificate for KEYFILE issued by the
# CA of $PKI (pki_init); dates as YYYYMMDDHHMMSSZ, by default from yesterday for ten years.
hsm_cacert() {
	_hc_key=$1 _hc_cn=$2 _hc_out=$3
	shift 3
	_hc_dates="-startdate $(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
	[ $# -eq 2 ] && _hc_dates="-startdate $1 -enddate $2"
	openssl req -config "$PKI/ca.cnf" -new -key "$_hc_key" -subj "/CN=$_hc_cn" \
		-out "$_hc_out.csr" 2>/dev/null || return 1
	# shellcheck disable=SC2086 # $_hc_dates holds options, split on purpose
	openssl ca -config "$PKI/ca.cnf" -batch -notext $_hc_dates \
		-subj "/O=pam_certmap tests/CN=$_hc_cn" -in "$_hc_out.csr" -out "$_hc_out" \
		>/dev/null 2>&1 || return 1
	[ -s "$_hc_out" ]
}

# hsm_revoke CERTFILE: revoked in the CA database of $PKI; hsm_crl OUT writes its CRL.
hsm_revoke() {
	openssl ca -config "$PKI/ca.cnf" -revoke "$1" -crl_reason keyCompromise >/dev/null 2>&1
}

hsm_crl() {
	openssl ca -config "$PKI/ca.cnf" -gencrl -crldays 30 -out "$1" >/dev/null 2>&1 && [ -s "$1" ]
}

# ---------------------------------------------------------------- PAM services

PAM_EXEC=""
for _d in "$(dirname "${PAM_WRAPPER_LIB:-/x/x}")/security" /usr/lib64/security /lib/security \
	/usr/lib/security; do
	[ -f "$_d/pam_exec.so" ] && { PAM_EXEC=$_d/pam_exec.so; break; }
done
PAM_SET_ITEMS=$(dirname "${PAM_WRAPPER_LIB:-/x/x}")/pam_wrapper/pam_set_items.so
[ -f "$PAM_SET_ITEMS" ] || PAM_SET_ITEMS=""

# A helper under valgrind takes seconds to start (SoftHSM2, OpenSSL): then a service's default
# token_timeout is a minute.  An explicit token_timeout=, later on the line, wins.
TOK_DEFAULTS=""
[ "$MEMCHECK_MODE" = valgrind ] && TOK_DEFAULTS="token_timeout=${CERTMAP_TEST_VG_TIMEOUT:-60}"

# tok_svc SERVICE ARG...: the module alone, with exactly these ARGs (and TOK_DEFAULTS first).
tok_svc() {
	_ts_s=$1
	shift
	svc_raw "$_ts_s" $TOK_DEFAULTS "$@"
}

# tok_svc_dump SERVICE ARG...: the module, then pam_exec writing what a later module sees
# (PAM environment and PAM_USER) to $T/seen.SERVICE.  Without pam_exec the file stays absent.
tok_svc_dump() {
	_ts_s=$1
	shift
	tok_svc "$_ts_s" "$@"
	[ -n "$PAM_EXEC" ] || return 0
	if [ ! -f "$T/seen.sh" ]; then
		# pam_exec hands the command the PAM environment and items only: no PATH
		printf '#!/bin/sh\nexec /usr/bin/env > "$1"\n' > "$T/seen.sh" && chmod 0755 "$T/seen.sh" ||
			bail "cannot write $T/seen.sh"
	fi
	printf 'auth optional %s quiet %s %s\n' "$PAM_EXEC" "$T/seen.sh" "$T/seen.$_ts_s" \
		>> "$PAMDIR/$_ts_s" || bail "cannot write service $_ts_s"
}

# tok_svc_authtok SERVICE ARG...: pam_set_items first (PAM_AUTHTOK from the process
# environment variable of that name, when it is set), then the module.
tok_svc_authtok() {
	_ts_s=$1
	shift
	{
		printf 'auth required %s\n' "$PAM_SET_ITEMS"
		printf 'auth required %s %s\n' "$MODULE" "$TOK_DEFAULTS $*"
	} > "$PAMDIR/$_ts_s" || bail "cannot write service $_ts_s"
}

# ---------------------------------------------------------------- runs

TOK_OP=authenticate
# Around runs whose PKCS#11 module crashes on purpose, EXPECT_CRASH=yes; around runs that
# assert a time or a short token_timeout, HELPER_TIMED=yes.  Under valgrind the helper of such
# a run is not followed (pamtester and the module still are); under ASan a crash is left to
# kill the helper, as it would without ASan.
EXPECT_CRASH=""
HELPER_TIMED=""
STDBUF=""
command -v stdbuf >/dev/null 2>&1 && STDBUF="stdbuf -o0"

# tok_run INPUT SERVICE USER [VAR=VALUE]...: pamtester SERVICE USER $TOK_OP under pam_wrapper,
# INPUT (lines, e.g. the PIN) on its stdin, "-" for none (stdin at end of file).
# Sets TOK_OUT (stdout and stderr, also in $T/tok.out), TOK_RC (exit status), TOK_MS (wall time in ms).
tok_run() {
	_tr_in=$1 _tr_svc=$2 _tr_user=$3
	shift 3
	log_mark
	rm -f "$T/seen.$_tr_svc"
	if [ "$_tr_in" = - ]; then
		_tr_in=/dev/null
	else
		printf '%s\n' "$_tr_in" > "$T/stdin" || bail "cannot write $T/stdin"
		_tr_in=$T/stdin
	fi
	_tr_mc=$MEMCHECK
	[ -n "$EXPECT_CRASH$HELPER_TIMED" ] && _tr_mc=$MEMCHECK_NOHELPER
	[ -n "$EXPECT_CRASH" ] && [ -n "$MEMCHECK_CRASH_ENV" ] && set -- "$@" "$MEMCHECK_CRASH_ENV"
	_tr_t0=$(date +%s%N)
	# pamtester prints prompts and errors on stderr, information on stdout: unbuffered, so
	# the order of the messages is kept in the one file
	wrapped env "$@" $STDBUF $_tr_mc pamtester "$_tr_svc" "$_tr_user" "$TOK_OP" < "$_tr_in" \
		> "$T/tok.out" 2>&1
	TOK_RC=$?
	_tr_t1=$(date +%s%N)
	TOK_MS=$(((_tr_t1 - _tr_t0) / 1000000))
	TOK_OUT=$(cat "$T/tok.out")
}

# t_gone NAME FILE: no process has FILE mapped any more (the helper that loaded it is dead).
t_gone() {
	_tg_i=0
	while [ $_tg_i -lt 20 ]; do
		_tg_left=$(grep -lF -- "$2" /proc/[0-9]*/maps 2>/dev/null)
		[ -z "$_tg_left" ] && { tap_ok "$1"; return; }
		sleep 0.1
		_tg_i=$((_tg_i + 1))
	done
	tap_notok "$1" "still mapped by: $_tg_left"
}

# tok_start SERVICE USER [VAR=VALUE]...: pamtester SERVICE USER $TOK_OP in the background,
# reading its standard input from a FIFO that tok_send writes to, so a test can act while
# a prompt is open.  tok_wait_out waits for its output; tok_finish ends it like tok_run.
tok_start() {
	_tst_svc=$1 _tst_user=$2
	shift 2
	log_mark
	rm -f "$T/fifo" "$T/out" && mkfifo "$T/fifo" || bail "cannot make $T/fifo"
	# a write after pamtester ended must fail, not kill the test
	trap '' PIPE
	_tst_mc=$MEMCHECK
	[ -n "$EXPECT_CRASH$HELPER_TIMED" ] && _tst_mc=$MEMCHECK_NOHELPER
	# shellcheck disable=SC2086 # command prefixes, split on purpose
	wrapped env "$@" $STDBUF $_tst_mc pamtester "$_tst_svc" "$_tst_user" "$TOK_OP" \
		< "$T/fifo" > "$T/out" 2>&1 &
	TOK_PID=$!
	_tst_t0=$(date +%s%N)
	exec 7> "$T/fifo"
}

# tok_wait_out TEXT [SECONDS]: 0 once the background run's output holds TEXT (20 s at most,
# more under a memory checker), 1 if it ended or the time ran out first.
tok_wait_out() {
	_two_n=$(( (${2:-20} + MEMCHECK_SLACK_MS / 1000) * 10 ))
	while [ "$_two_n" -gt 0 ]; do
		grep -qF -- "$1" "$T/out" 2>/dev/null && return 0
		kill -0 "$TOK_PID" 2>/dev/null || { grep -qF -- "$1" "$T/out"; return; }
		sleep 0.1
		_two_n=$((_two_n - 1))
	done
	return 1
}

# tok_send LINE: LINE on the background run's standard input (1 when it is gone).
tok_send() {
	printf '%s\n' "$1" >&7 2>/dev/null
}

# tok_finish: its standard input closed, the background run ends; TOK_RC, TOK_OUT, TOK_MS
# as after tok_run.
tok_finish() {
	exec 7>&-
	wait "$TOK_PID"
	TOK_RC=$?
	TOK_MS=$((($(date +%s%N) - _tst_t0) / 1000000))
	TOK_OUT=$(cat "$T/out")
}

# The text after the last "pamtester: " of the output: a prompt without a newline may
# stand before it on its line.
tok_result() {
	printf '%s\n' "$TOK_OUT" | sed -n 's/^.*pamtester: //p' | tail -n 1
}

# tok_check NAME CODE: the last run reported CODE, and exited 0 or 1 accordingly.
tok_check() {
	_tc_want=0
	[ "$2" = PAM_SUCCESS ] || _tc_want=1
	if [ "$TOK_RC" = "$_tc_want" ] && [ "$(tok_result)" = "$(code_text "$2")" ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "want: pamtester: $(code_text "$2") (exit $_tc_want)" \
			"got exit $TOK_RC:" "$TOK_OUT"
	fi
}

# t_tok NAME CODE INPUT SERVICE USER [VAR=VALUE]...: tok_run, then tok_check.
t_tok() {
	_tt_name=$1 _tt_code=$2
	shift 2
	tok_run "$@"
	tok_check "$_tt_name" "$_tt_code"
}

# t_out NAME TEXT: the last run's output holds TEXT; t_no_out NAME TEXT: it does not.
t_out() { t_has "$1" "$2" "$T/tok.out"; }
t_no_out() { t_lacks "$1" "$2" "$T/tok.out"; }

# t_prompt NAME LABEL: the last run asked "PIN for LABEL: "; t_no_prompt NAME: it asked
# for no PIN at all.
t_prompt() {
	t_out "$1" "PIN for $2: "
}

t_no_prompt() {
	t_no_out "$1" "PIN for "
}

# t_no_prompt_for NAME LABEL: the last run did not ask the PIN of token LABEL.
t_no_prompt_for() {
	t_no_out "$1" "PIN for $2: "
}

# t_before NAME FIRST SECOND: FIRST appears in the last run's output before SECOND.
t_before() {
	_tb_a=$(printf '%s\n' "$TOK_OUT" | grep -bo -F -- "$2" | head -n 1 | cut -d: -f1)
	_tb_b=$(printf '%s\n' "$TOK_OUT" | grep -bo -F -- "$3" | head -n 1 | cut -d: -f1)
	if [ -n "$_tb_a" ] && [ -n "$_tb_b" ] && [ "$_tb_a" -lt "$_tb_b" ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "want '$2' before '$3'" "got:" "$TOK_OUT"
	fi
}

# t_seen NAME SERVICE LINE: after the last run, a module stacked after ours (tok_svc_dump)
# saw LINE (VAR=VALUE) in its environment; t_not_seen NAME SERVICE VAR: it saw no VAR.
t_seen() {
	if [ -z "$PAM_EXEC" ]; then
		tap_skip "$1" "pam_exec.so not found"
	elif [ -f "$T/seen.$2" ] && grep -qxF -- "$3" "$T/seen.$2"; then
		tap_ok "$1"
	else
		tap_notok "$1" "want $3 in what pam_exec saw:" "$(cat "$T/seen.$2" 2>&1)"
	fi
}

t_not_seen() {
	if [ -z "$PAM_EXEC" ]; then
		tap_skip "$1" "pam_exec.so not found"
	elif [ -f "$T/seen.$2" ] && ! grep -q "^$3=" "$T/seen.$2"; then
		tap_ok "$1"
	else
		tap_notok "$1" "want no $3 in what pam_exec saw:" "$(cat "$T/seen.$2" 2>&1)"
	fi
}

# pam_syslog names the module by its file name: pam_certmap_uninst in the build tree.
MODNAME=$(basename "$MODULE" .so)

# t_tlog NAME PRIO SERVICE TEXT: lib.sh's t_log for $MODULE: a line
# "MODNAME(SERVICE:auth): ...TEXT..." at PRIO was logged by the last run.
t_tlog() {
	if [ "$LOGS" != yes ]; then
		tap_skip "$1" "$LOGS_WHY"
		return
	fi
	_tl_i=0
	while [ $_tl_i -lt 30 ]; do
		if [ "$(log_new | grep "^<$(log_priority "$2")>" | grep -F "$MODNAME($3:auth): " |
			grep -ciF -- "$4")" -gt 0 ]; then
			tap_ok "$1"
			return
		fi
		sleep 0.1
		_tl_i=$((_tl_i + 1))
	done
	tap_notok "$1" "want at $2: $MODNAME($3:auth): ...$4" "logged:" "$(log_new)"
}

# t_no_log_text NAME TEXT: nothing logged by the last run holds TEXT (e.g. a PIN).  Delivery
# is asynchronous: wait for the run's lines first.
t_no_log_text() {
	if [ "$LOGS" != yes ]; then
		tap_skip "$1" "$LOGS_WHY"
		return
	fi
	_tn_i=0
	while [ $_tn_i -lt 30 ] && [ "$(wc -l < "$LOGFILE")" -le "$LOG_MARK" ]; do
		sleep 0.1
		_tn_i=$((_tn_i + 1))
	done
	sleep 0.2
	if [ "$(wc -l < "$LOGFILE")" -le "$LOG_MARK" ]; then
		tap_notok "$1" "nothing was logged at all, so the check would prove nothing"
	elif log_new | grep -qF -- "$2"; then
		tap_notok "$1" "logged:" "$(log_new)"
	else
		tap_ok "$1"
	fi
}
