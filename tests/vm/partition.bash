# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The partition guest (tests/vm/guest/partition.sh) and the host's checks of
# its report, for tests/vm/partition.bats.

# up to three boots through GRUB, update-grub between them
# shellcheck disable=SC2034 # read by img_boot (image.bash)
IMG_TIMEOUT=${QC_IMG_TIMEOUT:-2400}

# part_boot NAME: the guest run, three boots
part_boot() {
	local script=$BATS_FILE_TMPDIR/partition.sh deb disk size
	img_build 6.1 plain || return 1
	img_deb "$(vm_kernel_pkg 6.12)" || return 1
	deb=$IMG_DEB
	size=$(stat -c %s "$deb")
	# the .deb as a raw disk (whole sectors), read by the guest from /dev/vdb
	disk=$BATS_FILE_TMPDIR/deb.raw
	cp "$deb" "$disk" && truncate -s $(((size + 511) / 512 * 512)) "$disk" || return 1
	{
		echo "QC_DEB_SIZE=$size"
		cat "$QC_TOP/tests/vm/guest/tables.sh" "$QC_TOP/tests/vm/guest/partition.sh"
	} >"$script" || return 1
	# One TCG thread for the four vCPUs: the guest holds one host core and
	# tests/run.sh runs it beside the other guest tests (partition.bats),
	# and the kernel's text patching as cpuset flips its static keys cannot
	# meet the MTTCG hang that tracepoints met (vm.bash, VM_TCG).
	IMG_TCG=tcg,thread=single img_boot "$1" "$script" -smp 4 -global virtio-blk-pci.num-queues=1 \
		-drive "file=$disk,format=raw,if=virtio,readonly=on" || return 1
	export IMG_LOG IMG_RESULTS
}

setup() {
	[ -s "${IMG_RESULTS:-}" ] || img_fail "no guest report (IMG_RESULTS=${IMG_RESULTS:-unset})"
	# vm.bash's checks read sections of VM_RESULTS; here they are "BOOT.NAME"
	# shellcheck disable=SC2034 # read by vm_check_* (vm.bash)
	VM_RESULTS=$IMG_RESULTS
}

teardown() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] || img_show_log
}

# boot_of KERNEL: which boot of the run had it (1: 6.1, 2: 6.12)
boot_of() {
	case $1 in 6.1) echo 1 ;; 6.12) echo 2 ;; esac
}

# tasks_same BOOT A B: every task in both snapshots (same tid and start
# time), but the kernel's per-CPU ones, has the same mask in both
tasks_same() {
	local b=$1 bad
	bad=$(awk -v pf="$PF_NO_SETAFFINITY" '
		FNR == 1 { f++ }
		f == 1 { m[$1 " " $2] = $4; next }
		{
			k = $1 " " $2
			if (!(k in m) || int($3 / pf) % 2) next
			if (m[k] != $4) print "task " $1 " (" $5 "): " m[k] " -> " $4
		}' <(img_section "$b" "$2-tasks") <(img_section "$b" "$3-tasks"))
	[ -z "$bad" ] || { echo "$bad" >&2; img_fail "boot $b: task masks differ between $2 and $3"; return 1; }
	[ "$(img_section "$b" "$2-tasks" | wc -l)" -gt 20 ] || img_fail "boot $b: section $2-tasks is almost empty"
}

# same BOOT A B WHAT: a section pair byte for byte (cgroup files, IRQs, masks)
same() {
	local b=$1 d
	d=$(diff <(img_section "$b" "$2-$4") <(img_section "$b" "$3-$4")) ||
		{ echo "$d" >&2; img_fail "boot $b: $4 differs between $2 and $3"; }
}

# irqs_same BOOT A B: every IRQ's smp_affinity (the effective one is the
# APIC's pick, and may move)
irqs_same() {
	local d
	d=$(diff <(img_section "$1" "$2-irqs" | cut -d' ' -f1,2) <(img_section "$1" "$3-irqs" | cut -d' ' -f1,2)) ||
		{ echo "$d" >&2; img_fail "boot $1: IRQ affinities differ between $2 and $3"; }
}

# irqs_moved BOOT: every IRQ with a handler is asked off 2-3 (smp_affinity),
# but the managed queue IRQs a partition cannot move. The effective
# affinity may lag: the x86 I/O APIC without interrupt remapping (QEMU's
# default) moves an IRQ at its next interrupt, and isol-verify says so.
irqs_moved() {
	local n smp act bad=0
	while read -r n smp _ act; do
		[ "$act" != - ] || continue
		case $act in virtio*-req.*) continue ;; esac
		if cpulist_meets "$smp" 2-3; then
			echo "IRQ $n ($act): smp_affinity $smp reaches 2-3" >&2
			bad=$((bad + 1))
		fi
	done < <(img_section "$1" saved-irqs)
	[ "$bad" -eq 0 ] || img_fail "boot $1: $bad movable IRQ(s) still asked onto 2-3"
}

