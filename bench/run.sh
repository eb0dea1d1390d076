#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make bench: runs bench/plan.sh, bench/pin.sh, bench/verify.sh,
# bench/jitter.sh, bench/partition.sh and bench/alloc.sh (each keeps its own output in
# $BUILD/bench/<name>.txt) and writes one markdown table, quietcore next to
# each peer with the ratio, and the machine it ran on, to $BUILD/bench.md
# (also printed). bench/partition.sh runs in a QEMU guest on a host without a
# cgroup-v2 cpuset, and its rows say so.
#
#   BUILD=build-x bench/run.sh [plan pin verify jitter partition alloc]
#   BENCH_REUSE=1 ...   table again from the outputs already in $BUILD/bench/
#
# Ratio = peer / quietcore for times (above 1: quietcore is faster), and the
# same for the jitter counts and max (the same noise measured by two probes:
# near 1 is agreement, above 1 quietcore's probe saw less). No
# thresholds: these are numbers to read, not tests. A bench that cannot run
# here (no root, missing peer) is listed with its reason.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
export BUILD
out=$BUILD/bench
md=$BUILD/bench.md
mkdir -p "$out"
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=(plan pin verify jitter partition alloc)

rows=$out/rows.tsv	# bench, case, quietcore tool, value, peer, value, ratio
: >"$rows"
notes=()

ratio() { awk -v p="$1" -v q="$2" 'BEGIN { if (q + 0 > 0 && p + 0 > 0) printf "%.2f", p / q; else print "-" }'; }
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }
num() { sed -E 's/[^0-9.]//g' <<<"$1"; }	# "12.34ms" -> 12.34

