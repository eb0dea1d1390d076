# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# Drill: --apply whose regeneration step fails inside the guest, sourced by
# qc-driver. Two ways: update-grub itself failing (a broken /etc/grub.d
# script: grub-mkconfig stops before it replaces grub.cfg), and an
# --update-command that fails. Either way cmdline-gen must put every file
# back, and the next boot must have the old line.
case $QC_BOOT in
1)
	qc_run sha-before sha256sum /etc/default/grub /boot/grub/grub.cfg
	printf '#!/bin/sh\necho "99_qc_broken: failing on purpose" >&2\nexit 1\n' >/etc/grub.d/99_qc_broken
	chmod 0755 /etc/grub.d/99_qc_broken
	qc_run apply-broken-grub cmdline-gen --apply
	rm -f /etc/grub.d/99_qc_broken
	qc_run sha-after-broken-grub sha256sum /etc/default/grub /boot/grub/grub.cfg
	qc_run apply-false cmdline-gen --apply --update-command false
	qc_run sha-after-false sha256sum /etc/default/grub /boot/grub/grub.cfg
	qc_run check cmdline-gen --check
	qc_reboot
	;;
2)
	qc_run check cmdline-gen --check
	;;
esac
