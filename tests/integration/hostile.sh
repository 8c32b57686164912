#!/bin/sh
# hostile.sh - hostile input through the real module and through certmap: entity bombs,
# DOCTYPEs, deep nesting, huge attributes and values, bad bytes and encodings, cut and
# swapped files, odd certificates, and a token helper that answers garbage.  Each one is
# refused with a failure code and a clear error line, in bounded time, never a success.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers

H=$top_srcdir/tests/hostile
CERTMAP=$top_builddir/certmap/certmap
MAPBENCH=$top_builddir/bench/mapbench
FAKEMOD=$top_builddir/tests/.libs/pam_certmap_fakehelper.so
FAKEHELPER=$top_builddir/tests/fakehelper
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
[ -x "$MAPBENCH" ] || bail "$MAPBENCH not built (make check builds it)"
# Under tests/lib.sh's memory checkers (CERTMAP_TEST_VALGRIND, CERTMAP_TEST_ASAN) every
# pamdrive, pamtester and certmap run goes through $MEMCHECK, with $(preload_list ...).
MEMCHECK=${MEMCHECK:-}
MEMCHECK_MODE=${MEMCHECK_MODE:-}
MEMCHECK_NOHELPER=${MEMCHECK_NOHELPER:-$MEMCHECK}
MEMCHECK_CRASH_ENV=${MEMCHECK_CRASH_ENV:-}
PRELOAD_FIRST=${PRELOAD_FIRST:-}
h_preload() {
	if command -v preload_list >/dev/null 2>&1; then
		preload_list "$@"
	else
		printf '%s' "$*"
	fi
}
# A hang guard, not a benchmark: a slow machine must not fail a test.
case $MEMCHECK_MODE in
valgrind) LIMIT=900 ;;
asan) LIMIT=180 ;;
*) LIMIT=60 ;;
esac
# The largest resident size (KiB) the 30 MB attribute may cost: expat holds the value, the
# parser a copy; an entity or quadratic blow-up would go far past it.
RSS_MAX=$((1024 * 1024))
# shellcheck disable=SC3045 # dash and bash have ulimit -c; a crash must leave no core
ulimit -c 0

P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"
sha() { pki_sha256 "$1"; }
ALICE=$P/alice.pem
ALICE_B64=$(pki_b64 "$ALICE")

# ---------------------------------------------------------------- runs

# timed OUT CMD...: CMD under timeout(1), its stdout and stderr in OUT; sets RC and MS.
timed() {
	_ti_out=$1
	shift
	_ti_t0=$(date +%s%N)
	timeout -k 5 "$LIMIT" "$@" > "$_ti_out" 2>&1
	RC=$?
	MS=$((($(date +%s%N) - _ti_t0) / 1000000))
}

# in_time: the last run ended by itself, within the limit.
in_time() {
	[ "$RC" != 124 ] && [ "$RC" != 137 ] && [ "$MS" -lt $((LIMIT * 1000)) ]
}

# h_drive NAME CODE SERVICE USER PAMDRIVE-ARG...: pamdrive under pam_wrapper (and H_NSS, by
# default nss_wrapper) answers CODE within the limit.  H_PREFIX goes before pamdrive.
H_NSS=$NSS_WRAPPER_LIB
H_PREFIX=""
h_drive() {
	_hd_name=$1 _hd_code=$2 _hd_svc=$3 _hd_user=$4
	shift 4
	log_mark
	# shellcheck disable=SC2086 # command prefixes, split on purpose
	timed "$T/out" env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PAMDIR" \
		PAM_WRAPPER_USE_SYSLOG=1 LD_PRELOAD="$(h_preload "$PAM_WRAPPER_LIB" $H_NSS)" \
		$H_PREFIX $MEMCHECK "$PAMDRIVE" "$@" -u "$_hd_user" "$_hd_svc"
	if in_time && [ "$RC" = "$(code_num "$_hd_code")" ] &&
		grep -q "^$_hd_code user=" "$T/out"; then
		tap_ok "$_hd_name"
		tap_diag "$_hd_code in $MS ms"
	else
		tap_notok "$_hd_name" \
			"want $_hd_code (exit $(code_num "$_hd_code")) within $LIMIT s" \
			"got exit $RC after $MS ms:" "$(head -c 2000 "$T/out")"
	fi
}

# h_env NAME CODE SERVICE VALUEFILE: h_drive with VALUEFILE's contents in SSL_CLIENT_CERT
# (pam_putenv) and PAM_USER alice.
h_env() {
	h_drive "$1" "$2" "$3" alice -e SSL_CLIENT_CERT=@"$4"
}

# h_log NAME PRIO MODNAME SERVICE TEXT: since the mark, MODNAME(SERVICE:auth) logged a line
# at PRIO that holds TEXT.
h_log() {
	if [ "$LOGS" != yes ]; then
		tap_skip "$1" "$LOGS_WHY"
		return
	fi
	_hl_i=0
	while [ $_hl_i -lt 30 ]; do
		if log_new | grep "^<$(log_priority "$2")>" | grep -F "$3($4:auth): " |
			grep -qiF -- "$5"; then
			tap_ok "$1"
			return
		fi
		sleep 0.1
		_hl_i=$((_hl_i + 1))
	done
	tap_notok "$1" "want at $2: $3($4:auth): ...$5" "logged:" "$(log_new | cut -c 1-300)"
}

