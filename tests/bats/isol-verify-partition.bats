#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-verify and run-time isolation (issue 16): the isolated fake root of
# isol-verify.bats (tests/fixtures/verify/isolated, 4 CPUs) given a cgroup-v2
# hierarchy with an isolated partition, as early-pin --partition makes it,
# on a host booted with or without isolation on the command line.

# bats sets $output/$stderr in `run`, inside each test's own subshell
# shellcheck disable=SC2030,SC2031,SC2154
load helpers
bats_require_minimum_version 1.5.0

P=quietcore-isolated.slice
CG=/sys/fs/cgroup

setup() {
	IV=$BUILD/isol-verify
	R=$BATS_TEST_TMPDIR/root
	rm -rf "$R"
	cp -a "$QC_TOP/tests/fixtures/verify/isolated" "$R"
	chmod 0444 "$R"/proc/irq/{26,27}/smp_affinity{,_list}
}

status_of() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' <<<"$output"
}

message_of() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) | .message' <<<"$output"
}

problems_of() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) | .details.problems[]?.message' <<<"$output"
}

detail_of() { # detail_of ID KEY
	jq -r --arg id "$1" --arg k "$2" '.checks[] | select(.id == $id) | .details[$k]' <<<"$output"
}

# the checks whose status is not ok or skipped, "id:status" joined by commas
not_ok() {
	jq -r '[.checks[] | select(.status != "ok" and .status != "skipped") | "\(.id):\(.status)"] | join(",")' <<<"$output"
}

verify() {
	run --separate-stderr timeout 10 "$IV" --root "$R" --json "$@"
	jq -e . >/dev/null <<<"$output" || {
		echo "invalid JSON (exit $status): $output $stderr"
		return 1
	}
}

# cgroup_v2 OSRELEASE: a unified cgroup-v2 hierarchy with the cpuset controller
# enabled, as systemd mounts it, on that kernel; systemd's slices are members
# with an empty cpuset.cpus. From 6.8 the root has cpuset.cpus.isolated and the
# workqueues their cpumask_isolated.
cgroup_v2() {
	echo "$1" >"$R/proc/sys/kernel/osrelease"
	mkdir -p "$R/proc/self" "$R$CG"
	cat >"$R/proc/self/mountinfo" <<-EOF
		22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
		23 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
		35 23 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
	EOF
	echo "cpuset cpu io memory pids" >"$R$CG/cgroup.controllers"
	echo "cpuset cpu io memory pids" >"$R$CG/cgroup.subtree_control"
	echo 2 >"$R$CG/cgroup.procs"
	case $1 in
	6.[0-7].* | [1-5].*) ;;
	*)
		echo >"$R$CG/cpuset.cpus.isolated"
		echo 0 >"$R/sys/devices/virtual/workqueue/cpumask_isolated"
		echo f >"$R/sys/devices/virtual/workqueue/cpumask_requested"
		;;
	esac
	cgroup init.scope member "" 0-1
	cgroup system.slice member "" 0-1
}

# cgroup NAME PARTITION CPUS EFFECTIVE: a top-level cgroup with cpuset files
cgroup() {
	local d=$R$CG/$1
	mkdir -p "$d"
	echo "cpuset cpu io memory pids" >"$d/cgroup.controllers"
	: >"$d/cgroup.procs"
	echo "$2" >"$d/cpuset.cpus.partition"
	echo "$3" >"$d/cpuset.cpus"
	echo "$4" >"$d/cpuset.cpus.effective"
}

# partition CPUS [TEXT [EFFECTIVE]]: the isolated partition $P holding CPUS,
# reading back TEXT; a valid one is in the root's cpuset.cpus.isolated (6.8+)
partition() {
	cgroup "$P" "${2:-isolated}" "$1" "${3:-$1}"
	if [ -e "$R$CG/cpuset.cpus.isolated" ] && [ "${2:-isolated}" = isolated ]; then
		echo "$1" >"$R$CG/cpuset.cpus.isolated"
		# the kernel takes them out of the unbound workqueues' mask itself
		printf '%x\n' "$(($(cpus_mask "$1")))" >"$R/sys/devices/virtual/workqueue/cpumask_isolated"
	fi
}

