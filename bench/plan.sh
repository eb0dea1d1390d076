#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/plan.sh: `cmdline-gen --json --root DIR` side by side with
# `hwloc-info --input DIR` (hwloc's own topology reader, Debian package hwloc,
# HWLOC_COMPONENTS=linux,stop as in tests/fixtures/topologies/README.md) on
# the largest real trees (256 CPUs) and on a generated 4096-CPU tree
# (tests/fixtures/sysfs/gen-tree.sh: SMT 2, 4 packages, 8 NUMA nodes).
#
#   BUILD=build-x bench/plan.sh        RUNS (default 20)
#
# Prints the mean wall time of each, the ratio hwloc/cmdline-gen (above 1:
# cmdline-gen is faster) and the peak RSS of one run of each
# (/usr/bin/time -v).  Both read the same files from the page cache: a
# warm-up run of each comes first.  No thresholds: numbers to read.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
BUILD=$(cd "$BUILD" && pwd)
RUNS=${RUNS:-20}
cg=$BUILD/cmdline-gen
[ -x "$cg" ] || { echo "bench/plan.sh: $cg not built (make BUILD=...)" >&2; exit 1; }
command -v hwloc-info >/dev/null || { echo "bench/plan.sh: hwloc-info not found (apt-get install hwloc)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/plan.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
export HWLOC_COMPONENTS=linux,stop

trees=$BUILD/topologies
if [ ! -f "$trees/.extracted" ]; then
	rm -rf "$trees" && mkdir -p "$trees"
	tar -xzf "$top/tests/fixtures/topologies/hwloc-sysfs-trees.tar.gz" -C "$trees"
	touch "$trees/.extracted"
fi
big=$BUILD/bench-gen-4096
if [ ! -f "$big/.done" ]; then
	rm -rf "$big"
	echo "generating a 4096-CPU tree in $big ..."
	"$top/tests/fixtures/sysfs/gen-tree.sh" "$big" 4096 2 4 8
	touch "$big/.done"
fi

now_ns() { date +%s%N; }

# mean_ms CMD... -> mean wall milliseconds over RUNS runs (after one warm-up)
mean_ms() {
	local i t0 t1
	"$@" >/dev/null 2>&1 || true
	t0=$(now_ns)
	for ((i = 0; i < RUNS; i++)); do
		"$@" >/dev/null 2>&1 || true
	done
	t1=$(now_ns)
	echo $(((t1 - t0) / RUNS / 1000))	# microseconds
}

rss_kb() {
	/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
}

printf '%-24s %5s  %12s %12s %7s  %10s %10s\n' tree cpus cmdline-gen hwloc-info ratio "rss cg" "rss hwloc"
for dir in "$trees/256ppc-8n8s4t" "$trees/256ia64-64n2s2c" "$big"; do
	name=${dir##*/}
	cpus=$("$cg" -q --root "$dir" --json | awk -F': ' '/"cpus"/ { gsub(/[ ,]/, "", $2); print $2; exit }')
	# make sure both really read the tree
	"$cg" -q --root "$dir" --json >/dev/null || { echo "bench/plan.sh: cmdline-gen fails on $dir" >&2; exit 1; }
	hwloc-info --input "$dir" >/dev/null 2>&1 || { echo "bench/plan.sh: hwloc-info fails on $dir" >&2; exit 1; }
	a=$(mean_ms "$cg" -q --json --root "$dir")
	b=$(mean_ms hwloc-info --input "$dir")
	ra=$(rss_kb "$cg" -q --json --root "$dir")
	rb=$(rss_kb hwloc-info --input "$dir")
	printf '%-24s %5s  %9d.%02dms %9d.%02dms %6sx  %7s KiB %7s KiB\n' "$name" "$cpus" \
		$((a / 1000)) $((a % 1000 / 10)) $((b / 1000)) $((b % 1000 / 10)) \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }')" "$ra" "$rb"
done
echo "ratio = hwloc-info time / cmdline-gen time (above 1: cmdline-gen is faster); $RUNS runs each, load: $(cut -d' ' -f1-3 /proc/loadavg)"
