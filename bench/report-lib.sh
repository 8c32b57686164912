# report-lib.sh - the statistics bench/report's sections share: medians and p95 of bench/run's
# timings, callgrind totals per module, ratios and verdicts.
#
# Sourced by bench/report with D (the data directory) and W (its work directory) set.
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

TAB=$(printf '\t')

# medians FILE "COLS" VALCOL DIV [DECIMALS]: per group (the columns COLS joined by ":"),
# "group<TAB>median<TAB>p95<TAB>count" of VALCOL / DIV; p95 is the nearest rank.
medians() {
	awk -F'\t' -v g="$2" -v v="$3" -v d="$4" 'BEGIN { n = split(g, gc, " ") }
		NF >= v { k = $gc[1]; for (i = 2; i <= n; i++) k = k ":" $gc[i]
			printf "%s\t%.6f\n", k, $v / d }' "$1" |
		sort -t"$TAB" -k1,1 -k2,2g |
		awk -F'\t' -v p="${5:-2}" '
		function flush(	med, r) {
			if (c) {
				med = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
				r = int(0.95 * c + 0.999999)
				printf "%s\t%.*f\t%.*f\t%d\n", key, p, med, p, s[r], c
			}
			c = 0
		}
		BEGIN { key = "\001" }
		# string comparison: a group "0" is not the empty start value
		$1 "" != key { flush(); key = $1 "" }
		{ s[++c] = $2 }
		END { flush() }'
}

# st STATFILE GROUP COL: column COL (2 median, 3 p95, 4 count) of GROUP, or nothing.
st() { [ -f "$1" ] && awk -F'\t' -v k="$2" -v c="$3" '$1 == k { print $c }' "$1"; :; }

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "" || b == "" || b == 0) print "?"; else printf "%.2f", a / b
	}'
}

verdict() { # VALUE OP LIMIT -> yes/no
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "?" || v == "") { print "not measured"; exit }
		ok = op == "<=" ? v <= l : v >= l
		print ok ? "**yes**" : "**no**"
	}'
}

M() { awk -v x="$1" 'BEGIN { if (x == "") print ""; else printf "%.2f", x / 1e6 }'; }

# meta PART FIELD: what bench/run recorded about a part (date, commit, nice, load_start...)
meta() { [ -f "$D/meta.$1" ] && sed -n "s/^$2 //p" "$D/meta.$1"; :; }
info() { sed -n "s/^$1 //p" "$D/machine"; }
# provenance PART: one sentence on when and at which load a part was measured
provenance() {
	printf 'Measured %s at commit %s, nice %s; load average (1, 5, 15 min) %s at the start, %s' \
		"$(meta "$1" date)" "$(meta "$1" commit)" "$(meta "$1" nice)" "$(meta "$1" load_start)" \
		"$(meta "$1" load_end)"
	echo " at the end."
}
have() { [ -s "$D/$1" ] && [ -f "$D/meta.${2:-${1%%.*}}" ]; }

keyname() {
	case $1 in
	rsa) echo "RSA-2048" ;;
	ec) echo "EC P-256" ;;
	multi)
		local c
		c=$(meta latency multi_certs)
		[ -n "$c" ] || c=$(meta instructions multi_certs)
		echo "EC P-256, ${c:-several} certificates"
		;;
	*) echo "$1" ;;
	esac
}
keyshort() {
	case $1 in
	rsa) echo "RSA" ;;
	ec) echo "EC" ;;
	multi) echo "EC multi" ;;
	esac
}
name_of() {
	case $1 in
	permit | certmap | p11 | pkcs11) echo "pam_$1" ;;
	sss) echo "SSSD" ;;
	floor) echo "bench/floor" ;;
	exec) echo "/bin/true" ;;
	*) echo "$1" ;;
	esac
}

# ---------------------------------------------------------------- latency statistics

# lat.st: key:module, with the floor's parts as modules:
#   floorin   bench/floor's in-process time (module load to finalize)
#   floorsum  pam_permit + floorin of the same round: the floor
#   floor     bench/floor as a whole process (for reference)
latency_stats() {
	[ -s "$D/latency.tsv" ] || return 0
	awk -F'\t' '
	FILENAME ~ /floor.tsv$/ {
		n = split($3, kv, " ")
		for (j = 1; j <= n; j++)
			if (sub(/^total_us=/, "", kv[j]))
				fin[$1 "\t" $2] = kv[j]
		next
	}
	{ print; if ($2 == "permit") perm[$1 "\t" $3] = $4 }
	END {
		for (kr in fin) {
			split(kr, a, "\t")
			print a[1] "\tfloorin\t" a[2] "\t" fin[kr]
			if (kr in perm)
				print a[1] "\tfloorsum\t" a[2] "\t" fin[kr] + perm[kr]
		}
	}' "$D/floor.tsv" "$D/latency.tsv" > "$W/latency.all"
	medians "$W/latency.all" "1 2" 4 1000 > "$W/lat.st"
}
med() { st "$W/lat.st" "$1:$2" 2; }
p95() { st "$W/lat.st" "$1:$2" 3; }
lat_keys() { [ -f "$W/lat.st" ] && cut -d: -f1 "$W/lat.st" | sort -u | sort_keys; :; }
sort_keys() {
	awk '{ o = $1 == "rsa" ? 1 : $1 == "ec" ? 2 : 3; print o "\t" $1 }' | sort -n | cut -f2
}