# said TEXT: the last run's output holds TEXT; with TEXT empty, the run printed nothing.
said() {
	if [ -z "$1" ]; then
		[ ! -s "$T/out" ]
	else
		grep -qF -- "$1" "$T/out"
	fi
}

# h_certmap NAME EXIT TEXT CERTMAP-ARG...: certmap exits EXIT within the limit and says TEXT
# (on stdout or stderr), or nothing at all when TEXT is empty.
h_certmap() {
	_hc_name=$1 _hc_want=$2 _hc_text=$3
	shift 3
	# shellcheck disable=SC2086 # a command prefix, split on purpose
	timed "$T/out" env LD_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB" $MEMCHECK "$CERTMAP" "$@"
	if in_time && [ "$RC" = "$_hc_want" ] && said "$_hc_text"; then
		tap_ok "$_hc_name"
		tap_diag "exit $RC in $MS ms"
	else
		tap_notok "$_hc_name" "want exit $_hc_want within $LIMIT s and: $_hc_text" \
			"got exit $RC after $MS ms:" "$(head -c 2000 "$T/out")"
	fi
}

# ---------------------------------------------------------------- bad mapping files

# from_fixed NAME: tests/hostile/NAME with alice's certificate put in, root-owned in $T.
from_fixed() {
	sed "s|@ALICE_B64@|$ALICE_B64|" "$H/$1" | mapfile_write "$T/$1"
}

# bad_file LABEL FILE REASON: the module (env source, alice's certificate for alice) answers
# PAM_AUTHINFO_UNAVAIL and logs REASON; certmap check and lookup exit 1 with REASON.
bad_file() {
	_bf_svc=hf$TESTNUM
	svc "$_bf_svc" "$2"
	h_env "$1: the module answers PAM_AUTHINFO_UNAVAIL" PAM_AUTHINFO_UNAVAIL "$_bf_svc" "$ALICE"
	h_log "$1: the module logs why" err pam_certmap "$_bf_svc" "mapping file $2: "
	h_log "$1: ... and the reason is clear" err pam_certmap "$_bf_svc" "$3"
	h_certmap "$1: certmap check reports it" 1 "error: $3" -f "$2" check
	h_certmap "$1: certmap lookup refuses to answer" 1 "$3" -f "$2" lookup "$ALICE"
}

DOCTYPE="a DOCTYPE is not allowed"
for f in billion-laughs.xml xxe.xml xxe-dtd.xml doctype-empty.xml; do
	from_fixed "$f"
	grep -qF "$ALICE_B64" "$T/$f" || bail "$f has no @ALICE_B64@ to fill"
	bad_file "$f" "$T/$f" "$DOCTYPE"
done

# nest ELEMENT COUNT: COUNT nested ELEMENTs, opened and closed.
nest() {
	awk -v e="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++) printf "<%s>", e
		for (i = 0; i < n; i++) printf "</%s>", e
		print "" }'
}

SEC_OPEN='<iisClientCertificateMappingAuthentication enabled="true">'
SEC_CLOSE='</iisClientCertificateMappingAuthentication>'
{
	echo "$SEC_OPEN<oneToOneMappings>"
	xml_add "$ALICE" alice
	nest clear 10000
	echo "</oneToOneMappings>$SEC_CLOSE"
} | mapfile_write "$T/deep-section.xml"
bad_file "10,000-deep nesting in the section" "$T/deep-section.xml" \
	"unrecognized element 'clear' inside <clear>"

{
	echo "<configuration>"
	nest location 10000
	echo "</configuration>"
} | mapfile_write "$T/deep-location.xml"
bad_file "10,000 nested <location>s" "$T/deep-location.xml" \
	"<location> inside another <location> is not allowed"

# Deep nesting where the file is not ours to judge is ignored, in bounded time and space.
{
	echo "<configuration><appSettings>"
	nest add 10000
	echo "</appSettings><system.webServer><security><authentication>$SEC_OPEN<oneToOneMappings>"
	xml_add "$P/bob.pem" bob
	echo "</oneToOneMappings>$SEC_CLOSE</authentication></security></system.webServer>"
	echo "</configuration>"
} | mapfile_write "$T/deep-ignored.xml"
svc hf-deep "$T/deep-ignored.xml"
h_env "10,000-deep ignored subtree: alice's certificate is not mapped" PAM_AUTH_ERR hf-deep "$ALICE"
h_log "10,000-deep ignored subtree: denied as unmapped" warning pam_certmap hf-deep \
	"denied: no mapping for this certificate"
h_certmap "10,000-deep ignored subtree: the mapping after it is read" 0 bob \
	-f "$T/deep-ignored.xml" lookup "$P/bob.pem"

# big_attr OUT NAME BYTES CERTFILE USER: a section whose one entry has a NAME attribute of
# BYTES 'A's (a value that is valid base64), beside the certificate and user given.
big_attr() {
	{
		echo "$SEC_OPEN<oneToOneMappings>"
		if [ "$2" = certificate ]; then
			printf '<add userName="%s" certificate="' "$5"
		else
			printf '<add certificate="%s" userName="' "$(pki_b64 "$4")"
		fi
		head -c "$3" /dev/zero | tr '\0' A
		printf '" />\n</oneToOneMappings>%s\n' "$SEC_CLOSE"
	} | mapfile_write "$1"
}

# Over the 256 MiB cap: refused from its size, before a byte is parsed.
big_attr "$T/big257.xml" certificate $((257 * 1024 * 1024)) - alice
bad_file "257 MiB attribute" "$T/big257.xml" "too large: 269484"
rm -f "$T/big257.xml"

