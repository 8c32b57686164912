# scale.sh - bench/run's parts on what pam_certmap's cost grows with: the mapping file's size
# in a fresh process and in a long-lived caller (in wall time, and in instructions), the
# caller's own size, and bench/mapfile.
#
# Sourced by bench/run; uses auth_once, auth_ok and setup.sh's files: certmapN.xml (N in
# MAP_SIZES, the EC certificate last), services certmapN (token) and envN (env source).
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

# rotate N WORD...: the words, starting at the (N mod count)th: alternation without a fixed
# neighbour.
rotate() {
	local n=$1 i
	shift
	local w=("$@")
	for ((i = 0; i < ${#w[@]}; i++)); do echo "${w[$(((i + n) % ${#w[@]}))]}"; done
}

# ---------------------------------------------------------------- fresh processes

# Alternating rounds of, per size N: `certmap -f certmapN.xml lookup` of the EC certificate,
# and a whole pamtester authentication with the EC token against certmapN.xml.
part_scale() {
	local items=() it r n t0 t1 out=$DATA/scale.tsv
	: > "$out"
	for n in $MAP_SIZES; do items+=("lookup:$n" "auth:$n"); done
	say "fresh processes: $WARMUP warm-up rounds, then $RUNS rounds of ${#items[@]}"
	for ((r = 1; r <= WARMUP + RUNS; r++)); do
		for it in $(rotate "$r" "${items[@]}"); do
			n=${it#*:}
			t0=$EPOCHREALTIME
			if [ "${it%:*}" = lookup ]; then
				"$CERTMAP" -f "$T/certmap$n.xml" lookup "$T/ec-client.pem" > "$T/out" 2>&1 || :
				t1=$EPOCHREALTIME
				[ "$(cat "$T/out")" = "$USER_NAME" ] ||
					{ cat "$T/out" >&2; die "certmap lookup in certmap$n.xml failed"; }
			else
				auth_once "certmap$n" ec || :
				t1=$EPOCHREALTIME
				auth_ok "certmap$n" ||
					{ cat "$T/out" >&2; die "pam_certmap with certmap$n.xml failed"; }
			fi
			((r > WARMUP)) || continue
			printf '%s\t%s\t%d\t%d\n' "${it%:*}" "$n" "$r" $((10#${t1/./} - 10#${t0/./})) \
				>> "$out"
		done
		((r % 10)) || say "round $r of $((WARMUP + RUNS))"
	done
}

# ---------------------------------------------------------------- long-lived callers

# pamloop_batch OUT LABEL BATCH ARGS...: one bench/pamloop process; its per-round times go
# to OUT as "LABEL BATCH us", its peak memory to OUT.rss.
pamloop_batch() {
	local out=$1 label=$2 b=$3
	shift 3
	LD_PRELOAD=$PRELOAD "$PAMLOOP" "$@" > "$T/loop" 2> "$T/loop.err" ||
		{ cat "$T/loop.err" >&2; die "bench/pamloop $* failed"; }
	awk -v l="$label" -v b="$b" '$1 == "us" { printf "%s\t%s\t%s\n", l, b, $2 }' "$T/loop" >> "$out"
	awk -v l="$label" -v b="$b" '$1 == "maxrss_kib" { printf "%s\t%s\t%s\n", l, b, $2 }' \
		"$T/loop" >> "$out.rss"
}

# pamloop_series OUT BATCHES FN LABEL...: BATCHES rounds; in each, FN LABEL ROUND for every
# label, in an order rotated each round (FN runs pamloop_batch).
pamloop_series() {
	local out=$1 batches=$2 fn=$3 b l
	shift 3
	: > "$out"
	: > "$out.rss"
	for ((b = 1; b <= batches; b++)); do
		for l in $(rotate "$b" "$@"); do "$fn" "$out" "$l" "$b"; done
	done
}

# A web application's case: one process calling pam_start, pam_authenticate and pam_end per
# request, the certificate in the PAM environment (env source).  Per size, LL_BATCHES
# processes (sizes and ways alternating), each 2 untimed and LL_ROUNDS timed
# authentications: label N against the indexed file, cache:N against the same file by a name
# without an index (the second untimed authentication fills the per-process cache).
longlived_one() {
	local svc=env$2
	case $2 in cache:*) svc=cache${2#cache:} ;; esac
	pamloop_batch "$1" "$2" "$3" -w 2 -n "$LL_ROUNDS" -e "SSL_CLIENT_CERT=@$T/ec-client.pem" \
		"$svc"
}
part_longlived() {
	local n labels=""
	say "long-lived caller: $LL_BATCHES processes per size and way, $LL_ROUNDS authentications each"
	for n in $MAP_SIZES; do labels="$labels $n cache:$n"; done
	# shellcheck disable=SC2086 # the labels are words
	pamloop_series "$DATA/longlived.tsv" "$LL_BATCHES" longlived_one $labels
}

# The token path from a caller holding CALLER_MIB MiB of written memory, against a small
# one (SPEC 3.3: the helper is started without copying the caller's memory).
caller_one() {
	SOFTHSM2_CONF=$T/hsm-ec/softhsm2.conf pamloop_batch "$1" "$2" "$3" -m "$2" -w 1 \
		-n "$CALLER_ROUNDS" -p "$T/pin" -u "$USER_NAME" certmap
}
part_caller() {
	say "caller size: $CALLER_BATCHES processes each of 0 and $CALLER_MIB MiB"
	pamloop_series "$DATA/caller.tsv" "$CALLER_BATCHES" caller_one 0 "$CALLER_MIB"
}

# ---------------------------------------------------------------- instructions of the scale rows

# Wall time is noise on a shared machine; callgrind's counts are not.  cg_total FILE...: the
# instructions of every process counted in callgrind's files.
cg_total() {
	local f v t=0
	for f in "$@"; do
		v=$(awk -f "$srcdir/bench/cgsum.awk" "$f" | awk -F'\t' '$1 == "total" { print $2 }')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# cg_count COMMAND...: COMMAND under callgrind, every process of it; prints its total.
cg_count() {
	local d=$T/scalecg
	rm -rf "$d" && mkdir -p "$d"
	LD_PRELOAD=$PRELOAD valgrind --tool=callgrind --trace-children=yes \
		--callgrind-out-file="$d/cg.%p" "$@" < "$T/pin" > "$d/log" 2>&1 ||
		{ cat "$d/log" >&2; die "$* failed under callgrind"; }
	cg_total "$d"/cg.*
}

# The rows of scale and longlived once each under callgrind, per size N: certmap lookup, a
# whole pamtester authentication on the EC token, one env authentication in a fresh
# process (bench/pamloop), and per authentication of a long-lived caller with the index
# and with the cache (the counts of 2 untimed + LL_ROUNDS authentications less those of
# the 2 untimed alone, divided by LL_ROUNDS).
part_scalecg() {
	local n l svc a b out=$DATA/scalecg.tsv env=(-e "SSL_CLIENT_CERT=@$T/ec-client.pem")
	: > "$out"
	say "instructions of the scale and longlived rows (callgrind), one run each"
	for n in $MAP_SIZES; do
		printf 'lookup:%s\t%s\n' "$n" \
			"$(cg_count "$CERTMAP" -f "$T/certmap$n.xml" lookup "$T/ec-client.pem")" >> "$out"
		printf 'auth:%s\t%s\n' "$n" "$(SOFTHSM2_CONF=$T/hsm-ec/softhsm2.conf cg_count \
			pamtester "certmap$n" "$USER_NAME" authenticate)" >> "$out"
		printf 'fresh:%s\t%s\n' "$n" \
			"$(cg_count "$PAMLOOP" -w 0 -n 1 "${env[@]}" "env$n")" >> "$out"
		for l in ll cache; do
			svc=env$n
			[ "$l" = cache ] && svc=cache$n
			a=$(cg_count "$PAMLOOP" -w 2 -n 0 "${env[@]}" "$svc")
			b=$(cg_count "$PAMLOOP" -w 2 -n "$LL_ROUNDS" "${env[@]}" "$svc")
			printf '%s:%s\t%s\n' "$l" "$n" $(((b - a) / LL_ROUNDS)) >> "$out"
		done
	done
}

# ---------------------------------------------------------------- the parser alone

part_mapfile() {
	say "running bench/mapfile (SIZES=${SIZES:-default} REPEAT=${REPEAT:-default})"
	"$srcdir/bench/mapfile" "$BUILD" > "$DATA/mapfile.md" || die "bench/mapfile failed"
}
