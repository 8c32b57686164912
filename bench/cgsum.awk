# cgsum.awk - sums one callgrind output file: its total, the self cost of each object, and
# the inclusive cost of the functions named in FNS (space-separated), for bench/run.
#
# Usage: awk -v FNS="main C_Login" -f cgsum.awk callgrind.out.PID
# Prints tab-separated lines: "total N", then "ob NAME N" (self cost of an object, by file
# name) and "fn NAME N" (inclusive cost of a function).
# The total is the sum of the self costs: a part dumped by `callgrind_control -d` from a
# running process (SSSD's daemons) has a "summary:" line that can be smaller.
# Inclusive cost is self plus the cost of calls made, calls to itself left out.

# A name field "(id) name", "(id)" or "name": names are given once per id, then reused.
function name(kind, s,	id) {
	if (match(s, /^\([0-9]+\)/)) {
		id = substr(s, 2, RLENGTH - 2)
		s = substr(s, RLENGTH + 1)
		sub(/^ /, "", s)
		if (s != "")
			names[kind, id] = s
		return names[kind, id]
	}
	return s
}

BEGIN {
	n = split(FNS, list, " ")
	for (i = 1; i <= n; i++)
		want[list[i]] = 1
}

/^ob=/ { ob = name("ob", substr($0, 4)); sub(/^.*\//, "", ob); next }
/^fn=/ { fn = name("fn", substr($0, 4)); next }
/^cob=/ { name("ob", substr($0, 5)); next }
/^cfn=/ { cfn = name("fn", substr($0, 5)); next }
/^(fl|fi|fe)=/ { name("fl", substr($0, 4)); next }
/^(cfi|cfl)=/ { name("fl", substr($0, 5)); next }
/^calls=/ { incall = 1; next }
/^[0-9+*-]/ {
	c = $NF
	if (incall) {
		incall = 0
		if (cfn != fn)
			incl[fn] += c
	} else {
		self[ob] += c
		incl[fn] += c
		total += c
	}
}

END {
	printf "total\t%.0f\n", total
	for (o in self)
		printf "ob\t%s\t%.0f\n", o, self[o]
	for (f in want)
		printf "fn\t%s\t%.0f\n", f, incl[f] + 0
}
