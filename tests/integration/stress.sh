#!/bin/sh
# stress.sh - 16 threads authenticating at once (env source) against a 10,000-entry mapping
# file while another process keeps rewriting it: every answer right, every decision logged
# once, no crash.  Twice: rewritten by certmap (the module answers from the look-up index it
# keeps current), then by hand (the index stale, the module's per-process cache fills and
# answers between rewrites).  CERTMAP_STRESS_ROUNDS sets the rounds per thread: 1,000 by
# default (16,000 authentications a phase, about a minute on two cores); fewer under the
# memory checkers, whose passes look for leaks and errors rather than races.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers

CERTMAP=$top_builddir/certmap/certmap
MAPBENCH=$top_builddir/bench/mapbench
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
[ -x "$MAPBENCH" ] || bail "$MAPBENCH not built (make check builds it)"
# Under tests/lib.sh's memory checkers every pamdrive and certmap run goes through $MEMCHECK
# (valgrind runs the threads one at a time: few rounds there).
MEMCHECK=${MEMCHECK:-}
MEMCHECK_MODE=${MEMCHECK_MODE:-}
PRELOAD_FIRST=${PRELOAD_FIRST:-}
h_preload() {
	if command -v preload_list >/dev/null 2>&1; then
		preload_list "$@"
	else
		printf '%s' "$*"
	fi
}
case $MEMCHECK_MODE in
valgrind) DEFAULT_ROUNDS=2 ;;
asan) DEFAULT_ROUNDS=50 ;;
*) DEFAULT_ROUNDS=1000 ;;
esac
THREADS=16
ROUNDS=${CERTMAP_STRESS_ROUNDS:-$DEFAULT_ROUNDS}
ENTRIES=10000
# A hang guard, not a benchmark: far more than a slow machine needs (a look-up of the
# 10,000-entry file costs some 60 ms of CPU; under valgrind, some seconds).
LIMIT=$((600 + THREADS * ROUNDS * 2))
[ "$MEMCHECK_MODE" = valgrind ] && LIMIT=$((LIMIT + THREADS * ROUNDS * 30))

# certmap as the tests run it
cm() {
	# shellcheck disable=SC2086 # a command prefix, split on purpose
	env LD_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB" $MEMCHECK "$CERTMAP" "$@"
}
# shellcheck disable=SC3045 # dash and bash have ulimit -c; a crash must leave no core
ulimit -c 0

# nss_wrapper's getpwnam_r is not thread-safe (see concurrency.sh): real system accounts.
NOUSER=certmap-no-such-user
for u in root daemon bin nobody; do
	env -u LD_PRELOAD getent passwd "$u" >/dev/null ||
		skip_all "no account $u"
done
env -u LD_PRELOAD getent passwd "$NOUSER" >/dev/null && bail "an account $NOUSER exists"

P=$T/pki
pki_init "$P" || bail "cannot make the CA"
i=0
while [ $i -lt 20 ]; do
	pki_cert "s$i" "stress $i" || bail "cannot make certificate s$i"
	i=$((i + 1))
done

# ---------------------------------------------------------------- the mapping file

# mapbench writes IIS's form: the entries at <location path="Default Web Site">.  Ours are
# spread over the file: four first, four in the middle, the rest last.
T0=$(date +%s)
"$MAPBENCH" gen $ENTRIES "$T/gen.xml" "$T/gen-last.der" > "$T/gen.out" 2>&1 ||
	bail "mapbench gen failed: $(cat "$T/gen.out")"
# nth_user N: the account of entry N (N modulo 4)
nth_user() {
	case $(($1 % 4)) in
	0) echo root ;;
	1) echo daemon ;;
	2) echo bin ;;
	*) echo nobody ;;
	esac
}
# entry N: sN's <add>, to the Nth account in turn
entry() {
	_u=$(nth_user "$1")
	case $1 in
	12) _u=daemon ;;
	14) _u=$NOUSER ;;
	esac
	_extra=""
	[ "$1" = 15 ] && _extra='enabled="false"'
	xml_add "$P/s$1.pem" "$_u" "$_extra"
}
for n in 0 1 2 3; do entry $n; done > "$T/head.add"
for n in 4 5 6 7; do entry $n; done > "$T/mid.add"
for n in 8 9 10 11 12 14 15; do entry $n; done > "$T/tail.add"
awk -v head="$T/head.add" -v mid="$T/mid.add" -v tail="$T/tail.add" -v half=$((ENTRIES / 2)) '
	function put(f,  l) { while ((getline l < f) > 0) print l; close(f) }
	/<\/oneToOneMappings>/ { put(tail) }
	{ sub(/path="Default Web Site"/, "path=\"stress\""); print }
	/<oneToOneMappings>/ { put(head) }
	/<add / && ++n == half { put(mid) }
