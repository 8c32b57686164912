# pki.sh - real certificates for the integration tests, made with openssl(1) at test time:
# a CA and client certificates, some outside their validity period.  Sourced after lib.sh.

# OpenSSL 3.0's `x509 -req` cannot set a start date, so certificates are issued
# with `openssl ca`, whose -startdate/-enddate take any date: no faketime needed.
# pki_init DIR [CA-CN]: a CA in DIR (default CN "Test CA"), the current one ($PKI) from now on.
pki_init() {
	PKI=$1
	mkdir -p "$PKI/issued" || return 1
	: > "$PKI/index.txt" || return 1
	echo 1000 > "$PKI/serial" || return 1
	cat > "$PKI/ca.cnf" <<EOF || return 1
[ ca ]
default_ca = testca
[ testca ]
dir = $PKI
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir/issued
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
default_days = 3650
policy = anything
unique_subject = no
copy_extensions = none
x509_extensions = client
[ anything ]
commonName = supplied
organizationName = optional
[ client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
EOF
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/ca.key" \
		2>/dev/null || return 1
	openssl req -config "$PKI/ca.cnf" -x509 -new -key "$PKI/ca.key" -days 3650 \
		-subj "/O=pam_certmap tests/CN=${2:-Test CA}" \
		-addext "basicConstraints=critical,CA:true" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$PKI/ca.pem" 2>/dev/null || return 1
	# One key serves every client: the mapping is by certificate, not by key.
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/client.key" \
		2>/dev/null || return 1
}

# pki_cert NAME CN [STARTDATE ENDDATE] -> $PKI/NAME.pem (dates as YYYYMMDDHHMMSSZ)
pki_cert() {
	_n=$1 _cn=$2
	shift 2
	# valid from yesterday: a clock a little behind the test's must not matter
	_dates="-startdate $(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
	[ $# -eq 2 ] && _dates="-startdate $1 -enddate $2"
	openssl req -config "$PKI/ca.cnf" -new -key "$PKI/client.key" -subj "/CN=$_cn" \
		-out "$PKI/$_n.csr" 2>/dev/null || return 1
	# shellcheck disable=SC2086 # $_dates holds options, split on purpose
	openssl ca -config "$PKI/ca.cnf" -batch -notext $_dates -subj "/O=pam_certmap tests/CN=$_cn" \
		-in "$PKI/$_n.csr" -out "$PKI/$_n.pem" >/dev/null 2>&1 || return 1
	[ -s "$PKI/$_n.pem" ]
}

# pki_issue OUT KEYFILE SUBJECT [STARTDATE ENDDATE]: a client certificate for KEYFILE with the
# whole SUBJECT in its order (as -subj writes it: "/O=Example/OU=Staff/CN=alice"), issued by
# the CA of $PKI; dates as pki_cert's.  For the subject and issuer rules of many-to-one mappings.
pki_issue() {
	_pi_out=$1 _pi_key=$2 _pi_subj=$3
	shift 3
	_pi_dates="-startdate $(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
	[ $# -eq 2 ] && _pi_dates="-startdate $1 -enddate $2"
	openssl req -config "$PKI/ca.cnf" -new -key "$_pi_key" -subj "/CN=unused" \
		-out "$_pi_out.csr" 2>/dev/null || return 1
	# -preserveDN: the policy would drop the attributes it does not name (OU, DC ...)
	# shellcheck disable=SC2086 # $_pi_dates holds options, split on purpose
	openssl ca -config "$PKI/ca.cnf" -batch -notext -preserveDN $_pi_dates -subj "$_pi_subj" \
		-in "$_pi_out.csr" -out "$_pi_out" >/dev/null 2>&1 || return 1
	[ -s "$_pi_out" ]
}

# The standard set: a valid certificate for each test user and for nobody, two that
# nobody will map (mallory, zed), one expired, one not yet valid.
pki_make_all() {
	pki_init "$1" || return 1
	for _u in alice bob carol dave erin mallory zed nobody; do
		pki_cert "$_u" "$_u" || return 1
	done
	pki_cert expired "expired alice" 20200101000000Z 20210101000000Z || return 1
	pki_cert notyet "future alice" 20900101000000Z 20910101000000Z || return 1
}

# One-line base64 of the DER, as an IIS mapping holds it.
pki_b64() {
	openssl x509 -in "$1" -outform DER | openssl base64 -A
}

pki_der() {
	openssl x509 -in "$1" -outform DER -out "$2"
}

# Lower-case hex SHA-256 of the DER, as the module logs it.
pki_sha256() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//; s/://g' |
		tr 'A-F' 'a-f'
}