# 30 MB is under the 256 MiB cap: the real parser reads it, in bounded time and memory.
# rss_ok NAME: the last run, under /usr/bin/time -o $T/rss, stayed under RSS_MAX.
rss_ok() {
	_rss=$(sed -n 's/^maxrss=//p' "$T/rss" 2>/dev/null)
	if [ -z "$_rss" ]; then
		tap_skip "$1" "no resident size measured"
	elif [ "$_rss" -lt "$RSS_MAX" ]; then
		tap_ok "$1"
		tap_diag "max resident size $_rss KiB"
	else
		tap_notok "$1" "max resident size $_rss KiB, want under $RSS_MAX KiB"
	fi
}
# (a memory checker's own footprint would be measured: not under one)
TIMEV=""
[ -x /usr/bin/time ] && [ -z "$MEMCHECK_MODE" ] && TIMEV="/usr/bin/time -o $T/rss -f maxrss=%M"
WHY_NO_RSS="/usr/bin/time not installed"
[ -n "$MEMCHECK_MODE" ] && WHY_NO_RSS="not measured under $MEMCHECK_MODE"

big_attr "$T/big30-cert.xml" certificate $((30 * 1024 * 1024)) - alice
svc hf-big30 "$T/big30-cert.xml"
rm -f "$T/rss"
H_PREFIX=$TIMEV
h_drive "30 MB certificate value: alice's certificate is not mapped" PAM_AUTH_ERR hf-big30 \
	alice -e SSL_CLIENT_CERT=@"$ALICE"
H_PREFIX=""
if [ -n "$TIMEV" ]; then
	rss_ok "30 MB certificate value: the module stays in bounded memory"
else
	tap_skip "30 MB certificate value: the module stays in bounded memory" "$WHY_NO_RSS"
fi
h_log "30 MB certificate value: denied as unmapped" warning pam_certmap hf-big30 \
	"denied: no mapping for this certificate"
if [ -n "$TIMEV" ]; then
	# shellcheck disable=SC2086 # $TIMEV is a command prefix, split on purpose
	timed "$T/out" $TIMEV "$CERTMAP" -f "$T/big30-cert.xml" check
	if in_time && [ "$RC" = 1 ] && grep -qF "does not decode to an X.509 certificate" "$T/out"
	then
		tap_ok "30 MB certificate value: certmap check calls the entry dead"
		tap_diag "exit 1 in $MS ms"
	else
		tap_notok "30 MB certificate value: certmap check calls the entry dead" \
			"exit $RC after $MS ms" "$(head -c 1000 "$T/out")"
	fi
	rss_ok "30 MB certificate value: certmap check stays in bounded memory"
else
	h_certmap "30 MB certificate value: certmap check calls the entry dead" 1 \
		"does not decode to an X.509 certificate" -f "$T/big30-cert.xml" check
	tap_skip "30 MB certificate value: certmap check stays in bounded memory" "$WHY_NO_RSS"
fi
rm -f "$T/big30-cert.xml"

# A 30 MB userName: the system's NSS modules are asked (not nss_wrapper's files), as in a
# real login; nss_systemd aborts the process on a name that long, so it must never get it.
big_attr "$T/big30-user.xml" userName $((30 * 1024 * 1024)) "$P/bob.pem" -
svc hf-big30u "$T/big30-user.xml"
H_NSS=""
h_drive "30 MB userName (system NSS): the account does not exist" PAM_USER_UNKNOWN \
	hf-big30u alice -e SSL_CLIENT_CERT=@"$P/bob.pem"
H_NSS=$NSS_WRAPPER_LIB
h_log "30 MB userName: logged as an unknown account" warning pam_certmap hf-big30u \
	"denied: mapped account 'AAAAAAAA"
# shellcheck disable=SC2086 # a command prefix, split on purpose
timed "$T/out" env LD_PRELOAD="$PRELOAD_FIRST" $MEMCHECK "$CERTMAP" -f "$T/big30-user.xml" check
if in_time && [ "$RC" = 0 ] && grep -qF "is not a local account" "$T/out"; then
	tap_ok "30 MB userName (system NSS): certmap check warns and lives"
	tap_diag "exit 0 in $MS ms"
else
	tap_notok "30 MB userName (system NSS): certmap check warns and lives" \
		"exit $RC after $MS ms" "$(head -c 1000 "$T/out")"
fi
rm -f "$T/big30-user.xml"

# A valid file, then damaged in one way each.
map_simple "$T/good.xml" <<EOF
$(xml_add "$ALICE" alice)
$(xml_add "$P/bob.pem" bob)
EOF

printf "$SEC_OPEN<oneToOneMappings>\n<add certificate=\"%s\" \000userName=\"alice\" />\n\
</oneToOneMappings>$SEC_CLOSE\n" "$ALICE_B64" | mapfile_write "$T/nul.xml"
bad_file "a NUL byte" "$T/nul.xml" "not well-formed XML: not well-formed (invalid token)"

for bytes in '\377\376' '\300\257' '\355\240\200' '\200'; do
	# shellcheck disable=SC2059 # the bytes are octal escapes for printf
	printf "$SEC_OPEN<oneToOneMappings>\n<add certificate=\"%s\" \
userName=\"al${bytes}ice\" />\n</oneToOneMappings>$SEC_CLOSE\n" "$ALICE_B64" |
		mapfile_write "$T/utf8.xml"
	bad_file "invalid UTF-8 ($bytes)" "$T/utf8.xml" "not well-formed XML: not well-formed"
