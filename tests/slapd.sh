# slapd.sh - real OpenLDAP servers for the certmap sync tests: each with its own configuration
# and database under $T, the test schema, syncprov and ppolicy, TLS from a test CA, listening
# on 127.0.0.1 only (ldap:// for StartTLS and ldaps://), stopped by its PID.
# Sourced after lib.sh and pki.sh.

SLAPD=${SLAPD:-/usr/sbin/slapd}
LDAP_MODULES=${LDAP_MODULES:-/usr/lib/ldap}
LDAP_SUFFIX="dc=example,dc=test"
LDAP_PEOPLE="ou=people,$LDAP_SUFFIX"
LDAP_ADMIN="cn=admin,$LDAP_SUFFIX"
# the account certmap sync binds as, and one the server limits to 3 entries a search
LDAP_READER="cn=reader,$LDAP_SUFFIX"
LDAP_LIMITED="cn=limited,$LDAP_SUFFIX"
SLAPD_DIRS=""

# Tests that start slapd call this first.  A daemon does not run under the memory checkers
# (lib.sh): the plain run has these tests.
need_slapd() {
	[ -z "$MEMCHECK_MODE" ] ||
		skip_all "slapd is a system daemon, run neither under valgrind nor with libasan" \
			"preloaded: the plain run has these tests"
	[ -x "$SLAPD" ] || skip_all "slapd not installed"
	for _p in slapadd ldapsearch ldapmodify python3 openssl; do
		command -v $_p >/dev/null 2>&1 || skip_all "$_p not installed"
	done
	for _m in back_mdb syncprov ppolicy; do
		[ -f "$LDAP_MODULES/$_m.la" ] || [ -f "$LDAP_MODULES/$_m.so" ] ||
			skip_all "slapd module $_m not installed"
	done
}

# ---------------------------------------------------------------- TLS

# ldap_tls_init DIR: DIR/ca.pem signs DIR/server.pem (127.0.0.1 and localhost); DIR/other-ca.pem
# is a CA that signed nothing here.
ldap_tls_init() {
	LDAP_TLS=$1
	mkdir -p "$1" || return 1
	for _ca in ca other-ca; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-keyout "$1/$_ca.key" -out "$1/$_ca.pem" -subj "/O=pam_certmap tests/CN=LDAP $_ca" \
			-addext "basicConstraints=critical,CA:true" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
	done
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/server.key" -out "$1/server.csr" -subj "/CN=localhost" 2>/dev/null ||
		return 1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
		> "$1/server.ext"
	openssl x509 -req -in "$1/server.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
		-days 30 -extfile "$1/server.ext" -out "$1/server.pem" 2>/dev/null
}

# ---------------------------------------------------------------- servers

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# slapd_conf DIR [LINES]: the configuration; LINES go before the database.
slapd_conf() {
	cat <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $top_srcdir/tests/data/sync-test.schema
modulepath $LDAP_MODULES
moduleload back_mdb
moduleload syncprov
moduleload ppolicy
pidfile $1/slapd.pid
argsfile $1/slapd.args
TLSCACertificateFile $LDAP_TLS/ca.pem
TLSCertificateFile $LDAP_TLS/server.pem
TLSCertificateKeyFile $LDAP_TLS/server.key
${2:-}
database mdb
suffix "$LDAP_SUFFIX"
rootdn "$LDAP_ADMIN"
rootpw admin-secret
directory $1/db
maxsize 1073741824
index objectClass eq
index entryCSN,entryUUID eq
limits dn.exact="$LDAP_LIMITED" size.soft=3 size.hard=3 size.prtotal=unlimited
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
overlay syncprov
overlay ppolicy
EOF
}

slapd_base() {
	cat <<EOF
dn: $LDAP_SUFFIX
objectClass: dcObject
objectClass: organization
o: pam_certmap tests
dc: example

dn: $LDAP_PEOPLE
objectClass: organizationalUnit
ou: people

dn: $LDAP_READER
objectClass: person
objectClass: simpleSecurityObject
cn: reader
sn: reader
userPassword: $(cat "$1/reader.pw")

dn: $LDAP_LIMITED
objectClass: person
objectClass: simpleSecurityObject
cn: limited
sn: limited
userPassword: $(cat "$1/reader.pw")
EOF
}

