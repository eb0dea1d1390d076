#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nightly (make check-vm-nightly): the partition guest of
# tests/vm/partition.bats with its third boot (6.12): CPU 3 isolated on the
# command line (cmdline-gen --apply) and CPU 2 by quietcore-partition.service
# (cmdline-gen --apply --runtime): the unit's partition before the services,
# and the jitter probe on CPUs 1, 2 and 3 side by side. Not in make check:
# in a CI run the 6.12 guest hung once right after the unit's slice was
# created (PID 1, kthreadd, udevd blocked; hung-task reports), and passed in
# the run before. Nothing skips.

load ../../bats/helpers
load ../vm
load ../image
load ../partition

setup_file() {
	part_boot partition-boot 1
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
