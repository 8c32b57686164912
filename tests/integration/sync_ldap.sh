#!/bin/sh
# sync_ldap.sh - certmap sync against a real slapd (SPEC 4.1): entries, renewals, disabled
# accounts, shared certificates, changes and incremental syncs, size limits, the
# coexistence with hand-written entries, every failure leaving the file as it was, the
# password kept out of sight, and the module authenticating a synced user (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh, pki.sh and slapd.sh are found through $top_srcdir
# shellcheck disable=SC2034 # some variables are read only in t's conditions

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/slapd.sh"
need_slapd
trap 'slapd_stop_all; lib_cleanup' EXIT

CERTMAP=$top_builddir/certmap/certmap
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
umask 022

# ---------------------------------------------------------------- helpers

cm() {
	"$CERTMAP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

same() { cmp -s "$1" "$2"; }
sha() { pki_sha256 "$P/$1.pem"; }
# entry FILE USER CERT STATE: certmap list shows USER's entry for CERT, enabled or disabled.
entry() {
	"$CERTMAP" -f "$1" list 2>/dev/null | cut -f2-4 |
		grep -qxF "$2	$4	$(sha "$3")"
}
# no_cert FILE CERT: no entry of the file holds CERT.
no_cert() {
	! "$CERTMAP" -f "$1" list 2>/dev/null | cut -f4 | grep -qxF "$(sha "$2")"
}
lookup_is() {
	[ "$("$CERTMAP" -f "$1" lookup "$P/$2.pem" 2>/dev/null)" = "$3" ]
}
entries() { "$CERTMAP" -f "$1" list 2>/dev/null | wc -l; }
# index_current FILE: FILE's look-up index is there, and certmap check has nothing to say of
# it (stale, corrupt, or its content not the file's would be a warning)
index_current() {
	[ -f "$1.cdb" ] && ! "$CERTMAP" -f "$1" check 2>&1 | grep -q "look-up index"
}
# region FILE: the lines from the begin marker to the end marker, without the begin marker
# (it holds the time of the sync).
region() { sed -n '/certmap-sync begin/,/certmap-sync end/p' "$1" | sed 1d; }
# outside FILE: every line but the region's.
outside() { sed '/certmap-sync begin/,/certmap-sync end/d' "$1"; }

# conf NAME [KEY=VALUE]...: $T/NAME.conf for the test server, output $T/NAME.xml and state
# $T/NAME.state unless a KEY says otherwise ("KEY=" leaves the key out).
conf() {
	_cn=$1
	shift
	_given=" $* "
	{
		for _kv in "uri=$(cat "$S/ldaps")" "base=$LDAP_SUFFIX" "tls_cacert=$LDAP_TLS/ca.pem" \
			"bind_dn=$LDAP_READER" "bind_password_file=$S/reader.pw" \
			"output=$T/$_cn.xml" "state=$T/$_cn.state" "timeout=3"; do
			case $_given in *" ${_kv%%=*}="*) continue ;; esac
			printf '%s = %s\n' "${_kv%%=*}" "${_kv#*=}"
		done
		for _kv in "$@"; do
			[ -n "${_kv#*=}" ] && printf '%s = %s\n' "${_kv%%=*}" "${_kv#*=}"
		done
	} > "$T/$_cn.conf"
}

sync_run() {
	cm sync --config "$T/$1.conf"
}

# t_unchanged NAME FILE COPY WORDS: the last run failed (exit 1), said WORDS, and left FILE
# byte for byte as COPY.
t_unchanged() {
	t "$1" "rc_is 1 && same '$2' '$3' && err_has '$4' && err_has 'left unchanged'"
}

# ---------------------------------------------------------------- fixtures

P=$T/pki
pki_init "$P" || bail "cannot make the test CA"
for _n in alice bob bob2 carol dave shared frank gina hank ivan judy kim lee mo; do
	pki_cert "$_n" "$_n" || bail "cannot make certificate $_n"
