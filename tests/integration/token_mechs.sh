#!/bin/sh
# token_mechs.sh - the signature mechanism comes from the token's own list by the helper's
# preference table (SPEC 3.3): tokens that offer only hash-and-sign, only PSS or only raw
# mechanisms sign, the module verifies each, and a key with CKA_ALWAYS_AUTHENTICATE gets its
# context-specific login.  tests/p11/mechs.c hides mechanisms from SoftHSM2's list.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_softhsm
for _m in mechs shim; do
	[ -f "$P11DIR/$_m.so" ] || bail "$P11DIR/$_m.so not built"
done
MECHS_SO=$P11DIR/mechs.so

PIN=135790
K=$T/keys
mkdir "$K" || bail "mkdir $K"
pki_init "$T/pki" || bail "cannot make the CA"
MAP=$T/map.xml
hsm_setup "$T/hsm" || bail "cannot set up SoftHSM2"
for _t in rsa2048 p256 p384 p521; do
	hsm_key $_t "$K/$_t.pem" && hsm_cacert "$K/$_t.pem" "alice $_t" "$K/$_t.crt" &&
		hsm_token $_t $PIN && hsm_put $_t $PIN 01 "$K/$_t.pem" "$K/$_t.crt" ||
		bail "cannot fill token $_t"
done

# A key made on the token with CKA_ALWAYS_AUTHENTICATE (SoftHSM2 then wants a
# context-specific login before each signature), its certificate issued for its public key.
always_token() {
	hsm_token always $PIN &&
		pkcs11-tool --module "$HSM_LIB" --token-label always --login --pin $PIN \
			--keypairgen --key-type EC:prime256v1 --id 07 --label always --always-auth \
			>/dev/null 2>"$T/hsm.err" &&
		pkcs11-tool --module "$HSM_LIB" --token-label always --read-object --type pubkey \
			--id 07 -o "$K/always.pub.der" >/dev/null 2>>"$T/hsm.err" &&
		openssl pkey -pubin -inform DER -in "$K/always.pub.der" -out "$K/always.pub" &&
		openssl req -new -key "$K/p256.pem" -subj "/CN=alice always" -out "$K/always.csr" &&
		printf '%s\n' "basicConstraints=critical,CA:false" \
			"keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
			> "$K/always.ext" &&
		openssl x509 -req -in "$K/always.csr" -CA "$T/pki/ca.pem" -CAkey "$T/pki/ca.key" \
			-force_pubkey "$K/always.pub" -extfile "$K/always.ext" -days 30 \
			-set_serial 77 -out "$K/always.crt" 2>>"$T/hsm.err" &&
		hsm_import_cert always $PIN 07 "$K/always.crt"
}
always_token || bail "cannot make the CKA_ALWAYS_AUTHENTICATE token: $(cat "$T/hsm.err")"

for _t in rsa2048 p256 p384 p521 always; do
	xml_add "$K/$_t.crt" alice
done | map_simple "$MAP"

BASE="source=pkcs11 mapfile=$MAP debug"

# t_mech NAME TOKEN ALGORITHM [VAR=VALUE]...: alice logs in with TOKEN's key through mechs.so
# told VARs, and the module logs that the signature it verified was ALGORITHM.
t_mech() {
	_tm_name=$1 _tm_tok=$2 _tm_alg=$3
	shift 3
	tok_svc tm-$_tm_tok $BASE pkcs11_module="$MECHS_SO" token_label=$_tm_tok
	t_tok "$_tm_name" PAM_SUCCESS $PIN tm-$_tm_tok alice "$@"
	t_tlog "$_tm_name: signed with $_tm_alg" debug tm-$_tm_tok \
		"token '$_tm_tok' signed the challenge with $_tm_alg"
}

# t_nomech NAME TOKEN LOG [VAR=VALUE]...: no mechanism serves; denied after the PIN.
t_nomech() {
	_tn_name=$1 _tn_tok=$2 _tn_log=$3
	shift 3
	tok_svc tm-$_tn_tok $BASE pkcs11_module="$MECHS_SO" token_label=$_tn_tok
	t_tok "$_tn_name" PAM_AUTH_ERR $PIN tm-$_tn_tok alice "$@"
	t_tlog "$_tn_name: logged" warning tm-$_tn_tok "$_tn_log"
}