check_partition() { # KERNEL
	local b
	b=$(boot_of "$1")
	img_section "$b" uname | grep -q "^$1\." || img_fail "boot $b ran $(img_section "$b" uname), not $1"
	img_expect_rc "$b" save 0
	[ "$(img_section "$b" partition)" = isolated ] ||
		img_fail "boot $b: cpuset.cpus.partition says '$(img_section "$b" partition)'"
	[ "$(img_section "$b" effective)" = 2-3 ] ||
		img_fail "boot $b: the slice's effective CPUs are '$(img_section "$b" effective)'"
	img_section "$b" unit | grep -qx 'ActiveState=active' || img_fail "boot $b: the slice is not active"
	img_section "$b" unit | grep -qx 'AllowedCPUs=2-3' || img_fail "boot $b: AllowedCPUs is not 2-3"
	# the scheduler domains: there before, gone from 2-3 after
	img_section "$b" domains-before | grep -qx 'cpu2 [1-9]' || img_fail "boot $b: CPU 2 had no scheduler domain before"
	img_section "$b" domains | grep -qx 'cpu2 0' || img_fail "boot $b: CPU 2 still has a scheduler domain"
	img_section "$b" domains | grep -qx 'cpu3 0' || img_fail "boot $b: CPU 3 still has a scheduler domain"
	img_section "$b" domains | grep -qx 'cpu0 [1-9]' || img_fail "boot $b: CPU 0 lost its scheduler domain"
	vm_check_tasks_off 2-3 "$b.saved-tasks"
	irqs_moved "$b"
	# a 4-CPU mask: its last hex digit holds CPUs 0-3 (0xc: 2 and 3)
	local wq
	wq=$(img_section "$b" saved-wq)
	[ -n "$wq" ] && ((16#${wq: -1} & 0xc)) &&
		img_fail "boot $b: the unbound workqueue mask $wq reaches 2-3"
	# isol-verify: isolated at run time, no CRITICAL, the run-time limits as WARNINGs
	local json
	json=$(img_section "$b" verify)
	jq -e '.plan.isolation == "runtime" and .plan.runtime_isolated == "2-3"
		and (.plan.partitions | index("/quietcore.slice"))' <<<"$json" >/dev/null ||
		{ jq .plan <<<"$json" >&2; img_fail "boot $b: isol-verify does not see CPUs 2-3 isolated at run time"; }
	jq -e '.checks[] | select(.id == "partition") | .status == "warning"
		and .details.summary == "CPUs 2-3 isolated at run time by partition /quietcore.slice"' <<<"$json" >/dev/null ||
		{ jq '.checks[] | select(.id == "partition")' <<<"$json" >&2; img_fail "boot $b: the partition check is not the run-time WARNING"; }
	if ! img_expect_rc "$b" verify 1; then
		jq -r '.checks[] | select(.status != "ok" and .status != "skipped") | "\(.id): \(.status): \(.message)"' <<<"$json" >&2
		return 1
	fi
	# daemon-reload: systemd keeps its slice and does not touch the partition
	img_expect_rc "$b" reload 0
	[ "$(img_section "$b" partition-reloaded)" = isolated ] ||
		img_fail "boot $b: after daemon-reload the partition says '$(img_section "$b" partition-reloaded)'"
	same "$b" saved reloaded cg
	vm_check_tasks_off 2-3 "$b.reloaded-tasks"
}

check_restore() { # KERNEL
	local b
	b=$(boot_of "$1")
	img_expect_rc "$b" restore 0
	img_expect_rc "$b" restore-again 0
	same "$b" before restored cg
	same "$b" before restored wq
	same "$b" before restored default
	irqs_same "$b" before restored
	tasks_same "$b" before restored
}

check_run() { # KERNEL
	local b out
	b=$(boot_of "$1")
	img_expect_rc "$b" run 0
	out=$(img_section "$b" run)
	grep -qx 'Cpus_allowed_list:[[:space:]]*2-3' <<<"$out" || { echo "$out" >&2; img_fail "boot $b: COMMAND did not run on 2-3"; }
	grep -qx '0::/quietcore.slice/quietcore-run-[0-9]*.scope' <<<"$out" ||
		{ echo "$out" >&2; img_fail "boot $b: COMMAND did not run in a scope of the slice"; }
	same "$b" before after-run cg
	tasks_same "$b" before after-run
	# SIGKILLed in the middle: the state file restores
	[ "$(img_section "$b" killed-partition)" = isolated ] || img_fail "boot $b: the killed run had no partition"
	img_expect_rc "$b" killed-restore 0
	same "$b" before after-kill cg
	same "$b" before after-kill wq
	irqs_same "$b" before after-kill
	tasks_same "$b" before after-kill
}

