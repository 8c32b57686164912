#!/bin/sh
# certmap_revocation.sh - certmap keys and explain with the module's trust options
# (--ca-file, --ca-dir, --crl-file, --crl-dir, --ocsp, --ocsp-url, --ocsp-timeout) against a
# real `openssl ocsp` responder: a revoked card gets no authorized_keys line, explain says how
# revocation was checked, and bad combinations are refused.
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
. "${top_srcdir:?}/tests/ocsp.sh"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_netns

CERTMAP=$top_builddir/tests/certmap_uninst
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
have_nss_wrapper || skip_all "nss_wrapper not found"
umask 022

# cm ARGS...: certmap with the test users; rc, $T/out and $T/err hold the outcome.
cm() {
	env LD_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB" $MEMCHECK "$CERTMAP" -f "$MAP" "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
}

URL_GOOD=http://127.0.0.1:8101/
URL_HANG=http://127.0.0.1:8107/
URL_DOWN=http://127.0.0.1:8108/
OT=5
[ "$MEMCHECK_MODE" = valgrind ] && OT=${CERTMAP_TEST_VG_TIMEOUT:-60}

PA=$T/pka PX=$T/pkx
{
	pki_init "$PX" "Unrelated CA" &&
		pki_init "$PA" "Test CA A" && ocsp_cert good "alice good" "$URL_GOOD" &&
		ocsp_cert gone "alice gone" "$URL_GOOD" && ocsp_revoke "$PA/gone.pem" &&
		ocsp_crl "$PA/crl.pem" && mkdir "$T/crls" && cp "$PA/crl.pem" "$T/crls/a.pem" &&
		openssl rehash "$T/crls"
} || bail "cannot make the CA and certificates"
MAP=$T/map.xml
{
	xml_add "$PA/good.pem" alice
	xml_add "$PA/gone.pem" alice
} | map_simple "$MAP"
ocsp_start good 8101 "$PA" "$PA/ca.pem" "$PA/ca.key"
ocsp_start hang 8107 "$PA" "$PA/ca.pem" "$PA/ca.key"
ocsp_freeze hang
CA="--ca-file $PA/ca.pem"

# ---------------------------------------------------------------- keys

cm keys alice
t "keys without trust options: the revoked card's line too" \
	'rc_is 0 && out_lines 2 && out_has "CN=alice good" && out_has "CN=alice gone"'
cm keys $CA alice
t "keys --ca-file: both chains verify" 'rc_is 0 && out_lines 2'
cm keys $CA --ocsp require --ocsp-timeout "$OT" alice
t "keys --ocsp require: the revoked card is left out" \
	'rc_is 0 && out_lines 1 && out_has "CN=alice good" && ! out_has "CN=alice gone"'
cm keys -v $CA --ocsp soft --ocsp-timeout "$OT" alice
t "keys -v --ocsp soft: says why, and how the key was checked" \
	'rc_is 0 && out_lines 1 && err_has "skipped: revoked (OCSP: keyCompromise, since" &&
	 err_has "chain verified, revocation: OCSP good"'
cm keys -v $CA --crl-file "$PA/crl.pem" alice
t "keys --crl-file: the revoked card is left out" \
	'rc_is 0 && out_lines 1 && err_has "skipped: revoked (CRL of CN=Test CA A" &&
	 err_has "revocation: CRL"'
cm keys -v --ca-dir "$T/crls" --ca-file "$PA/ca.pem" --crl-dir "$T/crls" alice
t "keys --crl-dir: the revoked card is left out" \
	'rc_is 0 && out_lines 1 && out_has "CN=alice good" && err_has "revoked (CRL of"'
cm keys -v $CA --ocsp soft --ocsp-url "$URL_DOWN" alice
t "keys --ocsp soft, responder down: both lines, soft-accepted" \
	'rc_is 0 && out_lines 2 && err_has "OCSP soft-accepted ($URL_DOWN unreachable"'
cm keys -v $CA --ocsp require --ocsp-url "$URL_DOWN" alice
t "keys --ocsp require, responder down: no line, exit 0" \
	'rc_is 0 && out_empty && err_has "(ocsp=require)"'
cm keys -v $CA --ocsp require --ocsp-url "$URL_GOOD" --ocsp-timeout "$OT" alice
t "keys --ocsp-url: that responder is asked" 'rc_is 0 && out_lines 1'
cm keys -v --ca-file "$PX/ca.pem" alice
t "keys --ca-file of another CA: no line" \
	'rc_is 0 && out_empty && err_has "chain: unable to get local issuer certificate"'

