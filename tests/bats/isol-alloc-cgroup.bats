#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-alloc serve --cgroup on a fake root (the tree of isol-alloc.bats with
# a cgroup-v2 hierarchy as early-pin-partition.bats makes it): a grant with
# a pid gets a cgroup of its own holding its CPUs (cgroupfs, or systemd's
# slice and scope, simulated by the recording ops), the process moved there
# and back on release, on a replacing grant, after a SIGKILL and restart,
# and when the process is gone. Without cgroup v2 it records only and says
# so; a failure to enforce refuses the grant and changes nothing.

# shellcheck disable=SC2030,SC2031,SC2154
load helpers
load alloc-daemon
bats_require_minimum_version 1.5.0

POOL=1-7,9-15,17-23,25-31

setup_file() {
	topologies_dir >/dev/null
}

setup() {
	IA=$BUILD/isol-alloc
	R=$BATS_TEST_TMPDIR/root
	rm -rf "$R"
	cp -a "$(topologies_dir)/32intel64-2p8co2t+8ve" "$R"
	echo "$POOL" >"$R/sys/devices/system/cpu/isolated"
	mkdir -p "$R/proc/sys/kernel/random" "$R/proc/self" "$R/proc/4242"
	echo 6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f >"$R/proc/sys/kernel/random/boot_id"
	echo "4242 (svc) S 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 1000 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0" >"$R/proc/4242/stat"
	CG=$R/sys/fs/cgroup
	mkdir -p "$CG/system.slice"
	echo "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw" >"$R/proc/self/mountinfo"
	echo 6.1.0-27-amd64 >"$R/proc/sys/kernel/osrelease"
	echo "cpuset cpu io memory pids" >"$CG/cgroup.controllers"
	echo "cpu memory pids" >"$CG/cgroup.subtree_control"
	echo 1 >"$CG/cgroup.procs"
	echo 4242 >"$CG/system.slice/cgroup.procs"
	echo "0::/system.slice" >"$R/proc/4242/cgroup"
	S=$BATS_TEST_TMPDIR/s
	LOG=$BATS_TEST_TMPDIR/daemon.log
	# shellcheck disable=SC2034 # read by alloc-daemon.bash
	DPID=
}

teardown() {
	stop_daemon
}

# the cgroup tree and the process's /proc files, with contents
snapshot() {
	(cd "$R" && find sys/fs/cgroup proc/4242 | sort && grep -r '' sys/fs/cgroup proc/4242/cgroup | sort)
}

@test "--cgroup without systemd: the pid in a cgroup of its own holding its CPUs; release moves it back, the tree as it was" {
	before=$(snapshot)
	start_daemon --cgroup
	run -0 "$IA" request --socket "$S" --service nova --cpus 2 --pid 4242 --json
	assert_equal "$(jq -c '[.allocated_cores, .pid, .enforced]' <<<"$output")" '["1,17",4242,true]'
	d=$CG/quietcore-alloc-nova
	assert_equal "$(cat "$d/cpuset.cpus")" "1,17"
	assert_equal "$(cat "$d/cgroup.procs")" 4242
	assert_equal "$(cat "$R/proc/4242/cgroup")" "0::/quietcore-alloc-nova"
	assert_equal "$(cat "$CG/system.slice/cgroup.procs")" ""
	jq -e '.cgroups[0] | .service == "nova" and .dir == "/quietcore-alloc-nova" and .from == "/system.slice"' "$R/var/lib/quietcore/alloc.json"
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -c '[.enforced, .allocations[0].enforced]' <<<"$output")" '[true,true]'
	run -0 "$IA" release --socket "$S" --service nova
	[ ! -e "$d" ]
	assert_equal "$(snapshot)" "$before"
	jq -e '.cgroups == []' "$R/var/lib/quietcore/alloc.json"
}

@test "--cgroup below the cgroupfs partition; a replacing grant moves the pid to its new CPUs" {
	p=$CG/quietcore-isolated
	mkdir "$p"
	echo "cpuset cpu io memory pids" >"$p/cgroup.controllers"
	echo >"$p/cgroup.subtree_control" # the kernel prints an empty line
	: >"$p/cgroup.procs"
	echo 30-31 >"$p/cpuset.cpus"
	echo 30-31 >"$p/cpuset.cpus.effective"
	echo isolated >"$p/cpuset.cpus.partition"
	echo "cpuset cpu memory pids" >"$CG/cgroup.subtree_control"
	before=$(snapshot)
	start_daemon --cgroup
	run -0 "$IA" request --socket "$S" --service nova --cpus 2 --pid 4242
	assert_equal "$(cat "$p/alloc-nova/cgroup.procs")" 4242
	assert_equal "$(cat "$p/alloc-nova/cpuset.cpus")" "1,17"
	run -0 "$IA" request --socket "$S" --service nova --cpus 4 --pid 4242
	assert_equal "$(cat "$p/alloc-nova/cpuset.cpus")" "1-2,17-18"
	assert_equal "$(cat "$R/proc/4242/cgroup")" "0::/quietcore-isolated/alloc-nova"
	run -0 "$IA" release --socket "$S" --service nova
	assert_equal "$(snapshot)" "$before"
}

