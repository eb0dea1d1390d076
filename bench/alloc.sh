#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/alloc.sh: isol-alloc's throughput and latency (issue 17): CLIENTS
# concurrent clients (default 100), each its own service, each allocating one
# CPU then releasing it, over and over, one EPA request per connection; every
# reply is checked (bench/alloc-load.c, one thread and epoll, so that the
# client does not measure itself). Durable state included: the daemon writes
# its state file (temp file, fsync, rename, directory fsync; group commit)
# before every reply, on the file system of $ALLOC_BENCH_DIR, which the
# output names (tmpfs would make fsync free: refused).
#
#   BUILD=build-x bench/alloc.sh          REPEAT=5 DURATION=5 CLIENTS=100
#
# The daemon runs on a fake root: the real sysfs tree 128arm-2pa2n8cluster4co
# (128 CPUs, 4 NUMA nodes) with CPUs 1-63 isolated at boot and 64-127 in
# quietcore's run-time partition (a cgroup-v2 tree that the daemon reads
# again on every pass), so the pool has 127 CPUs, enough for every client.
# Each run starts a fresh daemon with an empty state; the median of REPEAT
# runs is printed last, with the daemon's CPU time per operation, which a
# host loaded by others stretches less than throughput. No root needed.
#
# The peer, Canonical's EPA orchestrator, is a Python snap (it needs snapd
# and its own socket under /var/snap): it is not installable here, and no
# number is given for it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
REPEAT=${REPEAT:-5}
DURATION=${DURATION:-5}
CLIENTS=${CLIENTS:-100}
TREE=128arm-2pa2n8cluster4co
IA=$BUILD/isol-alloc
LOAD=$BUILD/bench/alloc-load

die() { echo "bench/alloc.sh: $*" >&2; exit 1; }
[ -x "$IA" ] || die "no $IA: run make BUILD=... first"
mkdir -p "$BUILD"/bench
cc -O2 -Wall -o "$LOAD" "$top"/bench/alloc-load.c || die "cannot build $LOAD"

# the root (and the state file) on the build's file system; the socket in a
# short directory (sun_path holds 108 bytes)
root_parent=${ALLOC_BENCH_DIR:-$BUILD/bench}
work=$(mktemp -d "$root_parent"/alloc-root.XXXXXX)
sockdir=$(mktemp -d /tmp/alloc-bench.XXXXXX)
R=$work/$TREE
S=$sockdir/s
dpid=
cleanup() {
	if [ -n "$dpid" ]; then kill "$dpid" 2>/dev/null || true; wait "$dpid" 2>/dev/null || true; fi
	rm -rf "$work" "$sockdir"
}
trap cleanup EXIT

fs=$(stat -f -c %T "$work")
case $fs in tmpfs | ramfs) die "$work is on $fs, where fsync costs nothing: set ALLOC_BENCH_DIR to a disk" ;; esac
tar -xzf "$top"/tests/fixtures/topologies/hwloc-sysfs-trees.tar.gz -C "$work" "$TREE"
echo 1-63 >"$R"/sys/devices/system/cpu/isolated
mkdir -p "$R"/proc/sys/kernel/random "$R"/proc/self "$R"/sys/fs/cgroup
echo 6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f >"$R"/proc/sys/kernel/random/boot_id
echo 6.1.0-13-amd64 >"$R"/proc/sys/kernel/osrelease
echo "35 1 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate" \
	>"$R"/proc/self/mountinfo
echo "cpuset cpu io memory pids" >"$R"/sys/fs/cgroup/cgroup.controllers
echo "cpuset cpu io memory pids" >"$R"/sys/fs/cgroup/cgroup.subtree_control
# cgroup NAME PARTITION CPUS EFFECTIVE
cgroup() {
	local d=$R/sys/fs/cgroup/$1
	mkdir -p "$d"
	echo "cpuset cpu io memory pids" >"$d"/cgroup.controllers
	: >"$d"/cgroup.procs
	echo "$2" >"$d"/cpuset.cpus.partition
	echo "$3" >"$d"/cpuset.cpus
	echo "$4" >"$d"/cpuset.cpus.effective
}
cgroup quietcore.slice isolated 64-127 64-127
cgroup system.slice member "" 0
cgroup user.slice member "" 0
cgroup init.scope member "" 0

start_daemon() {
	rm -rf "$R"/var/lib/quietcore
	"$IA" serve --root "$R" --socket "$S" >"$work"/daemon.log 2>&1 &
	dpid=$!
	for _ in $(seq 100); do
		"$IA" list --socket "$S" >/dev/null 2>&1 && return 0
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$work"/daemon.log >&2
	die "the daemon did not come up"
}

stop_daemon() {
	kill "$dpid"
	wait "$dpid" || die "the daemon exited with $?: $(tail -3 "$work"/daemon.log)"
	dpid=
}

# utime + stime of the daemon, in clock ticks (/proc/PID/stat fields 14 and 15)
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' /proc/"$dpid"/stat; }

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "isol-alloc serve on $TREE, pool 1-127 (127 CPUs), state on $fs ($(df --output=source "$work" | tail -1))"
echo "$CLIENTS clients, each: allocate_cores 1, then release (num_of_cores -1); $DURATION s per run, $REPEAT runs"
printf '%-4s %10s %10s %10s %10s %10s %10s\n' run ops/s p50_us p99_us p999_us max_us cpu_us/op
: >"$work"/runs
for run in $(seq "$REPEAT"); do
	start_daemon
	cpu0=$(cpu_ticks)
	"$LOAD" --clients "$CLIENTS" --seconds "$DURATION" --warmup 1 "$S" >"$work"/load.out ||
		die "run $run: wrong replies: $(cat "$work"/load.out)"
	cpu1=$(cpu_ticks)
	# every grant released, and the state file on disk says so
	left=$("$IA" list --socket "$S" --json | jq '.total_allocations')
	[ "$left" = 0 ] || die "run $run: $left grants left after the load"
	stop_daemon
	jq -e '.grants == []' "$R"/var/lib/quietcore/alloc.json >/dev/null ||
		die "run $run: the state file still holds grants"
	v() { awk -v k="$1" '$1 == k { print $2 }' "$work"/load.out; }
	# the daemon's CPU time (both threads) per operation, warm-up included
	cpu_us=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$(v all_ops)" \
		'BEGIN { printf "%.0f", (n > 0 ? t * 1e6 / hz / n : 0) }')
	printf '%-4s %10s %10s %10s %10s %10s %10s\n' "$run" "$(v ops_per_s)" "$(v p50_us)" "$(v p99_us)" \
		"$(v p999_us)" "$(v max_us)" "$cpu_us"
	echo "$(v ops_per_s) $(v p50_us) $(v p99_us) $cpu_us" >>"$work"/runs
done
ops=$(cut -d' ' -f1 "$work"/runs | median)
p50=$(cut -d' ' -f2 "$work"/runs | median)
p99=$(cut -d' ' -f3 "$work"/runs | median)
cpu=$(cut -d' ' -f4 "$work"/runs | median)
echo "isol-alloc, $CLIENTS clients, allocate+release, durable: median $ops ops/s, p50 $p50 us, p99 $p99 us"
echo "daemon CPU time per operation: median $cpu us (a loaded host stretches the others, not this)"
echo "EPA orchestrator: not measured (a Python snap; snapd is not installable here)"
echo "load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
