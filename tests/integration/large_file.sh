#!/bin/sh
# large_file.sh - a mapping file of 100,000 entries (about 70 MiB, SPEC 2.6 and 2.8) is
# accepted: the module maps the certificate in it by reading the file, from the look-up
# index, and from its per-process cache; certmap lookup and index work on it.  Under the
# memory checkers, whose passes look for leaks and errors rather than size, 5,000 entries.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers
need_certmap
P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"

case ${MEMCHECK_MODE:-} in
"") N=100000 ;;
*) N=5000 ;;
esac
MAP=$T/large.xml

# N - 1 distinct values of the shape of a certificate (strict base64, mallory's with a
# counter written over eight of its characters), then alice's real one.  The module does
# not decode entries that cannot match, so they need not be certificates; they must be
# distinct, or the file is invalid.
T0=$(date +%s)
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<iisClientCertificateMappingAuthentication enabled="true">'
	echo '<oneToOneMappings>'
	pki_b64 "$P/mallory.pem" | awk -v n=$((N - 1)) '
	{
		a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		head = substr($0, 1, 100)
		tail = substr($0, 109)
		for (i = 1; i <= n; i++) {
			c = ""
			for (k = i; length(c) < 8; k = int(k / 64))
				c = c substr(a, k % 64 + 1, 1)
			printf "<add certificate=\"%s%s%s\" userName=\"user%d\" />\n", head, c, tail, i
		}
	}'
	xml_add "$P/alice.pem" alice
	echo '</oneToOneMappings>'
	echo '</iisClientCertificateMappingAuthentication>'
} | mapfile_write "$MAP"
tap_diag "$N entries, $(wc -c < "$MAP") bytes, made in $(($(date +%s) - T0)) s"
t "the file has $N entries" '[ "$(grep -c "<add " "$MAP")" = "$N" ]'
svc large "$MAP" debug

t_drive "$N entries, no index: the module maps alice" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -U large
t_log "... reading the file" debug large "mapping file $MAP: read whole; its index is missing"
t_drive "$N entries, no index: an unmapped certificate is denied" PAM_AUTH_ERR "(null)" \
	-e SSL_CLIENT_CERT=@"$P/zed.pem" -U large

cm -f "$MAP" lookup "$P/alice.pem"
t "certmap lookup reads it" 'rc_is 0 && out_is alice'
cm -f "$MAP" index
t "certmap index: $N entries indexed" \
	'rc_is 0 && out_is "$MAP.cdb: $N one-to-one entries, 0 many-to-one mappings, 1 level"'
t_drive "$N entries, indexed: the module maps alice" PAM_SUCCESS alice \
	-e SSL_CLIENT_CERT=@"$P/alice.pem" -U large
t_log "... from the index" debug large "mapping file $MAP: answered from its index $MAP.cdb"
cm -f "$MAP" lookup "$P/alice.pem"
t "certmap lookup answers from the index" 'rc_is 0 && out_is alice'

# A long-lived caller without the index: the second read is kept, the third call answers
# from the cache.
rm -f "$MAP.cdb"
log_mark
wrapped $MEMCHECK "$PAMDRIVE" -n 3 -e SSL_CLIENT_CERT=@"$P/alice.pem" -U large \
	> "$T/rounds" 2>&1
t "$N entries, one process, three calls: each maps alice" \
	'[ "$(grep -c "PAM_SUCCESS user=alice" "$T/rounds")" = 3 ]'
t_log "... the third from the cache" debug large \
	"mapping file $MAP: answered from this process's cache"

tap_done
