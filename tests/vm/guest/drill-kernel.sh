# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# Drill: a kernel package update after --apply, sourced by qc-driver. The
# host attaches the .deb as a raw disk (/dev/vdb) and prepends QC_DEB_SIZE.
#   boot 1: apply, reboot
#   boot 2: dpkg -i the new kernel offline (its postinst runs dracut and
#           update-grub); does the new default entry carry the plan, what
#           does --check say; reboot
#   boot 3: the new kernel runs with the plan, early-pin ran; the plan for
#           this kernel may have grown (the benchmark profile adds
#           workqueue.unbound_cpus= from 6.6 on): --check says what is
#           missing and to run --apply, which is done; reboot
#   boot 4: --check finds the plan in effect
case $QC_BOOT in
1)
	qc_run plan cmdline-gen --json
	qc_run apply cmdline-gen --apply
	qc_reboot
	;;
2)
	head -c "$QC_DEB_SIZE" /dev/vdb >/run/new-kernel.deb
	qc_run dpkg dpkg -i /run/new-kernel.deb
	qc_run next-linux grep -m1 -E '^[[:space:]]*linux[[:space:]]' /boot/grub/grub.cfg
	qc_run check cmdline-gen --check
	# shellcheck disable=SC2016 # expanded by that sh
	qc_run initramfs-modules sh -c 'for f in /boot/initrd.img-*; do echo "== $f"; lsinitrd -m "$f"; done'
	qc_reboot
	;;
3)
	qc_run kmsg sh -c 'dmesg | grep -E "early-pin"'
	qc_run check cmdline-gen --check
	qc_run verify isol-verify --json
	qc_run plan cmdline-gen --json
	qc_run apply cmdline-gen --apply
	qc_reboot
	;;
4)
	qc_run check cmdline-gen --check
	;;
esac
