#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/jitter.sh [CPU] [DURATION]: the isol-verify jitter probe and oslat
# (rt-tests) on the same CPU for the same duration, alternating (the first
# tool of each round changes every round), RUNS runs each, both main threads
# off that CPU (oslat's on MAIN_CPU, isol-verify's on every other CPU).
#
#   BUILD=build-x RUNS=5 DURATION=10 bench/jitter.sh [CPU]
#   TOOLS="probe probe" bench/jitter.sh    a control: one tool against itself
#   RTPRIO=1 bench/jitter.sh                both at SCHED_FIFO 1 (oslat -f 1,
#                                           isol-verify under chrt -f 1)
#
# (DURATION, not SECONDS: bash's SECONDS counts up on its own.) CPU defaults
# to the last one, MAIN_CPU to 0 (1 when CPU is 0), DURATION to 10 s (whole
# seconds: oslat takes no fraction), RUNS to 5. Both tools run at the
# default priority, as a user would run them, unless RTPRIO is set: then
# other tasks no longer preempt them, and what is left is the machine's own
# noise (interrupts, the hypervisor, the fair server's share for others).
#
# Both are reduced to what both can resolve. oslat puts a gap of u us
# (ticks / its integer MHz) in the bucket labelled floor(u) + 1, so with
# --bucket-size 1024 (buckets up to 1023 us, the last holds the overflows)
# the gaps of at least X us are its buckets labelled X + 1 and up, exactly;
# its maximum is a label too, floor(max) + 1. The probe counts its gaps of
# at least 5, 10, 20, 50 and 100 us exactly (JSON gaps_at_least_us) and
# reports its maximum in ns. Printed per run and then per tool: the median
# and the spread (min-max) over the runs of the counts per second, of the
# maximum in whole us rounded down (both tools' alike), and of each tool's
# loop cost: window / iterations ("loop ns"), and the same without the time
# in gaps of 5 us and more ("undisturbed"; for oslat that time is taken from
# its buckets' middles, the overflows from its average), which the load of
# others does not stretch, and the share of the window lost to gaps of 5 us
# and more (how busy others kept the CPU). Last column: the ratio of the
# medians, first tool / second (isol-verify / oslat). Then the rounds as
# pairs (one run of each tool, next to each other in time): the geometric
# mean of the per-round ratios, and in how many rounds the first is lower.
# TOOLS (default "probe oslat") names the two compared, each probe or
# oslat: the same tool twice measures how far two runs of one tool differ on
# this machine under its load, the yardstick for the probe/oslat ratios.
# No thresholds: numbers to read. Exit 1 when something is missing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
iv=$BUILD/isol-verify
ncpu=$(nproc --all)
cpu=${1:-$((ncpu - 1))}
DURATION=${2:-${DURATION:-10}}
RUNS=${RUNS:-5}
main=${MAIN_CPU:-0}
if [ "$cpu" = "$main" ]; then main=$((cpu == 0 ? 1 : 0)); fi
thresholds=(5 10 20 50 100)
RTPRIO=${RTPRIO:-}
read -r -a tools <<<"${TOOLS:-probe oslat}"

die() { echo "bench/jitter.sh: $*" >&2; exit 1; }
[ "${#tools[@]}" -eq 2 ] || die "TOOLS names two tools (probe or oslat), not '${TOOLS:-}'"
for t in "${tools[@]}"; do
	case $t in probe | oslat) ;; *) die "TOOLS: '$t' is neither probe nor oslat" ;; esac
done
[ -x "$iv" ] || die "$iv not built: run make BUILD=$BUILD first"
if [[ " ${tools[*]} " == *" oslat "* ]]; then
	command -v oslat >/dev/null || die "oslat not found (Debian: apt-get install rt-tests)"
