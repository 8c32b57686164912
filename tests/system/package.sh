#!/bin/sh
# package.sh - the Debian package as an administrator meets it: built from this tree with
# dpkg-buildpackage (DEB_BUILD_OPTIONS=nocheck: the suite runs elsewhere), checked by
# lintian, installed with apt without changing any PAM stack, smoke-tested
# (debian/tests/smoke), its pam-auth-update profile enabled, then purged: no stack names the
# module any more, and nothing of the package is left.
. "${top_srcdir:?}/tests/system/lib.sh"

PKG=libpam-certmap
[ -f "$top_srcdir/debian/control" ] || skip_all "no debian/ here (a release tarball)"
git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	skip_all "$top_srcdir is not a git checkout: the package is built from its files"
dpkg-query -W -f='${Status}\n' "$PKG" 2>/dev/null | grep -q ' installed$' &&
	skip_all "$PKG is installed on this machine: the test would replace and purge it"

sys_begin debhelper dpkg-dev lintian pamtester softhsm2 opensc openssl
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND

# ---------------------------------------------------------------- build

# A copy of the tree as git sees it (tracked files and new ones not ignored): a clean
# checkout with this change; dpkg-buildpackage writes the packages beside it.
SRC=$D/build/pam-certmap
mkdir -p "$SRC" || bail "mkdir $SRC"
(cd "$top_srcdir" && git ls-files -z -c -o --exclude-standard |
	xargs -0 cp -a --parents -t "$SRC") || bail "cannot copy the source tree"