done
# Certificate-shaped for OpenLDAP's syntax check, which looks at the outer tags only; its
# AlgorithmIdentifier and names are empty SEQUENCEs, which no X.509 parser takes.
NOT_A_CERT=MBQwDQIBATAAMAAwADAAMAAwAAMBAA==
ldap_tls_init "$T/tls" || bail "cannot make the LDAP server's certificates"
S=$T/ldap
slapd_start "$S" || bail "slapd did not start"
LDAP_URI=$(cat "$S/ldap")
LDAPS_URI=$(cat "$S/ldaps")

{
	user_ldif alice "$P/alice.pem"
	user_ldif bob "$P/bob.pem $P/bob2.pem"
	user_ldif carol "$P/carol.pem $P/shared.pem"
	user_ldif dave "$P/dave.pem $P/shared.pem"
	user_ldif erin ""
	user_ldif frank "$P/frank.pem" "userAccountControl: 514"
	user_ldif gina "$P/gina.pem" "nsAccountLock: TRUE"
	user_ldif hank "$P/hank.pem" "pwdAccountLockedTime: 20250101000000Z"
	user_ldif ivan "$P/ivan.pem" "userCertificate;binary:: $NOT_A_CERT"
	user_ldif judy "$P/judy.pem" "userAccountControl: 512"
} | ldap_modify "$S" || bail "cannot add the directory's users"

# ---------------------------------------------------------------- the first sync

conf first
sync_run first
t "first sync: exit 0" 'rc_is 0'
t "first sync: a full content synchronisation, said on stdout" \
	'out_has "full content synchronisation" && out_has "$T/first.xml"'
t "first sync: the new file is root's, mode 0644" \
	'[ "$(stat -c "%u %a" "$T/first.xml")" = "0 644" ]'
t "first sync: the file validates" '"$CERTMAP" -f "$T/first.xml" check >/dev/null 2>&1'
t "first sync: the file's look-up index is written, and current" 'index_current "$T/first.xml"'
t "first sync: the state file is root's, mode 0600" \
	'[ "$(stat -c "%u %a" "$T/first.state")" = "0 600" ]'
t "a user's certificate maps to the user" 'lookup_is "$T/first.xml" alice alice'
t "renewal: both certificates of a user map to the user" \
	'entry "$T/first.xml" bob bob enabled && entry "$T/first.xml" bob bob2 enabled'
t "AD userAccountControl with bit 0x2: enabled=\"false\"" \
	'entry "$T/first.xml" frank frank disabled'
t "389-ds/FreeIPA nsAccountLock: TRUE: enabled=\"false\"" \
	'entry "$T/first.xml" gina gina disabled'
t "OpenLDAP ppolicy pwdAccountLockedTime: enabled=\"false\"" \
	'entry "$T/first.xml" hank hank disabled'
t "userAccountControl without bit 0x2: enabled" 'entry "$T/first.xml" judy judy enabled'
t "a disabled account does not map" \
	'! "$CERTMAP" -f "$T/first.xml" lookup "$P/frank.pem" >/dev/null 2>&1'
t "a certificate held by two users is left out of both" \
	'no_cert "$T/first.xml" shared && entry "$T/first.xml" carol carol enabled &&
	 entry "$T/first.xml" dave dave enabled'
t "a certificate held by two users is reported with both entries" \
	'err_has "is held by 2 directory entries" && err_has "uid=carol,$LDAP_PEOPLE" &&
	 err_has "uid=dave,$LDAP_PEOPLE"'
t "a value that is not a certificate is reported and left out" \
	'err_has "uid=ivan,$LDAP_PEOPLE'"'"': value 2 of userCertificate is not a certificate" &&
	 entry "$T/first.xml" ivan ivan enabled'
t "a user with no certificate has no entry (default filter)" \
	'! "$CERTMAP" -f "$T/first.xml" list | cut -f2 | grep -qx erin'
t "first sync: ten entries" '[ "$(entries "$T/first.xml")" -eq 10 ]'

conf all filter="(objectClass=inetOrgPerson)"
sync_run all
t "a user with no certificate: counted, not an error" \
	'rc_is 0 && out_has "1 entries without a certificate" &&
	 ! "$CERTMAP" -f "$T/all.xml" list | cut -f2 | grep -qx erin'