done

# Expat would take these for UTF-16 (the UTF-16 declaration even agrees), but XML and
# SPEC 2.1 want a byte-order mark.
sed 's/encoding="UTF-8"/encoding="UTF-16"/' "$T/good.xml" > "$T/good16.xml"
sed '1d' "$T/good.xml" > "$T/good-nodecl.xml"
for enc in UTF-16LE UTF-16BE; do
	for v in good16:"declared UTF-16" good-nodecl:"no declaration"; do
		iconv -f UTF-8 -t "$enc" < "$T/${v%%:*}.xml" | mapfile_write "$T/nobom.xml" ||
			bail "iconv to $enc failed"
		bad_file "$enc without a BOM, ${v#*:}" "$T/nobom.xml" \
			"UTF-16 without a byte-order mark"
	done
done
{ printf '\377\376'; iconv -f UTF-8 -t UTF-16LE < "$T/good16.xml"; } | mapfile_write "$T/bom.xml"
h_certmap "UTF-16LE with a BOM is read" 0 alice -f "$T/bom.xml" lookup "$ALICE"

head -c $(($(wc -c < "$T/good.xml") / 2)) "$T/good.xml" | mapfile_write "$T/truncated.xml"
bad_file "a truncated file" "$T/truncated.xml" "not well-formed XML: "
: | mapfile_write "$T/empty.xml"
bad_file "an empty file" "$T/empty.xml" "not well-formed XML: no element found"

# Not files at all: nothing may block on them.
mkfifo -m 0644 "$T/fifo.xml" || bail "mkfifo failed"
bad_file "a FIFO" "$T/fifo.xml" "not a regular file"
bad_file "/dev/zero" /dev/zero "not a regular file"

# ---------------------------------------------------------------- a file replaced while read

# Two versions of one size.  A maps alice's certificate to alice at its head; B maps another
# certificate at its head and alice's, to bob, at its tail.  A whole A grants; a whole B is
# "mapped to bob"; a torn read is either both heads' worth of nothing (no mapping) or two
# entries for one certificate (invalid).  No torn read can grant.
pad=$((8 * 1024 * 1024))
swap_version() {
	{
		echo "$SEC_OPEN<oneToOneMappings>"
		xml_add "$1" "$2"
		printf '<!-- '
		head -c "$pad" /dev/zero | tr '\0' ' '
		printf ' -->\n'
		xml_add "$3" "$4"
		echo "</oneToOneMappings>$SEC_CLOSE"
	} | mapfile_write "$5"
}
swap_version "$ALICE" alice "$P/mallory.pem" mallory "$T/swap.A"
swap_version "$P/zed.pem" zed "$ALICE" bob "$T/swap.B"
# one size for both: spaces after the root element make up the difference
_sa=$(wc -c < "$T/swap.A") _sb=$(wc -c < "$T/swap.B")
if [ "$_sa" -lt "$_sb" ]; then
	printf '%*s\n' $((_sb - _sa - 1)) "" >> "$T/swap.A"
elif [ "$_sb" -lt "$_sa" ]; then
	printf '%*s\n' $((_sa - _sb - 1)) "" >> "$T/swap.B"
fi
[ "$(wc -c < "$T/swap.A")" = "$(wc -c < "$T/swap.B")" ] || bail "swap versions differ in size"
cp -p "$T/swap.A" "$T/swap.xml"
svc hf-swap "$T/swap.xml"
# Alternately a rename over the file (atomic) and a rewrite in place (torn reads).
(
	i=0
	while [ -f "$T/swap.A" ]; do
		v=A
		[ $((i % 2)) = 0 ] && v=B
		if [ $((i % 4)) -lt 2 ]; then
			cp -p "$T/swap.$v" "$T/swap.tmp" && mv -f "$T/swap.tmp" "$T/swap.xml"
		else
			cat "$T/swap.$v" > "$T/swap.xml"
		fi
		i=$((i + 1))
	done
) 2>/dev/null &
SWAPPER=$!
n_ok=0 n_bad=0 seen=""
r=0 R=30
[ -n "$MEMCHECK_MODE" ] && R=5
while [ $r -lt $R ]; do
	# shellcheck disable=SC2086 # a command prefix, split on purpose
	timed "$T/out" env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PAMDIR" \
		PAM_WRAPPER_USE_SYSLOG=1 \
		LD_PRELOAD="$(h_preload "$PAM_WRAPPER_LIB" "$NSS_WRAPPER_LIB")" \
		$MEMCHECK "$PAMDRIVE" -e SSL_CLIENT_CERT=@"$ALICE" -u alice hf-swap
	case "$RC:$(grep -m 1 '^PAM_' "$T/out")" in
	"0:PAM_SUCCESS user=alice" | "7:PAM_AUTH_ERR user=alice" | \
	"9:PAM_AUTHINFO_UNAVAIL user=alice")
		n_ok=$((n_ok + 1))
		seen="$seen $RC" ;;
	*)
		n_bad=$((n_bad + 1))
		tap_diag "round $r: exit $RC after $MS ms: $(head -c 300 "$T/out")" ;;
	esac
	r=$((r + 1))
done
rm -f "$T/swap.A"
wait "$SWAPPER"
if [ "$n_bad" = 0 ]; then
	tap_ok "file replaced while read: $R answers, each one a version's or a refusal"
	# shellcheck disable=SC2086 # one exit code a word
	tap_diag "answers: $(printf '%s\n' $seen | sort | uniq -c |
		awk '{ printf "%s x exit %s; ", $1, $2 }')"
