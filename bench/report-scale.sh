# report-scale.sh - bench/report's sections on what pam_certmap's cost grows with: mapping-file
# size in fresh processes and in a long-lived caller, the caller's size, bench/mapfile.
#
# Sourced by bench/report after report-lib.sh; each section prints Markdown on stdout.
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

section_scale() {
	local n l a base_l base_a
	echo "## Mapping-file size, fresh processes"
	echo
	provenance scale
	echo
	echo "Wall time in ms (median and p95 of $(meta scale runs) alternating rounds after"
	echo "$(meta scale warmup) warm-up rounds) of"
	echo "\`certmap -f FILE lookup\` of the EC certificate, and of a whole pamtester"
	echo "authentication with the EC token (pam_certmap with \`mapfile=FILE\`), each a process of"
	echo "its own, against files of N entries: N - 1 distinct certificates from bench/mapbench"
	echo "and the EC certificate last, each with its look-up index (\`certmap index\`, as"
	echo "certmap's edits and sync leave it). Ratios are to the 1,000-entry file."
	echo
	printf '| entries | certmap lookup median | p95 | ratio '
	echo "| pamtester authentication median | p95 | ratio |"
	echo "|--:|--:|--:|--:|--:|--:|--:|"
	base_l=$(st "$W/scale.st" lookup:1000 2)
	base_a=$(st "$W/scale.st" auth:1000 2)
	for n in $(sizes "$W/scale.st"); do
		l=$(st "$W/scale.st" "lookup:$n" 2)
		a=$(st "$W/scale.st" "auth:$n" 2)
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$l" \
			"$(st "$W/scale.st" "lookup:$n" 3)" "$(ratio "$l" "$base_l")" "$a" \
			"$(st "$W/scale.st" "auth:$n" 3)" "$(ratio "$a" "$base_a")"
	done
	echo
}

# per_auth_rows STATS RSS BASE [PREFIX]: per group (PREFIX and a size), the median and p95
# per authentication, the ratio of the median to BASE's, and the median peak RSS.
per_auth_rows() {
	local g v base p=${4:-}
	base=$(st "$1" "$p$3" 2)
	for g in $(sizes "$1"); do
		v=$(st "$1" "$p$g" 2)
		[ -n "$v" ] || continue
		printf '| %s | %s | %s | %s | %s MiB |\n' "$g" "$v" "$(st "$1" "$p$g" 3)" \
			"$(ratio "$v" "$base")" "$(st "$2" "$p$g" 2)"
	done
}

section_longlived() {
	local lln llr
	read -r lln llr <<< "$(meta longlived ll)"
	echo "## Mapping-file size, a long-lived caller"
	echo
	provenance longlived
	echo
	echo "One bench/pamloop process calls pam_start, pam_authenticate (pam_certmap,"
	echo "\`source=env\`, the EC certificate's PEM in \`SSL_CLIENT_CERT\` through pam_putenv) and"
	echo "pam_end again and again, as a web application does per request. Per size,"
	echo "${lln:-?} processes (the sizes alternating), each 2 untimed and ${llr:-?} timed"
	echo "authentications;"
	echo "wall time per authentication in ms, median and p95 of all of them; peak RSS is the"
	echo "median of the processes'. Ratios are to the 1-entry file."
	echo
	echo "With the look-up index (the file as certmap leaves it):"
	echo
	echo "| entries | per authentication, median | p95 | ratio | peak RSS |"
	echo "|--:|--:|--:|--:|--:|"
	per_auth_rows "$W/ll.st" "$W/llrss.st" 1
	if [ -n "$(st "$W/ll.st" cache:1 2)" ]; then
		echo
		echo "Without an index (the same file by a name that has none, as after an edit by"
		echo "hand): the module reads it whole on the first two calls and keeps it in its"
		echo "per-process cache on the second; the timed calls are answered from the cache."
		echo
		echo "| entries | per authentication, median | p95 | ratio | peak RSS |"
		echo "|--:|--:|--:|--:|--:|"
		per_auth_rows "$W/ll.st" "$W/llrss.st" 1 cache:
	fi
	echo
}

# mcount VALUE: instructions in millions
mcount() { awk -v v="$1" 'BEGIN { if (v == "") print "–"; else printf "%.3f", v / 1e6 }'; }

section_scalecg() {
	local n l a e ll c
	local bl ba be bll bc
	echo "## Mapping-file size, in instructions"
	echo
	provenance scalecg
	echo
	echo "The rows of the two sections above, each once under \`valgrind --tool=callgrind"
	echo "--trace-children=yes\` (every process: for the token authentication, the helper too),"
	echo "in millions of instructions: \`certmap lookup\`, a whole pamtester authentication on"
	echo "the EC token, one env authentication in a fresh bench/pamloop process, and per"
	echo "authentication of a long-lived caller with the index and without (the cache): the"
	echo "count of 2 untimed and $(meta scalecg ll | cut -d' ' -f2) more authentications, less"
	echo "that of the 2 alone, divided. Instruction counts do not depend on the machine's"
	echo "load. Fresh ratios are to the 1,000-entry file, long-lived ones to the 1-entry file."
	echo
	echo "| entries | certmap lookup | ratio | token authentication | ratio | env, fresh process | ratio | long-lived, index | ratio | long-lived, cache | ratio |"
	echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	bl=$(st "$W/scalecg.st" lookup:1000 2)
	ba=$(st "$W/scalecg.st" auth:1000 2)
	be=$(st "$W/scalecg.st" fresh:1000 2)
	bll=$(st "$W/scalecg.st" ll:1 2)
	bc=$(st "$W/scalecg.st" cache:1 2)
	for n in $(sizes "$W/scalecg.st"); do
		l=$(st "$W/scalecg.st" "lookup:$n" 2)
		a=$(st "$W/scalecg.st" "auth:$n" 2)
		e=$(st "$W/scalecg.st" "fresh:$n" 2)
		ll=$(st "$W/scalecg.st" "ll:$n" 2)
		c=$(st "$W/scalecg.st" "cache:$n" 2)
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
			"$(mcount "$l")" "$(ratio "$l" "$bl")" "$(mcount "$a")" "$(ratio "$a" "$ba")" \
			"$(mcount "$e")" "$(ratio "$e" "$be")" "$(mcount "$ll")" "$(ratio "$ll" "$bll")" \
			"$(mcount "$c")" "$(ratio "$c" "$bc")"
	done
	echo
}

section_caller() {
	local mib batches rounds
	read -r mib batches rounds <<< "$(meta caller caller)"
	echo "## The caller's size (token path)"
	echo
	provenance caller
	echo
	echo "bench/pamloop authenticating with the EC token (pam_certmap, PIN through the"
	echo "conversation) after it has mapped and written ${mib:-?} MiB of memory, against the same"
	echo "program without it; ${batches:-?} processes of each, alternating, each 1 untimed and"
	echo "${rounds:-?} timed"
	echo "authentications; wall time per authentication in ms."
	echo
	echo "| caller's memory, MiB (0: small) | per authentication, median | p95 | ratio | peak RSS |"
	echo "|--:|--:|--:|--:|--:|"
	per_auth_rows "$W/caller.st" "$W/callerrss.st" 0
	echo
}

section_mapfile() {
	echo "## The parser alone (bench/mapfile)"
	echo
	provenance mapfile
	echo
	cat "$D/mapfile.md"
	echo
}