conf ad user_attribute=sAMAccountName content_sync=off
sync_run ad
t "user_attribute sAMAccountName (AD) names the accounts" \
	'rc_is 0 && lookup_is "$T/ad.xml" alice alice && out_has "by search"'

conf starttls "uri=$LDAP_URI"
sync_run starttls
t "ldap:// with StartTLS: synced" 'rc_is 0 && lookup_is "$T/starttls.xml" alice alice'

# ---------------------------------------------------------------- incremental

cp "$T/first.xml" "$T/first.before"
sync_run first
t "second sync without changes: incremental, nothing changed" \
	'rc_is 0 && out_has "incremental content synchronisation (0 changed, 0 deleted, 9 unchanged)"'
t "second sync without changes: the entries are the same bytes" \
	'[ "$(region "$T/first.xml")" = "$(region "$T/first.before")" ]'

ldap_modify "$S" <<EOF || bail "cannot change the directory"
$(user_ldif kim "$P/kim.pem")

dn: uid=dave,$LDAP_PEOPLE
changetype: delete

dn: uid=bob,$LDAP_PEOPLE
changetype: modify
delete: userCertificate;binary
userCertificate;binary:: $(ldap_b64 "$P/bob.pem")

dn: uid=alice,$LDAP_PEOPLE
changetype: modify
add: nsAccountLock
nsAccountLock: TRUE

dn: uid=frank,$LDAP_PEOPLE
changetype: modify
replace: userAccountControl
userAccountControl: 512
EOF
sync_run first
t "changes: an incremental sync brings them" \
	'rc_is 0 && out_has "incremental content synchronisation (4 changed, 1 deleted, 5 unchanged)"'
t "changes: an added user maps" 'lookup_is "$T/first.xml" kim kim'
t "changes: a deleted user's certificates are gone" 'no_cert "$T/first.xml" dave'
t "changes: a shared certificate whose other holder left maps to the one left" \
	'entry "$T/first.xml" carol shared enabled'
t "changes: a certificate removed from a user is gone, the renewed one stays" \
	'no_cert "$T/first.xml" bob && entry "$T/first.xml" bob bob2 enabled'
t "changes: a user locked since is disabled" 'entry "$T/first.xml" alice alice disabled'
t "changes: a user enabled since is enabled" 'entry "$T/first.xml" frank frank enabled'
t "changes: the look-up index is current for the file synced" 'index_current "$T/first.xml"'

conf full output="$T/full.xml" content_sync=off
sync_run full
t "incremental and full syncs write the same entries" \
	'rc_is 0 && out_has "by search" && [ "$(region "$T/full.xml")" = "$(region "$T/first.xml")" ]'

rm -f "$T/first.state"
sync_run first
t "without its state, the sync is a full content synchronisation again" \
	'rc_is 0 && out_has "full content synchronisation" &&
	 [ "$(region "$T/full.xml")" = "$(region "$T/first.xml")" ]'
{ head -n 1 "$T/first.state"; printf 'e garbage\n'; } > "$T/first.damaged"
mv "$T/first.damaged" "$T/first.state"
chmod 0600 "$T/first.state"
sync_run first
t "a damaged state: said, and a full refresh" \
	'rc_is 0 && err_has "damaged; a full refresh follows" && out_has "full content synchronisation"'

# A state without alice, its count mended: only its digest tells.
awk -v dn="e .* $(printf 'uid=alice,%s' "$LDAP_PEOPLE" | openssl base64 -A)" '
	/^e / { skip = ($0 ~ dn) }
	/^end / { sub(/[0-9]+$/, $2 - 1) }
	!skip' "$T/first.state" > "$T/first.old"
mv "$T/first.old" "$T/first.state"
chmod 0600 "$T/first.state"
sync_run first
t "a state changed behind the sync's back (its digest): damaged, and a full refresh" \
	'rc_is 0 && err_has "damaged; a full refresh follows" &&
	 out_has "full content synchronisation" && entry "$T/first.xml" alice alice disabled'

