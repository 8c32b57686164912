# vcard.sh - a real smart-card stack for the token tests, as on a workstation: pcscd with
# vsmartcard's vpcd reader driver, a virtual CAC card (tests/vcard/vpcdcard, libcacard over
# an NSS database) in that reader, and OpenSC's opensc-pkcs11.so, the only module p11-kit's
# proxy sees.  Sourced after lib.sh, pki.sh and softhsm.sh (/work/shared/research: the recipe).
#
# Everything is private to the test: lib.sh runs it in its own mount namespace, where
# /run/pcscd (pcscd's socket and PID file) and p11-kit's module directories are bind mounts
# of directories in $T; pcscd and the card run in a network namespace of their own, because
# vpcd listens on every interface (0.0.0.0), which there means only that namespace's
# loopback.  Clients reach pcscd through its socket file, which a network namespace does
# not hide.  pcscd and the card are started and stopped by their PIDs.

VPCDCARD=$top_builddir/tests/vcard/vpcdcard
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
VPCD_PORT=35963
P11KIT_MODULES=/usr/share/p11-kit/modules
OPENSC_P11=""
for _d in "/usr/lib/$(gcc -print-multiarch 2>/dev/null)" /usr/lib64 /usr/lib; do
	[ -f "$_d/opensc-pkcs11.so" ] && { OPENSC_P11=$_d/opensc-pkcs11.so; break; }
done
PCSCD_PID=""
CARD_PID=""
MADE_RUN_PCSCD=""
CARD_STATE=$T/card.state

# The tests that use the card call this first.  A system daemon under a memory checker
# proves nothing of the project's code (tests/system do the same).
need_vcard() {
	[ -z "$MEMCHECK_MODE" ] || skip_all "pcscd and a virtual card: plain pass only"
	[ "$CERTMAP_TEST_NS" = yes ] || skip_all "needs a private mount namespace (unshare -m)"
	for _p in pcscd certutil pk12util nsenter ip pkcs11-tool; do
		command -v $_p >/dev/null 2>&1 || skip_all "$_p not installed (scripts/deps)"
	done
	[ -f "$VPCD_DRIVER" ] || skip_all "vsmartcard-vpcd not installed (scripts/deps)"
	[ -n "$OPENSC_P11" ] || skip_all "opensc-pkcs11 not installed (scripts/deps)"
	[ -f "$P11KIT_MODULES/opensc-pkcs11.module" ] || skip_all "OpenSC's p11-kit module file"
	[ -x "$VPCDCARD" ] || skip_all "tests/vcard/vpcdcard not built (libcacard-dev)"
	unshare -n true 2>/dev/null || skip_all "cannot make a network namespace"
}

# vcard_db DIR PIN P12FILE...: an NSS database (SQL format) whose password is PIN (the CAC
# PIN libcacard checks), holding the keys and certificates of the PKCS#12 files (password
# "p12"), each under its friendlyName.
vcard_db() {
	_vd_dir=$1 _vd_pin=$2
	shift 2
	mkdir -p "$_vd_dir" && printf '%s\n' "$_vd_pin" > "$_vd_dir.pw" && echo p12 > "$_vd_dir.p12pw" &&
		certutil -N -d "sql:$_vd_dir" -f "$_vd_dir.pw" || return 1
	for _vd_p in "$@"; do
		pk12util -i "$_vd_p" -d "sql:$_vd_dir" -k "$_vd_dir.pw" -w "$_vd_dir.p12pw" \
			>/dev/null 2>"$T/pk12.err" || { cat "$T/pk12.err" >&2; return 1; }
	done
}

# vcard_p12 KEYFILE CERTFILE NAME OUT: a PKCS#12 file for vcard_db.
vcard_p12() {
	openssl pkcs12 -export -inkey "$1" -in "$2" -name "$3" -passout pass:p12 -out "$4"
}