cpus_mask() { # cpus_mask LIST: "2-3" -> 12 (small lists only)
	local m=0 a b c
	for r in ${1//,/ }; do
		a=${r%-*} b=${r#*-}
		for ((c = a; c <= b; c++)); do m=$((m | 1 << c)); done
	done
	echo "$m"
}

# boot_without_isolation: the same host booted with a plain command line (no
# isolcpus=, nohz_full=, rcu_nocbs=: no offload threads, nothing in sysfs)
boot_without_isolation() {
	echo "BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-cloud-amd64 root=UUID=0b2c7e9e-1f0a-4a8e-9d4e-1c2a3b4c5d6e ro quiet" >"$R/proc/cmdline"
	echo >"$R/sys/devices/system/cpu/isolated"
	echo >"$R/sys/devices/system/cpu/nohz_full"
	rm -r "$R"/proc/{15,16,17}
	grep -v -e 'Command line' -e 'Offload RCU' -e 'NO_HZ' "$QC_TOP/tests/fixtures/verify/isolated/dev/kmsg" >"$R/dev/kmsg"
}

USER_FLAGS=4194560	# 0x400100
KTHREAD_FLAGS=2129984	# 0x208040: a movable kthread
PERCPU_FLAGS=69238848	# 0x4208040: PF_NO_SETAFFINITY

# add_task PID COMM FLAGS CPU ALLOWED [CGROUP]
add_task() {
	local d=$R/proc/$1/task/$1
	mkdir -p "$d"
	echo "$1 ($2) S 1 $1 $1 0 -1 $3 100 0 0 0 10 5 0 0 20 0 1 0 5000 1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 $4 0 0 0 0 0" >"$d/stat"
	cp "$d/stat" "$R/proc/$1/stat"
	printf 'Name:\t%s\nCpus_allowed_list:\t%s\n' "$2" "$5" >"$d/status"
	[ $# -lt 6 ] || printf '0::%s\n' "$6" >"$R/proc/$1/cgroup"
}

# runtime_only: CPUs 2-3 isolated by the partition only, its workload inside it
runtime_only() {
	boot_without_isolation
	both "$@"
}

# both: CPUs 2-3 isolated at boot and by the partition, its workload inside it
both() {
	cgroup_v2 "${1:-6.1.0-13-cloud-amd64}"
	partition 2-3
	add_task 1000 bench "$USER_FLAGS" 2 2-3 "/$P/run-bench.scope"
}

# --- a valid partition on a host booted without isolation -----------------------

@test "runtime only: the partition's CPUs are expected isolated; OK but for the three run-time WARNINGs, exit 1" {
	runtime_only
	verify --interval 0.2
	[ "$status" -eq 1 ] || fail "exit $status: $(not_ok)"
	[ "$(not_ok)" = partition:warning ]
	[ "$(jq -r .plan.isolation <<<"$output")" = runtime ]
	[ "$(jq -r .plan.isolated <<<"$output")" = 2-3 ]
	[ "$(jq -r .plan.housekeeping <<<"$output")" = 0-1 ]
	[ "$(jq -r .plan.boot_isolated <<<"$output")" = "" ]
	[ "$(jq -r .plan.runtime_isolated <<<"$output")" = 2-3 ]
	[ "$(jq -r '.plan.partitions | join(",")' <<<"$output")" = "/$P" ]
	[ "$(jq '.checks | length' <<<"$output")" -eq 16 ]
	# the three WARNINGs, each with its reason and the partition
	[ "$(problems_of partition | wc -l)" -eq 3 ]
	problems_of partition | grep -qx "the scheduler tick keeps running on CPUs 2-3, isolated at run time by partition /$P: nohz_full= is boot-only.*"
	problems_of partition | grep -qx "RCU callbacks still run on CPUs 2-3, isolated at run time by partition /$P: rcu_nocbs= is boot-only.*"
	problems_of partition | grep -qx "managed IRQs (multi-queue devices) may still be routed to CPUs 2-3, isolated at run time by partition /$P: managed-IRQ steering is boot-only.*"
	[ "$(detail_of partition summary)" = "CPUs 2-3 isolated at run time by partition /$P" ]
	[ "$(detail_of partition isolation)" = runtime ]
	[ "$(detail_of partition cgroup)" = unified ]
	jq -e --arg f "$R$CG/$P/cpuset.cpus.partition" '.checks[] | select(.id == "partition") | .details.partitions == [{"name": "/quietcore-isolated.slice", "file": $f, "type": "isolated", "valid": true, "reason": null, "cpus": "2-3", "effective": "2-3"}]' <<<"$output"
	# the command line isolates nothing and need not: ok, saying why
	[ "$(message_of cmdline)" = "the kernel command line isolates no CPU: CPUs 2-3 are isolated at run time only, by partition /$P (see the partition check)" ]
	[ "$(status_of kernel)" = skipped ]
	# the other checks judge CPUs 2-3 as they judge boot-isolated ones
	for id in irq-affinity irq-activity tasks rcu workqueue services frequency; do
		[ "$(status_of $id)" = ok ] || fail "$id: $(status_of $id): $(message_of $id)"
	done
	[ "$(detail_of tasks partition_workload_threads)" -eq 1 ]
	[[ "$(detail_of partition unbound_workqueues)" == "not excluded by this kernel (before 6.8)"* ]]
}

@test "runtime only: the table and Prometheus say how the CPUs are isolated" {
	runtime_only
	run -1 "$IV" --root "$R" --interval 0
	[ "${lines[0]}" = "ISOL-VERIFY WARNING: 0 critical, 1 warning, 0 unknown, 8 ok, 7 skipped; isolated 2-3 (at run time by /$P), housekeeping 0-1" ]
	# nothing on the command line for the kernel check to judge
	assert_line --regexp "^kernel +skipped +no CPU is isolated on the command line"
	assert_line --regexp "^partition +warning +the scheduler tick keeps running on CPUs 2-3"
	run -1 --separate-stderr "$IV" --root "$R" --interval 0 --prometheus
	assert_line 'isol_verify_check_status{check="partition"} 1'
	assert_line 'isol_verify_isolation{isolation="runtime"} 1'
	assert_line 'isol_verify_runtime_isolated_cpus 2'
	assert_line 'isol_verify_isolated_cpus 2'
	assert_line "isol_verify_partition_valid{partition=\"/$P\"} 1"
	assert_line "isol_verify_partition_cpus{partition=\"/$P\"} 2"
	# shellcheck disable=SC2016 # an awk program, not shell
	run -0 awk '!/^# (HELP|TYPE) / && !/^[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? -?[0-9.e+]+$/ { print "bad: " $0; bad = 1 } END { exit bad }' <<<"$output"
}

@test "runtime only: what the partition leaves on its CPUs is found as on boot-isolated ones" {
	runtime_only
	# an IRQ still routed there, a default affinity reaching it, unbound workqueues
	echo 2 >"$R/proc/irq/24/effective_affinity_list"
	echo 2-3 >"$R/proc/irq/24/smp_affinity_list" # asked for there too: not a pending move
	echo f >"$R/proc/irq/default_smp_affinity"
	echo f >"$R/sys/devices/virtual/workqueue/cpumask"
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of irq-affinity)" = critical ]
	problems_of irq-affinity | grep -q "^IRQ 24 (eth0-rx-0) is routed to isolated CPUs 2 "
	problems_of irq-affinity | grep -q "default_smp_affinity (0-3) reaches isolated CPUs"
	# 6.1 does not keep unbound workqueues off a partition: early-pin must
	[ "$(status_of workqueue)" = critical ]
	[[ "$(message_of workqueue)" == "unbound workqueues may run on CPUs 2-3 isolated at run time: this kernel (before 6.8) does not keep them off a partition, early-pin must;"* ]]
	# 6.12 keeps them off by itself (cpumask_isolated): the mask it shows excludes them
	setup
	runtime_only 6.12.38+deb13-cloud-amd64
	verify --interval 0
	[ "$status" -eq 1 ] || fail "6.12: exit $status: $(not_ok)"
	[ "$(detail_of workqueue unbound_cpumask_isolated)" = 2-3 ]
	[[ "$(detail_of partition unbound_workqueues)" == "excluded from the partitions by the kernel (6.8+)" ]]
	[ "$(detail_of partition root_cpus_isolated_cpus)" = 2-3 ]
}

# --- invalid -------------------------------------------------------------------------

@test "an invalid partition is CRITICAL, naming the file and quoting the kernel's reason" {
	boot_without_isolation
	cgroup_v2 6.1.0-13-cloud-amd64
	partition 2-3 "isolated invalid (Cpu list in cpuset.cpus not exclusive)" 0-3
	cgroup other.slice member 1-2 1-2
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of partition)" = critical ]
	[ "$(message_of partition)" = "$R$CG/$P/cpuset.cpus.partition reads \"isolated invalid (Cpu list in cpuset.cpus not exclusive)\": partition /$P isolates nothing, CPUs 2-3 (its cpuset.cpus) are not isolated: another cgroup's cpuset.cpus (systemd: AllowedCPUs=) holds some of its CPUs; fix that and make the partition again (early-pin --partition)" ]
	# its CPUs are not isolated: nothing is, and the verdict says so
	[ "$(jq -r .plan.isolation <<<"$output")" = none ]
	[ "$(jq -r .plan.isolated <<<"$output")" = "" ]
	[ "$(status_of cmdline)" = critical ]
	jq -e '.checks[] | select(.id == "partition") | .details.partitions[0] | .valid == false and .reason == "Cpu list in cpuset.cpus not exclusive" and .cpus == "2-3"' <<<"$output"
	run -2 --separate-stderr "$IV" --root "$R" --interval 0 --prometheus
	assert_line "isol_verify_partition_valid{partition=\"/$P\"} 0"
	assert_line "isol_verify_partition_cpus{partition=\"/$P\"} 0"
}

@test "an invalid partition beside boot isolation: 6.12's reason quoted, the boot isolation still judged" {
	cgroup_v2 6.12.38+deb13-cloud-amd64
	partition 2-3 "isolated invalid (partition config conflicts with housekeeping setup)" 0-3
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(not_ok)" = partition:critical ]
	[[ "$(message_of partition)" == "$R$CG/$P/cpuset.cpus.partition reads \"isolated invalid (partition config conflicts with housekeeping setup)\": "*"its CPUs conflict with the boot-time isolation (isolcpus=, nohz_full=)"* ]]
	[ "$(jq -r .plan.isolation <<<"$output")" = boot ]
}

# --- tasks -----------------------------------------------------------------------------

@test "a task outside the partition allowed on its CPUs is CRITICAL, naming it and its cgroup" {
	runtime_only
	add_task 1001 stray "$USER_FLAGS" 1 0-3 /system.slice/stray.service
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of tasks)" = critical ]
	[ "$(message_of tasks)" = "process 1001 (stray) of cgroup /system.slice/stray.service may run on CPUs 2-3 isolated at run time by partition /$P but is not in it: run early-pin, or move it into the partition if it is the workload" ]
	jq -e '.checks[] | select(.id == "tasks") | .details.outside_partition == [{"pid": 1001, "tid": 1001, "comm": "stray", "kthread": false, "allowed": "0-3", "cpu": 1, "cgroup": "/system.slice/stray.service"}]' <<<"$output"
	[ "$(detail_of tasks outside_partition_threads)" -eq 1 ]
	# still the workload: the task inside
	[ "$(detail_of tasks partition_workload_threads)" -eq 1 ]
}

