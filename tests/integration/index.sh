#!/bin/sh
# index.sh - the look-up index beside the mapping file (SPEC 2.8): certmap index builds it,
# the module answers from it only while it is current for the file it opened, and a stale,
# corrupt, unsafe or missing index changes no answer; edits keep it current, a failed
# rebuild removes it; an invalid file with a fresh index still denies; certmap check says
# how the index stands.  Which way the module took is read from its debug log lines.
. "${top_srcdir:?}/tests/lib.sh"
. "$top_srcdir/tests/pki.sh"
need_wrappers
need_certmap users
P=$T/pki
pki_make_all "$P" || bail "cannot make certificates"

D=$T/etc
mkdir "$D" || bail "mkdir $D"
MAP=$D/certmap.xml
IX=$MAP.cdb
# write_map USER: alice's certificate to USER, bob's disabled, in a new file renamed over
# the old one, as an editor saves.  alice and carol have names of one length: swapping them
# keeps the file's size.
write_map() {
	map_simple "$T/new.xml" <<EOF
$(xml_add "$P/alice.pem" "$1")
$(xml_add "$P/bob.pem" bob 'enabled="false"')
EOF
	mv -f "$T/new.xml" "$MAP" || bail "cannot replace $MAP"
}
write_map alice
svc ix "$MAP" debug
# as_alice NAME CODE USER: the module, alice's certificate, PAM_USER unset
as_alice() {
	t_drive "$1" "$2" "$3" -e SSL_CLIENT_CERT=@"$P/alice.pem" -U ix
}
USED="answered from its index $IX"

# ---------------------------------------------------------------- built and used

cm -f "$MAP" index
t "certmap index: exit 0, and it says what the index holds" \
	'rc_is 0 && out_is "$IX: 2 one-to-one entries, 0 many-to-one mappings, 1 level"'
t "the index is beside the file, root's, mode 0644" \
	'[ "$(stat -c %u:%g:%a "$IX")" = 0:0:644 ]'
as_alice "a current index: alice's certificate maps to alice" PAM_SUCCESS alice
t_log "a current index: the module answers from it" debug ix "$USED"
t_drive "a current index: an unmapped certificate is denied" PAM_AUTH_ERR "(null)" \
	-e SSL_CLIENT_CERT=@"$P/mallory.pem" -U ix
t_log "a current index: the denial is the index's answer too" debug ix "$USED"
t_drive "a current index: a disabled entry is denied as such" PAM_AUTH_ERR "(null)" \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -U ix
t_log "a current index: the disabled entry is named with its line" warning ix \
	"denied: mapping at line 5 is disabled"
cm -f "$MAP" -l ix lookup "$P/alice.pem"
t "certmap lookup answers from the index as the module does" 'rc_is 0 && out_is alice'
cm -f "$MAP" check
t "certmap check: a current index is not mentioned" 'rc_is 0 && ! out_has "index"'

# ---------------------------------------------------------------- stale

# A hand edit, as an editor saves: a new file renamed over the old one.
write_map carol
as_alice "after a hand edit the file answers: carol" PAM_SUCCESS carol
t_log "after a hand edit the index is stale and not used" debug ix \
	"read whole; its index is stale"
cm -f "$MAP" check
t "certmap check: a stale index is a warning with the command to rebuild it" \
	'rc_is 0 && out_has "warning: the look-up index is not used: $IX: made for another state of the file" && out_has "rebuild it with: certmap -f $MAP index"'

# The same size and the same mtime, written in place (the same inode): only ctime, which
# no system call sets, tells.
cm -f "$MAP" index
as_alice "rebuilt: the index answers carol" PAM_SUCCESS carol
sed 's/userName="carol"/userName="alice"/' "$MAP" > "$T/swapped"
BEFORE=$(stat -c '%i %s %y' "$MAP")
MTIME=$(stat -c %y "$MAP")
cat "$T/swapped" > "$MAP" && touch -d "$MTIME" "$MAP"
t "the rewrite kept the inode, the size and the mtime" \
	'[ "$(stat -c "%i %s %y" "$MAP")" = "$BEFORE" ] && grep -q "userName=\"alice\"" "$MAP"'
