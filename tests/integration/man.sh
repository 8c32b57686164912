#!/bin/sh
# man.sh - the manual pages render without warnings in 80 columns, are installed, and name
# what the code has: every module option and return code, every certmap command and option.
set -u
: "${top_srcdir:?run through make check, or set top_srcdir}"
LC_ALL=C
export LC_ALL

PAGES="man/pam_certmap.8 man/certmap.xml.5 man/certmap.1"
PAM_TYPES_H=${PAM_TYPES_H:-/usr/include/security/_pam_types.h}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

# shellcheck disable=SC1091 # found through $top_srcdir
. "$top_srcdir/tests/tap.sh"

# The source lines of section SH (up to the next .SH) of PAGE.
section() {
	sed -n "/^\\.SH $2\$/,/^\\.SH /p" "$top_srcdir/$1"
}

# The tag lines of the .TP items of section SH of PAGE.
tags() {
	section "$1" "$2" | awk 'prev == ".TP" { print } { prev = $0 }'
}

# Does stdin hold WORD as a whole word ('_' and '-' are part of words)?
has_word() {
	grep -qE "(^|[^A-Za-z0-9_-])$1([^A-Za-z0-9_-]|\$)"
}

# Each line of LIST (a file) that has no whole-word match in FILE.
missing_words() {
	while read -r w; do
		has_word "$w" < "$2" || echo "$w"
	done < "$1"
}

# ---------------------------------------------------------------- rendering

for p in $PAGES; do
	if ! command -v man >/dev/null 2>&1; then
		tap_skip "$p renders without warnings" "man not installed"
		tap_skip "$p fits in 80 columns" "man not installed"
		continue
	fi
	err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l --warnings "$top_srcdir/$p" 2>&1 >"$T/out")
	rc=$?
	# ... and as lintian renders it (120 columns, groff's -Z): the package build checks that
	wide=$(env -i PATH="$PATH" LC_ALL=C.UTF-8 MANROFFSEQ= MANWIDTH=120 \
		man --warnings -E UTF-8 -l -Tutf8 -Z "$top_srcdir/$p" 2>&1 >/dev/null)
	if [ $rc -eq 0 ] && [ -z "$err$wide" ] && [ -s "$T/out" ]; then
		tap_ok "$p renders without warnings"
	else
		tap_notok "$p renders without warnings" "exit $rc" "$err" "$wide"
	fi
	width=$(LC_ALL=C.UTF-8 wc -L < "$T/out")
	if [ "$width" -le 80 ]; then
		tap_ok "$p fits in 80 columns"
	else
		LC_ALL=C.UTF-8 awk 'length > 80' "$T/out" | head -5 | tap_diag "$(cat)"
		tap_notok "$p fits in 80 columns (widest line: $width)"
	fi
done

# make install installs each page: they are in dist_man_MANS.
sed -n '/^dist_man_MANS[[:space:]]*+*=/,/[^\\]$/p' "$top_srcdir/Makefile.am" > "$T/mans"
for p in $PAGES; do
	tap_check "$p is in Makefile.am's dist_man_MANS" grep -qF "$p" "$T/mans"
done

# ---------------------------------------------------------------- pam_certmap(8)

sed -n 's/^[[:space:]]*{ "\([a-z0-9_]*\)", OPT_.*/\1/p' "$top_srcdir/options.c" > "$T/opts"
if [ -s "$T/opts" ]; then
	tags man/pam_certmap.8 OPTIONS > "$T/opttags"
	while read -r o; do
		tap_check "pam_certmap.8 documents option $o" has_word "$o" < "$T/opttags"
	done < "$T/opts"
else
	tap_notok "the option table of options.c can be read"
fi

