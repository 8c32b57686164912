# setup.sh - what bench/run measures with: a CA, one SoftHSM2 token per key type, one user
# (nss_wrapper), the peers' configuration, mapping files and one PAM service per module.
#
# Sourced by bench/run after it has set srcdir, BUILD, T, KEYS, PIN, HSM_LIB, MODULE, SECDIR,
# MAP_SIZES, MULTI_CERTS and the helpers say, die, quiet and find_lib.  Writes only under $T.
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

USER_NAME=benchuser
BENCH_UID=4242

# ---------------------------------------------------------------- the CA (tests/pki.sh's)

setup_pki() {
	# shellcheck source=tests/pki.sh
	. "$srcdir/tests/pki.sh"
	pki_init "$T/pki" || die "cannot make the CA in $T/pki"
	mkdir -p "$T/keys" "$T/cadir" "$T/crls"
	quiet openssl x509 -in "$T/pki/ca.pem" -outform DER -out "$T/pki/ca.der"
	cp "$T/pki/ca.pem" "$T/cadir/" && quiet openssl rehash "$T/cadir"
}

# issue NAME ALG CN: a key (rsa or ec) and a certificate from the CA, in $T/keys/NAME.*
issue() {
	local n=$1 kd=$T/keys
	case $2 in
	rsa) quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$kd/$n.pem" ;;
	*) quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$kd/$n.pem" ;;
	esac
	quiet openssl req -config "$T/pki/ca.cnf" -new -key "$kd/$n.pem" -subj "/CN=$3" \
		-out "$kd/$n.csr"
	quiet openssl ca -config "$T/pki/ca.cnf" -batch -notext \
		-startdate "$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)" \
		-subj "/O=pam_certmap bench/CN=$3" -in "$kd/$n.csr" -out "$kd/$n.crt"
	quiet openssl x509 -in "$kd/$n.crt" -outform DER -out "$kd/$n.der"
	quiet openssl pkcs8 -topk8 -nocrypt -in "$kd/$n.pem" -out "$kd/$n.p8"
}

# ---------------------------------------------------------------- tokens

# put_cert K DERFILE ID LABEL: a certificate object on token bench-K.
put_cert() {
	quiet pkcs11-tool --module "$HSM_LIB" --token-label "bench-$1" --login --pin "$PIN" \
		--write-object "$2" --type cert --id "$3" --label "$4"
}

# make_token K: token "bench-K", alone in its own SoftHSM2 store, holding the user's key and
# certificate under ID 01 (the peers take the first key they see).  rsa: RSA-2048; ec: EC
# P-256; multi: EC P-256 plus MULTI_CERTS - 1 more certificates (MULTI_CERTS - 2 others the
# CA issued to the user, and the CA's own) with no key of their own: Debian 12's pam_p11
# crashes on a token with several keys unless the one it wants is listed first, and
# SoftHSM2 lists objects in no fixed order.  The slots are removable: SSSD's p11_child
# uses only removable slots, and every module sees the same configuration.
make_token() {
	local k=$1 alg=ec i
	[ "$k" = rsa ] && alg=rsa
	issue "$k" "$alg" "benchuser $k"
	mkdir -p "$T/hsm-$k/tokens"
	cat > "$T/hsm-$k/softhsm2.conf" <<EOF
directories.tokendir = $T/hsm-$k/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
EOF
	export SOFTHSM2_CONF=$T/hsm-$k/softhsm2.conf
	quiet softhsm2-util --init-token --free --label "bench-$k" --pin "$PIN" --so-pin 87654321
	quiet softhsm2-util --import "$T/keys/$k.p8" --token "bench-$k" --pin "$PIN" --id 01 \
		--label key
	put_cert "$k" "$T/keys/$k.der" 01 cert
	if [ "$k" = multi ]; then
		for ((i = 2; i < MULTI_CERTS; i++)); do
			issue "multi$i" ec "benchuser multi other $i"
			put_cert "$k" "$T/keys/multi$i.der" "0$i" "cert$i"
		done
		put_cert "$k" "$T/pki/ca.der" ff ca
	fi
	unset SOFTHSM2_CONF
}

# ---------------------------------------------------------------- the user and the peers

# The user exists for nss_wrapper (and, in the sandbox, in its /etc/passwd for SSSD);
# pam_p11 reads ~/.eid of its getpwnam() home.
setup_user() {
	local k
	mkdir -p "$T/home/.eid"
	cat > "$T/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
$USER_NAME:x:$BENCH_UID:$BENCH_UID:pam_certmap bench:$T/home:/bin/sh
EOF
	printf 'root:x:0:\n%s:x:%s:\n' "$USER_NAME" "$BENCH_UID" > "$T/group"
	for k in $KEYS; do cat "$T/keys/$k.crt"; done > "$T/home/.eid/authorized_certificates"
	chown -R "$BENCH_UID:$BENCH_UID" "$T/home"
	chmod 0755 "$T/home" "$T/home/.eid"
	chmod 0644 "$T/home/.eid/authorized_certificates"
}

