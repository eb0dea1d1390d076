#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# early-pin --partition on the fake 128-CPU root (tests/fixtures/proc-irq)
# with a cgroup-v2 tree: the recording ops simulate cgroupfs (a new cgroup
# gets its interface files, rmdir refuses while tasks remain,
# subtree_control takes +/- words) and systemd's transient units. Every bad
# input must leave the tree exactly as it was. The real kernel and systemd,
# and run --partition (whose child is a real process, which the fake
# cgroup.procs cannot take), are in tests/vm/partition.bats.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	EP=$BUILD/early-pin
	R=$BATS_TEST_TMPDIR/root
	"$QC_TOP"/tests/fixtures/proc-irq/mkroot.sh "$R"
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	mkcgroup 6.1.0-27-amd64
	S=$BATS_TEST_TMPDIR/state
	CG=$R/sys/fs/cgroup
}

# mkcgroup OSRELEASE: a unified cgroup-v2 hierarchy as systemd leaves it
# (cpuset available, not enabled), two slices without cpuset files
mkcgroup() {
	mkdir -p "$R"/proc/self "$R"/sys/fs/cgroup/system.slice "$R"/sys/fs/cgroup/user.slice
	echo "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot" \
		>"$R"/proc/self/mountinfo
	echo "$1" >"$R"/proc/sys/kernel/osrelease
	echo "cpuset cpu io memory hugetlb pids rdma misc" >"$R"/sys/fs/cgroup/cgroup.controllers
	echo "cpu memory pids" >"$R"/sys/fs/cgroup/cgroup.subtree_control
	: >"$R"/sys/fs/cgroup/cgroup.procs
	: >"$R"/sys/fs/cgroup/system.slice/cgroup.procs
	: >"$R"/sys/fs/cgroup/user.slice/cgroup.procs
}

# the whole fake tree's state: every file with its content, every directory
# (a task's Cpus_allowed mask line is the recording ops' rewrite of its
# _list line, which is compared)
snapshot() {
	(cd "$R" && find . -path ./run -prune -o -type d -print | sort &&
		find . -path ./run -prune -o -type f ! -name '*.errno' -print0 | sort -z | xargs -0 grep -H '' |
		grep -v '/status:Cpus_allowed:' | sort)
}

@test "--save --partition without systemd: a cgroupfs partition, recorded; --restore leaves the tree as it was" {
	before=$(snapshot)
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --partition
	assert_output --partial "early-pin: CPUs 1-63,65-127 isolated by the partition $R/sys/fs/cgroup/quietcore-isolated"
	assert_equal "$(cat "$CG"/quietcore-isolated/cpuset.cpus)" 1-63,65-127
	assert_equal "$(cat "$CG"/quietcore-isolated/cpuset.cpus.partition)" isolated
	grep -qw cpuset "$CG"/cgroup.subtree_control
	grep -qx "cgroup-dir unified quietcore-isolated" "$S"
	grep -qx "cgroup-cpuset unified" "$S"
	grep -qx "cgroup-partition unified quietcore-isolated member" "$S"
	# every movable task's mask is recorded, the ones left alone too (the
	# kernel re-affines them all when the partition comes and goes)
	grep -qx "task 300 300 5000 0" "$S"
	# the IRQs a partition cannot move either, for isol-verify
	grep -qx "irq 9 EIO nvme0q1" "$R"/run/quietcore/immovable-irqs
	run -0 "$EP" --root "$R" --restore "$S"
	[ ! -e "$CG"/quietcore-isolated ]
	assert_equal "$(snapshot)" "$before"
	run -0 "$EP" --root "$R" --restore "$S"
	assert_equal "$(snapshot)" "$before"
}

@test "--partition: the kernel's order of writes (cpuset on, mkdir, cpus, partition) and its reverse" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --partition -v
	ops=$(grep -E '^op: (write /sys/fs/cgroup|mkdir|rmdir)' <<<"$output")
	assert_equal "$ops" "op: write /sys/fs/cgroup/cgroup.subtree_control +cpuset = 0
