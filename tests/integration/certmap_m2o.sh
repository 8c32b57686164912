#!/bin/sh
# certmap_m2o.sh - certmap and many-to-one mappings: lookup and explain answer as the module
# with its trust anchors, the walk explained, and what check and list say of mappings (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh and pki.sh are found through $top_srcdir

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

CERTMAP=$top_builddir/certmap/certmap
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
if [ -z "$NSS_WRAPPER_LIB" ] || [ ! -f "$NSS_WRAPPER_LIB" ]; then
	skip_all "nss_wrapper not found"
fi
umask 022

# cm ARGS...: run certmap with the test users; rc, $T/out and $T/err hold the outcome.
cm() {
	env LD_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB" $MEMCHECK "$CERTMAP" "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
}

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
	'rc_is 2 && out_re "^chain: does not verify" &&
	 out_has "result: does not map: the chain does not verify"'
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

tap_done
