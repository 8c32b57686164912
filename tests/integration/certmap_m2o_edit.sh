#!/bin/sh
# certmap_m2o_edit.sh - add-mapping, remove-mapping, enable-mapping and disable-mapping:
# the bytes they write, files kept byte for byte, and every refusal with its exit code (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh and pki.sh are found through $top_srcdir

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

need_certmap
same() { cmp -s "$1" "$2"; }
has() { grep -qF -- "$2" "$1"; }
owner_mode() { stat -c '%u:%g %a' "$1"; }

P=$T/pki
pki_init "$P" || bail "cannot make the CA"
pki_issue "$P/staff.pem" "$PKI/client.key" "/O=Example/OU=Staff/CN=alice" &&
	pki_issue "$P/contractor.pem" "$PKI/client.key" "/O=Example/OU=Contractors/CN=carol" ||
	bail "cannot issue certificates"
CA="--ca-file=$P/ca.pem"

# ---------------------------------------------------------------- a file edited on Windows

CR=$(printf '\r')
# w LINE...: the lines with CRLF; a BOM and the XML declaration come first.
{
	printf '\357\273\277<?xml version="1.0" encoding="utf-8"?>\n'
	printf '<!-- mappings: do not lose this comment -->\n'
	printf '<configuration>\n'
	printf '\t<system.webServer>\n'
	printf '\t\t<security>\n'
	printf '\t\t\t<authentication>\n'
	printf "\t\t\t\t<iisClientCertificateMappingAuthentication enabled='true'>\n"
	printf '\t\t\t\t\t<manyToOneMappings>\n'
	printf "\t\t\t\t\t\t<add name='Contractors' permissionMode='Deny'>  <!-- no -->\n"
	printf '\t\t\t\t\t\t\t<rules>\n'
	printf '\t\t\t\t\t\t\t\t<add certificateField="Subject" certificateSubField="OU" matchCriteria="Contractors" />\n'
	printf '\t\t\t\t\t\t\t</rules>\n'
	printf '\t\t\t\t\t\t</add>\n'
	printf '\t\t\t\t\t</manyToOneMappings>\n'
	printf '\t\t\t\t</iisClientCertificateMappingAuthentication>\n'
	printf '\t\t\t</authentication>\n'
	printf '\t\t</security>\n'
	printf '\t</system.webServer>\n'
	printf '\t<location path="web">\n'
	printf '\t\t<system.webServer>\n'
	printf '\t\t</system.webServer>\n'
	printf '\t</location>\n'
	printf '</configuration>\n'
} | sed "s/\$/$CR/" | mapfile_write "$T/win.orig"

# The same with the Staff mapping added, as add-mapping writes it.
{
	head -n 13 "$T/win.orig"
	{
		printf '\t\t\t\t\t\t<add name="Staff" description="all of Staff &amp; co" userName="EXAMPLE\\staff" permissionMode="Allow">\n'
		printf '\t\t\t\t\t\t\t<rules>\n'
		printf '\t\t\t\t\t\t\t\t<add certificateField="Subject" certificateSubField="OU" matchCriteria="Staff" />\n'
		printf '\t\t\t\t\t\t\t\t<add certificateField="Issuer" certificateSubField="CN" matchCriteria="Test *" />\n'
		printf '\t\t\t\t\t\t\t</rules>\n'
		printf '\t\t\t\t\t\t</add>\n'
	} | sed "s/\$/$CR/"
	tail -n +14 "$T/win.orig"
} >"$T/win.added"
# The Contractors mapping disabled, in the quotes of its last attribute.
sed "9s/permissionMode='Deny'>/permissionMode='Deny' enabled='false'>/" "$T/win.orig" \
	>"$T/win.disabled"
cmp -s "$T/win.orig" "$T/win.disabled" && bail "fixture: line 9 moved"

F=$T/win.xml
cp -p "$T/win.orig" "$F"
cm -f "$F" add-mapping Staff --user 'EXAMPLE\staff' --description 'all of Staff & co' \
	subject:ou=Staff 'Issuer:CN=Test *'
t "add-mapping: exit 0, with a note on trust anchors" \
	'rc_is 0 && err_has "note: many-to-one mappings grant only when pam_certmap has trust anchors"'