op: mkdir /sys/fs/cgroup/quietcore-isolated = 0
op: write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 1-63,65-127 = 0
op: write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition isolated = 0"
	run -0 "$EP" --root "$R" --restore "$S" -v
	ops=$(grep -E '^op: (write /sys/fs/cgroup|mkdir|rmdir)' <<<"$output")
	assert_equal "$ops" "op: write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus.partition member = 0
op: write /sys/fs/cgroup/quietcore-isolated/cpuset.cpus 
op: rmdir /sys/fs/cgroup/quietcore-isolated = 0
op: write /sys/fs/cgroup/cgroup.subtree_control -cpuset = 0"
}

@test "--partition: the unbound workqueue mask is narrowed before the partition and put back after it, also where 6.8+ narrows it itself" {
	# 6.12: the kernel excludes partition CPUs from unbound workqueues under
	# cpuset_mutex; a changed mask there forks kworkers, which can deadlock
	# against systemd moving a task. Narrowed first, the kernel has nothing to do.
	mkcgroup 6.12.38+deb12-amd64
	echo 0 >"$R"/sys/devices/virtual/workqueue/cpumask_isolated
	mkdir -p "$R"/run/systemd/system
	orig=$(cat "$R"/sys/devices/virtual/workqueue/cpumask)
	before=$(snapshot)
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --partition -v
	ops=$(grep -E '^op: (write /sys/(fs/cgroup|devices/virtual/workqueue/cpumask )|unit)' <<<"$output")
	assert_equal "$ops" "op: write /sys/devices/virtual/workqueue/cpumask 00000000,00000001,00000000,00000001 = 0
op: unit-start quietcore.slice AllowedCPUs=1-63,65-127 = 0
op: write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition isolated = 0"
	run -0 "$EP" --root "$R" --restore "$S" -v
	ops=$(grep -E '^op: (write /sys/(fs/cgroup|devices/virtual/workqueue/cpumask )|unit)' <<<"$output")
	assert_equal "$ops" "op: write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition member = 0
op: unit-stop quietcore.slice = 0
op: write /sys/devices/virtual/workqueue/cpumask $orig = 0"
	assert_equal "$(snapshot)" "$before"
}

@test "--partition --dry-run says what it would make and changes nothing" {
	before=$(snapshot)
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --partition --dry-run
	assert_line "would make CPUs 1-63,65-127 the isolated partition $R/sys/fs/cgroup/quietcore-isolated (cgroupfs)"
	[ ! -e "$S" ]
	assert_equal "$(snapshot)" "$before"
}

# refused PATTERN ARGS...: exit 1 with PATTERN on stderr, nothing changed, no state file
refused() {
	local pat=$1 before
	shift
	before=$(snapshot)
	run -1 --separate-stderr "$EP" --root "$R" --save "$S" --partition "$@"
	# shellcheck disable=SC2154 # set by run --separate-stderr
	[[ $stderr == *"$pat"* ]] || { echo "stderr: $stderr" >&2; false; }
	[ ! -e "$S" ]
	assert_equal "$(snapshot)" "$before"
}

@test "--partition refuses, changing nothing: the last CPUs of a NUMA node, offline CPUs, every CPU" {
	refused "would take every CPU of NUMA node 1 (64-127): keep one of them for housekeeping" --cpus 64-127
	refused "--cpus 120-130: CPUs 128-130 are not online ($R/sys/devices/system/cpu/online)" --cpus 120-130
	refused "the housekeeping set is every online CPU: nothing to isolate" --housekeeping 0-127
}

@test "--partition refuses, changing nothing: cgroup v1 only, cpuset bound to v1, a kernel before 6.1" {
	echo "25 24 0:22 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:7 - cgroup cgroup rw,cpuset" \
		>"$R"/proc/self/mountinfo
	refused "no cgroup v2 hierarchy ($R/proc/self/mountinfo): this host has cgroup v1 only" --housekeeping 0,64
	mkcgroup 6.1.0-27-amd64
	echo "cpu io memory pids" >"$CG"/cgroup.controllers
	refused "the cpuset controller is not available on cgroup v2 ($R/sys/fs/cgroup/cgroup.controllers)" --housekeeping 0,64
	mkcgroup 5.10.0-30-amd64
	refused "this kernel (5.10) has no isolated cgroup partitions: they arrived in Linux 6.1" --housekeeping 0,64
}

