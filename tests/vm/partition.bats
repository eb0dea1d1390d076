#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run-time isolation (issue 16) in a real Debian guest booted with systemd
# and no isolation on the command line: the 6.1 image of tests/vm/image.bash
# (the provisioning tests' own), then Debian's 6.12 installed in the guest and
# booted; one QEMU run, three boots (tests/vm/guest/partition.sh).
#
# Boots 1 (6.1) and 2 (6.12): early-pin --save part --partition --cpus 2-3
# makes the transient slice quietcore.slice an isolated partition; the CPUs
# leave the scheduler domains, no movable task, device IRQ or unbound
# workqueue stays there; systemctl daemon-reload changes none of it;
# --restore gives back the cgroup files and every affinity byte for byte;
# run --partition puts COMMAND on 2-3 in the slice; a run SIGKILLed is
# restored from its state.
# Boot 3 (6.12): CPU 3 isolated on the command line (cmdline-gen --apply),
# CPU 2 by quietcore-partition.service (cmdline-gen --apply --runtime): the
# unit's partition before the services, the jitter probe on CPUs 1, 2 and 3
# side by side, and isol-alloc (issue 17): its socket enabled, its daemon
# with --cgroup (the drop-in isol-alloc(8) names) moving a process to the
# CPU it granted and back, then two services granted the pool's two CPUs
# over it. Boot 4 (no partition): the grants reconciled by the daemon its
# socket starts.
# Boot 3 once hung 6.12 (PID 1, kthreadd and udevd blocked right after the
# unit's slice was created): the kernel narrowed the workqueue mask under
# cpuset_mutex and waited for a kworker fork that waited for systemd, which
# waited for that mutex; early-pin now narrows the mask before the
# partition (early-pin(8)). The guest boots it with hung_task_panic=1 and
# ignore_loglevel, so a hang ends in minutes with the stacks in the console
# log.
#
# Nothing skips: a missing tool, package or kernel fails with the reason.
#
# The guest has one TCG thread and runs beside the other guest tests, which
# leave the second core mostly idle (tests/run.sh):
# tests/run.sh: beside the others

load ../bats/helpers
load vm
load image
load partition

setup_file() {
	part_boot partition
}

@test "6.1, systemd: --save --partition makes an isolated slice; tasks, IRQs, workqueues off 2-3; daemon-reload keeps it" {
	check_partition 6.1
}

@test "6.1, systemd: --restore gives back cgroup files and affinities byte for byte, twice" {
	check_restore 6.1
}

@test "6.1, systemd: run --partition puts COMMAND on 2-3 in the slice; a SIGKILLed run is restored" {
	check_run 6.1
}

@test "6.12, systemd: --save --partition makes an isolated slice; tasks, IRQs, workqueues off 2-3; daemon-reload keeps it" {
	check_partition 6.12
}

@test "6.12, systemd: --restore gives back cgroup files and affinities byte for byte, twice" {
	check_restore 6.12
}

@test "6.12, systemd: run --partition puts COMMAND on 2-3 in the slice; a SIGKILLed run is restored" {
	check_run 6.12
}

@test "6.12, at boot: cmdline-gen --apply --runtime's unit makes the partition before the services, beside a CPU isolated on the command line; stopping it and --revert --runtime undo it" {
	local line json
	img_expect_rc 2 apply-boot 0
	img_expect_rc 2 apply-runtime 0
	line=$(img_section 3 boot | head -1)
	[[ " $line " == *" nohz_full=3 "* ]] || img_fail "boot 3 lacks the boot plan for CPU 3: $line"
	img_section 3 unit-service | grep -qx 'ActiveState=active' || img_fail "boot 3: quietcore-partition.service is not active"
	img_section 3 unit-service | grep -qx 'Result=success' || img_fail "boot 3: quietcore-partition.service did not succeed"
	[ "$(img_section 3 partition)" = isolated ] ||
		img_fail "boot 3: cpuset.cpus.partition says '$(img_section 3 partition)'"
	[ "$(img_section 3 effective)" = 2 ] || img_fail "boot 3: the slice's effective CPUs are '$(img_section 3 effective)'"
	img_section 3 domains | grep -qx 'cpu2 0' || img_fail "boot 3: CPU 2 still has a scheduler domain"
	img_section 3 domains | grep -qx 'cpu0 [1-9]' || img_fail "boot 3: CPU 0 lost its scheduler domain"
	# the unit's early-pin keeps house on 0-1: nothing moved onto boot-isolated 3
	vm_check_tasks_off 2-3 "3.saved-tasks"
	irqs_moved 3
	json=$(img_section 3 verify)
	jq -e '.plan.isolation == "both" and .plan.runtime_isolated == "2"' <<<"$json" >/dev/null ||
		{ jq .plan <<<"$json" >&2; img_fail "boot 3: isol-verify does not see CPU 3 isolated at boot and 2 at run time"; }
	# stopping the unit: its ExecStop= restores, the slice is gone
	img_expect_rc 3 unit-stop 0
	img_section 3 unit-stopped | grep -q 'No such file or directory' || img_fail "boot 3: the slice outlived its unit"
	img_section 3 unit-stopped | grep -qx inactive || img_fail "boot 3: the unit is still active"
	img_expect_rc 3 revert-runtime 0
	img_section 3 unit-enabled | grep -qx disabled || img_fail "boot 3: --revert --runtime left the unit enabled"
	img_section 3 unit-enabled | grep -q 'No such file or directory' || img_fail "boot 3: --revert --runtime left the drop-in"
}

