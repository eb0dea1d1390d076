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
	# An emulated guest is still busy for a while after multi-user.target
	# (the first runs of the nightly cells saw CPU 0 97% busy, not from
	# isol-verify): wait, at most 180 s, until no CPU is over 50% busy for a
	# second, as a fleet check run later would find it; say what was busy.
	# shellcheck disable=SC2016 # expanded by the inner sh
	qc_run settle sh -c '
		snap() { awk "/^cpu[0-9]/ { b = \$2 + \$3 + \$4 + \$7 + \$8 + \$9; print \$1, b, b + \$5 + \$6 }" /proc/stat; }
		ps -eo pid,psr,pcpu,stat,comm --sort=-pcpu | head -8
		i=0
		while [ $i -lt 180 ]; do
			a=$(snap); sleep 1; b=$(snap); i=$((i + 1))
			m=$(printf "%s\n%s\n" "$a" "$b" | awk "{ if (\$1 in B) { t = \$3 - T[\$1]; p = t > 0 ? 100 * (\$2 - B[\$1]) / t : 0; if (p > m) m = p } else { B[\$1] = \$2; T[\$1] = \$3 } } END { printf \"%d\", m }")
			[ "$m" -lt 50 ] && break
		done
		echo "settled after ${i} s (busiest CPU ${m}%)"'
	qc_run verify isol-verify --json
	# For a verdict that is not OK: who sends IPIs now (the ipi tracepoints
	# exist from 6.6 on), 3 s of them by sender and call site.
	# shellcheck disable=SC2016 # expanded by the inner sh
	qc_run ipis sh -c '
		t=/sys/kernel/tracing
		[ -d $t/events/ipi ] || mount -t tracefs tracefs $t 2>/dev/null
		[ -e $t/events/ipi/ipi_send_cpumask ] || { echo "no ipi_send_cpumask tracepoint in $(uname -r)"; exit 0; }
		echo > $t/trace
		for e in ipi_send_cpu ipi_send_cpumask; do echo 1 > $t/events/ipi/$e/enable; done
		sleep 3
		for e in ipi_send_cpu ipi_send_cpumask; do echo 0 > $t/events/ipi/$e/enable; done
		grep -v "^#" $t/trace | sed -E "s/^ *(.*)-[0-9]+ +\[[0-9]+\].*: ipi_send_cpu[a-z]*: (cpu|cpumask)=([^ ]+) callsite=([^+ ]+).* callback=([^+ ]+).*/\1 -> \3 \4 \5/" |
			sort | uniq -c | sort -rn | head -20'
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
