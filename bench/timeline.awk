# timeline.awk - one pam_certmap authentication's wall time from `strace -ttt -T` of the
# pamtester process alone (execve, clone, wait4, nanosleep, exit_group), for bench/run.
#
# Usage: awk -v key=K -v run=N -f timeline.awk STRACE_OUTPUT
# Prints one tab-separated line, in ms: key run total before_fork fork_to_close
# helper_exit reap after, then the number of sleeps.  fork_to_close ends at the module's
# first wait for the helper (its socket is closed by then); helper_exit is when the
# helper's SIGCHLD cut a sleep short, counted from that first wait (the reap time when no
# sleep was cut short); reap is when the module reaped it.

function ms(a, b) { return (b - a) * 1000 }
function dur(line,	d) {
	if (match(line, /<[0-9.]+>$/))
		return substr(line, RSTART + 1, RLENGTH - 2) + 0
	return 0
}

$2 ~ /^execve\(/ && !start { start = $1 }
$2 ~ /^clone/ && !fork { fork = $1 }
$2 ~ /^wait4\(/ {
	if (!first_wait)
		first_wait = $1
	if ($0 ~ /= [1-9][0-9]* <[0-9.]+>$/ && !reaped)
		reaped = $1
}
$2 ~ /nanosleep\(/ && first_wait && !reaped {
	sleeps++
	if (child_seen)
		next
	if ($0 ~ /Interrupted by signal|ERESTART/) {
		child_seen = $1 + dur($0)
	} else {
		slept += dur($0)
	}
}
$2 ~ /^exit_group\(/ { end = $1 }

END {
	if (!start || !fork || !first_wait || !reaped || !end) {
		print "timeline.awk: incomplete trace" > "/dev/stderr"
		exit 1
	}
	# The helper had exited by the first wait, or during an uninterrupted sleep: its exit
	# time is then bounded by the reap.
	if (!child_seen)
		child_seen = slept > 0 ? reaped : first_wait
	printf "%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\n", key, run, ms(start, end),
		ms(start, fork), ms(fork, first_wait), ms(first_wait, child_seen),
		ms(first_wait, reaped), ms(reaped, end), sleeps
}