' "$T/gen.xml" | mapfile_write "$T/map.xml"
rm -f "$T/gen.xml"
MAP=$T/map.xml
[ "$(grep -c '<add ' "$MAP")" = $((ENTRIES + 15)) ] || bail "the mapping file is not as planned"
timed_check=$(cm -f "$MAP" -l stress lookup "$P/s5.pem" 2>&1)
[ "$timed_check" = daemon ] || bail "certmap lookup s5: $timed_check"
tap_diag "mapping file of $((ENTRIES + 15)) entries, $(wc -c < "$MAP") bytes, made in \
$(($(date +%s) - T0)) s"
svc stress "$MAP"

# Per thread (thread i runs line i): 12 grants, 4 denials of each kind the file can say.
SPEC=$T/spec
{
	for n in 0 1 2 3 4 5 6 7 8 9 10 11; do
		_u=$(nth_user $n)
		if [ $((n % 2)) = 0 ]; then
			echo "$P/s$n.pem $_u PAM_SUCCESS $_u"
		else
			echo "$P/s$n.pem - PAM_SUCCESS $_u"
		fi
	done
	echo "$P/s12.pem root PAM_AUTH_ERR root"
	echo "$P/s13.pem - PAM_AUTH_ERR (null)"
	echo "$P/s14.pem - PAM_USER_UNKNOWN (null)"
	echo "$P/s15.pem nobody PAM_AUTH_ERR nobody"
} > "$SPEC"

# ---------------------------------------------------------------- the rewriter

# certmap add/remove of certificates nobody presents (s16..s19) when this certmap has them;
# else a rewrite as an editor would do it: a temporary file renamed over the map.
EDIT=rename
cp -p "$MAP" "$T/probe.xml"
if cm -f "$T/probe.xml" -l stress add --user nobody "$P/s16.pem" >/dev/null 2>&1 &&
	[ "$(cm -f "$T/probe.xml" -l stress lookup "$P/s16.pem" 2>/dev/null)" = nobody ]
then
	EDIT=certmap
fi
rm -f "$T/probe.xml"
tap_diag "the file is rewritten by: $EDIT"

# rewrite_once N: one change to the map; the map must stay valid after each.
rewrite_once() {
	_c=$P/s$((16 + $1 % 4)).pem
	if [ "$EDIT" = certmap ]; then
		if [ $(($1 / 4 % 2)) = 0 ]; then
			cm -f "$MAP" -l stress add --user nobody "$_c"
		else
			cm -f "$MAP" -l stress remove "$_c"
		fi
		return
	fi
	# the same change by hand: add or drop the entry, in a copy renamed over the map
	if [ $(($1 / 4 % 2)) = 0 ]; then
		awk -v line="$(xml_add "$_c" nobody)" \
			'{ print } /<oneToOneMappings>/ { print line }' "$MAP" > "$T/map.tmp"
	else
		grep -vF "$(pki_b64 "$_c")" "$MAP" > "$T/map.tmp"
	fi && chown 0:0 "$T/map.tmp" && chmod 0644 "$T/map.tmp" && mv -f "$T/map.tmp" "$MAP"
}

STOP=$T/stop
PAUSE=0
rewriter() {
	_n=0 _bad=0
	while [ ! -f "$STOP" ]; do
		rewrite_once $_n > "$T/rewrite.out" 2>&1 || {
			_bad=$((_bad + 1))
			cat "$T/rewrite.out" >> "$T/rewrite.err"
		}
		_n=$((_n + 1))
		sleep "$PAUSE"
	done
	echo "$_n $_bad" > "$T/rewrites"
}

# ---------------------------------------------------------------- the run

