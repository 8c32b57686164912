#!/bin/sh
# sync_config.sh - certmap sync without a directory server: every configuration error
# named with its line, unsafe password files refused, an unreachable server leaving the
# file as it was, and what certmap check says of sync regions (markers, staleness, sync
# conflicts).  No daemon, so it runs under the memory checkers too (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh and pki.sh are found through $top_srcdir
# shellcheck disable=SC2034 # some variables are read only in t's conditions

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

CERTMAP=$top_builddir/certmap/certmap
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
umask 022

cm() {
	$MEMCHECK "$CERTMAP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

P=$T/pki
pki_init "$P" || bail "cannot make the test CA"
for _n in alice bob carol; do
	pki_cert "$_n" "$_n" || bail "cannot make certificate $_n"
done
A=$(pki_b64 "$P/alice.pem") B=$(pki_b64 "$P/bob.pem") C=$(pki_b64 "$P/carol.pem")
printf 'secret-%s\n' "$(openssl rand -hex 8)" > "$T/pw"
chmod 0600 "$T/pw"
# nothing listens there: the port of a socket just closed
CLOSED=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# good NAME: a configuration that would work, were a server there.
good() {
	cat > "$T/$1.conf" <<EOF
# certmap sync, as a test sees it
uri = ldaps://127.0.0.1:$CLOSED
base = dc=example,dc=test
tls_cacert = $P/ca.pem
bind_dn = cn=reader,dc=example,dc=test
bind_password_file = $T/pw
output = $T/$1.xml
state = $T/$1.state
EOF
}

# bad NAME LINE WORDS: a good configuration with LINE added is refused at that line with
# WORDS; nothing is written.
bad() {
	good "$1"
	printf '%s\n' "$2" >> "$T/$1.conf"
	_at="$1.conf:$(wc -l < "$T/$1.conf"): "
	_want=$3
	_made=$T/$1.xml
	cm sync --config "$T/$1.conf"
	t "configuration: $4" 'rc_is 1 && err_has "$_at" && err_has "$_want" && [ ! -e "$_made" ]'
}

# ---------------------------------------------------------------- the configuration

bad unknown "bsae = x" "unknown key 'bsae'" "an unknown key"
bad twice "base = o=other" "base given twice" "a key given twice"
bad noeq "uri ldaps://x" "not 'key = value'" "a line that is not key = value"
bad empty "filter =" "filter has no value" "a key without a value"
bad scheme "uri = ldapi:///" "only ldaps:// and ldap:// (always with StartTLS) are used" \
	"ldapi:// (no TLS) is refused"
bad http "uri = http://127.0.0.1/" "is not an LDAP URI" "a URI of another scheme"
bad nouri "uri = not a uri" "is not an LDAP URI" "a URI that is no URI"
bad dn "uri = ldaps://127.0.0.1/dc=x" "give the server only" "a URI with a DN"
bad timeout "timeout = 0" "timeout must be a whole number from 1 to 3600" "timeout 0"
bad drop "max_drop = 101%" "max_drop must be a whole number from 0 to 100%" \
	"max_drop above 100%"
bad stale "stale_after = two days" "stale_after must be a whole number" "stale_after words"
bad content "content_sync = yes" "content_sync is auto or off" "content_sync yes"
bad attr "user_attribute = uid;x" "is not an attribute name" "a user_attribute with options"

good missing
sed -i '/^tls_cacert/d' "$T/missing.conf"
cm sync --config "$T/missing.conf"
t "configuration: tls_cacert is required" 'rc_is 1 && err_has "tls_cacert is required"'
good nobind
sed -i '/^bind_dn/d' "$T/nobind.conf"
cm sync --config "$T/nobind.conf"
t "configuration: bind_password_file without bind_dn is refused" \
	'rc_is 1 && err_has "bind_dn and bind_password_file go together"'
good cafile
sed -i "s#^tls_cacert.*#tls_cacert = $T/nonexistent.pem#" "$T/cafile.conf"
cm sync --config "$T/cafile.conf"
t "configuration: a tls_cacert that does not exist" \
	'rc_is 1 && err_has "nonexistent.pem: No such file or directory"'
cm sync --config "$T/nonexistent.conf"
t "configuration: a missing file" 'rc_is 1 && err_has "nonexistent.conf: does not exist"'
good writable
chmod 0664 "$T/writable.conf"
cm sync --config "$T/writable.conf"
t "configuration: a file its group can write is refused" \
	'rc_is 1 && err_has "writable by its group"'

# ---------------------------------------------------------------- the password file

good pwopen
cp "$T/pw" "$T/open.pw"
chmod 0604 "$T/open.pw"
sed -i "s#^bind_password_file.*#bind_password_file = $T/open.pw#" "$T/pwopen.conf"
cm sync --config "$T/pwopen.conf"
t "password file: open to others is refused" \
	'rc_is 1 && err_has "open.pw: open to others (mode 0604)"'
: > "$T/empty.pw"
chmod 0600 "$T/empty.pw"
sed -i "s#^bind_password_file.*#bind_password_file = $T/empty.pw#" "$T/pwopen.conf"
cm sync --config "$T/pwopen.conf"
t "password file: empty is refused (it would make an anonymous bind)" \
	'rc_is 1 && err_has "the password file is empty"'
printf 'one\ntwo\n' > "$T/two.pw"
chmod 0600 "$T/two.pw"
sed -i "s#^bind_password_file.*#bind_password_file = $T/two.pw#" "$T/pwopen.conf"
cm sync --config "$T/pwopen.conf"
t "password file: two lines are refused" 'rc_is 1 && err_has "must hold one line"'
cp "$T/pw" "$T/nobody.pw"
chown nobody "$T/nobody.pw"
sed -i "s#^bind_password_file.*#bind_password_file = $T/nobody.pw#" "$T/pwopen.conf"
cm sync --config "$T/pwopen.conf"
t "password file: not root's is refused" 'rc_is 1 && err_has "not by root"'
ln -s "$T/pw" "$T/link.pw"
sed -i "s#^bind_password_file.*#bind_password_file = $T/link.pw#" "$T/pwopen.conf"
cm sync --config "$T/pwopen.conf"
t "password file: a symbolic link is refused" 'rc_is 1 && err_has "symbolic link"'

# ---------------------------------------------------------------- the command line

cm sync --help
t "sync --help: the help, exit 0" 'rc_is 0 && out_has "sync [--config FILE]"'
cm sync extra
t "sync takes no arguments" 'rc_is 1 && err_has "sync takes no arguments"'
cm sync --max-drop lots
t "--max-drop needs a percentage" 'rc_is 1 && err_has "--max-drop needs a percentage"'
good other
cm -f "$T/elsewhere.xml" sync --config "$T/other.conf"
t "-f and output disagree: refused" 'rc_is 1 && err_has "disagree"'

# ---------------------------------------------------------------- no server

good down
cm sync --config "$T/down.conf"
t "an unreachable server and no file: exit 1, no file made" \
	'rc_is 1 && err_has "cannot connect" && err_has "left unchanged" && [ ! -e "$T/down.xml" ]'
map_simple "$T/down.xml" <<EOF
$(xml_add "$P/alice.pem" alice)
EOF
cp "$T/down.xml" "$T/down.orig"
cm sync --config "$T/down.conf"
t "an unreachable server: exit 1, the file byte for byte as it was" \
	'rc_is 1 && cmp -s "$T/down.xml" "$T/down.orig"'
t "an unreachable server: the password is in no message" \
	'! grep -qF "$(cat "$T/pw")" "$T/out" "$T/err"'

# ---------------------------------------------------------------- the state

# A state as a content synchronisation leaves it, read before the (closed) server is tried.
b64() { printf '%s' "$1" | openssl base64 -A; }
state_write() {
	{
		printf 'certmap-sync-state 1 %s\n' "$(printf 'certmap-sync-state 1\0%s\0%s\0%s\0' \
			dc=example,dc=test '(userCertificate;binary=*)' uid |
			openssl dgst -sha256 -r | cut -c1-64)"
		printf 'cookie %s\n' "$(b64 rid=000,csn=20261201000000.000000Z#000000#000#000000)"
		printf 'e 00112233445566778899aabbccddeeff %s\n' "$(b64 uid=alice,dc=example,dc=test)"
		printf 'u %s\nc %s\nx %s\n' "$(b64 alice)" "$A" "$(b64 junk)"
		printf 'a %s\nl %s\np\n' "$(b64 514)" "$(b64 TRUE)"
		printf 'e ffeeddccbbaa99887766554433221100 =\nn %s\n' "$B"
	} > "$T/state.body"
	{
		cat "$T/state.body"
		printf 'end 2 %s\n' "$(openssl dgst -sha256 -r < "$T/state.body" | cut -c1-64)"
	} > "$1"
	chmod 0600 "$1"
}
good stated
state_write "$T/stated.state"
cm sync --config "$T/stated.conf"
t "a state is read whole before the server is asked" \
	'rc_is 1 && err_has "cannot connect" && ! err_has "damaged"'