# slapd_start DIR [CONF LINES [LDIF FILE]]: a new server in DIR, its database loaded with
# LDIF FILE too when given.  DIR/ldap and DIR/ldaps hold its URIs,
# DIR/pid its PID, DIR/reader.pw the password of LDAP_READER and LDAP_LIMITED (root's, 0600),
# DIR/admin.pw LDAP_ADMIN's.
slapd_start() {
	_sd=$1
	mkdir -p "$_sd/db" || return 1
	printf 'reader-%s\n' "$(openssl rand -hex 12)" > "$_sd/reader.pw" &&
		chmod 0600 "$_sd/reader.pw" || return 1
	printf 'admin-secret' > "$_sd/admin.pw" && chmod 0600 "$_sd/admin.pw" || return 1
	slapd_conf "$_sd" "${2:-}" > "$_sd/slapd.conf" || return 1
	slapd_base "$_sd" | env -u LD_PRELOAD slapadd -q -f "$_sd/slapd.conf" 2>"$_sd/slapadd.err" ||
		{ cat "$_sd/slapadd.err" >&2; return 1; }
	if [ -n "${3:-}" ]; then
		env -u LD_PRELOAD slapadd -q -f "$_sd/slapd.conf" -l "$3" 2>"$_sd/slapadd.err" ||
			{ cat "$_sd/slapadd.err" >&2; return 1; }
	fi
	# a port another test took in between is tried again with new ones
	for _try in 1 2 3 4 5; do
		_p1=$(free_port) && _p2=$(free_port) || return 1
		env -u LD_PRELOAD "$SLAPD" -f "$_sd/slapd.conf" -d 0 \
			-h "ldap://127.0.0.1:$_p1/ ldaps://127.0.0.1:$_p2/" > "$_sd/slapd.log" 2>&1 &
		echo $! > "$_sd/pid"
		SLAPD_DIRS="$SLAPD_DIRS $_sd"
		echo "ldap://127.0.0.1:$_p1" > "$_sd/ldap"
		echo "ldaps://127.0.0.1:$_p2" > "$_sd/ldaps"
		_i=0
		while [ $_i -lt 100 ]; do
			kill -0 "$(cat "$_sd/pid")" 2>/dev/null || break
			if ldap_up "$_sd"; then
				return 0
			fi
			sleep 0.1
			_i=$((_i + 1))
		done
		slapd_stop "$_sd"
	done
	cat "$_sd/slapd.log" >&2
	return 1
}

ldap_up() {
	LDAPTLS_CACERT=$LDAP_TLS/ca.pem env -u LD_PRELOAD ldapsearch -x -H "$(cat "$1/ldaps")" -b "" -s base \
		-o nettimeout=2 >/dev/null 2>&1
}

# slapd_stop DIR: stop it by its PID (woken first, if it was stopped).
slapd_stop() {
	[ -f "$1/pid" ] || return 0
	_sp=$(cat "$1/pid")
	kill -CONT "$_sp" 2>/dev/null
	kill "$_sp" 2>/dev/null
	wait "$_sp" 2>/dev/null
	rm -f "$1/pid"
}

slapd_stop_all() {
	for _sd in $SLAPD_DIRS; do
		slapd_stop "$_sd"
	done
}

# ldap_modify DIR < LDIF: changes (changetype lines) made as the administrator.
ldap_modify() {
	LDAPTLS_CACERT=$LDAP_TLS/ca.pem env -u LD_PRELOAD ldapmodify -x -H "$(cat "$1/ldaps")" \
		-D "$LDAP_ADMIN" -y "$1/admin.pw" >"$T/ldapmodify.out" 2>&1 ||
		{ cat "$T/ldapmodify.out" >&2; return 1; }
}

# ---------------------------------------------------------------- entries

# ldap_b64 CERTFILE: the DER certificate in base64, as LDIF carries binary values.
ldap_b64() {
	openssl x509 -in "$1" -outform DER | openssl base64 -A
}

# user_ldif UID CERTFILES [MORE LINES]: the LDIF that adds user UID with the certificates
# (space-separated PEM files, may be none) and MORE attribute lines.
user_ldif() {
	printf 'dn: uid=%s,%s\nchangetype: add\nobjectClass: inetOrgPerson\n' "$1" "$LDAP_PEOPLE"
	printf 'objectClass: certmapTestAccount\nuid: %s\ncn: %s\nsn: %s\nsAMAccountName: %s\n' \
		"$1" "$1" "$1" "$1"
	for _c in $2; do
		printf 'userCertificate;binary:: %s\n' "$(ldap_b64 "$_c")"
	done
	[ -z "${3:-}" ] || printf '%s\n' "$3"
	printf '\n'
}
