#!/bin/sh
# many_to_one_token.sh - a many-to-one match on the pkcs11 source with SoftHSM2 tokens: the
# token still proves it holds the key, and what the file or the chain refuses is refused
# before the PIN is asked.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
. "$top_srcdir/tests/softhsm.sh"
need_wrappers
need_softhsm

PIN=246810
K=$T/keys
mkdir "$K" || bail "mkdir $K"
hsm_key p256 "$K/key.pem" && hsm_key p256 "$K/other.pem" || bail "cannot make the keys"

# The other CA first (pki_init makes $PKI the current CA): the same name, another key.
pki_init "$T/evil" && pki_issue "$K/evil.pem" "$K/key.pem" "/O=Example/OU=Staff/CN=alice" ||
	bail "cannot issue from the other CA"
pki_init "$T/pki" || bail "cannot make the CA"
pki_issue "$K/staff.pem" "$K/key.pem" "/O=Example/OU=Staff/CN=alice" &&
	pki_issue "$K/contractor.pem" "$K/key.pem" "/O=Example/OU=Contractors/CN=carol" ||
	bail "cannot issue certificates"

MAP=$T/map.xml
mapfile_write "$MAP" <<EOF
<iisClientCertificateMappingAuthentication enabled="true">
  <manyToOneMappings>
    <add name="Contractors" permissionMode="Deny">
      <rules><add certificateField="Subject" certificateSubField="OU" matchCriteria="Contractors" /></rules>
    </add>
    <add name="Staff" userName="alice">
      <rules><add certificateField="Subject" certificateSubField="OU" matchCriteria="Staff" /></rules>
    </add>
  </manyToOneMappings>
</iisClientCertificateMappingAuthentication>
EOF

hsm_setup "$T/hsm" || bail "cannot set up SoftHSM2"
hsm_token staff $PIN && hsm_put staff $PIN 01 "$K/key.pem" "$K/staff.pem" &&
	hsm_token contractor $PIN && hsm_put contractor $PIN 01 "$K/key.pem" "$K/contractor.pem" &&
	hsm_token evil $PIN && hsm_put evil $PIN 01 "$K/key.pem" "$K/evil.pem" ||
	bail "cannot fill the tokens"
# The Staff certificate with another private key under its ID: a copied certificate.
hsm_token copied $PIN && hsm_import_key copied $PIN 01 "$K/other.pem" &&
	hsm_import_cert copied $PIN 01 "$K/staff.pem" || bail "cannot fill token copied"

BASE="source=pkcs11 mapfile=$MAP pkcs11_module=$HSM_LIB"
TRUST="ca_file=$T/pki/ca.pem"

# ---------------------------------------------------------------- possession

tok_svc mt-staff $BASE token_label=staff "$TRUST"
t_tok "Staff mapping: the token's key proves the certificate" PAM_SUCCESS $PIN mt-staff alice
t_prompt "Staff mapping: the PIN is asked" staff
t_tlog "Staff mapping: granted" notice mt-staff "granted: user 'alice' location 'mt-staff'"
t_tok "Staff mapping, empty PAM_USER: alice" PAM_SUCCESS $PIN mt-staff ""
t_tok "Staff mapping, a wrong PIN: denied" PAM_AUTH_ERR 000000 mt-staff alice

tok_svc mt-copied $BASE token_label=copied "$TRUST"
t_tok "Staff mapping, a copied certificate without its key: denied" PAM_AUTH_ERR $PIN \
	mt-copied alice
t_prompt "a copied certificate: the PIN was asked" copied
t_tlog "a copied certificate: logged" warning mt-copied \
	"denied: the token's key does not match the mapped certificate"

# ---------------------------------------------------------------- refused before the PIN

tok_svc mt-noca $BASE token_label=staff
t_tok "Staff mapping without trust anchors: denied" PAM_AUTH_ERR $PIN mt-noca alice
t_no_prompt "without trust anchors: no PIN asked"
t_tlog "without trust anchors: logged" warning mt-noca \
	"denied: many-to-one mapping 'Staff' (line 6) matched, but names prove nothing"

tok_svc mt-evil $BASE token_label=evil "$TRUST"
t_tok "Staff mapping, a certificate of another CA: denied" PAM_AUTH_ERR $PIN mt-evil alice
t_no_prompt "another CA: no PIN asked"
t_tlog "another CA: logged" warning mt-evil \
	"denied: many-to-one mapping 'Staff' (line 6) matched, but the certificate is not trusted"

tok_svc mt-deny $BASE token_label=contractor "$TRUST"
t_tok "Deny mapping: denied" PAM_AUTH_ERR $PIN mt-deny carol
t_no_prompt "Deny mapping: no PIN asked"
t_tlog "Deny mapping: logged" warning mt-deny \
	"denied: matched many-to-one Deny mapping 'Contractors' (line 3)"

tap_done
