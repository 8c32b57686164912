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
	echo "and the EC certificate last. Ratios are to the 1,000-entry file."
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

# per_auth_rows STATS RSS BASE: per group, the median and p95 per authentication, the ratio
# of the median to BASE's, and the median peak RSS.
per_auth_rows() {
	local g v base
	base=$(st "$1" "$3" 2)
	for g in $(sizes "$1"); do
		v=$(st "$1" "$g" 2)
		printf '| %s | %s | %s | %s | %s MiB |\n' "$g" "$v" "$(st "$1" "$g" 3)" \
			"$(ratio "$v" "$base")" "$(st "$2" "$g" 2)"
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
	echo "| entries | per authentication, median | p95 | ratio | peak RSS |"
	echo "|--:|--:|--:|--:|--:|"
	per_auth_rows "$W/ll.st" "$W/llrss.st" 1
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
