#!/bin/sh
# build.sh - properties of the build itself: the module exports only the
# PAM entry points, and cppcheck finds nothing in the project's sources.
set -u
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
so="$top_builddir/.libs/pam_certmap.so"
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }

echo "1..4"

syms=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }' | sort | tr '\n' ' ')
if [ "$syms" = "pam_sm_authenticate pam_sm_setcred " ]; then
	ok "module exports only pam_sm_authenticate and pam_sm_setcred"
else
	echo "# exported: $syms"
	not_ok "module exports only pam_sm_authenticate and pam_sm_setcred"
fi

# The module must not need symbols that only the test environment provides.
if ldd -r "$so" 2>&1 | grep -q 'undefined symbol'; then
	ldd -r "$so" 2>&1 | sed 's/^/# /'
	not_ok "module has no undefined symbols"
else
	ok "module has no undefined symbols"
fi

if command -v cppcheck >/dev/null 2>&1; then
	out=$(cd "$top_srcdir" && cppcheck --quiet --enable=warning,style,performance,portability \
		--inline-suppr --error-exitcode=1 --std=c11 \
		--suppress=missingIncludeSystem -I. *.c certmap/*.c token/*.c 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		ok "cppcheck finds nothing in the module, the token helper and certmap"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		not_ok "cppcheck finds nothing in the module, the token helper and certmap"
	fi
else
	n=$((n + 1)); echo "ok $n - cppcheck # SKIP cppcheck not installed"
fi

# SPEC 5: the result starts as a failure and becomes a success in one place.
if grep -c 'ret = PAM_SUCCESS' "$top_srcdir/pam_certmap.c" | grep -qx 1; then
	ok "pam_certmap.c makes a success in exactly one place"
else
	not_ok "pam_certmap.c makes a success in exactly one place"
fi
exit $fail
