#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/pin.sh: how fast early-pin sequesters and restores many threads,
# next to tuna and to the floor -- a plain C loop that only lists
# /proc/*/task/* and calls sched_setaffinity on each thread (bench/pin-floor.c).
#
#   BUILD=build-x bench/pin.sh [COUNTS...]     (default counts: 1000 10000)
#
# Needs root and CPUs 0-1: CPU 0 is housekeeping, CPU 1 isolated. Every
# measurement is the median of $REPEAT runs (default 5): wall time, process
# start included, and CPU time (perf task-clock), which a loaded host does not
# stretch. The host is restored after each run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
REPEAT=${REPEAT:-5}
EP=$BUILD/early-pin
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000 10000)

die() { echo "bench/pin.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (it moves every task of the host)"
[ -x "$EP" ] || die "no $EP: run make BUILD=... first"
grep -qx 0-1 /sys/devices/system/cpu/online || grep -q '^0-' /sys/devices/system/cpu/online ||
	die "needs CPUs 0 and 1 online"
[ ! -e /run/quietcore/active ] || die "a sequestering is in force ($(cat /run/quietcore/active)): restore it first"
if ! command -v tuna >/dev/null; then
	echo "bench/pin.sh: installing tuna (Debian package) ..." >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tuna >/dev/null || die "cannot install tuna"
fi

work=$(mktemp -d /tmp/pin-bench.XXXXXX)
# states in /run/quietcore (tmpfs), where early-pin keeps them by default
[ -d /run/quietcore ] || mkdir -m 0755 /run/quietcore
ref=/run/quietcore/pin-bench-ref.$$ s1=/run/quietcore/pin-bench-s1.$$
mkdir -p "$BUILD"/bench
cc -O2 -o "$BUILD"/bench/pin-floor "$top"/bench/pin-floor.c
cc -O2 -pthread -o "$BUILD"/bench/pin-threads "$top"/bench/pin-threads.c
FLOOR=$BUILD/bench/pin-floor

# the same lock as the real-machine tests: one sequestering at a time
exec {lock}>/run/lock/quietcore-early-pin-real.lock
flock -w 900 "$lock" || die "the early-pin test lock is held"

threads_pid=
cleanup() {
	[ -z "$threads_pid" ] || kill "$threads_pid" 2>/dev/null || true
	if [ -e "$ref" ]; then "$EP" --restore "$ref" -q || true; fi
	rm -rf "$work" "$ref" "$s1"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ms COMMAND...: "WALL CPU" milliseconds of one run (output discarded). CPU is
# the process's task-clock from perf when perf works here (a loaded host
# stretches wall time, not CPU time), else "-".
ms() {
	local t0 t1 cpu=-
	t0=$(now_ns)
	if [ -n "$PERF" ]; then
		"$PERF" stat -x, -e task-clock -o "$work"/perf.csv "$@" >/dev/null 2>&1 ||
			{ echo "bench/pin.sh: failed: $*" >&2; return 1; }
		cpu=$(awk -F, '/task-clock/ { printf "%.1f", $1 }' "$work"/perf.csv)
	else
		"$@" >/dev/null 2>&1 || { echo "bench/pin.sh: failed: $*" >&2; return 1; }
	fi
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" -v c="$cpu" 'BEGIN { printf "%.1f/%s\n", (b - a) / 1e6, c }'
}
PERF=$(command -v perf || true)
[ -z "$PERF" ] || "$PERF" stat -x, -e task-clock -o /dev/null true 2>/dev/null || PERF=
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }

# A pristine-host reference to come back to between runs.
"$EP" --housekeeping 0 --save "$ref" -q --skip freq
"$EP" --restore "$ref" -q

printf '%-8s %-36s %9s %7s %9s %7s\n' threads measurement "wall ms" ratio "cpu ms" ratio
for n in "${counts[@]}"; do
	"$BUILD"/bench/pin-threads "$n" >"$work"/threads.out &
	threads_pid=$!
	while ! grep -q ready "$work"/threads.out 2>/dev/null; do
		kill -0 "$threads_pid" 2>/dev/null || die "pin-threads $n failed"
		sleep 0.1
	done
	tasks=(/proc/[0-9]*/task/[0-9]*)
	total=${#tasks[@]}

	declare -A t=()
	for _ in $(seq "$REPEAT"); do
		t[floor_seq]+="$(ms "$FLOOR" 0) "
		t[floor_rest]+="$(ms "$FLOOR" 0,1) "
		"$EP" --restore "$ref" -q	# the floor flattened every mask: back to the originals

		rm -f "$s1"
		t[ep_save]+="$(ms "$EP" --housekeeping 0 --save "$s1" --skip freq) "
		t[ep_restore]+="$(ms "$EP" --restore "$s1") "
		rm -f "$s1"
		t[ep_save_tasks]+="$(ms "$EP" --housekeeping 0 --save "$s1" --skip irq,wq,freq) "
		t[ep_restore_tasks]+="$(ms "$EP" --restore "$s1") "
		rm -f "$s1"
		t[ep_pass]+="$(ms "$EP" --housekeeping 0 --skip freq) "
		"$EP" --restore "$ref" -q

		t[tuna_isolate]+="$(ms tuna --cpus=1 --isolate) "
		# Debian's tuna 0.15 --include dies with a TypeError (set + list):
		# time it anyway when it works; early-pin puts the host back either way
		if v=$(ms tuna --cpus=1 --include 2>/dev/null); then t[tuna_include]+="$v "; fi
		"$EP" --restore "$ref" -q
	done
	declare -A m=()
	declare -A c=()
	for k in "${!t[@]}"; do
		m[$k]=$(tr ' ' '\n' <<<"${t[$k]}" | grep . | cut -d/ -f1 | median)
		c[$k]=$(tr ' ' '\n' <<<"${t[$k]}" | grep . | cut -d/ -f2 | grep -v -- - | median)
		[ -n "${c[$k]}" ] || c[$k]=-
	done
	echo "$n threads started ($total threads on the host)"
	row() { # LABEL KEY FLOORKEY
		printf '%-8s %-36s %9s %7s %9s %7s\n' "$n" "$1" "${m[$2]}" "$(ratio "${m[$2]}" "${m[$3]}")" \
			"${c[$2]}" "$(ratio "${c[$2]}" "${c[$3]}")"
	}
	row "floor: sched_setaffinity -> CPU 0" floor_seq floor_seq
	row "floor: sched_setaffinity -> 0-1" floor_rest floor_rest
	row "early-pin pass (no state)" ep_pass floor_seq
	row "early-pin --save (tasks only)" ep_save_tasks floor_seq
	row "early-pin --restore (tasks only)" ep_restore_tasks floor_rest
	row "early-pin --save (tasks,IRQs,wq)" ep_save floor_seq
	row "early-pin --restore (tasks,IRQs,wq)" ep_restore floor_rest
	row "tuna --cpus=1 --isolate" tuna_isolate floor_seq
	if [ -n "${m[tuna_include]:-}" ]; then
		row "tuna --cpus=1 --include" tuna_include floor_rest
	else
		printf '%-8s %-36s %9s\n' "$n" "tuna --cpus=1 --include" "fails (tuna bug)"
	fi
	printf '%-8s %-36s %9s %7s %9s %7s\n' "$n" "tuna --isolate / early-pin --save" "" \
		"$(ratio "${m[tuna_isolate]}" "${m[ep_save]}")" "" "$(ratio "${c[tuna_isolate]}" "${c[ep_save]}")"
	unset t m c
	kill "$threads_pid"
	wait "$threads_pid" 2>/dev/null || true
	threads_pid=
done

cp "$EP" "$work"/early-pin.stripped
strip "$work"/early-pin.stripped
echo "early-pin: $(stat -c %s "$work"/early-pin.stripped) bytes stripped ($(file -b "$EP" | cut -d, -f1-2))"
