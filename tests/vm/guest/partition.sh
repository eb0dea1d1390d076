# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# Run-time isolation in a guest booted with systemd and no isolation on the
# command line, sourced by qc-driver after tables.sh (tests/vm/partition.bats).
# Boot 1 runs Debian 12's 6.1; then Debian's 6.12 is installed and boot 2
# runs it (a reboot from 6.12 into 6.1 hung in QEMU before the kernel's
# first line, so the order is the one the provisioning drills use). On each: early-pin --save --partition
# --cpus 2-3, the state it leaves, systemctl daemon-reload, --restore, then
# run --partition, and a run SIGKILLed and restored. Then boot 3 (6.12):
# the boot unit's partition beside a boot-isolated CPU, the jitter probe
# on a partition CPU, a boot-isolated one and an untouched one, and
# isol-alloc (--cgroup) moving a process to the CPU it granted and back, then
# granting the two; boot 4 (no partition): the grants reconciled.
# The host compares.
SLICE=/sys/fs/cgroup/quietcore.slice

# the cgroup files a partition touches, and which top-level cgroups exist
cg_files() {
	for _f in /sys/fs/cgroup/cgroup.subtree_control /sys/fs/cgroup/*/cpuset.cpus \
		/sys/fs/cgroup/*/cpuset.cpus.partition; do
		[ -r "$_f" ] && echo "$_f $(cat "$_f")"
	done
	for _d in /sys/fs/cgroup/*/; do
		echo "dir $_d"
	done
}

# snap NAME: everything --restore must give back, as sections NAME-*
snap() {
	qc_section "$1-cg"
	cg_files >&3
	qc_section "$1-tasks"
	tasks >&3
	qc_section "$1-irqs"
	irqs >&3
	qc_section "$1-wq"
	cat /sys/devices/virtual/workqueue/cpumask >&3
	qc_section "$1-default"
	cat /proc/irq/default_smp_affinity >&3
}

# the scheduler domains of each CPU (/proc/schedstat's domainN lines after
# each cpuN line): none on an isolated partition's CPUs
domains() {
	awk '/^cpu[0-9]/ { c = $1; n[c] = 0; next } /^domain[0-9]/ { n[c]++ }
		END { for (c in n) print c, n[c] }' /proc/schedstat | sort
}

# wait_for COND SECONDS: until the shell condition holds
wait_for() {
	_i=0
	until eval "$1"; do
		_i=$((_i + 1))
		[ "$_i" -le "$2" ] || return 1
		sleep 1
	done
}

part_cycle() {
	qc_run uname uname -r
	qc_run domains-before domains
	snap before
	qc_run save-start cut -d' ' -f1 /proc/uptime
	qc_run save early-pin --save part --partition --cpus 2-3
	qc_run save-end cut -d' ' -f1 /proc/uptime
	qc_run save-journal sh -c 'journalctl -b -o short-monotonic --no-pager -n 30 | grep -v qc-driver'
	qc_run partition cat "$SLICE/cpuset.cpus.partition"
	qc_run effective cat "$SLICE/cpuset.cpus.effective"
	qc_run unit systemctl show -p ActiveState -p ControlGroup -p AllowedCPUs quietcore.slice
	qc_run domains domains
	snap saved
	qc_run verify isol-verify --json
	qc_run reload systemctl daemon-reload
	sleep 2
	qc_run partition-reloaded cat "$SLICE/cpuset.cpus.partition"
	snap reloaded
	qc_run restore early-pin --restore part
	snap restored
	qc_run restore-again early-pin --restore part

	# COMMAND in the partition: its CPUs and its cgroup
	qc_run run early-pin run --partition --cpus 2-3 -- \
		sh -c 'grep Cpus_allowed_list /proc/self/status; cat /proc/self/cgroup'
	snap after-run

	# a run SIGKILLed: its state file restores
	early-pin run --partition --cpus 2-3 -- sleep 600 >/run/qc-killed.out 2>&1 &
	_ep=$!
	wait_for "[ \"\$(cat $SLICE/cpuset.cpus.partition 2>/dev/null)\" = isolated ] && ls -d $SLICE/quietcore-run-*.scope >/dev/null 2>&1" 120
	qc_run killed-partition cat "$SLICE/cpuset.cpus.partition"
	kill -9 "$_ep"
	wait "$_ep"
	qc_run killed-restore early-pin --restore "run.$_ep.state"
	snap after-kill
}

case $QC_BOOT in
1)
	part_cycle
	# boot 2: Debian's 6.12 (the host attaches its .deb as /dev/vdb and
	# prepends QC_DEB_SIZE); its postinst runs dracut and update-grub, and
	# GRUB boots the newest kernel
	head -c "$QC_DEB_SIZE" /dev/vdb >/run/new-kernel.deb
	qc_run dpkg dpkg -i /run/new-kernel.deb
	rm -f /run/new-kernel.deb
	qc_reboot
	;;
2)
	part_cycle
	# boot 3: CPU 3 isolated on the command line (cmdline-gen --apply), CPU 2
	# by quietcore-partition.service early in boot (cmdline-gen --apply
	# --runtime), CPU 1 untouched: the unit, and the jitter of the three
	qc_run apply-boot cmdline-gen --apply --isolate 3
	qc_run apply-runtime cmdline-gen --apply --runtime --isolate 2
	# a hang at boot panics within minutes, the blocked tasks' stacks
	# on the console (the host then fails on the unexpected boot),
	# instead of waiting out the timeout
	mkdir -p /etc/default/grub.d
	# shellcheck disable=SC2016 # update-grub expands it
	echo 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT ignore_loglevel hung_task_panic=1 panic=5"' \
		>/etc/default/grub.d/zz-qc-hung-task.cfg
	qc_run update-grub update-grub
	qc_reboot
	;;
3)
	qc_run uname uname -r
	qc_run unit-service systemctl show -p ActiveState -p Result quietcore-partition.service
	qc_run unit-journal sh -c 'journalctl -b -o short-monotonic --no-pager -u quietcore-partition.service | grep early-pin'
	qc_run partition cat "$SLICE/cpuset.cpus.partition"
	qc_run effective cat "$SLICE/cpuset.cpus.effective"
	qc_run domains domains
	snap saved
	qc_run verify isol-verify --json
	# the same probe and duration on each; CPU 2 belongs to the partition's
	# cpuset, so its probe runs in a scope of the slice, as a workload would
	qc_run jitter-1 isol-verify --json --jitter=5 --jitter-cpus 1
	qc_run jitter-2 systemd-run --quiet --scope --slice=quietcore.slice \
		isol-verify --json --jitter=5 --jitter-cpus 2
	qc_run jitter-3 isol-verify --json --jitter=5 --jitter-cpus 3
	# isol-alloc over the activated socket (issue 17): the pool is CPU 3
	# (isolcpus) and CPU 2 (the unit's partition); two services get one
	# each, a third finds none. Boot 4 has no partition: reconciled there.
	# --cgroup under the real systemd: the shipped unit mounts /sys, and so
	# the cgroup tree, read-only and has no capability; isol-alloc(8) says
	# what a drop-in opens (moving a root process back into its cpuset
	# needs CAP_SYS_NICE)
	mkdir -p /etc/systemd/system/isol-alloc.service.d
	printf '%s\n' '[Service]' 'ProtectControlGroups=no' 'ProtectKernelTunables=no' \
		'CapabilityBoundingSet=CAP_SYS_NICE' >/etc/systemd/system/isol-alloc.service.d/qc-cgroup.conf
	echo 'ISOL_ALLOC_ARGS=--cgroup' >/etc/default/isol-alloc
	systemctl daemon-reload
	qc_run alloc-enable systemctl enable --now isol-alloc.socket
	# a grant bound to a process: the process in a scope of its own with
	# exactly the grant's CPU; released: back where it was, the units gone
	sleep 600 &
	_sp=$!
	qc_run pin-before sh -c "grep Cpus_allowed_list /proc/$_sp/status; cat /proc/$_sp/cgroup"
	qc_run alloc-p isol-alloc request --service svc-p --cpus 1 --pid "$_sp" --json
	qc_run pin-granted sh -c "grep Cpus_allowed_list /proc/$_sp/status; cat /proc/$_sp/cgroup"
	qc_run alloc-p-release isol-alloc release --service svc-p --json
	qc_run pin-after sh -c "grep Cpus_allowed_list /proc/$_sp/status; cat /proc/$_sp/cgroup"
	qc_run pin-left sh -c 'ls -d /sys/fs/cgroup/quietcore.slice/quietcore-alloc* 2>/dev/null; systemctl list-units --all --plain --no-legend "quietcore-alloc*"'
	kill "$_sp"
	qc_run alloc-a isol-alloc request --service svc-a --cpus 1 --json
	qc_run alloc-b isol-alloc request --service svc-b --cpus 1 --json
	qc_run alloc-c isol-alloc request --service svc-c --cpus 1 --json
	qc_run alloc-list isol-alloc list --json
	qc_run alloc-active systemctl is-active isol-alloc.socket isol-alloc.service
	# stopping the unit undoes it; --revert --runtime takes the plan away
	qc_run unit-stop systemctl stop quietcore-partition.service
	qc_run unit-stopped sh -c 'ls -d /sys/fs/cgroup/quietcore.slice 2>&1; systemctl is-active quietcore-partition.service'
	snap stopped
	qc_run revert-runtime cmdline-gen --revert --runtime
	qc_run unit-enabled sh -c 'systemctl is-enabled quietcore-partition.service; ls /etc/systemd/system/quietcore-partition.service.d 2>&1'
	qc_reboot
	;;
4)
	# the grants after a reboot without the partition: the daemon, started by
	# its socket, finds CPU 2 gone from the pool and releases that grant
	qc_run alloc-list-4 isol-alloc list --json
	qc_run alloc-journal-4 sh -c 'journalctl -b -o cat --no-pager -u isol-alloc.service'
	;;
esac
