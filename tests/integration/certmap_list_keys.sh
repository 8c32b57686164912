#!/bin/sh
# certmap_list_keys.sh - certmap list [--json], certmap keys USER against ssh-keygen's
# reading of the same keys, and check's words for dead entries (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh and pki.sh are found through $top_srcdir

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

CERTMAP=$top_builddir/certmap/certmap
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
have_nss_wrapper || skip_all "nss_wrapper not found"
umask 022
# Debian's python3, whatever else is first on PATH.
PYTHON=/usr/bin/python3
SSHKEYGEN=$(command -v ssh-keygen)

# ---------------------------------------------------------------- helpers

# cm ARGS...: run certmap with the test users; rc, $T/out and $T/err hold the outcome.
cm() {
	env LD_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB" $MEMCHECK "$CERTMAP" "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
}

# field N LINE: the Nth TAB-separated field of line LINE of stdout
field() { sed -n "$2p" "$T/out" | cut -f "$1"; }

# ---------------------------------------------------------------- certificates

P=$T/pki
pki_init "$P" || bail "cannot make the test CA"

# mk NAME CN KEY [STARTDATE ENDDATE]: $P/NAME.pem, issued by the test CA for a key of its
# own (KEY: rsa2048, p256, p384, p521 or ed25519).
# shellcheck disable=SC2086 # $_dates holds options, split on purpose
mk() {
	_n=$1 _cn=$2 _k=$3
	_dates="-startdate $(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
	[ $# -eq 5 ] && _dates="-startdate $4 -enddate $5"
	case $_k in
	rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 ;;
	p256 | p384 | p521) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:P-${_k#p}" ;;
	ed25519) openssl genpkey -algorithm ED25519 ;;
	*) bail "mk: unknown key type $_k" ;;
	esac >"$P/$_n.key" 2>/dev/null || bail "cannot make the key of $_n"
	openssl req -config "$PKI/ca.cnf" -new -key "$P/$_n.key" -subj "/CN=$_cn" \
		-out "$P/$_n.csr" 2>/dev/null || bail "cannot make the request of $_n"
	openssl ca -config "$PKI/ca.cnf" -batch -notext $_dates \
		-subj "/O=pam_certmap tests/CN=$_cn" -in "$P/$_n.csr" -out "$P/$_n.pem" \
		>/dev/null 2>&1 || bail "cannot issue certificate $_n"
	[ -s "$P/$_n.pem" ] || bail "certificate $_n is empty"
}

mk rsa "alice rsa" rsa2048
mk p256 "alice p256" p256
mk p384 "alice p384" p384
mk p521 "alice p521" p521
mk ed "alice ed25519" ed25519
mk off "alice disabled" p256
mk old "alice expired" p256 20200101000000Z 20210101000000Z
mk future "alice future" p256 20900101000000Z 20910101000000Z
mk bob "bob" p256
mk dave "dave" p256
mk inner "alice inner" p256
mk carol "carol" p256