# ---------------------------------------------------------------- size limits

conf limited "bind_dn=$LDAP_LIMITED" content_sync=off
sync_run limited
t "a server size limit below the result: paged results bring every entry" \
	'rc_is 0 && [ "$(entries "$T/limited.xml")" -eq "$(entries "$T/full.xml")" ]'
conf limited2 "bind_dn=$LDAP_LIMITED"
sync_run limited2
t "a size limit stops the content synchronisation: said, and read page by page" \
	'rc_is 0 && err_has "size limit stopped the content synchronisation" &&
	 [ "$(entries "$T/limited2.xml")" -eq "$(entries "$T/full.xml")" ]'

# ---------------------------------------------------------------- hand-written entries

{
	printf '<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- kept: a comment by hand -->\r\n'
	printf '<configuration>\r\n  <location path="web">\r\n    <system.webServer>\r\n'
	printf '      <security>\r\n        <authentication>\r\n'
	printf '          <iisClientCertificateMappingAuthentication enabled="true">\r\n'
	printf '            <oneToOneMappings>\r\n'
	printf '              <add userName="hand" certificate="%s" />\r\n' "$(pki_b64 "$P/lee.pem")"
	printf '            </oneToOneMappings>\r\n'
	printf '          </iisClientCertificateMappingAuthentication>\r\n'
	printf '        </authentication>\r\n      </security>\r\n    </system.webServer>\r\n'
	printf '  </location>\r\n</configuration>\r\n'
} | mapfile_write "$T/hand.xml"
cp "$T/hand.xml" "$T/hand.orig"
conf hand location=web
sync_run hand
t "into a file written by hand: synced at its location" \
	'rc_is 0 && [ "$("$CERTMAP" -f "$T/hand.xml" -l web lookup "$P/judy.pem")" = judy ]'
t "into a file written by hand: every other byte kept (CRLF, comment, entry)" \
	'[ "$(outside "$T/hand.xml" | od -c)" = "$(od -c < "$T/hand.orig")" ]'
t "into a file written by hand: the hand-written entry still maps" \
	'[ "$("$CERTMAP" -f "$T/hand.xml" -l web lookup "$P/lee.pem")" = hand ]'
cm -f "$T/hand.xml" -l web add --user mo "$P/mo.pem"
t "certmap add beside the sync's entries (a certificate the directory does not hold)" \
	'rc_is 0'
cp "$T/hand.xml" "$T/hand.added"
sync_run hand
t "the next sync keeps what certmap add wrote" \
	'rc_is 0 && [ "$(outside "$T/hand.xml")" = "$(outside "$T/hand.added")" ]'

# kim's certificate written by hand as well: the hand-written entry stands.
sed "s#</oneToOneMappings>#  <add userName=\"kimbyhand\" certificate=\"$(pki_b64 "$P/kim.pem")\" />\r\n            </oneToOneMappings>#" \
	"$T/hand.xml" > "$T/hand.tmp"
# The file is invalid now: the same certificate twice in one collection.
mapfile_write "$T/hand.bad" < "$T/hand.tmp"
cm -f "$T/hand.bad" -l web check
t "check: the same certificate by hand and from the directory is a sync conflict" \
	'rc_is 1 && out_has "error: sync conflict" && out_has "Cannot add duplicate collection entry"'
mapfile_write "$T/hand.xml" < "$T/hand.tmp"
sync_run hand
t "sync: a certificate also mapped by hand is left out and reported" \
	'rc_is 0 && err_has "uid=kim,$LDAP_PEOPLE" && err_has "(sync conflict)" &&
	 [ "$("$CERTMAP" -f "$T/hand.xml" -l web lookup "$P/kim.pem")" = kimbyhand ]'
cm -f "$T/hand.xml" check
t "check: after that sync, no conflict is left" '! out_has "sync conflict"'

# ---------------------------------------------------------------- staleness

cm -f "$T/first.xml" check
t "check: a recent sync is not reported" '! out_has "last successful certmap sync"'
sed 's/last-sync=[0-9TZ:-]*/last-sync=2020-01-01T00:00:00Z/' "$T/first.xml" |
	mapfile_write "$T/stale.xml"
