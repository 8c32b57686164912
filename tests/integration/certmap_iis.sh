#!/bin/sh
# certmap_iis.sh - certmap check over files shaped as Microsoft's documentation samples and
# real applicationHost.config files have them: placeholders, a collection under the wrong
# section, plaintext passwords, local names written .\name (TAP).
# shellcheck disable=SC2016 # each test's condition is quoted for t's eval
# shellcheck disable=SC1091 # lib.sh is found through $top_srcdir

# shellcheck disable=SC2154 # top_srcdir and top_builddir come from make check
. "$top_srcdir/tests/lib.sh"

need_certmap users
diag_of() { grep "^$T/$1.xml:$2: " "$T/out"; }

# As the IIS documentation's samples: a bare location fragment made a configuration,
# 3-space indent, attributes on their own lines, the placeholders left in.
mapfile_write "$T/docs.xml" <<'EOF'
<configuration>
   <location path="Default Web Site">
      <system.webServer>
         <security>
            <authentication>
               <iisClientCertificateMappingAuthentication enabled="true"
                  oneToOneCertificateMappingsEnabled="true">
                  <oneToOneMappings>
                     <add enabled="true"
                        userName="alice"
                        password="[enc:57686f6120447564652c2049495320526f636b73:enc]"
                        certificate="Base64-Encoded-Certificate-Data" />
                     <add userName="bob" password="securePassWord!1" certificate="CERTIFICATE_BLOB" />
                  </oneToOneMappings>
               </iisClientCertificateMappingAuthentication>
            </authentication>
         </security>
      </system.webServer>
   </location>
</configuration>
EOF
cm -f "$T/docs.xml" check
t "placeholders: errors, each called text rather than base64url" \
	'rc_is 1 && diag_of docs 9 | grep -q "error: .*not base64 at all but text" &&
	 diag_of docs 13 | grep -q "error: .*not base64 at all but text"'
t "placeholders: no advice to write '+' for '-'" '! out_has "for '"'-'"'"'
t "placeholders: the command that maps the certificate, at the location" \
	'diag_of docs 13 | grep -qF "certmap -f $T/docs.xml -l '"'Default Web Site'"' add --user bob CERT.pem"'
t "a plaintext password is told, its value never printed" \
	'diag_of docs 13 | grep -q "warning: plaintext password" && ! out_has securePassWord'

# A real base64url value is still called so, with its mending.
B64URL=MIIBSTCB8QIUfowXSr_EVbQhptc_DBN6wTaxwowwCgYIKoZIzj0EAwIwLjEQMA4GA1UECgwHRXhhbXBsZTEa
mapfile_write "$T/url.xml" <<EOF
<iisClientCertificateMappingAuthentication enabled="true"><oneToOneMappings>
<add userName="alice" certificate="$B64URL" />
</oneToOneMappings></iisClientCertificateMappingAuthentication>
EOF
cm -f "$T/url.xml" check
t "a base64url value: still base64url, with '+' for '-'" \
	'rc_is 1 && diag_of url 2 | grep "base64url" | grep -qF "'"'+' for '-'"'"'

# The AD-mapping section with a one-to-one collection in it: IIS says "Unrecognized
# element", and nothing maps; here the file is invalid and says where.
mapfile_write "$T/ad.xml" <<'EOF'
<configuration>
  <system.webServer>
    <security>
      <authentication>
        <clientCertificateMappingAuthentication enabled="true">
          <oneToOneMappings>
            <add userName="alice" certificate="[Certificate Thumbprint]" />
          </oneToOneMappings>
        </clientCertificateMappingAuthentication>
      </authentication>
    </security>
  </system.webServer>
</configuration>
EOF
cm -f "$T/ad.xml" check
t "a collection under <clientCertificateMappingAuthentication>: an error with its line" \
	'rc_is 1 && diag_of ad 6 | grep -q "error: unrecognized element '"'oneToOneMappings'"' inside <clientCertificateMappingAuthentication>" &&
	 out_has "1 error"'
cm -f "$T/ad.xml" explain "$top_srcdir/examples/certs/alice.pem"
t "explain of that file: exit 1, the reason with its line" 'rc_is 1 && err_has "ad.xml:6:"'

# .\name: the local name, and which names were tried.
mapfile_write "$T/dot.xml" <<'EOF'
<iisClientCertificateMappingAuthentication enabled="true" defaultLogonDomain="EXAMPLE">
  <manyToOneMappings>
    <add name="a" userName=".\zed"><rules><add certificateField="Subject" certificateSubField="CN" matchCriteria="a" /></rules></add>
    <add name="b" userName="OTHER\zed"><rules><add certificateField="Subject" certificateSubField="CN" matchCriteria="b" /></rules></add>
    <add name="c" userName=".\alice"><rules><add certificateField="Subject" certificateSubField="CN" matchCriteria="c" /></rules></add>
  </manyToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF
cm -f "$T/dot.xml" check
t "a .\\name that is no account: both names tried are named" \
	'diag_of dot 3 | grep -qF "userName '"'.\\zed'"' is not a local account: tried '"'.\\zed'"' and '"'zed'"'"'
t "another domain: only the name as written was tried, and why" \
	'diag_of dot 4 | grep -F "tried '"'OTHER\\zed'"' only" | grep -qF "defaultLogonDomain ('"'EXAMPLE'"' here)"'
t "a .\\name of an account: no warning" '! diag_of dot 5 | grep -q warning'

tap_done