@test "tasks and the partition: kthreads of the root cgroup, per-CPU kthreads, threads, --allow" {
	runtime_only
	# a movable kthread of the root cgroup allowed there: named
	add_task 60 khugepaged "$KTHREAD_FLAGS" 0 0-3 /
	# a per-CPU kthread there: reported, not blamed (as today)
	add_task 61 ksoftirqd/3 "$PERCPU_FLAGS" 3 3 /
	# a second thread of the workload: the process's cgroup counts
	mkdir -p "$R/proc/1000/task/1002"
	sed 's/^1000 (bench)/1002 (bench-w)/' "$R/proc/1000/task/1000/stat" >"$R/proc/1000/task/1002/stat"
	printf 'Name:\tbench-w\nCpus_allowed_list:\t3\n' >"$R/proc/1000/task/1002/status"
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(message_of tasks)" = "kthread 60 (khugepaged) of cgroup / may run on CPUs 2-3 isolated at run time by partition /$P but is not in it: run early-pin, or move it into the partition if it is the workload" ]
	[ "$(problems_of tasks | grep -c 'is not in it')" -eq 1 ]
	[ "$(detail_of tasks partition_workload_threads)" -eq 2 ]
	# beside the fixture's ksoftirqd/3 and kworker/3:0
	[ "$(jq -r '.checks[] | select(.id == "tasks") | .details.percpu_kthreads_on_isolated["3"] | join(",")' <<<"$output")" = "ksoftirqd/3,kworker/3:0-mm_percpu_wq,ksoftirqd/3" ]
	# in a partition of CPU 3, allowed on boot-isolated CPU 2 too: not its own, movable as before
	setup
	both
	partition 3
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(not_ok)" = tasks:critical ]
	[[ "$(message_of tasks)" == "process 1000 (bench) is pinned to isolated CPUs 2-3: if it is the workload, name it with --allow 'bench'"* ]]
	[ "$(detail_of tasks partition_workload_threads)" -eq 0 ]
	# --allow still names the workload as before
	verify --interval 0 --allow bench
	[ "$status" -eq 0 ] || fail "exit $status: $(not_ok)"
}

