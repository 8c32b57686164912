# ocsp.sh - revocation fixtures for the tests: OCSP responders (`openssl ocsp` over the index
# of a CA made by pki.sh's `openssl ca`), a server that plays back one recorded response, a
# DNS server that never answers, and certificates with an AIA OCSP URL.  Every server is
# started by the test and stopped by its PID.
#
# Source it FIRST, before lib.sh: it re-runs the script in a network namespace of its own with
# only the loopback up, where `openssl ocsp -port` (OpenSSL 3.0 binds every address) listens
# on 127.0.0.1 alone, fixed ports cannot collide with the machine's, and a private
# /etc/resolv.conf (lib.sh's mount namespace) cannot disturb anything else.
#     . "${top_srcdir:?}/tests/ocsp.sh"
#     . "$top_srcdir/tests/lib.sh"
#     . "$top_srcdir/tests/pki.sh"
#     need_netns

OCSP_NETNS_WHY=""
if [ -z "${CERTMAP_TEST_NETNS:-}" ]; then
	CERTMAP_TEST_NETNS=no
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
		CERTMAP_TEST_NETNS=yes
		export CERTMAP_TEST_NETNS
		exec unshare -n /bin/sh -c 'ip link set lo up && exec /bin/sh "$0" "$@"' "$0" "$@"
	fi
	export CERTMAP_TEST_NETNS
fi
[ "$CERTMAP_TEST_NETNS" = yes ] || OCSP_NETNS_WHY="needs a network namespace (root, unshare -n, ip)"

# Debian's python3 for the small servers, whatever else is first on PATH.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

# Called after lib.sh: skips the script without a network namespace, and stops our servers
# at exit before lib.sh cleans up.
need_netns() {
	[ -z "$OCSP_NETNS_WHY" ] || skip_all "$OCSP_NETNS_WHY"
	for _p in openssl ss "$PYTHON"; do
		command -v $_p >/dev/null 2>&1 || skip_all "$_p not installed"
	done
	trap ocsp_cleanup EXIT
}

# ---------------------------------------------------------------- servers

OCSP_PIDS=""

ocsp_cleanup() {
	for _p in $OCSP_PIDS; do
		kill -CONT "$_p" 2>/dev/null
		kill "$_p" 2>/dev/null
	done
	lib_cleanup
}

# wait_listening PORT PID [u]: until something listens on 127.0.0.1:PORT (TCP, or UDP with
# u), or PID is gone.
wait_listening() {
	_wl_i=0
	while [ $_wl_i -lt 100 ]; do
		kill -0 "$2" 2>/dev/null || return 1
		ss -Hl"${3:-t}"n "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
		_wl_i=$((_wl_i + 1))
	done
	return 1
}

# ocsp_start NAME PORT PKIDIR SIGNER-CERT SIGNER-KEY [OPENSSL-OCSP-OPTION]...: a responder for
# the CA of PKIDIR, signing with SIGNER, answering "good" for the certificates of the CA's
# index, "revoked" for those revoked there and "unknown" for any other; its responses are
# valid one day.  The PID goes to $T/ocsp.NAME.pid.  With OCSP_WRAP="faketime -f -3d" set, it
# runs three days ago.
ocsp_start() {
	_os_n=$1 _os_port=$2 _os_d=$3 _os_c=$4 _os_k=$5
	shift 5
	# shellcheck disable=SC2086 # OCSP_WRAP holds a command and its options
	${OCSP_WRAP:-} openssl ocsp -index "$_os_d/index.txt" -CA "$_os_d/ca.pem" -rsigner "$_os_c" \
		-rkey "$_os_k" -port "$_os_port" -ndays 1 -ignore_err "$@" \
		> "$T/ocsp.$_os_n.log" 2>&1 &
	_os_pid=$!
	OCSP_PIDS="$OCSP_PIDS $_os_pid"
	echo "$_os_pid" > "$T/ocsp.$_os_n.pid"
	wait_listening "$_os_port" "$_os_pid" ||
		bail "responder $_os_n did not start: $(cat "$T/ocsp.$_os_n.log")"
}

ocsp_pid() {
	cat "$T/ocsp.$1.pid"
}

# ocsp_stop NAME
ocsp_stop() {
	_st_pid=$(ocsp_pid "$1")
	kill -CONT "$_st_pid" 2>/dev/null
	kill "$_st_pid" 2>/dev/null
	wait "$_st_pid" 2>/dev/null
	return 0
}

# A responder that accepts and never answers: stopped with SIGSTOP, the kernel still completes
# the connections to its listening socket and takes the requests.
ocsp_freeze() {
	kill -STOP "$(ocsp_pid "$1")"
}

ocsp_thaw() {
	kill -CONT "$(ocsp_pid "$1")"
}

# replay_start NAME PORT FILE: an HTTP server that answers every POST with FILE as an OCSP
# response: one recorded for another request, so with another nonce.
replay_start() {
	"$PYTHON" - "$2" "$3" > "$T/ocsp.$1.log" 2>&1 <<'PY' &
import http.server, sys
body = open(sys.argv[2], "rb").read()
class Replay(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Replay).serve_forever()
PY
	_rs_pid=$!
	OCSP_PIDS="$OCSP_PIDS $_rs_pid"
	echo "$_rs_pid" > "$T/ocsp.$1.pid"
	wait_listening "$2" "$_rs_pid" || bail "replay server $1 did not start: $(cat "$T/ocsp.$1.log")"
}

