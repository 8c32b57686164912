#!/bin/sh
# certmap_edit.sh - certmap add, remove, enable and disable: exit codes, files kept byte
# for byte, concurrent editors, and faults injected with strace (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh, pki.sh and softhsm.sh are found through $top_srcdir
# shellcheck disable=SC2034 # some variables are read only in t's conditions

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

CERTMAP=$top_builddir/certmap/certmap
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
umask 022

# ---------------------------------------------------------------- helpers

# cm ARGS...: run certmap; rc, $T/out and $T/err hold the outcome.
cm() {
	$MEMCHECK "$CERTMAP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

same() { cmp -s "$1" "$2"; }
has() { grep -qF -- "$2" "$1"; }
# lookup_is FILE LOCATION CERT USER: certmap lookup prints USER (exit 0).
lookup_is() {
	[ "$($MEMCHECK "$CERTMAP" -f "$1" -l "$2" lookup "$3" 2>/dev/null)" = "$4" ]
}
lookup_none() {
	$MEMCHECK "$CERTMAP" -f "$1" -l "$2" lookup "$3" >/dev/null 2>&1
	[ $? -eq 2 ]
}
# No temporary file of FILE is left in its directory.
no_temp() {
	[ -z "$(find "$(dirname "$1")" -maxdepth 1 -name ".$(basename "$1").??????" -print)" ]
}
owner_mode() { stat -c '%u:%g %a' "$1"; }

# ---------------------------------------------------------------- fixtures

P=$T/pki
pki_make_all "$P" || bail "cannot make the test certificates"
for _i in $(seq 1 32); do
	pki_cert "c$_i" "concurrent $_i" || bail "cannot make certificate c$_i"
done
A=$(pki_b64 "$P/alice.pem") B=$(pki_b64 "$P/bob.pem") CAROL=$(pki_b64 "$P/carol.pem")
SHA_A=$(pki_sha256 "$P/alice.pem")
FPR_B=$(openssl x509 -in "$P/bob.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
printf 'this is not a certificate\n' >"$T/junk.pem"

# mkmap NAME < CONTENT: $T/NAME.xml, root-owned 0644.
mkmap() {
	mapfile_write "$T/$1.xml"
}

CRLF=$(printf '\r')
TAB=$(printf '\t')
# A file as someone edited it by hand on Windows: BOM, CRLF, comments, TAB and 3-space
# indentation, attributes in odd orders and quotes, a comment after an entry.
{
	printf '\357\273\277<?xml version="1.0" encoding="utf-8"?>\n'
	printf '<!-- certificate mappings, do not lose this comment -->\n'
	printf '<configuration>\n'
	printf '\t<system.webServer>\n'
	printf '\t\t<security>\n'
	printf '\t\t\t<authentication>\n'
	printf '   <!-- three spaces -->\n'
	printf "\t\t\t\t<iisClientCertificateMappingAuthentication   enabled = 'true' >\n"
	printf '\t\t\t\t\t<oneToOneMappings>\n'
	printf '\t\t\t\t\t   <add certificate="%s"\n' "$A"
	printf '\t\t\t\t\t        userName="alice" />  <!-- alice -->\n'
	printf "\t\t\t\t\t   <add userName='bob' certificate='%s'/>\n" "$B"
	printf '\t\t\t\t\t</oneToOneMappings>\n'
	printf '\t\t\t\t</iisClientCertificateMappingAuthentication>\n'
	printf '\t\t\t</authentication>\n'
	printf '\t\t</security>\n'
	printf '\t</system.webServer>\n'
	printf '</configuration>\n'
} | sed "s/\$/$CRLF/" | mapfile_write "$T/hand.orig"

mkmap bare <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add userName="alice" certificate="$A" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap invalid <<EOF
<iisClientCertificateMappingAuthentication enabled="maybe">
</iisClientCertificateMappingAuthentication>
EOF

# ---------------------------------------------------------------- add

F=$T/new.xml
cm -f "$F" add --user alice "$P/alice.pem"
t "add to a missing file: exit 0" 'rc_is 0 && err_empty'
t "the new file is root-owned, mode 0644" '[ "$(owner_mode "$F")" = "0:0 644" ]'
t "the new file is a full IIS <configuration>" \
	'has "$F" "<configuration>" &&
	 has "$F" "<iisClientCertificateMappingAuthentication enabled=\"true\">"'
t "the new file maps the certificate" 'lookup_is "$F" "" "$P/alice.pem" alice'
t "the new entry is canonical" \
	'grep -qxF "            <add userName=\"alice\" certificate=\"$A\" />" "$F"'

cp "$F" "$T/before"
cm -f "$F" add --user mallory "$P/alice.pem"
IIS_DUP="Cannot add duplicate collection entry of type 'add' with unique key attribute"
IIS_DUP="$IIS_DUP 'certificate' set to '$(printf %s "$A" | cut -c1-12)...'"
t "duplicate add: exit 1 with the IIS wording" 'rc_is 1 && err_has "$IIS_DUP"'
t "duplicate add: the file is unchanged" 'same "$F" "$T/before"'

cm -f "$F" -l app add --user bob "$P/alice.pem"
t "add of a certificate the location inherits: exit 1, duplicate" \
	'rc_is 1 && err_has "Cannot add duplicate collection entry"'

cm -f "$F" -l web/app add --user bob "$P/bob.pem"
t "add at a new location: exit 0" 'rc_is 0'
t "the location block is appended before </configuration>" \
	'has "$F" "<location path=\"web/app\">" && [ "$(tail -n 1 "$F")" = "</configuration>" ]'
t "everything before </configuration> is kept" \
	'[ "$(head -n $(($(wc -l < "$T/before") - 1)) "$F")" = "$(head -n -1 "$T/before")" ]'
t "the location maps its certificate" 'lookup_is "$F" web/app "$P/bob.pem" bob'
t "the location inherits the top level" 'lookup_is "$F" web/app/x "$P/alice.pem" alice'
t "the top level does not get the location's entry" 'lookup_none "$F" "" "$P/bob.pem"'

cm -f "$F" -l WEB/App/ add --disabled --user carol "$P/carol.pem"
t "add --disabled at the same location named otherwise: exit 0" \
	'rc_is 0 && [ "$(grep -c "<location" "$F")" -eq 1 ]'
t "the disabled entry is written with enabled=\"false\"" \
	'has "$F" "<add userName=\"carol\" certificate=\"$CAROL\" enabled=\"false\" />"'
t "the disabled entry maps nothing" 'lookup_none "$F" web/app "$P/carol.pem"'

F2=$T/names.xml
ODD_NAME="a&b<c>\"d'e"
cm -f "$F2" -l app add --user "$ODD_NAME" "$P/dave.pem"
t "add at a location to a missing file: exit 0" 'rc_is 0 && has "$F2" "<location path=\"app\">"'
t "XML specials in the user name are escaped" \
	'has "$F2" "userName=\"a&amp;b&lt;c&gt;&quot;d&apos;e\""'
t "... and read back as given" 'lookup_is "$F2" app "$P/dave.pem" "$ODD_NAME"'
t "a new file with -l has no top-level section" 'lookup_none "$F2" "" "$P/dave.pem"'

cm -f "$F2" add --user "$(printf 'a\tb')" "$P/erin.pem"
t "a user name with a control character: exit 1" 'rc_is 1 && err_has "user name"'
cm -f "$F2" add "$P/erin.pem"
t "add without --user: exit 1" 'rc_is 1 && err_has "--user"'
cm -f "$F2" add --user "" "$P/erin.pem"
t "add with an empty user: exit 1" 'rc_is 1'
cm -f "$F2" add --user erin
t "add without CERT: exit 1" 'rc_is 1'
cm -f "$F2" add --user erin "$T/junk.pem"
t "add of a file that is no certificate: exit 1" 'rc_is 1 && err_has "$T/junk.pem"'
cm -f "$F2" add --user erin "$T/missing.pem"
t "add of a missing certificate file: exit 1" 'rc_is 1 && err_has "$T/missing.pem"'
cm -f "$F2" add --user erin --index 1 "$P/erin.pem"
t "--index with a certificate file: exit 1" 'rc_is 1 && err_has "pkcs11:"'
cm -f "$F2" add --user erin pkcs11:token=x
t "pkcs11: with a token name: exit 1, says what is understood" 'rc_is 1 && err_has "--index"'

openssl x509 -in "$P/erin.pem" -outform DER | "$CERTMAP" -f "$F2" -l app add --user erin - \
	>"$T/out" 2>"$T/err"
rc=$?
t "add of a DER certificate from standard input: exit 0" \
	'rc_is 0 && lookup_is "$F2" app "$P/erin.pem" erin'

cp "$T/bare.xml" "$T/before"
cm -f "$T/bare.xml" -l app add --user bob "$P/bob.pem"
t "add at a location of a bare-section file: exit 1, says why" \
	'rc_is 1 && err_has "no locations" && same "$T/bare.xml" "$T/before"'
cm -f "$T/bare.xml" add --user bob "$P/bob.pem"
t "add to a bare-section file: exit 0" 'rc_is 0 && lookup_is "$T/bare.xml" "" "$P/bob.pem" bob'

cp "$T/invalid.xml" "$T/before"
cm -f "$T/invalid.xml" add --user bob "$P/bob.pem"
t "add to an invalid file: exit 1, its error named, unchanged" \
	'rc_is 1 && err_has "$T/invalid.xml:1:" && same "$T/invalid.xml" "$T/before"'

printf '<iisClientCertificateMappingAuthentication enabled="true"/>\n' | iconv -t UTF-16 |
	mapfile_write "$T/utf16.xml"
cp "$T/utf16.xml" "$T/before"
cm -f "$T/utf16.xml" add --user bob "$P/bob.pem"
t "add to a UTF-16 file: exit 1, says so, unchanged" \
	'rc_is 1 && err_has "UTF-16" && same "$T/utf16.xml" "$T/before"'

{
	printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
	printf '<iisClientCertificateMappingAuthentication enabled="true">\n'
	printf '</iisClientCertificateMappingAuthentication>\n'
} | mapfile_write "$T/latin1.xml"
cm -f "$T/latin1.xml" add --user "j$(printf '\303\274')rgen" "$P/bob.pem"
t "add to an ISO-8859-1 file: a character reference for the non-ASCII name" \
	'rc_is 0 && has "$T/latin1.xml" "userName=\"j&#xFC;rgen\"" &&
	 lookup_is "$T/latin1.xml" "" "$P/bob.pem" "j$(printf "\303\274")rgen"'

ln -s "$T/bare.xml" "$T/link.xml"
cm -f "$T/link.xml" add --user carol "$P/carol.pem"
t "add through a symbolic link: exit 1" 'rc_is 1 && err_has "symbolic link"'
cp "$T/bare.xml" "$T/gw.xml" && chmod 0664 "$T/gw.xml"
cm -f "$T/gw.xml" add --user carol "$P/carol.pem"
t "add to a group-writable file: exit 1" 'rc_is 1 && err_has "writable"'
cm -f "$T/nodir/x.xml" add --user carol "$P/carol.pem"
t "add in a missing directory: exit 1" 'rc_is 1'

cp "$T/bare.xml" "$T/perm.xml" && chown 0:4 "$T/perm.xml" && chmod 0640 "$T/perm.xml"
cm -f "$T/perm.xml" add --user carol "$P/carol.pem"
t "add keeps the file's owner, group and mode" \
	'rc_is 0 && [ "$(owner_mode "$T/perm.xml")" = "0:4 640" ]'

# ---------------------------------------------------------------- byte for byte

H=$T/hand.xml
cp -p "$T/hand.orig" "$H"
cm -f "$H" add --user carol "$P/carol.pem"
t "add to the hand-written file: exit 0" 'rc_is 0 && lookup_is "$H" "" "$P/carol.pem" carol'
t "add inserts one line, CRLF, indented as its neighbour, before </oneToOneMappings>" \
	'[ "$(diff "$T/hand.orig" "$H" | grep -c "^[<>]")" -eq 1 ] &&
	 diff "$T/hand.orig" "$H" | grep -q "^12a13$" &&
	 grep -qxF "$TAB$TAB$TAB$TAB$TAB   <add userName=\"carol\" certificate=\"$CAROL\" />$CRLF" "$H"'
t "the UTF-8 BOM is kept" '[ "$(head -c 3 "$H" | od -An -tx1 | tr -d " ")" = efbbbf ]'
cm -f "$H" remove "$P/carol.pem"
t "remove: exit 0" 'rc_is 0 && lookup_none "$H" "" "$P/carol.pem"'
t "add then remove gives back the file byte for byte" 'same "$H" "$T/hand.orig"'

cm -f "$H" disable "$P/alice.pem"
t "disable: exit 0, the entry maps nothing" 'rc_is 0 && lookup_none "$H" "" "$P/alice.pem"'
t "disable adds enabled=\"false\" after the last attribute and changes nothing else" \
	'[ "$(diff "$T/hand.orig" "$H" | grep -c "^[<>]")" -eq 2 ] &&
	 grep -qF "userName=\"alice\" enabled=\"false\" />  <!-- alice -->$CRLF" "$H"'
cp "$H" "$T/before"
cm -f "$H" disable "$P/alice.pem"
t "disable of a disabled entry: exit 0, nothing written" \
	'rc_is 0 && err_has "already disabled" && same "$H" "$T/before"'
cm -f "$H" enable "$P/alice.pem"
t "enable: exit 0, the entry maps again" 'rc_is 0 && lookup_is "$H" "" "$P/alice.pem" alice'
t "disable then enable gives back the file byte for byte" 'same "$H" "$T/hand.orig"'
cm -f "$H" enable "$P/alice.pem"
t "enable of an entry without enabled: exit 0, nothing written" \
	'rc_is 0 && err_has "already enabled" && same "$H" "$T/hand.orig"'
cm -f "$H" disable "$P/bob.pem"
t "disable quotes the new attribute as the entry's others" \
	"rc_is 0 && has \"\$H\" \"<add userName='bob' certificate='\$B' enabled='false'/>\""
cm -f "$H" enable "$P/bob.pem"
t "... and enable takes it away again" 'rc_is 0 && same "$H" "$T/hand.orig"'

mkmap flags <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add enabled="FALSE" userName="alice" certificate="$A" />
    <add userName="bob" enabled="true" certificate="$B" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF
cm -f "$T/flags.xml" enable "$P/alice.pem"
t "enable of an entry with enabled=\"FALSE\" drops the attribute" \
	'rc_is 0 && grep -qxF "    <add userName=\"alice\" certificate=\"$A\" />" "$T/flags.xml"'
cm -f "$T/flags.xml" disable "$P/bob.pem"
t "disable of an entry with enabled=\"true\" sets it to false in place" \
	'rc_is 0 &&
	 grep -qxF "    <add userName=\"bob\" enabled=\"false\" certificate=\"$B\" />" "$T/flags.xml"'

# ---------------------------------------------------------------- remove, enable, disable

cp -p "$T/hand.orig" "$H"
cm -f "$H" remove "$P/carol.pem"
t "remove of a certificate that is not mapped: exit 2" 'rc_is 2 && same "$H" "$T/hand.orig"'
cm -f "$H" enable "$P/carol.pem"
t "enable of a certificate that is not mapped: exit 2" 'rc_is 2'
cm -f "$H" disable "$P/carol.pem"
t "disable of a certificate that is not mapped: exit 2" 'rc_is 2'
cm -f "$F" remove "$P/bob.pem"
t "remove of an entry of another level: exit 2, names that level" \
	"rc_is 2 && err_has \"'web/app'\""
cm -f "$T/missing.xml" remove "$P/bob.pem"
t "remove in a missing file: exit 1, no lock file made" \
	'rc_is 1 && [ ! -e "$T/missing.xml" ] && [ ! -e "$T/missing.xml.lock" ]'
cm -f "$H" remove
t "remove without CERT: exit 1" 'rc_is 1'
cm -f "$H" remove --user alice "$P/alice.pem"
t "remove --user: exit 1" 'rc_is 1 && err_has "--user"'
cm -f "$T/invalid.xml" remove "$P/alice.pem"
t "remove in an invalid file: exit 1" 'rc_is 1'
cm -f "$H" disable "$SHA_A"
t "disable by SHA-256 (hex): exit 0" 'rc_is 0 && lookup_none "$H" "" "$P/alice.pem"'
cm -f "$H" enable "$(printf %s "$SHA_A" | tr a-f A-F)"
t "enable by SHA-256 in capitals: exit 0" 'rc_is 0 && same "$H" "$T/hand.orig"'
cm -f "$H" remove "$FPR_B"
t "remove by SHA-256 as openssl prints it (colons): exit 0" \
	'rc_is 0 && lookup_none "$H" "" "$P/bob.pem" && lookup_is "$H" "" "$P/alice.pem" alice'
cm -f "$H" remove "$(printf %064d 0)"
t "remove by a SHA-256 that nothing has: exit 2" 'rc_is 2'
cm -f "$F" -l web/app remove "$P/bob.pem"
t "remove at a location: exit 0" 'rc_is 0 && lookup_none "$F" web/app "$P/bob.pem"'
t "no temporary file is left by any edit" 'no_temp "$F" && no_temp "$H" && no_temp "$F2"'

# ---------------------------------------------------------------- concurrency

C=$T/conc.xml
mkmap conc <<EOF
<configuration>
  <system.webServer><security><authentication>
    <iisClientCertificateMappingAuthentication enabled="true">
      <oneToOneMappings>
        <add userName="alice" certificate="$A" />
      </oneToOneMappings>
    </iisClientCertificateMappingAuthentication>
  </authentication></security></system.webServer>
</configuration>
EOF
(
	n=0
	bad=0
	while [ ! -e "$T/conc.done" ]; do
		$MEMCHECK "$CERTMAP" -f "$C" lookup "$P/alice.pem" >/dev/null 2>"$T/reader.err" ||
			bad=$((bad + 1))
		n=$((n + 1))
	done
	echo "$n $bad" >"$T/reader.result"
) &
READER=$!
PIDS=""
for _i in $(seq 1 32); do
	($MEMCHECK "$CERTMAP" -f "$C" add --user "user$_i" "$P/c$_i.pem" 2>"$T/add$_i.err"
	 echo $? >"$T/add$_i.rc") &
	PIDS="$PIDS $!"
done
# shellcheck disable=SC2086 # one pid per word
wait $PIDS
: >"$T/conc.done"
wait "$READER"
ADDS_OK=0
for _i in $(seq 1 32); do
	[ "$(cat "$T/add$_i.rc")" = 0 ] && ADDS_OK=$((ADDS_OK + 1))
done
t "32 concurrent adds all exit 0" '[ "$ADDS_OK" -eq 32 ]'
MAPPED=0
for _i in $(seq 1 32); do
	lookup_is "$C" "" "$P/c$_i.pem" "user$_i" && MAPPED=$((MAPPED + 1))
done
t "none of the 32 entries is lost" \
	'[ "$MAPPED" -eq 32 ] && [ "$(grep -c "<add " "$C")" -eq 33 ]'
$MEMCHECK "$CERTMAP" -f "$C" check >"$T/out" 2>"$T/err"
rc=$?
t "the result is valid" 'rc_is 0'
read -r READS READ_FAILS <"$T/reader.result"
t "a reader looping on lookup meanwhile never failed ($READS reads)" \
	'[ "$READS" -gt 0 ] && [ "$READ_FAILS" -eq 0 ]'
t "no temporary file is left by the concurrent adds" 'no_temp "$C"'

# ---------------------------------------------------------------- faults

S=$T/fault.xml
if ! command -v strace >/dev/null 2>&1; then
	STRACE_WHY="strace not installed"
elif ! strace -f -o /dev/null true 2>/dev/null; then
	STRACE_WHY="strace cannot trace here"
else
	STRACE_WHY=""
fi

# fault NAME INJECT: certmap add under strace -e inject=INJECT fails, leaves the file as it
# was, and the injection hit the temporary file or its rename.
fault() {
	if [ -n "$STRACE_WHY" ]; then
		tap_skip "$1" "$STRACE_WHY"
		return
	fi
	cp -p "$T/hand.orig" "$S"
	env $MEMCHECK_PTRACE_ENV \
		strace -f -y -o "$T/strace.log" -e trace=write,fsync,rename,renameat,renameat2 \
		-e inject="$2" "$CERTMAP" -f "$S" add --user carol "$P/carol.pem" \
		>"$T/out" 2>"$T/err"
	rc=$?
	t "$1" 'rc_is 1 && same "$S" "$T/hand.orig" && no_temp "$S" &&
		grep "(INJECTED)" "$T/strace.log" | grep -qF ".fault.xml." &&
		err_has "left unchanged"'
}

fault "a failing write of the temporary file (ENOSPC) leaves the file intact" \
	write:error=ENOSPC:when=1
fault "a failing fsync (EIO) leaves the file intact" fsync:error=EIO:when=1
fault "a failing rename (EXDEV) leaves the file intact" \
	rename,renameat,renameat2:error=EXDEV

if [ -n "$STRACE_WHY" ]; then
	tap_skip "SIGKILL at the rename leaves the file intact" "$STRACE_WHY"
	tap_skip "the next edit succeeds and removes the stale temporary file" "$STRACE_WHY"
else
	cp -p "$T/hand.orig" "$S"
	env $MEMCHECK_PTRACE_ENV \
		strace -f -o /dev/null \
		-e inject=rename,renameat,renameat2:error=EXDEV:signal=SIGKILL \
		"$CERTMAP" -f "$S" add --user carol "$P/carol.pem" >"$T/out" 2>"$T/err"
	rc=$?
	t "SIGKILL at the rename leaves the file intact" \
		'same "$S" "$T/hand.orig" && ! no_temp "$S"'
	cm -f "$S" add --user carol "$P/carol.pem"
	t "the next edit succeeds and removes the stale temporary file" \
		'rc_is 0 && no_temp "$S" && lookup_is "$S" "" "$P/carol.pem" carol'
fi

# ---------------------------------------------------------------- tokens

. "$top_srcdir/tests/softhsm.sh"
UNINST=$top_builddir/tests/certmap_uninst
TOKEN_WHY=""
for _p in softhsm2-util pkcs11-tool; do
	command -v $_p >/dev/null 2>&1 || TOKEN_WHY="$_p not installed"
done
[ -f "$HSM_LIB" ] || TOKEN_WHY="$HSM_LIB not installed"
if [ -z "$TOKEN_WHY" ]; then
	[ -x "$UNINST" ] || bail "$UNINST not built"
	[ -x "$HELPER" ] || bail "$HELPER not built"
	if ! { hsm_setup "$T/hsm" && hsm_token card1 1234 &&
		hsm_put card1 1234 01 "$P/client.key" "$P/alice.pem"; }; then
		bail "cannot make the SoftHSM2 token"
	fi
fi

# cmt ARGS...: the build-tree certmap, which runs the build-tree token helper.
cmt() {
	"$UNINST" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

K=$T/token.xml
if [ -n "$TOKEN_WHY" ]; then
	for _n in 1 2 3 4 5; do
		tap_skip "pkcs11: test $_n" "$TOKEN_WHY"
	done
else
	cmt -f "$K" add --user alice --pkcs11-module "$HSM_LIB" pkcs11:
	t "add pkcs11: with one certificate on the token: exit 0, mapped" \
		'rc_is 0 && lookup_is "$K" "" "$P/alice.pem" alice'
	hsm_import_cert card1 1234 02 "$P/bob.pem" || bail "cannot add bob's certificate"
	cmt -f "$K" add --user bob --pkcs11-module "$HSM_LIB" pkcs11:
	t "add pkcs11: with two certificates and no --index: exit 1, lists them" \
		'rc_is 1 && err_has "--index" && err_has "CN=bob" && err_has "CN=alice"'
	BOBIDX=$(sed -n 's/^  \([0-9]*\): .*CN=bob,.*/\1/p' "$T/err")
	cmt -f "$K" add --user bob --index "${BOBIDX:-0}" --pkcs11-module "$HSM_LIB" pkcs11:
	t "add pkcs11: --index N takes the Nth" 'rc_is 0 && lookup_is "$K" "" "$P/bob.pem" bob'
	cmt -f "$K" remove --index "${BOBIDX:-0}" --pkcs11-module "$HSM_LIB" pkcs11:
	t "remove pkcs11: --index N: exit 0" 'rc_is 0 && lookup_none "$K" "" "$P/bob.pem"'
	cp "$K" "$T/before"
	cmt -f "$K" add --user bob --pkcs11-module "$T/none.so" pkcs11:
	t "add pkcs11: with a PKCS#11 module that cannot be loaded: exit 1" \
		'rc_is 1 && err_has "$T/none.so" && same "$K" "$T/before"'
fi

tap_done
