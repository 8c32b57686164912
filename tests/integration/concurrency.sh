#!/bin/sh
# concurrency.sh - the module in a multi-threaded caller: threads authenticating at once with
# different certificates each get their own answer, and each decision is logged once, right.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers

# nss_wrapper's getpwnam_r is not thread-safe (1.1.12 fails lookups with ENOENT when
# threads ask at once), so the threads resolve real system accounts through glibc instead.
NOUSER=certmap-no-such-user
for u in root daemon bin nobody; do
	env -u LD_PRELOAD getent passwd "$u" >/dev/null ||
		skip_all "no account $u"
done
env -u LD_PRELOAD getent passwd "$NOUSER" >/dev/null && bail "an account $NOUSER exists"

P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"
sha() { pki_sha256 "$P/$1.pem"; }
MAP=$T/map.xml
map_simple "$MAP" <<EOF
$(xml_add "$P/alice.pem" root)
$(xml_add "$P/bob.pem" daemon)
$(xml_add "$P/carol.pem" bin)
$(xml_add "$P/dave.pem" 'EXAMPLE\bin')
$(xml_add "$P/erin.pem" nobody)
$(xml_add "$P/expired.pem" root)
$(xml_add "$P/zed.pem" "$NOUSER")
EOF
svc conc "$MAP" domain=EXAMPLE

# CERTFILE PAM_USER|- EXPECTED_CODE EXPECTED_USER: 4 granted, 4 denied per round
SPEC=$T/spec
cat > "$SPEC" <<EOF
$P/alice.pem root PAM_SUCCESS root
$P/mallory.pem root PAM_AUTH_ERR root
$P/bob.pem - PAM_SUCCESS daemon
$P/carol.pem root PAM_AUTH_ERR root
$P/dave.pem - PAM_SUCCESS bin
$P/expired.pem - PAM_AUTH_ERR (null)
$P/erin.pem nobody PAM_SUCCESS nobody
$P/zed.pem - PAM_USER_UNKNOWN (null)
EOF

# pamdrive with pam_wrapper but without nss_wrapper
drive_threads() {
	env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PAMDIR" PAM_WRAPPER_USE_SYSLOG=1 \
		LD_PRELOAD="$(preload_list "$PAM_WRAPPER_LIB")" $MEMCHECK "$PAMDRIVE" "$@"
}

# t_threads NAME THREADS ROUNDS: every answer of pamdrive -t THREADS -n ROUNDS is right.
t_threads() {
	log_mark
	_out=$(drive_threads -t "$2" -n "$3" -s "$SPEC" conc 2>&1)
	_rc=$?
	if [ "$_rc" = 0 ] && printf '%s\n' "$_out" |
		grep -qxF "threads=$2 rounds=$3 authentications=$(($2 * $3)) wrong=0"; then
		tap_ok "$1"
	else
		tap_notok "$1" "exit $_rc:" "$_out"
	fi
}

# t_logged NAME PRIO TEXT COUNT: exactly COUNT lines since the mark (waits for stragglers).
t_logged() {
	if [ "$LOGS" != yes ]; then
		tap_skip "$1" "$LOGS_WHY"
		return
	fi
	_i=0
	while [ $_i -lt 50 ]; do
		_n=$(log_count "$2" conc "$3")
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

R=25
t_threads "8 threads, $R rounds each, one certificate per thread" 8 $R
t_logged "8 threads: one granted line per success" notice "granted: " $((4 * R))
t_logged "8 threads: one denied line per failure" warning "denied: " $((4 * R))
for c in alice:root bob:daemon dave:bin erin:nobody; do
	t_logged "8 threads: ${c#*:}'s grants all name ${c%:*}'s certificate" notice \
		"granted: user '${c#*:}' location 'conc' certificate sha256:$(sha "${c%:*}")" $R
done
t_logged "8 threads: the unmapped certificate is denied as unmapped" warning \
	"denied: no mapping for this certificate: user 'root' location 'conc' certificate \
sha256:$(sha mallory)" $R
t_logged "8 threads: carol's certificate (bin) is denied to root" warning \
	"denied: mapped to 'bin', not to 'root'" $R
t_logged "8 threads: the expired certificate is denied as expired" warning \
	"denied: certificate expired: user '(none)' location 'conc' certificate sha256:$(sha expired)" $R
t_logged "8 threads: the unknown account is denied as unknown" warning \
	"denied: mapped account '$NOUSER' does not exist" $R

t_threads "16 threads, 2 per certificate" 16 20

# The driver itself must be able to fail: one wrong expectation.
sed '1s/PAM_SUCCESS root$/PAM_AUTH_ERR root/' "$SPEC" > "$T/spec.wrong"
cmp -s "$SPEC" "$T/spec.wrong" && bail "spec.wrong is not different"
_out=$(drive_threads -t 8 -n 3 -s "$T/spec.wrong" conc 2>&1)
_rc=$?
if [ "$_rc" = 1 ] &&
	printf '%s\n' "$_out" | grep -qxF "threads=8 rounds=3 authentications=24 wrong=3"; then
	tap_ok "pamdrive reports a wrong answer"
else
	tap_notok "pamdrive reports a wrong answer" "exit $_rc:" "$_out"
fi

tap_done
