#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/noise.sh: what isol-verify --noise costs the CPU it measures (issue
# 18). The same probe on the same CPU for the same time, alternately, RUNS
# times each:
#   plain    isol-verify --jitter --jitter-clock mono (no tracing)
#   traced   isol-verify --noise (the generic back end: the irq, irq_vectors,
#            softirq, sched_switch and nmi tracepoints armed in an instance)
# Both read CLOCK_MONOTONIC, so they differ only in the tracing. Printed per
# mode: the median [min-max] of the probe's loop cost and of its gaps of at
# least 5, 10, 20, 50 and 100 us per second, the wall time of a run (arming,
# reading and removing the instance included), and traced/plain.
#
#   BUILD=build bench/noise.sh      CPU=1 DURATION=5 RUNS=5
#
# Needs root and tracefs. The generic back end only: where the kernel has
# the osnoise tracer, its own workload takes the whole CPU and there is no
# probe to compare.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
CPU=${CPU:-1}
DURATION=${DURATION:-5}
RUNS=${RUNS:-5}
iv=$BUILD/isol-verify

die() { echo "bench/noise.sh: $*" >&2; exit 1; }
[ -x "$iv" ] || die "no $iv: run make BUILD=... first"
command -v jq >/dev/null || die "jq not found"
[ "$(id -u)" -eq 0 ] || die "needs root (tracefs)"
[ -d /sys/kernel/tracing/instances ] || die "tracefs is not mounted at /sys/kernel/tracing"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# one MODE RUN: a line "mode loop_ns g5 g10 g20 g50 g100 wall_s" (gaps per second)
one() {
	local mode=$1 t0 t1 sel
	t0=$(date +%s.%N)
	if [ "$mode" = plain ]; then
		"$iv" --interval 0 --json --jitter="$DURATION" --jitter-cpus "$CPU" --jitter-clock mono \
			>"$tmp/out.json" 2>"$tmp/err" || true
		sel='.checks[] | select(.id == "jitter") | .details.cpus[0]'
	else
		"$iv" --interval 0 --json --noise="$DURATION" --noise-cpus "$CPU" --noise-backend generic \
			>"$tmp/out.json" 2>"$tmp/err" || true
		sel='.checks[] | select(.id == "noise") | .details.cpus[0].probe'
	fi
	t1=$(date +%s.%N)
	jq -e "$sel | .loop_ns" "$tmp/out.json" >/dev/null 2>&1 ||
		die "$mode: no probe figures: $(jq -c '.checks[] | select(.id == "jitter" or .id == "noise") | .message' "$tmp/out.json" 2>/dev/null) $(cat "$tmp/err")"
	jq -r --arg mode "$mode" --argjson wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$sel"' |
		(.window_ns / 1e9) as $s | .gaps_at_least_us as $g |
		[$mode, .loop_ns, ($g["5"] / $s), ($g["10"] / $s), ($g["20"] / $s), ($g["50"] / $s),
		 ($g["100"] / $s), $wall] | map(. * 10 | round / 10 | tostring) | join(" ")' "$tmp/out.json"
}

echo "bench/noise.sh: CPU $CPU, $DURATION s a run, $RUNS runs per mode, alternating; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$tmp/all"
for r in $(seq "$RUNS"); do
	for mode in plain traced; do
		one "$mode" | tee -a "$tmp/all" | sed "s/^/run $r: /"
	done
done

# median [min-max] of column c for mode m
stat() {
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$tmp/all" | sort -g |
		awk '{ v[NR] = $1 } END { printf "%.1f [%.1f-%.1f]", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
}
med() {
	awk -v m="$1" -v c="$2" '$1 == m { print $c }' "$tmp/all" | sort -g |
		awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
printf '\n%-22s %-26s %-26s %s\n' "median [min-max]" plain traced traced/plain
c=2
for name in "loop ns" "gaps >= 5 us /s" "gaps >= 10 us /s" "gaps >= 20 us /s" "gaps >= 50 us /s" "gaps >= 100 us /s" "wall s a run"; do
	p=$(med plain $c) t=$(med traced $c)
	ratio=$(awk -v p="$p" -v t="$t" 'BEGIN { if (p > 0) printf "%.3f", t / p; else print "-" }')
	printf '%-22s %-26s %-26s %s\n' "$name" "$(stat plain $c)" "$(stat traced $c)" "$ratio"
	c=$((c + 1))
done
