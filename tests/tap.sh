# tap.sh - the one TAP library of the test scripts: numbered results, diagnostics, the
# plan, and the small checks over a command's outcome that the certmap tests share.
#
# Sourced (POSIX sh) by tests/lib.sh, tests/system/lib.sh and the scripts that need
# neither, as
#     . "$top_srcdir/tests/tap.sh"
# A library that wants more on a failure or before the plan defines tap_notok_hook or
# tap_done_hook; both are optional.

TESTNUM=0

# Everything the tested programs print is kept out of the TAP stream.
tap_diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

tap_ok() {
	TESTNUM=$((TESTNUM + 1))
	printf 'ok %d - %s\n' "$TESTNUM" "$1"
}

# tap_notok NAME [DIAGNOSTIC LINE]...
tap_notok() {
	TESTNUM=$((TESTNUM + 1))
	printf 'not ok %d - %s\n' "$TESTNUM" "$1"
	shift
	[ $# -gt 0 ] && tap_diag "$@"
	command -v tap_notok_hook >/dev/null 2>&1 && tap_notok_hook
	return 0
}

tap_skip() {
	TESTNUM=$((TESTNUM + 1))
	printf 'ok %d - %s # SKIP %s\n' "$TESTNUM" "$1" "$2"
}

# tap_check NAME COMMAND...: ok when COMMAND succeeds.
tap_check() {
	_tc_name=$1
	shift
	if "$@"; then tap_ok "$_tc_name"; else tap_notok "$_tc_name"; fi
}

# The plan comes last, so a script that dies half-way is reported as incomplete.
tap_done() {
	command -v tap_done_hook >/dev/null 2>&1 && tap_done_hook
	printf '1..%d\n' "$TESTNUM"
}

# No test applies here: say why and stop.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

# ---------------------------------------------------------------- a command's outcome
#
# A script runs the program under test with its output in $T/out and $T/err and its status
# in rc (run does that for any command), then states each expectation with t.

# run COMMAND...: run it; rc, $T/out and $T/err hold the outcome.
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# t NAME CONDITION: one test; the condition is shell code over rc, $T/out and $T/err.
t() {
	if eval "$2"; then
		tap_ok "$1"
	else
		tap_notok "$1" "exit $rc; stdout:" "$(cat "$T/out")" "stderr:" "$(cat "$T/err")"
	fi
}

rc_is() { [ "$rc" -eq "$1" ]; }
out_is() { [ "$(cat "$T/out")" = "$1" ]; }
out_empty() { [ ! -s "$T/out" ]; }
err_empty() { [ ! -s "$T/err" ]; }
# out_has / err_has: a fixed string; the -i forms without case.
out_has() { grep -qF -- "$1" "$T/out"; }
out_hasi() { grep -qiF -- "$1" "$T/out"; }
out_re() { grep -qE -- "$1" "$T/out"; }
err_has() { grep -qF -- "$1" "$T/err"; }
err_hasi() { grep -qiF -- "$1" "$T/err"; }
err_re() { grep -qE -- "$1" "$T/err"; }
nowhere() { ! grep -qF -- "$1" "$T/out" "$T/err"; }
out_lines() { [ "$(wc -l <"$T/out")" -eq "$1" ]; }
# out_is_file F: stdout is exactly the content of F
out_is_file() { cmp -s "$1" "$T/out"; }

# ---------------------------------------------------------------- a value, a file

# t_eq NAME WANT GOT [DIAGNOSTIC LINE]...: GOT is WANT.
t_eq() {
	if [ "$2" = "$3" ]; then
		tap_ok "$1"
	else
		_te_n=$1 _te_w=$2 _te_g=$3
		shift 3
		tap_notok "$_te_n" "want: $_te_w" "got:  $_te_g" "$@"
	fi
}

# t_has NAME TEXT FILE / t_lacks NAME TEXT FILE: FILE holds the fixed string TEXT, or does
# not; a failure shows FILE.
t_has() {
	if grep -qF -- "$2" "$3"; then
		tap_ok "$1"
	else
		tap_notok "$1" "want in the output: $2" "got:" "$(cat "$3")"
	fi
}

t_lacks() {
	if grep -qF -- "$2" "$3"; then
		tap_notok "$1" "not wanted in the output: $2" "got:" "$(cat "$3")"
	else
		tap_ok "$1"
	fi
}
