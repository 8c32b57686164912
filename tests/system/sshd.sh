#!/bin/sh
# sshd.sh - a real sshd on a loopback port with examples/sshd_config.d/certmap.conf: the keys
# of a user's mapped certificates come from "certmap keys %u" run as nobody, and the OpenSSH
# client logs in with the key on a SoftHSM2 token (PKCS11Provider).  A disabled mapping, an
# expired certificate, and a certificate mapped to someone else are refused.
. "${top_srcdir:?}/tests/system/lib.sh"

sys_begin openssh-server openssh-client softhsm2 opensc openssl
sys_module

PIN=123456
ALICE=cmtest-alice
BOB=cmtest-bob
CAROL=cmtest-carol
DAVE=cmtest-dave
MAP=$D/certmap.xml
K=$D/keys
S=$D/sshd
mkdir -p "$K" "$S" "$D/bin" || bail "mkdir"

# sshd runs AuthorizedKeysCommand only from a path that root owns all the way up
install -m 0755 "$top_builddir/certmap/certmap" "$D/bin/certmap" || bail "certmap not built"

pki_init "$D/pki" || bail "cannot make the CA"
for _u in alice bob carol dave; do
	hsm_key p256 "$K/$_u.key" || bail "cannot make a key"
done
hsm_cacert "$K/alice.key" alice "$K/alice.pem" &&
	hsm_cacert "$K/bob.key" bob "$K/bob.pem" &&
	hsm_cacert "$K/carol.key" carol "$K/carol.pem" 20200101000000Z 20210101000000Z &&
	hsm_cacert "$K/dave.key" dave "$K/dave.pem" || bail "cannot issue certificates"

# map BOB_ENABLED: alice's, bob's (enabled or not), carol's expired one, and dave's, which is
# mapped to alice.
map() {
	map_simple "$MAP" <<EOF
$(xml_add "$K/alice.pem" "$ALICE")
$(xml_add "$K/bob.pem" "$BOB" "enabled=\"$1\"")
$(xml_add "$K/carol.pem" "$CAROL")
$(xml_add "$K/dave.pem" "$ALICE")
EOF
}
map false
"$D/bin/certmap" -f "$MAP" keys root > /dev/null 2> "$D/keys.err" ||
	bail "certmap keys does not work: $(cat "$D/keys.err")"

for _u in "$ALICE" "$BOB" "$CAROL" "$DAVE"; do
	sys_user "$_u"
done

# One token per person, each with its own SoftHSM2 configuration for the client.
for _u in alice bob carol dave; do
	hsm_setup "$D/hsm-$_u" && hsm_token "$_u" $PIN &&
		hsm_put "$_u" $PIN 01 "$K/$_u.key" "$K/$_u.pem" || bail "cannot fill token $_u"
done
unset SOFTHSM2_CONF

# examples/sshd_config.d/certmap.conf with certmap's path changed and the test's mapping file,
# first in the configuration as Debian's sshd_config includes sshd_config.d; then the rest of
# a server of our own on a loopback port.
sed "/^[[:space:]]*#/!s|/usr/local/bin/certmap|$D/bin/certmap -f $MAP|" \
	"$top_srcdir/examples/sshd_config.d/certmap.conf" > "$S/certmap.conf" ||
	bail "cannot read examples/sshd_config.d/certmap.conf"
grep -q "^AuthorizedKeysCommand $D/bin/certmap -f $MAP .*keys %u" "$S/certmap.conf" ||
	bail "examples/sshd_config.d/certmap.conf: no AuthorizedKeysCommand /usr/local/bin/certmap"
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key" || bail "ssh-keygen failed"
PORT=$(free_port)
cat > "$S/sshd_config" <<EOF || bail "cannot write $S/sshd_config"
Include $S/certmap.conf
Port $PORT
ListenAddress 127.0.0.1
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile none
UsePAM yes
KbdInteractiveAuthentication no
PasswordAuthentication no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOF
# the privilege separation directory, if the package left none (it is made at boot)
sys_mkdir /run/sshd
chmod 0755 /run/sshd
# UsePAM runs /etc/pam.d/sshd's session modules: pam_motd writes /run/motd.dynamic
sys_save /run/motd.dynamic
/usr/sbin/sshd -t -f "$S/sshd_config" > "$D/sshd-t" 2>&1 || bail "sshd -t: $(cat "$D/sshd-t")"
daemon sshd /usr/sbin/sshd -D -e -f "$S/sshd_config"
wait_port "$PORT" "$DAEMON_PID" || bail "sshd did not listen on $PORT: $(cat "$D/sshd.out")"

# The client's PIN comes from SSH_ASKPASS: no terminal needed.
printf '#!/bin/sh\necho %s\n' "$PIN" > "$D/askpass" && chmod 0755 "$D/askpass" || bail "askpass"

# ssh_as TOKEN USER: the client logs in as USER with the key on TOKEN and runs id -un.  Not
# IdentitiesOnly: OpenSSH 9.2 then offers no PKCS#11 key that no IdentityFile names (root's
# own ~/.ssh keys, if any, are refused: AuthorizedKeysFile is none).
ssh_as() {
	log_mark
	_mark=$(wc -l < "$D/sshd.out")
	SOFTHSM2_CONF=$D/hsm-$1/softhsm2.conf SSH_ASKPASS=$D/askpass SSH_ASKPASS_REQUIRE=force \
		timeout 60 ssh -F /dev/null -p "$PORT" -o PKCS11Provider="$HSM_LIB" \
		-o IdentityAgent=none -o PreferredAuthentications=publickey \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		-o ConnectTimeout=20 "$2@127.0.0.1" id -un < /dev/null > "$D/out" 2> "$D/err"
	RC=$?
	sleep 0.2
	tail -n "+$((_mark + 1))" "$D/sshd.out" > "$D/sshd.new"
}

t_in() {
	if [ "$RC $(cat "$D/out")" = "0 $2" ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "want: exit 0, $2" "got exit $RC: $(cat "$D/out")" \
			"$(cat "$D/err")" "sshd:" "$(cat "$D/sshd.new")"
	fi
}

t_out() {
	if [ "$RC" != 0 ] && [ ! -s "$D/out" ] && grep -q 'Permission denied' "$D/err"; then
		tap_ok "$1"
	else
		tap_notok "$1" "want: Permission denied" "got exit $RC: $(cat "$D/out")" \
			"$(cat "$D/err")" "sshd:" "$(cat "$D/sshd.new")"
	fi
}

ssh_as alice "$ALICE"
t_in "alice's token: alice logs in with her mapped certificate's key" "$ALICE"
t_has "sshd took the key from certmap keys" "Accepted publickey for $ALICE" "$D/sshd.new"

ssh_as bob "$BOB"
t_out "bob's disabled mapping: refused"

ssh_as carol "$CAROL"
t_out "carol's expired certificate: refused"

ssh_as dave "$DAVE"
t_out "dave's certificate, mapped to alice: dave is refused"

ssh_as alice "$BOB"
t_out "alice's token for bob's account: refused"

# The controls: the refusals came from the mapping, not from the tokens.
ssh_as dave "$ALICE"
t_in "dave's certificate logs in the account it is mapped to" "$ALICE"

map true
ssh_as bob "$BOB"
t_in "bob's mapping enabled: bob logs in" "$BOB"

sys_end
