#!/bin/sh
# sudo.sh - the real, setuid sudo with examples/pam.d/sudo (pam_certmap before pam_unix) as
# /etc/pam.d/sudo: the PIN through sudo's own conversation, no password fallback after a
# wrong PIN, the password when there is no token, and SoftHSM2 found from /etc without the
# invoker's environment.
. "${top_srcdir:?}/tests/system/lib.sh"

sys_begin sudo softhsm2 opensc openssl p11-kit-modules
need_setuid /usr/bin/sudo
sys_module

PIN=123456
PASS=cmtest-Pass-1
U=cmtest-alice
MAP=$D/certmap.xml
K=$D/keys
mkdir "$K" || bail "mkdir $K"

pki_init "$D/pki" || bail "cannot make the CA"
hsm_key p256 "$K/alice.key" && hsm_cacert "$K/alice.key" "alice" "$K/alice.pem" &&
	hsm_key p256 "$K/mallory.key" && hsm_cacert "$K/mallory.key" "mallory" "$K/mallory.pem" ||
	bail "cannot make keys and certificates"
map_simple "$MAP" <<EOF
$(xml_add "$K/alice.pem" "$U")
EOF

sys_user "$U" "$PASS"

# Tokens live in directories that stand for what is plugged in; /etc/softhsm/softhsm2.conf
# names $D/plugged, a symbolic link switched between them.
sys_softhsm_conf "$D/plugged"
rmdir "$D/plugged"
plug() {
	ln -sfn "$D/$1/tokens" "$D/plugged" || bail "cannot plug $1"
}
hsm_setup "$D/card" && hsm_token cmtest $PIN &&
	hsm_put cmtest $PIN 01 "$K/alice.key" "$K/alice.pem" ||
	bail "cannot fill the token"
hsm_setup "$D/stranger" && hsm_token stranger $PIN &&
	hsm_put stranger $PIN 01 "$K/mallory.key" "$K/mallory.pem" || bail "cannot fill the token"
mkdir -p "$D/none/tokens" || bail "mkdir"
# What the invoker's environment would name: another token holding alice's certificate.
# sudo is setuid, so the helper must never see SOFTHSM2_CONF.
hsm_setup "$D/invoker" && hsm_token invoker $PIN &&
	hsm_put invoker $PIN 01 "$K/alice.key" "$K/alice.pem" || bail "cannot fill the token"
INVOKER_CONF=$SOFTHSM2_CONF
chmod -R go+rX "$D/invoker"
unset SOFTHSM2_CONF

sys_pamd_example sudo

SUDOERS=/etc/sudoers.d/certmap-system-test
sys_save "$SUDOERS"
cat > "$SUDOERS" <<EOF || bail "cannot write $SUDOERS"
# written by pam_certmap's tests/system/sudo.sh, removed afterwards
Defaults:$U !lecture, timestamp_timeout=0, passwd_tries=1, !mail_badpass
$U ALL=(root) /usr/bin/id
EOF
chmod 0440 "$SUDOERS" && visudo -cqf "$SUDOERS" || bail "$SUDOERS is not valid"

# run_sudo INPUT: the user runs "sudo -S id -un" with INPUT (lines) on stdin.
run_sudo() {
	printf '%s\n' "$@" > "$D/in"
	chmod 0644 "$D/in"
	log_mark
	as_user "$U" env SOFTHSM2_CONF="$INVOKER_CONF" timeout 60 sudo -S id -un \
		< "$D/in" > "$D/out" 2> "$D/err"
	RC=$?
	cat "$D/out" "$D/err" > "$D/all"
}

plug card
run_sudo $PIN
t_eq "right PIN: sudo runs the command as root" "0 root" "$RC $(cat "$D/out")" "$(cat "$D/err")"
t_has "right PIN: asked through sudo's conversation" "PIN for cmtest: " "$D/err"
t_lacks "right PIN: the invoker's SOFTHSM2_CONF was not seen" "PIN for invoker" "$D/err"
t_lacks "right PIN: no password asked" "password for" "$D/err"

run_sudo 000000 "$PASS"
t_eq "wrong PIN: sudo refuses" "1" "$RC" "$(cat "$D/all")"
t_lacks "wrong PIN: the command did not run" "root" "$D/out"
t_has "wrong PIN: the PIN was asked" "PIN for cmtest: " "$D/err"
t_lacks "wrong PIN: no fallback to the password" "password for" "$D/err"

plug stranger
run_sudo "$PASS"
t_eq "unmapped certificate on the token: sudo refuses" "1" "$RC" "$(cat "$D/all")"
t_lacks "unmapped certificate: no PIN asked" "PIN for" "$D/err"
t_lacks "unmapped certificate: no fallback to the password" "password for" "$D/err"

plug none
run_sudo "$PASS"
t_eq "no token: the password lets sudo run the command" "0 root" "$RC $(cat "$D/out")" \
	"$(cat "$D/err")"
t_has "no token: sudo asked for the password" "[sudo] password for $U: " "$D/err"
t_lacks "no token: no PIN asked" "PIN for" "$D/err"

run_sudo "wrong-$PASS"
t_eq "no token, wrong password: sudo refuses" "1" "$RC" "$(cat "$D/all")"
t_lacks "no token, wrong password: the command did not run" "root" "$D/out"

sys_end
