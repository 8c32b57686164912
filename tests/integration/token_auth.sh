#!/bin/sh
# token_auth.sh - the pkcs11 source with SoftHSM2 tokens: every key type, which certificate
# of which token is chosen, what is checked before the PIN is asked, the proof of the key,
# the token's other certificates as intermediates, and the decision made again after the
# signature.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_softhsm

PIN=246810
K=$T/keys
mkdir "$K" || bail "mkdir $K"
for _t in rsa2048 rsa3072 p256 p384 p521; do
	hsm_key $_t "$K/$_t.pem" || bail "cannot make a $_t key"
done
hsm_key p256 "$K/other.pem" || bail "cannot make a key"

# A second CA first: pki_init makes $PKI the current CA.
pki_init "$T/pki2" || bail "cannot make the second CA"
hsm_cacert "$K/p256.pem" "alice of another CA" "$K/otherca.pem" || bail "cannot issue"
pki_init "$T/pki" || bail "cannot make the CA"
for _t in rsa2048 rsa3072 p256 p384 p521; do
	hsm_cacert "$K/$_t.pem" "alice $_t" "$K/alice-$_t.pem" || bail "cannot issue alice $_t"
done
hsm_cacert "$K/p256.pem" "alice good" "$K/good.pem" &&
	hsm_cacert "$K/p256.pem" "alice revoked" "$K/revoked.pem" &&
	hsm_cacert "$K/p256.pem" "alice expired" "$K/expired.pem" 20200101000000Z 20210101000000Z &&
	hsm_cacert "$K/p256.pem" "alice future" "$K/notyet.pem" 20900101000000Z 20910101000000Z &&
	hsm_cacert "$K/p256.pem" "bob" "$K/bob.pem" &&
	hsm_cacert "$K/p256.pem" "mallory" "$K/mallory.pem" &&
	hsm_cacert "$K/p256.pem" "ghost" "$K/ghost.pem" &&
	hsm_cacert "$K/p256.pem" "alice mixup" "$K/mixup.pem" &&
	hsm_cacert "$K/p256.pem" "alice nokey" "$K/nokey.pem" || bail "cannot issue certificates"
hsm_selfsigned "$K/p256.pem" "alice self" "$K/self.pem" || bail "cannot make a self-signed cert"
hsm_revoke "$K/revoked.pem" && hsm_crl "$T/crl.pem" || bail "cannot make the CRL"
mkdir "$T/cadir" "$T/cadir2" &&
	cp "$T/pki/ca.pem" "$T/cadir/" && cp "$T/pki2/ca.pem" "$T/cadir2/" &&
	openssl rehash "$T/cadir" "$T/cadir2" 2>/dev/null || bail "cannot make the CA directories"

MAP=$T/map.xml
{
	for _c in alice-rsa2048 alice-rsa3072 alice-p256 alice-p384 alice-p521 good revoked \
		expired notyet self otherca mixup nokey; do
		xml_add "$K/$_c.pem" alice
	done
	xml_add "$K/bob.pem" bob
	xml_add "$K/ghost.pem" ghost
} | map_simple "$MAP"
sha() { pki_sha256 "$K/$1.pem"; }

# ---------------------------------------------------------------- the tokens

# One SoftHSM2 store with a token per case; services pick theirs with token_label.
hsm_setup "$T/hsm" || bail "cannot set up SoftHSM2"
CONF_MAIN=$SOFTHSM2_CONF
for _t in rsa2048 rsa3072 p256 p384 p521; do
	hsm_token $_t $PIN && hsm_put $_t $PIN 01 "$K/$_t.pem" "$K/alice-$_t.pem" ||
		bail "cannot fill token $_t"
done
for _c in good revoked expired notyet self otherca ghost; do
	hsm_token $_c $PIN && hsm_put $_c $PIN 01 "$K/p256.pem" "$K/$_c.pem" ||
		bail "cannot fill token $_c"
done
# alice's certificate beside another private key under the same ID
hsm_token mixup $PIN && hsm_import_key mixup $PIN 42 "$K/other.pem" &&
	hsm_import_cert mixup $PIN 42 "$K/mixup.pem" || bail "cannot fill token mixup"
# alice's certificate with no private key of its ID
hsm_token nokey $PIN && hsm_import_key nokey $PIN 44 "$K/p256.pem" &&
	hsm_import_cert nokey $PIN 43 "$K/nokey.pem" || bail "cannot fill token nokey"