# run_phase SERVICE: the threads against SERVICE while the rewriter works; the tests of the
# answers, the rewrites and the file after.
run_phase() {
	rm -f "$STOP" "$T/rewrite.err"
	rewriter &
	REWRITER=$!
	log_mark
	T0=$(date +%s)
	# shellcheck disable=SC2086 # a command prefix, split on purpose
	timeout -k 10 "$LIMIT" env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PAMDIR" \
		PAM_WRAPPER_USE_SYSLOG=1 LD_PRELOAD="$(h_preload "$PAM_WRAPPER_LIB")" \
		$MEMCHECK "$PAMDRIVE" -t $THREADS -n "$ROUNDS" -s "$SPEC" "$1" > "$T/drive.out" 2>&1
	RC=$?
	SECS=$(($(date +%s) - T0))
	: > "$STOP"
	wait "$REWRITER"
	read -r NREWRITES NBAD < "$T/rewrites" || bail "the rewriter left no count"

	TOTAL=$((THREADS * ROUNDS))
	if [ "$RC" = 0 ] && grep -qxF \
		"threads=$THREADS rounds=$ROUNDS authentications=$TOTAL wrong=0" "$T/drive.out"; then
		tap_ok "$1: $THREADS threads x $ROUNDS rounds: every answer right"
		tap_diag "$TOTAL authentications in $SECS s, $NREWRITES rewrites meanwhile"
	else
		tap_notok "$1: $THREADS threads x $ROUNDS rounds: every answer right" \
			"exit $RC after $SECS s (limit $LIMIT s):" "$(head -c 3000 "$T/drive.out")"
	fi
	if [ "$NREWRITES" -ge 2 ] && [ "$NBAD" = 0 ]; then
		tap_ok "$1: the file was rewritten during the run, each rewrite valid"
	else
		tap_notok "$1: the file was rewritten during the run, each rewrite valid" \
			"$NREWRITES rewrites, $NBAD failed:" \
			"$(head -c 2000 "$T/rewrite.err" 2>/dev/null)"
	fi
	h=$(sed -n 's/^.* certificate="\([^"]*\)".*/\1/p' "$MAP" | wc -l)
	if cm -f "$MAP" -l stress lookup "$P/s5.pem" > "$T/after" 2>&1 &&
		[ "$(cat "$T/after")" = daemon ] && [ "$h" -ge $((ENTRIES + 15)) ]; then
		tap_ok "$1: the file is whole after the run"
	else
		tap_notok "$1: the file is whole after the run" \
			"$h entries; lookup s5: $(cat "$T/after")"
	fi
}

# t_count NAME PRIO TEXT COUNT: exactly COUNT lines of $SVC since the mark (waits for
# stragglers).
t_count() {
	if [ "$LOGS" != yes ]; then
		tap_skip "$1" "$LOGS_WHY"
		return
	fi
	_i=0
	while [ $_i -lt 100 ]; do
		_n=$(log_count "$2" "$SVC" "$3")
		[ "$_n" -ge "$4" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ "$_n" = "$4" ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "want $4 lines at $2 with: $3" "got $_n"
	fi
}

# The decisions of a phase, each logged once.
check_log() {
	t_count "$SVC: one granted line per success" notice "granted: " $((12 * ROUNDS))
	t_count "$SVC: one denied line per failure" warning "denied: " $((4 * ROUNDS))
	t_count "$SVC: s5's grants all name daemon and s5" notice \
		"granted: user 'daemon' location 'stress' certificate sha256:$(pki_sha256 "$P/s5.pem")" \
		"$ROUNDS"
	t_count "$SVC: the disabled entry is denied as such" warning \
		"is disabled: user 'nobody' location 'stress'" "$ROUNDS"
	t_count "$SVC: nothing failed to read the file" err "mapping file" 0
}

SVC=stress
run_phase "$SVC"
check_log

# ---------------------------------------------------------------- the cache

# The same threads in one process with the module's per-process cache in play: the file is
# rewritten by hand (renamed over: its index goes stale, and the module reads the file and
# keeps it on the second read of each state) twice a second, so that the cache fills and
# answers between the rewrites, and every thread meets every rewrite.  Answers from the
# cache are fast: under ASan the phase gets more rounds, to last over two rewrites.
SVC=stress-cache
svc_raw "$SVC" source=env "mapfile=$MAP" location=stress debug
# the rewriter starts again from s16: the entries the last phase left go first
for n in 16 17 18 19; do
	grep -vF "$(pki_b64 "$P/s$n.pem")" "$MAP" > "$T/map.tmp" && cat "$T/map.tmp" > "$MAP" ||
		bail "cannot clean $MAP"
done
EDIT=rename
PAUSE=0.5
[ "$MEMCHECK_MODE" = asan ] && ROUNDS=$((ROUNDS * 4))
run_phase "$SVC"
check_log
# count_debug TEXT: the debug lines of $SVC since the mark that have TEXT
count_debug() {
	log_count debug "$SVC" "mapping file $MAP: $1"
}
if [ "$LOGS" != yes ]; then
	tap_skip "$SVC: answers from the cache and from the file alike" "$LOGS_WHY"
elif [ -n "$MEMCHECK_MODE" ]; then
	tap_skip "$SVC: answers from the cache and from the file alike" \
		"under $MEMCHECK_MODE the few rounds may all come before the cache fills"
else
	HITS=$(count_debug "answered from this process's cache")
	READS=$(count_debug "read whole")
	if [ "$HITS" -gt 0 ] && [ "$READS" -gt 0 ]; then
		tap_ok "$SVC: answers from the cache and from the file alike"
		tap_diag "$HITS answers from the cache, $READS reads of the file"
	else
		tap_notok "$SVC: answers from the cache and from the file alike" \
			"$HITS answers from the cache, $READS reads of the file"
	fi
fi

tap_done
