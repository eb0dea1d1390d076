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
# measurement is the median wall time of $REPEAT runs (default 5), process
# start included for every tool. The host is restored after each run.
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
mkdir -p -m 0700 /run/quietcore
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
# ms COMMAND...: wall milliseconds of one run (output discarded)
ms() {
	local t0 t1
	t0=$(now_ns)
	"$@" >/dev/null 2>&1 || { echo "bench/pin.sh: failed: $*" >&2; return 1; }
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

# A pristine-host reference to come back to between runs.
"$EP" --housekeeping 0 --save "$ref" -q --skip freq
"$EP" --restore "$ref" -q

printf '%-8s %-34s %10s %10s\n' threads measurement "ms" "vs floor"
for n in "${counts[@]}"; do
	"$BUILD"/bench/pin-threads "$n" >"$work"/threads.out &
	threads_pid=$!
	while ! grep -q ready "$work"/threads.out 2>/dev/null; do
		kill -0 "$threads_pid" 2>/dev/null || die "pin-threads $n failed"
		sleep 0.1
	done
	total=$(ls -d /proc/[0-9]*/task/[0-9]* 2>/dev/null | wc -l)

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
	for k in "${!t[@]}"; do m[$k]=$(tr ' ' '\n' <<<"${t[$k]}" | grep . | median); done
	echo "$n threads started ($total threads on the host)"
	printf '%-8s %-34s %10s %10s\n' "$n" "floor: sched_setaffinity -> CPU 0" "${m[floor_seq]}" "1.00x"
	printf '%-8s %-34s %10s %10s\n' "$n" "floor: sched_setaffinity -> 0-1" "${m[floor_rest]}" "1.00x"
	printf '%-8s %-34s %10s %10s\n' "$n" "early-pin pass (no state)" "${m[ep_pass]}" "$(ratio "${m[ep_pass]}" "${m[floor_seq]}")"
	printf '%-8s %-34s %10s %10s\n' "$n" "early-pin --save (tasks only)" "${m[ep_save_tasks]}" "$(ratio "${m[ep_save_tasks]}" "${m[floor_seq]}")"
	printf '%-8s %-34s %10s %10s\n' "$n" "early-pin --restore (tasks only)" "${m[ep_restore_tasks]}" "$(ratio "${m[ep_restore_tasks]}" "${m[floor_rest]}")"
	printf '%-8s %-34s %10s %10s\n' "$n" "early-pin --save (tasks,IRQs,wq)" "${m[ep_save]}" "$(ratio "${m[ep_save]}" "${m[floor_seq]}")"
	printf '%-8s %-34s %10s %10s\n' "$n" "early-pin --restore (tasks,IRQs,wq)" "${m[ep_restore]}" "$(ratio "${m[ep_restore]}" "${m[floor_rest]}")"
	printf '%-8s %-34s %10s %10s\n' "$n" "tuna --cpus=1 --isolate" "${m[tuna_isolate]}" "$(ratio "${m[tuna_isolate]}" "${m[floor_seq]}")"
	if [ -n "${m[tuna_include]:-}" ]; then
		printf '%-8s %-34s %10s %10s\n' "$n" "tuna --cpus=1 --include" "${m[tuna_include]}" "$(ratio "${m[tuna_include]}" "${m[floor_rest]}")"
	else
		printf '%-8s %-34s %10s\n' "$n" "tuna --cpus=1 --include" "fails (tuna bug)"
	fi
	printf '%-8s %-34s %10s\n' "$n" "tuna --isolate / early-pin --save" "$(ratio "${m[tuna_isolate]}" "${m[ep_save]}")"
	unset t m
	kill "$threads_pid"
	wait "$threads_pid" 2>/dev/null || true
	threads_pid=
done

cp "$EP" "$work"/early-pin.stripped
strip "$work"/early-pin.stripped
echo "early-pin: $(stat -c %s "$work"/early-pin.stripped) bytes stripped ($(file -b "$EP" | cut -d, -f1-2))"
