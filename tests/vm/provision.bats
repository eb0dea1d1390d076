#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The whole provisioning loop on a real Debian install, booted through
# SeaBIOS and GRUB under QEMU (TCG): cmdline-gen --apply, reboot, the plan
# on the command line, early-pin in the initramfs, isol-verify OK,
# cmdline-gen --revert, reboot, the original line and /etc/default/grub
# byte for byte. Then the failure drills. The disk image is built from
# Debian's packages by tests/vm/image.bash and cached by its inputs.
#
# This is the make check cell: Debian 6.1 cloud kernel, -smp 4 (one NUMA
# node), initramfs without systemd. The drill of a kernel package installed
# after --apply (four boots) is nightly (tests/vm/nightly/provision-matrix.bats),
# for CI time. The rest of the matrix is in
# tests/vm/nightly/provision-*.bats (make check-vm-nightly). Nothing skips:
# a missing tool, package or kernel fails the test with the reason.

load ../bats/helpers
load vm
load image
load provision

setup_file() {
	img_build 6.1 plain
	export IMG_BASE
}

@test "provision 6.1/-smp 4/no systemd in initramfs: apply, reboot, early-pin, isol-verify OK, revert, reboot, original line and /etc/default/grub" {
	prov_loop loop-6.1-smp4-plain 0 1-3 -- -smp 4
}

@test "drill: the regeneration step fails inside the guest (broken update-grub, failing --update-command): files put back, the next boot has the old line" {
	local script c1 c2 before
	script=$(prov_script drill-regen)
	img_boot drill-regen "$script" "${PROV_QEMU[@]}" -smp 2
	c1=$(img_section 1 boot | head -1)
	before=$(img_section 1 sha-before)
	# update-grub fails (a broken /etc/grub.d script)
	img_expect_rc 1 apply-broken-grub 1
	img_section 1 apply-broken-grub.err | grep -q 'update command failed' ||
		{ img_section 1 apply-broken-grub.err >&2; img_fail "no 'update command failed' from cmdline-gen"; }
	img_section 1 apply-broken-grub.err | grep -q '99_qc_broken: failing on purpose' ||
		img_fail "update-grub did not run the broken /etc/grub.d script: the drill did not happen"
	[ "$(img_section 1 sha-after-broken-grub)" = "$before" ] ||
		img_fail "/etc/default/grub or grub.cfg changed after the failed --apply"
	# the update command fails
	img_expect_rc 1 apply-false 1
	[ "$(img_section 1 sha-after-false)" = "$before" ] ||
		img_fail "/etc/default/grub or grub.cfg changed after --apply --update-command false"
	img_expect_rc 1 check 1
	# the next boot has the old line
	c2=$(img_section 2 boot | head -1)
	[ "$c2" = "$c1" ] || img_fail "the boot after the failed --apply has '$c2', was '$c1'"
	img_expect_rc 2 check 1
}

@test "drill: rd.earlypin=0 and a process pinned to an isolated CPU: no early-pin, isol-verify CRITICAL naming the process" {
	local script json pin=1
	script=$(prov_script drill-earlypin "QC_PIN_CPU=$pin")
	img_boot drill-earlypin "$script" "${PROV_QEMU[@]}" -smp 2
	img_expect_rc 1 apply 0
	[[ " $(img_section 2 boot | head -1) " == *" rd.earlypin=0 "* ]] || img_fail "boot 2 lacks rd.earlypin=0"
	# early-pin stayed out of the boot
	! img_section 2 kmsg | grep -q 'early-pin:' ||
		{ img_section 2 kmsg >&2; img_fail "early-pin ran although rd.earlypin=0"; }
	img_section 2 pinned | grep -qE "affinity list: $pin$" || { img_section 2 pinned >&2; img_fail "the load is not pinned to CPU $pin"; }
	prov_check_verify 2 2
	json=$(img_section 2 verify)
	# a critical check names the pinned process
	jq -e '[.checks[] | select(.status == "critical") | tostring | select(test("qc-pinned-load"))] | length > 0' \
		<<<"$json" >/dev/null || {
		jq '.checks[] | select(.status == "critical")' <<<"$json" >&2
		img_fail "no critical check of isol-verify names qc-pinned-load"
	}
}
