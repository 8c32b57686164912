# lib.sh - shared parts of the integration tests: TAP output, a private temporary directory,
# PAM services run through pam_wrapper, and capture of the module's syslog lines.
#
# Sourced by each tests/integration/*.sh (POSIX sh) as
#     . "$top_srcdir/tests/lib.sh"
# with make check's environment: top_srcdir, top_builddir, PAM_WRAPPER_LIB, NSS_WRAPPER_LIB,
# NSS_WRAPPER_PASSWD, NSS_WRAPPER_GROUP (see AM_TESTS_ENVIRONMENT in Makefile.am).
#
# Where it can, a script re-executes itself in a private mount namespace: there /dev/log is
# our own syslog sink and /etc/pam.d may be replaced, and everything vanishes with the
# process, whatever way it ends.  Without one, a sink is put on /dev/log only when nothing
# is there (and removed afterwards); if a system syslog owns it, log checks are skipped.

: "${top_srcdir:?set top_srcdir (make check does)}"
: "${top_builddir:?set top_builddir (make check does)}"
LC_ALL=C
export LC_ALL
# the tests decide where certificates are
unset SSL_CLIENT_CERT HTTP_X_CLIENT_CERT

# shellcheck disable=SC1091 # found through $top_srcdir
. "$top_srcdir/tests/tap.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root"

if [ -z "${CERTMAP_TEST_NS:-}" ]; then
	CERTMAP_TEST_NS=no
	if command -v unshare >/dev/null 2>&1 && unshare -m true 2>/dev/null; then
		CERTMAP_TEST_NS=yes
		export CERTMAP_TEST_NS
		exec unshare -m --propagation private /bin/sh "$0" "$@"
	fi
	export CERTMAP_TEST_NS
fi

NSS_WRAPPER_PASSWD=${NSS_WRAPPER_PASSWD:-$top_srcdir/tests/data/passwd}
NSS_WRAPPER_GROUP=${NSS_WRAPPER_GROUP:-$top_srcdir/tests/data/group}
export NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
PAM_WRAPPER_LIB=${PAM_WRAPPER_LIB:-}
NSS_WRAPPER_LIB=${NSS_WRAPPER_LIB:-}
MODULE=$top_builddir/.libs/pam_certmap.so
PAMDRIVE=$top_builddir/tests/pamdrive
SYSLOGD=$top_builddir/tests/syslogd

# ---------------------------------------------------------------- TAP

# Under a memory checker, one more test before the plan: no process of the script had an
# error reported.
tap_done_hook() {
	[ -n "$MEMCHECK_MODE" ] && memcheck_verdict
	return 0
}

# ---------------------------------------------------------------- temporary directory

SYSLOGD_PID=""
CLEANUP_FILES=""

lib_cleanup() {
	if [ -n "$SYSLOGD_PID" ]; then
		kill "$SYSLOGD_PID" 2>/dev/null
		wait "$SYSLOGD_PID" 2>/dev/null
	fi
	for _f in $CLEANUP_FILES; do
		rm -f "$_f"
	done
	if [ -n "${T:-}" ] && [ -d "$T" ] && [ -z "${CERTMAP_TEST_KEEP:-}" ]; then
		# never follow a mount that a half-done setup left inside $T
		umount -R "$T/dev" 2>/dev/null
		rm -rf --one-file-system "$T"
	fi
}

# Files outside $T that the script created: removed at exit.  No spaces in PATH.
cleanup_file() {
	CLEANUP_FILES="$CLEANUP_FILES $1"
}

T=$(mktemp -d /tmp/certmap-test.XXXXXX) || bail "mktemp failed"
[ -n "${CERTMAP_TEST_KEEP:-}" ] && tap_diag "keeping $T"
trap lib_cleanup EXIT
trap 'exit 1' HUP INT TERM
# searchable by everyone: setuid.sh runs programs inside as nobody
chmod 0711 "$T" || bail "chmod $T"

# ---------------------------------------------------------------- memory checkers