@test "jitter in one guest: a run-time partition CPU vs a boot-isolated one vs an untouched one (printed; TCG timing, no threshold)" {
	local c role d out=
	for c in 1 2 3; do
		case $c in 1) role=untouched ;; 2) role="run-time partition" ;; 3) role=boot-isolated ;; esac
		d=$(img_section 3 "jitter-$c" | jq -c '.checks[] | select(.id == "jitter") | .details.cpus[0]') ||
			img_fail "boot 3: no jitter report for CPU $c"
		jq -e --argjson c "$c" '.cpu == $c and .samples > 0' <<<"$d" >/dev/null ||
			{ img_section 3 "jitter-$c" >&2; img_fail "boot 3: the jitter probe did not measure CPU $c"; }
		out+=$(jq -r --arg r "$role" '"# CPU \(.cpu) (\($r)): max \(.max_ns) ns, p99.9 \(.p999_ns) ns, \(.over_threshold) gaps over 10 us, \(.samples) samples"' <<<"$d")$'\n'
	done
	printf '# jitter probe, 5 s per CPU, 6.12 under QEMU TCG:\n%s' "$out" >&3
}

@test "isol-alloc --cgroup under the real systemd (6.12): a grant bound to a process puts it in a scope of its own under the partition's slice with exactly its CPU; the release puts it back and stops the units" {
	local reply cpus want
	img_expect_rc 3 alloc-p 0
	reply=$(img_section 3 alloc-p)
	jq -e '.enforced == true' <<<"$reply" >/dev/null || img_fail "boot 3: the grant was not enforced: $reply"
	cpus=$(jq -r .cpus <<<"$reply")
	[[ $cpus =~ ^[23]$ ]] || img_fail "boot 3: svc-p got '$cpus', not CPU 2 or 3 (the pool)"
	img_section 3 pin-granted | grep -qx "Cpus_allowed_list:[[:space:]]*$cpus" ||
		{ img_section 3 pin-granted >&2; img_fail "boot 3: the process is not on exactly CPU $cpus"; }
	# svc-p's key is svc_2dp: quietcore.slice > quietcore-alloc_svc_2dp.slice > the scope
	want='0::/quietcore.slice/quietcore-alloc_svc_2dp.slice/quietcore-alloc-svc_2dp.scope'
	img_section 3 pin-granted | grep -qx "$want" ||
		{ img_section 3 pin-granted >&2; img_fail "boot 3: the process is not in $want"; }
	img_expect_rc 3 alloc-p-release 0
	[ "$(img_section 3 pin-after)" = "$(img_section 3 pin-before)" ] || {
		diff <(img_section 3 pin-before) <(img_section 3 pin-after) >&2
		img_fail "boot 3: after the release the process's CPUs or cgroup differ from before"
	}
	[ -z "$(img_section 3 pin-left)" ] ||
		{ img_section 3 pin-left >&2; img_fail "boot 3: cgroups or units of svc-p are left after the release"; }
}

@test "isol-alloc in the guest: two services share the pool over the activated socket, a third is refused; after a reboot without the partition the grant on CPU 2 is released, the other kept" {
	local a b list4
	img_expect_rc 3 alloc-enable 0
	img_expect_rc 3 alloc-a 0
	img_expect_rc 3 alloc-b 0
	a=$(img_section 3 alloc-a | jq -r .allocated_cores)
	b=$(img_section 3 alloc-b | jq -r .allocated_cores)
	[ "$(printf '%s\n' "$a" "$b" | sort | tr '\n' ' ')" = "2 3 " ] ||
		img_fail "boot 3: svc-a got '$a', svc-b '$b', not CPUs 2 and 3 (the pool: 3 isolcpus, 2 the partition)"
	img_expect_rc 3 alloc-c 1
	img_section 3 alloc-c | jq -e '.error | startswith("Insufficient CPUs available")' >/dev/null ||
		img_fail "boot 3: the third request did not say the pool is exhausted: $(img_section 3 alloc-c)"
	img_section 3 alloc-list | jq -e '.total_allocations == 2 and .total_available_cpus == 2 and .remaining_available_cpus == 0' >/dev/null ||
		img_fail "boot 3: list says $(img_section 3 alloc-list)"
	img_section 3 alloc-active | grep -qx active || img_fail "boot 3: the socket or the daemon is not active"
	# boot 4: the pool is CPU 3 alone
	img_expect_rc 4 alloc-list-4 0
	list4=$(img_section 4 alloc-list-4)
	jq -e '.total_available_cpus == 1 and .total_allocations == 1 and (.allocations[0].allocated_cores == "3")' <<<"$list4" >/dev/null ||
		img_fail "boot 4: list says $list4"
	img_section 4 alloc-journal-4 | grep -Eq 'pool changed: .* -> 3($|[^,0-9-])' ||
		{ img_section 4 alloc-journal-4 >&2; img_fail "boot 4: the daemon did not log the pool's change"; }
	img_section 4 alloc-journal-4 | grep -q 'grant released: none of its CPUs is in the pool' ||
		img_fail "boot 4: the daemon did not log the released grant"
}