t "add-mapping: the canonical mapping inserted, every other byte kept" 'same "$F" "$T/win.added"'
t "add-mapping: owner and mode kept" '[ "$(owner_mode "$F")" = "0:0 644" ]'
cm -f "$F" lookup "$CA" "$P/staff.pem"
t "add-mapping: the module's answer for a Staff certificate" 'rc_is 0 && out_is "EXAMPLE\\staff"'
cm -f "$F" remove-mapping STAFF
t "remove-mapping by the name in another case: exit 0" 'rc_is 0 && err_empty'
t "add-mapping then remove-mapping: the original bytes" 'same "$F" "$T/win.orig"'

cm -f "$F" disable-mapping contractors
t "disable-mapping: exit 0" 'rc_is 0 && err_empty'
t "disable-mapping: enabled='false' after the last attribute, in its quotes" \
	'same "$F" "$T/win.disabled"'
cm -f "$F" disable-mapping Contractors
t "disable-mapping of a disabled mapping: exit 0, nothing changed" \
	'rc_is 0 && err_has "already disabled" && same "$F" "$T/win.disabled"'
cm -f "$F" lookup "$CA" "$P/contractor.pem"
t "disable-mapping: the Deny no longer decides (no other mapping: exit 2)" 'rc_is 2'
cm -f "$F" enable-mapping Contractors
t "enable-mapping: exit 0, the original bytes" 'rc_is 0 && same "$F" "$T/win.orig"'
cm -f "$F" enable-mapping Contractors
t "enable-mapping of an enabled mapping: exit 0, nothing changed" \
	'rc_is 0 && err_has "already enabled" && same "$F" "$T/win.orig"'

# ---------------------------------------------------------------- refusals leave the file

cm -f "$F" add-mapping CONTRACTORS --deny Subject:OU=x
t "add-mapping of a name the level has, in another case: exit 1, the IIS wording" \
	'rc_is 1 && err_has "win.xml:9: Cannot add duplicate collection entry of type '"'add'"' with unique key attribute '"'name'"' set to '"'CONTRACTORS'"'" &&
	 same "$F" "$T/win.orig"'
cm -f "$F" -l web add-mapping contractors --deny Subject:OU=x
t "add-mapping of a name the location inherits: exit 1" \
	'rc_is 1 && err_has "Cannot add duplicate collection entry" && same "$F" "$T/win.orig"'
cm -f "$F" remove-mapping Nobody
t "remove-mapping of no such mapping: exit 2" \
	'rc_is 2 && err_has "no many-to-one mapping named '"'Nobody'"' at the top level" &&
	 same "$F" "$T/win.orig"'
cm -f "$F" -l web remove-mapping Contractors
t "remove-mapping at a level that only inherits it: exit 2, names the level" \
	'rc_is 2 && err_has "a mapping of that name is at level '"''"': name that level with -l"'
cm -f "$F" enable-mapping Nobody
t "enable-mapping of no such mapping: exit 2" 'rc_is 2 && same "$F" "$T/win.orig"'

# usage NAME ARGS...: a usage error, exit 1, the file unchanged.
usage() {
	_n=$1
	shift
	cm -f "$F" "$@"
	t "$_n: exit 1, usage, the file unchanged" \
		'rc_is 1 && err_has "Usage:" && same "$F" "$T/win.orig"'
}
usage "add-mapping without rules" add-mapping M --user u
usage "add-mapping without --user or --deny" add-mapping M Subject:CN=x
usage "add-mapping with --user and --deny" add-mapping M --user u --deny Subject:CN=x
usage "add-mapping with an empty --user" add-mapping M --user '' Subject:CN=x
usage "a rule without a colon" add-mapping M --deny SubjectCN=x
usage "a rule without '='" add-mapping M --deny Subject:CN
usage "a rule on a field that is not Subject or Issuer" add-mapping M --deny Holder:CN=x
usage "a rule on an unknown sub-field" add-mapping M --deny Subject:Organisation=x
usage "a rule with an empty criteria" add-mapping M --deny Subject:CN=
usage "an empty name" add-mapping '' --deny Subject:CN=x
usage "remove-mapping of two names" remove-mapping A B
usage "remove-mapping with --user" remove-mapping --user u A
usage "disable-mapping without a name" disable-mapping
cm -f "$F" add-mapping M --deny Subject:Organisation=x
t "an unknown sub-field: the names that are known" 'err_has "CN, O, OU"'