# pam_pkcs11: the digest mapper and cert_policy ca,signature (chain and proof of the key).
setup_pkcs11_conf() {
	local k
	for k in $KEYS; do
		printf '%s -> %s\n' "$(openssl x509 -in "$T/keys/$k.crt" -noout -fingerprint -sha1 |
			sed 's/^.*=//')" "$USER_NAME"
	done > "$T/digest_mapping"
	cat > "$T/pam_pkcs11.conf" <<EOF
pam_pkcs11 {
  nullok = false;
  debug = false;
  use_first_pass = false;
  try_first_pass = false;
  use_authtok = false;
  card_only = false;
  wait_for_card = false;
  use_pkcs11_module = softhsm;
  pkcs11_module softhsm {
    module = $HSM_LIB;
    description = "SoftHSM2";
    slot_num = 0;
    ca_dir = $T/cadir;
    crl_dir = $T/crls;
    support_threads = false;
    cert_policy = ca,signature;
    token_type = "SoftHSM2 token";
  }
  use_mappers = digest;
  mapper_search_path = $(dirname "$(find_lib pam_pkcs11/opensc_mapper.so)");
  mapper digest {
    debug = false;
    module = internal;
    algorithm = "sha1";
    mapfile = file://$T/digest_mapping;
  }
}
EOF
}

# ---------------------------------------------------------------- mapping files

map_head() {
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<iisClientCertificateMappingAuthentication enabled="true"><oneToOneMappings>'
}
map_add() { printf '<add certificate="%s" userName="%s"/>\n' "$(openssl base64 -A -in "$1")" "$2"; }
map_tail() { echo '</oneToOneMappings></iisClientCertificateMappingAuthentication>'; }
map_install() { chown 0:0 "$1" && chmod 0644 "$1"; }

# certmap.xml: every key type's certificate, for the token rows.  certmapN.xml (N in
# MAP_SIZES): N entries, bench/mapbench's N - 1 distinct certificates and the EC one last,
# for the scale rows (token and env source), indexed by certmap index as certmap's edits
# and sync leave a file; plainN.xml is the same file by another name, without an index,
# which a long-lived caller answers from its per-process cache.
setup_mapfiles() {
	local k n
	{
		map_head
		for k in $KEYS; do map_add "$T/keys/$k.der" "$USER_NAME"; done
		map_tail
	} > "$T/certmap.xml"
	map_install "$T/certmap.xml"
	for n in $MAP_SIZES; do
		say "generating a mapping file of $n entries"
		if ((n > 1)); then
			quiet "$BUILD/bench/mapbench" gen $((n - 1)) "$T/gen.xml" "$T/gen.der"
		else
			: > "$T/gen.xml"
		fi
		{
			map_head
			grep -o '<add [^>]*/>' "$T/gen.xml" || :
			map_add "$T/keys/ec.der" "$USER_NAME"
			map_tail
		} > "$T/certmap$n.xml"
		map_install "$T/certmap$n.xml"
		rm -f "$T/gen.xml" "$T/gen.der"
		[ "$(grep -c '<add ' "$T/certmap$n.xml")" = "$n" ] ||
			die "certmap$n.xml does not have $n entries"
		# a link changes the inode's change time: made before the index
		ln -f "$T/certmap$n.xml" "$T/plain$n.xml"
		quiet "$CERTMAP" -f "$T/certmap$n.xml" index
	done
}

# ---------------------------------------------------------------- PAM services

# One service per module, through pam_wrapper (/etc/pam.d is not touched):
#   permit, certmap, p11, pkcs11 (and sss, written by sssd.sh in the sandbox);
#   certmapN: the token path with the N-entry file; envN: the env source with it; cacheN:
#   the env source with it by a name that has no index.
setup_services() {
	local P=$T/pam.d n
	mkdir -p "$P"
	echo "auth required pam_deny.so" > "$P/other"
	echo "auth required pam_permit.so" > "$P/permit"
	echo "auth required $MODULE mapfile=$T/certmap.xml pkcs11_module=$HSM_LIB" > "$P/certmap"
	for n in $MAP_SIZES; do
		echo "auth required $MODULE mapfile=$T/certmap$n.xml pkcs11_module=$HSM_LIB" \
			> "$P/certmap$n"
		echo "auth required $MODULE source=env mapfile=$T/certmap$n.xml" > "$P/env$n"
		echo "auth required $MODULE source=env mapfile=$T/plain$n.xml" > "$P/cache$n"
	done
	echo "auth required pam_p11.so $HSM_LIB" > "$P/p11"
	echo "auth required pam_pkcs11.so config_file=$T/pam_pkcs11.conf" > "$P/pkcs11"
	echo "$PIN" > "$T/pin"
	openssl x509 -inform DER -in "$T/keys/ec.der" -out "$T/ec-client.pem"
}

bench_setup() {
	local k
	say "setting up a CA, a SoftHSM2 token per key type ($KEYS) and the user in $T"
	setup_pki
	for k in $KEYS; do make_token "$k"; done
	setup_user
	setup_pkcs11_conf
	setup_mapfiles
	setup_services
}