# CERTMAP_TEST_VALGRIND=1 (scripts/check-valgrind): every pamtester, pamdrive and certmap
# run goes through valgrind memcheck ($MEMCHECK before the program), and so does the token
# helper the module starts.  CERTMAP_TEST_ASAN=1 (scripts/check-sanitizers, or found in the
# module): the build has ASan and UBSan; pamtester is not instrumented, so the runtime is
# preloaded first ($PRELOAD_FIRST, preload_list).  Reports go to files in $MEMDIR, since the
# helper's stderr is /dev/null and the tests read the callers' output; tap_done turns any
# report into a failed test.  No spaces in the build and source paths.
MEMCHECK_MODE=""
MEMCHECK=""
# for runs whose helper must not be followed under valgrind (softhsm.sh's EXPECT_CRASH and
# HELPER_TIMED)
MEMCHECK_NOHELPER=""
# VAR=VALUE for runs whose test module crashes on purpose; for programs run under strace
MEMCHECK_CRASH_ENV=""
MEMCHECK_PTRACE_ENV=""
# what a checker adds to a measured time
MEMCHECK_SLACK_MS=0
PRELOAD_FIRST=""
MEMDIR=$T/memcheck
if [ -z "${CERTMAP_TEST_ASAN:-}" ] && [ -z "${CERTMAP_TEST_VALGRIND:-}" ] &&
	ldd "$top_builddir/.libs/pam_certmap.so" 2>/dev/null | grep -q 'libasan'; then
	CERTMAP_TEST_ASAN=1
