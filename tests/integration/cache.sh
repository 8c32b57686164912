#!/bin/sh
# cache.sh - the module's per-process cache (SPEC 2.8), as a web server uses the module:
# one process calling pam_start, pam_authenticate and pam_end again and again (pamdrive -n).
# The second read of one state of the file is kept, later calls answer from it, and every
# rewrite between two calls is seen: by a new file renamed over the old one, in place with
# the same size and the mtime set back, or into an invalid file.  Where each answer came
# from is read from the module's debug lines, one per call.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers
P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"

MAP=$T/map.xml
# write_map USER: alice's certificate to USER, in a new file renamed over the old one.
write_map() {
	map_simple "$T/new.xml" <<EOF
$(xml_add "$P/alice.pem" "$1")
$(xml_add "$P/bob.pem" bob)
EOF
	mv -f "$T/new.xml" "$MAP" || bail "cannot replace $MAP"
}
write_map alice
svc cache "$MAP" debug

# Run before rounds 2..13 by pamdrive.  The cache keeps only a read whose file's change time
# is older than the clock's tick could blur (100 ms): each rewrite is left to settle.
cat > "$T/between.sh" <<EOF
#!/bin/sh
set -e
# the tools here are not under test: no wrapper, no sanitizer runtime preloaded
unset LD_PRELOAD
T=$T MAP=$MAP
EOF
cat >> "$T/between.sh" <<'EOF'
case $ROUND in
4)	# a new file renamed over the old: alice maps to carol now
	sed 's/userName="alice"/userName="carol"/' "$MAP" > "$T/next.xml"
	chmod 0644 "$T/next.xml"
	mv -f "$T/next.xml" "$MAP" ;;
7)	# in place, the same size, the mtime set back: alice again
	m=$(stat -c %y "$MAP")
	stat -c '%i %s %y' "$MAP" > "$T/id.before"
	sed 's/userName="carol"/userName="alice"/' "$MAP" > "$T/next.xml"
	cat "$T/next.xml" > "$MAP"
	touch -d "$m" "$MAP"
	stat -c '%i %s %y' "$MAP" > "$T/id.after" ;;
10)	# in place into an invalid file
	sed 's/userName="alice"/userName="alice" enabled="maybe"/' "$MAP" > "$T/next.xml"
	cat "$T/next.xml" > "$MAP" ;;
13)	# valid again
	sed 's/ enabled="maybe"//' "$MAP" > "$T/next.xml"
	cat "$T/next.xml" > "$MAP" ;;
esac
sleep 0.3
EOF
sleep 0.3

log_mark
wrapped $MEMCHECK "$PAMDRIVE" -n 13 -x "sh $T/between.sh" -e SSL_CLIENT_CERT=@"$P/alice.pem" -U \
	cache > "$T/rounds" 2>&1
rc=$?
cat > "$T/want" <<EOF
round 1: PAM_SUCCESS user=alice
round 2: PAM_SUCCESS user=alice
round 3: PAM_SUCCESS user=alice
round 4: PAM_SUCCESS user=carol
round 5: PAM_SUCCESS user=carol
round 6: PAM_SUCCESS user=carol
round 7: PAM_SUCCESS user=alice
round 8: PAM_SUCCESS user=alice
round 9: PAM_SUCCESS user=alice
round 10: PAM_AUTHINFO_UNAVAIL user=(null)
round 11: PAM_AUTHINFO_UNAVAIL user=(null)
round 12: PAM_AUTHINFO_UNAVAIL user=(null)
round 13: PAM_SUCCESS user=alice
EOF
if [ "$rc" = 0 ] && cmp -s "$T/want" "$T/rounds"; then
	tap_ok "13 calls in one process: every rewrite between two calls is seen"
else
	tap_notok "13 calls in one process: every rewrite between two calls is seen" \
		"exit $rc, want:" "$(cat "$T/want")" "got:" "$(cat "$T/rounds")"
fi
t "the in-place rewrite kept the inode, the size and the mtime" \
	'cmp -s "$T/id.before" "$T/id.after"'

# The debug line of each call, in order: F the file read, C it kept for the next calls,
# H answered from the cache.
sources() {
	log_new | grep -F "pam_certmap(cache:auth): mapping file $MAP: " | sed -n \
		-e "s/.*: answered from this process's cache\$/H/p" \
		-e "s/.*: read whole, and cached for the next calls.*/C/p" \
		-e "s/.*: read whole; .*/F/p" -e "s/.*: read whole\$/F/p" | tr -d '\n'
}
if [ "$LOGS" != yes ]; then
	tap_skip "each state of the file: read, kept on the second read, then answered from" \
		"$LOGS_WHY"
else
	_i=0
	while [ $_i -lt 30 ] && [ "$(sources | wc -c)" -lt 13 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	got=$(sources)
	if [ "$got" = FCHFCHFCHFCHF ]; then
		tap_ok "each state of the file: read, kept on the second read, then answered from"
	else
		tap_notok "each state of the file: read, kept on the second read, then answered from" \
			"want FCHFCHFCHFCHF (F read, C read and kept, H from the cache), got $got" \
			"$(log_new | grep -F 'mapping file')"
	fi
fi
t_log "the invalid file is denied with its reason, from the cache too" err cache \
	"attribute 'enabled' of <add> must be true or false, not 'maybe'"

tap_done
