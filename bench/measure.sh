# measure.sh - bench/run's token parts: latency (alternating rounds of every module and key
# type), instructions (callgrind over every process, SSSD's daemons included), timeline.
#
# Sourced by bench/run; uses auth_once, auth_ok, token_modules and setup.sh's and sssd.sh's
# variables.  Each part writes its files into $DATA.
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

# ---------------------------------------------------------------- latency

# Rounds: every module with every key once per round, the order rotated each round so no
# module always follows another; the first WARMUP rounds are not kept.
part_latency() {
	local order=() k m mk r j n_order t0 t1 lat=$DATA/latency.tsv fl=$DATA/floor.tsv
	: > "$lat"
	: > "$fl"
	for k in $KEYS; do
		for m in $(token_modules "$k"); do order+=("$m:$k"); done
	done
	n_order=${#order[@]}
	say "timing: $WARMUP warm-up rounds, then $RUNS rounds of $n_order authentications"
	for ((r = 1; r <= WARMUP + RUNS; r++)); do
		for ((j = 0; j < n_order; j++)); do
			mk=${order[$(((j + r) % n_order))]}
			m=${mk%:*} k=${mk#*:}
			t0=$EPOCHREALTIME
			auth_once "$m" "$k" || :
			t1=$EPOCHREALTIME
			auth_ok "$m" || { cat "$T/out" >&2; die "$m failed with the $k token in round $r"; }
			((r > WARMUP)) || continue
			# microseconds: EPOCHREALTIME is seconds.microseconds
			printf '%s\t%s\t%d\t%d\n' "$k" "$m" "$r" $((10#${t1/./} - 10#${t0/./})) >> "$lat"
			[ "$m" = floor ] && printf '%s\t%d\t%s\n' "$k" "$r" "$(cat "$T/out")" >> "$fl"
		done
		((r % 10)) || say "round $r of $((WARMUP + RUNS))"
	done
}

# ---------------------------------------------------------------- instructions

CG_FNS="main exit pam_sm_authenticate token_open token_prove tokverify token_close
	request_load_mapfile d2i_X509 _dl_open C_Initialize C_Finalize C_GetSlotList
	C_GetTokenInfo C_OpenSession C_FindObjectsInit C_FindObjects C_FindObjectsFinal
	C_GetAttributeValue C_Login C_Logout C_SignInit C_Sign C_GetMechanismList"

# cg_record K M RUN FILE...: one line per process and sum into cg.tsv: key module run
# process-label command, then cgsum.awk's fields.
cg_record() {
	local k=$1 m=$2 i=$3 f cmd
	shift 3
	for f in "$@"; do
		cmd=$(sed -n 's/^cmd: *//p' "$f" | head -n 1 | cut -d' ' -f1)
		awk -v FNS="$CG_FNS" -f "$srcdir/bench/cgsum.awk" "$f" |
			sed "s|^|$k\t$m\t$i\t${f##*/}\t$(basename "$cmd")\t|" >> "$DATA/cg.tsv"
	done
}

# cg_once K M DIR: one authentication under callgrind, every process of it, files in DIR.
cg_once() {
	local k=$1 m=$2 d=$3
	mkdir -p "$d"
	if [ "$m" = floor ]; then
		SOFTHSM2_CONF=$T/hsm-$k/softhsm2.conf timeout 600 \
			valgrind --tool=callgrind --callgrind-out-file="$d/cg.%p" \
			"$FLOOR" "$HSM_LIB" "bench-$k" "$PIN" > "$d/log" 2>&1 || :
		grep -q '^load_us=' "$d/log" || { cat "$d/log" >&2; die "floor failed under callgrind"; }
		return 0
	fi
	# valgrind 3.19 answers pidfd_open with ENOSYS: the module then reaps its helper by
	# its PID (subproc.c)
	SOFTHSM2_CONF=$T/hsm-$k/softhsm2.conf LD_PRELOAD=$PRELOAD timeout 600 \
		valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$d/cg.%p" \
		pamtester "$m" "$USER_NAME" authenticate < "$T/pin" > "$d/log" 2>&1 || :
	grep -q 'pamtester: successfully authenticated' "$d/log" ||
		{ cat "$d/log" >&2; die "$m with the $k token failed under callgrind"; }
}

# SSSD: sssd itself runs under callgrind (--trace-children: its responders and every
# p11_child); per run the counters of every process are zeroed, one authentication runs
# (pamtester under callgrind too), and the daemons dump what they counted since.  The run
# counts pamtester with pam_sss, sssd, sssd_be, sssd_nss, sssd_pam and both p11_child.
cg_sssd() {
	local sd=$T/cg-sssd i d before f
	mkdir -p "$sd"
	sssd_stop
	say "starting sssd under callgrind"
	sssd_start valgrind --tool=callgrind --trace-children=yes \
		--callgrind-out-file="$sd/sssd.%p"
	AUTH_PREFIX="timeout 600" auth_once sss ec || :
	auth_ok sss || { cat "$T/out" "$T/sssd.log" >&2; die "SSSD failed under callgrind"; }
	for ((i = 1; i <= CG_RUNS; i++)); do
		d=$T/cg/sss.ec.$i
		before=$(cd "$sd" && printf '%s\n' *)
		callgrind_control -z > "$T/cgc.log" 2>&1 || { cat "$T/cgc.log" >&2; die "callgrind_control -z"; }
		cg_once ec sss "$d"
		callgrind_control -d > "$T/cgc.log" 2>&1 || { cat "$T/cgc.log" >&2; die "callgrind_control -d"; }
		sleep 1
		for f in "$sd"/*; do
			printf '%s\n' "$before" | grep -qxF "${f##*/}" || mv "$f" "$d/"
		done
		[ "$(grep -l '^cmd: .*p11_child' "$d"/* | wc -l)" -ge 1 ] ||
			die "no p11_child counted in SSSD's run $i"
		cg_record ec sss "$i" "$d"/*
	done
	sssd_stop
	sssd_start
}

part_instructions() {
	local i k m
	say "counting instructions with callgrind ($CG_RUNS runs per module and key type)"
	: > "$DATA/cg.tsv"
	for ((i = 1; i <= CG_RUNS; i++)); do
		for k in $KEYS; do
			for m in $(token_modules "$k"); do
				case $m in exec | sss) continue ;; esac
				cg_once "$k" "$m" "$T/cg/$m.$k.$i"
				cg_record "$k" "$m" "$i" "$T/cg/$m.$k.$i"/cg.*
			done
		done
	done
	[ -n "${SSSD_PID:-}" ] && cg_sssd
	:
}

# ---------------------------------------------------------------- timeline

# Where pam_certmap's wall time goes that instructions do not show: process creation, the
# helper's life, and the module's wait for the helper to exit.  strace follows the pamtester
# process only, so the helper runs untraced.
part_timeline() {
	local k i
	say "tracing pam_certmap's processes (strace, 10 runs per key type)"
	: > "$DATA/strace.tsv"
	for k in $KEYS; do
		for ((i = 1; i <= 10; i++)); do
			SOFTHSM2_CONF=$T/hsm-$k/softhsm2.conf LD_PRELOAD=$PRELOAD timeout 60 \
				strace -ttt -T -qq -o "$T/st" -e signal=none \
				-e trace=execve,clone,clone3,fork,vfork,waitid,poll,ppoll,exit_group \
				pamtester certmap "$USER_NAME" authenticate < "$T/pin" > "$T/out" 2>&1 || :
			grep -q 'pamtester: successfully authenticated' "$T/out" ||
				{ cat "$T/out" "$T/st" >&2; die "pam_certmap failed under strace"; }
			awk -v key="$k" -v run="$i" -f "$srcdir/bench/timeline.awk" "$T/st" \
				>> "$DATA/strace.tsv"
		done
	done
}
