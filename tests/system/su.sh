#!/bin/sh
# su.sh - the real, setuid su with examples/pam.d/su: one token holds the keys and
# certificates of two users; the invoker becomes the second user with the token's PIN, and
# a token holding only the invoker's own certificate does not make them anyone else.
. "${top_srcdir:?}/tests/system/lib.sh"

sys_begin login util-linux softhsm2 opensc openssl p11-kit-modules
SU=$(command -v su) || skip_all "su not installed"
need_setuid "$SU"
sys_module

PIN=123456
ALICE=cmtest-alice
BOB=cmtest-bob
PASS_A=cmtest-Pass-A
PASS_B=cmtest-Pass-B
MAP=$D/certmap.xml
K=$D/keys
mkdir "$K" || bail "mkdir $K"

pki_init "$D/pki" || bail "cannot make the CA"
hsm_key p256 "$K/alice.key" && hsm_cacert "$K/alice.key" "alice" "$K/alice.pem" &&
	hsm_key p256 "$K/bob.key" && hsm_cacert "$K/bob.key" "bob" "$K/bob.pem" ||
	bail "cannot make keys and certificates"
map_simple "$MAP" <<EOF
$(xml_add "$K/alice.pem" "$ALICE")
$(xml_add "$K/bob.pem" "$BOB")
EOF

sys_user "$ALICE" "$PASS_A"
sys_user "$BOB" "$PASS_B"

# /etc/softhsm/softhsm2.conf names $D/plugged, a link to the tokens "plugged in"
sys_softhsm_conf "$D/plugged"
rmdir "$D/plugged"
plug() {
	ln -sfn "$D/$1/tokens" "$D/plugged" || bail "cannot plug $1"
}
hsm_setup "$D/card" && hsm_token cmtest $PIN &&
	hsm_put cmtest $PIN 01 "$K/alice.key" "$K/alice.pem" &&
	hsm_put cmtest $PIN 02 "$K/bob.key" "$K/bob.pem" || bail "cannot fill the token"
hsm_setup "$D/alicecard" && hsm_token alicecard $PIN &&
	hsm_put alicecard $PIN 01 "$K/alice.key" "$K/alice.pem" || bail "cannot fill the token"
mkdir -p "$D/none/tokens" || bail "mkdir"
unset SOFTHSM2_CONF

sys_pamd_example su

# run_su INPUT...: alice runs "su cmtest-bob -c 'id -un'" with the INPUT lines on stdin.
run_su() {
	printf '%s\n' "$@" > "$D/in"
	chmod 0644 "$D/in"
	log_mark
	as_user "$ALICE" timeout 60 "$SU" "$BOB" -c 'id -un' < "$D/in" > "$D/out" 2> "$D/err"
	RC=$?
	cat "$D/out" "$D/err" > "$D/all"
}

plug card
run_su $PIN
t_eq "right PIN: alice becomes bob" "0 $BOB" "$RC $(cat "$D/out")" "$(cat "$D/err")"
t_has "right PIN: the PIN of the token was asked" "PIN for cmtest: " "$D/all"
t_lacks "right PIN: no password asked" "Password:" "$D/all"

run_su 000000 "$PASS_B"
t_eq "wrong PIN: su refuses" "1" "$RC" "$(cat "$D/all")"
t_lacks "wrong PIN: no shell as bob" "$BOB" "$D/out"
t_lacks "wrong PIN: no fallback to bob's password" "Password:" "$D/all"

plug alicecard
run_su $PIN "$PASS_B"
t_eq "a token with alice's certificate only: su to bob refuses" "1" "$RC" "$(cat "$D/all")"
t_lacks "alice's certificate only: no PIN asked" "PIN for" "$D/all"
t_lacks "alice's certificate only: no fallback to bob's password" "Password:" "$D/all"

plug none
run_su "$PASS_B"
t_eq "no token: bob's password makes alice bob" "0 $BOB" "$RC $(cat "$D/out")" \
	"$(cat "$D/err")"
t_has "no token: the password was asked" "Password:" "$D/all"
t_lacks "no token: no PIN asked" "PIN for" "$D/all"

run_su "$PASS_A"
t_eq "no token, alice's own password: su refuses" "1" "$RC" "$(cat "$D/all")"

sys_end