sed -i 's/^u .*/u Ym9i/' "$T/stated.state"
cm sync --config "$T/stated.conf"
t "a state whose digest does not match is damaged" \
	'rc_is 1 && err_has "stated.state: damaged; a full refresh follows"'
chmod 0666 "$T/stated.state"
cm sync --config "$T/stated.conf"
t "a state others can write is not read" \
	'rc_is 1 && err_has "stated.state: writable by others"'

# ---------------------------------------------------------------- the examples# ---------------------------------------------------------------- the examples

# Each example, with its files and servers replaced by the test's: it parses, and the sync
# gets as far as the (closed) server.
for _ex in ad freeipa openldap; do
	sed -e "s#^uri = .*#uri = ldaps://127.0.0.1:$CLOSED#" \
		-e "s#^tls_cacert = .*#tls_cacert = $P/ca.pem#" \
		-e "s#^bind_password_file = .*#bind_password_file = $T/pw#" \
		-e "s#^output = .*#output = $T/ex-$_ex.xml#" \
		-e "s#^state = .*#state = $T/ex-$_ex.state#" \
		"$top_srcdir/examples/certmap-sync/$_ex.conf" > "$T/ex-$_ex.conf"
	grep -q '^state = ' "$T/ex-$_ex.conf" || echo "state = $T/ex-$_ex.state" >> "$T/ex-$_ex.conf"
	cm sync --config "$T/ex-$_ex.conf"
	t "examples/certmap-sync/$_ex.conf is a valid configuration" \
		'rc_is 1 && err_has "127.0.0.1:$CLOSED: cannot connect" && ! err_has ".conf:"'
