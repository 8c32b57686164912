#!/bin/sh
# revocation_env.sh - SPEC 3.3.1 through a real PAM stack with the env source: CRL directories
# holding two CAs' CRLs, and OCSP against real `openssl ocsp` responders (good, revoked,
# unknown, down, silent, signed by an unrelated responder or by a delegated one, stale,
# replayed), soft and require, AIA and ocsp_url; every decision line says how revocation was
# checked, and a silent responder or name server holds the login no longer than ocsp_timeout.
. "${top_srcdir:?}/tests/ocsp.sh"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_netns

# Under valgrind the OCSP helper takes seconds to start: a generous ocsp_timeout where an
# answer is expected.
OT=""
[ "$MEMCHECK_MODE" = valgrind ] && OT="ocsp_timeout=${CERTMAP_TEST_VG_TIMEOUT:-60}"

# Fixed ports: nothing else lives in this network namespace.
URL_GOOD=http://127.0.0.1:8101/     # CA A signs its answers
URL_DELEG=http://127.0.0.1:8102/    # a responder CA A delegated to (OCSPSigning)
URL_NOEKU=http://127.0.0.1:8103/    # a certificate of CA A without OCSPSigning signs
URL_UNREL=http://127.0.0.1:8104/    # an unrelated CA signs
URL_STALE=http://127.0.0.1:8105/    # CA A's answers, made three days ago
URL_REPLAY=http://127.0.0.1:8106/   # one recorded answer, played back
URL_HANG=http://127.0.0.1:8107/     # accepts and never answers
URL_DOWN=http://127.0.0.1:8108/     # nothing listens

PA=$T/pka PB=$T/pkb PX=$T/pkx
{
	pki_init "$PX" "Unrelated CA" &&
		pki_init "$PB" "Test CA B" && ocsp_cert b-alice "b alice" "" &&
		ocsp_cert b-gone "b gone" "" && ocsp_revoke "$PB/b-gone.pem" && ocsp_crl "$PB/crl.pem" &&
		pki_init "$PA" "Test CA A" && ocsp_responder_cert && ocsp_responder_cert noeku &&
		ocsp_cert alice alice "$URL_GOOD" && ocsp_cert gone "gone" "$URL_GOOD" &&
		ocsp_revoke "$PA/gone.pem" && ocsp_stranger stranger stranger "$URL_GOOD" &&
		ocsp_cert noaia "no aia" "" && ocsp_cert deleg deleg "$URL_DELEG" &&
		ocsp_cert noeku noeku "$URL_NOEKU" && ocsp_cert unrel unrel "$URL_UNREL" &&
		ocsp_cert stale stale "$URL_STALE" && ocsp_cert replay replay "$URL_REPLAY" &&
		ocsp_cert hang hang "$URL_HANG" && ocsp_cert down down "$URL_DOWN" &&
		ocsp_cert unmapped unmapped "$URL_HANG" && ocsp_crl "$PA/crl.pem"
} || bail "cannot make the CAs and certificates"
HAVE_FAKETIME=no
OCSP_WRAP="faketime -f -3d"
command -v faketime >/dev/null 2>&1 && ocsp_crl "$PA/crl-old.pem" 1 && HAVE_FAKETIME=yes
OCSP_WRAP=""

# A CRL directory as `openssl rehash` makes it, with both CAs' CRLs; one with CA A's CRL
# expired; one without CA A's.
mkdir "$T/crls" "$T/crls-expired" "$T/crls-b" || bail "mkdir"
cp "$PA/crl.pem" "$T/crls/a.pem" && cp "$PB/crl.pem" "$T/crls/b.pem" &&
	cp "$PB/crl.pem" "$T/crls-b/b.pem" && cp "$PB/crl.pem" "$T/crls-expired/b.pem" &&
	{ [ "$HAVE_FAKETIME" = no ] || cp "$PA/crl-old.pem" "$T/crls-expired/a.pem"; } &&
	openssl rehash "$T/crls" "$T/crls-b" "$T/crls-expired" || bail "cannot make the CRL directories"
