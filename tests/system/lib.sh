# lib.sh - shared parts of the system tests: real programs (sudo, su, login, sshd, Apache)
# with real /etc/pam.d files and real users, and the undoing of every change they make.
#
# Sourced by each tests/system/*.sh (POSIX sh) as
#     . "$top_srcdir/tests/system/lib.sh"
# with top_srcdir and top_builddir set (make check sets them; by hand, see the README).
#
# A script runs only as root (otherwise it reports "1..0 # SKIP"), and not when make check
# has CERTMAP_SYSTEM_TESTS=no (configure --disable-system-tests, make check
# SYSTEM_TESTS=no: a package build, make distcheck).  It installs missing
# Debian packages with apt-get, keeps its files in a private directory $D under /run (or
# /var/lib), saves every system file before it writes it, and at the end restores them,
# deletes its users, stops its daemons, and checks that the machine is as it found it (the
# last TAP test).
# System tests hold a lock on /etc/pam.d for their whole run, so they never overlap.

: "${top_srcdir:?set top_srcdir (make check does)}"
: "${top_builddir:?set top_builddir (make check does)}"
LC_ALL=C
export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# make check preloads nss_wrapper with the test accounts: here the accounts are real
unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP PAM_WRAPPER PAM_WRAPPER_SERVICE_DIR \
	SOFTHSM2_CONF SSL_CLIENT_CERT CK_TAP_LOG_FILE_NAME

# ---------------------------------------------------------------- TAP

# shellcheck disable=SC1091 # found through $top_srcdir
. "$top_srcdir/tests/tap.sh"

[ "${CERTMAP_SYSTEM_TESTS:-yes}" != no ] ||
	skip_all "system tests turned off (configure --disable-system-tests, or make check" \
		"SYSTEM_TESTS=no)"
[ "$(id -u)" = 0 ] ||
	skip_all "system tests need root: they install packages, add users and write" \
		"/etc/pam.d (run them as root, e.g. in CI)"
# The memory-checker passes (scripts/check-sanitizers, scripts/check-valgrind) cannot follow
# setuid programs and the daemons these tests start; the plain run has them.
[ -z "${CERTMAP_TEST_ASAN:-}${CERTMAP_TEST_VALGRIND:-}" ] ||
	skip_all "setuid programs and system daemons run neither under valgrind nor with" \
		"libasan preloaded: the plain run has these tests"

# A failure shows what was logged since the last log_mark.
tap_notok_hook() {
	[ -n "$LOGFILE" ] && [ -s "$LOGFILE" ] && tap_diag "logged:" "$(log_new)"
	return 0
}

# ---------------------------------------------------------------- logs

# When the machine has no syslog, the tests' own sink stands on /dev/log for the run, so a
# failure shows what the module, sudo, sshd or Apache logged.
LOGFILE=""
LOG_MARK=0

sys_syslog() {
	[ -e /dev/log ] || [ -L /dev/log ] && return 0
	[ -x "$top_builddir/tests/syslogd" ] || return 0
	undo_push "remove /dev/log"
	daemon syslogd "$top_builddir/tests/syslogd" /dev/log "$D/syslog"
	_i=0
	while [ ! -S /dev/log ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -S /dev/log ] && LOGFILE=$D/syslog
}

log_mark() {
	[ -n "$LOGFILE" ] && LOG_MARK=$(wc -l < "$LOGFILE")
}

log_new() {
	[ -n "$LOGFILE" ] && tail -n "+$((LOG_MARK + 1))" "$LOGFILE"
}

# ---------------------------------------------------------------- the undo list

# Each change pushes one line on $UNDO ("restore SAVED PATH", "remove PATH", "rmdir PATH",
# "user NAME", "daemon PID NAME", "tmux SOCKET", "purge PACKAGE"); sys_undo replays them
# newest first.
D=""
UNDO=$(mktemp /tmp/certmap-system-undo.XXXXXX) || bail "mktemp failed"
SYS_UNDONE=no

undo_push() {
	printf '%s\n' "$*" >> "$UNDO" || bail "cannot write $UNDO"
}

# sys_save PATH: PATH (a file, or absent) is put back as it is now at the end.
sys_save() {
	if grep -qxF -- "restore $D/saved/$(echo "$1" | tr / _) $1" "$UNDO" ||
		grep -qxF -- "remove $1" "$UNDO"; then
		return 0
	fi
	if [ -e "$1" ] || [ -L "$1" ]; then
		_s=$D/saved/$(echo "$1" | tr / _)
		cp -a -- "$1" "$_s" || bail "cannot save $1"
		undo_push "restore $_s $1"
	else
		undo_push "remove $1"
	fi
}