fi
command -v jq >/dev/null || die "jq not found (apt-get install jq)"
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be whole seconds (oslat's unit), not '$DURATION'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number, not '$RUNS'"
prio=() oslat_prio=()
if [ -n "$RTPRIO" ]; then
	[[ $RTPRIO =~ ^[1-9][0-9]?$ ]] || die "RTPRIO must be 1-99, not '$RTPRIO'"
	command -v chrt >/dev/null || die "chrt not found (util-linux)"
	prio=(chrt -f "$RTPRIO") oslat_prio=(--rtprio "$RTPRIO")
fi
[ "$ncpu" -ge 2 ] || die "needs 2 CPUs: one measured, one for the main threads"
[[ $cpu =~ ^[0-9]+$ ]] || die "no CPU '$cpu' (0-$((ncpu - 1)))"
[ "$cpu" -lt "$ncpu" ] || die "no CPU '$cpu' (0-$((ncpu - 1)))"
[ "$main" -lt "$ncpu" ] || die "no main CPU $main"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_probe N LABEL: one isol-verify probe run -> a line of runs.tsv
run_probe() {
	local j=$tmp/iv.$1.json
	"${prio[@]}" "$iv" --interval 0 --json --jitter="$DURATION" --jitter-cpus "$cpu" >"$j" 2>"$tmp/iv.err" || true
	jq -e '.checks[] | select(.id == "jitter") | .details.cpus[0].gaps_at_least_us' "$j" >/dev/null 2>&1 || {
		echo "bench/jitter.sh: isol-verify did not run the probe (or is older than its gap counts):" >&2
		jq -r '.checks[] | select(.id == "jitter") | .message' "$j" >&2 || cat "$tmp/iv.err" >&2
		exit 1
	}
	jq -r --arg run "$1" --arg tool "$2" '.checks[] | select(.id == "jitter") | .details.cpus[0] |
		.gaps_at_least_us as $g | (.window_ns / 1e9) as $w |
		[ $run, $tool, $w, $g["5"], $g["10"], $g["20"], $g["50"], $g["100"],
		  (.max_ns / 1000 | floor), .loop_ns,
		  ((.window_ns - .time_in_gaps_at_least_5us_ns) / (.samples - $g["5"])),
		  (100 * .time_in_gaps_at_least_5us_ns / .window_ns) ] | @tsv' "$j"
}

# run_oslat N LABEL: one oslat run -> a line of runs.tsv
run_oslat() {
	local j=$tmp/oslat.$1.json
	oslat --cpu-list "$cpu" --cpu-main-thread "$main" --duration "$DURATION" --quiet \
		--bucket-size 1024 "${oslat_prio[@]}" --json="$j" >"$tmp/oslat.out" 2>&1 || {
		cat "$tmp/oslat.out" >&2
		die "oslat failed (run $1)"
	}
	jq -r --arg run "$1" --arg tool "$2" --argjson th "$(printf '%s\n' "${thresholds[@]}" | jq -s -c .)" '.thread["0"] as $t |
		($t.histogram | to_entries | map({l: (.key | tonumber), n: .value})) as $h |
		($h | map(.n) | add) as $total |
		($h | map(select(.l == 1024) | .n) | add // 0) as $over |
		# time in gaps >= 5 us, in us: a bucket labelled l holds [l-1, l) us; the
		# overflow bucket its share of avg * total (oslat adds each overflow whole)
		(($h | map(select(.l >= 6 and .l < 1024) | .n * (.l - 0.5)) | add // 0) +
		 ([$t.avg * $total - ($h | map(select(.l < 1024) | .n * .l) | add // 0) + 0.5 * $over, 0] | max)) as $big |
		($h | map(select(.l >= 6) | .n) | add // 0) as $n5 |
		[ $run, $tool, $t.duration ] +
		[ $th[] as $x | $h | map(select(.l >= $x + 1) | .n) | add // 0 ] +
		[ $t.max - 1, ($t.duration * 1e9 / $total),
		  (($t.duration * 1e6 - $big) * 1000 / ($total - $n5)),
		  (100 * $big / ($t.duration * 1e6)) ] | @tsv' "$j"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "?")
# labels: isol-verify, oslat; the same tool twice: its name, then with "#2"
name() { [ "$1" = probe ] && echo isol-verify || echo oslat; }
labels=("$(name "${tools[0]}")" "$(name "${tools[1]}")")
[ "${tools[0]}" = "${tools[1]}" ] && labels[1]="${labels[1]}#2"
echo "bench/jitter.sh: ${labels[0]} vs ${labels[1]} on CPU $cpu, oslat's main thread on CPU $main," \
	"isol-verify's on the others; $RUNS runs x ${DURATION} s per tool, alternating," \
	"$([ -n "$RTPRIO" ] && echo "SCHED_FIFO $RTPRIO;" || echo "default priority;")" \
	"$(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit"
echo "host: $(nproc) CPUs online, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(grep -qw hypervisor /proc/cpuinfo && echo "a VM (hypervisor flag)" || echo "no hypervisor flag")," \
	"kernel $(uname -r), $(oslat --version 2>&1 | head -1 || echo "no oslat"), load $(load) before"
runs=$tmp/runs.tsv
: >"$runs"
for ((i = 1; i <= RUNS; i++)); do
	# odd rounds: the first tool first; even rounds: the second first
	for k in $((1 - i % 2)) $((i % 2)); do
		"run_${tools[$k]}" "$i" "${labels[$k]}" >>"$runs"
	done
done
echo "load $(load) after"
echo
echo "per run (counts of gaps of at least N us, not per second; max: whole us, rounded down):"
awk -F'\t' 'BEGIN { printf "%-4s %-12s %9s %8s %8s %8s %8s %8s %9s %8s %12s %7s\n",
		"run", "tool", "window s", ">=5us", ">=10us", ">=20us", ">=50us", ">=100us", "max us", "loop ns",
		"undisturbed", "lost %" }
	{ printf "%-4s %-12s %9.3f %8d %8d %8d %8d %8d %9d %8.2f %12.2f %7.2f\n",
		$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' "$runs"
echo
echo "median [min-max] over $RUNS runs; counts are per second of each tool's own window:"
awk -F'\t' -v n="${#thresholds[@]}" -v ths="${thresholds[*]}" -v A="${labels[0]}" -v B="${labels[1]}" '
	function sortv(a, k,   i, j, t) { for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
	function med(a, k) { return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
	function stat(tool, m,   a, k, i, fmt) {
		k = cnt[tool]
		for (i = 1; i <= k; i++) a[i] = v[tool, m, i]
		sortv(a, k)
		M[tool, m] = med(a, k)
		fmt = m <= n ? "%.1f" : "%.2f"
		if (m == n + 1) fmt = "%g"
		return sprintf(fmt " [" fmt "-" fmt "]", med(a, k), a[1], a[k])
	}
	BEGIN { split(ths, th, " ") }
	{
		t = $2; k = ++cnt[t]
		for (m = 1; m <= n; m++) v[t, m, k] = $(3 + m) / $3	# per second
		v[t, n + 1, k] = $(4 + n)				# max us
		v[t, n + 2, k] = $(5 + n)				# loop ns
		v[t, n + 3, k] = $(6 + n)				# undisturbed
		v[t, n + 4, k] = $(7 + n)				# % of the window in gaps >= 5 us
	}
	END {
		printf "%-24s %-30s %-30s %s\n", "measure", A, B, "ratio " A " / " B
		for (m = 1; m <= n + 4; m++) {
			name = m <= n ? sprintf("gaps >= %d us per s", th[m]) : \
				m == n + 1 ? "max gap, us" : m == n + 2 ? "loop ns" : \
				m == n + 3 ? "loop ns, undisturbed" : "% lost to gaps >= 5us"
			a = stat(A, m); b = stat(B, m)
			r = M[B, m] > 0 ? sprintf("%.3f", M[A, m] / M[B, m]) : "-"
			printf "%-24s %-30s %-30s %s\n", name, a, b, r
		}
	}' "$runs"
echo
# The rounds pair one run of each tool, next to each other in time: a drift
# of the machine's noise over minutes moves both runs of a round alike, so
# the ratio within rounds is steadier than the ratio of the medians.
echo "paired by round ($RUNS rounds): geometric mean of ${labels[0]} / ${labels[1]} per round, and in how many rounds ${labels[0]} is the lower:"
awk -F'\t' -v n="${#thresholds[@]}" -v ths="${thresholds[*]}" -v A="${labels[0]}" -v B="${labels[1]}" '
	BEGIN { split(ths, th, " ") }
	{
		for (m = 1; m <= n; m++) v[$1, $2, m] = $(3 + m) / $3
		v[$1, $2, n + 1] = $(4 + n)
		r[$1] = 1
	}
	END {
		printf "%-24s %12s %10s %8s\n", "measure", "geomean", "lower in", "rounds"
		for (m = 1; m <= n + 1; m++) {
			s = 0; k = 0; low = 0; z = 0
			for (i in r) {
				a = v[i, A, m]; b = v[i, B, m]
				if (a <= 0 || b <= 0) { z++; continue }
				s += log(a / b); k++
				if (a < b) low++
			}
			name = m <= n ? sprintf("gaps >= %d us per s", th[m]) : "max gap, us"
			printf "%-24s %12s %10s %8d%s\n", name, k ? sprintf("%.3f", exp(s / k)) : "-", low "/" k, k + z,
				z ? sprintf(" (%d with a zero left out)", z) : ""
		}
	}' "$tmp/runs.tsv"