# an unmapped and a mapped certificate on one token
hsm_token pair $PIN && hsm_put pair $PIN 01 "$K/other.pem" "$K/mallory.pem" &&
	hsm_put pair $PIN 02 "$K/p256.pem" "$K/alice-p256.pem" || bail "cannot fill token pair"

# Only a certificate nobody maps.
hsm_setup "$T/hsm-stranger" && hsm_token stranger $PIN &&
	hsm_put stranger $PIN 01 "$K/p256.pem" "$K/mallory.pem" || bail "cannot fill token stranger"
CONF_STRANGER=$SOFTHSM2_CONF

# Two tokens: the first (in slot order) holds an unmapped certificate, the second alice's.
hsm_setup "$T/hsm-two" && hsm_token one $PIN && hsm_token two $PIN ||
	bail "cannot make two tokens"
CONF_TWO=$SOFTHSM2_CONF
TWO_1=$(hsm_labels | sed -n 1p)
TWO_2=$(hsm_labels | sed -n 2p)
[ -n "$TWO_1" ] && [ -n "$TWO_2" ] || bail "two tokens were made, SoftHSM2 lists: $(hsm_labels)"
hsm_put "$TWO_1" $PIN 01 "$K/other.pem" "$K/mallory.pem" &&
	hsm_put "$TWO_2" $PIN 01 "$K/p256.pem" "$K/alice-p256.pem" || bail "cannot fill two tokens"

# Two tokens with a mapped certificate each: bob's first, alice's second.
hsm_setup "$T/hsm-both" && hsm_token b1 $PIN && hsm_token b2 $PIN || bail "cannot make tokens"
CONF_BOTH=$SOFTHSM2_CONF
BOTH_1=$(hsm_labels | sed -n 1p)
BOTH_2=$(hsm_labels | sed -n 2p)
hsm_put "$BOTH_1" $PIN 01 "$K/p256.pem" "$K/bob.pem" &&
	hsm_put "$BOTH_2" $PIN 01 "$K/p256.pem" "$K/alice-p256.pem" || bail "cannot fill tokens"

SOFTHSM2_CONF=$CONF_MAIN
export SOFTHSM2_CONF
BASE="source=pkcs11 mapfile=$MAP pkcs11_module=$HSM_LIB"

# ---------------------------------------------------------------- key types

for _t in rsa2048 rsa3072 p256 p384 p521; do
	tok_svc ta-$_t $BASE token_label=$_t
	t_tok "$_t: the token's key proves the mapped certificate" PAM_SUCCESS $PIN ta-$_t alice
	t_prompt "$_t: the PIN is asked for the token by its label" $_t
done
t_tlog "granted is logged with the certificate" notice ta-p521 \
	"granted: user 'alice' location 'ta-p521' certificate sha256:$(sha alice-p521) subject '"
t_no_log_text "the PIN is not logged" "$PIN"

tok_svc ta-default mapfile="$MAP" pkcs11_module="$HSM_LIB" token_label=p256
t_tok "without source= the token is the source" PAM_SUCCESS $PIN ta-default alice

# The default PKCS#11 module is p11-kit's proxy, which finds SoftHSM2 through
# its module file; each C_GetFunctionList of the proxy is a fresh instance.
if [ -f /usr/share/p11-kit/modules/softhsm2.module ]; then
	tok_svc ta-proxy mapfile="$MAP" token_label=p256
	t_tok "the default module (p11-kit's proxy) reaches the token" PAM_SUCCESS $PIN \
		ta-proxy alice
else
	tap_skip "the default module (p11-kit's proxy)" "no p11-kit module file for softhsm2"
fi

tok_svc ta-pair $BASE token_label=pair
t_tok "a token with an unmapped and a mapped certificate" PAM_SUCCESS $PIN ta-pair alice

# ---------------------------------------------------------------- what success leaves behind

tok_svc_dump ta-env $BASE token_label=p384
t_tok "success with a module stacked after" PAM_SUCCESS $PIN ta-env alice
t_seen "PKCS11_LOGIN_TOKEN_NAME is in the PAM environment" ta-env PKCS11_LOGIN_TOKEN_NAME=p384

t_tok "empty PAM_USER: set from the token" PAM_SUCCESS $PIN ta-env ""
t_seen "empty PAM_USER: the next module sees alice" ta-env PAM_USER=alice
t_tlog "empty PAM_USER: granted names alice" notice ta-env "granted: user 'alice' location 'ta-env'"

# ---------------------------------------------------------------- nothing asked when nothing maps

tok_svc ta-p256 $BASE token_label=p256
t_tok "PAM_USER is another user: denied" PAM_AUTH_ERR $PIN ta-p256 bob
t_no_prompt "PAM_USER is another user: no PIN asked"
t_tlog "PAM_USER is another user: logged" warning ta-p256 "denied: mapped to 'alice', not to 'bob'"

