#!/bin/sh
# return_codes.sh - each PAM code the env source can return (SPEC 3.5), each from its own
# cause, with the log line that names the cause; and which cause wins when there are two.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers
P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"
sha() { pki_sha256 "$P/$1.pem"; }

# Line numbers matter: the log names them.
MAP=$T/map.xml
mapfile_write "$MAP" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<iisClientCertificateMappingAuthentication enabled="true">
  <oneToOneMappings>
    $(xml_add "$P/alice.pem" alice)
    $(xml_add "$P/bob.pem" bob)
    $(xml_add "$P/carol.pem" carol 'enabled="false"')
    <add certificate="$(pki_b64 "$P/dave.pem")" />
    $(xml_add "$P/erin.pem" "")
    $(xml_add "$P/expired.pem" alice)
    $(xml_add "$P/notyet.pem" alice)
    $(xml_add "$P/zed.pem" zed)
  </oneToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF
[ "$(sed -n 6p "$MAP" | grep -c 'enabled="false"')" = 1 ] || bail "fixture: line 6 moved"

svc rc "$MAP"

# t_code NAME CODE USER SERVICE CERT: pamdrive with CERT in the PAM environment, PAM_USER USER.
t_code() {
	t_drive "$1" "$2" "$3" -e SSL_CLIENT_CERT=@"$P/$5.pem" -u "$3" "$4"
}

# ---------------------------------------------------------------- the control

t_code "control: alice's certificate as alice" PAM_SUCCESS alice rc alice
t_log "control: granted" notice rc \
	"granted: user 'alice' location 'rc' certificate sha256:$(sha alice) subject '"

# ---------------------------------------------------------------- PAM_SERVICE_ERR

# t_option NAME LOG-TEXT ARG...: a service with these arguments refuses alice's certificate.
t_option() {
	_n=$1 _t=$2
	shift 2
	svc_raw rc-opt "$@"
	t_code "bad option: $_n" PAM_SERVICE_ERR alice rc-opt alice
	t_log "bad option: $_n: logged" err rc-opt "$_t"
}

t_option "unknown option" "frobnicate" source=env "mapfile=$MAP" frobnicate
t_option "unknown option with a value" "colour=red" source=env "mapfile=$MAP" colour=red
t_option "a flag given a value" "debug" source=env "mapfile=$MAP" debug=1
t_option "an empty value" "env" source=env "mapfile=$MAP" env=
t_option "source=foo" "source=foo" source=foo "mapfile=$MAP"
t_option "a relative mapfile" "map.xml" source=env mapfile=map.xml
t_option "a relative ca_file" "ca.pem" source=env "mapfile=$MAP" ca_file=ca.pem
t_option "token_timeout=0" "token_timeout=0" source=env "mapfile=$MAP" token_timeout=0
t_option "token_timeout=abc" "token_timeout=abc" source=env "mapfile=$MAP" token_timeout=abc
t_option "crl_file without ca_file or ca_dir" "crl_file" \
	source=env "mapfile=$MAP" crl_file=/etc/ssl/crl.pem
t_option "use_first_pass with try_first_pass" "first_pass" \
	source=env "mapfile=$MAP" use_first_pass try_first_pass
t_option "bad option and missing file: the option wins" "frobnicate" \
	source=env mapfile=/nonexistent/certmap.xml frobnicate

# ---------------------------------------------------------------- PAM_AUTHINFO_UNAVAIL: the file

# t_file NAME MAPFILE LOG-TEXT: alice's certificate against MAPFILE.
t_file() {
	svc rc-file "$2"
	t_code "$1" PAM_AUTHINFO_UNAVAIL alice rc-file alice
	t_log "$1: logged" err rc-file "$3"
}

t_file "mapping file missing" "$T/missing.xml" "mapping file $T/missing.xml: "

cp "$MAP" "$T/bad-xml.xml"
sed -i '12s|</oneToOneMappings>|</oneToOneMapping>|' "$T/bad-xml.xml"
t_file "not well-formed XML" "$T/bad-xml.xml" "mapping file $T/bad-xml.xml: 12:"

cp "$MAP" "$T/bad-schema.xml"
sed -i '5s|/>$|colour="red" />|' "$T/bad-schema.xml"
t_file "schema-invalid: unknown attribute" "$T/bad-schema.xml" "mapping file $T/bad-schema.xml: 5:"

cp "$MAP" "$T/bad-dup.xml"
sed -n 4p "$MAP" | sed 's/"alice"/"bob"/' > "$T/dup-line"
sed -i "11r $T/dup-line" "$T/bad-dup.xml"
t_file "schema-invalid: duplicate certificate" "$T/bad-dup.xml" \
	"mapping file $T/bad-dup.xml: 12:"