fi
if [ "${CERTMAP_TEST_VALGRIND:-0}" = 1 ]; then
	command -v valgrind >/dev/null 2>&1 || bail "CERTMAP_TEST_VALGRIND=1 but no valgrind"
	MEMCHECK_MODE=valgrind
	# The helper is followed into its exec; system programs (pam_exec's shell) are not.
	# --keep-debuginfo: the module is dlclosed before the leak check, and its frames must
	# still have names, for the report and for the suppressions.
	MEMCHECK="valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
		--errors-for-leak-kinds=definite,indirect --keep-debuginfo=yes --num-callers=30
		--suppressions=$top_srcdir/valgrind.supp --trace-children=yes
		--trace-children-skip=/bin/*,/sbin/*,/usr/*,/lib/*,/lib64/*
		--child-silent-after-fork=yes
		--log-file=$MEMDIR/vg.%p"
	MEMCHECK_NOHELPER=$(printf '%s\n' "$MEMCHECK" |
		sed 's/--trace-children=yes/--trace-children=no/')
	# valgrind's start-up before the module's clock starts
	MEMCHECK_SLACK_MS=${CERTMAP_TEST_SLACK_MS:-4000}
elif [ "${CERTMAP_TEST_ASAN:-0}" = 1 ]; then
	MEMCHECK_MODE=asan
	PRELOAD_FIRST=$(ldd "$top_builddir/.libs/pam_certmap.so" | awk '/libasan/ { print $3 }')
	[ -f "$PRELOAD_FIRST" ] || bail "ASan build, but no libasan found for the module"
	# verify_asan_link_order=0: the instrumented test programs run with nss_wrapper preloaded
	# before their own libasan (make check sets LD_PRELOAD), which is harmless here.  UBSan
	# has no log_path next to ASan in gcc's runtime: it writes to stderr, and exits with 99.
	ASAN_OPTIONS="detect_leaks=1:exitcode=99:verify_asan_link_order=0:log_path=$MEMDIR/asan"
	UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=99"
	LSAN_OPTIONS="suppressions=$top_srcdir/lsan.supp:print_suppressions=0"
	export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
	# nss_wrapper dlopens libc with RTLD_DEEPBIND for the host functions (certmap sync's
	# name lookups), which the sanitizer runtime refuses outright
	NSS_WRAPPER_DISABLE_DEEPBIND=1
	export NSS_WRAPPER_DISABLE_DEEPBIND
	# a test module that crashes on purpose must kill the helper, as without ASan
	MEMCHECK_CRASH_ENV="ASAN_OPTIONS=$ASAN_OPTIONS:handle_segv=0"
	# LeakSanitizer cannot run under ptrace: env $MEMCHECK_PTRACE_ENV strace ...
	MEMCHECK_PTRACE_ENV="ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0"
	MEMCHECK_SLACK_MS=${CERTMAP_TEST_SLACK_MS:-1000}
fi
if [ -n "$MEMCHECK_MODE" ]; then
	# world-writable: some runs are as nobody
	mkdir "$MEMDIR" && chmod 0777 "$MEMDIR" || bail "mkdir $MEMDIR"
	tap_diag "memory checker: $MEMCHECK_MODE, reports in $MEMDIR"
fi

# preload_list LIB...: LD_PRELOAD for a program that loads the module: libasan first under
# ASan, then the LIBs, then under ASan the module itself, so that pam_end's dlclose leaves it
# mapped and LeakSanitizer can name its frames when the program exits.
preload_list() {
	if [ "$MEMCHECK_MODE" = asan ]; then
		printf '%s %s %s' "$PRELOAD_FIRST" "$*" "$MODULE"
	else
		printf '%s' "$*"
	fi
}

# The files in $MEMDIR that report something: valgrind's that counted errors, or that tell of
# an error or a fatal signal in a process killed before its summary; any of ASan's (it writes
# one only to report).
VG_ERRORS='^==[0-9]+== (ERROR SUMMARY: [1-9]|Process terminating|Invalid |Mismatched |'
VG_ERRORS="${VG_ERRORS}Conditional jump|Use of uninitialised|Syscall param|Source and destination)"
memcheck_findings() {
	for _mf in "$MEMDIR"/*; do
		[ -f "$_mf" ] || continue
		[ "$MEMCHECK_MODE" = valgrind ] && ! grep -qE "$VG_ERRORS" "$_mf" && continue
		printf '%s\n' "$_mf"
	done
}

# One test: nothing was reported.  The reports are kept in $top_builddir/memcheck-logs.
# UBSan (in gcc's build next to ASan) writes to stderr whatever log_path says, and the
# helper's stderr is /dev/null: its exit status 99, which the module logs, is the report.
memcheck_verdict() {
	_mv_name="$MEMCHECK_MODE reports no error in any process of $(basename "$0")"
	_mv_files=$(memcheck_findings)
	_mv_helper=$(grep -F 'token helper exited with status 99' "$LOGFILE")
	if [ -z "$_mv_files" ] && [ -z "$_mv_helper" ]; then
		tap_ok "$_mv_name"
		[ "$LOGS" = yes ] ||
			tap_diag "the token helper's exit status was not checked: $LOGS_WHY"
		return
	fi
	_mv_keep=$top_builddir/memcheck-logs/$(basename "$0" .sh)
	mkdir -p "$_mv_keep" && { [ -z "$_mv_files" ] || cp $_mv_files "$_mv_keep/"; }
	_mv_n=$(printf '%s\n' "$_mv_files" | grep -c .)
	tap_notok "$_mv_name" "$_mv_n reports, kept in $_mv_keep; the first ones:"
	for _mf in $(printf '%s\n' "$_mv_files" | head -n 5); do
		tap_diag "---- $(basename "$_mf")" "$(grep -v '^==[0-9]*== *$' "$_mf" | head -n 60)"
	done
	[ -z "$_mv_helper" ] ||
		tap_diag "---- the token helper ended with the checker's status 99:" \
			"$(printf '%s\n' "$_mv_helper" | head -n 5)"
}

# ---------------------------------------------------------------- logs

LOGFILE=$T/syslog
LOGS=no
LOGS_WHY="no syslog sink"
: > "$LOGFILE"

# A private /dev: a tmpfs that holds bind mounts of everything in the real /dev but log.
private_dev() {
	mkdir "$T/dev" && mount -t tmpfs -o mode=0755 certmap-test-dev "$T/dev" || return 1
	for _e in /dev/* /dev/.[!.]*; do
		[ -e "$_e" ] || [ -L "$_e" ] || continue
		_n=${_e#/dev/}
		[ "$_n" = log ] && continue
		if [ -L "$_e" ]; then
			cp -P "$_e" "$T/dev/$_n"
		elif [ -d "$_e" ]; then
			mkdir "$T/dev/$_n" && mount --rbind "$_e" "$T/dev/$_n"
		else
			: > "$T/dev/$_n" && mount --bind "$_e" "$T/dev/$_n"
		fi || return 1
	done
	mount --move "$T/dev" /dev
}

start_syslogd() {
	[ -x "$SYSLOGD" ] || { LOGS_WHY="$SYSLOGD not built"; return; }
	"$SYSLOGD" /dev/log "$LOGFILE" 2>"$T/syslogd.err" &
	SYSLOGD_PID=$!
	_i=0
	while [ $_i -lt 50 ]; do
		if ! kill -0 "$SYSLOGD_PID" 2>/dev/null; then
			SYSLOGD_PID=""
			LOGS_WHY="syslogd: $(cat "$T/syslogd.err")"
			return
		fi
		if [ -S /dev/log ]; then
			sleep 0.1
			# it may have lost the race for /dev/log to another sink
			kill -0 "$SYSLOGD_PID" 2>/dev/null && LOGS=yes
			return
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	LOGS_WHY="syslogd did not come up"
}

if [ "$CERTMAP_TEST_NS" = yes ]; then
	if private_dev; then
		start_syslogd
	else
		LOGS_WHY="could not make a private /dev"
	fi
elif [ -e /dev/log ] || [ -L /dev/log ]; then
	LOGS_WHY="a system syslog owns /dev/log"
else
	start_syslogd
fi
[ "$LOGS" = yes ] || tap_diag "log lines not checked: $LOGS_WHY"

LOG_MARK=0

log_mark() {
	LOG_MARK=$(wc -l < "$LOGFILE")
}

# Lines logged since the last log_mark.
log_new() {
	tail -n "+$((LOG_MARK + 1))" "$LOGFILE"
}

log_priority() {
	# pam_syslog logs to LOG_AUTHPRIV (10 << 3)
	case $1 in
	err) echo 83 ;;
	warning) echo 84 ;;
	notice) echo 85 ;;
	info) echo 86 ;;
	debug) echo 87 ;;
	*) bail "unknown priority $1" ;;
	esac
}

# log_count PRIO SERVICE TEXT: lines since the mark at PRIO from the module in SERVICE
# that contain TEXT (case is ignored: the certificate's hex digest may be in either case).
log_count() {
	log_new | grep "^<$(log_priority "$1")>" | grep -F "pam_certmap($2:auth): " |
		grep -ciF -- "$3"
}

# t_log NAME PRIO SERVICE TEXT: a line "pam_certmap(SERVICE:auth): ...TEXT..." at PRIO
# was logged by the last run.  Delivery is asynchronous, so wait a little for it.
t_log() {
	if [ "$LOGS" != yes ]; then
		tap_skip "$1" "$LOGS_WHY"
		return
	fi
	_tl_i=0
	while [ $_tl_i -lt 30 ]; do
		if [ "$(log_count "$2" "$3" "$4")" -gt 0 ]; then
			tap_ok "$1"
			return
		fi
		sleep 0.1
		_tl_i=$((_tl_i + 1))
	done
	tap_notok "$1" "want at $2: pam_certmap($3:auth): ...$4" "logged:" "$(log_new)"
}

# ---------------------------------------------------------------- PAM services

PAMDIR=$T/pam.d
mkdir "$PAMDIR" || bail "mkdir $PAMDIR"

# Is nss_wrapper there?  NSS_WRAPPER_LIB is a list: make check puts tests/nss/glibc.so
# before libnss_wrapper.so (Makefile.am says why).
have_nss_wrapper() {
	[ -n "$NSS_WRAPPER_LIB" ] || return 1
	for _l in $NSS_WRAPPER_LIB; do
		[ -f "$_l" ] || return 1
	done
}

# Tests that drive PAM through pam_wrapper call this first.
need_wrappers() {
	[ -n "$PAM_WRAPPER_LIB" ] && [ -f "$PAM_WRAPPER_LIB" ] ||
		skip_all "pam_wrapper not found"
	have_nss_wrapper || skip_all "nss_wrapper not found"
	[ -f "$MODULE" ] || bail "$MODULE not built"
	[ -x "$PAMDRIVE" ] || bail "$PAMDRIVE not built"
	command -v pamtester >/dev/null 2>&1 || bail "pamtester not installed"
}

# svc_raw SERVICE ARG...: the service's only line is the module with exactly these ARGs.
svc_raw() {
	_s=$1
	shift
	printf 'auth required %s %s\n' "$MODULE" "$*" > "$PAMDIR/$_s" ||
		bail "cannot write service $_s"
}

# svc SERVICE MAPFILE ARG...
svc() {
	_s=$1 _m=$2
	shift 2
	svc_raw "$_s" source=env "mapfile=$_m" "$@"
}

# Runs a command with the PAM stack of $PAMDIR and the test users of nss_wrapper.
wrapped() {
	env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PAMDIR" PAM_WRAPPER_USE_SYSLOG=1 \
		LD_PRELOAD="$(preload_list "$PAM_WRAPPER_LIB" "$NSS_WRAPPER_LIB")" "$@"
}

# ---------------------------------------------------------------- mapping files

# shellcheck disable=SC1091 # found through $top_srcdir
. "$top_srcdir/tests/mapxml.sh"

# ---------------------------------------------------------------- certmap

# need_certmap [users]: CERTMAP is the built tool, and cm ARGS... runs it (under the memory
# checker) with rc, $T/out and $T/err holding the outcome; with "users", through nss_wrapper
# with the test users, as account look-ups need.
need_certmap() {
	CERTMAP=$top_builddir/certmap/certmap
	[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
	CM_PRELOAD=""
	if [ "${1:-}" = users ]; then
		have_nss_wrapper || skip_all "nss_wrapper not found"
		CM_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB"
	fi
	umask 022
}

cm() {
	env LD_PRELOAD="$CM_PRELOAD" $MEMCHECK "$CERTMAP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# ---------------------------------------------------------------- PAM codes

code_num() {
	case $1 in
	PAM_SUCCESS) echo 0 ;;
	PAM_SERVICE_ERR) echo 3 ;;
	PAM_SYSTEM_ERR) echo 4 ;;
	PAM_BUF_ERR) echo 5 ;;
	PAM_AUTH_ERR) echo 7 ;;
	PAM_CRED_INSUFFICIENT) echo 8 ;;
	PAM_AUTHINFO_UNAVAIL) echo 9 ;;
	PAM_USER_UNKNOWN) echo 10 ;;
	PAM_MAXTRIES) echo 11 ;;
	PAM_CONV_ERR) echo 19 ;;
	PAM_IGNORE) echo 25 ;;
	*) bail "code_num: add $1" ;;
	esac
}

# What pamtester prints: "successfully authenticated" or pam_strerror's text (LC_ALL=C).
code_text() {
	case $1 in
	PAM_SUCCESS) echo "successfully authenticated" ;;
	PAM_SERVICE_ERR) echo "Error in service module" ;;
	PAM_SYSTEM_ERR) echo "System error" ;;
	PAM_BUF_ERR) echo "Memory buffer error" ;;
	PAM_AUTH_ERR) echo "Authentication failure" ;;
	PAM_CRED_INSUFFICIENT) echo "Insufficient credentials to access authentication data" ;;
	PAM_AUTHINFO_UNAVAIL) echo "Authentication service cannot retrieve authentication info" ;;
	PAM_USER_UNKNOWN) echo "User not known to the underlying authentication module" ;;
	PAM_MAXTRIES) echo "Have exhausted maximum number of retries for service" ;;
	PAM_CONV_ERR) echo "Conversation error" ;;
	*) bail "code_text: add $1" ;;
	esac
}

# ---------------------------------------------------------------- runs

# t_drive NAME CODE USER PAMDRIVE-ARG...: pamdrive under pam_wrapper answers
# "CODE user=USER" and exits with CODE's number.
t_drive() {
	_tdn=$1 _tdc=$2 _tdu=$3
	shift 3
	drive_check "$_tdn" "$_tdc" "$_tdu" $MEMCHECK "$PAMDRIVE" "$@"
}

# t_drive_env NAME CODE USER VAR=VALUE PAMDRIVE-ARG...: the same with VAR in pamdrive's
# process environment.
t_drive_env() {
	_tdn=$1 _tdc=$2 _tdu=$3 _tdv=$4
	shift 4
	drive_check "$_tdn" "$_tdc" "$_tdu" "$_tdv" $MEMCHECK "$PAMDRIVE" "$@"
}

drive_check() {
	_dc_name=$1 _dc_code=$2 _dc_user=$3
	shift 3
	log_mark
	_dc_out=$(wrapped "$@" 2>&1)
	_dc_rc=$?
	if [ "$_dc_rc" = "$(code_num "$_dc_code")" ] &&
		printf '%s\n' "$_dc_out" | grep -qxF -- "$_dc_code user=$_dc_user"; then
		tap_ok "$_dc_name"
	else
		tap_notok "$_dc_name" "want: $_dc_code user=$_dc_user (exit $(code_num "$_dc_code"))" \
			"got exit $_dc_rc:" "$_dc_out"
	fi
}

# t_tester NAME CODE SERVICE USER [VAR=VALUE]...: pamtester SERVICE USER authenticate,
# under pam_wrapper with the VARs in its process environment, reports CODE.
t_tester() {
	_tt_name=$1 _tt_code=$2 _tt_svc=$3 _tt_user=$4
	shift 4
	t_pamtester "$_tt_name" "$_tt_code" \
		wrapped env "$@" $MEMCHECK pamtester "$_tt_svc" "$_tt_user" authenticate
}

# t_pamtester NAME CODE COMMAND...: pamtester, somewhere in COMMAND, reports CODE.
t_pamtester() {
	_tp_name=$1 _tp_code=$2
	shift 2
	log_mark
	_tp_out=$("$@" 2>&1)
	_tp_rc=$?
	_tp_want=0
	[ "$_tp_code" = PAM_SUCCESS ] || _tp_want=1
	if [ "$_tp_rc" = "$_tp_want" ] &&
		printf '%s\n' "$_tp_out" | grep -qxF -- "pamtester: $(code_text "$_tp_code")"; then
		tap_ok "$_tp_name"
	else
		tap_notok "$_tp_name" "want: pamtester: $(code_text "$_tp_code") (exit $_tp_want)" \
			"got exit $_tp_rc:" "$_tp_out"
	fi
}