cm -f "$T/stale.xml" check
t "check: a last sync older than stale-after is a warning" \
	'rc_is 0 && out_has "warning: the last successful certmap sync was at 2020-01-01T00:00:00Z, more than 48 hours ago"'
sed 's/stale-after=48h/stale-after=80000h/' "$T/stale.xml" | mapfile_write "$T/stale2.xml"
cm -f "$T/stale2.xml" check
t "check: stale-after in the marker sets the limit" '! out_has "last successful certmap sync"'

# ---------------------------------------------------------------- failures

cp "$T/first.xml" "$T/keep.xml"
fail_conf() {
	_fc=$1
	shift
	conf "$_fc" "output=$T/$_fc.xml" "$@"
	cp "$T/keep.xml" "$T/$_fc.xml"
}

CLOSED=$(free_port)
fail_conf unreachable "uri=ldaps://127.0.0.1:$CLOSED"
sync_run unreachable
t_unchanged "unreachable server: exit 1, file unchanged" "$T/unreachable.xml" "$T/keep.xml" \
	"cannot connect"

fail_conf order "uri=ldaps://127.0.0.1:$CLOSED $LDAPS_URI"
sync_run order
t "URIs in order: the first unreachable, the second answers" \
	'rc_is 0 && err_has "127.0.0.1:$CLOSED: cannot connect" && out_has "from $LDAPS_URI"'

fail_conf wrongca "tls_cacert=$LDAP_TLS/other-ca.pem"
sync_run wrongca
t_unchanged "TLS: a server certificate from another CA: exit 1, file unchanged" \
	"$T/wrongca.xml" "$T/keep.xml" "TLS failed"
fail_conf wrongca2 "tls_cacert=$LDAP_TLS/other-ca.pem" "uri=$LDAP_URI"
sync_run wrongca2
t_unchanged "StartTLS: a server certificate from another CA: exit 1, file unchanged" \
	"$T/wrongca2.xml" "$T/keep.xml" "StartTLS failed"
LDAPTLS_REQCERT=never LDAPTLS_CACERT=$LDAP_TLS/ca.pem cm sync --config "$T/wrongca.conf"
t_unchanged "TLS: LDAPTLS_* variables and ldap.conf cannot weaken the check" \
	"$T/wrongca.xml" "$T/keep.xml" "TLS failed"

printf 'wrong-password\n' > "$T/wrong.pw"
chmod 0600 "$T/wrong.pw"
fail_conf badpw "bind_password_file=$T/wrong.pw"
sync_run badpw
t_unchanged "bind refused: exit 1, file unchanged" "$T/badpw.xml" "$T/keep.xml" "bind refused"

kill -STOP "$(cat "$S/pid")"
fail_conf hung timeout=1
sync_run hung
t_unchanged "a server that does not answer (ldaps): timeout, file unchanged" "$T/hung.xml" \
	"$T/keep.xml" "(timeout)"
fail_conf hung2 timeout=1 "uri=$LDAP_URI"
sync_run hung2
t_unchanged "a server that does not answer (StartTLS): timeout, file unchanged" \
	"$T/hung2.xml" "$T/keep.xml" "StartTLS failed"
kill -CONT "$(cat "$S/pid")"

fail_conf invalid
sed 's#</oneToOneMappings>#<bogus/></oneToOneMappings>#' "$T/keep.xml" | mapfile_write "$T/invalid.xml"
cp "$T/invalid.xml" "$T/invalid.orig"
sync_run invalid
t_unchanged "a result that does not validate: exit 1, file unchanged" "$T/invalid.xml" \
	"$T/invalid.orig" "bogus"

fail_conf bare location=web
xml_add "$P/lee.pem" hand | map_simple "$T/bare.xml"
cp "$T/bare.xml" "$T/bare.orig"
sync_run bare
t_unchanged "a bare section has no locations: exit 1, file unchanged" "$T/bare.xml" \
	"$T/bare.orig" "has no locations"