tok_svc ta-stranger $BASE
t_tok "no mapped certificate on the token: denied" PAM_AUTH_ERR $PIN ta-stranger alice \
	SOFTHSM2_CONF="$CONF_STRANGER"
t_no_prompt "no mapped certificate: no PIN asked"
t_tlog "no mapped certificate: the denial is logged" warning ta-stranger "denied: no mapping for"
t_tlog "no mapped certificate: the line names user, location and certificate" warning ta-stranger \
	"user 'alice' location 'ta-stranger' certificate sha256:$(sha mallory)"
t_tok "no mapped certificate, PAM_USER empty: denied" PAM_AUTH_ERR $PIN ta-stranger "" \
	SOFTHSM2_CONF="$CONF_STRANGER"
t_no_prompt "no mapped certificate, PAM_USER empty: no PIN asked"

tok_svc ta-ghost $BASE token_label=ghost
t_tok "mapped account does not exist" PAM_USER_UNKNOWN $PIN ta-ghost ghost
t_no_prompt "mapped account does not exist: no PIN asked"

tok_svc ta-nolabel $BASE token_label=nosuchtoken
t_tok "token_label names no token" PAM_AUTHINFO_UNAVAIL $PIN ta-nolabel alice
t_no_prompt "token_label names no token: no PIN asked"

tok_svc ta-nomap source=pkcs11 mapfile="$T/missing.xml" pkcs11_module="$HSM_LIB"
t_tok "mapping file missing" PAM_AUTHINFO_UNAVAIL $PIN ta-nomap alice
t_no_prompt "mapping file missing: no PIN asked"

# ---------------------------------------------------------------- several tokens

tok_svc ta-two $BASE
t_tok "two tokens, the mapped certificate on the second" PAM_SUCCESS $PIN ta-two alice \
	SOFTHSM2_CONF="$CONF_TWO"
t_prompt "two tokens: the PIN of the second is asked" "$TWO_2"
t_no_prompt_for "two tokens: the PIN of the first is not asked" "$TWO_1"
t_tok "two tokens, empty PAM_USER: alice's certificate on the second" PAM_SUCCESS $PIN ta-two "" \
	SOFTHSM2_CONF="$CONF_TWO"
t_tlog "two tokens, empty PAM_USER: granted names alice" notice ta-two \
	"granted: user 'alice' location 'ta-two'"

tok_svc_dump ta-both $BASE
t_tok "bob's token first, alice's second, PAM_USER alice" PAM_SUCCESS $PIN ta-both alice \
	SOFTHSM2_CONF="$CONF_BOTH"
t_prompt "PAM_USER alice: the PIN of alice's token is asked" "$BOTH_2"
t_seen "PAM_USER alice: the login token is alice's" ta-both PKCS11_LOGIN_TOKEN_NAME="$BOTH_2"
t_tok "bob's token first, alice's second, empty PAM_USER" PAM_SUCCESS $PIN ta-both "" \
	SOFTHSM2_CONF="$CONF_BOTH"
t_seen "empty PAM_USER: the first token in slot order decides" ta-both PAM_USER=bob
t_prompt "empty PAM_USER: the PIN of the first token is asked" "$BOTH_1"
t_tok "bob's token first, alice's second, PAM_USER carol" PAM_AUTH_ERR $PIN ta-both carol \
	SOFTHSM2_CONF="$CONF_BOTH"
t_no_prompt "PAM_USER carol: no PIN asked"

# ---------------------------------------------------------------- the proof of possession

tok_svc ta-mixup $BASE token_label=mixup
t_tok "another private key under the certificate's ID: denied" PAM_AUTH_ERR $PIN ta-mixup alice
t_prompt "another private key: the PIN was asked" mixup
t_tlog "another private key: logged" warning ta-mixup \
	"denied: the token's key does not match the mapped certificate"

tok_svc ta-nokey $BASE token_label=nokey
t_tok "no private key with the certificate's ID: denied" PAM_AUTH_ERR $PIN ta-nokey alice

if [ -f "$P11DIR/shim.so" ]; then
	tok_svc ta-badsig source=pkcs11 mapfile="$MAP" pkcs11_module="$P11DIR/shim.so" \
		token_label=p256
	t_tok "shim passes through: success" PAM_SUCCESS $PIN ta-badsig alice
	t_tok "a signature that does not verify: denied" PAM_AUTH_ERR $PIN ta-badsig alice \
		SHIM_MODE=badsig
	t_tlog "a signature that does not verify: logged" warning ta-badsig \
		"denied: the token's key does not match the mapped certificate"