as_alice "a same-size, same-mtime rewrite is seen: alice again" PAM_SUCCESS alice
t_log "the rewrite made the index stale by its change time" debug ix \
	"its index is stale ($IX: made for another state of the file (its change time differs)"

# ---------------------------------------------------------------- corrupt, unsafe

cm -f "$MAP" index
as_alice "rebuilt: the index answers alice" PAM_SUCCESS alice
t_log "rebuilt: used" debug ix "$USED"

truncate -s 1000 "$IX"
as_alice "a truncated index: the file answers" PAM_SUCCESS alice
t_log "a truncated index is corrupt and not used" debug ix "read whole; its index is corrupt"
cm -f "$MAP" check
t "certmap check: a corrupt index is a warning" \
	'rc_is 0 && out_has "warning: the look-up index is corrupt and not used"'

head -c 8192 /dev/urandom > "$IX"
as_alice "an index of garbage: the file answers" PAM_SUCCESS alice
t_log "an index of garbage is not used" debug ix "read whole; its index is corrupt"

# A byte of alice's record changed: the header still says current, the record's checksum
# does not match, and the file answers (from the record the module would say alicf).
cm -f "$MAP" index
LC_ALL=C sed -i 's/alice/alicf/g' "$IX"
chown 0:0 "$IX" && chmod 0644 "$IX"
as_alice "a spoilt record: the file answers alice, not the record's alicf" PAM_SUCCESS alice
t_log "a spoilt record: the index is not used" debug ix \
	"read whole; its index is corrupt ($IX: a record of the index does not match its checksum"

cm -f "$MAP" index
chown 1 "$IX"
as_alice "an index not owned by root: the file answers" PAM_SUCCESS alice
t_log "an index not owned by root is not used" debug ix \
	"its index is unsafe ($IX: owned by uid 1, not by root"
chown 0 "$IX" && chmod 0664 "$IX"
as_alice "a group-writable index: the file answers" PAM_SUCCESS alice
t_log "a group-writable index is not used" debug ix \
	"its index is unsafe ($IX: writable by its group"
cm -f "$MAP" check
t "certmap check: an unsafe index is a warning" \
	'rc_is 0 && out_has "warning: the look-up index is unsafe and not used"'

# A link to a current index: followed, it would be used.
cm -f "$MAP" index
mv "$IX" "$T/real.cdb" && ln -s "$T/real.cdb" "$IX"
as_alice "an index that is a symbolic link: the file answers" PAM_SUCCESS alice
t_log "an index that is a symbolic link is not used" debug ix \
	"its index is unsafe ($IX: is a symbolic link"

rm -f "$IX"
as_alice "no index: the file answers" PAM_SUCCESS alice
t_log "no index: said so" debug ix "read whole; its index is missing"
cm -f "$MAP" check
t "certmap check: no index is a note, not a warning" \
	'rc_is 0 && out_has "note: no look-up index ($IX)" && out_has "0 errors, 0 warnings"'

# ---------------------------------------------------------------- edits keep it current

cm -f "$MAP" add --user carol "$P/carol.pem"
t "certmap add: exit 0, nothing said of the index" 'rc_is 0 && ! err_has "index"'
t_drive "after certmap add: carol maps" PAM_SUCCESS carol \
	-e SSL_CLIENT_CERT=@"$P/carol.pem" -U ix
t_log "after certmap add: the index it made answers" debug ix "$USED"
cm -f "$MAP" remove "$P/carol.pem"
t_drive "after certmap remove: carol is denied" PAM_AUTH_ERR "(null)" \
	-e SSL_CLIENT_CERT=@"$P/carol.pem" -U ix
