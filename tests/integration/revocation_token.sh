#!/bin/sh
# revocation_token.sh - SPEC 3.3.1 with the pkcs11 source (SoftHSM2 tokens): OCSP and CRL
# directories are checked after the chain and before the PIN, so a revoked card is refused
# without a prompt, and a silent responder costs ocsp_timeout and no more; the decision line
# says how revocation was checked, for the certificate it names.
. "${top_srcdir:?}/tests/ocsp.sh"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_softhsm
need_netns

PIN=246810
OT=""
[ "$MEMCHECK_MODE" = valgrind ] && OT="ocsp_timeout=${CERTMAP_TEST_VG_TIMEOUT:-60}"
URL_GOOD=http://127.0.0.1:8101/
URL_HANG=http://127.0.0.1:8107/
URL_DOWN=http://127.0.0.1:8108/

K=$T/keys
mkdir "$K" || bail "mkdir $K"
hsm_key p256 "$K/p256.pem" || bail "cannot make a key"
{
	pki_init "$T/pki" "Test CA A" && ocsp_cert good "alice good" "$URL_GOOD" "$K/p256.pem" &&
		ocsp_cert revoked "alice revoked" "$URL_GOOD" "$K/p256.pem" &&
		ocsp_cert down "alice down" "$URL_DOWN" "$K/p256.pem" &&
		ocsp_cert hang "alice hang" "$URL_HANG" "$K/p256.pem" &&
		ocsp_cert unmapped "nobody's" "$URL_GOOD" "$K/p256.pem" &&
		ocsp_revoke "$PKI/revoked.pem" && ocsp_crl "$PKI/crl.pem" &&
		mkdir "$T/crls" && cp "$PKI/crl.pem" "$T/crls/a.pem" && openssl rehash "$T/crls"
} || bail "cannot make the CA and certificates"
P=$PKI

MAP=$T/map.xml
{
	for _c in good revoked down hang; do
		xml_add "$P/$_c.pem" alice
	done
} | map_simple "$MAP"

hsm_setup "$T/hsm" || bail "cannot set up SoftHSM2"
for _c in good revoked down hang; do
	hsm_token $_c $PIN && hsm_put $_c $PIN 01 "$K/p256.pem" "$P/$_c.pem" ||
		bail "cannot fill token $_c"
done
# Two certificates on one token, the revoked one first: the good one is chosen.
hsm_token pair $PIN && hsm_put pair $PIN 01 "$K/p256.pem" "$P/revoked.pem" &&
	hsm_put pair $PIN 02 "$K/p256.pem" "$P/good.pem" || bail "cannot fill token pair"
# The revoked certificate first, then one nobody maps: the denial is the revoked one's.
hsm_token lone $PIN && hsm_put lone $PIN 01 "$K/p256.pem" "$P/revoked.pem" &&
	hsm_put lone $PIN 02 "$K/p256.pem" "$P/unmapped.pem" || bail "cannot fill token lone"

ocsp_start good 8101 "$P" "$P/ca.pem" "$P/ca.key"
ocsp_start hang 8107 "$P" "$P/ca.pem" "$P/ca.key"
ocsp_freeze hang

BASE="source=pkcs11 mapfile=$MAP pkcs11_module=$HSM_LIB ca_file=$P/ca.pem"

# ---------------------------------------------------------------- OCSP

tok_svc rt-good $BASE token_label=good ocsp=require $OT
t_tok "OCSP good: the PIN is asked, granted" PAM_SUCCESS $PIN rt-good alice
t_prompt "OCSP good: PIN asked" good
t_tlog "OCSP good: the grant says so" notice rt-good "revocation: OCSP good"

tok_svc rt-revoked $BASE token_label=revoked ocsp=soft $OT
t_tok "OCSP revoked: denied" PAM_AUTH_ERR $PIN rt-revoked alice
t_no_prompt "OCSP revoked: no PIN asked"
t_tlog "OCSP revoked: logged" warning rt-revoked "denied: revoked (OCSP: keyCompromise"

tok_svc rt-down-soft $BASE token_label=down ocsp=soft $OT
t_tok "responder down, soft: granted after the PIN" PAM_SUCCESS $PIN rt-down-soft alice
t_tlog "responder down, soft: logged as soft-accepted" notice rt-down-soft \
	"revocation: OCSP soft-accepted ($URL_DOWN unreachable"
tok_svc rt-down-req $BASE token_label=down ocsp=require $OT
t_tok "responder down, require: denied" PAM_AUTH_ERR $PIN rt-down-req alice
t_no_prompt "responder down, require: no PIN asked"

# A silent responder: the PIN prompt comes after ocsp_timeout, not later.
HELPER_TIMED=yes
tok_svc rt-hang-req $BASE token_label=hang ocsp=require ocsp_timeout=2
t_tok "silent responder, require: denied" PAM_AUTH_ERR $PIN rt-hang-req alice
t_no_prompt "silent responder, require: no PIN asked"
if [ "$TOK_MS" -ge 1500 ] && [ "$TOK_MS" -lt $((10000 + MEMCHECK_SLACK_MS)) ]; then
	tap_ok "silent responder, require: returns within ocsp_timeout=2 (+8 s of slack)"
else
	tap_notok "silent responder, require: returns within ocsp_timeout=2 (+8 s of slack)" \
		"took $TOK_MS ms"
fi
tok_svc rt-hang-soft $BASE token_label=hang ocsp=soft ocsp_timeout=2
t_tok "silent responder, soft: granted after the PIN" PAM_SUCCESS $PIN rt-hang-soft alice
t_prompt "silent responder, soft: PIN asked" hang
HELPER_TIMED=""

tok_svc rt-pair $BASE token_label=pair ocsp=require $OT
t_tok "a revoked and a good certificate on one token: the good one" PAM_SUCCESS $PIN rt-pair \
	alice
t_tlog "the grant names the good one, OCSP good" notice rt-pair \
	"subject 'O=pam_certmap tests,CN=alice good' revocation: OCSP good"

tok_svc rt-lone $BASE token_label=lone ocsp=require $OT
t_tok "a revoked and an unmapped certificate: denied" PAM_AUTH_ERR $PIN rt-lone alice
t_tlog "the denial is the revoked one's, with its revocation" warning rt-lone \
	"subject 'O=pam_certmap tests,CN=alice revoked' revocation: OCSP failed (revoked"

# ---------------------------------------------------------------- CRL directory

tok_svc rt-crl $BASE token_label=good "crl_dir=$T/crls"
t_tok "crl_dir: a certificate not revoked" PAM_SUCCESS $PIN rt-crl alice
t_tlog "crl_dir: revocation: CRL" notice rt-crl "revocation: CRL"
tok_svc rt-crl-revoked $BASE token_label=revoked "crl_dir=$T/crls"
t_tok "crl_dir: a revoked certificate: denied" PAM_AUTH_ERR $PIN rt-crl-revoked alice
t_no_prompt "crl_dir: revoked: no PIN asked"
t_tlog "crl_dir: revoked: logged" warning rt-crl-revoked \
	"revoked (CRL of CN=Test CA A,O=pam_certmap tests)"
tok_svc rt-both $BASE token_label=good "crl_dir=$T/crls" ocsp=require $OT
t_tok "crl_dir and OCSP: granted" PAM_SUCCESS $PIN rt-both alice
t_tlog "crl_dir and OCSP: revocation: CRL, OCSP good" notice rt-both \
	"revocation: CRL, OCSP good"

tap_done