# ---------------------------------------------------------------- RSA

t_mech "RSA, every SoftHSM2 mechanism: the best is taken" rsa2048 "RSA-PSS with SHA-512"
t_mech "RSA, only CKM_SHA384_RSA_PKCS" rsa2048 "RSA PKCS#1 v1.5 with SHA-384" \
	MECHS=SHA384_RSA_PKCS
t_mech "RSA, only CKM_SHA256_RSA_PKCS_PSS" rsa2048 "RSA-PSS with SHA-256" \
	MECHS=SHA256_RSA_PKCS_PSS
t_mech "RSA, hash-and-sign PKCS#1 v1.5 before raw PSS" rsa2048 \
	"RSA PKCS#1 v1.5 with SHA-256" MECHS=RSA_PKCS_PSS,SHA256_RSA_PKCS
t_mech "RSA, only raw CKM_RSA_PKCS_PSS" rsa2048 "RSA-PSS with SHA-512" MECHS=RSA_PKCS_PSS
t_mech "RSA, only raw CKM_RSA_PKCS (a DigestInfo the helper builds)" rsa2048 \
	"RSA PKCS#1 v1.5 with SHA-512" MECHS=RSA_PKCS
t_mech "RSA, a module that will not list its mechanisms" rsa2048 \
	"RSA PKCS#1 v1.5 with SHA-256" MECHS=SHA256_RSA_PKCS MECHS_NOLIST=1
t_mech "RSA, a key size range given in bytes" rsa2048 "RSA-PSS with SHA-512" \
	MECHS_RANGE=256,512
t_nomech "RSA, no signature mechanism at all" rsa2048 \
	"token 'rsa2048' did not sign: the token offers no signature mechanism for this key" \
	MECHS=none
t_nomech "RSA, no mechanism for a key of this size" rsa2048 \
	"the token offers no signature mechanism for this key" MECHS_RANGE=1024,1024

# ---------------------------------------------------------------- ECDSA

t_mech "P-256, raw CKM_ECDSA only (SoftHSM2)" p256 "ECDSA with SHA-256"
t_mech "P-384, raw CKM_ECDSA: the digest that fits the curve" p384 "ECDSA with SHA-384"
t_mech "P-521, raw CKM_ECDSA: SHA-512" p521 "ECDSA with SHA-512"
t_mech "P-256, CKM_ECDSA_SHA384 only" p256 "ECDSA with SHA-384" MECHS=ECDSA_SHA384
t_mech "P-256, hash-and-sign ECDSA: the longest digest first" p256 "ECDSA with SHA-512" \
	MECHS=ECDSA,ECDSA_SHA256,ECDSA_SHA512
t_mech "P-521, CKM_ECDSA_SHA256 only" p521 "ECDSA with SHA-256" MECHS=ECDSA_SHA256
t_nomech "P-256, only RSA mechanisms" p256 \
	"the token offers no signature mechanism for this key" MECHS=SHA256_RSA_PKCS,RSA_PKCS

# ---------------------------------------------------------------- CKA_ALWAYS_AUTHENTICATE

tok_svc tm-always $BASE pkcs11_module="$HSM_LIB" token_label=always
t_tok "CKA_ALWAYS_AUTHENTICATE: the context-specific login with the same PIN" PAM_SUCCESS \
	$PIN tm-always alice
t_prompt "CKA_ALWAYS_AUTHENTICATE: the PIN is asked once" always
t_tok "CKA_ALWAYS_AUTHENTICATE: a wrong PIN" PAM_AUTH_ERR 000000 tm-always alice
# The control: SoftHSM2 really wants that login; a module that drops it makes C_Sign fail.
tok_svc tm-always-shim $BASE pkcs11_module="$P11DIR/shim.so" token_label=always
t_tok "CKA_ALWAYS_AUTHENTICATE, the context login dropped: no signature" PAM_AUTH_ERR $PIN \
	tm-always-shim alice SHIM_MODE=nocontext
t_tlog "CKA_ALWAYS_AUTHENTICATE, the context login dropped: logged" warning tm-always-shim \
	"CKR_USER_NOT_LOGGED_IN"

tap_done