# A private /run/pcscd and p11-kit that sees OpenSC only; pcscd with vpcd in a network
# namespace of its own.  Exports OPENSC_CONF: no file caching (every libcacard card has the
# same serial, and cached files would outlive a card).
vcard_stack_start() {
	mkdir -p "$T/pcscd-run" "$T/reader.conf.d" "$T/p11kit" "$T/empty" || return 1
	if [ ! -d /run/pcscd ]; then
		mkdir -p /run/pcscd && MADE_RUN_PCSCD=yes || return 1
	fi
	mount --bind "$T/pcscd-run" /run/pcscd || return 1
	cp "$P11KIT_MODULES/opensc-pkcs11.module" "$T/p11kit/" &&
		mount --bind "$T/p11kit" "$P11KIT_MODULES" || return 1
	if [ -d /etc/pkcs11/modules ]; then
		mount --bind "$T/empty" /etc/pkcs11/modules || return 1
	fi
	cat > "$T/reader.conf.d/vpcd" <<-EOF || return 1
	FRIENDLYNAME "Virtual PCD"
	DEVICENAME   /dev/null:0x8C7B
	LIBPATH      $VPCD_DRIVER
	CHANNELID    0x8C7B
	EOF
	cat > "$T/opensc.conf" <<-EOF || return 1
	app default {
		framework pkcs15 {
			use_file_caching = no;
		}
	}
	EOF
	OPENSC_CONF=$T/opensc.conf
	export OPENSC_CONF
	unshare -n sh -c 'ip link set lo up && exec pcscd -f -c "$1"' sh "$T/reader.conf.d" \
		> "$T/pcscd.log" 2>&1 &
	PCSCD_PID=$!
	_vs_i=0
	while [ ! -S /run/pcscd/pcscd.comm ]; do
		kill -0 "$PCSCD_PID" 2>/dev/null || { PCSCD_PID=""; return 1; }
		[ $_vs_i -lt 100 ] || return 1
		sleep 0.1
		_vs_i=$((_vs_i + 1))
	done
}

# vcard_start [-r] DBDIR NICKNAME...: the card in the reader (-r: kept out until vcard_insert).
vcard_start() {
	_vc_wait=in
	[ "$1" = -r ] && _vc_wait=out
	rm -f "$CARD_STATE"
	nsenter --net="/proc/$PCSCD_PID/ns/net" "$VPCDCARD" -s "$CARD_STATE" -p $VPCD_PORT "$@" \
		> "$T/card.log" 2>&1 &
	CARD_PID=$!
	vcard_wait_state $_vc_wait && { [ $_vc_wait = out ] || vcard_wait_token yes; }
}

# The card's own view: "in" or "out" in its state file.
vcard_wait_state() {
	_vw_i=0
	while [ "$(cat "$CARD_STATE" 2>/dev/null)" != "$1" ]; do
		kill -0 "$CARD_PID" 2>/dev/null || return 1
		[ $_vw_i -lt 100 ] || return 1
		sleep 0.1
		_vw_i=$((_vw_i + 1))
	done
}

# vcard_wait_token yes|no: OpenSC sees a token, or none (pcscd notices a card within half a
# second or so).
vcard_wait_token() {
	_vt_i=0
	while :; do
		if pkcs11-tool --module "$OPENSC_P11" -L 2>/dev/null | grep -q 'token label'; then
			[ "$1" = yes ] && return 0
		else
			[ "$1" = no ] && return 0
		fi
		[ $_vt_i -lt 100 ] || return 1
		sleep 0.1
		_vt_i=$((_vt_i + 1))
	done
}

vcard_remove() {
	kill -USR1 "$CARD_PID" && vcard_wait_state out && vcard_wait_token no
}

vcard_insert() {
	kill -USR2 "$CARD_PID" && vcard_wait_state in && vcard_wait_token yes
}

# stop_pid PID: SIGTERM, then SIGKILL after 5 s; 0 once it is gone.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	_sp_i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $_sp_i -eq 50 ] && kill -KILL "$1" 2>/dev/null
		[ $_sp_i -lt 70 ] || return 1
		sleep 0.1
		_sp_i=$((_sp_i + 1))
	done
	wait "$1" 2>/dev/null
	return 0
}

vcard_stop() {
	stop_pid "$CARD_PID" && CARD_PID=""
}

vcard_stack_stop() {
	vcard_stop
	stop_pid "$PCSCD_PID" && PCSCD_PID=""
}

# At exit: the card and pcscd stopped, and an empty /run/pcscd made here removed (the mounts
# go with the namespace).
vcard_cleanup() {
	vcard_stack_stop
	if [ -n "$MADE_RUN_PCSCD" ] && umount /run/pcscd 2>/dev/null; then
		rmdir /run/pcscd 2>/dev/null
	fi
	lib_cleanup
}
trap vcard_cleanup EXIT
