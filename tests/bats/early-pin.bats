#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# early-pin against a fake 128-CPU machine (tests/fixtures/proc-irq/mkroot.sh):
# with --root, task affinity and file writes go through the recording
# operations, and -v lists every one of them as "op: ..." lines.

# bats sets $stderr and $stderr_lines in `run --separate-stderr`
# shellcheck disable=SC2154

bats_require_minimum_version 1.5.0
load helpers

setup() {
	EP=$BUILD/early-pin
	R=$BATS_TEST_TMPDIR/root
	"$QC_TOP"/tests/fixtures/proc-irq/mkroot.sh "$R"
}

cmdline() { echo "$*" >"$R"/proc/cmdline; }
allowed() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$R/proc/$1/task/$2/status"; }
irqlist() { cat "$R/proc/irq/$1/smp_affinity_list"; }

@test "early-pin: --help, --version, usage errors" {
	run -0 "$EP" --help
	assert_output --partial "Usage:"
	assert_output --partial "--housekeeping LIST"
	run -0 "$EP" --version
	assert_output --partial "early-pin from quietcore"
	run -2 --separate-stderr "$EP" --bogus
	assert_equal "${stderr_lines[-1]}" "Try 'early-pin --help'."
	run -2 --separate-stderr "$EP" --skip irq,nonsense
	assert_equal "${stderr_lines[0]}" "early-pin: unknown --skip item 'nonsense' (irq, tasks, wq, freq)"
	run -2 --separate-stderr "$EP" --governor 'perf ormance'
	run -2 --separate-stderr "$EP" --enforce 0
	run -2 --separate-stderr "$EP" run
	run -2 --separate-stderr "$EP" extra-arg
	# quietcore-partition.service with a drop-in that lost its plan
	run -2 --separate-stderr "$EP" --root "$R" --save "$BATS_TEST_TMPDIR/s" --partition --cpus ''
	assert_equal "${stderr_lines[0]}" "early-pin: --cpus is empty: give the CPUs to isolate as a cpulist"
}

@test "early-pin: no housekeeping source at all is a no-op, exit 0" {
	run -0 "$EP" --root "$R" -v
	assert_output --partial "no housekeeping set"
	refute_output --partial "op: "
	assert_equal "$(irqlist 0)" 0-127
}

@test "early-pin: --housekeeping 0,64 pins IRQs with locality and skips no-op writes" {
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 -v
	# the default affinity is a hex mask with a comma between 32-bit words
	assert_equal "$(cat "$R"/proc/irq/default_smp_affinity)" 00000000,00000001,00000000,00000001
	assert_equal "$(irqlist 0)" 0,64	# spans both nodes: all housekeeping
	assert_equal "$(irqlist 1)" 0		# node 0 only: node 0's housekeeping
	assert_equal "$(irqlist 3)" 0
	assert_equal "$(irqlist 4)" 64		# node 1 only: node 1's housekeeping
	assert_equal "$(irqlist 6)" 64
	assert_equal "$(cat "$R"/proc/irq/12/smp_affinity)" 1,00000000,00000001	# mask-only IRQ
	# already on housekeeping: never written
	refute_line --partial "op: write /proc/irq/7/"
	assert_line --partial "early-pin: housekeeping=0,64 irqs moved=9 immovable=2 failed=1 tasks moved=6 per-cpu=2 wq=ok"
}

@test "early-pin: immovable IRQs (EPERM from a 0444 file, EIO) are recorded, never retried" {
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 -v
	assert_equal "$(grep -c 'op: write /proc/irq/8/' <<<"$output")" 1
	assert_equal "$(grep -c 'op: write /proc/irq/9/' <<<"$output")" 1
	assert_line "op: write /proc/irq/8/smp_affinity_list 64 = -1"
	assert_line "op: write /proc/irq/9/smp_affinity_list 0 = -5"
	assert_line --partial "irq 8: 64-127: immovable"
	assert_equal "$(irqlist 8)" 64-127
	assert_equal "$(irqlist 9)" 1-63
}

# --- the record of immovable IRQs for isol-verify (/run/quietcore/immovable-irqs) ---

BOOT_ID=6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f	# mkroot.sh's
RECORD=run/quietcore/immovable-irqs

