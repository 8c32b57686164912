# timeline.awk - one pam_certmap authentication's wall time from `strace -ttt -T` of the
# pamtester process alone (execve, clone, poll, waitid, exit_group), for bench/run.
#
# Usage: awk -v key=K -v run=N -f timeline.awk STRACE_OUTPUT
# Prints one tab-separated line, in ms: key run total before_spawn spawn_to_wait
# helper_exit reap after, then the number of waits.  The helper is started by posix_spawn
# (a clone); after its last answer the module closes its socket and polls the helper's
# pidfd (the last poll before waitid), then reaps it with waitid: spawn_to_wait ends where
# that poll starts, helper_exit is the poll's own time, reap is when waitid returned,
# counted from the start of the poll.

function ms(a, b) { return (b - a) * 1000 }
function dur(line) {
	if (match(line, /<[0-9.]+>$/))
		return substr(line, RSTART + 1, RLENGTH - 2) + 0
	return 0
}

$2 ~ /^execve\(/ && !start { start = $1 }
$2 ~ /^(clone|clone3|vfork|fork)\(/ && !spawn { spawn = $1 }
$2 ~ /^p?poll\(/ { last_poll = $1; last_poll_end = $1 + dur($0) }
$2 ~ /^waitid\(/ && !reaped {
	waits++
	wait_start = last_poll ? last_poll : $1
	gone = last_poll ? last_poll_end : $1
	reaped = $1 + dur($0)
}
$2 ~ /^exit_group\(/ { end = $1 }

END {
	if (!start || !spawn || !reaped || !end) {
		print "timeline.awk: incomplete trace" > "/dev/stderr"
		exit 1
	}
	printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\n", key, run, ms(start, end),
		ms(start, spawn), ms(spawn, wait_start), ms(wait_start, gone),
		ms(wait_start, reaped), ms(reaped, end), waits
}
