#!/bin/sh
# env_source.sh - the env source through a real PAM stack: where the certificate is read
# from, PAM_USER given, empty or different, domains, env= and location=.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers
P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"
sha() { pki_sha256 "$P/$1.pem"; }

MAP=$T/map.xml
map_simple "$MAP" <<EOF
$(xml_add "$P/alice.pem" alice)
$(xml_add "$P/bob.pem" bob)
$(xml_add "$P/dave.pem" 'EXAMPLE\dave')
$(xml_add "$P/erin.pem" erin@example.test)
EOF

# ---------------------------------------------------------------- where the value comes from

svc es-proc "$MAP" process_env
t_tester "process_env: certificate in pamtester's environment" PAM_SUCCESS es-proc alice \
	SSL_CLIENT_CERT="$(cat "$P/alice.pem")"
t_log "process_env: granted is logged" notice es-proc \
	"granted: user 'alice' location 'es-proc' certificate sha256:$(sha alice) subject '"

svc es-pam "$MAP"
t_drive "pam_putenv: certificate in the PAM environment" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-pam
t_log "pam_putenv: granted is logged" notice es-pam \
	"granted: user 'alice' location 'es-pam' certificate sha256:$(sha alice) subject '"

t_tester "without process_env the process environment is not read (pamtester)" \
	PAM_AUTHINFO_UNAVAIL es-pam alice SSL_CLIENT_CERT="$(cat "$P/alice.pem")"
t_log "without process_env: variable is not set" warning es-pam \
	"denied: variable SSL_CLIENT_CERT is not set"

t_drive_env "without process_env the process environment is not read (pamdrive)" \
	PAM_AUTHINFO_UNAVAIL alice SSL_CLIENT_CERT="$(cat "$P/alice.pem")" -u alice es-pam

# The PAM environment is asked first: bob's certificate there, alice's in the process.
t_drive_env "process_env: the PAM environment wins over the process environment" \
	PAM_SUCCESS bob SSL_CLIENT_CERT="$(cat "$P/alice.pem")" \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -u bob es-proc
t_drive_env "process_env: the process environment is read when the PAM one is unset" \
	PAM_SUCCESS alice SSL_CLIENT_CERT="$(cat "$P/alice.pem")" -u alice es-proc
: > "$T/empty"
t_drive_env "process_env: an empty PAM variable is not replaced by the process one" \
	PAM_AUTHINFO_UNAVAIL alice SSL_CLIENT_CERT="$(cat "$P/alice.pem")" \
	-e SSL_CLIENT_CERT=@"$T/empty" -u alice es-proc
t_log "process_env: the empty PAM variable is logged" warning es-proc \
	"denied: variable SSL_CLIENT_CERT is empty"

# ---------------------------------------------------------------- PAM_USER

t_drive "PAM_USER unset: set to the mapped account" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -U es-pam
t_log "PAM_USER unset: granted names the mapped account" notice es-pam \
	"granted: user 'alice' location 'es-pam'"
t_drive "PAM_USER unset: another certificate, another account" PAM_SUCCESS bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -U es-pam
t_drive "PAM_USER empty: set to the mapped account" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u "" es-pam
t_drive "PAM_USER is another user: denied" PAM_AUTH_ERR bob \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u bob es-pam
t_log "PAM_USER is another user: logged" warning es-pam \
	"denied: mapped to 'alice', not to 'bob': user 'bob' location 'es-pam' certificate \
sha256:$(sha alice)"
t_tester "PAM_USER is another user: denied (pamtester)" PAM_AUTH_ERR es-proc carol \
	SSL_CLIENT_CERT="$(cat "$P/alice.pem")"
t_drive "PAM_USER unset and the certificate unmapped: stays unset" PAM_AUTH_ERR "(null)" \
	-e SSL_CLIENT_CERT=@"$P/mallory.pem" -U es-pam
t_log "PAM_USER unset: logged as (none)" warning es-pam \
	"denied: no mapping for this certificate: user '(none)' location 'es-pam'"

# ---------------------------------------------------------------- domains (SPEC 3.4)

DOM=$T/domain.xml
map_simple "$DOM" <<EOF
$(xml_add "$P/alice.pem" 'EXAMPLE\alice')
$(xml_add "$P/bob.pem" 'OTHER\bob')
$(xml_add "$P/carol.pem" 'carol@Example')
$(xml_add "$P/dave.pem" 'EXAMPLE\dave')
$(xml_add "$P/erin.pem" 'erin@example.test')
$(xml_add "$P/nobody.pem" '.\nobody')
EOF
svc es-dom "$DOM" domain=EXAMPLE
svc es-domlc "$DOM" domain=example
svc es-nodom "$DOM"

t_drive "domain=EXAMPLE: EXAMPLE\\alice is alice" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-dom
t_drive "domain=EXAMPLE: EXAMPLE\\alice sets PAM_USER to alice" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -U es-dom
t_drive "domain=example: the domain is compared without case" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-domlc
t_drive "domain=EXAMPLE: carol@Example is carol" PAM_SUCCESS carol \
	-e SSL_CLIENT_CERT=@"$P/carol.pem" -u carol es-dom
t_drive "domain=EXAMPLE: OTHER\\bob is unknown" PAM_USER_UNKNOWN bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -u bob es-dom
t_log "domain=EXAMPLE: OTHER\\bob is logged as missing" warning es-dom \
	"denied: mapped account 'OTHER\\bob' does not exist"