for b in "${benches[@]}"; do
	script=$top/bench/$b.sh
	log=$out/$b.txt
	echo "bench: $b (output: $log)"
	if [ ! -x "$script" ]; then
		notes+=("$b: bench/$b.sh missing")
		continue
	fi
	if [ "${BENCH_REUSE:-0}" = 1 ] && [ -s "$log" ]; then
		echo "bench: $b: reusing $log (BENCH_REUSE=1)"
	elif ! "$script" >"$log" 2>&1; then
		notes+=("$b: bench/$b.sh failed: $(tail -1 "$log")")
		continue
	fi
	case $b in
	plan)	# tree cpus cgms hwlocms ratio ...
		awk '$3 ~ /ms$/ && $4 ~ /ms$/ { print $1 "\t" $2 "\t" $3 "\t" $4 }' "$log" |
			while IFS=$'\t' read -r tree cpus a c; do
				row plan "$tree ($cpus CPUs), topology + plan" cmdline-gen "$a" hwloc-info "$c" \
					"$(ratio "$(num "$c")" "$(num "$a")")"
			done ;;
	verify)
		a=$(sed -n 's/^isol-verify --interval 0: *\([0-9.]* ms\).*/\1/p' "$log")
		c=$(sed -n 's/^ps -eLo psr,comm: *\([0-9.]* ms\).*/\1/p' "$log")
		t=$(sed -n 's/^threads on the host: *\([0-9]*\).*/\1/p' "$log")
		[ -n "$a" ] && [ -n "$c" ] &&
			row verify "full check, $t threads" isol-verify "$a" "ps -eLo psr,comm" "$c" \
				"$(ratio "$(num "$c")" "$(num "$a")")" ;;
	pin)	# threads, measurement, wall ms, ratio, cpu ms, ratio. Ratio on CPU time
		# (perf task-clock), which a loaded host does not stretch as it does wall time.
		awk -F'  +' '$1 ~ /^[0-9]+$/ && $3 ~ /^[0-9.]+$/ { print $1 "\t" $2 "\t" $3 "\t" $5 }' \
			"$log" >"$out/pin.rows"
		while IFS=$'\t' read -r n what ms cpu; do
			case $what in *early-pin*) ;; *) continue ;; esac
			case $what in *restore*) peers='0-1|--include' ;; *) peers='CPU 0|--isolate' ;; esac
			while IFS=$'\t' read -r n2 what2 ms2 cpu2; do
				[ "$n2" = "$n" ] || continue
				case $what2 in *early-pin*) continue ;; esac
				grep -qE -- "$peers" <<<"$what2" || continue
				row pin "$n threads" "$what" "$cpu ms cpu ($ms wall)" "$what2" \
					"$cpu2 ms cpu ($ms2 wall)" "$(ratio "$cpu2" "$cpu")"
			done <"$out/pin.rows"
		done <"$out/pin.rows" ;;
	partition)	# threads, way, isolate ms, undo ms; "where:" names this host or the guest
		where=$(sed -n 's/^where: \([^(]*\) (.*/\1/p' "$log" | tail -1)
		q=$(awk -F'  +' '$2 ~ /^quietcore:/ { print $1, $3, $4 }' "$log")
		s=$(awk -F'  +' '$2 ~ /^systemd:/ { print $3, $4 }' "$log")
		if [ -n "$q" ] && [ -n "$s" ]; then
			read -r n qi qu <<<"$q"
			read -r si su <<<"$s"
			row partition "$n threads, isolate CPUs ($where)" "early-pin --save --partition" "$qi ms" \
				"systemctl set-property AllowedCPUs=, IRQs by hand" "$si ms" "$(ratio "$si" "$qi")"
			row partition "$n threads, undo ($where)" "early-pin --restore" "$qu ms" \
				"set-property AllowedCPUs= (empty), IRQs from a copy" "$su ms" "$(ratio "$su" "$qu")"
		fi ;;
	jitter)	# summary lines: measure, median [min-max] of isol-verify, of oslat, ratio
		runs=$(sed -n 's/^bench\/jitter.sh: isol-verify vs oslat .*; \([0-9]*\) runs x \([0-9]*\) s per tool.*/\1 runs of \2 s/p' "$log")
		[ -n "$runs" ] &&
			sed -nE 's/^(gaps >= [0-9]+ us per s|max gap, us|loop ns, undisturbed) +([0-9.]+ \[[^]]*\]) +([0-9.]+ \[[^]]*\]) +[0-9.-]+$/\1\t\2\t\3/p' \
				"$log" | while IFS=$'\t' read -r what a c; do
				# peer / quietcore of the medians, as for every bench
				row jitter "$what on one CPU (median [min-max], $runs)" "isol-verify --jitter" "$a" \
					oslat "$c" "$(ratio "${c%% *}" "${a%% *}")"
			done ;;
	alloc)	# throughput: the peer is not installable here, said instead of a number
		m=$(sed -n 's/^isol-alloc, \([0-9]*\) clients, .*: median \([0-9.]*\) ops\/s, p50 \([0-9.]*\) us, p99 \([0-9.]*\) us$/\1 \2 \3 \4/p' "$log")
		peer=$(sed -n 's/^EPA orchestrator: //p' "$log")
		cpu=$(sed -n 's/^daemon CPU time per operation: median \([0-9.]*\) us.*/\1/p' "$log")
		if [ -n "$m" ]; then
			read -r n ops p50 p99 <<<"$m"
			row alloc "$n clients, allocate+release, durable state" "isol-alloc serve" \
				"$ops ops/s (p50 $p50 us, p99 $p99 us, ${cpu:-?} us CPU/op)" "Canonical EPA orchestrator" \
				"${peer:-not measured}" -
		fi ;;
	esac
	grep -q "^$b"$'\t' "$rows" || notes+=("$b: no result line recognised (see $log)")
done

{
	echo "## quietcore benchmarks"
	echo
	# shellcheck disable=SC1091 # the host's own file
	os=$(. /etc/os-release && echo "$PRETTY_NAME")
	cores=$(lscpu -p=core,socket 2>/dev/null | grep -v '^#' | sort -u | wc -l)
	echo "Machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(nproc) CPUs online ($cores cores), kernel $(uname -r), $os," \
		"load $(cut -d' ' -f1-3 /proc/loadavg) at $(date -u '+%Y-%m-%d %H:%M UTC')."
	echo
	echo "| bench | case | quietcore | time/value | peer | time/value | ratio peer/quietcore |"
	echo "|---|---|---|---|---|---|---|"
	while IFS=$'\t' read -r b c q qv p pv r; do
		echo "| $b | $c | $q | $qv | $p | $pv | $r |"
	done <"$rows"
	echo
	echo "Ratio above 1: quietcore is faster (times; for pin: CPU time) or saw fewer or smaller gaps (jitter, where near 1 is agreement)."
	for n in "${notes[@]}"; do
		echo "- $n"
	done
} >"$md"
cat "$md"