_t0=$(now_ms)
cm keys $CA --ocsp require --ocsp-url "$URL_HANG" --ocsp-timeout 2 alice
_ms=$(($(now_ms) - _t0))
t "keys, silent responder: no line" 'rc_is 0 && out_empty'
t "keys, silent responder: 2 x ocsp_timeout=2 (+8 s of slack)" \
	"[ $_ms -lt $((12000 + MEMCHECK_SLACK_MS)) ] && [ $_ms -ge 3000 ]"

cm keys --ca-file /nonexistent/ca.pem alice
t "keys --ca-file missing: exit 1, nothing printed" \
	'rc_is 1 && out_empty && err_has "ca_file /nonexistent/ca.pem"'
cm keys $CA --crl-dir /nonexistent/crls alice
t "keys --crl-dir missing: exit 1" 'rc_is 1 && out_empty && err_has "crl_dir /nonexistent/crls"'

# ---------------------------------------------------------------- explain

cm explain "$PA/good.pem"
t "explain without trust options: chain not checked" \
	'rc_is 0 && out_has "chain: not checked (no --ca-file or --ca-dir); revocation: none"'
cm explain $CA --ocsp require --ocsp-timeout "$OT" "$PA/good.pem"
t "explain --ocsp require: OCSP good, maps" \
	'rc_is 0 && out_has "chain: verified; revocation: OCSP good" && out_has "result: maps to alice"'
cm explain $CA --ocsp soft --ocsp-timeout "$OT" "$PA/gone.pem"
t "explain --ocsp soft, revoked: does not map, exit 2" \
	'rc_is 2 && out_has "revocation: OCSP failed (revoked" &&
	 out_has "result: does not map: revoked (OCSP: keyCompromise"'
cm explain $CA --crl-dir "$T/crls" "$PA/gone.pem"
t "explain --crl-dir, revoked: does not map" \
	'rc_is 2 && out_has "revocation: CRL failed" && out_has "result: does not map: revoked (CRL of"'
cm explain $CA --ocsp soft --ocsp-url "$URL_DOWN" "$PA/good.pem"
t "explain --ocsp soft, responder down: maps, soft-accepted" \
	'rc_is 0 && out_has "revocation: OCSP soft-accepted ($URL_DOWN unreachable"'
cm explain --ca-file /nonexistent/ca.pem "$PA/good.pem"
t "explain --ca-file missing: exit 1" 'rc_is 1 && err_has "ca_file /nonexistent/ca.pem"'

# ---------------------------------------------------------------- bad combinations

for _cmd in keys explain; do
	_arg=alice
	[ $_cmd = explain ] && _arg=$PA/good.pem
	cm $_cmd --crl-dir "$T/crls" "$_arg"
	t "$_cmd --crl-dir without --ca-file: refused" \
		'rc_is 1 && out_empty && err_has "--crl-dir needs --ca-file or --ca-dir"'
	cm $_cmd --ocsp soft "$_arg"
	t "$_cmd --ocsp without --ca-file: refused" 'rc_is 1 && err_has "--ocsp needs --ca-file"'
	cm $_cmd $CA --ocsp maybe "$_arg"
	t "$_cmd --ocsp maybe: refused" 'rc_is 1 && err_has "--ocsp is off, soft or require"'
	cm $_cmd $CA --ocsp-url "$URL_GOOD" "$_arg"
	t "$_cmd --ocsp-url without --ocsp: refused" \
		'rc_is 1 && err_has "--ocsp-url needs --ocsp soft or --ocsp require"'
	cm $_cmd $CA --ocsp soft --ocsp-url ftp://127.0.0.1/ "$_arg"
	t "$_cmd --ocsp-url ftp://: refused" 'rc_is 1 && err_has "--ocsp-url takes an http:// URL"'
	cm $_cmd $CA --ocsp soft --ocsp-timeout 0 "$_arg"
	t "$_cmd --ocsp-timeout 0: refused" 'rc_is 1 && err_has "--ocsp-timeout is a whole number"'
	cm $_cmd $CA --ocsp "$_arg"
	t "$_cmd --ocsp without its value: refused" 'rc_is 1 && err_has "--ocsp"'
done

tap_done
