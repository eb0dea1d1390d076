#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/jitter.sh [CPU] [SECONDS]: the isol-verify jitter probe and oslat
# (rt-tests) on the same CPU, one after the other in the same run, both with
# their main thread on another CPU. Reports both side by side.
#
# oslat histograms in 1 us buckets (its quantiles below are bucket upper
# bounds, as ours are), isol-verify in about 3 % wide buckets in ns.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
iv=$BUILD/isol-verify
ncpu=$(nproc --all)
cpu=${1:-$((ncpu - 1))}
secs=${2:-5}
main=0
[ "$cpu" -eq 0 ] && main=1
threshold_us=10
[ -x "$iv" ] || { echo "bench/jitter.sh: $iv not built (make BUILD=...)" >&2; exit 1; }
command -v oslat >/dev/null || { echo "bench/jitter.sh: oslat not found (apt-get install rt-tests)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench/jitter.sh: jq not found" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$iv" --interval 0 --json --jitter="$secs" --jitter-cpus "$cpu" \
	--jitter-threshold "${threshold_us}us" >"$tmp/iv.json" 2>"$tmp/iv.err" || true
jq -e '.checks[] | select(.id == "jitter") | .details.cpus[0].samples' "$tmp/iv.json" >/dev/null || {
	echo "bench/jitter.sh: isol-verify did not run the probe:" >&2
	jq -r '.checks[] | select(.id == "jitter") | .message' "$tmp/iv.json" >&2
	exit 1
}

oslat --cpu-list "$cpu" --cpu-main-thread "$main" --duration "$secs" --quiet \
	--json="$tmp/oslat.json" >"$tmp/oslat.out" 2>&1 || {
	cat "$tmp/oslat.out" >&2
	exit 1
}

printf '%-12s %4s %12s %9s %9s %9s %10s %8s   %s\n' tool cpu samples p50 p99 p99.9 max ">${threshold_us}us" clock
jq -r --arg secs "$secs" '.checks[] | select(.id == "jitter") | .details as $d | $d.cpus[0] |
	[ "isol-verify", .cpu, .samples, "\(.p50_ns)ns", "\(.p99_ns)ns", "\(.p999_ns)ns", "\(.max_ns)ns",
	  .over_threshold, "\($d.clock), \($secs) s" ] | @tsv' "$tmp/iv.json" |
	awk -F'\t' '{ printf "%-12s %4s %12s %9s %9s %9s %10s %8s   %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
# oslat: histogram of microsecond buckets (the last one holds the overflows) plus min/avg/max.
jq -r --argjson th "$threshold_us" '.thread["0"] as $t |
	($t.histogram | to_entries | map({us: (.key | tonumber), n: .value}) | sort_by(.us)) as $h |
	($h | map(.n) | add) as $total |
	def q(p): ($total * p | ceil) as $rank |
		reduce $h[] as $b ({seen: 0, v: null};
			if .v == null then (.seen += $b.n | if .seen >= $rank then .v = $b.us else . end) else . end) | .v;
	[ "oslat", $t.cpu, $total, "\(q(0.5))us", "\(q(0.99))us", "\(q(0.999))us", "\($t.max)us",
	  ($h | map(select(.us > $th) | .n) | add // 0), "tsc \($t.freq) MHz, \($t.duration) s, avg \($t.avg)us" ] | @tsv' \
	"$tmp/oslat.json" |
	awk -F'\t' '{ printf "%-12s %4s %12s %9s %9s %9s %10s %8s   %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