stale_record() { # a record of another boot, naming IRQs that no longer mean anything
	mkdir -p "$R"/run/quietcore
	printf 'quietcore-immovable-irqs 1\nboot_id 11111111-2222-3333-4444-555555555555\nirq 4 EIO old-device\nend 1\n' \
		>"$R/$RECORD"
}

@test "early-pin: IRQs the kernel refused (EIO, EPERM) are recorded for isol-verify, with the boot_id" {
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 -v
	assert_line "recorded 2 immovable IRQs in $R/$RECORD"
	assert_equal "$(cat "$R/$RECORD")" "quietcore-immovable-irqs 1
boot_id $BOOT_ID
irq 8 EPERM
irq 9 EIO nvme0q1
end 2"
	assert_equal "$(stat -c %a "$R"/run/quietcore "$R/$RECORD" | tr '\n' ' ')" "755 644 "
	# the same findings again: the record is not rewritten
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 -v
	refute_line --partial "recorded"
	grep -qx "irq 9 EIO nvme0q1" "$R/$RECORD"
}

@test "early-pin --boot: a record of another boot is replaced; with nothing immovable it is removed" {
	stale_record
	cmdline "isolcpus=1-63,65-127"
	run -0 --separate-stderr "$EP" --root "$R" --boot
	assert_equal "$(sed -n 2p "$R/$RECORD")" "boot_id $BOOT_ID"
	assert_equal "$(grep '^irq ' "$R/$RECORD" | tr '\n' ';')" "irq 8 EPERM;irq 9 EIO nvme0q1;"
	# the kernel lets them move now (say, the driver was rebound): no record at all
	chmod 0644 "$R"/proc/irq/8/smp_affinity_list
	rm "$R"/proc/irq/9/smp_affinity_list.errno
	run -0 --separate-stderr "$EP" --root "$R" --boot
	[ ! -e "$R/$RECORD" ]
	[ "$(irqlist 9)" = 0 ]
}

@test "early-pin: --dry-run, --skip irq and the run-time --save leave the record alone" {
	stale_record
	cp "$R/$RECORD" "$BATS_TEST_TMPDIR"/before
	run -0 "$EP" --root "$R" --housekeeping 0,64 --dry-run
	cmp "$BATS_TEST_TMPDIR"/before "$R/$RECORD"
	run -0 "$EP" --root "$R" --housekeeping 0,64 --skip irq
	cmp "$BATS_TEST_TMPDIR"/before "$R/$RECORD"
	run "$EP" --root "$R" --housekeeping 0,64 --save "$BATS_TEST_TMPDIR"/state
	assert_output --partial "immovable=2"
	cmp "$BATS_TEST_TMPDIR"/before "$R/$RECORD"
}

@test "early-pin: a record that cannot be written is a warning ending in ', ignoring', never a failure" {
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	mkdir -p "$R"/run && : >"$R"/run/quietcore	# a file where the directory goes
	run -0 --separate-stderr "$EP" --root "$R" --housekeeping 0,64
	assert_equal "$stderr" "early-pin: cannot record the immovable IRQs: $R/$RECORD: Not a directory, ignoring"
	assert_equal "$(irqlist 4)" 64		# the pass went on
	cmdline "isolcpus=1-63,65-127"
	run -0 --separate-stderr "$EP" --root "$R" --boot
	grep -qx "<4>early-pin: cannot record the immovable IRQs: $R/$RECORD: Not a directory, ignoring" "$R"/dev/kmsg
}

@test "early-pin: ENOSPC is retried once on the wider housekeeping set, then recorded" {
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 -v
	assert_line "op: write /proc/irq/10/smp_affinity_list 64 = -28"
	assert_line "op: write /proc/irq/10/smp_affinity_list 0,64 = 0"
	assert_equal "$(irqlist 10)" 0,64
	assert_equal "$(grep -c 'op: write /proc/irq/11/' <<<"$output")" 2
	assert_equal "$(irqlist 11)" 64-127
	assert_equal "$stderr" "early-pin: cannot move IRQ 11 to 64: No space left on device, ignoring"
}