@test "--partition refuses, changing nothing: CPUs in another cgroup's cpuset.cpus, a read-only cgroupfs" {
	echo 70-71 >"$CG"/system.slice/cpuset.cpus
	refused "the CPUs are taken: $R/sys/fs/cgroup/system.slice/cpuset.cpus holds some of them" --housekeeping 0,64
	rm "$CG"/system.slice/cpuset.cpus
	echo EROFS >"$CG"/cgroup.subtree_control.errno
	refused "cannot make the partition: $R/sys/fs/cgroup/cgroup.subtree_control: Read-only file system" --housekeeping 0,64
}

@test "--partition: a second one while the first is in force is refused, the first untouched" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --partition
	held=$(snapshot)
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$S.2" --partition
	assert_equal "$(snapshot)" "$held"
	[ ! -e "$S.2" ]
	run -0 "$EP" --root "$R" --restore "$S"
}

@test "--partition goes with --save or run only" {
	run -2 "$EP" --root "$R" --partition
	assert_output --partial "--partition goes with --save or 'run'"
	run -2 "$EP" --root "$R" --save "$S" --partition --enforce 5
	assert_output --partial "--partition and --enforce do not combine"
}

@test "--save --partition with systemd: a transient slice with AllowedCPUs=, only cpuset.cpus.partition written; --restore stops it" {
	mkdir -p "$R"/run/systemd/system
	before=$(snapshot)
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --partition -v
	assert_line "early-pin: CPUs 1-63,65-127 isolated by the partition $R/sys/fs/cgroup/quietcore.slice"
	ops=$(grep -E '^op: (write /sys/fs/cgroup|mkdir|rmdir|unit)' <<<"$output")
	assert_equal "$ops" "op: unit-start quietcore.slice AllowedCPUs=1-63,65-127 = 0
op: write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition isolated = 0"
	assert_equal "$(cat "$CG"/quietcore.slice/cpuset.cpus.partition)" isolated
	grep -qx "unit quietcore.slice" "$S"
	grep -qx "cgroup-partition unified quietcore.slice member" "$S"
	run ! grep -q "^cgroup-dir" "$S"
	run -0 "$EP" --root "$R" --restore "$S" -v
	ops=$(grep -E '^op: (write /sys/fs/cgroup|mkdir|rmdir|unit)' <<<"$output")
	assert_equal "$ops" "op: write /sys/fs/cgroup/quietcore.slice/cpuset.cpus.partition member = 0
op: unit-stop quietcore.slice = 0"
	assert_equal "$(snapshot)" "$before"
}

@test "--partition with systemd: systemd refusing the slice, or CPUs in another slice's AllowedCPUs=, changes nothing" {
	mkdir -p "$R"/run/systemd/system "$R"/run/systemd/qc-fake-refuse
	echo "Unit quietcore.slice was already loaded or has a fragment file." >"$R"/run/systemd/qc-fake-refuse/quietcore.slice
	refused "systemd refused quietcore.slice: Unit quietcore.slice was already loaded or has a fragment file." --housekeeping 0,64
	rm "$R"/run/systemd/qc-fake-refuse/quietcore.slice
	echo 3 >"$CG"/user.slice/cpuset.cpus
	refused "the CPUs are taken: $R/sys/fs/cgroup/user.slice/cpuset.cpus holds some of them" --housekeeping 0,64
}

@test "--partition: a cgroup or slice of that name that is not ours is refused and left alone" {
	# made by someone else (no early-pin state in force)
	mkdir "$CG"/quietcore-isolated
	echo "someone else's" >"$CG"/quietcore-isolated/marker
	refused "$R/sys/fs/cgroup/quietcore-isolated exists already" --housekeeping 0,64
	[ -f "$CG"/quietcore-isolated/marker ]
	rm -r "$CG"/quietcore-isolated
	# systemd: the slice exists already
	mkdir -p "$R"/run/systemd/system "$CG"/quietcore.slice
	echo "someone else's" >"$CG"/quietcore.slice/marker
	refused "systemd refused quietcore.slice:" --housekeeping 0,64
	[ -f "$CG"/quietcore.slice/marker ]
}