# dns_blackhole: a name server on 127.0.0.1:53 that takes every query and answers none, and
# an /etc/resolv.conf that asks it, patiently.  Only in lib.sh's private mount namespace;
# fails elsewhere.
dns_blackhole() {
	[ "$CERTMAP_TEST_NS" = yes ] || return 1
	"$PYTHON" - > "$T/dns.log" 2>&1 <<'PY' &
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
while True:
    s.recvfrom(4096)
PY
	_db_pid=$!
	OCSP_PIDS="$OCSP_PIDS $_db_pid"
	wait_listening 53 "$_db_pid" u || bail "the silent name server did not start: $(cat "$T/dns.log")"
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' > "$T/resolv.conf" &&
		mount --bind "$T/resolv.conf" /etc/resolv.conf
}

# ---------------------------------------------------------------- certificates

# ocsp_ext URL: an extension file for `openssl ca -extfile` of a client certificate with the
# AIA OCSP URL URL ("" for none); prints its path.
ocsp_ext() {
	_oe_f=$T/ext.$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	{
		echo 'basicConstraints = critical, CA:false'
		echo 'keyUsage = critical, digitalSignature'
		echo 'extendedKeyUsage = clientAuth'
		echo 'subjectKeyIdentifier = hash'
		echo 'authorityKeyIdentifier = keyid'
		[ -n "$1" ] && echo "authorityInfoAccess = OCSP;URI:$1"
	} > "$_oe_f"
	printf '%s\n' "$_oe_f"
}

# ocsp_cert NAME CN URL [KEYFILE [EXTFILE]]: $PKI/NAME.pem for KEYFILE (default the CA's client
# key) issued by the current CA, with the AIA OCSP URL URL ("" for none), recorded in its index.
ocsp_cert() {
	_oc_key=${4:-$PKI/client.key}
	_oc_ext=${5:-$(ocsp_ext "$3")}
	openssl req -config "$PKI/ca.cnf" -new -key "$_oc_key" -subj "/CN=$2" -out "$PKI/$1.csr" \
		2>/dev/null || return 1
	openssl ca -config "$PKI/ca.cnf" -batch -notext \
		-startdate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)" -extfile "$_oc_ext" \
		-subj "/O=pam_certmap tests/CN=$2" -in "$PKI/$1.csr" -out "$PKI/$1.pem" \
		>/dev/null 2>&1 || return 1
	[ -s "$PKI/$1.pem" ]
}

# ocsp_stranger NAME CN URL: a certificate of the current CA that its index does not know (as
# if issued by another tool): its responder answers "unknown".
ocsp_stranger() {
	openssl req -config "$PKI/ca.cnf" -new -key "$PKI/client.key" -subj "/CN=$2" \
		-out "$PKI/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" \
			-set_serial 0x7e57 -days 30 -extfile "$(ocsp_ext "$3")" \
			-out "$PKI/$1.pem" 2>/dev/null
}

# ocsp_responder_cert: $PKI/responder.pem and .key, a responder the current CA delegates to
# (extendedKeyUsage OCSPSigning).  With "noeku", the same without that usage.
ocsp_responder_cert() {
	_or_n=responder${1:+-$1}
	{
		echo 'basicConstraints = critical, CA:false'
		echo 'keyUsage = critical, digitalSignature'
		[ "${1:-}" = noeku ] || echo 'extendedKeyUsage = OCSPSigning'
	} > "$T/ext.$_or_n"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$_or_n.key" \
		2>/dev/null &&
		openssl req -config "$PKI/ca.cnf" -new -key "$PKI/$_or_n.key" -subj "/CN=$_or_n" \
			-out "$PKI/$_or_n.csr" 2>/dev/null &&
		openssl ca -config "$PKI/ca.cnf" -batch -notext -extfile "$T/ext.$_or_n" \
			-subj "/O=pam_certmap tests/CN=OCSP $_or_n" -in "$PKI/$_or_n.csr" \
			-out "$PKI/$_or_n.pem" >/dev/null 2>&1
}

# ocsp_revoke CERTFILE: revoked in the current CA's index (keyCompromise).
ocsp_revoke() {
	openssl ca -config "$PKI/ca.cnf" -revoke "$1" -crl_reason keyCompromise >/dev/null 2>&1
}

# ocsp_crl OUT [DAYS]: the current CA's CRL, next update in DAYS (default 30).  With
# OCSP_WRAP="faketime -f -3d" set and 1 day, one that expired two days ago.
ocsp_crl() {
	# shellcheck disable=SC2086 # OCSP_WRAP holds a command and its options
	${OCSP_WRAP:-} openssl ca -config "$PKI/ca.cnf" -gencrl -crldays "${2:-30}" -out "$1" \
		>/dev/null 2>&1 && [ -s "$1" ]
}

# ocsp_record_response OUT CERTFILE URL: a response from the responder at URL about CERTFILE
# (of the current CA), recorded for replay_start.
ocsp_record_response() {
	openssl ocsp -issuer "$PKI/ca.pem" -cert "$2" -url "$3" -respout "$1" -noverify \
		-timeout 10 >/dev/null 2>&1 && [ -s "$1" ]
}

# ---------------------------------------------------------------- timing

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
