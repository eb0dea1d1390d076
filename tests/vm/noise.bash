# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The noise guests (tests/vm/guest/noise.sh) and the host's checks of their
# reports, for tests/vm/noise.bats (Debian 12's cloud 6.1: the generic back
# end; its PREEMPT_RT 6.1: osnoise).
#
# Both guests run with one TCG thread for all vCPUs (VM_TCG, vm.bash): with
# a thread per vCPU, switching tracepoints (the kernel patches its text with
# int3 and IPIs) hung 6.1 in smp_call_function_many_cond and oopsed 6.12 on
# a stale int3 within seconds of a busy vCPU, and made a tracefs mkdir take
# minutes; that is what hung the partition guest's noise run in CI.

# noise_start NAME FLAVOR TIMEOUT: the guest on kernel FLAVOR (6.1, 6.1-rt),
# its rootfs the harness's with this test's init (and rtla on the rt
# kernel), booted in the background; noise_wait waits for every guest
# started. The kernel, initramfs and image are made here, one guest after
# the other (they share the harness's rootfs folder and caches); only the
# QEMU runs overlap. Each guest has one TCG thread (VM_TCG), so two of them
# fill this machine's two cores.
NOISE_PIDS=()
NOISE_NAMES=()
noise_start() {
	local name=$1 flavor=$2 tmo=$3 root
	vm_kernel "$flavor" || return 1
	vm_initramfs plain || return 1
	[ "$flavor" != 6.1-rt ] || vm_rtla || return 1
	vm_rootfs || return 1
	root=$VM_WORK/rootfs
	install -m 0755 "$QC_TOP/tests/vm/guest/noise.sh" "$root/sbin/init" || return 1
	[ "$flavor" != 6.1-rt ] || vm_copy_with_libs "$VM_RTLA" "$root" /usr/bin/rtla || return 1
	rm -f "$VM_WORK/rootfs-$name.img"
	mke2fs -q -t ext4 -L qc-root -d "$root" "$VM_WORK/rootfs-$name.img" 96M ||
		{ vm_fail "mke2fs -d failed"; return 1; }
	mkdir -p "$VM_LOGDIR" || return 1
	# the guest's own stderr: two guests' failures must not interleave
	(
		# shellcheck disable=SC2034 # read by vm_boot (vm.bash)
		VM_ROOTFS=$VM_WORK/rootfs-$name.img VM_TIMEOUT=$tmo
		vm_boot "$name" "isolcpus=2-3 nohz_full=2-3 tsc=reliable"
	) 2>"$VM_LOGDIR/vm-$name.boot-stderr" &
	NOISE_PIDS+=($!)
	NOISE_NAMES+=("$name")
}

# noise_wait: every guest noise_start started has ended with a report;
# a failed one's messages and console tail are shown
noise_wait() {
	local i bad=0
	for i in "${!NOISE_PIDS[@]}"; do
		if ! wait "${NOISE_PIDS[$i]}"; then
			cat "$VM_LOGDIR/vm-${NOISE_NAMES[$i]}.boot-stderr" >&2
			bad=1
		fi
	done
	NOISE_PIDS=()
	NOISE_NAMES=()
	[ "$bad" -eq 0 ]
}

# use NAME: the checks below read that guest's report
use() {
	VM_LOG=$BUILD/test-logs/vm-$1.log
	VM_RESULTS=$BUILD/test-logs/vm-$1.results
	[ -s "$VM_RESULTS" ] || vm_fail "no guest report in $VM_RESULTS"
}

teardown() {
	# a failed test shows the guest's console, the artifact keeps all of it
	[ -n "${BATS_TEST_COMPLETED:-}" ] || [ -z "${VM_LOG:-}" ] || [ -n "${VM_LOG_SHOWN:-}" ] || vm_show_log
}

# noise_check SECTION: the noise check of the JSON isol-verify printed there
noise_check() {
	vm_section "$1" | jq -e '.checks[] | select(.id == "noise")' || {
		vm_section "$1" >&2
		vm_section "$1-stderr" >&2
		vm_fail "no noise check in the JSON of $1"
	}
}