b64() { pki_b64 "$P/$1.pem"; }
THUMB=$(openssl x509 -in "$P/bob.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

# The authorized_keys line OpenSSH derives from the certificate's key, with the
# certificate's RFC 2253 subject as the comment.
ssh_line() {
	openssl x509 -in "$P/$1.pem" -pubkey -noout >"$T/$1.pub" || return 1
	_key=$("$SSHKEYGEN" -i -m PKCS8 -f "$T/$1.pub") || return 1
	_subj=$(openssl x509 -in "$P/$1.pem" -noout -subject -nameopt RFC2253) || return 1
	printf '%s %s\n' "$(echo "$_key" | cut -d' ' -f1,2)" "${_subj#subject=}"
}

# expect NAME...: $T/want holds the lines of the certificates NAME... in that order.
expect() {
	: >"$T/want"
	for _c in "$@"; do
		ssh_line "$_c" >>"$T/want" || bail "ssh-keygen cannot read the key of $_c"
	done
}

# mkmap NAME < CONTENT: $T/NAME.xml, root-owned 0644.
mkmap() {
	mapfile_write "$T/$1.xml"
}

# sec ATTRIBUTES < ADDS: the section at a level of a full configuration.
sec() {
	printf '<system.webServer><security><authentication>\n'
	printf '<iisClientCertificateMappingAuthentication %s>\n<oneToOneMappings>\n' "$1"
	cat
	printf '</oneToOneMappings>\n</iisClientCertificateMappingAuthentication>\n'
	printf '</authentication></security></system.webServer>\n'
}

# loc PATH ATTRIBUTES < ADDS
loc() {
	printf '<location path="%s">\n' "$1"
	sec "$2"
	printf '</location>\n'
}

# ---------------------------------------------------------------- mapping files

# Every kind of entry keys must weigh, at the top level and at locations.
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<configuration>'
	sec 'enabled="true" defaultLogonDomain="EXAMPLE"' <<EOF
<add userName="alice" certificate="$(b64 rsa)" />
<add userName="EXAMPLE\\alice" certificate="$(b64 p256)" />
<add userName="alice" enabled="false" certificate="$(b64 off)" />
<add userName="alice" certificate="$(b64 old)" />
<add userName="alice" certificate="$(b64 future)" />
<add userName="alice" certificate="$(b64 p384)" />
<add userName="bob" certificate="$(b64 bob)" />
<add userName="alice" certificate="$THUMB" />
<add userName="alice" certificate="$(b64 ed)" />
<add userName="EXAMPLE\\dave" certificate="$(b64 dave)" />
<add userName="alice" certificate="$(b64 p521)" />
<add certificate="$(b64 carol)" />
EOF
	loc cleared '' <<EOF
<clear />
<add userName="alice" certificate="$(b64 inner)" />
EOF
	loc off 'enabled="false"' </dev/null
	loc o2ooff 'oneToOneCertificateMappingsEnabled="false"' </dev/null
	loc other 'defaultLogonDomain="OTHER"' </dev/null
	echo '</configuration>'
} | mkmap keys

# For list: one entry of each status, names that JSON must escape.
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<configuration>'
	sec 'enabled="true"' <<EOF
<add userName="alice" certificate="$(b64 rsa)" />
<add userName="alice" enabled="false" certificate="$(b64 off)" />
<add userName="alice" certificate="$(b64 old)" />
<add userName="alice" certificate="$(b64 future)" />
<add userName="bob" certificate="$THUMB" />
<add userName="bob" certificate="AAAA" />
<add certificate="$(b64 carol)" />
EOF
	loc Site/App '' <<EOF
<add userName="q&quot;b\\s&#9;t&#10;n&#13;&#127;&#xe9;" certificate="$(b64 p256)" />
EOF
	echo '</configuration>'
} | mkmap list

mkmap empty <<EOF
<iisClientCertificateMappingAuthentication enabled="true" />
EOF

mkmap invalid <<EOF
<iisClientCertificateMappingAuthentication enabled="maybe">
  <oneToOneMappings />
</iisClientCertificateMappingAuthentication>
EOF

cp "$T/list.xml" "$T/gw.xml" || bail "cannot copy list.xml"
chmod 0664 "$T/gw.xml" || bail "cannot chmod gw.xml"

# Dead values at lines 6 to 10 (the PEM one last: it spans lines), one at a location.
A=$(b64 rsa)
A_SHORT=$(printf '%s' "$A" | cut -c1-400)
{
	echo '<?xml version="1.0"?>'
	echo '<configuration>'
	sec 'enabled="true"' <<EOF
<add userName="alice" certificate="$(printf '%s' "$A" | tr '+/' '-_')" />
<add userName="alice" certificate="$THUMB" />
<add userName="alice" certificate="$A_SHORT" />
<add userName="alice" certificate="${A_SHORT}x" />
<add userName="alice" certificate="$(cat "$P/rsa.pem")" />
EOF
	loc app '' <<EOF
<add userName="a b" certificate="$(openssl x509 -in "$P/rsa.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g')" />
EOF
	echo '</configuration>'
} | mkmap dead

# ---------------------------------------------------------------- list

cm -f "$T/list.xml" list
t "list: exit 0, one line per entry" 'rc_is 0 && out_lines 8 && err_empty'
t "list: seven TAB-separated fields on every line" \
	'[ "$(awk -F"\t" "NF != 7" "$T/out" | wc -l)" -eq 0 ]'