@test "a task whose cgroup cannot be read is unknown, naming the file" {
	both
	add_task 1001 stray "$USER_FLAGS" 1 0-3
	verify --interval 0
	[ "$status" -eq 3 ] || fail "exit $status: $(not_ok)"
	[ "$(status_of tasks)" = unknown ]
	[ "$(message_of tasks)" = "cannot tell whether process 1001 (stray) may use a partition's CPUs: $R/proc/1001/cgroup: No such file or directory" ]
	echo "1:cpuset:/" >"$R/proc/1001/cgroup"
	verify --interval 0
	[ "$status" -eq 3 ]
	[[ "$(message_of tasks)" == *"$R/proc/1001/cgroup: no cgroup-v2 (\"0::\") line" ]]
	mkfifo "$R/proc/1001/cgroup.fifo" && mv "$R/proc/1001/cgroup.fifo" "$R/proc/1001/cgroup"
	verify --interval 0
	[ "$status" -eq 3 ]
	[ "$(message_of tasks)" = "cannot tell whether process 1001 (stray) may use a partition's CPUs: $R/proc/1001/cgroup: not a regular file" ]
}

# --- boot and run time -------------------------------------------------------------

@test "a partition and boot isolation: both; no run-time WARNING where the command line gives it" {
	both
	verify --interval 0.2
	[ "$status" -eq 0 ] || fail "exit $status: $(not_ok)"
	[ "$(jq -r .plan.isolation <<<"$output")" = both ]
	[ "$(message_of partition)" = "CPUs 2-3 isolated at run time by partition /$P and at boot" ]
	[ "$(detail_of partition tick_running)" = "" ]
	run -0 "$IV" --root "$R" --interval 0
	[[ "${lines[0]}" == *"isolated 2-3 (at boot and at run time by /$P), housekeeping 0-1" ]]
}

