# report-token.sh - bench/report's sections on the token path: latency of every module and key
# type, the floor, instructions per authentication and where they go, the wall-time timeline.
#
# Sourced by bench/report after report-lib.sh; each section prints Markdown on stdout.
# shellcheck shell=bash disable=SC2154 # sourced: its variables are the caller's

LAT_ROWS="exec permit floorin floorsum floor certmap p11 pkcs11 sss"

# key_head FIRST FIRST_ALIGN SUB SUB_ALIGN KEYS: a table head with columns SUB per key type
key_head() {
	local line=$1 align=$2 k
	for k in $5; do
		line="$line | $(keyname "$k")$3"
		align="$align|$4"
	done
	echo "$line |"
	echo "$align|"
}

lat_label() {
	case $1 in
	exec) echo "/bin/true (process creation on this machine, for reference)" ;;
	permit) echo "pam_permit (pamtester alone)" ;;
	floorin) echo "bare PKCS#11 load + login + sign, in-process (bench/floor)" ;;
	floorsum) echo "**floor** = pam_permit + bare PKCS#11" ;;
	floor) echo "bench/floor as a process of its own (for reference)" ;;
	certmap) echo "**pam_certmap**" ;;
	sss) echo "SSSD (pam_sss, sssd_pam, p11_child)" ;;
	*) name_of "$1" ;;
	esac
}

section_latency() {
	local keys k m line
	keys=$(lat_keys)
	echo "## Latency of one whole authentication"
	echo
	provenance latency
	echo
	echo "Wall time of one \`pamtester SERVICE benchuser authenticate\` process (PIN on standard"
	echo "input), in ms: median and p95 of $(meta latency runs) rounds after"
	echo "$(meta latency warmup) warm-up rounds. Every module and key type runs once per round,"
	echo "in an order rotated every round. The floor is, per round, pam_permit's time plus"
	echo "bench/floor's in-process time for the bare PKCS#11 work (load the module, C_Initialize,"
	echo "log in, sign a 32-byte challenge, finalize) on the same token. Every time includes the"
	echo "timing shell's fork and exec, as the /bin/true row shows."
	[ "$(meta latency sandbox)" = 1 ] &&
		echo "Measured inside bench/sandbox (all modules alike), where SSSD runs on the EC token."
	echo
	key_head "|" "|---" " median | p95" "--:|--:" "$keys"
	for m in $LAT_ROWS; do
		line="| $(lat_label "$m")"
		local any=""
		for k in $keys; do
			line="$line | $(med "$k" "$m") | $(p95 "$k" "$m")"
			[ -n "$(med "$k" "$m")" ] && any=1
		done
		[ -n "$any" ] && echo "$line |"
	done
	echo
	printf "bench/floor's phases (median ms): "
	for k in $keys; do
		printf '%s: load and C_Initialize %s, C_Login %s, find key and sign %s, finalize %s; ' \
			"$(keyname "$k")" "$(phase "$k" load_us)" "$(phase "$k" login_us)" \
			"$(phase "$k" sign_us)" "$(phase "$k" close_us)"
	done | sed 's/; $/./'
	echo
}

# phase KEY NAME: bench/floor's median time of one phase, ms
phase() {
	awk -F'\t' -v k="$1" -v p="$2" '$1 == k {
		n = split($3, kv, " ")
		for (i = 1; i <= n; i++)
			if (index(kv[i], p "=") == 1)
				print substr(kv[i], length(p) + 2) / 1000
	}' "$D/floor.tsv" | sort -g | awk '{ v[++c] = $1 }
		END { if (c) printf "%.2f", c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }'
}

