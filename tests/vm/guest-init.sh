#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /sbin/init of the QEMU test guest (busybox sh). It reports what the host
# tests assert on, as "=== NAME" sections on the second serial port
# (/dev/ttyS1), then powers the guest off. The console (ttyS0) keeps the
# kernel log. Options come from the kernel command line:
#
#   qc.pin=CPU          start a process named qc-pinned-load pinned to CPU
#                       before the checks (a workload isol-verify must name)
#   qc.saverestore=LIST run early-pin --save/--restore with --housekeeping LIST
#                       against processes with known masks, snapshotting the
#                       tasks, IRQs and workqueue masks before, after save and
#                       after restore
#
# Tables (one line each):  task: TID STARTTIME FLAGS ALLOWED COMM
#                          irq:  N SMP_AFFINITY EFFECTIVE_AFFINITY ACTIONS
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /run || mount -t tmpfs tmpfs /run

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1

section() {
	echo "=== $1" >&3
}

arg() { # arg NAME: the value of NAME= on the kernel command line
	read -r _line </proc/cmdline
	for _w in $_line; do
		case $_w in "$1"=*) echo "${_w#*=}"; return 0 ;; esac
	done
	return 1
}

# tasks, irqs: the tables the host reads (shared with the image's scripts)
# shellcheck source=SCRIPTDIR/guest/tables.sh disable=SC1091 # installed by vm_rootfs
. /usr/lib/qc-guest/tables.sh

wqs() { # the unbound workqueue cpumask and every per-workqueue one
	for _f in /sys/devices/virtual/workqueue/cpumask /sys/bus/workqueue/devices/*/cpumask; do
		read -r _m <"$_f" 2>/dev/null && echo "$_f $_m"
	done
}

load() { # load NAME CPULIST: a sleeping process called NAME on CPULIST
	# shellcheck disable=SC2016 # expanded by the child shell
	taskset -c "$2" sh -c 'echo -n "$0" >/proc/$$/comm; while :; do sleep 1; done' "$1" &
	# back only once the child has renamed itself: under TCG on a busy
	# host a fixed "sleep 1" was not always enough, and the task list
	# taken next showed it as "sh"
	_pid=$! _i=0
	until [ "$(cat "/proc/$_pid/comm" 2>/dev/null)" = "$1" ]; do
		_i=$((_i + 1))
		[ "$_i" -le 120 ] || { echo "load: $1 (pid $_pid) did not start in 120 s" >&2; break; }
		sleep 1
	done
}

section cmdline
cat /proc/cmdline >&3
section uname
uname -r >&3

if _cpu=$(arg qc.pin); then
	load qc-pinned-load "$_cpu"
fi

_hk=$(arg qc.saverestore)
if [ -n "$_hk" ]; then
	load qc-sr-one 3
	load qc-sr-two 1-3
	load qc-sr-all 0-3
	load qc-sr-low 0
	# Which IRQs can move at all: a no-op write of the current affinity
	# fails (EIO before 6.12, EPERM after) for managed and per-CPU IRQs.
	section sr-irq-movable
	for _d in /proc/irq/[0-9]*; do
		read -r _smp <"$_d/smp_affinity_list" 2>/dev/null || continue
		if (echo "$_smp" >"$_d/smp_affinity_list") 2>/dev/null; then
			echo "${_d##*/} yes" >&3
		else
			echo "${_d##*/} no" >&3
		fi
	done
	section sr-before-tasks
	tasks >&3
	section sr-before-irqs
	irqs >&3
	section sr-before-wqs
	wqs >&3
	section sr-save
	early-pin --save /run/qc-state --housekeeping "$_hk" >&3 2>&1
	echo "rc=$?" >&3
	section sr-saved-tasks
	tasks >&3
	section sr-saved-irqs
	irqs >&3
	section sr-saved-wqs
	wqs >&3
	section sr-restore
	early-pin --restore /run/qc-state >&3 2>&1
	echo "rc=$?" >&3
	section sr-restored-tasks
	tasks >&3
	section sr-restored-irqs
	irqs >&3
	section sr-restored-wqs
	wqs >&3
	section sr-restore-again
	early-pin --restore /run/qc-state >&3 2>&1
	echo "rc=$?" >&3
fi

section kmsg
dmesg >&3
section tasks
tasks >&3
section irqs
irqs >&3
section isolated
cat /sys/devices/system/cpu/isolated /sys/devices/system/cpu/nohz_full >&3 2>&1
if [ -x /usr/sbin/isol-verify ]; then
	section isol-verify
	isol-verify --json >/run/verify.json 2>/run/verify.err
	_rc=$?
	cat /run/verify.json >&3
	section isol-verify-stderr
	cat /run/verify.err >&3
	section isol-verify-rc
	echo "$_rc" >&3
fi
if [ -x /usr/sbin/cmdline-gen ]; then
	section cmdline-gen
	cmdline-gen --json >&3 2>/run/cmdline-gen.err
	section cmdline-gen-stderr
	cat /run/cmdline-gen.err >&3
fi
section END
exec 3>&-
sync
poweroff -f