@test "boot isolation of CPU 2, a partition of 2-3: the WARNINGs name CPU 3 only" {
	echo "BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-cloud-amd64 ro quiet isolcpus=domain,managed_irq,2 nohz_full=2 rcu_nocbs=2 irqaffinity=0-1,3" >"$R/proc/cmdline"
	echo 2 >"$R/sys/devices/system/cpu/isolated"
	echo 2 >"$R/sys/devices/system/cpu/nohz_full"
	rm -r "$R/proc/17" # no rcuop/3
	cgroup_v2 6.1.0-13-cloud-amd64
	partition 2-3
	verify --interval 0
	[ "$status" -eq 1 ] || fail "exit $status: $(not_ok)"
	[ "$(not_ok)" = partition:warning ]
	[ "$(jq -r .plan.isolation <<<"$output")" = both ]
	[ "$(jq -r .plan.boot_isolated <<<"$output")" = 2 ]
	[ "$(detail_of partition summary)" = "CPUs 2 isolated at run time by partition /$P and at boot; CPUs 3 isolated at run time by partition /$P" ]
	[ "$(problems_of partition | wc -l)" -eq 3 ]
	[ "$(problems_of partition | grep -c 'on CPUs 3, isolated at run time\|to CPUs 3, isolated at run time')" -eq 3 ]
	[ "$(status_of rcu)" = ok ]
}