@test "early-pin: tasks narrowed to allowed ∩ housekeeping, else all housekeeping; per-CPU left alone" {
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	run -0 "$EP" --root "$R" --housekeeping 0,64 -v
	assert_equal "$(allowed 1 1)" 0,64		# PID 1
	assert_equal "$(allowed 2 2)" 0,64		# kthreadd
	assert_equal "$(allowed 200 201)" 64		# 64-127 ∩ hk
	assert_equal "$(allowed 200 202)" 0,64		# only isolated CPU 5: all housekeeping
	assert_equal "$(allowed 10 10)" 5		# ksoftirqd/5: PF_NO_SETAFFINITY
	assert_equal "$(allowed 11 11)" 0-127		# unbound kworker: PF_NO_SETAFFINITY too
	refute_line --partial "op: setaffinity 300/300"	# already on housekeeping
	assert_line --partial "task 10/10 (ksoftirqd/5): per-CPU (PF_NO_SETAFFINITY), left alone"
	assert_line --partial "tasks moved=6 per-cpu=2"
}

@test "early-pin: without -v, per-CPU tasks are found by the EINVAL of setaffinity" {
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	run -0 "$EP" --root "$R" --housekeeping 0,64
	assert_output --partial "tasks moved=6 per-cpu=2"
	assert_equal "$(allowed 10 10)" 5
	assert_equal "$(allowed 11 11)" 0-127
	assert_equal "$(allowed 200 202)" 0,64
}

@test "early-pin: workqueue masks get housekeeping, never an empty set" {
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	echo 00000000,00000000,00000000,00000002 >"$R"/sys/bus/workqueue/devices/writeback/cpumask
	run -0 "$EP" --root "$R" --housekeeping 0,64
	assert_equal "$(cat "$R"/sys/devices/virtual/workqueue/cpumask)" 00000000,00000001,00000000,00000001
	# CPU 1 only, nothing of it is housekeeping: all housekeeping, not empty
	assert_equal "$(cat "$R"/sys/bus/workqueue/devices/writeback/cpumask)" 00000000,00000001,00000000,00000001
	assert_output --partial "wq=ok"
}

@test "early-pin: housekeeping from rd.earlypin.cpus= wins over irqaffinity=" {
	cmdline "quiet rd.earlypin.cpus=0-1 irqaffinity=0 isolcpus=2-127"
	run "$EP" --root "$R" -v
	assert_line --partial "housekeeping 0-1 (from rd.earlypin.cpus)"
	assert_equal "$(irqlist 0)" 0-1
}

@test "early-pin: housekeeping from irqaffinity=" {
	cmdline "quiet irqaffinity=0,64 nohz_full=1-63"
	run "$EP" --root "$R" -v
	assert_line --partial "housekeeping 0,64 (from irqaffinity)"
}

@test "early-pin: housekeeping = complement of isolcpus= with flags, and of nohz_full=" {
	cmdline "isolcpus=domain,managed_irq,1-63,65-127"
	run "$EP" --root "$R" -v
	assert_line --partial "housekeeping 0,64 (from isolcpus/nohz_full)"
	rm -rf "$R" && "$QC_TOP"/tests/fixtures/proc-irq/mkroot.sh "$R"
	cmdline "nohz_full=2-127 rcu_nocbs=2-127"
	run "$EP" --root "$R" -v
	assert_line --partial "housekeeping 0-1 (from isolcpus/nohz_full)"
	assert_equal "$(irqlist 0)" 0-1
}

@test "early-pin: housekeeping = complement of sysfs isolated ∪ nohz_full" {
	echo 2-63 >"$R"/sys/devices/system/cpu/isolated
	echo 64-127 >"$R"/sys/devices/system/cpu/nohz_full
	run "$EP" --root "$R" -v
	assert_line --partial "housekeeping 0-1 (from sysfs isolated/nohz_full)"
}

@test "early-pin: rd.earlypin=0 disables it: nothing written" {
	cmdline "rd.earlypin=0 isolcpus=1-127"
	run -0 "$EP" --root "$R" -v
	assert_output --partial "disabled by rd.earlypin=0"
	refute_output --partial "op: "
	assert_equal "$(irqlist 0)" 0-127
	assert_equal "$(allowed 1 1)" 0-127
}

