#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-verify --noise on a real kernel with the osnoise tracer: Debian 12's
# PREEMPT_RT 6.1 (vm_kernel 6.1-rt) booted once under QEMU TCG with
# isolcpus=2-3 nohz_full=2-3 tsc=reliable. The guest (tests/vm/guest/noise-rt.sh)
# makes noise the test knows on CPU 2 (a busy task pinned there, the IRQ of
# ttyS0 moved there with output on the port), runs isol-verify --noise with
# the osnoise back end (auto), rtla osnoise top over the same noise and
# window settings, and isol-verify's generic back end; it records the
# tracing state before and after. Under TCG most noise is the emulator's:
# only the causes the test makes are asserted, and rtla's numbers are
# printed beside isol-verify's, not compared. Needs root, QEMU, dracut and
# apt (the kernel and rtla packages); a missing piece fails, nothing skips.
#
# Nightly, not make check: 346 to 403 s when it passed, and once more than
# the 480 s it had, on this 2-CPU host. Most of it is one open problem: in
# this guest, with the busy task and the serial output running, the kernel
# took about 200 s of guest time to make isol-verify's osnoise instance
# (instance_mkdir -> event_create_dir, sampled from /proc/PID/stack), where
# rtla's instance under the same noise and a bare instance before it took
# seconds. Until that is explained the cell does not fit CI's budget.

: "${QC_TOP:=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)}"
load ../../bats/helpers
load ../vm

NAME="noise-rt-6.1"

setup_file() {
	local root
	vm_require_host
	[ -x "$BUILD/isol-verify" ] || vm_fail "$BUILD/isol-verify is not built"
	vm_kernel 6.1-rt
	vm_initramfs plain
	vm_rtla
	vm_rootfs
	# the harness's rootfs, with this test's init and rtla, as an image of
	# its own (the other tests' rootfs.img stays as vm_rootfs made it)
	root=$VM_WORK/rootfs
	install -m 0755 "$QC_TOP/tests/vm/guest/noise-rt.sh" "$root/sbin/init"
	vm_copy_with_libs "$VM_RTLA" "$root" /usr/bin/rtla
	rm -f "$VM_WORK/rootfs-noise-rt.img"
	mke2fs -q -t ext4 -L qc-root -d "$root" "$VM_WORK/rootfs-noise-rt.img" 96M ||
		vm_fail "mke2fs -d failed"
	# shellcheck disable=SC2034 # read by vm_boot (vm.bash)
	VM_ROOTFS=$VM_WORK/rootfs-noise-rt.img
	# the rt guest is slow under TCG on a loaded host: 182 s to userspace
	# seen, and isol-verify's osnoise run minutes more (see the README)
	# shellcheck disable=SC2034 # read by vm_boot (vm.bash)
	VM_TIMEOUT=${QC_VM_TIMEOUT:-900}
	vm_boot "$NAME" "isolcpus=2-3 nohz_full=2-3 tsc=reliable"
}