# The build dependencies but those of the tests, from debian/control, as mk-build-deps would.
unmet=$(cd "$SRC" && dpkg-checkbuilddeps -B -Pnocheck 2>&1 |
	sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g; s/|[^ ]*//g')
# shellcheck disable=SC2086 # a list of names
[ -z "$unmet" ] || sys_need_pkgs $unmet

# make check's variables must not reach the build's own make
(cd "$SRC" && env -i PATH="$PATH" HOME="$D" LC_ALL=C DEB_BUILD_OPTIONS=nocheck \
	dpkg-buildpackage -us -uc -b -Pnocheck -J"$(nproc)") > "$D/build.log" 2>&1
rc=$?
DEB=""
for f in "$D/build/${PKG}"_*.deb; do
	[ -f "$f" ] && DEB=$f
done
t_eq "dpkg-buildpackage -us -uc -b (nocheck) builds $PKG" "0 yes" \
	"$rc $([ -f "$DEB" ] && echo yes || echo no)" "$(tail -n 30 "$D/build.log")"
[ -f "$DEB" ] || bail "no package to go on with"

lintian --fail-on error,warning "$D"/build/*.changes > "$D/lintian.out" 2>&1
rc=$?
t_eq "lintian: no error and no warning that is not overridden" 0 "$rc" \
	"$(grep -v '^running with root' "$D/lintian.out")"

dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' > "$D/files"
# beside pam_unix.so as the distribution ships it, under the same name: a directory dpkg
# knew under another name only (merged /usr) would be one it tries to remove with the package
unix=$(dpkg-query -L libpam-modules | grep '/security/pam_unix\.so$' | head -n 1)
t_has "the module is beside pam_unix.so, in the directory libpam-modules ships" \
	"$(dirname "$unix")/pam_certmap.so" "$D/files"
t_has "the profile is in /usr/share/pam-configs" /usr/share/pam-configs/certmap "$D/files"

# ---------------------------------------------------------------- the machine before

# The package's runtime dependencies are installed for good first, as other packages the
# tests need are: apt then adds the package alone, and the purge takes all it added.
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/([^)]*)//g; s/|.*//' | awk '{ print $1 }')
# shellcheck disable=SC2086 # a list of names
sys_need_pkgs $deps

# Nothing the package ships is here yet (a make install would be overwritten, then purged);
# if the test stops half-way, the package is purged and its files go.
while read -r f; do
	[ -e "$f" ] && skip_all "$f is on this machine already: the package would replace it"
	sys_save "$f"
done < "$D/files"
undo_push "purge $PKG"

# What installing and purging may touch: the PAM stacks and pam-auth-update's state, the
# package's files and its records in dpkg and apt.
pam_state() {
	for _f in /etc/pam.d/* /var/lib/pam/*; do
		[ -f "$_f" ] && echo "$(sha256sum < "$_f" | cut -c1-16) $_f"
	done
	debconf-show libpam-runtime 2>/dev/null | sed 's/^[ *] //' | sort
}
pkg_state() {
	pam_state
	while read -r _f; do
		{ [ -e "$_f" ] || [ -L "$_f" ]; } && echo "there: $_f"
	done < "$D/files"
	ls /usr/share/pam-configs
	for _f in /var/lib/dpkg/info/"$PKG".* /var/lib/dpkg/info/"$PKG":*; do
		[ -e "$_f" ] && echo "dpkg info: $_f"
	done
	dpkg-query -W -f='${Package} ${Status}\n' "$PKG" 2>/dev/null
	[ -f /var/lib/apt/extended_states ] && grep -A2 "^Package: $PKG\$" /var/lib/apt/extended_states
	ls /etc/security
	return 0
}
pam_state > "$D/pam.before"
pkg_state > "$D/pkg.before"

# ---------------------------------------------------------------- install

apt-get install -y -q --no-install-recommends "$DEB" > "$D/apt.out" 2>&1
rc=$?
t_eq "apt-get install ./$(basename "$DEB") installs $PKG" "0 install ok installed" \
	"$rc $(dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null)" "$(tail -n 20 "$D/apt.out")"
pam_state > "$D/pam.installed"
t_eq "installing changes no PAM stack and no pam-auth-update state" "" \
	"$(diff "$D/pam.before" "$D/pam.installed")"

# ---------------------------------------------------------------- the smoke test

# as autopkgtest runs it, from the source tree; its results become ours
top_srcdir=$SRC sh "$SRC/debian/tests/smoke" > "$D/smoke.out" 2> "$D/smoke.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*"# SKIP"*)
		_r=${line#ok * - }
		tap_skip "smoke: ${_r%% \# SKIP*}" "${_r#* \# SKIP }" ;;
	"ok "*) tap_ok "smoke: ${line#ok * - }" ;;
	"not ok "*) tap_notok "smoke: ${line#not ok * - }" ;;
	"Bail out!"*) tap_notok "smoke: it did not bail out" "$line" ;;
	"#"*) printf '%s\n' "$line" ;;
	esac
done < "$D/smoke.out"
t_eq "smoke: exits 0, nothing on stderr (as autopkgtest wants)" "0" \
	"$rc$(cat "$D/smoke.err")"

# ---------------------------------------------------------------- enabled, then purged

if pam-auth-update --enable certmap > "$D/pau.out" 2>&1 &&
	grep -q 'pam_certmap\.so' /etc/pam.d/common-auth; then
	tap_ok "pam-auth-update --enable certmap puts the module in common-auth"
	ENABLED=yes
else
	tap_skip "pam-auth-update --enable certmap puts the module in common-auth" \
		"pam-auth-update does not manage this machine's stacks: $(cat "$D/pau.out")"
	ENABLED=no
fi

# a service an administrator wrote by hand: the removal cannot edit it, and must say so
sys_pamd cmtest-package <<EOF
auth required pam_certmap.so
EOF

# the default mapping file, written by the administrator, and the index certmap derives
# from it: the purge takes the index and leaves the file
DEFMAP=/etc/security/certmap.xml
for f in "$DEFMAP" "$DEFMAP.cdb" "$DEFMAP.lock"; do
	sys_save "$f"
done
HAD_MAP=no
[ -e "$DEFMAP" ] && HAD_MAP=yes
if [ "$HAD_MAP" = no ]; then
	cat > "$DEFMAP" <<'EOF'
<configuration><system.webServer><security><authentication>
<iisClientCertificateMappingAuthentication enabled="true" oneToOneCertificateMappingsEnabled="true"/>
</authentication></security></system.webServer></configuration>
EOF
	chmod 0644 "$DEFMAP"
	run certmap index
	t "the installed certmap indexes the default mapping file" \
		'rc_is 0 && [ -f "$DEFMAP.cdb" ]'
fi

apt-get purge -y -q "$PKG" > "$D/apt.out" 2>&1
rc=$?
t_eq "apt-get purge $PKG" "0" "$rc" "$(tail -n 20 "$D/apt.out")"
run grep -l 'pam_certmap' /etc/pam.d/common-auth /etc/pam.d/common-account \
	/etc/pam.d/common-password /etc/pam.d/common-session
t "after the purge no common-* file names the module" 'rc_is 1 && out_empty'
t_has "the removal names the hand-written service that still names the module" \
	"still name pam_certmap.so; remove those lines, as the module is going: " "$D/apt.out"
t_eq "... and that service only" /etc/pam.d/cmtest-package \
	"$(tr -d '\r' < "$D/apt.out" | sed -n 's/.*as the module is going: //p' | sed 's/ *$//')"
t_lacks "the removal gives no dpkg warning" "dpkg: warning" "$D/apt.out"
rm -f /etc/pam.d/cmtest-package
[ "$ENABLED" = yes ] ||
	tap_diag "the profile was not enabled: the purge had no stack to clean"

if [ "$HAD_MAP" = no ]; then
	t "the purge removes the look-up index of the default mapping file" '[ ! -e "$DEFMAP.cdb" ]'
	t "... and keeps the mapping file the administrator wrote" '[ -f "$DEFMAP" ]'
	rm -f "$DEFMAP" "$DEFMAP.lock"
else
	tap_skip "the purge removes the look-up index of the default mapping file" \
		"$DEFMAP is this machine's own file: the test does not index it"
	tap_skip "... and keeps the mapping file the administrator wrote" \
		"$DEFMAP is this machine's own file"
fi

pkg_state > "$D/pkg.after"
t_eq "after the purge nothing of the package is left and the stacks are as they were" "" \
	"$(diff "$D/pkg.before" "$D/pkg.after")"

sys_end