# sys_mkdir PATH: a directory the machine lacks, removed with its contents at the end.
sys_mkdir() {
	[ -d "$1" ] && return 0
	mkdir -p -- "$1" || bail "cannot make $1"
	undo_push "rmdir $1"
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null || return 0
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

undo_one() {
	# shellcheck disable=SC2086 # the words of one line, no spaces in them
	set -- $1
	case $1 in
	restore) cp -a -- "$2" "$3" && rm -f -- "$2" ;;
	remove) rm -f -- "$2" ;;
	rmdir) rm -rf --one-file-system -- "$2" ;;
	daemon) stop_pid "$2" ;;
	tmux) tmux -S "$2" kill-server 2>/dev/null; rm -f -- "$2" ;;
	purge)
		dpkg-query -W "$2" >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive dpkg --purge "$2" >/dev/null 2>&1
		;;
	user)
		# whatever the tests started as this user (a login shell, sshd's session) goes first
		_uid=$(id -u "$2" 2>/dev/null)
		[ -n "$_uid" ] && for _p in $(stat -c '%u %n' /proc/[0-9]* 2>/dev/null |
			awk -v u="$_uid" '$1 == u { sub("/proc/", "", $2); print $2 }'); do
			kill -KILL "$_p" 2>/dev/null
		done
		userdel -r "$2" >/dev/null 2>&1 || userdel "$2" >/dev/null 2>&1
		# sudo's time stamp and lecture files outlive the account
		rm -f "/run/sudo/ts/$2" "/var/lib/sudo/lectured/$2"
		;;
	esac
}

# Replays the undo list, newest first; the files of saved copies go last, with $D.
sys_undo() {
	[ "$SYS_UNDONE" = yes ] && return 0
	SYS_UNDONE=yes
	# a signal now would leave half the machine changed
	trap '' HUP INT TERM
	# not in a pipe: the daemons are this shell's children, to be reaped here
	if [ -s "$UNDO" ] && tac "$UNDO" > "$UNDO.rev"; then
		while IFS= read -r _line; do
			undo_one "$_line"
		done < "$UNDO.rev"
	fi
	rm -f "$UNDO" "$UNDO.rev"
	if [ -n "$D" ] && [ -d "$D" ] && [ -z "${CERTMAP_TEST_KEEP:-}" ]; then
		rm -rf --one-file-system "$D"
	fi
}

trap sys_undo EXIT
trap 'exit 1' HUP INT TERM

# ---------------------------------------------------------------- packages

# sys_need_pkgs PACKAGE...: installs the missing ones with apt-get.  A package's maintainer
# scripts must not start its daemon (sshd on port 22, Apache on 80): a policy-rc.d that
# forbids it stands in for the installation, unless the machine has one.
sys_need_pkgs() {
	_missing=""
	for _p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$_p" 2>/dev/null |
			grep -q '^install ok installed$' || _missing="$_missing $_p"
	done
	[ -z "$_missing" ] && return 0
	command -v apt-get >/dev/null 2>&1 || skip_all "missing packages:$_missing (no apt-get)"
	tap_diag "installing$_missing"
	_policy=no
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d &&
			chmod 0755 /usr/sbin/policy-rc.d || bail "cannot write policy-rc.d"
		_policy=yes
	fi
	# shellcheck disable=SC2086 # a list of names
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$_missing >"$UNDO.apt" 2>&1
	_rc=$?
	[ "$_policy" = yes ] && rm -f /usr/sbin/policy-rc.d
	if [ $_rc -ne 0 ]; then
		tap_diag "$(cat "$UNDO.apt")"
		rm -f "$UNDO.apt"
		bail "apt-get failed"
	fi
	rm -f "$UNDO.apt"
}

# ---------------------------------------------------------------- the machine's state

