# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# The tables a guest reports and the host's checks read (tests/vm/vm.bash:
# vm_check_tasks_off, vm_check_irqs_off), one line each:
#
#   tasks: TID STARTTIME FLAGS ALLOWED COMM
#   irqs:  N SMP_AFFINITY EFFECTIVE_AFFINITY ACTIONS
#
# Sourced by the boot-test guest's init (busybox sh, tests/vm/guest-init.sh)
# and by the provisioning image's scripts (tests/vm/guest/*.sh).

tasks() {
	for _t in /proc/[0-9]*/task/[0-9]*; do
		read -r _stat <"$_t/stat" 2>/dev/null || continue
		_comm=${_stat#*(}
		_comm=${_comm%)*}
		# shellcheck disable=SC2086
		set -- ${_stat##*) }
		_flags=$7
		_start=${20}
		_allowed=
		while read -r _k _v; do
			[ "$_k" = Cpus_allowed_list: ] && _allowed=$_v
		done <"$_t/status" 2>/dev/null
		[ -n "$_allowed" ] || continue
		echo "${_t##*/} $_start $_flags $_allowed $_comm"
	done
}

irqs() {
	for _d in /proc/irq/[0-9]*; do
		read -r _smp <"$_d/smp_affinity_list" 2>/dev/null || continue
		read -r _eff <"$_d/effective_affinity_list" 2>/dev/null || _eff=-
		_act=
		for _a in "$_d"/*; do
			[ -d "$_a" ] && _act="$_act${_act:+,}${_a##*/}"
		done
		echo "${_d##*/} $_smp ${_eff:--} ${_act:--}"
	done
}