fail_conf utf16
iconv -f UTF-8 -t UTF-16 < "$T/keep.xml" | mapfile_write "$T/utf16.xml"
cp "$T/utf16.xml" "$T/utf16.orig"
sync_run utf16
t_unchanged "a UTF-16 file is not edited: exit 1, file unchanged" "$T/utf16.xml" \
	"$T/utf16.orig" "UTF-16"

# Most of the users gone at once: a directory restored from an old backup, a wrong base.
fail_conf drop "base=$LDAP_PEOPLE" "filter=(|(uid=alice)(uid=bob))"
sync_run drop
t_unchanged "a result that would drop more than max_drop: exit 1, file unchanged" \
	"$T/drop.xml" "$T/keep.xml" "more than max_drop (20%) allows"
cm sync --config "$T/drop.conf" --max-drop 100
t "--max-drop 100 lets it through" 'rc_is 0 && [ "$(entries "$T/drop.xml")" -eq 2 ]'

fail_conf plain "uri=ldapi:///"
sync_run plain
t "a URI without TLS is refused" \
	'rc_is 1 && err_has "only ldaps:// and ldap:// (always with StartTLS)" && same "$T/plain.xml" "$T/keep.xml"'
printf 'x\n' > "$T/open.pw"
chmod 0644 "$T/open.pw"
fail_conf openpw "bind_password_file=$T/open.pw"
sync_run openpw
t "a password file others can read is refused" \
	'rc_is 1 && err_has "open to others" && same "$T/openpw.xml" "$T/keep.xml"'
fail_conf typo
printf 'bsae = x\n' >> "$T/typo.conf"
TYPO_LINE=$(wc -l < "$T/typo.conf")
sync_run typo
t "an unknown key is refused with its line" \
	'rc_is 1 && err_has "typo.conf:$TYPO_LINE: unknown key '"'bsae'"'" && same "$T/typo.xml" "$T/keep.xml"'

# ---------------------------------------------------------------- the password

# The sync waits on a stopped server first, then syncs from the real one: meanwhile its
# command line and environment are read, and after it every output.
H=$T/hungsrv
slapd_start "$H" || bail "the second slapd did not start"
kill -STOP "$(cat "$H/pid")"
SECRET=$(cat "$S/reader.pw")
conf secret "uri=$(cat "$H/ldaps") $LDAPS_URI" timeout=2
"$CERTMAP" sync --config "$T/secret.conf" >"$T/secret.out" 2>"$T/secret.err" &
SYNC_PID=$!
seen=no
looked=0
while kill -0 "$SYNC_PID" 2>/dev/null; do
	# (it may end between the test and the read)
	_cmd=$( (tr '\0' ' ' < "/proc/$SYNC_PID/cmdline") 2>/dev/null)
	_env=$( (tr '\0' '\n' < "/proc/$SYNC_PID/environ") 2>/dev/null)
	case "$_cmd $_env" in *"$SECRET"*) seen=yes ;; esac
	case $_cmd in *"sync --config"*) looked=$((looked + 1)) ;; esac
	sleep 0.1
done
wait "$SYNC_PID"
rc=$?
t "the password: the sync ran while it was watched" '[ $rc -eq 0 ] && [ $looked -gt 0 ]'
t "the password is never in the running sync's command line or environment" \
	'[ $seen = no ]'
t "the password is in none of its outputs, files and logs" \
	'! grep -rqF "$SECRET" "$T/secret.out" "$T/secret.err" "$T/secret.xml" "$T/secret.state" \
		"$LOGFILE"'
slapd_stop "$H"

# ---------------------------------------------------------------- the module

need_wrappers
svc synced "$T/first.xml" process_env
t_tester "the module authenticates a synced user (pamtester)" PAM_SUCCESS synced carol \
	SSL_CLIENT_CERT="$(cat "$P/carol.pem")"
t_tester "the module refuses a user the directory disabled (pamtester)" PAM_AUTH_ERR synced \
	alice SSL_CLIENT_CERT="$(cat "$P/alice.pem")"

tap_done