t_log "after certmap remove: the index it made answers" debug ix "$USED"
cm -f "$MAP" enable "$P/bob.pem"
t_drive "after certmap enable: bob maps" PAM_SUCCESS bob -e SSL_CLIENT_CERT=@"$P/bob.pem" -U ix
t_log "after certmap enable: the index it made answers" debug ix "$USED"

# A rebuild that fails (no inode left for its temporary file, on a filesystem of five:
# the replaced file is still held open) removes the old index and says so.
SMALL=$T/small
mkdir "$SMALL" && mount -t tmpfs -o nr_inodes=5,mode=0755 certmap-test-small "$SMALL" ||
	bail "cannot mount a small tmpfs"
SMAP=$SMALL/certmap.xml
cm -f "$SMAP" add --user alice "$P/alice.pem"
t "a small filesystem: the first add makes file, lock and index" \
	'rc_is 0 && [ -f "$SMAP.cdb" ] && [ -f "$SMAP.lock" ]'
sleep 30 < "$SMAP" &
HOLDER=$!
cm -f "$SMAP" add --user bob "$P/bob.pem"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
t "a failed rebuild: the edit is made, exit 0, and the index is said to be gone" \
	'rc_is 0 && grep -q "userName=\"bob\"" "$SMAP" && err_has "warning: $SMAP.cdb: the look-up index could not be rebuilt and is gone" && err_has "certmap -f $SMAP index"'
t "a failed rebuild: no index is left to be stale" '[ ! -e "$SMAP.cdb" ]'
svc small "$SMAP" debug
t_drive "a failed rebuild: the module reads the edited file" PAM_SUCCESS bob \
	-e SSL_CLIENT_CERT=@"$P/bob.pem" -U small
umount "$SMALL"

# ---------------------------------------------------------------- invalid file

BAD=$D/bad.xml
map_simple "$BAD" <<EOF
$(xml_add "$P/alice.pem" alice)
$(xml_add "$P/alice.pem" carol)
EOF
cm -f "$BAD" index
t "certmap index of an invalid file: exit 1, the error, and the index records it" \
	'rc_is 1 && err_has "$BAD:5:" && err_has "Cannot add duplicate" && err_has "$BAD.cdb: written; it records that the file is invalid" && [ -f "$BAD.cdb" ]'
svc bad "$BAD" debug
t_drive "an invalid file with a fresh index still denies every query" PAM_AUTHINFO_UNAVAIL \
	"(null)" -e SSL_CLIENT_CERT=@"$P/alice.pem" -U bad
t_log "... with the recorded reason and position" err bad \
	"mapping file $BAD: 5:1: Cannot add duplicate collection entry"
t_log "... taken from the index" debug bad "answered from its index $BAD.cdb"

# An index made while the file was valid, then a hand edit that breaks it: the file speaks.
write_map alice
cm -f "$MAP" index
sed 's/enabled="false"/enabled="no"/' "$MAP" > "$T/broken" && cat "$T/broken" > "$MAP"
as_alice "a current index, then a hand edit that breaks the file: denied" \
	PAM_AUTHINFO_UNAVAIL "(null)"
t_log "... for the file's error, not the index's answer" err ix \
	"attribute 'enabled' of <add> must be true or false, not 'no'"

# ---------------------------------------------------------------- certmap index refusals

chmod 0666 "$MAP"
cm -f "$MAP" index
t "certmap index of an unsafe file: exit 1, and no index is left" \
	'rc_is 1 && err_has "writable by others" && [ ! -e "$IX" ]'
chmod 0644 "$MAP"
cm -f "$MAP" index extra
t "certmap index takes no arguments" 'rc_is 1 && err_has "index takes no arguments"'
cm -f "$T/nothing.xml" index
t "certmap index of a missing file: exit 1" 'rc_is 1 && err_has "$T/nothing.xml"'

tap_done