# --- no partition: today's behaviour ------------------------------------------------

@test "cgroup v1 only, or the hybrid layout with cpuset on v1: no partition, every other check as before" {
	local before
	verify --interval 0
	[ "$status" -eq 0 ]
	before=$(jq -c '[.checks[] | select(.id != "partition") | {id, status, message}]' <<<"$output")
	[ "$(status_of partition)" = skipped ]
	# v1 only
	mkdir -p "$R/proc/self" "$R$CG/cpuset"
	cat >"$R/proc/self/mountinfo" <<-EOF
		24 1 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
		27 24 0:24 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpuset
	EOF
	echo 0-3 >"$R$CG/cpuset/cpuset.cpus"
	verify --interval 0
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.checks[] | select(.id != "partition") | {id, status, message}]' <<<"$output")" = "$before" ]
	[ "$(message_of partition)" = "no cgroup-v2 hierarchy (cgroup v1 only): CPUs 2-3 are isolated at boot only" ]
	[ "$(jq -r .plan.isolation <<<"$output")" = boot ]
	# hybrid: cgroup2 at /sys/fs/cgroup/unified, no controller on it
	echo "26 24 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate" >>"$R/proc/self/mountinfo"
	mkdir -p "$R$CG/unified"
	: >"$R$CG/unified/cgroup.controllers"
	: >"$R$CG/unified/cgroup.subtree_control"
	echo 1 >"$R$CG/unified/cgroup.procs"
	verify --interval 0
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.checks[] | select(.id != "partition") | {id, status, message}]' <<<"$output")" = "$before" ]
	[ "$(status_of partition)" = skipped ]
	[ "$(detail_of partition cgroup)" = hybrid ]
	# and without isolation at boot either, nothing is isolated: critical as before
	boot_without_isolation
	verify --interval 0
	[ "$status" -eq 2 ]
	[[ "$(message_of cmdline)" == "no CPU is isolated:"* ]]
}

@test "cgroup v2 without a partition (only member slices): skipped, as before" {
	cgroup_v2 6.12.38+deb13-cloud-amd64
	verify --interval 0
	[ "$status" -eq 0 ] || fail "exit $status: $(not_ok)"
	[ "$(message_of partition)" = "no valid isolated cgroup-v2 partition: CPUs 2-3 are isolated at boot only" ]
	[ "$(jq -r .plan.isolation <<<"$output")" = boot ]
}

# --- unreadable ---------------------------------------------------------------------

@test "an unreadable cpuset.cpus.partition is UNKNOWN naming the file, never a silent pass" {
	local kind f=$CG/$P/cpuset.cpus.partition
	for kind in dir fifo garbage; do
		setup
		runtime_only
		rm "$R$f"
		case $kind in
		dir) mkdir "$R$f" ;;
		fifo) mkfifo "$R$f" ;;
		garbage) echo "isolated-ish" >"$R$f" ;;
		esac
		verify --interval 0
		[ "$status" -eq 3 ] || fail "$kind: exit $status: $(not_ok)"
		[ "$(status_of partition)" = unknown ] || fail "$kind: $(status_of partition)"
		[[ "$(message_of partition)" == "cannot read $R$f: "*": whether CPUs are isolated at run time is unknown" ]] ||
			fail "$kind: $(message_of partition)"
		# nothing is claimed about the command line's absence of isolation either
		[ "$(status_of cmdline)" = skipped ] || fail "$kind: cmdline $(status_of cmdline)"
	done
	# beside boot isolation the boot checks still run, and the verdict is still UNKNOWN
	setup
	cgroup_v2 6.12.38+deb13-cloud-amd64
	partition 2-3
	echo "2-x" >"$R$CG/cpuset.cpus.isolated"
	verify --interval 0
	[ "$status" -eq 3 ]
	[ "$(not_ok)" = partition:unknown ]
	[[ "$(message_of partition)" == "cannot read $R$CG/cpuset.cpus.isolated: "* ]]
}
