# sssd.sh - SSSD 2.8's smart-card authentication (pam_sss, sssd_pam, p11_child) for bench/run,
# installed, configured and run inside bench/sandbox only, on the EC P-256 token.
#
# Sourced by bench/run inside the sandbox after setup.sh's bench_setup.  Needs T, DATA, PIN,
# USER_NAME, BENCH_UID, HSM_LIB and say, die, quiet.  sssd_install refuses to run outside an
# overlay root: everything it writes (/etc, /usr, /var) must stay in the sandbox.
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

SSSD_PKGS="sssd-common libpam-sss libnss-sss sssd-tools sssd-proxy"
SSSD_PID=""

in_sandbox() {
	[ "${BENCH_SANDBOX:-0}" = 1 ] && [ "$(stat -f -c %T /)" = overlayfs ]
}

sssd_install() {
	local before
	in_sandbox || die "SSSD is installed only inside bench/sandbox (an overlay root)"
	# policy-rc.d: the packages' scripts must not start daemons
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 0755 /usr/sbin/policy-rc.d
	before=$(dpkg-query -W -f='${Package}\n' | sort)
	say "installing $SSSD_PKGS in the sandbox"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # a package list
	if ! apt-get -qq -o DPkg::Lock::Timeout=900 install -y --no-install-recommends \
		$SSSD_PKGS > "$T/apt.log" 2>&1; then
		apt-get -qq update >> "$T/apt.log" 2>&1 || :
		# shellcheck disable=SC2086
		apt-get -qq -o DPkg::Lock::Timeout=900 install -y --no-install-recommends \
			$SSSD_PKGS >> "$T/apt.log" 2>&1 || { cat "$T/apt.log" >&2; die "apt-get failed"; }
	fi
	# what the sandbox gained, with versions, for the report
	dpkg-query -W -f='${Package} ${Version}\n' | sort |
		join -v 1 - <(printf '%s\n' "$before") > "$DATA/sssd-packages"
	[ -x /usr/sbin/sssd ] && [ -x /usr/libexec/sssd/p11_child ] ||
		die "sssd or p11_child missing after the install"
}

# The files domain, one certificate mapping rule for the EC certificate's subject, smart-card
# authentication for service "sss" only, the bench CA as p11_child's trust store.
sssd_configure() {
	local f
	in_sandbox || die "not in the sandbox"
	# p11_child finds tokens through p11-kit: SoftHSM's module alone, and its configuration
	# in the default place (the EC token)
	for f in /usr/share/p11-kit/modules/*.module; do
		[ "$(basename "$f")" = softhsm2.module ] || rm -f "$f"
	done
	[ -f /usr/share/p11-kit/modules/softhsm2.module ] ||
		echo "module: $HSM_LIB" > /usr/share/p11-kit/modules/softhsm2.module
	mkdir -p /etc/softhsm
	cp "$T/hsm-ec/softhsm2.conf" /etc/softhsm/softhsm2.conf
	# the files provider reads the sandbox's /etc/passwd
	grep -q "^$USER_NAME:" /etc/passwd || sed -n "/^$USER_NAME:/p" "$T/passwd" >> /etc/passwd
	grep -q "^$USER_NAME:" /etc/group || sed -n "/^$USER_NAME:/p" "$T/group" >> /etc/group
	mkdir -p /etc/sssd
	cat > /etc/sssd/sssd.conf <<EOF
[sssd]
services = nss, pam
domains = files
user = root

[nss]

[pam]
pam_cert_auth = True
pam_cert_db_path = $T/pki/ca.pem
pam_p11_allowed_services = +sss
certificate_verification = no_ocsp
# room for p11_child under valgrind
p11_child_timeout = 120

[domain/files]
id_provider = files

[certmap/files/$USER_NAME]
matchrule = <SUBJECT>.*CN=benchuser ec.*
maprule = ($USER_NAME)
EOF
	chmod 0600 /etc/sssd/sssd.conf
	echo "auth required pam_sss.so require_cert_auth" > "$T/pam.d/sss"
}

# sssd_start [PREFIX...]: sssd -i in the background (under PREFIX, e.g. valgrind), fresh
# caches, until its PAM socket answers; SSSD_PID is the process started.
sssd_start() {
	local i
	rm -rf /var/lib/sss/db/* /var/lib/sss/mc/* /var/lib/sss/pipes/pam \
		/var/lib/sss/pipes/private/pam /var/log/sssd/*
	SOFTHSM2_CONF=/etc/softhsm/softhsm2.conf "$@" /usr/sbin/sssd -i --logger=stderr \
		> "$T/sssd.log" 2>&1 &
	SSSD_PID=$!
	for ((i = 0; i < 1200; i++)); do
		[ -S /var/lib/sss/pipes/private/pam ] && [ -S /var/lib/sss/pipes/nss ] && return 0
		kill -0 "$SSSD_PID" 2>/dev/null || { cat "$T/sssd.log" >&2; die "sssd ended"; }
		sleep 0.1
	done
	cat "$T/sssd.log" >&2
	die "sssd did not open its sockets in 120 s"
}

# sssd_children PID: the PIDs of PID's descendants.
sssd_children() {
	local p c
	for p in /proc/[0-9]*; do
		c=${p#/proc/}
		[ "$(awk '{ print $4 }' "$p/stat" 2>/dev/null)" = "$1" ] && { echo "$c"; sssd_children "$c"; }
	done
	:
}

# sssd_stop: SIGTERM to the sssd started (it stops its responders), then to any descendant
# still there, each by PID.
sssd_stop() {
	local kids i
	[ -n "$SSSD_PID" ] || return 0
	kids=$(sssd_children "$SSSD_PID")
	kill -TERM "$SSSD_PID" 2>/dev/null || :
	for ((i = 0; i < 300; i++)); do
		kill -0 "$SSSD_PID" 2>/dev/null || break
		sleep 0.1
	done
	for i in $kids; do kill -TERM "$i" 2>/dev/null || :; done
	wait "$SSSD_PID" 2>/dev/null || :
	SSSD_PID=""
}