# The targets of the benchmark issue before this one, kept for comparison.
section_old_targets() {
	local keys k line r
	keys=$(lat_keys)
	echo "### Earlier targets (floor, pam_p11, pam_pkcs11)"
	echo
	key_head "| target" "|---" " | met" "--:|:--" "$keys"
	old_target() { # LABEL KIND A B OP LIMIT
		line="| $1"
		for k in $keys; do
			if [ "$2" = lat ]; then
				r=$(ratio "$(med "$k" "$3")" "$(med "$k" "$4")")
			else
				r=$(ratio "$(cgof "$k" "$3")" "$(cgof "$k" "$4")")
			fi
			line="$line | $r | $(verdict "$r" "$5" "$6")"
		done
		echo "$line |"
	}
	if [ -f "$W/lat.st" ]; then
		old_target "latency: pam_certmap / floor ≤ 1.2 (medians)" lat certmap floorsum '<=' 1.2
		old_target "latency: pam_certmap / pam_p11 ≤ 1.0" lat certmap p11 '<=' 1.0
		old_target "latency: pam_pkcs11 / pam_certmap ≥ 2.0" lat pkcs11 certmap '>=' 2.0
	fi
	if [ -f "$W/cgmed.tsv" ]; then
		old_target "instructions: pam_certmap / floor ≤ 1.2" cg certmap floor '<=' 1.2
		old_target "instructions: pam_certmap / pam_p11 ≤ 1.0" cg certmap p11 '<=' 1.0
		old_target "instructions: pam_pkcs11 / pam_certmap ≥ 2.0" cg pkcs11 certmap '>=' 2.0
	fi
	echo
	echo "(The floor on instructions is pam_permit's total plus bench/floor's main().)"
	echo
}

section_instructions() {
	local k m tot base net label own keys
	keys=$(cut -f1 "$W/cgmed.tsv" | sort -u | sort_keys)
	echo "## Instructions per authentication (callgrind)"
	echo
	provenance instructions
	echo
	echo "Instructions executed by every process of one authentication (\`valgrind"
	echo "--tool=callgrind --trace-children=yes\`: pamtester with the module, and pam_certmap's"
	echo "helper process; for SSSD also sssd itself and its children, run under callgrind, whose"
	echo "counters are zeroed before the authentication and dumped after it), in millions; the"
	echo "run with the median total of $(meta instructions cg_runs). *Net* is the total less"
	echo "pam_permit's (pamtester, libpam and the wrappers). The columns split the total by the"
	echo "object the instructions ran in (self cost): *own code* is the module's own objects"
	echo "(pam_certmap: the module and its helper; SSSD: its programs and libraries, talloc,"
	echo "tevent, ldb and tdb),"
	echo "*SoftHSM* is the PKCS#11 module with libstdc++, *libp11* is libp11 and p11-kit,"
	echo "*ld.so* is dynamic loading and linking, *harness* is pamtester, libpam and the wrappers."
	echo
	printf '| module | key | total | net | own code | own %% of net | libcrypto | SoftHSM '
	echo "| libp11 | ld.so | libc | expat | harness | other |"
	echo "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	for m in permit certmap p11 pkcs11 sss floor; do
		for k in $keys; do
			tot=$(cgtotal "$k" "$m")
			[ -n "$tot" ] || continue
			base=$(cgtotal "$k" permit)
			net=$((tot - ${base:-0}))
			label=$(name_of "$m")
			[ "$m" = floor ] && { label="bench/floor (own process)"; net=$tot; }
			own=$(cat_of "$k" "$m" own)
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				"$label" "$(keyname "$k")" "$(M "$tot")" "$(M "$net")" "$(M "$own")" \
				"$(awk -v a="$own" -v b="$net" 'BEGIN { printf "%.2f %%", b ? 100 * a / b : 0 }')" \
				"$(M "$(cat_of "$k" "$m" libcrypto)")" "$(M "$(cat_of "$k" "$m" softhsm)")" \
				"$(M "$(cat_of "$k" "$m" libp11)")" "$(M "$(cat_of "$k" "$m" ld.so)")" \
				"$(M "$(cat_of "$k" "$m" libc)")" "$(M "$(cat_of "$k" "$m" expat)")" \
				"$(M "$(cat_of "$k" "$m" harness)")" "$(M "$(cat_of "$k" "$m" other)")"
		done
	done
	for k in $keys; do
		tot=$(cgof "$k" floor)
		[ -n "$tot" ] || continue
		printf '| **floor** = pam_permit + bench/floor main() | %s | %s | %s | | | | | | | | | | |\n' \
			"$(keyname "$k")" "$(M "$tot")" "$(M $((tot - $(cgtotal "$k" permit))))"
	done
	echo
	section_certmap_instructions "$keys"
	section_sssd_instructions
}