# ---------------------------------------------------------------- instruction counts

# The run with the median total (all processes) per key and module: cgsel.tsv keeps its lines.
cg_stats() {
	[ -s "$D/cg.tsv" ] || return 0
	awk -F'\t' '$6 == "total" { t[$1 "\t" $2 "\t" $3] += $7 }
	END { for (x in t) print x "\t" t[x] }' "$D/cg.tsv" | sort -t"$TAB" -k1,1 -k2,2 -k4,4n |
		awk -F'\t' '{ k = $1 "\t" $2; n[k]++; row[k, n[k]] = $3 "\t" $4 }
		END {
			for (k in n) {
				split(row[k, int((n[k] + 1) / 2)], r, "\t")
				print k "\t" r[1] "\t" r[2]
			}
		}' > "$W/cgmed.tsv"
	awk -F'\t' 'NR == FNR { keep[$1, $2, $3] = 1; next } keep[$1, $2, $3]' "$W/cgmed.tsv" \
		"$D/cg.tsv" > "$W/cgsel.tsv"
	# Object categories: cats.tsv key module category instructions.
	awk -F'\t' '$6 == "ob" {
		o = $7
		if (o ~ /^ld-linux/) c = "ld.so"
		else if (o ~ /^lib(c|m)\.so/) c = "libc"
		else if (o ~ /^lib(crypto|ssl)\.so/) c = "libcrypto"
		else if (o ~ /^(libsofthsm2\.so|libstdc\+\+|libgcc_s)/) c = "softhsm"
		else if (o ~ /^lib(p11|p11-kit)\.so/) c = "libp11"
		else if (o ~ /^libexpat/) c = "expat"
		else if (o ~ /^(pam_certmap|pam_p11\.so|pam_pkcs11\.so|floor$|.*_mapper\.so)/) c = "own"
		else if (o ~ /^(sssd|p11_child|pam_sss\.so|libsss|libldb|libtdb|libtalloc|libtevent)/)
			c = "own"
		else if (o ~ /^(libdhash|libini_config|libbasicobjects|libref_array|libcollection)/)
			c = "own"
		else if (o ~ /^libpath_utils/) c = "own"
		else if (o ~ /^(pamtester|libpam|libnss_wrapper|pam_permit|pam_deny)/) c = "harness"
		else if (o ~ /^(libaudit|libcap-ng|vgpreload)/) c = "harness"
		else c = "other"
		s[$1 "\t" $2 "\t" c] += $8
	}
	END { for (x in s) print x "\t" s[x] }' "$W/cgsel.tsv" > "$W/cats.tsv"
}
cgtotal() {
	[ -f "$W/cgmed.tsv" ] &&
		awk -F'\t' -v k="$1" -v m="$2" '$1 == k && $2 == m { print $4 }' "$W/cgmed.tsv"
	:
}
# cgfn KEY MODULE CMD FN: inclusive instructions of FN in the processes running CMD.
cgfn() {
	awk -F'\t' -v k="$1" -v m="$2" -v c="$3" -v f="$4" \
		'$1 == k && $2 == m && $5 == c && $6 == "fn" && $7 == f { s += $8 } END { print s + 0 }' \
		"$W/cgsel.tsv"
}
# cgproc KEY MODULE CMD: instructions of the processes running CMD ("" for all), and count
cgproc() {
	awk -F'\t' -v k="$1" -v m="$2" -v c="$3" \
		'$1 == k && $2 == m && (c == "" || $5 == c) && $6 == "total" { s += $7 }
		END { print s + 0 }' "$W/cgsel.tsv"
}
cgnproc() {
	awk -F'\t' -v k="$1" -v m="$2" -v c="$3" \
		'$1 == k && $2 == m && $5 == c && $6 == "total" { n++ } END { print n + 0 }' "$W/cgsel.tsv"
}
cat_of() {
	awk -F'\t' -v k="$1" -v m="$2" -v c="$3" \
		'$1 == k && $2 == m && $3 == c { s += $4 } END { print s + 0 }' "$W/cats.tsv"
}
# cgof KEY MODULE: the median total; "floor" is pam_permit's total plus bench/floor's main()
cgof() {
	if [ "$2" = floor ]; then
		local p f
		p=$(cgtotal "$1" permit) f=$(cgtotal "$1" floor)
		[ -n "$p" ] && [ -n "$f" ] && echo $((p + $(cgfn "$1" floor floor main)))
		:
	else
		cgtotal "$1" "$2"
	fi
}

# ---------------------------------------------------------------- scale statistics

scale_stats() {
	if have scale.tsv; then medians "$D/scale.tsv" "1 2" 4 1000 > "$W/scale.st"; fi
	if have longlived.tsv; then
		medians "$D/longlived.tsv" "1" 3 1000 3 > "$W/ll.st"
		medians "$D/longlived.tsv.rss" "1" 3 1024 1 > "$W/llrss.st"
	fi
	if have scalecg.tsv; then cp "$D/scalecg.tsv" "$W/scalecg.st"; fi
	if have caller.tsv; then
		medians "$D/caller.tsv" "1" 3 1000 > "$W/caller.st"
		medians "$D/caller.tsv.rss" "1" 3 1024 1 > "$W/callerrss.st"
	fi
	:
}
# sizes FILE: the group names of a stats file, as numbers in order
sizes() { [ -f "$1" ] && cut -f1 "$1" | sed 's/^[a-z]*://' | sort -un; :; }