# The return codes are the PAM_* names of <security/_pam_types.h> from PAM_SUCCESS to
# _PAM_RETURN_VALUES; those the module's sources name are codes it can return.
if [ -r "$PAM_TYPES_H" ]; then
	sed -n '/^#define PAM_SUCCESS/,/^#define _PAM_RETURN_VALUES/s/^#define \(PAM_[A-Z_]*\)[[:space:]].*/\1/p' \
		"$PAM_TYPES_H" > "$T/allcodes"
	cat "$top_srcdir"/*.c > "$T/src"
	: > "$T/codes"
	while read -r c; do
		if has_word "$c" < "$T/src"; then echo "$c" >> "$T/codes"; fi
	done < "$T/allcodes"
	tags man/pam_certmap.8 'RETURN VALUES' > "$T/rettags"
	if [ -s "$T/codes" ]; then
		while read -r c; do
			tap_check "pam_certmap.8 RETURN VALUES has $c" has_word "$c" < "$T/rettags"
		done < "$T/codes"
	else
		tap_notok "the module's sources name PAM return codes"
	fi
	# The other way round: no documented code that the module never returns.
	grep -oE 'PAM_[A-Z_]+' "$T/rettags" | sort -u > "$T/doccodes"
	extra=$(missing_words "$T/doccodes" "$T/codes")
	if [ -z "$extra" ]; then
		tap_ok "pam_certmap.8 RETURN VALUES lists only codes the module returns"
	else
		tap_diag "documented, not in the sources: $extra"
		tap_notok "pam_certmap.8 RETURN VALUES lists only codes the module returns"
	fi
else
	tap_skip "pam_certmap.8 RETURN VALUES has every code" "$PAM_TYPES_H not found"
fi

# ---------------------------------------------------------------- certmap(1)

sed -n 's/^[[:space:]]*{ "\([a-z][a-z-]*\)", \(cmd_[a-z_]*\|NULL\) },.*/\1/p' \
	"$top_srcdir/certmap/certmap.c" > "$T/cmds"
if [ -s "$T/cmds" ]; then
	# a command with a hyphen is written add\-mapping in roff
	tags man/certmap.1 COMMANDS | sed 's/\\-/-/g' > "$T/cmdtags"
	while read -r c; do
		tap_check "certmap.1 documents command $c" has_word "$c" < "$T/cmdtags"
	done < "$T/cmds"
else
	tap_notok "the command table of certmap/certmap.c can be read"
fi

# Every long option any command parses (getopt_long tables), as --NAME in the page
# (written \-\-NAME in roff).
sed -n 's/.*{ "\([a-z][a-z0-9-]*\)", \(no\|required\|optional\)_argument,.*/\1/p' \
	"$top_srcdir"/certmap/*.c "$top_srcdir"/certmap/*.h | sort -u > "$T/longopts"
sed 's/\\-/-/g' "$top_srcdir/man/certmap.1" > "$T/certmap.1"
while read -r o; do
	tap_check "certmap.1 documents --$o" grep -qF -- "--$o" "$T/certmap.1"
done < "$T/longopts"

# ---------------------------------------------------------------- certmap.xml(5)

# Every attribute of the schema tables of the parser.
sed -n 's/^[[:space:]]*{ "\([A-Za-z]*\)", A_[A-Z]*,.*/\1/p' "$top_srcdir/mapfile_schema.c" |
	sort -u > "$T/attrs"
if [ -s "$T/attrs" ]; then
	absent=$(missing_words "$T/attrs" "$top_srcdir/man/certmap.xml.5")
	if [ -z "$absent" ]; then
		tap_ok "certmap.xml.5 documents every attribute of the schema"
	else
		tap_diag "not in certmap.xml.5: $absent"
		tap_notok "certmap.xml.5 documents every attribute of the schema"
	fi
else
	tap_notok "the attribute tables of mapfile_schema.c can be read"
fi

# ---------------------------------------------------------------- examples

# The pam_certmap.so lines of the examples use only options the module knows.
grep -hv '^[[:space:]]*#' "$top_srcdir"/examples/pam.d/* "$top_srcdir"/examples/pam-auth-update/* |
	sed -n 's/.*pam_certmap\.so//p' | tr -s ' \t' '\n\n' | sed -n 's/^\([^=][^=]*\).*/\1/p' |
	sort -u > "$T/used"
unknown=$(missing_words "$T/used" "$T/opts")
if [ -z "$unknown" ]; then
	tap_ok "the examples use only options pam_certmap knows"
else
	tap_diag "unknown: $unknown"
	tap_notok "the examples use only options pam_certmap knows"
fi

tap_done
