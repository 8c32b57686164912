#!/bin/sh
# web.sh - Apache with mod_ssl requires a client certificate and runs examples/cgi/pam-auth,
# which asks PAM (source=env process_env, /etc/pam.d/webapp-cgi) whom it maps to: curl with
# the mapped certificate gets 200, with an unmapped or disabled one 403, without one no TLS.
. "${top_srcdir:?}/tests/system/lib.sh"

sys_begin apache2 curl openssl gcc libc6-dev libpam0g-dev
sys_module

ALICE=cmtest-alice
BOB=cmtest-bob
MAP=$D/certmap.xml
A=$D/apache
mkdir -p "$A/cgi-bin" && chmod 0755 "$A" "$A/cgi-bin" || bail "mkdir $A"

# Client certificates from a CA that Apache trusts (one key serves them all: the mapping is
# by certificate); the server's own, self-signed, for 127.0.0.1.
pki_make_all "$D/pki" || bail "cannot make certificates"
P=$D/pki
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
	-addext "extendedKeyUsage=serverAuth" -keyout "$A/server.key" -out "$A/server.pem" \
	2>/dev/null || bail "cannot make the server certificate"

# The webapp level of a full IIS configuration: alice enabled, bob disabled, carol absent.
cat > "$MAP" <<EOF || bail "cannot write $MAP"
<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <location path="webapp">
    <system.webServer><security><authentication>
      <iisClientCertificateMappingAuthentication enabled="true">
        <oneToOneMappings>
          $(xml_add "$P/alice.pem" "$ALICE")
          $(xml_add "$P/bob.pem" "$BOB" 'enabled="false"')
        </oneToOneMappings>
      </iisClientCertificateMappingAuthentication>
    </authentication></security></system.webServer>
  </location>
</configuration>
EOF
chmod 0644 "$MAP"
sys_user "$ALICE"
sys_user "$BOB"

# examples/pam.d/webapp-cgi, with the module of the build tree and the test's mapping file
sys_pamd_example webapp-cgi
grep -q "^auth.*source=env process_env" /etc/pam.d/webapp-cgi ||
	bail "examples/pam.d/webapp-cgi has no 'source=env process_env' line"

# examples/cgi/pam-auth.c, built as the example says
cc -Wall -Wextra -Werror -o "$A/cgi-bin/pam-auth" "$top_srcdir/examples/cgi/pam-auth.c" -lpam ||
	bail "cannot build examples/cgi/pam-auth.c"
chmod 0755 "$A/cgi-bin/pam-auth"

# examples/apache/certmap-cgi.conf, with only the address and the paths changed
PORT=$(free_port)
sed -e "s|\*:443|127.0.0.1:$PORT|" \
	-e "s|/etc/ssl/certs/app.example.test.pem|$A/server.pem|" \
	-e "s|/etc/ssl/private/app.example.test.key|$A/server.key|" \
	-e "s|/etc/ssl/certs/client-ca.pem|$P/ca.pem|" \
	-e "s|/usr/lib/cgi-bin/pam-auth|$A/cgi-bin/pam-auth|" \
	"$top_srcdir/examples/apache/certmap-cgi.conf" > "$A/site.conf" ||
	bail "cannot read examples/apache/certmap-cgi.conf"
grep -v '^[[:space:]]*#' "$A/site.conf" | grep -qE '/etc/ssl|/usr/lib/cgi-bin|:443' &&
	bail "examples/apache/certmap-cgi.conf changed: update the substitutions in web.sh"

# The rest of a server: the modules Debian's a2enmod ssl cgi would enable, for prefork.
M=/usr/lib/apache2/modules
cat > "$A/httpd.conf" <<EOF || bail "cannot write $A/httpd.conf"
LoadModule mpm_prefork_module $M/mod_mpm_prefork.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule alias_module $M/mod_alias.so
LoadModule cgi_module $M/mod_cgi.so
LoadModule socache_shmcb_module $M/mod_socache_shmcb.so
LoadModule ssl_module $M/mod_ssl.so
ServerName 127.0.0.1
User www-data
Group www-data
Listen 127.0.0.1:$PORT
DefaultRuntimeDir $A
PidFile $A/httpd.pid
Mutex file:$A default
ErrorLog $A/error.log
LogLevel info
LogFormat "%h %u \"%r\" %>s" short
CustomLog $A/access.log short
SSLSessionCache shmcb:$A/ssl_scache(512000)
<Directory />
	Require all denied
</Directory>
Include $A/site.conf
EOF
apache2 -t -f "$A/httpd.conf" > "$A/configtest" 2>&1 || bail "apache2 -t: $(cat "$A/configtest")"
daemon apache2 apache2 -f "$A/httpd.conf" -DFOREGROUND
APACHE_PID=$DAEMON_PID
wait_port "$PORT" "$APACHE_PID" ||
	bail "Apache did not listen on $PORT: $(cat "$D/apache2.out" "$A/error.log" 2>/dev/null)"

# get NAME [CURL ARG...]: GET /login; sets CODE (000: no HTTP answer), CURL_RC, BODY.
get() {
	log_mark
	CODE=$(timeout 60 curl -s -S -o "$D/body" -w '%{http_code}' --cacert "$A/server.pem" \
		"$@" "https://127.0.0.1:$PORT/login" 2> "$D/curl.err")
	CURL_RC=$?
	BODY=$(cat "$D/body" 2>/dev/null)
	rm -f "$D/body"
}

t_get() {
	if [ "$CODE $BODY" = "$2" ]; then
		tap_ok "$1"
	else
		tap_notok "$1" "want: $2" "got: $CODE $BODY (curl exit $CURL_RC)" \
			"$(cat "$D/curl.err")" "error.log:" "$(tail -n 5 "$A/error.log")"
	fi
}

get --cert "$P/alice.pem" --key "$P/client.key"
t_get "alice's mapped certificate: 200, and the CGI names her" "200 hello $ALICE"

get --cert "$P/bob.pem" --key "$P/client.key"
t_get "bob's disabled mapping: 403" "403 forbidden"

get --cert "$P/carol.pem" --key "$P/client.key"
t_get "carol's unmapped certificate: 403" "403 forbidden"

get --cert "$P/zed.pem" --key "$P/client.key" -H "SSL_CLIENT_CERT: $(tr -d '\n' < "$P/alice.pem")"
t_get "an unmapped certificate with alice's PEM in a request header: 403" "403 forbidden"

get
if [ "$CODE" = 000 ] && [ "$CURL_RC" != 0 ]; then
	tap_ok "no client certificate: the TLS handshake fails"
else
	tap_notok "no client certificate: the TLS handshake fails" \
		"got: $CODE $BODY (curl exit $CURL_RC)"
fi
t_eq "the CGI program ran for the four requests with a certificate only" 4 \
	"$(grep -c '"GET /login' "$A/access.log")" "$(cat "$A/access.log")"

sys_end