else
	tap_notok "file replaced while read: $R answers, each one a version's or a refusal" \
		"$n_bad wrong answers"
fi
rm -f "$T/swap.B" "$T/swap.xml"

# ---------------------------------------------------------------- hostile env values

map_simple "$T/env.xml" <<EOF
$(xml_add "$ALICE" alice)
$(xml_add "$P/bob.pem" bob)
EOF
svc he "$T/env.xml"

# bad_env LABEL VALUEFILE CODE REASON: for alice, the value is refused with CODE and REASON.
bad_env() {
	h_env "$1: the module answers $3" "$3" he "$2"
	h_log "$1: the reason is logged" warning pam_certmap he "$4"
}

NOTCERT="denied: variable SSL_CLIENT_CERT is not a certificate: "
{
	cat "$ALICE"
	head -c $((1024 * 1024 - $(wc -c < "$ALICE"))) /dev/zero | tr '\0' A
} > "$T/env-1mb"
[ "$(wc -c < "$T/env-1mb")" = 1048576 ] || bail "env-1mb is not 1 MiB"
bad_env "a 1 MiB value (alice's PEM first)" "$T/env-1mb" PAM_AUTH_ERR \
	"${NOTCERT}value longer than 262144 bytes"

# pem_of_xml XML [N]: the certificate values of a mapbench file (the first N) as PEM.
pem_of_xml() {
	sed -n 's/.* certificate="\([^"]*\)".*/\1/p' "$1" | head -n "${2:-1000000}" | awk '{
		print "-----BEGIN CERTIFICATE-----"
		for (i = 1; i <= length($0); i += 64) print substr($0, i, 64)
		print "-----END CERTIFICATE-----" }'
}
timed "$T/out" "$MAPBENCH" gen 998 "$T/many.xml" "$T/many-last.der"
[ "$RC" = 0 ] || bail "mapbench gen failed: $(cat "$T/out")"
# mallory's (unmapped) first, alice's (mapped) last: only the first is the client's
{ cat "$P/mallory.pem"; pem_of_xml "$T/many.xml"; cat "$ALICE"; } > "$T/chain1000.pem"
[ "$(grep -c 'BEGIN CERTIFICATE' "$T/chain1000.pem")" = 1000 ] || bail "chain1000 is not 1000"
bad_env "a PEM chain of 1,000 certificates" "$T/chain1000.pem" PAM_AUTH_ERR \
	"${NOTCERT}value longer than 262144 bytes"
{ cat "$P/mallory.pem"; pem_of_xml "$T/many.xml" 298; cat "$ALICE"; } \
	> "$T/chain300.pem"
[ "$(wc -c < "$T/chain300.pem")" -lt 262144 ] || bail "chain300 is over 256 KiB"
bad_env "a chain under the limit with a mapped certificate last" "$T/chain300.pem" \
	PAM_AUTH_ERR "denied: no mapping for this certificate: user 'alice' location 'he' \
certificate sha256:$(sha "$P/mallory.pem")"

# URL-encoded PEM (nginx) with a NUL smuggled in as %00
sed 's/ /%20/g; s/+/%2B/g; s/\//%2F/g; s/=/%3D/g' "$ALICE" | awk '{ printf "%s%%0A", $0 }' |
	sed 's/MII/MI%00I/' > "$T/env-pct00"
grep -q '%00' "$T/env-pct00" || bail "no %00 in env-pct00"
bad_env "a %00 in a URL-encoded PEM" "$T/env-pct00" PAM_AUTH_ERR "${NOTCERT}bad percent escape"

awk 'BEGIN { for (i = 0; i < 4096; i++) printf "%c", 128 + i % 128 }' > "$T/env-binary"
bad_env "4 KiB of invalid UTF-8" "$T/env-binary" PAM_AUTH_ERR "${NOTCERT}not PEM or base64 DER"

# DER nested 10,000 deep (indefinite-length SEQUENCEs), as base64
{
	# shellcheck disable=SC2046 # one argument per level
	printf '\060\200%.0s' $(seq 10000)
	# shellcheck disable=SC2046
	printf '\000\000%.0s' $(seq 10000)
} | openssl base64 -A > "$T/env-asn1deep"
bad_env "base64 DER nested 10,000 deep" "$T/env-asn1deep" PAM_AUTH_ERR \
	"${NOTCERT}not PEM or base64 DER"

{
	echo "-----BEGIN CERTIFICATE-----"
	head -c 150000 /dev/urandom | openssl base64
	echo "-----END CERTIFICATE-----"
} > "$T/env-pemjunk"
bad_env "a PEM block of 150 KB of noise" "$T/env-pemjunk" PAM_AUTH_ERR \
	"${NOTCERT}PEM block does not hold one DER certificate"

# ---------------------------------------------------------------- odd certificates

RSA16K=$H/rsa16384.pem
openssl x509 -in "$RSA16K" -noout -text 2>/dev/null | grep -q 'Public-Key: (16384 bit)' ||
	bail "$RSA16K is not a 16,384-bit RSA certificate"
# curve_cert CURVE OUT: a self-signed certificate (and OUT.key) on CURVE, or failure when
# this OpenSSL lacks it.
curve_cert() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$1" \
		-pkeyopt ec_param_enc:named_curve -out "$2.key" 2>/dev/null &&
		openssl req -new -x509 -key "$2.key" -subj "/CN=alice on $1" -days 365 -out "$2" \
			2>/dev/null
}
CURVES=""
for c in secp256k1 brainpoolP256r1; do
	if curve_cert "$c" "$T/$c.pem"; then
		CURVES="$CURVES $c"
	else
		tap_skip "a $c certificate" "openssl cannot make one"
	fi
