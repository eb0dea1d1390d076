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
# node), initramfs without systemd. The rest of the matrix is in
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

@test "drill: a kernel package installed after --apply: its GRUB entry carries the plan, --check agrees, it boots with the plan and early-pin; the plan it grew on the new kernel: --check says to re-run --apply, which puts it in effect" {
	local deb disk size script line newk c3 line3 added
	# four boots, one with dracut for the new kernel
	local IMG_TIMEOUT=$((IMG_TIMEOUT * 3 / 2))
	img_deb "$(vm_kernel_pkg 6.12)"
	deb=$IMG_DEB
	newk=$(dpkg-deb -f "$deb" Package | sed -E 's/^linux-image-//; s/-unsigned$//')
	size=$(stat -c %s "$deb")
	# the .deb as a raw disk (whole sectors) for the offline dpkg -i
	disk=$BATS_TEST_TMPDIR/deb.raw
	cp "$deb" "$disk" && truncate -s $(((size + 511) / 512 * 512)) "$disk"
	script=$(prov_script drill-kernel "QC_DEB_SIZE=$size")
	img_boot drill-kernel "$script" "${PROV_QEMU[@]}" -smp 2 -drive "file=$disk,format=raw,if=virtio,readonly=on"
	img_expect_rc 1 plan 0
	line=$(img_section 1 plan | jq -r .cmdline)
	img_expect_rc 1 apply 0
	prov_words_in "$line" "$(img_section 2 boot | head -1)"
	img_expect_rc 2 dpkg 0
	# the new kernel is what GRUB boots next, with the plan
	img_section 2 next-linux | grep -qF "vmlinuz-$newk " ||
		{ img_section 2 next-linux >&2; img_fail "GRUB's default entry is not the new kernel $newk"; }
	prov_words_in "$line" "$(img_section 2 next-linux)" ||
		img_fail "the new kernel's GRUB entry lost the parameters"
	img_expect_rc 2 check 0
	# its initramfs (built by the package's postinst) has early-pin
	img_section 2 initramfs-modules | awk -v f="== /boot/initrd.img-$newk" '$0 == f { s = 1; next } /^== / { s = 0 } s' |
		grep -qx early-pin || { img_section 2 initramfs-modules >&2; img_fail "the new kernel's initramfs has no early-pin"; }
	# the new kernel boots with the plan, early-pin runs in its initramfs
	c3=$(img_section 3 boot)
	[ "$(sed -n 2p <<<"$c3")" = "$newk" ] || img_fail "boot 3 runs $(sed -n 2p <<<"$c3"), not $newk"
	prov_words_in "$line" "$(head -1 <<<"$c3")" || img_fail "boot 3 (new kernel) lacks the plan"
	prov_check_kmsg 3 2 0
	echo "# on $newk: isol-verify exit $(img_rc 3 verify)" >&3
	# issue 7: on the new kernel the plan can have more parameters (the
	# benchmark profile's workqueue.unbound_cpus=, 6.6 and later). --check
	# names each one missing and tells the admin to run --apply again.
	img_expect_rc 3 plan 0
	line3=$(img_section 3 plan | jq -r .cmdline)
	added=$(prov_words_without "$line3" "$line")
	echo "# on $newk the plan adds: ${added:-nothing}; --check: $(img_section 3 check | tail -1)" >&3
	if [ -n "$added" ]; then
		img_expect_rc 3 check 1
		local w
		for w in $added; do
			img_section 3 check | grep -qF "${w%%=*}" ||
				{ img_section 3 check >&2; img_fail "--check on $newk does not name $w"; }
		done
		img_section 3 check | tail -1 | grep -qE 'run cmdline-gen --apply' ||
			{ img_section 3 check >&2; img_fail "--check on $newk does not say to run --apply"; }
	else
		img_expect_rc 3 check 0
	fi
	[[ " $line3 " == *" workqueue.unbound_cpus="* ]] ||
		img_fail "the benchmark plan on $newk has no workqueue.unbound_cpus="
	# following the advice: --apply, reboot, the grown plan is in effect
	img_expect_rc 3 apply 0
	prov_words_in "$line3" "$(img_section 4 boot | head -1)" || img_fail "boot 4 lacks the plan for $newk"
	img_expect_rc 4 check 0
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