done

# ---------------------------------------------------------------- check: sync regions

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
BEGIN="<!-- certmap-sync begin last-sync=$NOW stale-after=48h: from the directory -->"
END="<!-- certmap-sync end -->"
# region_file NAME < LINES: a bare section whose <oneToOneMappings> holds LINES.
region_file() {
	map_simple "$T/$1.xml"
}

region_file fresh <<EOF
<add userName="alice" certificate="$A" />
$BEGIN
<add userName="bob" certificate="$B" />
$END
EOF
cm -f "$T/fresh.xml" check
t "check: a region synced now is fine" 'rc_is 0 && ! out_has "certmap sync"'

region_file old <<EOF
<!-- certmap-sync begin last-sync=2021-03-04T05:06:07Z stale-after=24h: x -->
<add userName="bob" certificate="$B" />
$END
EOF
cm -f "$T/old.xml" check
t "check: a last sync older than stale-after: a warning on the marker's line" \
	'rc_is 0 && out_has "old.xml:4: warning: the last successful certmap sync was at 2021-03-04T05:06:07Z, more than 24 hours ago"'

region_file untimed <<EOF
<!-- certmap-sync begin: no time -->
$END
EOF
cm -f "$T/untimed.xml" check
t "check: a region that does not say when it was synced: a warning" \
	'rc_is 0 && out_has "does not say when it was last synced"'

region_file conflict <<EOF
<add userName="alice" certificate="$B" />
$BEGIN
<add userName="bob" certificate="$B" />
$END
EOF
cm -f "$T/conflict.xml" check
t "check: one certificate by hand and from the sync: a sync conflict on the hand's line" \
	'rc_is 1 && out_has "conflict.xml:4: error: sync conflict: this certificate is also one certmap sync wrote from the directory (line 6, in the region of line 5)"'

# levels NAME SYNC_LEVEL HAND_LEVEL: carol's certificate in the sync's region at one level
# and by hand at another ("" is the top level).
levels() {
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<configuration>'
		for _l in "$2" "$3"; do
			[ -n "$_l" ] && echo "<location path=\"$_l\">"
			echo '<system.webServer><security><authentication>'
			echo '<iisClientCertificateMappingAuthentication enabled="true">'
			echo '<oneToOneMappings>'
			if [ "$_l" = "$2" ]; then
				echo "$BEGIN"
				echo "<add userName=\"carol\" certificate=\"$C\" />"
				echo "$END"
			else
				echo "<add userName=\"hand\" certificate=\"$C\" />"
			fi
			echo '</oneToOneMappings></iisClientCertificateMappingAuthentication>'
			echo '</authentication></security></system.webServer>'
			[ -n "$_l" ] && echo '</location>'
		done
		echo '</configuration>'
	} | mapfile_write "$T/$1.xml"
}
levels below "" web
cm -f "$T/below.xml" check
t "check: a hand entry at a level below the sync's is a conflict too" \
	'rc_is 1 && out_has "error: sync conflict"'
levels above web ""
cm -f "$T/above.xml" check
t "check: a hand entry at a level above the sync's is a conflict too" \
	'rc_is 1 && out_has "error: sync conflict"'
levels apart web other
cm -f "$T/apart.xml" check
t "check: the same certificate at an unrelated level is no conflict" \
	'rc_is 0 && ! out_has "sync conflict"'

region_file orphan <<EOF
$END
EOF
cm -f "$T/orphan.xml" check
t "check: an end marker without its begin marker" \
	'rc_is 1 && out_has "orphan.xml:4: error: a '"'certmap-sync end'"' marker without its '"'certmap-sync begin'"'"'

region_file open <<EOF
$BEGIN
<add userName="bob" certificate="$B" />
EOF
cm -f "$T/open.xml" check
t "check: a begin marker without its end marker" \
	'rc_is 1 && out_has "marker has no '"'certmap-sync end'"' before </oneToOneMappings>"'

region_file double <<EOF
$BEGIN
$END
$BEGIN
$END
EOF
cm -f "$T/double.xml" check
t "check: two sync regions at one level" \
	'rc_is 1 && out_has "a second certmap sync region at this level"'

{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo "$BEGIN"
	echo '<iisClientCertificateMappingAuthentication enabled="true"><oneToOneMappings/>'
	echo '</iisClientCertificateMappingAuthentication>'
} | mapfile_write "$T/outside.xml"
cm -f "$T/outside.xml" check
t "check: a marker outside <oneToOneMappings>" \
	'rc_is 1 && out_has "marker outside a <oneToOneMappings> of the section"'

tap_done