@test "early-pin: malformed rd.earlypin.* values are logged and ignored" {
	cmdline "rd.earlypin=maybe rd.earlypin.cpus=0-x irqaffinity=0 rd.earlypin.governor=Perf/1 rd.earlypin.turbo=sometimes rd.earlypin.freq=min"
	run --separate-stderr "$EP" --root "$R" -v
	assert_line --partial "housekeeping 0 (from irqaffinity)"
	assert_equal "$(grep -c . <<<"$stderr" | head -1)" "$(grep -c . <<<"$stderr")"
	[[ $stderr == *"rd.earlypin=maybe is not 0 or 1, ignoring"* ]]
	[[ $stderr == *"invalid cpulist in rd.earlypin.cpus=: '0-x'"*", ignoring"* ]]
	[[ $stderr == *"rd.earlypin.governor=Perf/1 is not a governor name, ignoring"* ]]
	[[ $stderr == *"rd.earlypin.turbo=sometimes is not on or off, ignoring"* ]]
	[[ $stderr == *"rd.earlypin.freq=min is not 'max', ignoring"* ]]
}

@test "early-pin: offline and nonexistent CPUs are dropped with a warning" {
	echo 0-126 >"$R"/sys/devices/system/cpu/online
	run --separate-stderr "$EP" --root "$R" --housekeeping 0,127,500 -v
	[[ $stderr == *"--housekeeping names CPUs that are not online: 127,500, ignoring them"* ]]
	assert_line --partial "housekeeping 0 (from --housekeeping)"
}

@test "early-pin: an empty housekeeping set writes nothing; --boot still exits 0" {
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 200-300 -v
	[[ $stderr == *"has no online CPU"* ]]
	refute_output --partial "op: "
	cmdline "rd.earlypin.cpus=130"
	run -0 --separate-stderr "$EP" --root "$R" --boot -v
	refute_output --partial "op: "
	grep -q "has no online CPU" "$R"/dev/kmsg
}

@test "early-pin: --boot logs one summary line to /dev/kmsg and never fails" {
	cmdline "isolcpus=1-63,65-127"
	run -0 --separate-stderr "$EP" --root "$R" --boot
	assert_equal "$(grep -c 'early-pin: housekeeping=0,64 irqs moved=9 immovable=2 failed=1 tasks moved=6 per-cpu=2 wq=ok' "$R"/dev/kmsg)" 1
	grep -q '^<6>early-pin: housekeeping=' "$R"/dev/kmsg
	grep -q '^<4>early-pin: cannot move IRQ 11' "$R"/dev/kmsg
}

@test "early-pin: --dry-run prints the plan and changes nothing" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --dry-run -v
	assert_line "would move irq 4: 64-127 -> 64"
	assert_line "would move task 200/201 (app-worker): 64-127 -> 64"
	assert_line --partial "would write /proc/irq/default_smp_affinity"
	refute_output --partial "op: "
	assert_equal "$(irqlist 4)" 64-127
	assert_equal "$(allowed 200 201)" 64-127
}

@test "early-pin: --skip leaves those passes alone" {
	run "$EP" --root "$R" --housekeeping 0,64 --skip irq,wq -v
	refute_output --partial "op: write"
	assert_output --partial "op: setaffinity"
	assert_output --partial "irqs skipped"
	run "$EP" --root "$R" --housekeeping 0,64 --skip tasks,irq -v
	refute_output --partial "op: setaffinity"
	assert_output --partial "op: write /sys/devices/virtual/workqueue/cpumask"
}

