#!/bin/sh
# lint.sh - clang-tidy (the checks of .clang-tidy) finds nothing in the C files of the
# library, the module, the token and OCSP helpers and certmap, each compiled with its
# target's flags.
set -u
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
# shellcheck disable=SC1091 # found through $top_srcdir
. "$top_srcdir/tests/tap.sh"

if ! command -v clang-tidy >/dev/null 2>&1; then
	skip_all "clang-tidy not installed"
fi
# The same sources with the same flags are checked in the plain run.
if [ -n "${CERTMAP_TEST_ASAN:-}${CERTMAP_TEST_VALGRIND:-}" ]; then
	skip_all "static analysis does not change under a memory checker:" \
		"the plain run has it"
fi
CONFIG=$top_srcdir/.clang-tidy
[ -f "$CONFIG" ] || bail "$CONFIG is missing"

T=$(mktemp -d /tmp/certmap-lint.XXXXXX) || bail "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM

# Each target's sources and preprocessor and warning flags, as make has them.  Not CFLAGS:
# -O2 and the sanitizers change nothing for clang-tidy, and gcc-only flags would stop clang.
cat > "$T/flags.mk" <<'EOF'
# A target's own CPPFLAGS or CFLAGS replace the AM_ ones, as automake has it.
lint_flags = $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) \
	$(or $($(1)_CPPFLAGS),$(AM_CPPFLAGS)) $(CPPFLAGS) $(or $($(1)_CFLAGS),$(AM_CFLAGS))
lint-flags-%:
	@echo $(call lint_flags,$*)
lint-src-%:
	@echo $($*_SOURCES)
EOF
# (not as a part of the make check that runs this test: no jobserver, no inherited flags)
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -s --no-print-directory -C "$top_builddir" -f Makefile -f "$T/flags.mk" "$1"
}

# One line per file: TARGET FILE.  Flags from pkg-config's /usr paths become -isystem, so the
# headers of OpenSSL, expat, PAM, libp11 and p11-kit are not checked (.clang-tidy's
# HeaderFilterRegex takes every other header: the project's own).
: > "$T/files"
for tgt in libcertmap_la pam_certmap_la token_pam_certmap_token ocsp_pam_certmap_ocsp certmap_certmap; do
	flags=$(mk "lint-flags-$tgt") ||
		{ echo "Bail out! make cannot print the flags of $tgt"; exit 1; }
	printf '%s\n' "$flags" | sed 's#-I/usr/#-isystem /usr/#g' > "$T/flags.$tgt"
	for f in $(mk "lint-src-$tgt"); do
		case $f in *.c) printf '%s %s\n' "$tgt" "$f" >> "$T/files" ;; esac
	done
done
[ -s "$T/files" ] || { echo "Bail out! no source files found"; exit 1; }

# The checks must be able to fail: a file with a finding of its own joins the others.
cat > "$T/probe.c" <<'EOF'
#include "config.h"
#include <string.h>
int lint_probe(const char *a, const char *b);
int lint_probe(const char *a, const char *b)
{
	if (strcmp(a, b))
		return 1;
	return 0;
}
EOF
printf 'libcertmap_la %s\n' "$T/probe.c" >> "$T/files"

# Both cores, a file at a time: the analyzer takes seconds a file.  Each leaves its
# findings in $T/out.NAME and its exit status in $T/rc.NAME.
export T top_srcdir top_builddir CONFIG
xargs -P "$(nproc 2>/dev/null || echo 2)" -L 1 sh -c "$(cat <<'EOF'
_n=$(printf '%s' "$1" | tr '/' '_')
case $1 in /*) _f=$1 ;; *) _f=$top_srcdir/$1 ;; esac
# shellcheck disable=SC2046 # the flags are split on purpose
(cd "$top_builddir" && clang-tidy --quiet --config-file="$CONFIG" "$_f" -- $(cat "$T/flags.$0")) \
	> "$T/out.$_n" 2>&1
echo $? > "$T/rc.$_n"
EOF
)" < "$T/files"

while read -r tgt f; do
	_n=$(printf '%s' "$f" | tr '/' '_')
	rc=$(cat "$T/rc.$_n" 2>/dev/null || echo missing)
	# "N warnings generated." alone is clang counting the suppressed ones
	findings=$(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' "$T/out.$_n")
	if [ "$f" = "$T/probe.c" ]; then
		if [ "$rc" != 0 ] && printf '%s\n' "$findings" |
			grep -q 'bugprone-suspicious-string-compare'; then
			tap_ok "clang-tidy reports the finding planted in a probe file"
		else
			tap_notok "clang-tidy reports the finding planted in a probe file" \
				"exit $rc" "$findings"
		fi
	elif [ "$rc" = 0 ] && [ -z "$findings" ]; then
		tap_ok "clang-tidy finds nothing in $f"
	else
		tap_notok "clang-tidy finds nothing in $f" "exit $rc" "$findings"
	fi
done < "$T/files"
tap_done
