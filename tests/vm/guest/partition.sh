# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# Run-time isolation in a guest booted with systemd and no isolation on the
# command line, sourced by qc-driver after tables.sh (tests/vm/partition.bats).
# Boot 1 runs the default kernel (6.12 in the 6.12 image), boot 2 Debian 12's
# 6.1, picked with grub-reboot. On each: early-pin --save --partition
# --cpus 2-3, the state it leaves, systemctl daemon-reload, --restore, then
# run --partition, and a run SIGKILLed and restored. The host compares.
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

# the scheduler domains of each CPU: none on an isolated partition's CPUs
domains() {
	for _c in 0 1 2 3; do
		echo "cpu$_c $(find /sys/kernel/debug/sched/domains/cpu$_c -mindepth 1 -maxdepth 1 -name 'domain*' 2>/dev/null | wc -l)"
	done
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
	mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug
	qc_run domains-before domains
	snap before
	qc_run save early-pin --save part --partition --cpus 2-3
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
	# boot 2: Debian 12's own 6.1
	sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=saved/' /etc/default/grub
	qc_run update-grub update-grub
	_k=$(find /boot -name 'vmlinuz-6.1.*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -1)
	_id=$(grep -o "gnulinux-advanced-[^']*" /boot/grub/grub.cfg | head -1)
	qc_run grub-reboot grub-reboot "$_id>gnulinux-$_k-advanced-${_id#gnulinux-advanced-}"
	qc_reboot
	;;
2)
	part_cycle
	;;
esac