# What the tests may change and must give back: system files, accounts, home directories,
# sudo's state, listening TCP sockets.  Compared before and after.
sys_state() {
	for _f in /etc/passwd /etc/passwd- /etc/shadow /etc/shadow- /etc/group /etc/group- \
		/etc/gshadow /etc/gshadow- /etc/subuid /etc/subuid- /etc/subgid /etc/subgid- \
		/etc/sudoers /etc/security/certmap.xml /usr/sbin/policy-rc.d /var/log/lastlog \
		/var/log/faillog /run/motd.dynamic; do
		[ -e "$_f" ] && echo "$(sha256sum < "$_f" | cut -c1-16) $_f"
	done
	for _d in /etc/pam.d /etc/softhsm /etc/sudoers.d /etc/pkcs11 /etc/pkcs11/modules; do
		[ -d "$_d" ] || continue
		find "$_d" -maxdepth 1 -type f -exec sha256sum {} + | cut -c1-16,65- | sort -k2
	done
	# shellcheck disable=SC2010 # a listing to compare, not names to use
	ls -la /home /var/mail /run/sudo/ts /var/lib/sudo/lectured 2>/dev/null |
		grep -v ' \.\.\?$' | grep -v '^total'
	[ -e /dev/log ] && echo "/dev/log is there"
	echo "listening: $(tcp_listening | sort -n | tr '\n' ' ')"
}

# Ports with a listening TCP socket, in decimal, one a line.
tcp_listening() {
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk '$4 == "0A" { split($2, a, ":"); print a[2] }' | sort -u |
		while read -r _h; do printf '%d\n' "0x$_h"; done
}

# A TCP port nobody listens on, below Linux's ephemeral range (a daemon that loses a race
# for it says so in its log).
free_port() {
	while :; do
		_port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		tcp_listening | grep -qx "$_port" || break
	done
	echo "$_port"
}

# wait_port PORT PID: waits until PORT listens (0) or PID died or 10 s passed (1).
wait_port() {
	_i=0
	while [ $_i -lt 100 ]; do
		tcp_listening | grep -qx "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ---------------------------------------------------------------- setting up

# sys_begin PACKAGE...: lock, install the packages, make $D, note the machine's state.
sys_begin() {
	exec 9</etc/pam.d
	flock -w 900 9 || bail "another system test holds /etc/pam.d for too long"
	SYS_T0=$(date +%s)
	sys_need_pkgs "$@"
	# searchable by the test users, Apache's and sshd's unprivileged users; root's all the
	# way up, as sshd demands of AuthorizedKeysCommand; where programs and modules may run
	# (many systems mount /run noexec)
	_base=/run
	case ",$(findmnt -n -o OPTIONS --target /run 2>/dev/null)," in
	*,noexec,*) _base=/var/lib ;;
	esac
	D=$(mktemp -d "$_base/certmap-system.XXXXXX") && chmod 0755 "$D" && mkdir "$D/saved" &&
		chmod 0700 "$D/saved" || bail "cannot make a directory under $_base"
	[ -n "${CERTMAP_TEST_KEEP:-}" ] && tap_diag "keeping $D"
	sys_state > "$D/saved/state.before"
	sys_syslog
	# lib.sh of the integration tests is not sourced: these helpers want $T and bail
	# shellcheck disable=SC2034 # used by pki.sh and softhsm.sh
	T=$D
	. "$top_srcdir/tests/pki.sh"
	. "$top_srcdir/tests/softhsm.sh"
	[ -f "$HSM_LIB" ] || bail "$HSM_LIB not installed"
	# no cores from a test that fails; the soft limit only, which pam_limits may raise
	# shellcheck disable=SC3045 # dash, bash and busybox sh have ulimit -S
	ulimit -S -c 0
}

# The module as the system tests load it: the build tree's (which runs the build tree's
# token helper), by absolute path, from a root-owned place.
sys_module() {
	_src=$top_builddir/tests/.libs/pam_certmap_uninst.so
	[ -f "$_src" ] || bail "$_src not built (make check builds it)"
	[ -x "$top_builddir/token/pam_certmap_token" ] || bail "token helper not built"
	mkdir -p "$D/lib" && install -m 0644 "$_src" "$D/lib/pam_certmap.so" ||
		bail "cannot copy the module"
	MOD=$D/lib/pam_certmap.so
}

# sys_pamd SERVICE < CONTENT: /etc/pam.d/SERVICE for the run.
sys_pamd() {
	sys_save "/etc/pam.d/$1"
	{
		echo "# written by pam_certmap's tests/system; the original comes back afterwards"
		cat
	} > "/etc/pam.d/$1" && chmod 0644 "/etc/pam.d/$1" || bail "cannot write /etc/pam.d/$1"
}

