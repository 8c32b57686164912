#!/bin/sh
# certmap_m2o.sh - certmap and many-to-one mappings: lookup and explain answer as the module
# with its trust anchors, the walk explained, and what check and list say of mappings (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh and pki.sh are found through $top_srcdir

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

need_certmap users

# ---------------------------------------------------------------- fixtures

pki_init "$T/evil" && pki_issue "$T/evil/staff.pem" "$PKI/client.key" \
	"/O=Example/OU=Staff/CN=alice" || bail "cannot issue from the other CA"
P=$T/pki
pki_init "$P" || bail "cannot make the CA"
issue() { pki_issue "$P/$1.pem" "$PKI/client.key" "$2" || bail "cannot issue $1"; }
issue staff "/O=Example/OU=Staff/CN=alice"
issue contractor "/O=Example/OU=Staff/OU=Contractors/CN=carol"
issue exact "/O=Example/OU=Staff/CN=bob"
issue sales "/O=Example/OU=Sales/CN=erin"
CA="--ca-file=$P/ca.pem"

# mkmap NAME < CONTENT: $T/NAME.xml, root-owned 0644.
mkmap() {
	mapfile_write "$T/$1.xml"
}

# Line numbers matter: explain and check name them.
mkmap m2o <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    $(xml_add "$P/exact.pem" bob)
  </oneToOneMappings>
  <manyToOneMappings>
    <add name="Contractors" permissionMode="Deny">
      <rules>$(xml_rule Subject OU Contractors)</rules>
    </add>
    <add name="Staff" userName="alice">
      <rules>
        $(xml_rule Subject OU Staff)
        $(xml_rule Issuer CN 'Test*')
      </rules>
    </add>
  </manyToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

# ---------------------------------------------------------------- lookup

cm -f "$T/m2o.xml" lookup "$P/staff.pem"
t "lookup of a many-to-one match without trust options: exit 2, nothing printed" \
	'rc_is 2 && out_empty'
t "lookup without trust options: says names prove nothing and which option to add" \
	'err_has "matches many-to-one mapping '"'"'Staff'"'"' (line 10), but names prove nothing" &&
	 err_has "as --ca-file"'
cm -f "$T/m2o.xml" lookup "$CA" "$P/staff.pem"
t "lookup --ca-file: the Staff mapping maps to alice" 'rc_is 0 && out_is alice && err_empty'
cm -f "$T/m2o.xml" lookup --ca-dir "$T/nonexistent" "$P/staff.pem"
t "lookup with an unusable --ca-dir: exit 1" 'rc_is 1 && err_has "ca_dir"'
cm -f "$T/m2o.xml" lookup "$CA" "$T/evil/staff.pem"
t "lookup --ca-file of a certificate from another CA: exit 2, the chain named" \
	'rc_is 2 && out_empty && err_has "the chain does not verify"'
cm -f "$T/m2o.xml" lookup "$CA" "$P/contractor.pem"
t "lookup of a Deny match: exit 2" 'rc_is 2 && out_empty'
cm -f "$T/m2o.xml" lookup "$CA" "$P/sales.pem"
t "lookup of a certificate no mapping matches: exit 2" 'rc_is 2 && out_empty'
cm -f "$T/m2o.xml" lookup "$P/exact.pem"
t "lookup: an exact one-to-one entry decides, without trust options" \
	'rc_is 0 && out_is bob'
cm -f "$T/m2o.xml" lookup "$CA" "$P/exact.pem"
t "lookup --ca-file: the one-to-one entry's chain verifies" 'rc_is 0 && out_is bob'
cm -f "$T/m2o.xml" lookup --crl-file "$P/ca.pem" "$P/staff.pem"
t "lookup --crl-file alone: a usage error" 'rc_is 1 && err_has "--crl-file needs"'

# ---------------------------------------------------------------- explain

cm -f "$T/m2o.xml" explain "$CA" "$P/staff.pem"
t "explain --ca-file: maps to alice" 'rc_is 0 && out_re "^result: maps to alice$"'
t "explain: the Deny mapping is tried first and does not match" \
	'out_has "mapping '"'"'Contractors'"'"' (line 7), Deny" &&
	 out_has "value '"'"'Staff'"'"': does not match"'