done

for c in rsa16384 $CURVES; do
	f=$T/$c.pem
	[ "$c" = rsa16384 ] && f=$RSA16K
	bad_env "a $c certificate, unmapped" "$f" PAM_AUTH_ERR \
		"denied: no mapping for this certificate: user 'alice' location 'he' \
certificate sha256:$(sha "$f")"
	h_certmap "a $c certificate: certmap lookup says not mapped" 2 "" -f "$T/env.xml" \
		lookup "$f"
done

# Mapped, with no trust anchor: the env source refuses keys the token source could not
# verify (SPEC 3.3: RSA of 2048 to 8192 bits, ECDSA on P-256, P-384, P-521), before anything
# else is checked.  A 1,024-bit RSA key is refused as too weak.
openssl req -new -x509 -newkey rsa:1024 -nodes -keyout "$T/rsa1024.pem.key" \
	-subj "/CN=alice rsa1024" -days 365 -out "$T/rsa1024.pem" 2>/dev/null ||
	bail "cannot make a 1,024-bit RSA certificate"
map_simple "$T/keys.xml" <<EOF
$(xml_add "$RSA16K" alice)
$(xml_add "$T/rsa1024.pem" alice)
$(for c in $CURVES; do xml_add "$T/$c.pem" alice; done)
EOF
svc he-keys "$T/keys.xml"
for c in rsa16384 rsa1024 $CURVES; do
	f=$T/$c.pem
	[ "$c" = rsa16384 ] && f=$RSA16K
	case $c in
	rsa16384) what="a 16384-bit RSA key" ;;
	rsa1024) what="a 1024-bit RSA key" ;;
	*) what="an EC key on curve $c" ;;
	esac
	h_env "a $c certificate, mapped: refused" PAM_AUTH_ERR he-keys "$f"
	h_log "a $c certificate, mapped: the reason is logged" warning pam_certmap he-keys \
		"the certificate's key is not supported: $what"
done
for what in "a 16384-bit RSA key:$RSA16K" "a 1024-bit RSA key:$T/rsa1024.pem"; do
	h_certmap "certmap explain of ${what%%:*}: does not map, says why" 2 \
		"result: does not map: the certificate's key is not supported: ${what%%:*}" \
		-f "$T/keys.xml" explain "${what#*:}"
done
h_certmap "unsupported keys only: certmap keys prints nothing" 0 "" \
	-f "$T/keys.xml" keys alice
for what in "a 16384-bit RSA key" "a 1024-bit RSA key"; do
	h_certmap "certmap keys -v says why it leaves out $what" 0 \
		"skipped: the certificate's key is not supported: $what" \
		-f "$T/keys.xml" keys -v alice
done

# Mapped, but with a trust anchor configured it must chain to it: a self-signed 16,384-bit
# key does not, and checking that costs little.
map_simple "$T/rsa.xml" <<EOF
$(xml_add "$RSA16K" alice)
EOF
svc he-ca "$T/rsa.xml" ca_file="$P/ca.pem"
h_env "a 16,384-bit RSA certificate, mapped, not from the CA" PAM_AUTH_ERR he-ca "$RSA16K"
h_log "a 16,384-bit RSA certificate, mapped, not from the CA: logged" warning pam_certmap \
	he-ca "sha256:$(sha "$RSA16K")"

# A CA file of 1,000 certificates, none of them the issuer.
pem_of_xml "$T/many.xml" > "$T/ca1000.pem"
cat "$RSA16K" "$RSA16K" >> "$T/ca1000.pem"
map_simple "$T/ca.xml" <<EOF
$(xml_add "$ALICE" alice)
EOF
svc he-ca1000 "$T/ca.xml" ca_file="$T/ca1000.pem"
h_env "ca_file of 1,000 certificates without the issuer" PAM_AUTH_ERR he-ca1000 "$ALICE"
h_log "ca_file of 1,000 certificates without the issuer: logged" warning pam_certmap \
	he-ca1000 "denied: "

# ---------------------------------------------------------------- certmap's CERT argument

h_certmap "certmap lookup: a chain of 1,000 takes the first only" 2 "" -f "$T/env.xml" \
	lookup "$T/chain1000.pem"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' A > "$T/cert-2mb"
h_certmap "certmap lookup: a 2 MiB certificate file" 1 "larger than 1048576 bytes" \
	-f "$T/env.xml" lookup "$T/cert-2mb"
h_certmap "certmap lookup: /dev/zero as the certificate" 1 "larger than 1048576 bytes" \
	-f "$T/env.xml" lookup /dev/zero
h_certmap "certmap lookup: binary noise as the certificate" 1 "not PEM, DER or base64 DER" \
	-f "$T/env.xml" lookup "$T/env-binary"
h_certmap "certmap lookup: DER nested 10,000 deep" 1 "not PEM, DER or base64 DER" \
	-f "$T/env.xml" lookup "$T/env-asn1deep"

# ---------------------------------------------------------------- a token helper that lies