setup() {
	VM_LOG=$BUILD/test-logs/vm-$NAME.log
	VM_RESULTS=$BUILD/test-logs/vm-$NAME.results
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

@test "the guest ran the PREEMPT_RT kernel with the noise on CPU 2" {
	vm_section uname | grep -q 'PREEMPT_RT' || { vm_section uname >&2; vm_fail "not a PREEMPT_RT kernel"; }
	vm_section serial-affinity | grep -qx 'after 2' || {
		vm_section serial-affinity >&2
		vm_fail "ttyS0's IRQ did not move to CPU 2"
	}
	busy_pid >/dev/null
}

@test "isol-verify --noise picks the osnoise back end, critical over --max-noise 1us, exit 2" {
	local rc check
	check=$(noise_check verify-osnoise)
	jq -e '.details.backend == "osnoise"' <<<"$check" >/dev/null || {
		echo "$check" >&2
		vm_fail "backend is not osnoise"
	}
	jq -e '.status == "critical"' <<<"$check" >/dev/null || {
		echo "$check" >&2
		vm_section verify-osnoise-stderr >&2
		vm_fail "the noise check is not critical"
	}
	rc=$(vm_section verify-osnoise-rc)
	[ "$rc" = 2 ] || { vm_section verify-osnoise-stderr >&2; vm_fail "isol-verify exited '$rc', expected 2"; }
}

@test "osnoise: the busy task is a thread source with its PID, ttyS0's IRQ an irq source" {
	local pid irq c
	pid=$(busy_pid)
	irq=$(serial_irq)
	c=$(cpu2 verify-osnoise)
	jq -e --argjson p "$pid" 'any(.sources[]; .kind == "thread" and .id == $p)' <<<"$c" >/dev/null || {
		jq -c '.sources[]' <<<"$c" >&2
		vm_fail "no thread source with the busy task's PID $pid"
	}
	jq -e --argjson n "$irq" 'any(.sources[]; .kind == "irq" and .id == $n and .name == "ttyS0")' <<<"$c" >/dev/null || {
		jq -c '.sources[]' <<<"$c" >&2
		vm_fail "no irq source $irq named ttyS0"
	}
}

@test "generic back end on the same kernel names the busy task's PID" {
	local pid c
	pid=$(busy_pid)
	noise_check verify-generic | jq -e '.details.backend == "generic"' >/dev/null ||
		vm_fail "the generic run did not use the generic back end"
	c=$(cpu2 verify-generic)
	jq -e --argjson p "$pid" 'any(.sources[]; .kind == "thread" and .id == $p)' <<<"$c" >/dev/null || {
		jq -c '.sources[]' <<<"$c" >&2
		vm_fail "no thread source with the busy task's PID $pid"
	}
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

@test "the tracing state after the runs is the state before, byte for byte" {
	local before s
	before=$(state state-before)
	grep -q '^== osnoise/period_us$' <<<"$before" || { echo "$before" >&2; vm_fail "no osnoise files recorded"; }
	# after isol-verify's osnoise run (before rtla ran), and at the end
	for s in state-after-osnoise state-after; do
		if [ "$before" != "$(state $s)" ]; then
			echo "--- state-before vs $s" >&2
			diff <(echo "$before") <(state $s) >&2
			vm_fail "the tracing state differs in $s"
		fi
		[ "$(size_kb state-before)" = "$(size_kb $s)" ] ||
			vm_fail "the top-level buffer_size_kb changed: $(size_kb state-before) before, $(size_kb $s) in $s"
	done
}

@test "no saved osnoise settings are left in /run/quietcore" {
	if vm_section run-quietcore | grep -q '\.saved$'; then
		vm_section run-quietcore >&2
		vm_fail "a *.saved file is left"
	fi
	! vm_section run-after-osnoise | grep -q '\.saved$' || {
		vm_section run-after-osnoise >&2
		vm_fail "a *.saved file is left after the osnoise run"
	}
}

@test "side by side: isol-verify (osnoise) and rtla osnoise top for CPU 2" {
	local c line rc
	rc=$(vm_section rtla-rc)
	[ "$rc" = 0 ] || { vm_section rtla-stderr >&2; vm_fail "rtla exited '$rc'"; }
	line=$(vm_section rtla | sed 's/\x1b\[[0-9;]*m//g; s/\x1bc//g' | awk '$1 == 2 && $2 ~ /^#/')
	[ -n "$line" ] || { vm_section rtla | cat -v >&2; vm_fail "no CPU 2 line in rtla's output"; }
	c=$(cpu2 verify-osnoise)
	# rtla: CPU #periods runtime noise %avail max-noise max-single hw nmi irq softirq thread (us)
	read -r _ periods runtime noise avail _ maxs hw nmi irq sirq thread <<<"$line"
	{
		echo "# CPU 2, 1 s period = runtime, 5 us threshold (TCG: not compared)"
		printf '# %-12s %10s %12s %12s %10s %10s %6s %6s %6s %6s %8s\n' tool periods runtime_us noise_us avail_% max_us hw nmi irq sirq thread
		jq -r '[(.window_ns / 1000 | floor), (.noise_ns / 1000 | floor), (100 - .noise_percent),
			(.max_ns / 1000 | floor),
			([.sources[] | select(.kind == "hw") | .count] | add // 0),
			([.sources[] | select(.kind == "nmi") | .count] | add // 0),
			([.sources[] | select(.kind == "irq" or .kind == "vector") | .count] | add // 0),
			([.sources[] | select(.kind == "softirq") | .count] | add // 0),
			([.sources[] | select(.kind == "thread") | .count] | add // 0)] | @tsv' <<<"$c" |
			while read -r w n a m h nm i s t; do
				printf '# %-12s %10s %12s %12s %10.3f %10s %6s %6s %6s %6s %8s\n' isol-verify - "$w" "$n" "$a" "$m" "$h" "$nm" "$i" "$s" "$t"
			done
		printf '# %-12s %10s %12s %12s %10s %10s %6s %6s %6s %6s %8s\n' rtla "$periods" "$runtime" "$noise" "$avail" "$maxs" "$hw" "$nmi" "$irq" "$sirq" "$thread"
		echo "# isol-verify's sources on CPU 2 (sources_count $(jq .sources_count <<<"$c")):"
		jq -r '.sources[] | "#   \(.kind) \(.id // "-") \(.name): \(.count) in \(.total_ns) ns, max \(.max_ns) ns"' <<<"$c" | head -12
	} >&3
}