{
	sed -n 1p "$MAP"
	echo '<!DOCTYPE iisClientCertificateMappingAuthentication [ <!ENTITY u "alice"> ]>'
	sed 1d "$MAP"
} > "$T/doctype.tmp"
mapfile_write "$T/doctype.xml" < "$T/doctype.tmp"
t_file "a DOCTYPE" "$T/doctype.xml" "mapping file $T/doctype.xml: 2:"

cp "$MAP" "$T/gw.xml"
chmod 0664 "$T/gw.xml"
t_file "unsafe: group-writable" "$T/gw.xml" "mapping file $T/gw.xml: "
cp "$MAP" "$T/ow.xml"
chmod 0646 "$T/ow.xml"
t_file "unsafe: writable by others" "$T/ow.xml" "mapping file $T/ow.xml: "
cp "$MAP" "$T/notroot.xml"
chown nobody "$T/notroot.xml" || bail "chown nobody"
t_file "unsafe: not owned by root" "$T/notroot.xml" "mapping file $T/notroot.xml: "
ln -s "$MAP" "$T/link.xml"
t_file "unsafe: a symbolic link" "$T/link.xml" "mapping file $T/link.xml: "
mkdir "$T/dir.xml"
t_file "not a regular file: a directory" "$T/dir.xml" "mapping file $T/dir.xml: "

# ---------------------------------------------------------------- PAM_AUTHINFO_UNAVAIL: disabled

# t_disabled NAME SECTION-ATTRIBUTES LOG-TEXT
t_disabled() {
	{
		echo '<iisClientCertificateMappingAuthentication' "$2" '>'
		echo "<oneToOneMappings>$(xml_add "$P/alice.pem" alice)</oneToOneMappings>"
		echo '</iisClientCertificateMappingAuthentication>'
	} | mapfile_write "$T/disabled.xml"
	svc rc-dis "$T/disabled.xml"
	t_code "$1" PAM_AUTHINFO_UNAVAIL alice rc-dis alice
	t_log "$1: logged" warning rc-dis \
		"denied: certificate mapping is disabled for location 'rc-dis' ($3)"
}

t_disabled "section enabled=false" 'enabled="false"' "enabled=false"
t_disabled "section enabled by default false" '' "enabled=false"
t_disabled "oneToOneCertificateMappingsEnabled=false" \
	'enabled="true" oneToOneCertificateMappingsEnabled="false"' \
	"oneToOneCertificateMappingsEnabled=false"
# the control: the same file enabled
{
	echo '<iisClientCertificateMappingAuthentication enabled="TRUE">'
	echo "<oneToOneMappings>$(xml_add "$P/alice.pem" alice)</oneToOneMappings>"
	echo '</iisClientCertificateMappingAuthentication>'
} | mapfile_write "$T/disabled.xml"
t_code "control: the same file enabled" PAM_SUCCESS alice rc-dis alice

# ---------------------------------------------------------------- PAM_AUTHINFO_UNAVAIL: variable

t_drive "variable unset" PAM_AUTHINFO_UNAVAIL alice -u alice rc
t_log "variable unset: logged" warning rc "denied: variable SSL_CLIENT_CERT is not set"
: > "$T/empty"
t_drive "variable empty (PAM environment)" PAM_AUTHINFO_UNAVAIL alice \
	-e SSL_CLIENT_CERT=@"$T/empty" -u alice rc
t_log "variable empty: logged" warning rc "denied: variable SSL_CLIENT_CERT is empty"
svc rc-proc "$MAP" process_env
t_tester "variable empty (process environment)" PAM_AUTHINFO_UNAVAIL rc-proc alice \
	SSL_CLIENT_CERT=
t_log "variable empty (process environment): logged" warning rc-proc \
	"denied: variable SSL_CLIENT_CERT is empty"
t_tester "variable unset (process environment)" PAM_AUTHINFO_UNAVAIL rc-proc alice

# ---------------------------------------------------------------- PAM_AUTH_ERR

printf 'not a certificate\n' > "$T/garbage"
t_drive "garbage value" PAM_AUTH_ERR alice -e SSL_CLIENT_CERT=@"$T/garbage" -u alice rc
t_log "garbage value: logged" warning rc "denied: variable SSL_CLIENT_CERT is not a certificate: "