cat "$PA/ca.pem" "$PB/ca.pem" > "$T/cas.pem" || bail "cat"

MAP=$T/map.xml
{
	for _c in alice gone stranger noaia deleg noeku unrel stale replay hang down; do
		xml_add "$PA/$_c.pem" alice
	done
	xml_add "$PB/b-alice.pem" alice
	xml_add "$PB/b-gone.pem" alice
} | map_simple "$MAP"

ocsp_start good 8101 "$PA" "$PA/ca.pem" "$PA/ca.key"
ocsp_start deleg 8102 "$PA" "$PA/responder.pem" "$PA/responder.key"
ocsp_start noeku 8103 "$PA" "$PA/responder-noeku.pem" "$PA/responder-noeku.key"
ocsp_start unrel 8104 "$PA" "$PX/ca.pem" "$PX/ca.key"
if [ "$HAVE_FAKETIME" = yes ]; then
	OCSP_WRAP="faketime -f -3d"
	ocsp_start stale 8105 "$PA" "$PA/ca.pem" "$PA/ca.key"
	OCSP_WRAP=""
fi
ocsp_record_response "$T/replayed.der" "$PA/replay.pem" "$URL_GOOD" ||
	bail "cannot record a response"
replay_start replay 8106 "$T/replayed.der"
ocsp_start hang 8107 "$PA" "$PA/ca.pem" "$PA/ca.key"
ocsp_freeze hang

BASE="source=env process_env mapfile=$MAP ca_file=$PA/ca.pem"
# rsvc SERVICE ARG...: the env source with CA A as the anchor, and these ARGs.
rsvc() {
	_rs=$1
	shift
	svc_raw "$_rs" $BASE "$@"
}

# t_rev NAME CODE SERVICE CERTFILE: pamtester SERVICE alice with the certificate in
# SSL_CLIENT_CERT of its environment.
t_rev() {
	t_tok "$1" "$2" - "$3" alice SSL_CLIENT_CERT="$(cat "$4")"
}