else
	bail "$P11DIR/shim.so not built"
fi

# ---------------------------------------------------------------- dates, chain, CRL

tok_svc ta-expired $BASE token_label=expired
t_tok "expired certificate: denied" PAM_AUTH_ERR $PIN ta-expired alice
t_no_prompt "expired certificate: no PIN asked"
tok_svc ta-expired-ok $BASE token_label=expired allow_expired
t_tok "expired certificate with allow_expired" PAM_SUCCESS $PIN ta-expired-ok alice
tok_svc ta-notyet $BASE token_label=notyet
t_tok "certificate not yet valid: denied" PAM_AUTH_ERR $PIN ta-notyet alice
t_no_prompt "certificate not yet valid: no PIN asked"

tok_svc ta-chain $BASE token_label=good ca_file="$T/pki/ca.pem"
t_tok "ca_file: the chain verifies" PAM_SUCCESS $PIN ta-chain alice
tok_svc ta-chain-other $BASE token_label=otherca ca_file="$T/pki/ca.pem"
t_tok "ca_file: issued by another CA: denied" PAM_AUTH_ERR $PIN ta-chain-other alice
t_no_prompt "ca_file: another CA: no PIN asked"
tok_svc ta-other-nochain $BASE token_label=otherca
t_tok "no ca_file: another CA's certificate is taken" PAM_SUCCESS $PIN ta-other-nochain alice
tok_svc ta-chain-self $BASE token_label=self ca_file="$T/pki/ca.pem"
t_tok "ca_file: a self-signed certificate: denied" PAM_AUTH_ERR $PIN ta-chain-self alice
tok_svc ta-self $BASE token_label=self
t_tok "no ca_file: a self-signed certificate is taken" PAM_SUCCESS $PIN ta-self alice

tok_svc ta-cadir $BASE token_label=good ca_dir="$T/cadir"
t_tok "ca_dir: the chain verifies" PAM_SUCCESS $PIN ta-cadir alice
tok_svc ta-cadir2 $BASE token_label=good ca_dir="$T/cadir2"
t_tok "ca_dir holding another CA: denied" PAM_AUTH_ERR $PIN ta-cadir2 alice
t_no_prompt "ca_dir holding another CA: no PIN asked"

tok_svc ta-crl-ok $BASE token_label=good ca_file="$T/pki/ca.pem" crl_file="$T/crl.pem"
t_tok "crl_file: a certificate not revoked" PAM_SUCCESS $PIN ta-crl-ok alice
tok_svc ta-crl $BASE token_label=revoked ca_file="$T/pki/ca.pem" crl_file="$T/crl.pem"
t_tok "crl_file: a revoked certificate: denied" PAM_AUTH_ERR $PIN ta-crl alice
t_no_prompt "crl_file: revoked: no PIN asked"
tok_svc ta-nocrl $BASE token_label=revoked ca_file="$T/pki/ca.pem"
t_tok "no crl_file: the revoked certificate is taken" PAM_SUCCESS $PIN ta-nocrl alice

# ---------------------------------------------------------------- intermediates on the token