t_code "unmapped certificate" PAM_AUTH_ERR alice rc mallory
t_log "unmapped certificate: logged" warning rc \
	"denied: no mapping for this certificate: user 'alice' location 'rc' certificate \
sha256:$(sha mallory) subject '"
t_code "mapped to another user" PAM_AUTH_ERR alice rc bob
t_log "mapped to another user: logged" warning rc \
	"denied: mapped to 'bob', not to 'alice': user 'alice' location 'rc' certificate sha256:$(sha bob)"
t_code "disabled entry" PAM_AUTH_ERR carol rc carol
t_log "disabled entry: logged" warning rc \
	"denied: mapping at line 6 is disabled: user 'carol' location 'rc' certificate sha256:$(sha carol)"
t_drive "disabled entry, PAM_USER unset" PAM_AUTH_ERR "(null)" \
	-e SSL_CLIENT_CERT=@"$P/carol.pem" -U rc
t_code "entry without userName" PAM_AUTH_ERR dave rc dave
t_log "entry without userName: logged" warning rc "denied: mapping at line 7 has no userName"
t_drive "entry with an empty userName" PAM_AUTH_ERR "(null)" \
	-e SSL_CLIENT_CERT=@"$P/erin.pem" -U rc
t_log "entry with an empty userName: logged" warning rc \
	"denied: mapping at line 8 has no userName"
t_code "expired certificate" PAM_AUTH_ERR alice rc expired
t_log "expired certificate: logged" warning rc \
	"denied: certificate expired: user 'alice' location 'rc' certificate sha256:$(sha expired)"
t_code "certificate not yet valid" PAM_AUTH_ERR alice rc notyet
t_log "certificate not yet valid: logged" warning rc \
	"denied: certificate not yet valid: user 'alice' location 'rc' certificate sha256:$(sha notyet)"

svc rc-expok "$MAP" allow_expired
t_code "allow_expired lets the expired certificate in" PAM_SUCCESS alice rc-expok expired
t_log "allow_expired: granted" notice rc-expok \
	"granted: user 'alice' location 'rc-expok' certificate sha256:$(sha expired)"
t_code "allow_expired: an unmapped certificate still fails" PAM_AUTH_ERR alice rc-expok mallory

# ---------------------------------------------------------------- PAM_USER_UNKNOWN

t_code "mapped account does not exist" PAM_USER_UNKNOWN zed rc zed
t_log "mapped account does not exist: logged" warning rc \
	"denied: mapped account 'zed' does not exist: user 'zed' location 'rc' certificate \
sha256:$(sha zed)"
t_drive "mapped account does not exist, PAM_USER unset" PAM_USER_UNKNOWN "(null)" \
	-e SSL_CLIENT_CERT=@"$P/zed.pem" -U rc
t_code "mapped account does not exist, PAM_USER another user" PAM_USER_UNKNOWN alice rc zed

# ---------------------------------------------------------------- which cause wins

svc rc-file "$T/bad-xml.xml"
t_drive "invalid file and garbage value: the file wins" PAM_AUTHINFO_UNAVAIL alice \
	-e SSL_CLIENT_CERT=@"$T/garbage" -u alice rc-file
svc rc-file "$T/missing.xml"
t_drive "missing file and variable unset: the file wins" PAM_AUTHINFO_UNAVAIL alice \
	-u alice rc-file
t_log "missing file and variable unset: the file is logged" err rc-file \
	"mapping file $T/missing.xml: "
{
	echo '<iisClientCertificateMappingAuthentication enabled="false">'
	echo "<oneToOneMappings>$(xml_add "$P/alice.pem" alice)</oneToOneMappings>"
	echo '</iisClientCertificateMappingAuthentication>'
} | mapfile_write "$T/disabled.xml"
t_drive "disabled section and garbage value: disabled wins" PAM_AUTHINFO_UNAVAIL alice \
	-e SSL_CLIENT_CERT=@"$T/garbage" -u alice rc-dis
t_log "disabled section and garbage value: disabled is logged" warning rc-dis \
	"denied: certificate mapping is disabled for location 'rc-dis' (enabled=false)"
t_drive "expired and mapped to another user: expiry is checked first" PAM_AUTH_ERR bob \
	-e SSL_CLIENT_CERT=@"$P/expired.pem" -u bob rc
t_log "expired and mapped to another user: logged as expired" warning rc \
	"denied: certificate expired: user 'bob'"
map_simple "$T/order.xml" <<EOF
$(xml_add "$P/expired.pem" nosuchuser)
EOF
svc rc-order "$T/order.xml"
t_code "expired and unknown account: expiry is checked first" PAM_AUTH_ERR nosuchuser \
	rc-order expired
t_log "expired and unknown account: logged as expired" warning rc-order \
	"denied: certificate expired: user 'nosuchuser'"

tap_done