mapfile_write "$T/invalid.xml" <<EOF
<iisClientCertificateMappingAuthentication enabled="maybe" />
EOF
cp -p "$T/invalid.xml" "$T/invalid.orig"
cm -f "$T/invalid.xml" add-mapping M --deny Subject:CN=x
t "add-mapping to an invalid file: exit 1, unchanged" \
	'rc_is 1 && err_has "invalid.xml:1:" && same "$T/invalid.xml" "$T/invalid.orig"'

# ---------------------------------------------------------------- new places

cm -f "$F" -l web add-mapping Web --deny Subject:CN=mallory
t "add-mapping at a location without the section: exit 0" 'rc_is 0'
t "add-mapping at a location: inside its <system.webServer>, the rest kept" \
	'[ "$(sed -n 20p "$F")" = "		<system.webServer>$CR" ] &&
	 [ "$(sed -n 21p "$F")" = "			<security>$CR" ] &&
	 has "$F" "<add name=\"Web\" permissionMode=\"Deny\">$CR" &&
	 [ "$(head -n 19 "$F" | md5sum)" = "$(head -n 19 "$T/win.orig" | md5sum)" ]'
cm -f "$F" check
t "add-mapping at a location: the file checks clean" 'rc_is 0 && out_has "0 errors"'
cm -f "$F" -l web remove-mapping web
t "remove-mapping at the location: exit 0" 'rc_is 0 && ! has "$F" "name=\"Web\""'

N=$T/new/certmap.xml
mkdir "$T/new" || bail "mkdir"
cm -f "$N" -l 'portal' add-mapping Staff --user staff --case-insensitive --disabled \
	Subject:OU=staff Issuer:CN=*
t "add-mapping to a missing file: exit 0, root-owned 0644" \
	'rc_is 0 && [ "$(owner_mode "$N")" = "0:0 644" ]'
t "add-mapping to a missing file: the mapping, disabled, compared without case" \
	'has "$N" "<location path=\"portal\">" &&
	 has "$N" "<add name=\"Staff\" userName=\"staff\" permissionMode=\"Allow\" enabled=\"false\">" &&
	 has "$N" "matchCriteria=\"staff\" compareCaseSensitive=\"false\" />"'
cm -f "$N" -l portal enable-mapping Staff
cm -f "$N" -l portal lookup "$CA" "$P/staff.pem"
t "the new file maps a Staff certificate once the mapping is enabled" 'rc_is 0 && out_is staff'

mapfile_write "$T/bare.xml" <<EOF
<iisClientCertificateMappingAuthentication enabled="true" />
EOF
cm -f "$T/bare.xml" add-mapping 'A & <B> "C"' --deny "Subject:CN=it's <me> & \"you\""
t "add-mapping to a self-closed bare section: opened around the collection" \
	'rc_is 0 && [ "$(head -n 1 "$T/bare.xml")" = "<iisClientCertificateMappingAuthentication enabled=\"true\">" ] &&
	 [ "$(tail -n 1 "$T/bare.xml")" = "</iisClientCertificateMappingAuthentication>" ]'
t "add-mapping: the XML specials of a name and a criteria escaped" \
	'has "$T/bare.xml" "name=\"A &amp; &lt;B&gt; &quot;C&quot;\"" &&
	 has "$T/bare.xml" "matchCriteria=\"it&apos;s &lt;me&gt; &amp; &quot;you&quot;\""'
cm -f "$T/bare.xml" list
t "add-mapping: list reads back the name and the criteria as given" \
	'out_has "A & <B> \"C\"" && out_has "Subject:CN=it'"'"'s <me> & \"you\""'
cm -f "$T/bare.xml" -l web add-mapping W --deny Subject:CN=x
t "add-mapping at a location of a bare section: refused" \
	'rc_is 1 && err_has "bare <iisClientCertificateMappingAuthentication>"'

{
	printf '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
	printf '<iisClientCertificateMappingAuthentication enabled="true">\n'
	printf '</iisClientCertificateMappingAuthentication>\n'
} | mapfile_write "$T/latin1.xml"
cm -f "$T/latin1.xml" add-mapping "Équipe" --user "josé" "Subject:O=Société"
t "add-mapping to an ISO-8859-1 file: other characters as references" \
	'rc_is 0 && has "$T/latin1.xml" "name=\"&#xC9;quipe\" userName=\"jos&#xE9;\"" &&
	 has "$T/latin1.xml" "matchCriteria=\"Soci&#xE9;t&#xE9;\""'

tap_done
