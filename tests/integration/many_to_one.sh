#!/bin/sh
# many_to_one.sh - many-to-one mappings through a real PAM stack (env source): Allow grants
# only for a chain verified against the module's anchors, Deny refuses, an exact one-to-one
# entry wins, and each refusal (SPEC 3.5) is logged with its cause.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers

# The other CA first (pki_init makes $PKI the current CA): the same name as the real one,
# another key, as anyone can make.
pki_init "$T/evil" || bail "cannot make the other CA"
pki_issue "$T/evil/staff.pem" "$PKI/client.key" "/O=Example/OU=Staff/CN=alice" ||
	bail "cannot issue from the other CA"
P=$T/pki
pki_init "$P" || bail "cannot make the CA"
issue() { pki_issue "$P/$1.pem" "$PKI/client.key" "$2" || bail "cannot issue $1"; }
issue staff "/O=Example/OU=Staff/CN=alice"
issue contractor "/O=Example/OU=Staff/OU=Contractors/CN=carol"
issue intern "/O=Example/OU=Interns/CN=erin"
issue ghost "/O=Example/OU=Ghosts/CN=zed"
issue exact "/O=Example/OU=Staff/CN=bob"
issue exactoff "/O=Example/OU=Staff/CN=dave"
issue sales "/O=Example/OU=Sales/CN=erin"
pki_issue "$P/old.pem" "$PKI/client.key" "/O=Example/OU=Staff/CN=old" \
	20200101000000Z 20210101000000Z || bail "cannot issue old"
mkdir "$T/cadir" && cp "$P/ca.pem" "$T/cadir/" && openssl rehash "$T/cadir" 2>/dev/null ||
	bail "cannot make the CA directory"
sha() { pki_sha256 "$1"; }

# Line numbers matter: the log names them.
MAP=$T/map.xml
mapfile_write "$MAP" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer><security><authentication>
    <iisClientCertificateMappingAuthentication enabled="true">
      <oneToOneMappings>
        $(xml_add "$P/exact.pem" bob)
        $(xml_add "$P/exactoff.pem" dave 'enabled="false"')
      </oneToOneMappings>
      <manyToOneMappings>
        <add name="Contractors" permissionMode="Deny">
          <rules>
            $(xml_rule Subject OU Contractors)
          </rules>
        </add>
        <add name="Staff" userName="alice" description="everyone in Staff" password="[enc:AesProvider:x:enc]">
          <rules>
            $(xml_rule Subject OU staff 'compareCaseSensitive="false"')
            $(xml_rule Issuer CN 'Test CA')
          </rules>
        </add>
        <add name="Interns">
          <rules>$(xml_rule Subject OU Interns)</rules>
        </add>
        <add name="Ghosts" userName="zed"><rules>$(xml_rule Subject OU Ghosts)</rules></add>
      </manyToOneMappings>
    </iisClientCertificateMappingAuthentication>
  </authentication></security></system.webServer>
  <location path="m2o-only"><system.webServer><security><authentication>
    <iisClientCertificateMappingAuthentication oneToOneCertificateMappingsEnabled="false" />
  </authentication></security></system.webServer></location>
  <location path="off"><system.webServer><security><authentication>
    <iisClientCertificateMappingAuthentication oneToOneCertificateMappingsEnabled="false"
      manyToOneCertificateMappingsEnabled="false" />
  </authentication></security></system.webServer></location>
  <location path="empty"><system.webServer><security><authentication>
    <iisClientCertificateMappingAuthentication oneToOneCertificateMappingsEnabled="false">
      <manyToOneMappings><clear /></manyToOneMappings>
    </iisClientCertificateMappingAuthentication>
  </authentication></security></system.webServer></location>
</configuration>
EOF
for _l in "7:dave" "10:Contractors" "15:Staff" "21:Interns"; do
	sed -n "${_l%%:*}p" "$MAP" | grep -qF "${_l#*:}" || bail "fixture: line ${_l%%:*} moved"
done

svc m2o "$MAP" "ca_file=$P/ca.pem"
svc m2o-dir "$MAP" "ca_dir=$T/cadir"
svc m2o-noca "$MAP"
svc m2o-only "$MAP" "ca_file=$P/ca.pem" location=m2o-only
svc m2o-off "$MAP" "ca_file=$P/ca.pem" location=off
svc m2o-empty "$MAP" "ca_file=$P/ca.pem" location=empty

# t_code NAME CODE USER SERVICE CERT: pamdrive with CERT in the PAM environment, PAM_USER USER.
t_code() {
	t_drive "$1" "$2" "$3" -e SSL_CLIENT_CERT=@"$5" -u "$3" "$4"
}
# t_nouser NAME CODE USER SERVICE CERT: the same with PAM_USER unset; USER is what it becomes.
t_nouser() {
	t_drive "$1" "$2" "$3" -e SSL_CLIENT_CERT=@"$5" -U "$4"
}

# ---------------------------------------------------------------- Allow

t_code "Allow: a Staff certificate of the trusted CA maps to alice" PAM_SUCCESS alice m2o \
	"$P/staff.pem"
t_log "Allow: granted is logged" notice m2o \
	"granted: user 'alice' location 'm2o' certificate sha256:$(sha "$P/staff.pem")"
