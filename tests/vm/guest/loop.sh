# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC2086 # QC_PLAN_ARGS is a word list
#
# The provisioning loop, sourced by qc-driver on every boot (QC_BOOT = 1, 2,
# 3): what a person does on a new benchmark host. The host prepends
# QC_PLAN_ARGS (plan options for cmdline-gen, may be empty).
#   boot 1: no isolation; plan, apply, reboot
#   boot 2: the plan is in effect; early-pin's kmsg lines, isol-verify,
#           --check; revert, reboot
#   boot 3: the original line again; /etc/default/grub as before
case $QC_BOOT in
1)
	qc_run plan cmdline-gen --json $QC_PLAN_ARGS
	qc_run grub-sha sha256sum /etc/default/grub
	qc_run apply cmdline-gen --apply $QC_PLAN_ARGS
	qc_run check cmdline-gen --check $QC_PLAN_ARGS
	qc_run next-linux grep -m1 -E '^[[:space:]]*linux[[:space:]]' /boot/grub/grub.cfg
	qc_reboot
	;;
2)
	qc_run kmsg sh -c 'dmesg | grep -E "early-pin|isolcpus|nohz_full|smpboot: Allowing"'
	qc_run verify isol-verify --json
	qc_run check cmdline-gen --check $QC_PLAN_ARGS
	qc_run revert cmdline-gen --revert
	qc_reboot
	;;
3)
	qc_run grub-sha sha256sum /etc/default/grub
	qc_run kmsg sh -c 'dmesg | grep -E "early-pin" || :'
	qc_run check cmdline-gen --check $QC_PLAN_ARGS
	;;
esac
