#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-verify --noise on Debian 12's cloud 6.1, which has no osnoise tracer
# (the generic back end: irq, irq_vectors, softirq, sched_switch and nmi
# tracepoints), one boot under QEMU TCG with isolcpus=2-3 nohz_full=2-3
# tsc=reliable. The guest (tests/vm/guest/noise.sh) makes noise the test
# knows on CPU 2 (a busy task pinned there, the IRQ of ttyS0 moved there
# with output on the port), runs isol-verify --noise over it and records
# the tracing state before and after. Under TCG most noise is the
# emulator's: only the causes the test makes are asserted. The osnoise back
# end's guest is tests/vm/nightly/noise-rt.bats. Needs root, QEMU, dracut
# and apt; a missing piece fails, nothing skips.

: "${QC_TOP:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
load ../bats/helpers
load vm
load noise

setup_file() {
	vm_require_host || return 1
	[ -x "$BUILD/isol-verify" ] || { vm_fail "$BUILD/isol-verify is not built"; return 1; }
	export VM_TCG=tcg,thread=single
	# one TCG thread for four vCPUs: 46 to 191 s seen, soft lockups in the slow runs
	# shellcheck disable=SC2034 # read by vm_boot (vm.bash)
	VM_TIMEOUT=${QC_VM_TIMEOUT:-600}
	noise_boot noise-6.1 6.1
}

@test "6.1 cloud (no osnoise tracer): --noise runs the generic back end, names the busy task and ttyS0's IRQ on CPU 2, CRITICAL over 1us/s, exit 2" {
	use noise-6.1
	vm_section uname | grep -q cloud || { vm_section uname >&2; vm_fail "not the cloud kernel"; }
	vm_section serial-affinity | grep -qx 'after 2' || { vm_section serial-affinity >&2; vm_fail "ttyS0's IRQ did not move to CPU 2"; }
	named verify-auto generic
}

@test "6.1 cloud: every tracing file and the instance list read after the run as before" {
	use noise-6.1
	same_state state-after-auto state-after
}
