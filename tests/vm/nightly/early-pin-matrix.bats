#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nightly boot cells (make check-vm-nightly): the rest of the matrix that
# does not fit the CI time of make check. Same harness and checks as
# tests/vm/early-pin-boot.bats.

: "${QC_TOP:=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)}"
load ../../bats/helpers
load ../vm

ISOLATE="isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1"

setup_file() {
	vm_require_host
	vm_rootfs
}

setup() {
	# shellcheck disable=SC2034 # read by vm_boot (../vm.bash); setup_file's copy does not reach the tests
	VM_ROOTFS=$BUILD/vm/rootfs.img
}

teardown() {
	# a failed test shows the guest's console, the artifact keeps all of it
	[ -n "${BATS_TEST_COMPLETED:-}" ] || [ -z "${VM_LOG:-}" ] || [ -n "${VM_LOG_SHOWN:-}" ] || vm_show_log
}

@test "nightly: 6.1, 2 sockets x 2 cores x 2 threads, 2 NUMA nodes: one housekeeping core per node" {
	local iso=2-3,6-7 hk=0-1,4-5
	vm_kernel 6.1
	vm_initramfs plain
	vm_boot numa-smt-6.1 \
		"isolcpus=domain,managed_irq,$iso nohz_full=$iso rcu_nocbs=$iso irqaffinity=$hk" \
		-cpu max,vendor=GenuineIntel -smp 8,sockets=2,cores=2,threads=2 -m 512 \
		-object memory-backend-ram,id=m0,size=256M -object memory-backend-ram,id=m1,size=256M \
		-numa node,nodeid=0,cpus=0-3,memdev=m0 -numa node,nodeid=1,cpus=4-7,memdev=m1
	# TCG's default (AMD) max CPU shows no SMT siblings to the guest; the
	# Intel vendor makes the kernel read the 2-thread cores from CPUID.
	vm_section kmsg | grep -q 'smpboot: Allowing 8 CPUs' || vm_fail "the guest does not have 8 CPUs"
	vm_check_kmsg 2 "housekeeping=$hk"
	vm_check_irqs_off "$iso"
	vm_check_tasks_off "$iso"
	if [ -f "$QC_TOP/verify/Makemodule.mk" ]; then
		vm_check_verify 0
	fi
	if [ -f "$QC_TOP/cmdline-gen/Makemodule.mk" ]; then
		# the planner on a booted kernel: whole cores, one per node
		vm_section cmdline-gen | jq -e --arg hk "$hk" '.housekeeping == $hk' >/dev/null ||
			{ vm_section cmdline-gen >&2; vm_fail "cmdline-gen did not plan housekeeping=$hk"; }
	fi
}

@test "nightly: 6.12, dracut with systemd" {
	vm_kernel 6.12
	vm_initramfs systemd
	vm_boot systemd-6.12 "$ISOLATE"
	grep -q 'dracut-pre-udev.service' "$VM_LOG" || vm_fail "not a systemd initramfs?"
	vm_check_kmsg 2 'housekeeping=0-1'
	vm_check_irqs_off 2-3
	vm_check_tasks_off 2-3
	if [ -f "$QC_TOP/verify/Makemodule.mk" ]; then
		vm_check_verify 0
	fi
}

@test "nightly: 6.12, nohz_full only: early-pin alone moves tasks and kthreads" {
	vm_kernel 6.12
	vm_initramfs plain
	vm_boot nohz-6.12 "nohz_full=2-3 rcu_nocbs=2-3"
	vm_check_kmsg 2 'housekeeping=0-1'
	vm_check_tasks_off 2-3
}

@test "nightly: 6.12, rd.earlypin=0 and a process pinned to CPU 3" {
	vm_kernel 6.12
	vm_initramfs plain
	vm_boot disabled-6.12 "$ISOLATE rd.earlypin=0 qc.pin=3"
	vm_check_kmsg 0 ''
	run vm_check_tasks_off 2-3
	[ "$status" -ne 0 ]
	[[ $output == *"(qc-pinned-load): allowed on 3"* ]]
	if [ -f "$QC_TOP/verify/Makemodule.mk" ]; then
		vm_check_verify 2
		vm_section isol-verify | grep -q 'qc-pinned-load'
	fi
}

@test "nightly: 6.12, early-pin --save/--restore gives back exact masks" {
	vm_kernel 6.12
	vm_initramfs plain
	vm_boot saverestore-6.12 "qc.saverestore=0-1"
	local s rc
	for s in sr-save sr-restore sr-restore-again; do
		rc=$(vm_section $s | sed -n 's/^rc=//p' | tail -1)
		[ "$rc" = 0 ] || { vm_section $s >&2; vm_fail "early-pin in $s exited ${rc:-?}"; }
	done
	vm_check_tasks_off 2-3 sr-saved-tasks
	diff <(vm_section sr-before-wqs) <(vm_section sr-restored-wqs)
	diff <(vm_section sr-before-irqs | awk '{ print $1, $2 }') \
		<(vm_section sr-restored-irqs | awk '{ print $1, $2 }')
}

@test "nightly: 6.1, dracut with systemd, a queue per CPU: the immovable-IRQ record survives switch_root, isol-verify WARNING" {
	# systemd's initramfs has /run of its own, moved across switch_root by
	# systemd rather than by dracut's shell: the record must survive that too
	vm_kernel 6.1
	vm_initramfs systemd
	VM_DISK_QUEUES=4 vm_boot mq-systemd-6.1 "$ISOLATE"
	grep -q 'dracut-pre-udev.service' "$VM_LOG" || vm_fail "no dracut-pre-udev.service in the console log: not a systemd initramfs?"
	vm_check_kmsg 2 'housekeeping=0-1'
	vm_check_queue_irqs_recorded 0-1 2-3
}