# A leaf issued by an intermediate CA that only the token holds: ca_file has the root alone.
ext() { printf '%s\n' "$@" > "$K/ext"; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$K/inter.key" 2>/dev/null &&
	openssl req -new -key "$K/inter.key" -subj "/O=pam_certmap tests/CN=Intermediate CA" \
		-out "$K/inter.csr" 2>/dev/null &&
	ext "basicConstraints=critical,CA:true" "keyUsage=critical,keyCertSign,cRLSign" \
		"subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" &&
	openssl x509 -req -in "$K/inter.csr" -CA "$T/pki/ca.pem" -CAkey "$T/pki/ca.key" \
		-set_serial 500 -days 365 -extfile "$K/ext" -out "$K/inter.pem" 2>/dev/null &&
	openssl req -new -key "$K/p256.pem" -subj "/CN=alice via intermediate" \
		-out "$K/leaf.csr" 2>/dev/null &&
	ext "basicConstraints=critical,CA:false" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=clientAuth" "authorityKeyIdentifier=keyid" &&
	openssl x509 -req -in "$K/leaf.csr" -CA "$K/inter.pem" -CAkey "$K/inter.key" \
		-set_serial 501 -days 30 -extfile "$K/ext" -out "$K/leaf.pem" 2>/dev/null ||
	bail "cannot make the intermediate CA and its leaf"
SOFTHSM2_CONF=$CONF_MAIN
hsm_token inter $PIN && hsm_put inter $PIN 01 "$K/p256.pem" "$K/leaf.pem" &&
	hsm_import_cert inter $PIN 02 "$K/inter.pem" &&
	hsm_token leafonly $PIN && hsm_put leafonly $PIN 01 "$K/p256.pem" "$K/leaf.pem" ||
	bail "cannot fill the intermediate tokens"
MAP_INTER=$T/map-inter.xml
xml_add "$K/leaf.pem" alice | map_simple "$MAP_INTER"
B_INTER="source=pkcs11 mapfile=$MAP_INTER pkcs11_module=$HSM_LIB ca_file=$T/pki/ca.pem"
tok_svc ta-inter $B_INTER token_label=inter
t_tok "the intermediate on the token completes the chain" PAM_SUCCESS $PIN ta-inter alice
tok_svc ta-leafonly $B_INTER token_label=leafonly
t_tok "without the intermediate: denied" PAM_AUTH_ERR $PIN ta-leafonly alice
t_no_prompt "without the intermediate: no PIN asked"
tok_svc ta-inter-nochain source=pkcs11 mapfile="$MAP_INTER" pkcs11_module="$HSM_LIB" \
	token_label=inter ca_file="$T/pki2/ca.pem"
t_tok "the intermediate on the token, another root: denied" PAM_AUTH_ERR $PIN \
	ta-inter-nochain alice
t_no_prompt "another root: trust still ends at ca_file, no PIN asked"

# ---------------------------------------------------------------- decided again after the signature

# The mapping file changes while the PIN prompt is open; what is there once the token signed
# decides.  Line 4 of the file holds the entry.
RE=$T/recheck.xml
recheck_map() {
	printf '%s\n' "$1" | map_simple "$RE" "${2:-}"
}
recheck_run() {
	tok_start ta-recheck "$1"
	if ! tok_wait_out "PIN for p256: "; then
		tok_finish
		return 1
	fi
	eval "$2"
	tok_send $PIN
	tok_finish
}
tok_svc ta-recheck source=pkcs11 mapfile="$RE" pkcs11_module="$HSM_LIB" token_label=p256
ENTRY=$(xml_add "$K/alice-p256.pem" alice)

recheck_map "$ENTRY"
recheck_run alice ":"
tok_check "the file unchanged while the PIN is asked: granted" PAM_SUCCESS
recheck_map "$ENTRY"
recheck_run alice 'recheck_map "$(xml_add "$K/alice-p256.pem" alice enabled=\"false\")"'
tok_check "the entry disabled while the PIN is asked: denied" PAM_AUTH_ERR
t_tlog "the entry disabled: logged" warning ta-recheck \
	"denied: after the token signed: mapping at line 4 is disabled"
recheck_map "$ENTRY"
recheck_run alice 'recheck_map "$(xml_add "$K/bob.pem" bob)"'
tok_check "the entry removed while the PIN is asked: denied" PAM_AUTH_ERR
t_tlog "the entry removed: logged" warning ta-recheck \
	"denied: after the token signed: no mapping for this certificate"
recheck_map "$ENTRY"
recheck_run alice 'recheck_map "$(xml_add "$K/alice-p256.pem" bob)"'
tok_check "the entry moved to bob while alice's PIN is asked: denied" PAM_AUTH_ERR
t_tlog "the entry moved to bob: logged" warning ta-recheck \
	"denied: after the token signed: mapped to 'bob', not to 'alice'"
recheck_map "$ENTRY"
recheck_run "" 'recheck_map "$(xml_add "$K/alice-p256.pem" bob)"'
tok_check "no PAM_USER, the entry moved to bob: denied, not bob" PAM_AUTH_ERR
t_tlog "no PAM_USER, the entry moved: logged" warning ta-recheck \
	"denied: after the token signed: now mapped to 'bob', not to 'alice'"
recheck_map "$ENTRY"
recheck_run alice 'recheck_map "$ENTRY" "oneToOneCertificateMappingsEnabled=\"false\""'
tok_check "one-to-one mappings switched off while the PIN is asked" PAM_AUTHINFO_UNAVAIL
t_tlog "one-to-one mappings switched off: logged" warning ta-recheck \
	"denied: after the token signed: certificate mapping is disabled"
recheck_map "$ENTRY"
recheck_run alice 'echo "<broken" > "$RE"'
tok_check "the file made invalid while the PIN is asked" PAM_AUTHINFO_UNAVAIL
t_tlog "the file made invalid: logged" err ta-recheck "mapping file $RE"

tap_done
