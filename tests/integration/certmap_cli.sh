#!/bin/sh
# certmap_cli.sh - the certmap commands lookup, check and explain: exit codes
# and output against mapping files and certificates made here (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh and pki.sh are found through $top_srcdir

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

CERTMAP=$top_builddir/certmap/certmap
[ -x "$CERTMAP" ] || bail "$CERTMAP not built"
have_nss_wrapper || skip_all "nss_wrapper not found"
umask 022

# ---------------------------------------------------------------- helpers

# cm ARGS...: run certmap with the test users; rc, $T/out and $T/err hold the outcome.
cm() {
	env LD_PRELOAD="$PRELOAD_FIRST $NSS_WRAPPER_LIB" $MEMCHECK "$CERTMAP" "$@" \
		>"$T/out" 2>"$T/err"
	rc=$?
}

# ---------------------------------------------------------------- fixtures

P=$T/pki
pki_make_all "$P" || bail "cannot make the test certificates"
pki_der "$P/alice.pem" "$P/alice.der" || bail "cannot write alice.der"
base64 "$P/alice.der" >"$P/alice.b64" || bail "cannot write alice.b64"
printf 'this is not a certificate\n' >"$T/junk.pem"

A=$(pki_b64 "$P/alice.pem") B=$(pki_b64 "$P/bob.pem") C=$(pki_b64 "$P/carol.pem")
D=$(pki_b64 "$P/dave.pem") E=$(pki_b64 "$P/erin.pem") O=$(pki_b64 "$P/expired.pem")
N=$(pki_b64 "$P/notyet.pem")
THUMB=$(openssl x509 -in "$P/bob.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')

# mkmap NAME < CONTENT: $T/NAME.xml, root-owned 0644.
mkmap() {
	mapfile_write "$T/$1.xml"
}

# Line numbers matter: explain and check name them.
mkmap one <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add userName="alice" certificate="$A" />
    <add userName="carol" enabled="false" certificate="$C" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap loc <<EOF
<configuration>
  <system.webServer>
    <security>
      <authentication>
        <iisClientCertificateMappingAuthentication enabled="true">
          <oneToOneMappings>
            <add userName="alice" certificate="$A" />
          </oneToOneMappings>
        </iisClientCertificateMappingAuthentication>
      </authentication>
    </security>
  </system.webServer>
  <location path="app">
    <system.webServer>
      <security>
        <authentication>
          <iisClientCertificateMappingAuthentication>
            <oneToOneMappings>
              <clear />
              <add userName="bob" certificate="$B" />
            </oneToOneMappings>
          </iisClientCertificateMappingAuthentication>
        </authentication>
      </security>
    </system.webServer>
  </location>
</configuration>
EOF

mkmap invalid <<EOF
<?xml version="1.0"?>
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings bogus="1">
    <add userName="alice" certificate="$A" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap off <<EOF
<iisClientCertificateMappingAuthentication enabled="false">
  <oneToOneMappings>
    <add userName="alice" certificate="$A" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

# Every name resolves: verbatim, or with the defaultLogonDomain dropped.
mkmap clean <<EOF
<iisClientCertificateMappingAuthentication enabled="true" defaultLogonDomain="example">
  <oneToOneMappings>
    <add userName="alice" certificate="$A" />
    <add userName="EXAMPLE\\bob" certificate="$B" />
    <add userName="carol" certificate="$C" password="[enc:AesProvider:AAAAbm90IHJlYWw=:enc]" />
    <add userName="EXAMPLE\\dave" certificate="$D" />
    <add userName="erin@example.test" certificate="$E" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap dead <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add userName="alice" certificate="$A" />
    <add userName="bob" certificate="$THUMB" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap notcert <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add userName="alice" certificate="AAAAAAAA" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap expired <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add userName="alice" certificate="$O" />
    <add userName="bob" certificate="$N" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap unknown <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add userName="mallory" certificate="$A" />
    <add userName="OTHER\\bob" certificate="$B" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

mkmap nouser <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add certificate="$A" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

SECRET='Pl41ntextS3cret'
mkmap password <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    <add userName="alice" password="$SECRET" certificate="$A" />
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

cp "$T/one.xml" "$T/gw.xml" && chmod 0664 "$T/gw.xml"
cp "$T/one.xml" "$T/notroot.xml" && chown 65534:65534 "$T/notroot.xml"
ln -s "$T/one.xml" "$T/link.xml"

# ---------------------------------------------------------------- usage

cm -h
t "-h prints the usage on stdout, exit 0" 'rc_is 0 && out_hasi "usage: certmap"'
cm --help
t "--help prints the usage on stdout, exit 0" 'rc_is 0 && out_hasi "usage: certmap"'
cm
t "no command: usage on stderr, exit 1" 'rc_is 1 && out_empty && err_hasi "usage: certmap"'
cm -x lookup "$P/alice.pem"
t "unknown option: exit 1, named" 'rc_is 1 && err_hasi "-x"'
cm frobnicate
t "unknown command: exit 1, named" 'rc_is 1 && err_hasi "frobnicate"'
cm -f "$T/one.xml" add "$P/alice.pem"
t "add without --user: exit 1, says what is missing" 'rc_is 1 && err_hasi "user"'
cm -f "$T/one.xml" lookup
t "lookup without CERT: exit 1" 'rc_is 1 && err_hasi "usage"'

# ---------------------------------------------------------------- lookup

cm -f "$T/one.xml" lookup "$P/alice.pem"
t "lookup of a mapped certificate (PEM) prints its userName, exit 0" \
	'rc_is 0 && out_is alice'
cm -f "$T/one.xml" lookup "$P/alice.der"
t "lookup reads a DER certificate" 'rc_is 0 && out_is alice'
cm -f "$T/one.xml" lookup "$P/alice.b64"
t "lookup reads a base64 certificate" 'rc_is 0 && out_is alice'
cm -f "$T/one.xml" lookup - <"$P/alice.pem"
t "lookup - reads standard input" 'rc_is 0 && out_is alice'
cm -f "$T/one.xml" lookup "$P/zed.pem"
t "lookup of an unmapped certificate: exit 2, silent" 'rc_is 2 && out_empty && [ ! -s "$T/err" ]'
cm -f "$T/one.xml" lookup "$P/carol.pem"
t "lookup of a disabled entry: exit 2" 'rc_is 2 && out_empty'
cm -f "$T/off.xml" lookup "$P/alice.pem"
t "lookup in a disabled section: exit 2" 'rc_is 2 && out_empty'
cm -f "$T/clean.xml" lookup "$P/bob.pem"
t "lookup prints the userName as written (EXAMPLE\\bob)" 'rc_is 0 && out_is "EXAMPLE\\bob"'
cm -f "$T/loc.xml" lookup "$P/alice.pem"
t "lookup at the top level of a full configuration" 'rc_is 0 && out_is alice'
cm -f "$T/loc.xml" -l app lookup "$P/alice.pem"
t "lookup -l app: cleared by <clear/>, exit 2" 'rc_is 2 && out_empty'
cm -f "$T/loc.xml" -l APP/sub lookup "$P/bob.pem"
t "lookup -l APP/sub: the app level applies, without case" 'rc_is 0 && out_is bob'
cm -f "$T/loc.xml" -l application lookup "$P/bob.pem"
t "lookup -l application: 'app' applies by whole segments only" 'rc_is 2'
cm -f "$T/invalid.xml" lookup "$P/alice.pem"
t "lookup with an invalid file: exit 1, certmap: FILE:LINE:COL: reason" \
	'rc_is 1 && out_empty && err_re "^certmap: $T/invalid.xml:3:[0-9]+: ."'
cm -f "$T/gw.xml" lookup "$P/alice.pem"
t "lookup with a group-writable file: exit 1" 'rc_is 1 && out_empty && err_hasi "$T/gw.xml"'
cm -f "$T/nonexistent.xml" lookup "$P/alice.pem"
t "lookup with a missing file: exit 1" 'rc_is 1 && err_hasi "$T/nonexistent.xml"'
cm -f "$T/one.xml" lookup "$T/nonexistent.pem"
t "lookup of an unreadable certificate: exit 1, certmap: CERT: reason" \
	'rc_is 1 && out_empty && err_hasi "certmap: $T/nonexistent.pem: "'
cm -f "$T/one.xml" lookup "$T/junk.pem"
t "lookup of a file that is no certificate: exit 1" \
	'rc_is 1 && out_empty && err_hasi "certmap: $T/junk.pem: "'

# ---------------------------------------------------------------- check

cm -f "$T/clean.xml" check
t "check of a clean file: exit 0, 0 errors, 0 warnings" \
	'rc_is 0 && out_re "^$T/clean.xml: 0 errors, 0 warnings$"'
cm -f "$T/one.xml" check
t "check: a disabled entry is not a problem" 'rc_is 0 && out_hasi "0 errors, 0 warnings"'
cm -f "$T/dead.xml" check
t "check of a dead entry: exit 1, FILE:4: error with the reason and a hint" \
	'rc_is 1 && out_re "^$T/dead.xml:4: error: certificate value is not a certificate: " &&
	 out_hasi "thumbprint" && out_hasi "certmap add" && out_hasi "1 error, 0 warnings"'
cm -f "$T/notcert.xml" check
t "check of base64 that is no certificate: exit 1" \
	'rc_is 1 && out_re "^$T/notcert.xml:3: error: .*does not decode to an X.509 certificate"'
cm -f "$T/expired.xml" check
t "check of an expired certificate: a warning, exit 0" \
	'rc_is 0 && out_re "^$T/expired.xml:3: warning: .*expired on 2021-01-01"'
t "check of a certificate not yet valid: a warning" \
	'out_re "^$T/expired.xml:4: warning: .*not valid before 2090-01-01" &&
	 out_hasi "0 errors, 2 warnings"'
cm -f "$T/unknown.xml" check
t "check of userNames that are no local account: warnings, exit 0" \
	'rc_is 0 && out_re "^$T/unknown.xml:3: warning: .*mallory.*not a local account" &&
	 out_re "^$T/unknown.xml:4: warning: .*OTHER.*bob.*not a local account" &&
	 out_hasi "0 errors, 2 warnings"'
cm -f "$T/nouser.xml" check
t "check of an enabled entry without userName: a warning" \
	'rc_is 0 && out_re "^$T/nouser.xml:3: warning: .*userName"'
cm -f "$T/password.xml" check
t "check of a plaintext password: a warning, exit 0" \
	'rc_is 0 && out_re "^$T/password.xml:3: warning: plaintext password" &&
	 out_hasi "0 errors, 1 warning"'
t "check never prints the password value" 'nowhere "$SECRET"'
cm -f "$T/invalid.xml" check
t "check of an invalid file: exit 1, FILE:LINE: error" \
	'rc_is 1 && out_re "^$T/invalid.xml:3: error: ." && out_hasi "1 error"'
cm -f "$T/gw.xml" check
t "check of a group-writable file: exit 1, an error" \
	'rc_is 1 && out_re "^$T/gw.xml: error: ."'
cm -f "$T/notroot.xml" check
t "check of a file not owned by root: exit 1, an error" \
	'rc_is 1 && out_re "^$T/notroot.xml: error: ."'
cm -f "$T/link.xml" check
t "check of a symbolic link: exit 1" 'rc_is 1 && out_re "^$T/link.xml: error: ."'
cm -f "$T/nonexistent.xml" check
t "check of a missing file: exit 1" 'rc_is 1 && out_hasi "$T/nonexistent.xml: error: "'
cm -f "$T/one.xml" check extra
t "check takes no argument: exit 1" 'rc_is 1 && err_hasi "usage"'

# ---------------------------------------------------------------- explain

cm -f "$T/one.xml" explain "$P/alice.pem"
t "explain of a mapped certificate: exit 0, result: maps to alice" \
	'rc_is 0 && out_re "^result: maps to alice$"'
t "explain names the entry line and the certificate" \
	'out_hasi "line 4" && out_hasi "CN=alice" &&
	 out_hasi "$(pki_sha256 "$P/alice.pem")"'
t "explain says the key is supported" 'out_re "^key: supported by pam_certmap$"'
cm -f "$T/one.xml" explain --user alice "$P/alice.pem"
t "explain --user alice: exit 0" 'rc_is 0 && out_re "^result: maps to alice$"'
cm -f "$T/one.xml" explain "$P/alice.pem" --user bob
t "explain --user bob of alice's certificate: exit 2" \
	'rc_is 2 && out_re "^result: does not map: .*bob"'
cm -f "$T/one.xml" explain "$P/carol.pem"
t "explain of a disabled entry: exit 2, says disabled" \
	'rc_is 2 && out_re "^result: does not map: .*disabled"'
cm -f "$T/loc.xml" -l app explain "$P/alice.pem"
t "explain of an entry cleared by <clear/>: exit 2, says cleared" \
	'rc_is 2 && out_hasi "cleared" && out_re "^result: does not map"'
cm -f "$T/loc.xml" explain "$P/bob.pem"
t "explain of a certificate mapped only at another location: exit 2, says where" \
	'rc_is 2 && out_re "^result: does not map: .*other location.*line 20"'
cm -f "$T/off.xml" explain "$P/alice.pem"
t "explain in a disabled section: exit 2" \
	'rc_is 2 && out_re "^result: does not map: .*not enabled"'
cm -f "$T/one.xml" explain "$P/zed.pem"
t "explain of an unmapped certificate: exit 2" \
	'rc_is 2 && out_re "^result: does not map: "'
cm -f "$T/expired.xml" explain "$P/expired.pem"
t "explain of an expired certificate: exit 2, says expired" \
	'rc_is 2 && out_re "^result: does not map: .*expired"'
cm -f "$T/unknown.xml" explain "$P/alice.pem"
t "explain of a userName with no local account: exit 2" \
	'rc_is 2 && out_re "^result: does not map: .*mallory.*not a local account"'
cm -f "$T/clean.xml" explain "$P/bob.pem"
t "explain: EXAMPLE\\bob resolves to bob through defaultLogonDomain" \
	'rc_is 0 && out_re "^result: maps to bob$"'
cm -f "$T/password.xml" explain "$P/alice.pem"
t "explain never prints the password value" 'rc_is 0 && nowhere "$SECRET"'
cm -f "$T/invalid.xml" explain "$P/alice.pem"
t "explain with an invalid file: exit 1" 'rc_is 1 && err_re "^certmap: $T/invalid.xml:3:"'
cm -f "$T/one.xml" explain "$T/junk.pem"
t "explain of a file that is no certificate: exit 1" 'rc_is 1 && err_hasi "$T/junk.pem"'

cm -f "$T/expired.xml" explain "$P/notyet.pem"
t "explain of a certificate not yet valid: exit 2" \
	'rc_is 2 && out_re "^result: does not map: .*not valid before 2090-01-01"'

tap_done
