# mapxml.sh - mapping files written by the tests (POSIX sh), shared by tests/lib.sh and
# tests/system/lib.sh.  Needs pki.sh (pki_b64) and a bail function.

# mapfile_write PATH < CONTENT: root-owned, 0644, as the module demands (and readable by
# sshd's AuthorizedKeysCommandUser and Apache's CGI user in the system tests).
mapfile_write() {
	cat > "$1" && chown 0:0 "$1" && chmod 0644 "$1" || bail "cannot write $1"
}

# xml_add CERTFILE USERNAME [MORE ATTRIBUTES]: one <add> line for the certificate.
xml_add() {
	# printf, not echo: dash's echo would eat the backslash of DOMAIN\name
	printf '<add certificate="%s" userName="%s" %s/>\n' "$(pki_b64 "$1")" "$2" "${3:-}"
}

# xml_rule FIELD SUBFIELD CRITERIA [MORE ATTRIBUTES]: one rule <add> of a many-to-one mapping.
xml_rule() {
	printf '<add certificateField="%s" certificateSubField="%s" matchCriteria="%s" %s/>' \
		"$1" "$2" "$3" "${4:-}"
}

# map_simple PATH [SECTION ATTRIBUTES] < ADD LINES: a bare, enabled section.
map_simple() {
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		printf '<iisClientCertificateMappingAuthentication enabled="true" %s>\n' "${2:-}"
		echo '<oneToOneMappings>'
		cat
		echo '</oneToOneMappings>'
		echo '</iisClientCertificateMappingAuthentication>'
	} | mapfile_write "$1"
}