# V[NAME,KEY] rows of a breakdown table; "–" when the function is not in the build measured
brk() { # PROCESS PART NAME KEYS
	local line="| $1 | $2" k
	for k in $4; do
		if [ -n "${V[$3,$k]:-}" ]; then line="$line | $(M "${V[$3,$k]}")"; else line="$line | –"; fi
	done
	echo "$line |"
}
# fn_or_empty KEY MODULE CMD FN: the inclusive count, or nothing when FN never ran
fn_or_empty() {
	awk -F'\t' -v k="$1" -v m="$2" -v c="$3" -v f="$4" \
		'$1 == k && $2 == m && $5 == c && $6 == "fn" && $7 == f && $8 > 0 { s += $8; seen = 1 }
		END { if (seen) print s }' "$W/cgsel.tsv"
}

section_certmap_instructions() {
	local keys=$1 k f line sum x
	declare -A V
	for k in $keys; do
		[ -n "$(cgtotal "$k" certmap)" ] || continue
		V[ptot,$k]=$(cgproc "$k" certmap pamtester)
		V[perm,$k]=$(cgtotal "$k" permit)
		for f in pam_sm_authenticate token_open d2i_X509 request_load_mapfile token_prove \
			tokverify token_close; do
			x=$(fn_or_empty "$k" certmap pamtester "$f")
			[ -n "$x" ] && V[$f,$k]=$x
		done
		V[dlopen,$k]=$(($(cgfn "$k" certmap pamtester _dl_open) - $(cgfn "$k" permit pamtester _dl_open)))
		V[exit,$k]=$(($(cgfn "$k" certmap pamtester exit) - $(cgfn "$k" permit pamtester exit)))
		V[htot,$k]=$(cgproc "$k" certmap pam_certmap_token)
		V[hn,$k]=$(cgnproc "$k" certmap pam_certmap_token)
		sum=0
		for f in main exit _dl_open C_Initialize C_Login C_Logout C_Finalize; do
			V[h$f,$k]=$(cgfn "$k" certmap pam_certmap_token "$f")
		done
		V[hlist,$k]=0
		for f in C_GetSlotList C_GetTokenInfo C_OpenSession C_FindObjectsInit C_FindObjects \
			C_FindObjectsFinal C_GetAttributeValue C_GetMechanismList; do
			V[hlist,$k]=$((V[hlist,$k] + $(cgfn "$k" certmap pam_certmap_token "$f")))
		done
		V[hsign,$k]=$(($(cgfn "$k" certmap pam_certmap_token C_SignInit) + \
			$(cgfn "$k" certmap pam_certmap_token C_Sign)))
		V[hstart,$k]=$((V[htot,$k] - V[hmain,$k] - V[hexit,$k]))
		sum=$((V[h_dl_open,$k] + V[hC_Initialize,$k] + V[hlist,$k] + V[hC_Login,$k] + \
			V[hsign,$k] + V[hC_Logout,$k] + V[hC_Finalize,$k]))
		V[hrest,$k]=$((V[hmain,$k] - sum))
	done
	[ ${#V[@]} -gt 0 ] || return 0
	echo "### Where pam_certmap's instructions go"
	echo
	echo "Inclusive counts (a function and all it calls), in millions, from the same runs; a"
	echo "dash where the build measured has no such function. The helper's PKCS#11 calls are"
	echo "SoftHSM's entry points, so they do not depend on how the helper is written."
	echo
	key_head "| process | part" "|---|---" "" "--:" "$keys"
	local I="&nbsp;&nbsp;"
	brk "module (pamtester)" "whole process" ptot "$keys"
	brk "" "of which pamtester, libpam, wrappers (= pam_permit's total)" perm "$keys"
	brk "" "loading the module and its libraries (dlopen, less pam_permit's)" dlopen "$keys"
	brk "" "pam_sm_authenticate" pam_sm_authenticate "$keys"
	brk "" "${I}token_open: start the helper, read its certificate list" token_open "$keys"
	brk "" "$I${I}of which d2i_X509 (OpenSSL 3 decoder set-up)" d2i_X509 "$keys"
	brk "" "${I}the mapping file (request_load_mapfile)" request_load_mapfile "$keys"
	brk "" "${I}token_prove: PIN to the helper, signature back" token_prove "$keys"
	brk "" "$I${I}of which the signature check (tokverify)" tokverify "$keys"
	brk "" "${I}token_close: reap the helper" token_close "$keys"
	brk "" "exit handlers (OpenSSL clean-up), less pam_permit's" exit "$keys"
	brk "helper (pam_certmap_token)" "whole process" htot "$keys"
	brk "" "process start: dynamic linking, until main()" hstart "$keys"
	brk "" "loading SoftHSM (dlopen)" h_dl_open "$keys"
	brk "" "C_Initialize" hC_Initialize "$keys"
	brk "" "slots, objects, attributes, mechanisms (C_GetSlotList ... C_GetMechanismList)" \
		hlist "$keys"
	brk "" "C_Login (SoftHSM's PIN check)" hC_Login "$keys"
	brk "" "C_SignInit and C_Sign" hsign "$keys"
	brk "" "C_Logout" hC_Logout "$keys"
	brk "" "C_Finalize" hC_Finalize "$keys"
	brk "" "the rest of main (the helper's own work and its libraries')" hrest "$keys"
	brk "" "exit handlers" hexit "$keys"
	echo
}

section_sssd_instructions() {
	local c n
	[ -n "$(cgtotal ec sss)" ] || return 0
	echo "### Where SSSD's instructions go"
	echo
	echo "EC P-256, every process of the median run, in millions (SSSD runs p11_child once to"
	echo "find the certificate before the PIN prompt and once to log in and sign):"
	echo
	echo "| process | count | instructions | of which C_Initialize | C_Login |"
	echo "|---|--:|--:|--:|--:|"
	for c in pamtester sssd_pam p11_child sssd_be sssd_nss sssd; do
		n=$(cgnproc ec sss "$c")
		[ "$n" = 0 ] && continue
		printf '| %s | %s | %s | %s | %s |\n' "$c" "$n" "$(M "$(cgproc ec sss "$c")")" \
			"$(M "$(cgfn ec sss "$c" C_Initialize)")" "$(M "$(cgfn ec sss "$c" C_Login)")"
	done
	printf '| **all** | | %s | | |\n' "$(M "$(cgtotal ec sss)")"
	echo
}

section_timeline() {
	echo "## Where pam_certmap's wall time goes"
	echo
	provenance timeline
	echo
	echo "\`strace -ttt -T\` of the pamtester process alone (execve, clone, poll, waitid; the"
	echo "helper runs untraced), median ms of 10 runs per key type: from the start to the helper's"
	echo "start (loading the module, PAM), from there to the helper's certificate list (the helper's"
	echo "start-up, C_Initialize, the listing), from the list to the signature (the decision, the"
	echo "PIN, C_Login, C_Sign), from the signature to the helper reaped (its exit), and the rest."
	echo
	printf '| key | whole | start to spawn | spawn to list | list to signature '
	echo "| signature to reap | after reap |"
	echo "|---|--:|--:|--:|--:|--:|--:|"
	awk -F'\t' '{ k = $1; if (!(k in n)) order[++nk] = k; n[k]++
		for (c = 3; c <= 8; c++) v[k, c, n[k]] = $c }
	END {
		name["rsa"] = "RSA-2048"; name["ec"] = "EC P-256"
		name["multi"] = "EC P-256, several certificates"
		for (ki = 1; ki <= nk; ki++) {
			k = order[ki]
			printf "| %s", name[k]
			m = n[k]
			for (c = 3; c <= 8; c++) {
				for (i = 1; i <= m; i++) s[i] = v[k, c, i]
				for (i = 2; i <= m; i++) {
					x = s[i]
					for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]
					s[j + 1] = x
				}
				printf " | %.1f", m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
			}
			printf " |\n"
		}
	}' "$D/strace.tsv"
	echo
}