@test "--cgroup with systemd: a slice with AllowedCPUs= and a scope holding the pid; release stops them" {
	mkdir -p "$R/run/systemd/system"
	before=$(snapshot)
	start_daemon --cgroup
	run -0 "$IA" request --socket "$S" --service nova-c --cpus 2 --pid 4242
	sl=$CG/quietcore_alloc_nova_2dc.slice
	assert_equal "$(cat "$sl/cpuset.cpus")" "1,17"
	assert_equal "$(cat "$sl/quietcore-alloc-nova_2dc.scope/cgroup.procs")" 4242
	assert_equal "$(cat "$R/proc/4242/cgroup")" "0::/quietcore_alloc_nova_2dc.slice/quietcore-alloc-nova_2dc.scope"
	run -0 "$IA" release --socket "$S" --service nova-c
	[ ! -e "$sl" ]
	assert_equal "$(snapshot)" "$before"
}

@test "--cgroup: a daemon SIGKILLed after a grant undoes it on release after restart; a pid gone is undone on start" {
	before=$(snapshot)
	start_daemon --cgroup
	run -0 "$IA" request --socket "$S" --service nova --cpus 2 --pid 4242
	stop_daemon -KILL
	start_daemon --cgroup
	assert_equal "$(cat "$CG/quietcore-alloc-nova/cgroup.procs")" 4242
	run -0 "$IA" release --socket "$S" --service nova
	assert_equal "$(snapshot)" "$before"
	# the process is gone while the daemon is down: the cgroup goes on start
	run -0 "$IA" request --socket "$S" --service nova --cpus 2 --pid 4242
	stop_daemon -KILL
	rm "$R/proc/4242/stat"
	: >"$CG/quietcore-alloc-nova/cgroup.procs" # the kernel: an exited task leaves
	start_daemon --cgroup
	[ ! -e "$CG/quietcore-alloc-nova" ]
	grep -q 'nova: grant released: pid 4242 is gone' "$LOG"
	jq -e '.cgroups == [] and .grants == []' "$R/var/lib/quietcore/alloc.json"
}

@test "--cgroup without cgroup v2: said once at start, grants recorded only" {
	rm "$R/proc/self/mountinfo" "$CG/cgroup.controllers"
	start_daemon --cgroup
	[ "$(grep -c 'no cgroup v2' "$LOG")" = 1 ]
	run -0 "$IA" request --socket "$S" --service nova --cpus 2 --pid 4242 --json
	assert_equal "$(jq -c '[.allocated_cores, .enforced]' <<<"$output")" '["1,17",false]'
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -c '[.enforced, .allocations[0].enforced]' <<<"$output")" '[false,false]'
	[ ! -e "$CG/quietcore-alloc-nova" ]
}

@test "--cgroup: a failure to enforce refuses the grant with the file and the reason, and changes nothing" {
	start_daemon --cgroup
	before=$(snapshot)
	echo EIO >"$CG/quietcore-alloc-nova.mkdir.cpuset.cpus.errno"
	run -1 "$IA" request --socket "$S" --service nova --cpus 2 --pid 4242
	assert_output "isol-alloc: Failed to enforce the grant of nova: $R/sys/fs/cgroup/quietcore-alloc-nova/cpuset.cpus: Input/output error"
	rm "$CG/quietcore-alloc-nova.mkdir.cpuset.cpus.errno"
	assert_equal "$(snapshot)" "$before"
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -c '.allocations' <<<"$output")" '[]'
	jq -e '.cgroups == [] and .grants == []' "$R/var/lib/quietcore/alloc.json"
	# systemd refusing the scope: the slice stopped again
	mkdir -p "$R/run/systemd/system" "$R/run/systemd/qc-fake-refuse"
	stop_daemon
	start_daemon --cgroup
	echo "Access denied" >"$R/run/systemd/qc-fake-refuse/quietcore-alloc-nova.scope"
	run -1 "$IA" request --socket "$S" --service nova --cpus 2 --pid 4242
	assert_output "isol-alloc: Failed to enforce the grant of nova: quietcore-alloc-nova.scope: Operation not permitted: Access denied"
	assert_equal "$(snapshot)" "$before"
}