# The module built with tests/fakehelper as its helper (SPEC 3.3's helper is a build-time
# path, so a test helper needs its own build of the module).
FAKE=yes
[ -f "$FAKEMOD" ] && [ -x "$FAKEHELPER" ] || FAKE=no
FAKENAME=$(basename "$FAKEMOD" .so)
PIN=123456
printf '%s\n' "$PIN" > "$T/pin"

curve_cert P-256 "$T/fake.pem" || bail "cannot make the fake token's certificate"
{
	echo "$SEC_OPEN<oneToOneMappings>"
	for c in "$T/fake.pem" "$RSA16K"; do xml_add "$c" alice; done
	for c in $CURVES; do xml_add "$T/$c.pem" alice; done
	echo "</oneToOneMappings>$SEC_CLOSE"
} | mapfile_write "$T/fake.xml"
if [ "$FAKE" = yes ]; then
	printf 'auth required %s source=pkcs11 mapfile=%s token_timeout=2 pkcs11_module=%s\n' \
		"$FAKEMOD" "$T/fake.xml" "$T/no-p11.so" > "$PAMDIR/hk" || bail "cannot write hk"
	# the same with wait_for_card
	printf 'auth required %s source=pkcs11 mapfile=%s token_timeout=2 wait_for_card=1 %s\n' \
		"$FAKEMOD" "$T/fake.xml" "pkcs11_module=$T/no-p11.so" > "$PAMDIR/hkw" ||
		bail "cannot write hkw"
fi

# h_fake NAME CODE [VAR=VALUE]...: pamtester HK (default hk) alice (PIN on stdin) with the
# fake helper told VARs answers CODE within the limit.  A memory checker watches the module,
# not the fake helper, whose crashes and kills are on purpose.
HK=hk
h_fake() {
	_hf_name=$1 _hf_code=$2
	shift 2
	if [ "$FAKE" = no ]; then
		tap_skip "$_hf_name" "tests/pam_certmap_fakehelper.la not built"
		return
	fi
	log_mark
	# shellcheck disable=SC2086 # a command prefix, split on purpose
	timed "$T/out" env PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PAMDIR" \
		PAM_WRAPPER_USE_SYSLOG=1 \
		LD_PRELOAD="$(h_preload "$PAM_WRAPPER_LIB" "$NSS_WRAPPER_LIB")" \
		FAKEHELPER_CERT="$T/fake.pem" FAKEHELPER_KEY="$T/fake.pem.key" "$@" \
		$MEMCHECK_CRASH_ENV $MEMCHECK_NOHELPER pamtester "$HK" alice authenticate < "$T/pin"
	_hf_want=1
	[ "$_hf_code" = PAM_SUCCESS ] && _hf_want=0
	if in_time && [ "$RC" = "$_hf_want" ] &&
		grep -qF "pamtester: $(code_text "$_hf_code")" "$T/out"; then
		tap_ok "$_hf_name"
		tap_diag "$_hf_code in $MS ms"
	else
		tap_notok "$_hf_name" "want $_hf_code within $LIMIT s" \
			"got exit $RC after $MS ms:" "$(head -c 2000 "$T/out")"
	fi
}

# h_fake_log NAME PRIO TEXT
h_fake_log() {
	if [ "$FAKE" = no ]; then
		tap_skip "$1" "tests/pam_certmap_fakehelper.la not built"
		return
	fi
	h_log "$1" "$2" "$FAKENAME" "$HK" "$3"
}

# h_fake_said NAME TEXT: the last h_fake run showed TEXT to the user; h_fake_not_said: it did not.
h_fake_said() {
	if [ "$FAKE" = no ]; then
		tap_skip "$1" "tests/pam_certmap_fakehelper.la not built"
	elif said "$2"; then
		tap_ok "$1"
	else
		tap_notok "$1" "want in the output: $2" "got:" "$(head -c 2000 "$T/out")"
	fi
}

h_fake_not_said() {
	if [ "$FAKE" = no ]; then
		tap_skip "$1" "tests/pam_certmap_fakehelper.la not built"
	elif said "$2"; then
		tap_notok "$1" "not wanted in the output: $2" "got:" "$(head -c 2000 "$T/out")"
	else
		tap_ok "$1"
	fi
}

# The control: the fake helper, told to behave, gets alice in.
h_fake "fake helper, well-behaved: granted (the harness works)" PAM_SUCCESS

FRAME="token helper sent a malformed frame (length out of range)"
HUNGUP="token helper hung up without a complete answer"
TIMEDOUT="token helper timed out after 2 s"
MALFORMED="token helper: malformed list of certificates"
for m in garbage:"$FRAME" oversized:"$FRAME" huge:"$FRAME" zero:"$FRAME" flood:"$FRAME" \
	truncated:"$HUNGUP" exit:"$HUNGUP" hold:"$TIMEDOUT" silent:"$TIMEDOUT" drip:"$TIMEDOUT" \
	wrongtype:"$MALFORMED" unknowntype:"$MALFORMED" manycerts:"$MALFORMED" \
	badder:"$MALFORMED" trailing:"$MALFORMED" crash:"token helper died (signal 11)" \
	bigerror:"PKCS#11 module $T/no-p11.so cannot be loaded: AAAA"; do
	h_fake "list answered with '${m%%:*}'" PAM_AUTHINFO_UNAVAIL FAKEHELPER_LIST="${m%%:*}"
	h_fake_log "list answered with '${m%%:*}': logged" err "${m#*:}"
done