# t_within NAME MS: the last run took less than MS milliseconds (plus what a memory checker
# adds), and at least MIN_MS.
t_within() {
	_tw_max=$(($2 + MEMCHECK_SLACK_MS))
	if [ "$TOK_MS" -lt "$_tw_max" ] && [ "$TOK_MS" -ge "${MIN_MS:-0}" ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "took $TOK_MS ms; want ${MIN_MS:-0} to $_tw_max ms" "$TOK_OUT"
	fi
}

# ---------------------------------------------------------------- OCSP: what the responder says

rsvc rv-soft ocsp=soft $OT
rsvc rv-req ocsp=require $OT

t_rev "good: granted" PAM_SUCCESS rv-req "$PA/alice.pem"
t_tlog "good: the grant says OCSP good" notice rv-req \
	"granted: user 'alice' location 'rv-req' certificate sha256:$(pki_sha256 "$PA/alice.pem")"
t_tlog "good: revocation: OCSP good" notice rv-req "revocation: OCSP good"

t_rev "revoked, soft: denied" PAM_AUTH_ERR rv-soft "$PA/gone.pem"
t_tlog "revoked: logged with reason and time" warning rv-soft \
	"denied: revoked (OCSP: keyCompromise, since "
t_tlog "revoked: revocation: OCSP failed" warning rv-soft "revocation: OCSP failed (revoked"
t_rev "revoked, require: denied" PAM_AUTH_ERR rv-req "$PA/gone.pem"

t_rev "unknown, soft: accepted" PAM_SUCCESS rv-soft "$PA/stranger.pem"
t_tlog "unknown, soft: logged as soft-accepted" notice rv-soft \
	"revocation: OCSP soft-accepted (the responder does not know the certificate)"
t_rev "unknown, require: denied" PAM_AUTH_ERR rv-req "$PA/stranger.pem"
t_tlog "unknown, require: logged" warning rv-req \
	"denied: OCSP: the responder does not know the certificate (ocsp=require)"

t_rev "delegated responder with OCSPSigning: granted" PAM_SUCCESS rv-req "$PA/deleg.pem"
t_tlog "delegated responder: OCSP good" notice rv-req "revocation: OCSP good"

# ---------------------------------------------------------------- OCSP: answers not to trust

t_rev "signed by an unrelated responder: denied, even soft" PAM_AUTH_ERR rv-soft "$PA/unrel.pem"
t_tlog "unrelated responder: logged" warning rv-soft \
	"denied: OCSP: OCSP response not signed by the issuer or its responder"
t_rev "signed by a certificate of the CA without OCSPSigning: denied" PAM_AUTH_ERR rv-soft \
	"$PA/noeku.pem"
t_tlog "no OCSPSigning: logged" warning rv-soft "not signed by the issuer or its responder"
if [ "$HAVE_FAKETIME" = yes ]; then
	t_rev "stale response (made three days ago): denied, even soft" PAM_AUTH_ERR rv-soft \
		"$PA/stale.pem"
	t_tlog "stale response: logged" warning rv-soft "denied: OCSP: stale OCSP response"
else
	tap_skip "stale response" "faketime not installed"
	tap_skip "stale response: logged" "faketime not installed"
fi
t_rev "a recorded response played back (nonce mismatch): denied, even soft" PAM_AUTH_ERR \
	rv-soft "$PA/replay.pem"
t_tlog "nonce mismatch: logged" warning rv-soft \
	"denied: OCSP: OCSP response with another request's nonce"

# ---------------------------------------------------------------- OCSP: nobody answers

t_rev "responder down, soft: accepted" PAM_SUCCESS rv-soft "$PA/down.pem"
t_tlog "responder down, soft: logged as soft-accepted" notice rv-soft \
	"revocation: OCSP soft-accepted ($URL_DOWN unreachable: "
t_rev "responder down, require: denied" PAM_AUTH_ERR rv-req "$PA/down.pem"
t_tlog "responder down, require: logged" warning rv-req "unreachable"

t_rev "no responder (no AIA, no ocsp_url), soft: accepted" PAM_SUCCESS rv-soft "$PA/noaia.pem"
t_tlog "no responder, soft: logged" notice rv-soft "revocation: OCSP soft-accepted (no responder"
t_rev "no responder, require: denied" PAM_AUTH_ERR rv-req "$PA/noaia.pem"

# A silent responder: the login waits ocsp_timeout and not longer.
rsvc rv-hang-soft ocsp=soft ocsp_timeout=2
rsvc rv-hang-req ocsp=require ocsp_timeout=2
HELPER_TIMED=yes
MIN_MS=1500
t_rev "silent responder, soft: accepted" PAM_SUCCESS rv-hang-soft "$PA/hang.pem"
t_within "silent responder, soft: returns within ocsp_timeout=2 (+8 s of slack)" 10000
t_tlog "silent responder, soft: logged" notice rv-hang-soft \
	"revocation: OCSP soft-accepted ($URL_HANG unreachable: no answer within 2 s)"
t_rev "silent responder, require: denied" PAM_AUTH_ERR rv-hang-req "$PA/hang.pem"
t_within "silent responder, require: returns within ocsp_timeout=2 (+8 s of slack)" 10000
if dns_blackhole; then
	rsvc rv-dns ocsp=require ocsp_timeout=2 ocsp_url=http://ocsp.pam-certmap.test/
	t_rev "a name that never resolves, require: denied" PAM_AUTH_ERR rv-dns "$PA/alice.pem"
	t_within "a name that never resolves: returns within ocsp_timeout=2 (+8 s of slack)" 10000
	t_tlog "a name that never resolves: logged" warning rv-dns "no answer within 2 s"
else
	for _n in "denied" "returns in time" "logged"; do
		tap_skip "a name that never resolves: $_n" "no private mount namespace"
	done
fi
HELPER_TIMED=""
MIN_MS=0

# A certificate that maps to nobody is not worth a network round trip.
t_rev "an unmapped certificate: denied before any OCSP" PAM_AUTH_ERR rv-hang-req \
	"$PA/unmapped.pem"
t_tlog "an unmapped certificate: revocation not checked" warning rv-hang-req \
	"revocation: not checked"

# The module built for installation asks for its helper where it is not installed here: a
# failure of the installation, logged at LOG_ERR; under soft the login still goes on.
INST=$top_builddir/.libs/pam_certmap.so
INST_HELPER=$(tr -c '[:print:]' '\n' < "$INST" | grep '^/.*/pam_certmap_ocsp$' | head -n 1)
if [ -n "$INST_HELPER" ] && [ ! -e "$INST_HELPER" ]; then
	printf 'auth required %s %s ocsp=soft\n' "$INST" "$BASE" > "$PAMDIR/rv-nohelper"
	t_rev "OCSP helper missing, soft: accepted" PAM_SUCCESS rv-nohelper "$PA/alice.pem"
	t_log "OCSP helper missing: logged at LOG_ERR" err rv-nohelper \
		"$URL_GOOD not asked: OCSP helper: cannot start $INST_HELPER"
else
	tap_skip "OCSP helper missing" "${INST_HELPER:-the helper path} is installed"
	tap_skip "OCSP helper missing: logged at LOG_ERR" "${INST_HELPER:-the helper path} is installed"
fi

# ---------------------------------------------------------------- OCSP: which responder

rsvc rv-url ocsp=require "ocsp_url=$URL_GOOD" $OT
rsvc rv-url-down ocsp=require "ocsp_url=$URL_DOWN" $OT
t_rev "ocsp_url is asked instead of the AIA (AIA down)" PAM_SUCCESS rv-url "$PA/down.pem"
t_rev "ocsp_url is asked instead of the AIA (ocsp_url down)" PAM_AUTH_ERR rv-url-down \
	"$PA/alice.pem"
t_tlog "ocsp_url down: the log names it" warning rv-url-down "$URL_DOWN unreachable"
t_rev "ocsp_url for a certificate without AIA" PAM_SUCCESS rv-url "$PA/noaia.pem"

# ---------------------------------------------------------------- CRL directories

svc_raw rv-crl source=env process_env "mapfile=$MAP" "ca_file=$T/cas.pem" "crl_dir=$T/crls"
t_rev "crl_dir: CA A's certificate, not revoked" PAM_SUCCESS rv-crl "$PA/alice.pem"
t_tlog "crl_dir: revocation: CRL" notice rv-crl "revocation: CRL"
t_rev "crl_dir: CA A's revoked certificate" PAM_AUTH_ERR rv-crl "$PA/gone.pem"
t_tlog "crl_dir: revoked by CA A's CRL: logged" warning rv-crl \
	"denied: revoked (CRL of CN=Test CA A,O=pam_certmap tests)"
t_tlog "crl_dir: revoked: revocation: CRL failed" warning rv-crl "revocation: CRL failed"
t_rev "crl_dir: CA B's certificate, not revoked" PAM_SUCCESS rv-crl "$PB/b-alice.pem"
t_rev "crl_dir: CA B's revoked certificate" PAM_AUTH_ERR rv-crl "$PB/b-gone.pem"
t_tlog "crl_dir: revoked by CA B's CRL: logged" warning rv-crl "revoked (CRL of CN=Test CA B"

svc_raw rv-crl-miss source=env process_env "mapfile=$MAP" "ca_file=$T/cas.pem" \
	"crl_dir=$T/crls-b"
t_rev "crl_dir without the issuer's CRL: denied" PAM_AUTH_ERR rv-crl-miss "$PA/alice.pem"
t_tlog "crl_dir without the issuer's CRL: logged" warning rv-crl-miss \
	"denied: CRL: no CRL of CN=Test CA A,O=pam_certmap tests in crl_file or crl_dir"
t_rev "crl_dir without the issuer's CRL: another CA's is there" PAM_SUCCESS rv-crl-miss \
	"$PB/b-alice.pem"
if [ "$HAVE_FAKETIME" = yes ]; then
	svc_raw rv-crl-exp source=env process_env "mapfile=$MAP" "ca_file=$T/cas.pem" \
		"crl_dir=$T/crls-expired"
	t_rev "crl_dir with an expired CRL: denied" PAM_AUTH_ERR rv-crl-exp "$PA/alice.pem"
	t_tlog "expired CRL: logged" warning rv-crl-exp \
		"denied: CRL: the CRL of CN=Test CA A,O=pam_certmap tests has expired"
else
	tap_skip "crl_dir with an expired CRL" "faketime not installed"
	tap_skip "expired CRL: logged" "faketime not installed"
fi

rsvc rv-both "crl_dir=$T/crls" ocsp=require $OT
t_rev "crl_dir and OCSP together: granted" PAM_SUCCESS rv-both "$PA/alice.pem"
t_tlog "both: revocation: CRL, OCSP good" notice rv-both "revocation: CRL, OCSP good"
rsvc rv-none
t_rev "no revocation source: granted" PAM_SUCCESS rv-none "$PA/gone.pem"
t_tlog "no revocation source: revocation: none" notice rv-none "revocation: none"

rsvc rv-crl-bad crl_dir=/nonexistent/crls
t_rev "crl_dir missing: PAM_AUTHINFO_UNAVAIL" PAM_AUTHINFO_UNAVAIL rv-crl-bad "$PA/alice.pem"
t_tlog "crl_dir missing: logged at LOG_ERR" err rv-crl-bad \
	"crl_dir /nonexistent/crls: No such file or directory"

# ---------------------------------------------------------------- bad options

# t_badopt NAME LOG-TEXT ARG...: a service with these arguments is PAM_SERVICE_ERR, logged.
t_badopt() {
	_bn=$1 _bt=$2
	shift 2
	svc_raw rv-opt source=env process_env "mapfile=$MAP" "$@"
	t_rev "bad option: $_bn" PAM_SERVICE_ERR rv-opt "$PA/alice.pem"
	t_tlog "bad option: $_bn: logged" err rv-opt "$_bt"
}

t_badopt "ocsp=maybe" "malformed option 'ocsp=maybe'" "ca_file=$PA/ca.pem" ocsp=maybe
t_badopt "ocsp without ca_file or ca_dir" "ocsp needs ca_file or ca_dir" ocsp=soft
t_badopt "crl_dir without ca_file or ca_dir" "crl_dir needs ca_file or ca_dir" \
	"crl_dir=$T/crls"
t_badopt "a relative crl_dir" "crls is not an absolute path" "ca_file=$PA/ca.pem" crl_dir=crls
t_badopt "ocsp_url that is not http" "malformed option 'ocsp_url=https://" \
	"ca_file=$PA/ca.pem" ocsp=soft "ocsp_url=https://127.0.0.1/"
t_badopt "ocsp_url with ocsp off" "ocsp_url needs ocsp=soft or ocsp=require" \
	"ca_file=$PA/ca.pem" "ocsp_url=$URL_GOOD"
t_badopt "ocsp_timeout with ocsp off" "ocsp_timeout needs ocsp=soft or ocsp=require" \
	"ca_file=$PA/ca.pem" ocsp_timeout=3
t_badopt "ocsp_timeout=0" "ocsp_timeout=0" "ca_file=$PA/ca.pem" ocsp=soft ocsp_timeout=0

tap_done
