#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# early-pin --save/--restore (run-time mode) in a 4-CPU QEMU guest booted
# without isolation: processes with known masks (CPU 3 only, 1-3, 0-3, 0)
# are started, early-pin --save --housekeeping 0-1 moves everything movable
# off CPUs 2-3, --restore must bring back every task's and IRQ's exact mask,
# and a second --restore must be harmless.

load ../bats/helpers
load vm

setup_file() {
	vm_require_host
	vm_rootfs
	vm_kernel 6.1
	vm_initramfs plain
	vm_boot saverestore-6.1 "qc.saverestore=0-1"
}

setup() {
	VM_LOG=$BUILD/test-logs/vm-saverestore-6.1.log
	VM_RESULTS=$BUILD/test-logs/vm-saverestore-6.1.results
	[ -s "$VM_RESULTS" ] || vm_fail "no guest report in $VM_RESULTS"
}

teardown() {
	# a failed test shows the guest's console, the artifact keeps all of it
	[ -n "${BATS_TEST_COMPLETED:-}" ] || [ -z "${VM_LOG:-}" ] || [ -n "${VM_LOG_SHOWN:-}" ] || vm_show_log
}

rc_of() { # rc_of SECTION: the rc= line early-pin's run ended with
	vm_section "$1" | sed -n 's/^rc=//p' | tail -1
}

@test "save, restore and a second restore all succeed" {
	for s in sr-save sr-restore sr-restore-again; do
		rc=$(rc_of $s)
		if [ "$rc" != 0 ]; then
			vm_section $s >&2
			vm_fail "early-pin in $s exited ${rc:-?}"
		fi
	done
}

@test "after --save no movable task is allowed on CPUs 2-3" {
	vm_check_tasks_off 2-3 sr-saved-tasks
}

@test "after --save every movable IRQ is off CPUs 2-3" {
	local n movable smp act bad=0
	while read -r n smp _ act; do
		[ "$act" != - ] || continue
		movable=$(vm_section sr-irq-movable | awk -v n="$n" '$1 == n { print $2 }')
		[ "$movable" = yes ] || continue
		if cpulist_meets "$smp" 2-3; then
			echo "IRQ $n ($act): smp_affinity $smp after save" >&2
			bad=$((bad + 1))
		fi
	done < <(vm_section sr-saved-irqs)
	[ "$bad" -eq 0 ]
}

@test "the test loads were moved by --save (the test can see a move)" {
	vm_section sr-before-tasks | grep -qE ' 3 qc-sr-one$'
	vm_section sr-saved-tasks | grep -E ' qc-sr-one$' | grep -qE ' 0-1 qc-sr-one$'
}

@test "after --restore every task has its exact original mask" {
	local tid start flags allowed comm now bad=0 n=0
	while read -r tid start flags allowed comm; do
		# PF_NO_SETAFFINITY kthreads are the kernel's: early-pin never sets
		# them, and some follow the workqueue masks lazily (the writeback
		# rescuer keeps 0-1 after the restore until it next runs), so they
		# are not compared; the workqueue masks themselves are, below.
		((flags & PF_NO_SETAFFINITY)) && continue
		now=$(vm_section sr-restored-tasks | awk -v t="$tid" -v s="$start" '$1 == t && $2 == s { print $4 }')
		[ -n "$now" ] || continue # exited in between (the guest's own short-lived helpers)
		n=$((n + 1))
		if [ "$now" != "$allowed" ]; then
			echo "task $tid ($comm): was $allowed, restored to $now" >&2
			bad=$((bad + 1))
		fi
	done < <(vm_section sr-before-tasks)
	[ "$n" -gt 10 ] || vm_fail "only $n tasks compared"
	[ "$bad" -eq 0 ]
	vm_section sr-restored-tasks | grep -qE ' 3 qc-sr-one$'
	vm_section sr-restored-tasks | grep -qE ' 1-3 qc-sr-two$'
}

@test "--save narrowed the workqueue masks, --restore gave back the exact ones" {
	[ -n "$(vm_section sr-before-wqs)" ] || vm_fail "no workqueue masks in the guest report"
	if diff <(vm_section sr-before-wqs) <(vm_section sr-saved-wqs) >/dev/null; then
		vm_fail "--save left every workqueue mask as it was"
	fi
	diff <(vm_section sr-before-wqs) <(vm_section sr-restored-wqs)
}

@test "after --restore every IRQ has its exact original affinity" {
	diff <(vm_section sr-before-irqs | awk '{ print $1, $2 }') \
		<(vm_section sr-restored-irqs | awk '{ print $1, $2 }')
}
