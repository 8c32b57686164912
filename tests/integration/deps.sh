#!/bin/sh
# deps.sh - debian/control's Build-Depends and scripts/deps name the same packages: the build
# set as it is, the test set (what make check needs) with <!nocheck>.  Needs no root.
. "${top_srcdir:?}/tests/tap.sh"

CONTROL=$top_srcdir/debian/control
DEPS=$top_srcdir/scripts/deps
[ -f "$CONTROL" ] || skip_all "no debian/control (a release tarball has no debian/)"
[ -x "$DEPS" ] || skip_all "no scripts/deps"
T=$(mktemp -d /tmp/certmap-deps.XXXXXX) || bail "mktemp failed"
trap 'rm -rf "$T"' EXIT

# Build-essential and Essential packages go without saying in Build-Depends (lintian warns
# when they are named), and debhelper-compat stands for debhelper.
IMPLIED="gcc make libc6-dev util-linux"

# Build-Depends as "NAME PROFILE" lines, PROFILE "-" when none; versions and architecture
# lists dropped.  Alternatives ("a | b") are kept whole, so they show up as a difference.
awk '
	/^[^ \t#]/ { inside = ($0 ~ /^Build-Depends:/) }
	inside && !/^#/ { sub(/^Build-Depends:/, ""); printf "%s ", $0 }
' "$CONTROL" | tr ',' '\n' | sed 's/([^)]*)//g; s/\[[^]]*\]//g' |
	awk 'NF { name = $1; profile = "-"
		for (i = 2; i <= NF; i++) if ($i ~ /^</) profile = $i; else name = name " " $i
		print name, profile }' | sort > "$T/control" || bail "cannot read $CONTROL"
[ -s "$T/control" ] || bail "no Build-Depends in $CONTROL"

"$DEPS" --list build > "$T/build" && "$DEPS" --list test > "$T/test" ||
	bail "scripts/deps --list failed"

# want SET PROFILE: the set's packages as Build-Depends lines, the implied ones left out.
want() {
	for _p in $(cat "$T/$1"); do
		case " $IMPLIED " in *" $_p "*) continue ;; esac
		echo "$_p $2"
	done
}
{ want build -; want test '<!nocheck>'; } | sort > "$T/want"
grep -v '^debhelper-compat ' "$T/control" > "$T/have"

missing=$(comm -23 "$T/want" "$T/have")
t_eq "scripts/deps' build and test sets are in Build-Depends, the test set with <!nocheck>" \
	"" "$missing" "add to debian/control's Build-Depends (or fix the profile)"
extra=$(comm -13 "$T/want" "$T/have")
t_eq "Build-Depends names nothing scripts/deps' build and test sets do not" "" "$extra" \
	"in debian/control but not in scripts/deps' sets (or with another profile)"
grep -q '^debhelper-compat <' "$T/control" && profiled=yes || profiled=no
t_eq "Build-Depends has debhelper-compat, for every build" "yes no" \
	"$(grep -q '^debhelper-compat ' "$T/control" && echo yes || echo no) $profiled"

# The implied packages must really be: Essential, or a dependency of build-essential.
if command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W build-essential >/dev/null 2>&1; then
	be=$(dpkg-query -W -f='${Depends}' build-essential | tr ',|' '\n\n' | awk '{ print $1 }')
	wrong=""
	for p in $IMPLIED; do
		printf '%s\n' "$be" | grep -qx -- "$p" && continue
		[ "$(dpkg-query -W -f='${Essential}' "$p" 2>/dev/null)" = yes ] && continue
		wrong="$wrong $p"
	done
	t_eq "the packages left out of Build-Depends are Essential or build-essential" "" "$wrong"
else
	tap_skip "the packages left out of Build-Depends are Essential or build-essential" \
		"build-essential is not installed"
fi
tap_done
