# report-plots.sh - bench/report's PNG plots with gnuplot: latency and instructions per module
# and key type, the mapping-file series, and cost against the mapping file's size.
#
# Sourced by bench/report after report-lib.sh; writes into $OUT, each plot only when its data
# is there.
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

# nan VALUE: the value, or NaN (gnuplot leaves it out) when there is none
nan() { if [ -n "$1" ]; then echo "$1"; else echo NaN; fi; }

GP_TERM='set terminal pngcairo noenhanced size 900,520 font "DejaVu Sans,11"'

plot_latency() {
	local keys k m n=0 cols=""
	keys=$(lat_keys)
	for m in permit floorsum certmap p11 pkcs11 sss; do
		[ "$m" = floorsum ] && printf '"floor"' || printf '"%s"' "$(name_of "$m")"
		for k in $keys; do
			printf '\t%s\t%s' "$(nan "$(med "$k" "$m")")" "$(nan "$(p95 "$k" "$m")")"
		done
		echo
	done > "$W/lat.dat"
	local colours=("#4477aa" "#ee7733" "#228833")
	for k in $keys; do
		[ -n "$cols" ] && cols="$cols, \"\" "
		[ -z "$cols" ] && cols="\"$W/lat.dat\" "
		cols="${cols}using $((2 * n + 2)):$((2 * n + 2)):$((2 * n + 3))"
		[ $n = 0 ] && cols="$cols:xtic(1)"
		cols="$cols title \"$(keyname "$k")\" lc rgb \"${colours[$n]}\""
		n=$((n + 1))
	done
	gnuplot <<EOF
$GP_TERM
set output "$OUT/latency.png"
set title "Whole authentication through pamtester (median, bar to p95; $(meta latency runs) rounds)"
set ylabel "ms"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set key top left
set grid ytics
plot $cols
EOF
}

plot_instructions() {
	local k m c label cats="own libcrypto softhsm libp11 ld.so libc expat harness other" keys
	keys=$(cut -f1 "$W/cgmed.tsv" | sort -u | sort_keys)
	for m in certmap p11 pkcs11 sss floor permit; do
		for k in $keys; do
			[ -n "$(cgtotal "$k" "$m")" ] || continue
			label="$(name_of "$m") $(keyshort "$k")"
			printf '"%s"' "$label"
			for c in $cats; do printf '\t%s' "$(M "$(cat_of "$k" "$m" "$c")")"; done
			echo
		done
	done > "$W/cg.dat"
	gnuplot <<EOF
set terminal pngcairo noenhanced size 1100,580 font "DejaVu Sans,11"
set output "$OUT/instructions.png"
set title "Instructions per authentication, all processes (callgrind)"
set ylabel "million instructions"
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.7
set key outside right top
set grid ytics
set xtics rotate by -35
plot "$W/cg.dat" using 2:xtic(1) title "module's own code" lc rgb "#cc3311", \
     "" using 3 title "libcrypto" lc rgb "#0077bb", \
     "" using 4 title "SoftHSM (+libstdc++)" lc rgb "#33bbee", \
     "" using 5 title "libp11, p11-kit" lc rgb "#009988", \
     "" using 6 title "ld.so (loading)" lc rgb "#ee7733", \
     "" using 7 title "libc" lc rgb "#bbbbbb", \
     "" using 8 title "expat" lc rgb "#ee3377", \
     "" using 9 title "pamtester, libpam, wrappers" lc rgb "#555555", \
     "" using 10 title "other" lc rgb "#dddd99"
EOF
}

# Cost against entries, log-log: the fresh processes and the long-lived caller.
plot_scale() {
	local n plots=""
	for n in $(sizes "$W/scale.st") $(sizes "$W/ll.st"); do echo "$n"; done | sort -un |
		while read -r n; do
			printf '%s\t%s\t%s\t%s\n' "$n" "$(nan "$(st "$W/scale.st" "lookup:$n" 2)")" \
				"$(nan "$(st "$W/scale.st" "auth:$n" 2)")" \
				"$(nan "$(st "$W/ll.st" "$n" 2)")"
		done > "$W/scale.dat"
	local lp="with linespoints lw 2"
	[ -f "$W/scale.st" ] && plots="\"$W/scale.dat\" using 1:2 $lp pt 7 title \"certmap lookup"
	[ -f "$W/scale.st" ] && plots="$plots (fresh process)\", \"\" using 1:3 $lp pt 5 title"
	[ -f "$W/scale.st" ] && plots="$plots \"pamtester authentication, EC token (fresh process)\""
	if [ -f "$W/ll.st" ]; then
		if [ -n "$plots" ]; then plots="$plots, \"\""; else plots="\"$W/scale.dat\""; fi
		plots="$plots using 1:4 $lp pt 9 title"
		plots="$plots \"per authentication, long-lived caller (env source)\""
	fi
	gnuplot <<EOF
$GP_TERM
set output "$OUT/scale.png"
set title "pam_certmap against the mapping file's size (medians)"
set xlabel "entries in the mapping file"
set ylabel "ms"
set logscale xy
set xrange [0.5:200000]
set grid
# between the lines: they are flat, and a key at the top would cover them
set key center right
plot $plots
EOF
}

plot_mapfile() {
	local e2e_plot=""
	# entries, bare parse median ms, look-up median ms
	sed -n 's/^| \([0-9][0-9]*\) | [^|]* | \([0-9.]*\) ([^|]*| \([0-9.]*\) (.*$/\1\t\2\t\3/p' \
		"$D/mapfile.md" > "$W/map.dat"
	[ -s "$W/map.dat" ] || return 0
	if [ -f "$W/scale.st" ]; then
		for n in $(sizes "$W/scale.st"); do
			[ "$n" -ge 1000 ] && printf '%s\t%s\n' "$n" "$(st "$W/scale.st" "auth:$n" 2)"
		done > "$W/e2e.dat"
		[ -s "$W/e2e.dat" ] && e2e_plot=", \"$W/e2e.dat\" using 1:2 with linespoints lw 2 pt 9" &&
			e2e_plot="$e2e_plot title \"whole pam_certmap authentication, EC (median)\""
	fi
	gnuplot <<EOF
$GP_TERM
set output "$OUT/mapfile.png"
set title "Mapping file: look-up against a bare expat parse (bench/mapfile, medians)"
set xlabel "entries in the mapping file"
set ylabel "ms"
set logscale xy
set xrange [500:200000]
set grid
set key bottom right
plot "$W/map.dat" using 1:3 with linespoints lw 2 pt 7 title "look-up (mapfile_load + query)", \
     "" using 1:2 with linespoints lw 2 pt 5 title "bare expat parse"$e2e_plot
EOF
}

make_plots() {
	command -v gnuplot > /dev/null || { echo "bench/report: gnuplot missing, no plots" >&2; return 0; }
	[ -f "$W/lat.st" ] && plot_latency
	[ -f "$W/cgmed.tsv" ] && plot_instructions
	{ [ -f "$W/scale.st" ] || [ -f "$W/ll.st" ]; } && plot_scale
	have mapfile.md && plot_mapfile
	:
}