t_drive "no domain: EXAMPLE\\alice is unknown" PAM_USER_UNKNOWN alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-nodom
t_log "no domain: EXAMPLE\\alice is logged as missing" warning es-nodom \
	"denied: mapped account 'EXAMPLE\\alice' does not exist"
t_drive "verbatim account EXAMPLE\\dave" PAM_SUCCESS 'EXAMPLE\dave' \
	-e SSL_CLIENT_CERT=@"$P/dave.pem" -U es-dom
t_drive "verbatim account EXAMPLE\\dave, no domain" PAM_SUCCESS 'EXAMPLE\dave' \
	-e SSL_CLIENT_CERT=@"$P/dave.pem" -u 'EXAMPLE\dave' es-nodom
t_drive "verbatim EXAMPLE\\dave is not dave" PAM_AUTH_ERR dave \
	-e SSL_CLIENT_CERT=@"$P/dave.pem" -u dave es-dom
t_drive "verbatim account erin@example.test" PAM_SUCCESS erin@example.test \
	-e SSL_CLIENT_CERT=@"$P/erin.pem" -U es-nodom
t_drive ".\\nobody is nobody without any domain" PAM_SUCCESS nobody \
	-e SSL_CLIENT_CERT=@"$P/nobody.pem" -U es-nodom

DLD=$T/defaultdomain.xml
map_simple "$DLD" 'defaultLogonDomain="example"' <<EOF
$(xml_add "$P/alice.pem" 'EXAMPLE\alice')
$(xml_add "$P/bob.pem" 'OTHER\bob')
EOF
svc es-dld "$DLD"
t_drive "defaultLogonDomain: EXAMPLE\\alice is alice" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-dld
t_drive "defaultLogonDomain: OTHER\\bob is unknown" PAM_USER_UNKNOWN bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -u bob es-dld
svc es-dld2 "$DLD" domain=OTHER
t_drive "defaultLogonDomain and domain= both count" PAM_SUCCESS bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -u bob es-dld2
t_drive "defaultLogonDomain and domain= both count (the other one)" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-dld2

# ---------------------------------------------------------------- env=

svc es-envname "$MAP" env=HTTP_X_CLIENT_CERT
t_drive "env=HTTP_X_CLIENT_CERT is read" PAM_SUCCESS alice \
	-e HTTP_X_CLIENT_CERT=@"$P/alice.pem" -u alice es-envname
t_drive "env=HTTP_X_CLIENT_CERT: SSL_CLIENT_CERT is not read" PAM_AUTHINFO_UNAVAIL alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-envname
t_log "env=HTTP_X_CLIENT_CERT: its name is logged" warning es-envname \
	"denied: variable HTTP_X_CLIENT_CERT is not set"
svc es-envproc "$MAP" env=HTTP_X_CLIENT_CERT process_env
t_tester "env=HTTP_X_CLIENT_CERT with process_env" PAM_SUCCESS es-envproc alice \
	HTTP_X_CLIENT_CERT="$(cat "$P/alice.pem")"

# ---------------------------------------------------------------- location=

LOC=$T/locations.xml
mapfile_write "$LOC" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer><security><authentication>
    <iisClientCertificateMappingAuthentication enabled="false" />
  </authentication></security></system.webServer>
  <location path="webapp/admin">
    <system.webServer><security><authentication>
      <iisClientCertificateMappingAuthentication>
        <oneToOneMappings>
          <clear />
          $(xml_add "$P/bob.pem" bob)
        </oneToOneMappings>
      </iisClientCertificateMappingAuthentication>
    </authentication></security></system.webServer>
  </location>
  <location path="webapp">
    <system.webServer><security><authentication>
      <iisClientCertificateMappingAuthentication enabled="true">
        <oneToOneMappings>
          $(xml_add "$P/alice.pem" alice)
        </oneToOneMappings>
      </iisClientCertificateMappingAuthentication>
    </authentication></security></system.webServer>
  </location>
</configuration>
EOF
svc webapp "$LOC"
svc es-noloc "$LOC"
svc es-loc "$LOC" location=webapp
svc es-locadmin "$LOC" location=webapp/admin
svc es-locdeep "$LOC" location=/WebApp/Admin/reports/
svc es-locprefix "$LOC" location=webappx

t_drive "default location is the service name" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice webapp
t_log "default location is logged" notice webapp "granted: user 'alice' location 'webapp'"
t_drive "a service without a location block: disabled at the top" PAM_AUTHINFO_UNAVAIL alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-noloc
t_log "disabled at the top: logged" warning es-noloc \
	"denied: certificate mapping is disabled for location 'es-noloc' (enabled=false)"
t_drive "location=webapp overrides the service name" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-loc
t_log "location=webapp is logged" notice es-loc "granted: user 'alice' location 'webapp'"
t_drive "location=webapp/admin: <clear/> removed alice" PAM_AUTH_ERR alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-locadmin
t_drive "location=webapp/admin: bob, added after <clear/>" PAM_SUCCESS bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -u bob es-locadmin
t_drive "location=webapp/admin: PAM_USER set to bob" PAM_SUCCESS bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -U es-locadmin
t_drive "a deeper location, other case, extra slashes" PAM_SUCCESS bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -u bob es-locdeep
t_drive "webapp does not apply to webappx" PAM_AUTHINFO_UNAVAIL alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -u alice es-locprefix
t_drive "webapp/admin does not apply to webapp" PAM_AUTH_ERR bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -u bob es-loc

tap_done
