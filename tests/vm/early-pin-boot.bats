#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# early-pin in real kernels: Debian cloud kernels booted under QEMU (TCG)
# from an initramfs built by the real dracut with our dracut module (added
# by our dracut.conf.d snippet), isolation parameters on the command line.
# The guest reports the kernel log, every task's allowed CPUs, every IRQ's
# affinity and isol-verify's verdict; the host asserts on them. Needs root,
# QEMU and dracut; a missing piece fails the test, it never skips.
#
# Cells that do not fit CI time are in tests/vm/nightly/ (make check-vm-nightly).

load ../bats/helpers
load vm

ISOLATE="isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1"

setup_file() {
	vm_require_host
	vm_rootfs
}

setup() {
	# shellcheck disable=SC2034 # read by vm_boot (vm.bash)
	VM_ROOTFS=$BUILD/vm/rootfs.img
}

teardown() {
	# a failed test shows the guest's console, the artifact keeps all of it
	[ -n "${BATS_TEST_COMPLETED:-}" ] || [ -z "${VM_LOG:-}" ] || [ -n "${VM_LOG_SHOWN:-}" ] || vm_show_log
}

# isol-verify joins these checks as soon as it is part of the build.
verify_built() {
	[ -f "$QC_TOP/verify/Makemodule.mk" ]
}

@test "6.1, dracut without systemd: both hooks run early-pin, IRQs and movable tasks stay off isolated CPUs" {
	vm_kernel 6.1
	vm_initramfs plain
	vm_boot plain-6.1 "$ISOLATE"
	# pre-udev and pre-pivot: one summary line each
	vm_check_kmsg 2 'housekeeping=0-1'
	# the virtio-blk queue IRQ (managed, set up by the driver udev loaded)
	# is found immovable (EIO) at pre-pivot and does not stop the pass
	vm_check_kmsg 1 'housekeeping=0-1 .*immovable=[1-9]'
	vm_check_irqs_off 2-3
	vm_check_tasks_off 2-3
	if verify_built; then
		vm_check_verify 0
	fi
}

@test "6.1, dracut with systemd: dracut-systemd runs both hooks, IRQs and movable tasks stay off isolated CPUs" {
	vm_kernel 6.1
	vm_initramfs systemd
	vm_boot systemd-6.1 "$ISOLATE"
	grep -q 'dracut-pre-udev.service' "$VM_LOG" || vm_fail "no dracut-pre-udev.service in the console log: not a systemd initramfs?"
	vm_check_kmsg 2 'housekeeping=0-1'
	vm_check_irqs_off 2-3
	vm_check_tasks_off 2-3
	if verify_built; then
		vm_check_verify 0
	fi
}

@test "6.12, dracut without systemd: early-pin pins, managed IRQs (EPERM on 6.12) do not break it" {
	vm_kernel 6.12
	vm_initramfs plain
	vm_boot plain-6.12 "$ISOLATE"
	vm_section uname | grep -q '^6\.12\.' || vm_fail "the guest did not run a 6.12 kernel"
	vm_check_kmsg 2 'housekeeping=0-1'
	# the managed virtio-blk queue IRQ refuses with EPERM on 6.12
	vm_check_kmsg 1 'housekeeping=0-1 .*immovable=[1-9]'
	vm_check_irqs_off 2-3
	vm_check_tasks_off 2-3
	if verify_built; then
		vm_check_verify 0
	fi
}

@test "6.1, a queue per CPU (virtio-blk num-queues=4): isol-verify says WARNING naming the managed queue IRQs" {
	# Debian's 6.1 has no CONFIG_GENERIC_IRQ_DEBUGFS and leaves a managed
	# IRQ's smp_affinity writable: only early-pin's write (EIO) shows the
	# queue IRQs of CPUs 2 and 3 cannot leave them, and its record in
	# /run/quietcore (written in the initramfs, kept across switch_root)
	# is what turns isol-verify's CRITICAL into the right WARNING.
	verify_built || vm_fail "isol-verify is not part of the build"
	vm_kernel 6.1
	vm_initramfs plain
	VM_DISK_QUEUES=4 vm_boot mq-6.1 "$ISOLATE"
	vm_check_kmsg 2 'housekeeping=0-1'
	vm_check_queue_irqs_recorded 0-1 2-3
}

@test "6.1, nohz_full only: early-pin alone moves tasks, kthreads and IRQs off the nohz_full CPUs" {
	# No isolcpus=, no irqaffinity=: the kernel leaves tasks and IRQs on all
	# CPUs, so everything checked here is early-pin's own work (housekeeping
	# = the complement of nohz_full).
	vm_kernel 6.1
	vm_initramfs plain
	vm_boot nohz-6.1 "nohz_full=2-3 rcu_nocbs=2-3"
	vm_check_kmsg 2 'housekeeping=0-1'
	vm_check_tasks_off 2-3
	# every IRQ that has a handler and can move is off 2-3 (smp_affinity, not
	# only the effective CPU the APIC picked)
	local n smp act bad=0
	while read -r n smp _ act; do
		[ "$act" != - ] || continue
		case $act in virtio*-req.*) continue ;; esac # managed queue IRQ: immovable
		if cpulist_meets "$smp" 2-3; then
			echo "IRQ $n ($act): smp_affinity $smp reaches 2-3" >&2
			bad=$((bad + 1))
		fi
	done < <(vm_section irqs)
	[ "$bad" -eq 0 ]
}

@test "6.1, rd.earlypin=0 and a process pinned to CPU 3: hooks stay out, the process is found" {
	vm_kernel 6.1
	vm_initramfs plain
	vm_boot disabled-6.1 "$ISOLATE rd.earlypin=0 qc.pin=3"
	vm_check_kmsg 0 ''
	vm_section tasks | grep -qE '^[0-9]+ [0-9]+ [0-9]+ 3 qc-pinned-load$' ||
		vm_fail "the pinned load process is missing from the guest's task list"
	run vm_check_tasks_off 2-3
	[ "$status" -ne 0 ]
	[[ $output == *"(qc-pinned-load): allowed on 3"* ]]
	if verify_built; then
		vm_check_verify 2
		vm_section isol-verify | grep -q 'qc-pinned-load' ||
			vm_fail "isol-verify's JSON does not name qc-pinned-load"
	fi
}

@test "6.1, malformed rd.earlypin.* values: logged and ignored, the boot goes on and is still isolated" {
	vm_kernel 6.1
	vm_initramfs plain
	vm_boot badarg-6.1 "$ISOLATE rd.earlypin.cpus=9-x,, rd.earlypin.governor=\$bad"
	# both passes complain about each value (", ignoring") and still pin
	vm_check_kmsg 2 "rd\.earlypin\.cpus=.*9-x,,.*ignoring"
	vm_check_kmsg 2 "rd\.earlypin\.governor=.*ignoring"
	vm_check_kmsg 2 'housekeeping=0-1'
	vm_check_tasks_off 2-3
	vm_check_irqs_off 2-3
}