t "explain: each rule of the Staff mapping, its value and verdict" \
	'out_has "rule 1 (line 12): Subject OU must match '"'"'Staff'"'"' (case-sensitive)" &&
	 out_has "rule 2 (line 13): Issuer CN must match '"'"'Test*'"'"'" &&
	 out_has "value '"'"'Test CA'"'"': matches" &&
	 out_has "this mapping decides for userName '"'"'alice'"'"'"'
t "explain: the chain verified" 'out_re "^chain: verified"'
cm -f "$T/m2o.xml" explain "$P/staff.pem"
t "explain without trust options: does not map, names prove nothing" \
	'rc_is 2 && out_has "result: does not map: a many-to-one match without a verified chain" &&
	 out_has "as --ca-file"'
cm -f "$T/m2o.xml" explain "$CA" "$T/evil/staff.pem"
t "explain of a certificate of another CA: the chain does not verify" \
	'rc_is 2 && out_re "^chain: .*unable to get local issuer certificate" &&
	 out_re "^result: does not map: .*unable to get local issuer certificate"'
cm -f "$T/m2o.xml" explain "$CA" "$P/contractor.pem"
t "explain of a Deny match: exit 2, names the mapping" \
	'rc_is 2 && out_has "this Deny mapping decides" &&
	 out_has "result: does not map: the many-to-one Deny mapping '"'"'Contractors'"'"' (line 7) refuses it"'
cm -f "$T/m2o.xml" explain "$CA" "$P/sales.pem"
t "explain when no mapping matches: exit 2" \
	'rc_is 2 && out_has "no many-to-one mapping matches this certificate" &&
	 out_has "at location '"''"', and no many-to-one mapping matches it"'
cm -f "$T/m2o.xml" explain "$P/exact.pem"
t "explain: the one-to-one entry decides, many-to-one not tried" \
	'rc_is 0 && out_has "many-to-one mappings are not tried" && out_re "^result: maps to bob$" &&
	 out_has "chain: not checked (no --ca-file or --ca-dir)"'

# ---------------------------------------------------------------- check

mkmap checkme <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <manyToOneMappings>
    <add name="Empty" userName="alice" />
    <add name="Nobody"><rules>$(xml_rule Subject OU Staff)</rules></add>
    <add name="Everyone" userName="alice">
      <rules>$(xml_rule Subject CN '*')$(xml_rule Issuer O '**')</rules>
    </add>
    <add name="Ghost" userName=".\\zed" password="s3cret"><rules>$(xml_rule Subject CN g)</rules></add>
    <add name="Off" enabled="false"><rules>$(xml_rule Subject CN '*')</rules></add>
    <add name="Deny all" permissionMode="Deny"><rules>$(xml_rule Subject CN '*')</rules></add>
  </manyToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF
cm -f "$T/checkme.xml" check
t "check of mappings: warnings only, exit 0" 'rc_is 0 && out_has "0 errors, 5 warnings"'
t "check: a mapping without rules matches nothing" \
	'out_has "checkme.xml:3: warning: many-to-one mapping '"'Empty'"' has no rules"'
t "check: an Allow mapping without userName" \
	'out_has "checkme.xml:4: warning: many-to-one mapping '"'Nobody'"' allows without a userName"'
t "check: an Allow whose rules are all '*'" \
	'out_has "checkme.xml:5: warning: many-to-one mapping '"'Everyone'"' matches every certificate"'
t "check: a plaintext password on a mapping, its value never printed" \
	'out_has "checkme.xml:8: warning: plaintext password in many-to-one mapping '"'Ghost'"'" &&
	 nowhere s3cret'
t "check: a .\\name says which names were tried" \
	'out_has "checkme.xml:8: warning: userName '"'.\\zed'"' is not a local account: tried '"'.\\zed'"' and '"'zed'"'"'
t "check: a note that many-to-one needs the module's trust anchors, at the first Allow" \
	'out_has "checkme.xml:5: note: many-to-one mappings grant only when pam_certmap has trust anchors" &&
	 out_has "ca_file=PATH or ca_dir=PATH"'
