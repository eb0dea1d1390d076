#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/verify.sh: a full isol-verify run (--interval 0, no --jitter) on a host
# with THREADS threads (default 10,000), side by side with `ps -eLo psr,comm`,
# the check runbooks use to see what runs on the isolated CPUs.
#
#   BUILD=build-x bench/verify.sh            RUNS (default 10), THREADS
#
# The host needs no isolation: isol-verify is told to check CPU N-1 as if it
# were isolated (--isolated), so the task scan, the IRQ walk and every other
# check run in full. Prints the mean wall time of each and the ratio.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
iv=$BUILD/isol-verify
THREADS=${THREADS:-10000}
RUNS=${RUNS:-10}
[ -x "$iv" ] || { echo "bench/verify.sh: $iv not built (make BUILD=...)" >&2; exit 1; }
command -v ps >/dev/null || { echo "bench/verify.sh: ps not found" >&2; exit 1; }

tmp=$(mktemp -d)
helper_pid=
cleanup() {
	[ -n "$helper_pid" ] && kill "$helper_pid" 2>/dev/null && wait "$helper_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# A process with N sleeping threads (small stacks), "ready" on stdout when all exist.
cat >"$tmp/threads.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static void *sleeper(void *a) { for (;;) pause(); return a; }
int main(int argc, char **argv)
{
	pthread_attr_t at;
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 * 1024);
	for (long i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, &at, sleeper, NULL)) { perror("pthread_create"); return 1; }
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) pause();
}
C
${CC:-cc} -O2 -pthread -o "$tmp/threads" "$tmp/threads.c"

have=$(ps -eLo tid= | wc -l)
need=$((THREADS - have))
if [ "$need" -gt 0 ]; then
	mkfifo "$tmp/ready"
	"$tmp/threads" "$need" >"$tmp/ready" &
	helper_pid=$!
	read -r _ <"$tmp/ready"
fi
total=$(ps -eLo tid= | wc -l)
last=$(($(nproc --all) - 1))

ms_now() { date +%s%N; }
time_runs() { # command... -> mean milliseconds over RUNS
	local t0 t1 sum=0 i
	"$@" >/dev/null 2>&1 || true	# warm the dentry cache once
	for ((i = 0; i < RUNS; i++)); do
		t0=$(ms_now)
		"$@" >/dev/null 2>&1 || true
		t1=$(ms_now)
		sum=$((sum + t1 - t0))
	done
	echo $((sum / RUNS / 1000))	# microseconds
}

iv_us=$(time_runs "$iv" --interval 0 --isolated "$last" --json)
ps_us=$(time_runs ps -eLo psr,comm)
checked=$("$iv" --interval 0 --isolated "$last" --json 2>/dev/null |
	sed -n 's/^ *"threads": \([0-9]*\),*$/\1/p' | head -1)

printf 'threads on the host:        %d (isol-verify checked %s)\n' "$total" "${checked:-?}"
printf 'isol-verify --interval 0:   %d.%03d ms  (mean of %d runs: 13 checks, every thread, IRQ, sysfs file)\n' \
	$((iv_us / 1000)) $((iv_us % 1000)) "$RUNS"
printf 'ps -eLo psr,comm:           %d.%03d ms  (mean of %d runs)\n' $((ps_us / 1000)) $((ps_us % 1000)) "$RUNS"
awk -v a="$ps_us" -v b="$iv_us" 'BEGIN { printf "ratio ps / isol-verify:     %.2f (above 1: isol-verify is faster)\n", a / b }'