@test "run --partition with systemd: COMMAND's scope is started in the slice, stopped at the end" {
	mkdir -p "$R"/run/systemd/system
	before=$(snapshot)
	run -0 "$EP" --root "$R" run --partition --housekeeping 0,64 -v -- sh -c 'echo "child $$"'
	pid=$(sed -n 's/^child //p' <<<"$output")
	[ -n "$pid" ]
	ops=$(grep -E '^op: unit' <<<"$output")
	assert_equal "$ops" "op: unit-start quietcore.slice AllowedCPUs=1-63,65-127 = 0
op: unit-start quietcore-run-$pid.scope Slice=quietcore.slice PID=$pid = 0
op: unit-stop quietcore-run-$pid.scope = 0
op: unit-stop quietcore.slice = 0"
	# the scope, slice and state file are gone; the tree is as it was
	[ ! -e "$CG"/quietcore.slice ]
	run -0 find "$R"/run/quietcore -name 'run.*.state'
	assert_output ""
	assert_equal "$(snapshot)" "$before"
}

@test "--partition --cpus beside CPUs isolated at boot: nothing moves onto those, and none left is refused" {
	echo "quiet isolcpus=managed_irq,domain,100-127 nohz_full=100-127" >"$R"/proc/cmdline
	echo 100-127 >"$R"/sys/devices/system/cpu/isolated
	run -0 "$EP" --root "$R" --save "$S" --partition --cpus 1-63 -v
	assert_line --partial "housekeeping 0,64-99 (from --cpus), isolated 1-63,100-127"
	# the partition is --cpus: over the boot-isolated CPUs too, 6.12 refuses it
	assert_equal "$(cat "$CG"/quietcore-isolated/cpuset.cpus)" 1-63
	# IRQ 0 may go anywhere, IRQ 4 on node 1: to the housekeeping CPUs left
	assert_equal "$(cat "$R"/proc/irq/0/smp_affinity_list)" 0,64-99
	assert_equal "$(cat "$R"/proc/irq/4/smp_affinity_list)" 64-99
	run -0 "$EP" --root "$R" --restore "$S"
	# the partition would take every CPU the boot left for housekeeping
	before=$(snapshot)
	run -1 "$EP" --root "$R" --save "$S" --partition --cpus 0-99
	assert_output --partial "--cpus 0-99 leaves no housekeeping CPU: the others are isolated at boot"
	assert_equal "$(snapshot)" "$before"
}

@test "--partition: a task whose mask is its cgroup's whole cpuset is left to the kernel, neither moved nor recorded; one with a mask of its own is" {
	# app (pid 200) runs in system.slice: its main thread has the whole
	# cpuset (0-127), app-worker 64-127 and app-pinned 5 masks of their own
	mkdir -p "$R"/run/systemd/system
	echo "0::/system.slice/app.service" >"$R"/proc/200/cgroup
	echo 0-127 >"$CG"/cpuset.cpus.effective
	before=$(snapshot)
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --partition -v
	assert_output --regexp 'tasks moved=[0-9]+ per-cpu=[0-9]+ by-cpuset=1 '
	run ! grep -q '^task 200 200 ' "$S"
	grep -q '^task 200 201 [0-9]* 64-127$' "$S"
	grep -q '^task 200 202 [0-9]* 5$' "$S"
	run ! grep -q '^op: setaffinity 200/200 ' <<<"$output"
	# the recording cgroupfs re-affines as the kernel does: the partition's
	# CPUs gone from the main thread, the others written by early-pin
	grep -qx 'Cpus_allowed_list:	0,64' "$R"/proc/200/task/200/status
	grep -qx 'Cpus_allowed_list:	64' "$R"/proc/200/task/201/status
	run -0 "$EP" --root "$R" --restore "$S"
	assert_equal "$(snapshot)" "$before"
}
