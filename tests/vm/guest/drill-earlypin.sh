# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# Drill: rd.earlypin=0 and a process pinned to an isolated CPU, sourced by
# qc-driver. isol-verify must say CRITICAL and name the process. The host
# prepends QC_PIN_CPU (an isolated CPU).
case $QC_BOOT in
1)
	qc_run apply cmdline-gen --apply --extra rd.earlypin=0
	qc_reboot
	;;
2)
	qc_run kmsg sh -c 'dmesg | grep -E "early-pin" || :'
	# a workload with a name of its own (/run is noexec)
	cp /bin/sleep /usr/local/bin/qc-pinned-load
	taskset -c "$QC_PIN_CPU" /usr/local/bin/qc-pinned-load 3600 &
	sleep 1
	qc_run pinned taskset -pc $!
	qc_run verify isol-verify --json
	;;
esac
