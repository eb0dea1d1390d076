# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# The Ansible role against the guest over SSH (tests/vm/nightly/ansible.bats),
# sourced by qc-driver on every boot. The host prepends QC_SSH_KEY, the
# public half of a key pair it made for this run: nothing of it is in the
# image. Every boot: authorize that key, report, and stay up for the host's
# ansible-playbook, whose reboot (ansible.builtin.reboot) the driver then
# takes as expected. The host ends the run with `qc-driver end`.
umask 077
mkdir -p /root/.ssh
printf '%s\n' "$QC_SSH_KEY" >/root/.ssh/authorized_keys
qc_run sshd systemctl is-active ssh.service
qc_run kmsg sh -c 'dmesg | grep -E "early-pin" || :'
qc_stay_up
