#!/bin/sh
# account_nss.sh - SPEC 3.4: only a clean "no such user" from NSS counts as an account that
# does not exist.  An NSS service that fails (a directory backend that is down) is
# PAM_AUTHINFO_UNAVAIL, never a fall-back from alice@DOMAIN to a local alice.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers
BROKEN=$top_builddir/tests/nss/.libs/broken.so
[ -f "$BROKEN" ] || bail "$BROKEN not built"
P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"

# alice's certificate names alice@EXAMPLE.TEST, found as the local alice through domain=;
# bob's names bob as he is; carol's names an account nobody has.
MAP=$T/map.xml
{
	xml_add "$P/alice.pem" alice@EXAMPLE.TEST
	xml_add "$P/bob.pem" bob
	xml_add "$P/carol.pem" ghost
} | map_simple "$MAP"
svc an "$MAP" domain=EXAMPLE.TEST

# t_nss NAME CODE USER CERT [NAMES [ERRNO]]: pamdrive as USER with CERT; with NAMES, the NSS
# service tests/nss/broken.c fails for them (errno ERRNO, EPERM by default) after files.
t_nss() {
	_tn_name=$1 _tn_code=$2 _tn_user=$3 _tn_cert=$4
	drive_check "$_tn_name" "$_tn_code" "$_tn_user" env \
		NSS_WRAPPER_MODULE_SO_PATH="$BROKEN" NSS_WRAPPER_MODULE_FN_PREFIX=broken \
		BROKEN_NSS_NAMES="${5:-}" BROKEN_NSS_ERRNO="${6:-1}" \
		$MEMCHECK "$PAMDRIVE" -e SSL_CLIENT_CERT=@"$P/$_tn_cert.pem" -u "$_tn_user" an
}

# The controls: the NSS service answers NOTFOUND for every name it is not told to fail.
t_nss "control: alice@EXAMPLE.TEST falls back to alice" PAM_SUCCESS alice alice
t_nss "control: bob as he is" PAM_SUCCESS bob bob
t_nss "an account nobody has is PAM_USER_UNKNOWN" PAM_USER_UNKNOWN carol carol
t_log "an account nobody has: logged" warning an "denied: mapped account 'ghost' does not exist"

# EPERM, ESRCH and EBADF are in getpwnam_r(3)'s list of "not found"; from glibc they come
# only from a service that failed.  ENOENT cannot be shown here: nss_wrapper itself answers
# a missing name with it, which tests/nss/glibc.c turns into glibc's 0.
for _e in 1:EPERM 3:ESRCH 9:EBADF 5:EIO 111:ECONNREFUSED; do
	t_nss "${_e#*:} for alice@EXAMPLE.TEST: no fall-back to alice" PAM_AUTHINFO_UNAVAIL \
		alice alice alice@EXAMPLE.TEST "${_e%%:*}"
	t_log "${_e#*:} for alice@EXAMPLE.TEST: logged" warning an \
		"denied: the user database cannot be asked about 'alice@EXAMPLE.TEST'"
done
t_nss "ghost fails: PAM_AUTHINFO_UNAVAIL, not PAM_USER_UNKNOWN" PAM_AUTHINFO_UNAVAIL carol \
	carol ghost
t_log "ghost fails: logged" warning an "denied: the user database cannot be asked about 'ghost'"
# nss_wrapper asks its files first, as "passwd: files sss" does: a local name never
# reaches the failing service.
t_nss "every name fails: bob, a local name, still maps" PAM_SUCCESS bob bob '*'
t_nss "every name fails: alice@EXAMPLE.TEST does not" PAM_AUTHINFO_UNAVAIL alice alice '*'

tap_done
