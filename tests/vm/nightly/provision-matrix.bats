#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nightly cells of the provisioning loop (make check-vm-nightly): the matrix
# of tests/vm/provision.bats that does not fit CI time. Kernels Debian 6.1
# cloud and 6.12 cloud; -smp 4 (one NUMA node) and -smp 8 as 2 sockets x 2
# cores x 2 threads in two NUMA nodes (the plan keeps whole cores and one
# housekeeping core per node); initramfs without and with systemd. The cell
# 6.1/-smp 4/without systemd runs in make check (tests/vm/provision.bats);
# the kernel-package drill is here, for CI time.
# Each kernel/initramfs pair is one cached disk image (tests/vm/image.bash).

: "${QC_TOP:=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)}"
load ../../bats/helpers
load ../vm
load ../image
load ../provision

SMP4=(-smp 4)
# TCG's `max` CPU has AMD's vendor id by default, and without the topoext
# leaves an AMD guest kernel sees 8 single-thread cores, not 2 threads per
# core: the vendor makes the threads visible (the last -cpu wins).
# shellcheck disable=SC2054 # QEMU's commas
NUMA=(-cpu max,vendor=GenuineIntel -smp 8,sockets=2,cores=2,threads=2
	-object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
	-numa node,nodeid=0,cpus=0-3,memdev=m0 -numa node,nodeid=1,cpus=4-7,memdev=m1)

@test "nightly provision 6.1/-smp 4/systemd in initramfs" {
	img_build 6.1 systemd
	prov_loop loop-6.1-smp4-systemd 0 1-3 -- "${SMP4[@]}"
}

@test "nightly provision 6.1/2 nodes x 2 cores x 2 threads/no systemd in initramfs: one whole housekeeping core per node" {
	img_build 6.1 plain
	prov_loop loop-6.1-numa-plain 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
}

@test "nightly provision 6.1/2 nodes x 2 cores x 2 threads/systemd in initramfs" {
	img_build 6.1 systemd
	prov_loop loop-6.1-numa-systemd 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
}

@test "nightly provision 6.12/-smp 4/no systemd in initramfs" {
	img_build 6.12 plain
	prov_loop loop-6.12-smp4-plain 0 1-3 -- "${SMP4[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}

@test "nightly provision 6.12/-smp 4/systemd in initramfs" {
	img_build 6.12 systemd
	prov_loop loop-6.12-smp4-systemd 0 1-3 -- "${SMP4[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}

@test "nightly provision 6.12/2 nodes x 2 cores x 2 threads/no systemd in initramfs" {
	img_build 6.12 plain
	prov_loop loop-6.12-numa-plain 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}

@test "nightly provision 6.12/2 nodes x 2 cores x 2 threads/systemd in initramfs" {
	img_build 6.12 systemd
	prov_loop loop-6.12-numa-systemd 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}

@test "nightly drill: a kernel package installed after --apply: its GRUB entry carries the plan, --check agrees, it boots with the plan and early-pin; the plan it grew on the new kernel: --check says to re-run --apply, which puts it in effect" {
	local deb disk size script line newk c3 line3 added
	img_build 6.1 plain
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