# cpu2 SECTION: CPU 2's entry of that noise check
cpu2() {
	noise_check "$1" | jq -e '.details.cpus[] | select(.cpu == 2)' || {
		noise_check "$1" >&2
		vm_fail "$1: no result for CPU 2"
	}
}

busy_pid() {
	local pid
	pid=$(vm_section busy)
	[[ $pid =~ ^[0-9]+$ ]] || { vm_fail "the guest recorded no busy task PID ('$pid')"; return 1; }
	echo "$pid"
}

serial_irq() {
	local irq
	irq=$(vm_section serial-irq)
	[[ $irq =~ ^[0-9]+$ ]] || { vm_section interrupts-noise-start >&2; vm_fail "no ttyS0 IRQ in the guest's /proc/interrupts ('$irq')"; return 1; }
	echo "$irq"
}

# state SECTION: a recorded tracing state, but for the top level's
# buffer_size_kb, which is compared by size_kb below
state() {
	vm_section "$1" | awk '/^== / { skip = ($0 == "== buffer_size_kb") } !skip'
}

# size_kb SECTION: the top level's buffer size, without the "(expanded: N)"
# the kernel shows until some buffer is first resized: resizing any
# instance's buffer (as isol-verify and rtla do) clears that flag for good
# (the kernel's global ring_buffer_expanded), and no write through tracefs
# sets it back; the size itself must not change.
size_kb() {
	vm_section "$1" | awk '$0 == "== buffer_size_kb" { getline; print $1 }'
}

# same_state SECTION...: each recorded state is state-before's
same_state() {
	local before s
	before=$(state state-before)
	for s in "$@"; do
		if [ "$before" != "$(state "$s")" ]; then
			echo "--- state-before vs $s" >&2
			diff <(echo "$before") <(state "$s") >&2
			vm_fail "the tracing state differs in $s"
			return 1
		fi
		[ "$(size_kb state-before)" = "$(size_kb "$s")" ] ||
			{ vm_fail "the top-level buffer_size_kb changed: $(size_kb state-before) before, $(size_kb "$s") in $s"; return 1; }
	done
}

# named SECTION BACKEND: isol-verify ran BACKEND and named the busy task by
# PID and ttyS0's IRQ by number and name among CPU 2's sources, CRITICAL
# over --max-noise 1us with exit status 2
named() {
	local check c pid irq rc
	pid=$(busy_pid) && irq=$(serial_irq) || return 1
	check=$(noise_check "$1") || return 1
	jq -e --arg b "$2" '.details.backend == $b' <<<"$check" >/dev/null ||
		{ echo "$check" >&2; vm_fail "$1: the back end is not $2"; return 1; }
	c=$(cpu2 "$1") || return 1
	echo "# $(vm_section uname | head -1), CPU 2: $(jq -r .message <<<"$check")" >&3
	jq -e --argjson p "$pid" 'any(.sources[]; .kind == "thread" and .id == $p)' <<<"$c" >/dev/null ||
		{ jq -c '.sources[]' <<<"$c" >&2; vm_fail "$1: no thread source with the busy task's PID $pid"; return 1; }
	jq -e --argjson n "$irq" 'any(.sources[]; .kind == "irq" and .id == $n and .name == "ttyS0")' <<<"$c" >/dev/null ||
		{ jq -c '.sources[]' <<<"$c" >&2; vm_fail "$1: no irq source $irq named ttyS0"; return 1; }
	jq -e '.status == "critical"' <<<"$check" >/dev/null ||
		{ echo "$check" >&2; vm_section "$1-stderr" >&2; vm_fail "$1: the noise check is not critical"; return 1; }
	rc=$(vm_section "$1-rc")
	[ "$rc" = 2 ] || { vm_section "$1-stderr" >&2; vm_fail "$1: isol-verify exited '$rc', expected 2"; }
}

