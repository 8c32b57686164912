#!/bin/sh
# env_encodings.sh - every encoding of SPEC 3.3 that web servers and proxies hand over,
# made from one real certificate, is accepted; values that are no certificate are refused.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers
P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"
E=$T/enc
mkdir "$E" || bail "mkdir $E"

MAP=$T/map.xml
map_simple "$MAP" <<EOF
$(xml_add "$P/alice.pem" alice)
EOF
svc enc "$MAP"
svc enc-proc "$MAP" process_env
ALICE=$(pki_sha256 "$P/alice.pem")

# Percent-encode everything but RFC 3986's unreserved characters, as nginx's
# $ssl_client_escaped_cert and proxies do.
urlencode() {
	od -An -v -tu1 | awk '{
		for (i = 1; i <= NF; i++) {
			c = $i + 0
			if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ||
			    c == 45 || c == 46 || c == 95 || c == 126)
				printf "%c", c
			else
				printf "%%%02X", c
		}
	}'
}

cp "$P/alice.pem" "$E/apache.pem"
# nginx's $ssl_client_cert: every line but the first starts with a TAB
sed '2,$s/^/\t/' "$P/alice.pem" > "$E/nginx-tab.pem"
urlencode < "$P/alice.pem" > "$E/nginx-escaped.txt"
pki_b64 "$P/alice.pem" > "$E/b64-nl.txt"
printf '%s' "$(pki_b64 "$P/alice.pem")" > "$E/b64.txt"
printf '%s' "$(pki_b64 "$P/alice.pem")" | urlencode > "$E/b64-escaped.txt"
cat "$P/alice.pem" "$P/ca.pem" > "$E/chain.pem"
for f in nginx-tab.pem nginx-escaped.txt b64.txt b64-escaped.txt; do
	cmp -s "$E/$f" "$E/apache.pem" && bail "fixture $f is not re-encoded"
done
grep -q '%0A' "$E/nginx-escaped.txt" && grep -qE '%2B|%2F|%3D' "$E/b64-escaped.txt" ||
	bail "urlencode did not encode"
[ "$(grep -c "$(printf '^\t')" "$E/nginx-tab.pem")" -gt 2 ] || bail "no TAB lines"

# t_enc NAME FILE: the value of FILE, put with pam_putenv, authenticates alice, and the log
# names alice's certificate.
t_enc() {
	t_drive "$1" PAM_SUCCESS alice -e SSL_CLIENT_CERT=@"$2" -u alice enc
	t_log "$1: alice's certificate is logged" notice enc \
		"granted: user 'alice' location 'enc' certificate sha256:$ALICE subject '"
}

t_enc "Apache mod_ssl PEM" "$E/apache.pem"
t_enc "nginx \$ssl_client_cert, TAB-indented PEM" "$E/nginx-tab.pem"
t_enc "nginx \$ssl_client_escaped_cert, URL-encoded PEM" "$E/nginx-escaped.txt"
t_enc "bare base64 DER" "$E/b64.txt"
t_enc "bare base64 DER with a trailing newline" "$E/b64-nl.txt"
t_enc "URL-encoded base64 DER" "$E/b64-escaped.txt"
t_enc "PEM chain, client first" "$E/chain.pem"

t_tester "Apache PEM through the process environment" PAM_SUCCESS enc-proc alice \
	SSL_CLIENT_CERT="$(cat "$E/apache.pem")"
t_tester "URL-encoded PEM through the process environment" PAM_SUCCESS enc-proc alice \
	SSL_CLIENT_CERT="$(cat "$E/nginx-escaped.txt")"

# The first certificate is the client's: the CA first is an unmapped certificate.
cat "$P/ca.pem" "$P/alice.pem" > "$E/chain-cafirst.pem"
t_drive "PEM chain, CA first: the CA is taken as the client" PAM_AUTH_ERR alice \
	-e SSL_CLIENT_CERT=@"$E/chain-cafirst.pem" -u alice enc
t_log "PEM chain, CA first: no mapping" warning enc \
	"denied: no mapping for this certificate: user 'alice' location 'enc' certificate \
sha256:$(pki_sha256 "$P/ca.pem")"

# ---------------------------------------------------------------- not certificates

# t_garbage NAME FILE
t_garbage() {
	t_drive "$1" PAM_AUTH_ERR alice -e SSL_CLIENT_CERT=@"$2" -u alice enc
	t_log "$1: logged" warning enc "denied: variable SSL_CLIENT_CERT is not a certificate: "
}

printf 'this is not a certificate\n' > "$E/garbage.txt"
t_garbage "garbage text" "$E/garbage.txt"
# a character lost in the middle of the base64
b64=$(pki_b64 "$P/alice.pem")
printf '%s' "$b64" | cut -c1-100 > "$E/cut.txt"
printf '%s' "$b64" | cut -c102- >> "$E/cut.txt"
tr -d '\n' < "$E/cut.txt" > "$E/lost-char.txt"
t_garbage "base64 DER with a character lost" "$E/lost-char.txt"
# base64 of something that is not DER
printf 'hello, world, not DER at all\n' | openssl base64 -A > "$E/notder.txt"
t_garbage "base64 of bytes that are not DER" "$E/notder.txt"
# PEM armour around something else
openssl pkey -in "$P/client.key" > "$E/key.pem" 2>/dev/null || bail "openssl pkey"
t_garbage "a PEM private key" "$E/key.pem"
# a certificate cut short
head -n 5 "$P/alice.pem" > "$E/truncated.pem"
echo "-----END CERTIFICATE-----" >> "$E/truncated.pem"
t_garbage "a truncated PEM certificate" "$E/truncated.pem"
# DER bytes raw, not encoded: a value that cannot even hold a NUL byte
printf '\001\002\003' > "$E/binary.txt"
t_garbage "binary bytes" "$E/binary.txt"

tap_done
