# timeline.awk - one pam_certmap authentication's wall time from `strace -ttt -T` of the
# pamtester process alone (execve, clone, poll or ppoll, waitid, exit_group), for bench/run.
#
# Usage: awk -v key=K -v run=N -f timeline.awk STRACE_OUTPUT
# Prints one tab-separated line, in ms: key run total start_to_spawn spawn_to_list
# list_to_signature signature_to_reap after_reap.  The module starts the helper (clone,
# clone3 or vfork), waits for its answers with poll() on their socket (the certificate list
# first, the signature last), then waits for its exit with poll() on a pidfd and reaps it
# with waitid(P_PIDFD); the pidfd is the descriptor waitid names.

function ms(a, b) { return (b - a) * 1000 }
function dur(line) {
	if (match(line, /<[0-9.]+>$/))
		return substr(line, RSTART + 1, RLENGTH - 2) + 0
	return 0
}
function pollfd(line) {
	if (match(line, /fd=[0-9]+/))
		return substr(line, RSTART + 3, RLENGTH - 3)
	return -1
}

$2 ~ /^execve\(/ && !start { start = $1 }
$2 ~ /^(clone3?|vfork|fork)\(/ && !spawn { spawn = $1 }
$2 ~ /^p?poll\(/ && spawn { n++; pe[n] = $1 + dur($0); pf[n] = pollfd($0) }
$2 ~ /^waitid\(P_PIDFD,/ && !reaped {
	pidfd = $3
	sub(/,.*/, "", pidfd)
	reaped = $1 + dur($0)
}
$2 ~ /^exit_group\(/ { end = $1 }

END {
	for (i = 1; i <= n; i++) {
		if (pf[i] == pidfd)
			continue
		if (!list)
			list = pe[i]
		sig = pe[i]
	}
	if (!start || !spawn || !list || !reaped || !end) {
		print "timeline.awk: incomplete trace" > "/dev/stderr"
		exit 1
	}
	printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", key, run, ms(start, end),
		ms(start, spawn), ms(spawn, list), ms(list, sig), ms(sig, reaped), ms(reaped, end)
}