for m in garbage:PAM_AUTHINFO_UNAVAIL:"$FRAME" oversized:PAM_AUTHINFO_UNAVAIL:"$FRAME" \
	truncated:PAM_AUTHINFO_UNAVAIL:"$HUNGUP" exit:PAM_AUTHINFO_UNAVAIL:"$HUNGUP" \
	silent:PAM_AUTHINFO_UNAVAIL:"$TIMEDOUT" crash:PAM_AUTHINFO_UNAVAIL:"died (signal 11)" \
	wrongtype:PAM_AUTH_ERR:"denied: unexpected answer from the token helper" \
	badsig:PAM_AUTH_ERR:"denied: the token's key does not match the mapped certificate" \
	bogusalg:PAM_AUTH_ERR:"denied: the token's key does not match the mapped certificate" \
	trailing:PAM_AUTH_ERR:"denied: malformed signature from the token helper" \
	errcode:PAM_AUTH_ERR:"denied: token 'fake' did not sign: an error the module has"; do
	_mode=${m%%:*} _rest=${m#*:}
	h_fake "signature answered with '$_mode'" "${_rest%%:*}" FAKEHELPER_SIGN="$_mode"
	_prio=err
	[ "${_rest%%:*}" = PAM_AUTH_ERR ] && _prio=warning
	h_fake_log "signature answered with '$_mode': logged" "$_prio" "${_rest#*:}"
done

# What a token says about itself after the PIN: removal and device errors are not a wrong PIN.
h_fake "signature answered: token removed" PAM_AUTHINFO_UNAVAIL FAKEHELPER_SIGN=gone
h_fake_log "token removed: logged" warning "denied: token 'fake' was removed: C_Login failed"
h_fake "signature answered: device error" PAM_AUTHINFO_UNAVAIL FAKEHELPER_SIGN=device
h_fake_log "device error: logged" warning "denied: token 'fake' or its reader failed: C_Sign"
h_fake "signature answered: PIN expired" PAM_AUTH_ERR FAKEHELPER_SIGN=expired
h_fake_said "PIN expired: the user is told" "The PIN of fake has expired"
h_fake_log "PIN expired: logged" warning "denied: PIN of token 'fake' has expired"
h_fake "signature answered: a wrong PIN that locked the token" PAM_MAXTRIES \
	FAKEHELPER_SIGN=lockednow
h_fake_said "locked by this try: the user is told" "The PIN of fake is now locked."
# A message the helper makes up cannot forge a log line or move the terminal.
h_fake "signature answered with control characters" PAM_AUTH_ERR FAKEHELPER_SIGN=escape
h_fake_log "control characters: logged escaped" warning \
	"did not sign: evil\\x0a<84>granted: user 'root'\\x1b[2J"
h_fake "a label with control characters" PAM_SUCCESS \
	FAKEHELPER_LABEL="$(printf 'ev\033[2Jil\r\a')"
h_fake_said "a label with control characters: the prompt shows it escaped" \
	'PIN for ev\x1b[2Jil\x0d\x07: '
h_fake_not_said "a label with control characters: no escape character reaches the user" \
	"$(printf '\033')"
h_fake_log "a label with control characters: logged escaped" notice "granted: user 'alice'"

# wait_for_card (hkw waits 1 s): told to insert a card, then a card, or none in time.
h_fake "no wait_for_card, the helper waits anyway" PAM_AUTHINFO_UNAVAIL FAKEHELPER_LIST=waiting
h_fake_log "no wait_for_card, the helper waits anyway: logged" err "$MALFORMED"
HK=hkw
h_fake "wait_for_card: no card comes" PAM_AUTHINFO_UNAVAIL FAKEHELPER_LIST=waiting
h_fake_said "wait_for_card, no card: the user is told to insert one" "Insert your smart card."
h_fake_log "wait_for_card, no card: logged" warning \
	"denied: no smart card was inserted within 1 s"
h_fake "wait_for_card: a card comes" PAM_SUCCESS FAKEHELPER_LIST=inserted
h_fake_said "wait_for_card, a card: the user was told first" "Insert your smart card."
h_fake "wait_for_card: a card comes, then no list" PAM_AUTHINFO_UNAVAIL \
	FAKEHELPER_LIST=insertedsilent
h_fake_log "wait_for_card, then no list: logged" err "$TIMEDOUT"
HK=hk

# Keys the module does not support (SPEC 3.3): refused before the PIN is asked.
for c in $CURVES; do
	h_fake "a $c certificate with a real signature" PAM_AUTH_ERR \
		FAKEHELPER_CERT="$T/$c.pem" FAKEHELPER_KEY="$T/$c.pem.key"
	if [ "$FAKE" = no ]; then
		tap_skip "a $c certificate: no PIN asked" "tests/pam_certmap_fakehelper.la not built"
	elif grep -q 'PIN for' "$T/out"; then
		tap_notok "a $c certificate: no PIN asked" "$(head -c 2000 "$T/out")"
	else
		tap_ok "a $c certificate: no PIN asked"
	fi
	h_fake_log "a $c certificate: logged as unsupported" warning \
		"denied: the certificate's key is not supported: an EC key on curve $c"
done
# A 16,384-bit RSA certificate: refused as unsupported before the PIN, so the forged
# signature the helper would give is never asked for.
h_fake "a 16,384-bit RSA certificate with a forged signature" PAM_AUTH_ERR \
	FAKEHELPER_CERT="$RSA16K" FAKEHELPER_SIGN=badrsa
h_fake_log "a 16,384-bit RSA certificate with a forged signature: logged" warning \
	"denied: the certificate's key is not supported: a 16384-bit RSA key"

tap_done
