#!/bin/sh
# setuid.sh - process_env never reads the environment of a setuid program: an unprivileged
# user who runs a setuid PAM application with a certificate in its environment gets nothing.
# Uses the real libpam and /etc/pam.d, since pam_wrapper cannot follow a setuid program.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"

[ -f "$MODULE" ] || bail "$MODULE not built"
# A setuid pamtester runs neither under valgrind nor with libasan preloaded for an ASan module.
[ -n "$MEMCHECK_MODE" ] &&
	skip_all "setuid programs ignore LD_PRELOAD and valgrind: no $MEMCHECK_MODE run of" \
		"this test (the plain run has it)"
command -v pamtester >/dev/null 2>&1 || bail "pamtester not installed"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv not installed"
# setuid programs ignore LD_PRELOAD; the plain runs must see the same accounts
unset LD_PRELOAD
getent passwd nobody >/dev/null || skip_all "no nobody account"
NOBODY_GROUP=$(id -gn nobody) || skip_all "no group for nobody"

S=$T/suid
mkdir -m 0755 "$S" || bail "mkdir $S"
case ",$(findmnt -n -o OPTIONS --target "$S")," in
*,nosuid,*) skip_all "$S is on a nosuid filesystem" ;;
esac

as_nobody() {
	(cd / && setpriv --reuid=nobody --regid="$NOBODY_GROUP" --clear-groups "$@")
}

# pamtester names itself by its file name: both copies are called pamtester
mkdir -m 0755 "$S/suid" "$S/plain" || bail "mkdir"
install -o 0 -g 0 -m 4755 "$(command -v pamtester)" "$S/suid/pamtester" &&
	install -o 0 -g 0 -m 0755 "$(command -v pamtester)" "$S/plain/pamtester" &&
	install -o 0 -g 0 -m 4755 "$(command -v id)" "$S/id-suid" &&
	install -o 0 -g 0 -m 0755 "$MODULE" "$S/pam_certmap.so" || bail "install into $S"
# no_new_privs (some containers) or a nosuid mount would make the test meaningless
as_nobody "$S/id-suid" | grep -q 'euid=0(' || skip_all "setuid programs do not gain root here"

P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"
map_simple "$S/map.xml" <<EOF
$(xml_add "$P/nobody.pem" nobody)
EOF
PEM=$(cat "$P/nobody.pem")
SVC=certmap-setuid-test
LINE="auth required $S/pam_certmap.so source=env process_env mapfile=$S/map.xml"

if [ "$CERTMAP_TEST_NS" = yes ]; then
	# our own /etc/pam.d, visible to this process tree only
	mkdir -m 0755 "$T/pam.d.real" && printf '%s\n' "$LINE" > "$T/pam.d.real/$SVC" &&
		mount --bind "$T/pam.d.real" /etc/pam.d || bail "cannot mount a private /etc/pam.d"
else
	[ -e "/etc/pam.d/$SVC" ] && bail "/etc/pam.d/$SVC exists and is not ours"
	cleanup_file "/etc/pam.d/$SVC"
	printf '%s\n' "$LINE" > "/etc/pam.d/$SVC" || bail "cannot write /etc/pam.d/$SVC"
fi

t_pamtester "control: root runs the setuid copy, process_env is read" PAM_SUCCESS \
	env SSL_CLIENT_CERT="$PEM" "$S/suid/pamtester" "$SVC" nobody authenticate
t_log "control: root: granted" notice "$SVC" "granted: user 'nobody' location '$SVC'"

t_pamtester "control: nobody runs a plain copy, process_env is read" PAM_SUCCESS \
	env SSL_CLIENT_CERT="$PEM" setpriv --reuid=nobody --regid="$NOBODY_GROUP" \
	--clear-groups "$S/plain/pamtester" "$SVC" nobody authenticate
t_log "control: nobody: granted" notice "$SVC" "granted: user 'nobody' location '$SVC'"

t_pamtester "nobody runs the setuid copy: the environment is not read" PAM_AUTHINFO_UNAVAIL \
	env SSL_CLIENT_CERT="$PEM" setpriv --reuid=nobody --regid="$NOBODY_GROUP" \
	--clear-groups "$S/suid/pamtester" "$SVC" nobody authenticate
t_log "nobody runs the setuid copy: variable is not set" warning "$SVC" \
	"denied: variable SSL_CLIENT_CERT is not set"

tap_done
