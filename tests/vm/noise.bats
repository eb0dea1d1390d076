#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-verify --noise in two guests booted side by side under QEMU TCG, both
# with isolcpus=2-3 nohz_full=2-3 tsc=reliable:
#   - Debian 12's cloud 6.1, which has no osnoise tracer: the generic back
#     end (irq, irq_vectors, softirq, sched_switch and nmi tracepoints);
#   - its PREEMPT_RT 6.1 (vm_kernel 6.1-rt), which has it: the osnoise back
#     end, rtla osnoise top over the same window settings, the generic back
#     end on the same kernel, and a run killed by SIGTERM and one by SIGKILL
#     while armed.
# Each guest (tests/vm/guest/noise.sh) makes noise the test knows on CPU 2 (a
# busy task pinned there, the IRQ of ttyS0 moved there with output on the
# port), runs isol-verify --noise over it and records the tracing state
# before, between and after. Under TCG most noise is the emulator's: only
# the causes the test makes are asserted; rtla's numbers are printed beside
# isol-verify's, not compared.
#
# One TCG thread per guest (tracepoints switched under one thread per vCPU
# hang or oops the guest: tests/vm/noise.bash), so the two guests run at
# once on the two cores. Seen alone: the cloud guest 46 to 191 s (soft
# lockups in the slow runs), the rt guest 275 and 310 s. Needs root, QEMU,
# dracut and apt; a missing piece fails, nothing skips.

: "${QC_TOP:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
load ../bats/helpers
load vm
load noise

setup_file() {
	vm_require_host || return 1
	[ -x "$BUILD/isol-verify" ] || { vm_fail "$BUILD/isol-verify is not built"; return 1; }
	export VM_TCG=tcg,thread=single
	noise_start noise-rt-6.1 6.1-rt "${QC_VM_TIMEOUT:-900}" || return 1
	noise_start noise-6.1 6.1 "${QC_VM_TIMEOUT:-600}" || { noise_wait; return 1; }
	noise_wait
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

@test "6.1-rt: the guest ran the PREEMPT_RT kernel with the noise on CPU 2" {
	use noise-rt-6.1
	vm_section uname | grep -q 'PREEMPT_RT' || { vm_section uname >&2; vm_fail "not a PREEMPT_RT kernel"; }
	vm_section serial-affinity | grep -qx 'after 2' || { vm_section serial-affinity >&2; vm_fail "ttyS0's IRQ did not move to CPU 2"; }
	busy_pid >/dev/null
}

@test "6.1-rt: --noise picks the osnoise back end, names the busy task (thread) and ttyS0's IRQ, CRITICAL over 1us/s, exit 2" {
	use noise-rt-6.1
	named verify-auto osnoise
}

@test "6.1-rt: the generic back end on the same kernel names the busy task's PID" {
	local pid c
	use noise-rt-6.1
	pid=$(busy_pid)
	noise_check verify-generic | jq -e '.details.backend == "generic"' >/dev/null ||
		vm_fail "the generic run did not use the generic back end"
	c=$(cpu2 verify-generic)
	jq -e --argjson p "$pid" 'any(.sources[]; .kind == "thread" and .id == $p)' <<<"$c" >/dev/null || {
		jq -c '.sources[]' <<<"$c" >&2
		vm_fail "no thread source with the busy task's PID $pid"
	}
}

@test "6.1-rt: the tracing state and every global osnoise file read as before, after the osnoise run, after SIGTERM, and after the sweep of a SIGKILLed run" {
	use noise-rt-6.1
	grep -q '^== osnoise/period_us$' <<<"$(state state-before)" || { state state-before >&2; vm_fail "no osnoise files recorded"; }
	same_state state-after-auto state-killed-TERM state-after
}

@test "6.1-rt: SIGTERM while armed: isol-verify dies of the signal after it disarmed; SIGKILL leaves the instance and the saved settings, the next run removes and restores them" {
	local pid tracer tpid='' kpid=''
	use noise-rt-6.1
	# armed: the instance ran the osnoise tracer, its settings saved
	for sig in TERM KILL; do
		read -r pid tracer <<<"$(vm_section "armed-$sig" | head -1)"
		[ "$tracer" = osnoise ] || { vm_section "armed-$sig" >&2; vm_fail "SIG$sig: the run was not armed with osnoise when signalled"; }
		vm_section "armed-$sig" | grep -qx "quietcore-noise-$pid.saved" ||
			{ vm_section "armed-$sig" >&2; vm_fail "SIG$sig: no quietcore-noise-$pid.saved while armed"; }
		[ "$sig" = TERM ] && tpid=$pid || kpid=$pid
	done
	[ "$(vm_section killed-TERM-rc)" = 143 ] ||
		{ vm_section killed-TERM-stderr >&2; vm_fail "SIGTERM: exit status $(vm_section killed-TERM-rc), expected 143 (the signal re-raised)"; }
	# the SIGKILLed run left its instance; the next run swept it
	vm_section state-killed-KILL | grep -qx "quietcore-noise-$kpid" ||
		{ vm_section state-killed-KILL >&2; vm_fail "SIGKILL: no instance quietcore-noise-$kpid left"; }
	noise_check verify-sweep | jq -e --arg n "quietcore-noise-$kpid" '.details.removed_stale_instances | tostring | contains($n)' >/dev/null ||
		{ noise_check verify-sweep >&2; vm_fail "the next run did not report removing quietcore-noise-$kpid"; }
	[ -n "$tpid" ]
}

@test "6.1-rt: no saved osnoise settings are left in /run/quietcore" {
	use noise-rt-6.1
	if vm_section run-quietcore | grep -q '\.saved$'; then
		vm_section run-quietcore >&2
		vm_fail "a *.saved file is left"
	fi
	! vm_section run-after-auto | grep -q '\.saved$' || {
		vm_section run-after-auto >&2
		vm_fail "a *.saved file is left after the osnoise run"
	}
}

@test "6.1-rt, side by side: isol-verify (osnoise) and rtla osnoise top for CPU 2" {
	use noise-rt-6.1
	local c line rc
	rc=$(vm_section rtla-rc)
	[ "$rc" = 0 ] || { vm_section rtla-stderr >&2; vm_fail "rtla exited '$rc'"; }
	line=$(vm_section rtla | sed 's/\x1b\[[0-9;]*m//g; s/\x1bc//g' | awk '$1 == 2 && $2 ~ /^#/')
	[ -n "$line" ] || { vm_section rtla | cat -v >&2; vm_fail "no CPU 2 line in rtla's output"; }
	c=$(cpu2 verify-auto)
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