# sys_pamd_example SERVICE [EXAMPLE]: /etc/pam.d/SERVICE is examples/pam.d/EXAMPLE (by
# default SERVICE) with only the module's path and the mapping file ($MAP) changed.
sys_pamd_example() {
	_ex=$top_srcdir/examples/pam.d/${2:-$1}
	[ -f "$_ex" ] || bail "$_ex is missing"
	sed "/^[[:space:]]*#/!s|pam_certmap\.so|$MOD mapfile=$MAP|" "$_ex" > "$D/pamd.$1" ||
		bail "cannot read $_ex"
	grep -q "^auth.*$MOD mapfile=$MAP" "$D/pamd.$1" ||
		bail "$_ex has no pam_certmap.so auth line"
	sys_pamd "$1" < "$D/pamd.$1"
}

# sys_user NAME [PASSWORD]: a new account with a home directory, deleted at the end.
sys_user() {
	getent passwd "$1" >/dev/null && bail "user $1 exists already and is not ours"
	for _f in /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/subuid /etc/subgid; do
		sys_save "$_f-"
	done
	# per-uid tables that would show a later account of this uid our logins; wtmp, btmp and
	# the system log keep their records, as logs do
	sys_save /var/log/lastlog
	sys_save /var/log/faillog
	undo_push "user $1"
	useradd -m -s /bin/sh -c "pam_certmap system test" "$1" >/dev/null 2>&1 ||
		bail "useradd $1 failed"
	if [ $# -ge 2 ]; then
		printf '%s:%s\n' "$1" "$2" | chpasswd || bail "chpasswd $1 failed"
	fi
}

# as_user NAME COMMAND...: COMMAND with NAME's identity and a small clean environment, the
# way the user's own shell would run it (no PAM involved).
as_user() {
	_u=$1
	_home=$(getent passwd "$_u" | cut -d: -f6)
	shift
	(cd / && setpriv --reuid="$_u" --regid="$(id -g "$_u")" --init-groups \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$_home" USER="$_u" LOGNAME="$_u" \
		LC_ALL=C "$@")
}

# Setuid programs must gain root here (not on a nosuid mount, no no_new_privs).
need_setuid() {
	grep -q '^NoNewPrivs:[[:space:]]*0' /proc/self/status ||
		skip_all "no_new_privs is set: setuid programs cannot gain root"
	case ",$(findmnt -n -o OPTIONS --target "$1")," in
	*,nosuid,*) skip_all "$1 is on a nosuid filesystem" ;;
	esac
}

# daemon NAME COMMAND...: runs COMMAND in the background, in a session of its own (Apache's
# prefork signals its whole process group when it stops) and without the lock; stopped at
# the end.  Sets DAEMON_PID.
daemon() {
	_n=$1
	shift
	# not a process group leader, so setsid execs COMMAND in this very process
	setsid "$@" 9<&- > "$D/$_n.out" 2>&1 &
	DAEMON_PID=$!
	undo_push "daemon $DAEMON_PID $_n"
}

# ---------------------------------------------------------------- SoftHSM2 for setuid callers

# sys_softhsm_conf TOKENDIR: /etc/softhsm/softhsm2.conf names TOKENDIR for the run.  A setuid
# caller (sudo, su) starts the token helper with an empty environment, so SOFTHSM2_CONF is
# never seen there: SoftHSM2 reads this file, as it would at a site.
sys_softhsm_conf() {
	sys_save /etc/softhsm/softhsm2.conf
	mkdir -p "$1" || bail "mkdir $1"
	cat > /etc/softhsm/softhsm2.conf <<EOF || bail "cannot write /etc/softhsm/softhsm2.conf"
# written by pam_certmap's tests/system; the original comes back afterwards
directories.tokendir = $1
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
}

# ---------------------------------------------------------------- mapping files

# shellcheck disable=SC1091 # found through $top_srcdir
. "$top_srcdir/tests/mapxml.sh"

# sys_end: undo everything now, check that nothing was left, print the plan and the time.
sys_end() {
	_before=$(mktemp /tmp/certmap-system-state.XXXXXX) &&
		cp "$D/saved/state.before" "$_before" || bail "lost the saved state"
	sys_undo
	sys_state > "$_before.after"
	if [ -n "$D" ] && [ -e "$D" ] && [ -z "${CERTMAP_TEST_KEEP:-}" ]; then
		echo "left behind: $D" >> "$_before.after"
	fi
	if _diff=$(diff "$_before" "$_before.after"); then
		tap_ok "the machine is as the test found it"
	else
		tap_notok "the machine is as the test found it" "$_diff"
	fi
	rm -f "$_before" "$_before.after"
	tap_done
	tap_diag "took $(($(date +%s) - SYS_T0)) s (after the lock; packages included)"
}