t_nouser "Allow: PAM_USER unset becomes alice" PAM_SUCCESS alice m2o "$P/staff.pem"
t_code "Allow: the anchors from ca_dir serve as well" PAM_SUCCESS alice m2o-dir "$P/staff.pem"
t_code "Allow: mapped to alice, not to bob" PAM_AUTH_ERR bob m2o "$P/staff.pem"
t_log "Allow: another user is logged" warning m2o "denied: mapped to 'alice', not to 'bob'"

# ---------------------------------------------------------------- names prove nothing

t_code "no trust anchors: the Staff match is refused" PAM_AUTH_ERR alice m2o-noca \
	"$P/staff.pem"
t_log "no trust anchors: logged as such" warning m2o-noca \
	"denied: many-to-one mapping 'Staff' (line 15) matched, but names prove nothing without \
trust anchors: set ca_file or ca_dir: user 'alice' location 'm2o-noca'"
t_nouser "no trust anchors: PAM_USER stays unset" PAM_AUTH_ERR "(null)" m2o-noca \
	"$P/staff.pem"
t_code "untrusted CA with a matching subject and issuer name: refused" PAM_AUTH_ERR alice m2o \
	"$T/evil/staff.pem"
t_log "untrusted CA: logged" warning m2o \
	"denied: many-to-one mapping 'Staff' (line 15) matched, but the certificate is not trusted: \
chain: unable to get local issuer certificate"
t_code "an expired certificate that matches: refused" PAM_AUTH_ERR alice m2o "$P/old.pem"
t_log "expired: logged" warning m2o "denied: certificate expired: user 'alice'"

# ---------------------------------------------------------------- Deny and the walk

t_code "Deny: a contractor is refused (Deny comes first)" PAM_AUTH_ERR carol m2o \
	"$P/contractor.pem"
t_log "Deny: logged with the mapping and its line" warning m2o \
	"denied: matched many-to-one Deny mapping 'Contractors' (line 10): user 'carol' location \
'm2o' certificate sha256:$(sha "$P/contractor.pem")"
t_code "Deny: refused without trust anchors too" PAM_AUTH_ERR carol m2o-noca "$P/contractor.pem"
t_log "Deny without trust anchors: logged as the Deny" warning m2o-noca \
	"denied: matched many-to-one Deny mapping 'Contractors' (line 10)"
t_nouser "Allow without userName decides: nothing maps" PAM_AUTH_ERR "(null)" m2o \
	"$P/intern.pem"
t_log "Allow without userName: logged" warning m2o \
	"denied: many-to-one mapping 'Interns' (line 21) has no userName"
t_nouser "no mapping matches: refused" PAM_AUTH_ERR "(null)" m2o "$P/sales.pem"
t_log "no mapping matches: logged" warning m2o "denied: no mapping for this certificate"
t_nouser "the mapped account does not exist" PAM_USER_UNKNOWN "(null)" m2o "$P/ghost.pem"
t_log "the mapped account does not exist: logged" warning m2o \
	"denied: mapped account 'zed' does not exist"

# ---------------------------------------------------------------- one-to-one first

t_nouser "one-to-one wins: bob's exact entry over the Staff mapping" PAM_SUCCESS bob m2o \
	"$P/exact.pem"
t_code "one-to-one wins: a disabled exact entry decides" PAM_AUTH_ERR dave m2o \
	"$P/exactoff.pem"
t_log "a disabled exact entry: logged" warning m2o "denied: mapping at line 7 is disabled"
t_code "one-to-one off at the location: the Staff mapping applies" PAM_SUCCESS alice m2o-only \
	"$P/staff.pem"
t_nouser "one-to-one off at the location: bob's entry decides nothing" PAM_SUCCESS alice \
	m2o-only "$P/exact.pem"

# ---------------------------------------------------------------- no collection usable

t_code "one-to-one and many-to-one off: mapping is off" PAM_AUTHINFO_UNAVAIL alice m2o-off \
	"$P/staff.pem"
t_log "both off: logged as before" warning m2o-off \
	"denied: certificate mapping is disabled for location 'off' \
(oneToOneCertificateMappingsEnabled=false)"
t_code "one-to-one off and no enabled mapping: mapping is off" PAM_AUTHINFO_UNAVAIL alice \
	m2o-empty "$P/staff.pem"
t_log "no enabled mapping: logged" warning m2o-empty \
	"denied: certificate mapping is disabled for location 'empty'"

# ---------------------------------------------------------------- an invalid rule

sed 's/certificateSubField="OU" matchCriteria="Interns"/certificateSubField="Unit" matchCriteria="Interns"/' \
	"$MAP" > "$T/bad.tmp"
mapfile_write "$T/bad.xml" < "$T/bad.tmp"
svc m2o-bad "$T/bad.xml" "ca_file=$P/ca.pem"
t_code "an unknown certificateSubField makes the file invalid" PAM_AUTHINFO_UNAVAIL alice \
	m2o-bad "$P/staff.pem"
t_log "an unknown certificateSubField: logged with its line" err m2o-bad \
	"mapping file $T/bad.xml: 22:"

tap_done