@test "early-pin: entries vanishing mid-scan are skipped, never fatal" {
	rm "$R"/proc/200/task/201/status "$R"/proc/200/task/201/stat	# thread exited
	rm -r "$R"/proc/100/task					# process exiting
	rm "$R"/proc/irq/5/*						# IRQ freed
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	run -0 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 -v
	assert_equal "$stderr" ""
	refute_line --partial "op: setaffinity 200/201"
	assert_equal "$(allowed 200 200)" 0,64
}

fake_cpufreq() { # two policies with a governor list and frequencies
	local p
	for p in 0 64; do
		mkdir -p "$R"/sys/devices/system/cpu/cpufreq/policy$p
		(
			cd "$R"/sys/devices/system/cpu/cpufreq/policy$p || exit
			echo performance powersave >scaling_available_governors
			echo powersave >scaling_governor
			echo 800000 >scaling_min_freq
			echo 2400000 >scaling_max_freq
			echo 800000 >cpuinfo_min_freq
			echo 3500000 >cpuinfo_max_freq
		)
	done
}

@test "early-pin: frequency: governor, min=max, turbo off through intel_pstate" {
	fake_cpufreq
	mkdir -p "$R"/sys/devices/system/cpu/intel_pstate
	echo 0 >"$R"/sys/devices/system/cpu/intel_pstate/no_turbo
	cmdline "isolcpus=1-63,65-127 rd.earlypin.governor=performance rd.earlypin.turbo=off rd.earlypin.freq=max"
	run "$EP" --root "$R" --skip irq,tasks,wq -v
	assert_line --partial "governor=performance freq=max turbo=off"
	c=$R/sys/devices/system/cpu/cpufreq
	assert_equal "$(cat "$c"/policy64/scaling_governor)" performance
	assert_equal "$(cat "$c"/policy0/scaling_min_freq)" 3500000
	assert_equal "$(cat "$c"/policy0/scaling_max_freq)" 3500000
	assert_equal "$(cat "$R"/sys/devices/system/cpu/intel_pstate/no_turbo)" 1
	# max before min, so min never exceeds max on the way
	run -0 bash -c "grep -n 'op: write .*policy0/scaling_m' <<<'$output' | cut -d' ' -f3"
	assert_equal "${lines[0]}" /sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq
}

@test "early-pin: frequency: cpufreq/boost, unavailable governor warned" {
	fake_cpufreq
	echo 1 >"$R"/sys/devices/system/cpu/cpufreq/boost
	run --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --skip irq,tasks,wq --governor schedutil --no-turbo
	[[ $stderr == *"governor schedutil is not available for policy0 (performance powersave), ignoring"* ]]
	assert_equal "$(cat "$R"/sys/devices/system/cpu/cpufreq/boost)" 0
	assert_equal "$(cat "$R"/sys/devices/system/cpu/cpufreq/policy0/scaling_governor)" powersave
}

@test "early-pin: no cpufreq policy: the platform driver is loaded first; a failed load goes on" {
	printf 'vendor_id\t: AuthenticAMD\n' >"$R"/proc/cpuinfo
	run -0 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --skip irq,tasks,wq --governor performance -v
	assert_line "op: modprobe amd-pstate = -2"
	assert_line "op: modprobe acpi-cpufreq = -2"
	[[ $stderr == *"cannot load cpufreq driver acpi-cpufreq: No such file or directory, ignoring"* ]]
	assert_line --partial "cpufreq=none"
	# a driver that loads but drives nothing: the next one is tried
	mkdir -p "$R"/lib/modules/fake && touch "$R"/lib/modules/fake/amd-pstate
	run "$EP" --root "$R" --housekeeping 0,64 --skip irq,tasks,wq --governor performance -v
	assert_line "op: modprobe amd-pstate = 0"
	assert_line "op: modprobe acpi-cpufreq = -2"
	# a driver that creates its policies: the rest not tried, the governor set
	echo sys/devices/system/cpu/cpufreq/policy0 >"$R"/lib/modules/fake/amd-pstate
	run "$EP" --root "$R" --housekeeping 0,64 --skip irq,tasks,wq --governor performance -v
	assert_line "op: modprobe amd-pstate = 0"
	refute_line --partial "op: modprobe acpi-cpufreq"
	[ -d "$R"/sys/devices/system/cpu/cpufreq/policy0 ]
	rm -r "$R"/sys/devices/system/cpu/cpufreq "$R"/lib/modules/fake/amd-pstate
	printf 'vendor_id\t: GenuineIntel\n' >"$R"/proc/cpuinfo
	run "$EP" --root "$R" --housekeeping 0,64 --skip irq,tasks,wq --governor performance -v
	assert_line "op: modprobe acpi-cpufreq = -2"
	mkdir -p "$R"/sys/devices/system/cpu/intel_pstate	# built-in intel_pstate: nothing to load
	run "$EP" --root "$R" --housekeeping 0,64 --skip irq,tasks,wq --governor performance -v
	refute_line --partial "op: modprobe"
}

@test "early-pin: without root on the real machine: a clear error, --dry-run still works" {
	requires root setpriv
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$EP" --housekeeping 0
	assert_equal "$stderr" "early-pin: changing IRQ and task affinity needs root"
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$EP" --restore /nonexistent
	assert_equal "$stderr" "early-pin: restoring IRQ and task affinity needs root"
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$EP" --housekeeping 0 --dry-run
	assert_output --partial "nothing changed"
}
