#!/bin/sh
# build.sh - properties of the build itself: the module exports only the
# PAM entry points, and cppcheck finds nothing in the project's sources.
set -u
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
so="$top_builddir/.libs/pam_certmap.so"
# shellcheck disable=SC1091 # found through $top_srcdir
. "$top_srcdir/tests/tap.sh"

syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort | tr '\n' ' ')
if [ "$syms" = "pam_sm_authenticate pam_sm_setcred " ]; then
	tap_ok "module exports only pam_sm_authenticate and pam_sm_setcred"
else
	echo "# exported: $syms"
	tap_notok "module exports only pam_sm_authenticate and pam_sm_setcred"
fi

# The module must not need symbols that only the test environment provides.
if ldd -r "$so" 2>&1 | grep -q 'undefined symbol'; then
	tap_notok "module has no undefined symbols" "$(ldd -r "$so" 2>&1)"
else
	tap_ok "module has no undefined symbols"
fi

if command -v cppcheck >/dev/null 2>&1; then
	out=$(cd "$top_srcdir" && cppcheck --quiet --enable=warning,style,performance,portability \
		--inline-suppr --error-exitcode=1 --std=c11 \
		--suppress=missingIncludeSystem -I. *.c certmap/*.c token/*.c 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		tap_ok "cppcheck finds nothing in the module, the token helper and certmap"
	else
		tap_notok "cppcheck finds nothing in the module, the token helper and certmap" "$out"
	fi
else
	tap_skip "cppcheck" "cppcheck not installed"
fi

# SPEC 5: the result starts as a failure and becomes a success in one place.
if grep -c 'ret = PAM_SUCCESS' "$top_srcdir/pam_certmap.c" | grep -qx 1; then
	tap_ok "pam_certmap.c makes a success in exactly one place"
else
	tap_notok "pam_certmap.c makes a success in exactly one place"
fi
tap_done