t "check: nothing said of the disabled mapping or the Deny" \
	'! out_has "checkme.xml:9:" && ! out_has "checkme.xml:10:"'

sed 's/certificateSubField="OU"/certificateSubField="Unit"/' "$T/checkme.xml" > "$T/tmp"
mapfile_write "$T/badsub.xml" < "$T/tmp"
cm -f "$T/badsub.xml" check
t "check: an unknown sub-field is an error with its line" \
	'rc_is 1 && out_has "badsub.xml:4: error: certificateSubField '"'Unit'"'" && out_has "1 error"'
mkmap dupname <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <manyToOneMappings>
    <add name="Staff" userName="a"><rules>$(xml_rule Subject OU Staff)</rules></add>
    <add name="STAFF" userName="b"><rules>$(xml_rule Subject OU Staff)</rules></add>
  </manyToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF
cm -f "$T/dupname.xml" check
t "check: a duplicate name, without case, in the IIS wording" \
	'rc_is 1 && out_has "dupname.xml:4: error: Cannot add duplicate collection entry of type '"'add'"' with unique key attribute '"'name'"' set to '"'STAFF'"'"'

# ---------------------------------------------------------------- list

cm -f "$T/m2o.xml" list
TAB=$(printf '\t')
t "list: the entry, then each mapping with its rules and status" \
	'rc_is 0 && out_lines 3 &&
	 out_has "/${TAB}-${TAB}enabled${TAB}many-to-one${TAB}Contractors${TAB}Subject:OU=Contractors${TAB}deny" &&
	 out_has "/${TAB}alice${TAB}enabled${TAB}many-to-one${TAB}Staff${TAB}Subject:OU=Staff & Issuer:CN=Test*${TAB}allow"'
cm -f "$T/checkme.xml" list
t "list: the status of mappings that map nobody" \
	'out_has "${TAB}Empty${TAB}-${TAB}no-rules" && out_has "${TAB}Nobody${TAB}Subject:OU=Staff${TAB}no-user" &&
	 out_has "${TAB}disabled${TAB}many-to-one${TAB}Off${TAB}"'
cm -f "$T/m2o.xml" list --json
# the system's python (scripts/deps), not a user's shim
PYTHON=/usr/bin/python3
if [ -x "$PYTHON" ]; then
	cat >"$T/check_list.py" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
m = [o for o in a if o.get("kind") == "manyToOne"]
e = [o for o in a if "kind" not in o]
assert len(e) == 1 and e[0]["userName"] == "bob"
assert [o["name"] for o in m] == ["Contractors", "Staff"]
s = m[1]
assert s["userName"] == "alice" and s["permissionMode"] == "Allow" and s["status"] == "allow"
assert s["rules"][1] == {"certificateField": "Issuer", "certificateSubField": "CN",
                         "matchCriteria": "Test*", "compareCaseSensitive": True}
assert m[0]["permissionMode"] == "Deny" and m[0]["userName"] is None
PY
	t "list --json: mappings with their rules, after the entries as they were" \
		'rc_is 0 && "$PYTHON" "$T/check_list.py" "$T/out"'
else
	tap_skip "list --json: mappings with their rules" "$PYTHON not installed"
fi

# ---------------------------------------------------------------- the example file

install -m 0644 -o 0 -g 0 "$top_srcdir/examples/certmap.xml" "$T/example.xml" ||
	bail "cannot copy the example"
EX=$top_srcdir/examples/certs
cm -f "$T/example.xml" check
t "examples/certmap.xml: no errors" 'rc_is 0 && out_has ": 0 errors,"'
cm -f "$T/example.xml" -l portal lookup --ca-file "$EX/ca.pem" "$EX/bob.pem"
t "examples/certmap.xml: bob maps to the shared account at portal" 'rc_is 0 && out_is portal'
cm -f "$T/example.xml" -l portal lookup --ca-file "$EX/ca.pem" "$EX/carol.pem"
t "examples/certmap.xml: carol is refused at portal" 'rc_is 2 && out_empty'
cm -f "$T/example.xml" -l portal lookup "$EX/alice.pem"
t "examples/certmap.xml: alice's own entry decides at portal" 'rc_is 0 && out_is "EXAMPLE\\alice"'

tap_done