# subject NAME, issuer NAME: as openssl prints them in RFC 2253 form
subject() { openssl x509 -in "$P/$1.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
issuer() { openssl x509 -in "$P/$1.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//'; }
t "list: a valid entry: location /, user, enabled, SHA-256, subject, notAfter, ok" \
	'[ "$(sed -n 1p "$T/out")" = "$(printf "/\talice\tenabled\t%s\t%s\t%s\tok" \
		"$(pki_sha256 "$P/rsa.pem")" "$(subject rsa)" \
		"$(date -u -d "$(openssl x509 -in "$P/rsa.pem" -noout -enddate | cut -d= -f2)" \
			+%Y-%m-%dT%H:%M:%SZ)")" ]'
t "list: a disabled entry says disabled twice" \
	'[ "$(field 3 2)" = disabled ] && [ "$(field 7 2)" = disabled ]'
t "list: an expired certificate is expired, with its notAfter" \
	'[ "$(field 6 3)" = 2021-01-01T00:00:00Z ] && [ "$(field 7 3)" = expired ]'
t "list: a certificate not yet valid is expired too (outside its validity period)" \
	'[ "$(field 6 4)" = 2091-01-01T00:00:00Z ] && [ "$(field 7 4)" = expired ]'
t "list: a thumbprint is dead, with - for SHA-256, subject and notAfter" \
	'[ "$(sed -n 5p "$T/out")" = "$(printf "/\tbob\tenabled\t-\t-\t-\tdead")" ]'
t "list: base64 that is no certificate is dead" '[ "$(field 7 6)" = dead ]'
t "list: no userName is -" '[ "$(field 2 7)" = - ] && [ "$(field 7 7)" = ok ]'
t "list: the location as written, control characters escaped" \
	'[ "$(field 1 8)" = Site/App ] && [ "$(field 2 8)" = "q\"b\\s\\x09t\\x0an\\x0d\\x7fé" ]'

cm -f "$T/list.xml" -l nowhere list
t "list: -l does not matter" 'rc_is 0 && out_lines 8'

cm -f "$T/list.xml" list --json
if [ -x "$PYTHON" ]; then
	cp "$T/out" "$T/list.json"
	"$PYTHON" -m json.tool "$T/list.json" >/dev/null 2>"$T/err"
	rc=$?
	t "list --json: parses (python3 -m json.tool)" 'rc_is 0'
	"$PYTHON" - "$T/list.json" "$(pki_sha256 "$P/rsa.pem")" "$(subject rsa)" "$(issuer rsa)" \
		>"$T/out" 2>"$T/err" <<'EOF'
import json, sys
entries = json.load(open(sys.argv[1], encoding="utf-8"))
keys = {"location", "userName", "enabled", "sha256", "subject", "issuer", "notAfter", "status"}
assert len(entries) == 8, len(entries)
for e in entries:
    assert set(e) == keys, sorted(e)
assert [e["status"] for e in entries] == \
    ["ok", "disabled", "expired", "expired", "dead", "dead", "ok", "ok"], entries
first = entries[0]
assert first["location"] == "" and first["userName"] == "alice" and first["enabled"] is True
assert first["sha256"] == sys.argv[2], first
assert first["subject"] == sys.argv[3] and "CN=alice rsa" in sys.argv[3], first
assert first["issuer"] == sys.argv[4] and "CN=Test CA" in sys.argv[4], first
assert entries[1]["enabled"] is False
assert entries[2]["notAfter"] == "2021-01-01T00:00:00Z"
dead = entries[4]
assert dead["sha256"] is None and dead["subject"] is None and dead["issuer"] is None
assert dead["notAfter"] is None and dead["userName"] == "bob"
assert entries[6]["userName"] is None
assert entries[7]["location"] == "Site/App"
assert entries[7]["userName"] == "q\"b\\s\tt\nn\r\x7f\u00e9", repr(entries[7]["userName"])
print("ok")
EOF
	rc=$?
	t "list --json: the eight keys, statuses, nulls, escapes" 'rc_is 0 && out_has ok'
else
	tap_skip "list --json: parses (python3 -m json.tool)" "$PYTHON not installed"
	tap_skip "list --json: the eight keys, statuses, nulls, escapes" "$PYTHON not installed"
fi
cm -f "$T/list.xml" list --json
t "list --json: UTF-8 passes through, control characters are escaped" \
	'out_has "\\u007fé\"" && out_has "\\t" && out_has "\\n" && out_has "\\r"'
cm -f "$T/empty.xml" list --json
t "list --json of a file without entries: []" 'rc_is 0 && [ "$(cat "$T/out")" = "[]" ]'
cm -f "$T/empty.xml" list
t "list of a file without entries: nothing, exit 0" 'rc_is 0 && out_empty'
cm -f "$T/invalid.xml" list
t "list of an invalid file: exit 1, certmap: FILE:LINE:COL: reason" \
	'rc_is 1 && out_empty && grep -qE "^certmap: $T/invalid.xml:1:[0-9]+: ." "$T/err"'
cm -f "$T/invalid.xml" list --json
t "list --json of an invalid file: exit 1, nothing on stdout" 'rc_is 1 && out_empty'
cm -f "$T/gw.xml" list
t "list of a group-writable file: exit 1" 'rc_is 1 && out_empty && err_has "$T/gw.xml"'
cm -f "$T/nonexistent.xml" list
t "list of a missing file: exit 1" 'rc_is 1 && err_has "$T/nonexistent.xml"'
cm -f "$T/list.xml" list extra
t "list takes no argument: exit 1, usage" 'rc_is 1 && out_empty && err_has "Usage"'
cm -f "$T/list.xml" list --yaml
t "list --yaml: exit 1, the option named" 'rc_is 1 && err_has "--yaml"'

# ---------------------------------------------------------------- keys

if [ -n "$SSHKEYGEN" ]; then
	cm -f "$T/keys.xml" keys alice
	expect rsa p256 p384 p521
	t "keys alice: RSA-2048, P-256, P-384, P-521 keys as ssh-keygen reads them, exit 0" \
		'rc_is 0 && out_is_file "$T/want" && err_empty'
	t "keys: skips disabled, expired, not yet valid, dead, Ed25519 and others' entries" \
		'out_lines 4'
	t "keys: EXAMPLE\\alice resolves to alice through defaultLogonDomain" \
		'[ "$(sed -n 2p "$T/out")" = "$(ssh_line p256)" ]'
	cm -f "$T/keys.xml" -l other keys alice
	expect rsa p384 p521
	t "keys at a location with another defaultLogonDomain: EXAMPLE\\alice is not alice" \
		'rc_is 0 && out_is_file "$T/want"'
	cm -f "$T/keys.xml" -l cleared/deeper keys alice
	expect inner
	t "keys below a <clear/>: only the entries after it" 'rc_is 0 && out_is_file "$T/want"'
	cm -f "$T/keys.xml" keys bob
	expect bob
	t "keys bob: bob's key only" 'rc_is 0 && out_is_file "$T/want"'
	cm -f "$T/keys.xml" keys 'EXAMPLE\dave'
	expect dave
	t "keys for a winbind-style account name" 'rc_is 0 && out_is_file "$T/want"'
else
	for _n in "keys alice: RSA-2048, P-256, P-384, P-521 keys as ssh-keygen reads them" \
		"keys: skips disabled, expired, not yet valid, dead, Ed25519 and others' entries" \
		"keys: EXAMPLE\\alice resolves to alice through defaultLogonDomain" \
		"keys at a location with another defaultLogonDomain" \
		"keys below a <clear/>" "keys bob" "keys for a winbind-style account name"; do
		tap_skip "$_n" "ssh-keygen not installed (openssh-client)"
	done
fi

cm -f "$T/keys.xml" -l off keys alice
t "keys where the section is disabled: nothing, exit 0" 'rc_is 0 && out_empty && err_empty'
cm -f "$T/keys.xml" -l o2ooff/x keys alice
t "keys where one-to-one mappings are disabled: nothing, exit 0" \
	'rc_is 0 && out_empty && err_empty'
cm -f "$T/keys.xml" keys zed
t "keys for a name that is no account: nothing at all, exit 0" \
	'rc_is 0 && out_empty && err_empty'
cm -f "$T/keys.xml" keys carol
t "keys: an entry without userName maps nobody" 'rc_is 0 && out_empty'
cm -f "$T/keys.xml" keys -v alice
t "keys -v: the same keys on stdout" 'rc_is 0 && out_lines 4'
t "keys -v: says why alice's other entries are skipped, with their lines" \
	'err_has "keys.xml:9: skipped: certificate expired on 2021-01-01" &&
	 err_has "keys.xml:10: skipped: certificate not yet valid" &&
	 err_has "keys.xml:13: skipped: certificate value is not a certificate: " &&
	 err_has "keys.xml:14: skipped: the certificate" && err_has "key is not supported: a key of type ED25519" &&
	 err_has "4 keys for '"'alice'"'"'
t "keys -v: not the disabled entry nor the others' entries" \
	'! err_has "keys.xml:8:" && ! err_has "keys.xml:12:" && ! err_has "keys.xml:15:"'
cm -f "$T/keys.xml" keys --verbose zed
t "keys -v for a name that is no account says so" \
	'rc_is 0 && out_empty && err_has "'"'zed'"' is not a local account"'
cm -f "$T/keys.xml" keys
t "keys without USER: exit 1, usage" 'rc_is 1 && out_empty && err_has "Usage"'
cm -f "$T/keys.xml" keys alice bob
t "keys with two users: exit 1" 'rc_is 1 && out_empty'
cm -f "$T/keys.xml" keys ''
t "keys with an empty USER: exit 1" 'rc_is 1 && out_empty'
cm -f "$T/invalid.xml" keys alice
t "keys with an invalid file: exit 1, the reason on stderr" \
	'rc_is 1 && out_empty && err_has "$T/invalid.xml:1:"'
cm -f "$T/nonexistent.xml" keys alice
t "keys with a missing file: exit 1" 'rc_is 1 && out_empty && err_has "$T/nonexistent.xml"'

# As sshd runs it: AuthorizedKeysCommandUser nobody reads the 0644 file.
if command -v setpriv >/dev/null 2>&1 && NOBODY_GROUP=$(id -gn nobody 2>/dev/null); then
	install -o 0 -g 0 -m 0755 "$CERTMAP" "$T/certmap" || bail "install certmap"
	(cd / && env LD_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB" setpriv --reuid=nobody \
		--regid="$NOBODY_GROUP" --clear-groups $MEMCHECK \
		"$T/certmap" -f "$T/keys.xml" keys alice) \
		>"$T/out" 2>"$T/err"
	rc=$?
	t "keys run as nobody, as AuthorizedKeysCommandUser: the same 4 keys" \
		'rc_is 0 && out_lines 4 && err_empty'
else
	tap_skip "keys run as nobody, as AuthorizedKeysCommandUser" "setpriv or nobody missing"
fi

# ---------------------------------------------------------------- check: dead entries

cm -f "$T/dead.xml" check
# shellcheck disable=SC2034 # used in the conditions that t evaluates
ADD="certmap -f $T/dead.xml add --user alice CERT.pem"
# the error about line $1 of the file
diag_of() { grep "^$T/dead.xml:$1: error: " "$T/out"; }
t "check: base64url: why, which characters to change, and the command that maps it again" \
	'rc_is 1 && diag_of 6 | grep -F "base64url" | grep -F "'"'+' for '-'"'" |
	 grep -qF "delete this <add> and run: $ADD"'
t "check: a thumbprint: says it is a hash, and certmap add" \
	'diag_of 7 | grep -F "thumbprint (a hash)" | grep -qF "$ADD"'
t "check: base64 cut short at a group of four: truncated, with the lengths" \
	'diag_of 8 | grep -E "truncated: the certificate is [0-9]+ bytes long" |
	 grep -F "the value holds 300" | grep -qF "$ADD"'
t "check: a character too many: truncated or a character too many" \
	'diag_of 9 | grep -F "truncated or has a character too many" | grep -qF "$ADD"'
t "check: PEM armour: says so, and how to mend it" \
	'diag_of 10 | grep -F "not a certificate: the value still has PEM armour" |
	 grep -F "remove the -----BEGIN/END CERTIFICATE----- lines" | grep -qF "$ADD"'
t "check: at a location the command has -l, and quotes a name with a space" \
	'out_has "run: certmap -f $T/dead.xml -l app add --user '"'a b'"' CERT.pem"'
t "check: six dead entries, six errors" 'out_has "6 errors"'

tap_done
