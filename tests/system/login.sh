#!/bin/sh
# login.sh - the real login(1) on a pseudo-terminal (a tmux pane) with pam_certmap in
# /etc/pam.d/login: Enter at the "login:" prompt, the PIN at the token's prompt, and the
# token's mapped certificate names the user, as smart-card login at a console does.
. "${top_srcdir:?}/tests/system/lib.sh"

sys_begin login tmux softhsm2 opensc openssl p11-kit-modules
LOGIN=$(command -v login) || skip_all "login not installed"
sys_module

PIN=123456
ALICE=cmtest-alice
PASS=cmtest-Pass-1
MAP=$D/certmap.xml
K=$D/keys
mkdir "$K" || bail "mkdir $K"

pki_init "$D/pki" || bail "cannot make the CA"
hsm_key p256 "$K/alice.key" && hsm_cacert "$K/alice.key" "alice" "$K/alice.pem" ||
	bail "cannot make a key and certificate"
map_simple "$MAP" <<EOF
$(xml_add "$K/alice.pem" "$ALICE")
EOF
sys_user "$ALICE" "$PASS"

sys_softhsm_conf "$D/plugged"
rmdir "$D/plugged"
plug() {
	ln -sfn "$D/$1/tokens" "$D/plugged" || bail "cannot plug $1"
}
hsm_setup "$D/card" && hsm_token cmtest $PIN &&
	hsm_put cmtest $PIN 01 "$K/alice.key" "$K/alice.pem" ||
	bail "cannot fill the token"
mkdir -p "$D/none/tokens" || bail "mkdir"
unset SOFTHSM2_CONF

# examples/pam.d/login: Debian's file with the module before common-auth.  Its pam_motd
# writes /run/motd.dynamic, which comes back as it was.
sys_save /run/motd.dynamic
sys_pamd_example login

# ---------------------------------------------------------------- the terminal

TMUX_SOCK=$D/tmux.sock
undo_push "tmux $TMUX_SOCK"
N=0

tm() {
	tmux -S "$TMUX_SOCK" "$@"
}

# A new tmux session running login; SESSION names it.
start_login() {
	N=$((N + 1))
	SESSION=login$N
	log_mark
	tm -f /dev/null new-session -d -x 150 -y 50 -s "$SESSION" "$LOGIN" 9<&- ||
		bail "tmux cannot start login"
	tm set-option -t "$SESSION" remain-on-exit on >/dev/null
}

screen() {
	tm capture-pane -p -J -S -100 -t "$SESSION" 2>/dev/null
}

# wait_for TEXT: 0 once the screen shows TEXT (a fixed string), 1 after 20 s.
wait_for() {
	_i=0
	while [ $_i -lt 200 ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# type LINE: LINE as keystrokes, then Enter.
type_line() {
	[ -n "$1" ] && tm send-keys -t "$SESSION" -l -- "$1"
	tm send-keys -t "$SESSION" Enter
}

# t_screen NAME TEXT: the screen comes to show TEXT.
t_screen() {
	if wait_for "$2"; then
		tap_ok "$1"
	else
		tap_notok "$1" "want on the screen: $2" "screen:" "$(screen | grep -v '^$')"
	fi
}

t_no_screen() {
	if screen | grep -qF -- "$2"; then
		tap_notok "$1" "not wanted on the screen: $2" "screen:" "$(screen | grep -v '^$')"
	else
		tap_ok "$1"
	fi
}

# In the shell: a line only the shell's output can hold (the typed command shows $(...)).
whoami_line() {
	type_line 'echo "CMTEST-$(id -un)-$(tty | cut -c1-8)-DONE"'
}

end_login() {
	tm kill-session -t "$SESSION" 2>/dev/null
}

# ---------------------------------------------------------------- smart-card login

plug card
start_login
t_screen "login asks for the user name" "login: "
type_line ""
t_screen "Enter at login: the token's PIN is asked" "PIN for cmtest: "
t_no_screen "no password asked" "Password:"
type_line "$PIN"
whoami_line
t_screen "right PIN: a shell as the user the certificate names, on a terminal" \
	"CMTEST-$ALICE-/dev/pts-DONE"
type_line exit
# tmux marks the pane dead before it has the exit status: wait for both (a hang guard of
# 30 s, not a speed test).  Under load, login is at times ended by the hangup of its
# terminal at logout (shadow's login, not the module): tmux then has no exit status.
_i=0
while ! tm display-message -p -t "$SESSION" '#{pane_dead} #{pane_dead_status}' |
	grep -qE '^1 [0-9]+$' && [ $_i -lt 300 ]; do
	sleep 0.1
	_i=$((_i + 1))
done
_dead=$(tm display-message -p -t "$SESSION" '#{pane_dead} #{pane_dead_status}')
case $_dead in
"1 0") tap_ok "logging out ends login, with status 0" ;;
"1 ") tap_ok "logging out ends login (by the terminal's hangup, no exit status)" ;;
*) tap_notok "logging out ends login, with status 0" "pane dead, status: '$_dead'" ;;
esac
end_login

start_login
wait_for "login: " || bail "no login prompt"
type_line "$ALICE"
t_screen "user name given: the PIN is asked" "PIN for cmtest: "
type_line "$PIN"
whoami_line
t_screen "user name given, right PIN: a shell as the user" "CMTEST-$ALICE-/dev/pts-DONE"
end_login

start_login
wait_for "login: " || bail "no login prompt"
type_line ""
wait_for "PIN for cmtest: " || bail "no PIN prompt"
type_line 000000
t_screen "wrong PIN: Login incorrect" "Login incorrect"
t_no_screen "wrong PIN: no password asked" "Password:"
whoami_line
sleep 1
t_no_screen "wrong PIN: no shell" "CMTEST-$ALICE"
end_login

# ---------------------------------------------------------------- no token: the password

plug none
start_login
wait_for "login: " || bail "no login prompt"
type_line "$ALICE"
t_screen "no token: the password is asked" "Password:"
t_no_screen "no token: no PIN asked" "PIN for"
type_line "$PASS"
whoami_line
t_screen "no token, password: a shell as the user" "CMTEST-$ALICE-/dev/pts-DONE"
end_login

sys_end
