#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-verify against fake roots (tests/fixtures/verify/isolated: a properly
# isolated 4-CPU host, CPUs 2-3 isolated) bent into each status of each check,
# and against this machine's real /proc and /sys.
#
# Samples taken twice (irq-activity, housekeeping-load, smi) are tested by
# replacing the file in the root while isol-verify waits out its interval.

# bats sets $output/$stderr in `run`, inside each test's own subshell
# shellcheck disable=SC2030,SC2031,SC2154
load helpers
bats_require_minimum_version 1.5.0

setup() {
	IV=$BUILD/isol-verify
	R=$BATS_TEST_TMPDIR/root
	rm -rf "$R"
	cp -a "$QC_TOP/tests/fixtures/verify/isolated" "$R"
	# IRQs 26 and 27 are managed: from 6.12 the kernel creates their affinity
	# files mode 0444. git keeps no such mode, so set it here.
	chmod 0444 "$R"/proc/irq/{26,27}/smp_affinity{,_list}
}

# status_of ID: the status of one check in the JSON in $output
status_of() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' <<<"$output"
}

message_of() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) | .message' <<<"$output"
}

# all problem messages of a check, one a line
problems_of() {
	jq -r --arg id "$1" '.checks[] | select(.id == $id) | .details.problems[]?.message' <<<"$output"
}

# verify ARGS...: run isol-verify --json on the fake root, keep stdout JSON-valid
verify() {
	run --separate-stderr "$IV" --root "$R" --json "$@"
	jq -e . >/dev/null <<<"$output" || {
		echo "invalid JSON: $output"
		return 1
	}
}

# replace_later DELAY FILE: replace FILE under the root with FILE.next after DELAY seconds
replace_later() {
	(
		sleep "$1"
		cp "$R$2.next" "$R$2.tmp" && mv "$R$2.tmp" "$R$2"
	) >/dev/null 2>&1 &
}

set_cmdline() {
	echo "$*" >"$R/proc/cmdline"
}

# add_task PID COMM FLAGS CPU ALLOWED
add_task() {
	local d=$R/proc/$1/task/$1
	mkdir -p "$d"
	echo "$1 ($2) S 1 $1 $1 0 -1 $3 100 0 0 0 10 5 0 0 20 0 1 0 5000 1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 $4 0 0 0 0 0" >"$d/stat"
	cp "$d/stat" "$R/proc/$1/stat"
	printf 'Name:\t%s\nCpus_allowed_list:\t%s\n' "$2" "$5" >"$d/status"
}

USER_FLAGS=4194560	# 0x400100
KTHREAD_FLAGS=2129984	# 0x208040

# --- the whole run ---------------------------------------------------------------

@test "isolated fake root: every check ok, exit 0, valid versioned JSON" {
	verify --interval 0.2
	[ "$status" -eq 0 ]
	[ "$(jq -r .schema_version <<<"$output")" = 1 ]
	[ "$(jq -r .status <<<"$output")" = ok ]
	[ "$(jq -r .plan.isolated <<<"$output")" = 2-3 ]
	[ "$(jq -r .plan.housekeeping <<<"$output")" = 0-1 ]
	[ "$(jq '.checks | length' <<<"$output")" -eq 16 ]
	# only the jitter probe and noise (not asked for), the partition check (no cgroup v2 here) and
	# the grants check (no isol-alloc state file) are skipped
	[ "$(jq -r '[.checks[] | select(.status != "ok") | .id] | join(",")' <<<"$output")" = partition,grants,jitter,noise ]
	[ "$(jq -r .plan.isolation <<<"$output")" = boot ]
	[ "$(jq -r '.checks[] | select(.id == "jitter") | .details.reason' <<<"$output")" = "not requested (--jitter)" ]
}

@test "--interval 0 is valid: no waiting, sampled checks skipped with the reason" {
	SECONDS=0
	verify --interval 0
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 2 ]
	for id in irq-activity housekeeping-load smi; do
		[ "$(status_of $id)" = skipped ]
		[[ "$(message_of $id)" == *"--interval 0"* ]]
	done
}

@test "table: a one-line verdict first (the plugin status line), one line per check, no colour when not a terminal" {
	run -0 "$IV" --root "$R" --interval 0
	[ "${lines[0]}" = 'ISOL-VERIFY OK: 0 critical, 0 warning, 0 unknown, 9 ok, 7 skipped; isolated 2-3, housekeeping 0-1' ]
	[ "${lines[1]}" = 'CHECK              STATUS    MESSAGE' ]
	assert_line --regexp '^cmdline +ok +isolated 2-3, housekeeping 0-1'
	assert_line --regexp '^irq-activity +skipped +--interval 0: '
	refute_output --partial $'\033['
	[ "${#lines[@]}" -eq 18 ]	# verdict, header, 16 checks (bats drops the blank line)
}

@test "table -v lists every problem and the details" {
	set_cmdline "isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3"
	run -1 "$IV" --root "$R" --interval 0 -v
	assert_output --partial "managed_irq"
	assert_output --partial "no irqaffinity="
	assert_output --partial 'params: {"isolcpus":"2-3"'
}

@test "--prometheus: node_exporter textfile format with a gauge per check" {
	run -0 --separate-stderr "$IV" --root "$R" --interval 0.2 --prometheus
	# every line is a comment or "name{labels} value"
	# shellcheck disable=SC2016 # an awk program, not shell
	run -0 awk '!/^# (HELP|TYPE) / && !/^[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? -?[0-9.e+]+$/ { print "bad: " $0; bad = 1 } END { exit bad }' <<<"$output"
	run -0 --separate-stderr "$IV" --root "$R" --interval 0.2 --prometheus
	[ "$(grep -c '^isol_verify_check_status{check=' <<<"$output")" -eq 16 ]
	assert_line 'isol_verify_check_status{check="cmdline"} 0'
	assert_line 'isol_verify_check_status{check="jitter"} 4'
	assert_line 'isol_verify_status 0'
	assert_line 'isol_verify_isolated_cpus 2'
	assert_line 'isol_verify_housekeeping_cpus 2'
	assert_line 'isol_verify_isolated_cpu_irqs{cpu="2"} 26'
	assert_line 'isol_verify_isolated_cpu_irqs_interval{cpu="2"} 0'
	assert_line --regexp '^isol_verify_isolated_cpu_vector_rate\{cpu="2",vector="LOC"\} 0.000$'
}

# --- cmdline ---------------------------------------------------------------------

@test "cmdline: 'managed_irq,2-5' parses; without domain it is a warning and the kernel check notices" {
	echo 0-7 >"$R/sys/devices/system/cpu/possible"
	echo 0-7 >"$R/sys/devices/system/cpu/online"
	echo 2-5 >"$R/sys/devices/system/cpu/nohz_full"
	echo >"$R/sys/devices/system/cpu/isolated"
	set_cmdline "ro isolcpus=managed_irq,2-5 nohz_full=2-5 rcu_nocbs=2-5 irqaffinity=0-1,6-7"
	verify --interval 0
	[ "$(jq -r .plan.isolated <<<"$output")" = 2-5 ]
	[ "$(jq -r .plan.domain <<<"$output")" = "" ]
	[ "$(status_of cmdline)" = warning ]
	[[ "$(message_of cmdline)" == *"has flags but no 'domain'"*"isolcpus=domain,managed_irq,2-5"* ]]
	[ "$(status_of kernel)" = ok ]
}

@test "cmdline: no isolation parameters at all is critical (exit 2)" {
	set_cmdline "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet"
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of cmdline)" = critical ]
	[[ "$(message_of cmdline)" == *"no CPU is isolated"* ]]
	# the other checks have nothing to judge against and say why
	[ "$(status_of tasks)" = skipped ]
}

@test "cmdline: garbage is reported, never crashes, never ok" {
	set_cmdline 'isolcpus=d@main,2-3 nohz_full=three rcu_nocbs=3-2 irqaffinity=x "unterminated'
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of cmdline)" = critical ]
	problems_of cmdline | grep -q "ignored by the kernel"
	problems_of cmdline | grep -q "nohz_full=three is not a valid cpulist"
	problems_of cmdline | grep -q "offloads RCU callbacks of every CPU"
}

@test "cmdline: boot CPU isolated and irqaffinity reaching isolated CPUs are critical" {
	set_cmdline "isolcpus=domain,managed_irq,0,2-3 nohz_full=0,2-3 rcu_nocbs=0,2-3 irqaffinity=1-2"
	verify --interval 0
	[ "$(status_of cmdline)" = critical ]
	problems_of cmdline | grep -q "the boot CPU 0 is isolated"
	problems_of cmdline | grep -q "irqaffinity= includes isolated CPUs 2"
}

@test "cmdline: isolcpus and nohz_full naming different CPUs is a warning on 6.x, critical before 5.18" {
	set_cmdline "isolcpus=domain,managed_irq,2-3 nohz_full=3 rcu_nocbs=2-3 irqaffinity=0-1"
	verify --interval 0
	[ "$(status_of cmdline)" = warning ]
	echo 5.10.0-26-amd64 >"$R/proc/sys/kernel/osrelease"
	verify --interval 0
	[ "$(status_of cmdline)" = critical ]
	[[ "$(message_of cmdline)" == *"before 5.18"* ]]
}

@test "cmdline --expect-from-bootloader: the next boot's parameters, equal sets ok, drift a warning" {
	verify --interval 0 --expect-from-bootloader
	[ "$(status_of cmdline)" = ok ]
	[ "$(jq -r '.checks[0].details.bootloader_file' <<<"$output")" = /boot/grub/grub.cfg ]
	# the same CPUs written differently: still equal
	sed -i 's/nohz_full=2-3/nohz_full=2,3/' "$R/boot/grub/grub.cfg"
	verify --interval 0 --expect-from-bootloader
	[ "$(status_of cmdline)" = ok ]
	sed -i 's/nohz_full=2,3/nohz_full=1-3/' "$R/boot/grub/grub.cfg"
	verify --interval 0 --expect-from-bootloader
	[ "$status" -eq 1 ]
	[ "$(status_of cmdline)" = warning ]
	[[ "$(message_of cmdline)" == *"(/boot/grub/grub.cfg) differs from the running kernel's: nohz_full=1-3 instead of nohz_full=2-3"* ]]
	# nothing generated yet: the source configuration counts
	rm "$R/boot/grub/grub.cfg"
	verify --interval 0 --expect-from-bootloader
	[ "$(status_of cmdline)" = ok ]
	[ "$(jq -r '.checks[0].details.bootloader_file' <<<"$output")" = /etc/default/grub ]
	sed -i 's/ irqaffinity=0-1//' "$R/etc/default/grub"
	verify --interval 0 --expect-from-bootloader
	[ "$(status_of cmdline)" = warning ]
	[[ "$(message_of cmdline)" == *"irqaffinity missing"* ]]
	rm -r "${R:?}/etc/default/grub" "${R:?}/boot"
	verify --interval 0 --expect-from-bootloader
	[ "$(status_of cmdline)" = unknown ]
}

# --- kernel ----------------------------------------------------------------------

@test "kernel: missing nohz_full file means no CONFIG_NO_HZ_FULL: critical" {
	rm "$R/sys/devices/system/cpu/nohz_full"
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of kernel)" = critical ]
	[[ "$(message_of kernel)" == *"CONFIG_NO_HZ_FULL"* ]]
}

@test "kernel: sysfs isolated differs from the domain set: critical" {
	echo 3 >"$R/sys/devices/system/cpu/isolated"
	verify --interval 0
	[ "$(status_of kernel)" = critical ]
	[[ "$(message_of kernel)" == *"isolates 3 from the scheduler"*"asks for 2-3"* ]]
}

@test "kernel: Housekeeping: and isolcpus: lines in the kernel log" {
	echo "4,130,30000,-;Housekeeping: nohz_full= must match isolcpus=" >>"$R/dev/kmsg"
	verify --interval 0
	[ "$(status_of kernel)" = critical ]
	[[ "$(message_of kernel)" == *"Housekeeping: nohz_full= must match isolcpus="* ]]
	cp "$QC_TOP/tests/fixtures/verify/isolated/dev/kmsg" "$R/dev/kmsg"
	echo "4,131,30000,-;isolcpus: Skipped unknown flag bogus" >>"$R/dev/kmsg"
	verify --interval 0
	[ "$(status_of kernel)" = warning ]
	cp "$QC_TOP/tests/fixtures/verify/isolated/dev/kmsg" "$R/dev/kmsg"
	echo "4,132,30000,-;rcu_nocbs= bad CPU range, all CPUs set" >>"$R/dev/kmsg"
	verify --interval 0
	[ "$(status_of kernel)" = critical ]
}

@test "kernel: an unreadable kernel log is noted, not an error" {
	rm "$R/dev/kmsg"
	verify --interval 0
	[ "$(status_of kernel)" = ok ]
	[[ "$(jq -r '.checks[] | select(.id == "kernel") | .details.kernel_log' <<<"$output")" == unreadable:* ]]
}

# --- irq-affinity ----------------------------------------------------------------

@test "irq-affinity: masks with different leading zeros compare as sets" {
	rm "$R"/proc/irq/*/effective_affinity_list "$R"/proc/irq/*/smp_affinity_list
	echo 00000001 >"$R/proc/irq/24/effective_affinity"
	echo 0002 >"$R/proc/irq/25/effective_affinity"
	echo 00000000,00000003 >"$R/proc/irq/default_smp_affinity"
	verify --interval 0
	[ "$(status_of irq-affinity)" = ok ]
	# asked for and delivered to isolated CPUs (asked for housekeeping
	# only, it would be a pending move: a warning, tested below)
	echo 0000000c >"$R/proc/irq/24/effective_affinity"
	echo 000c >"$R/proc/irq/24/smp_affinity"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	[[ "$(message_of irq-affinity)" == "IRQ 24 (eth0-rx-0) is routed to isolated CPUs 2-3"* ]]
}

@test "irq-affinity: effective affinity wins over the requested one" {
	# requested everywhere, delivered to CPU 0 only: fine
	echo 0-3 >"$R/proc/irq/24/smp_affinity_list"
	verify --interval 0
	[ "$(status_of irq-affinity)" = ok ]
	# without an effective affinity file, the requested one is what counts
	rm "$R/proc/irq/24/effective_affinity_list" "$R/proc/irq/24/effective_affinity"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
}

@test "irq-affinity: moved, but still delivered to an isolated CPU until it next fires: a warning, not critical" {
	# smp_affinity says housekeeping, the hardware still sends it to CPU 3
	# (the x86 I/O APIC without interrupt remapping moves it at its next
	# interrupt): early-pin did its part, the rest is one interrupt away
	echo 3 >"$R/proc/irq/24/effective_affinity_list"
	echo 8 >"$R/proc/irq/24/effective_affinity"
	verify --interval 0
	[ "$status" -eq 1 ]
	[ "$(status_of irq-affinity)" = warning ]
	[[ "$(message_of irq-affinity)" == "IRQ 24 ("*") still reaches isolated CPUs 3 until it next fires: its move to 0-1 is pending"* ]]
	[ "$(jq -r '.checks[] | select(.id == "irq-affinity") | .details.pending_moves_to_housekeeping' <<<"$output")" = 1 ]
	# asked for an isolated CPU too: that is no pending move, it is critical
	echo 0-3 >"$R/proc/irq/24/smp_affinity_list"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
}

@test "irq-affinity: a managed IRQ on an isolated CPU is a warning naming the device" {
	echo 2 >"$R/proc/irq/26/effective_affinity_list"
	verify --interval 0
	[ "$status" -eq 1 ]
	[ "$(status_of irq-affinity)" = warning ]
	[[ "$(message_of irq-affinity)" == "IRQ 26 (nvme0q3) is immovable"* ]]
	[ "$(jq -r '.checks[] | select(.id == "irq-affinity") | .details.immovable_irqs_on_isolated[0].actions' <<<"$output")" = nvme0q3 ]
}

# --- irq-affinity: early-pin's record of immovable IRQs (before 6.12) ---------------

BOOT_ID=6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f

# a 6.1 host: managed IRQ 26 has a writable smp_affinity and sits on isolated CPU 2
managed_on_61() {
	chmod 0644 "$R"/proc/irq/26/smp_affinity{,_list}
	echo 2 >"$R/proc/irq/26/effective_affinity_list"
	mkdir -p "$R/proc/sys/kernel/random" "$R/run/quietcore"
	echo "$BOOT_ID" >"$R/proc/sys/kernel/random/boot_id"
}

# record BOOT_ID [IRQ-LINE...]: early-pin's record, e.g. record "$BOOT_ID" "26 EIO nvme0q3"
record() {
	local id=$1 l
	shift
	{
		echo "quietcore-immovable-irqs 1"
		echo "boot_id $id"
		for l in "$@"; do echo "irq $l"; done
		echo "end $#"
	} >"$R/run/quietcore/immovable-irqs"
}

irq_detail() { # irq_detail JQ-PATH: one value from the irq-affinity details
	jq -r ".checks[] | select(.id == \"irq-affinity\") | .details$1" <<<"$output"
}

@test "irq-affinity: a writable IRQ early-pin got EIO for is a warning from its record, critical without one" {
	managed_on_61
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of irq-affinity)" = critical ]
	[[ "$(message_of irq-affinity)" == "IRQ 26 (nvme0q3) is routed to isolated CPUs 2"* ]]
	[ "$(irq_detail .early_pin_record.status)" = absent ]

	record "$BOOT_ID" "26 EIO nvme0q3" "27 EIO nvme0q1"
	verify --interval 0
	[ "$status" -eq 1 ]
	[ "$(status_of irq-affinity)" = warning ]
	[[ "$(message_of irq-affinity)" == "IRQ 26 (nvme0q3) is immovable (early-pin got EIO) and reaches isolated CPUs 2: it cannot be moved;"* ]]
	# isolcpus=managed_irq is already given: only fewer queues help
	[[ "$(message_of irq-affinity)" == *"reduce the device's queue count" ]]
	[ "$(irq_detail '.immovable_irqs_on_isolated | length')" -eq 1 ]
	[ "$(irq_detail '.immovable_irqs_on_isolated[0].irq')" -eq 26 ]
	[ "$(irq_detail '.immovable_irqs_on_isolated[0].reason')" = "early-pin got EIO" ]
	[ "$(irq_detail '.irqs_on_isolated | length')" -eq 0 ]
	[ "$(irq_detail .immovable_irqs_known_from_record)" -eq 1 ]
	[ "$(irq_detail .early_pin_record.status)" = used ]
	# IRQ 27 is listed but stays on housekeeping CPUs: nothing to say about it
	[ "$(irq_detail '.problems | map(select(.message | contains("IRQ 27"))) | length')" -eq 0 ]

	# without managed_irq on the command line, that is the advice
	set_cmdline "isolcpus=domain,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1"
	verify --interval 0
	[ "$(status_of irq-affinity)" = warning ]
	[[ "$(message_of irq-affinity)" == *"boot with isolcpus=managed_irq,... or reduce the device's queue count" ]]
}

@test "irq-affinity: a record of another boot, a damaged or foreign one is ignored with a note, never excuses" {
	managed_on_61
	record 11111111-2222-3333-4444-555555555555 "26 EIO nvme0q3"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	[ "$(irq_detail .early_pin_record.status)" = stale ]
	[[ "$(irq_detail '.notes[0]')" == *"written in another boot (boot_id 11111111-2222-3333-4444-555555555555, now $BOOT_ID)" ]]

	# cut short: the end line is missing
	record "$BOOT_ID" "26 EIO nvme0q3"
	sed -i '$d' "$R/run/quietcore/immovable-irqs"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	[ "$(irq_detail .early_pin_record.status)" = invalid ]
	[[ "$(irq_detail '.notes[0]')" == *"ignored: damaged at line 4" ]]

	head -c 300 /dev/urandom >"$R/run/quietcore/immovable-irqs"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	[ "$(irq_detail .early_pin_record.status)" = invalid ]

	# the IRQ number now belongs to another device: the record is about the old one
	record "$BOOT_ID" "26 EIO eth9-rx-0"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	[[ "$(irq_detail '.notes[0]')" == *"IRQ 26 was 'eth9-rx-0' when early-pin recorded it immovable and is 'nvme0q3' now: not excused" ]]

	# no boot_id to compare with: cannot be trusted
	record "$BOOT_ID" "26 EIO nvme0q3"
	rm "$R/proc/sys/kernel/random/boot_id"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	[ "$(irq_detail .early_pin_record.status)" = unverifiable ]
}

@test "irq-affinity: early-pin's own record, written on the same fake root, turns critical into warning" {
	managed_on_61
	echo 2 >"$R/proc/irq/26/smp_affinity_list"
	echo EIO >"$R/proc/irq/26/smp_affinity_list.errno"	# what 6.1 answers for a managed IRQ
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	run -0 --separate-stderr "$BUILD/early-pin" --root "$R" --skip tasks,wq,freq
	assert_output --partial "immovable=1"
	grep -qx "irq 26 EIO nvme0q3" "$R/run/quietcore/immovable-irqs"
	verify --interval 0
	[ "$status" -eq 1 ]
	[ "$(status_of irq-affinity)" = warning ]
	[ "$(irq_detail '.immovable_irqs_on_isolated[0].reason')" = "early-pin got EIO" ]
}

@test "irq-affinity: default_smp_affinity reaching isolated CPUs is critical" {
	echo f >"$R/proc/irq/default_smp_affinity"
	verify --interval 0
	[ "$(status_of irq-affinity)" = critical ]
	[[ "$(message_of irq-affinity)" == *"default_smp_affinity (0-3)"* ]]
}

@test "irq-affinity: an IRQ without a handler is ignored; an unreadable /proc/irq is unknown" {
	echo 2 >"$R/proc/irq/30/effective_affinity_list"
	verify --interval 0
	[ "$(status_of irq-affinity)" = ok ]
	rm -r "$R/proc/irq"
	verify --interval 0
	[ "$(status_of irq-affinity)" = unknown ]
	[ "$status" -eq 3 ]
}

# --- irq-activity (two samples) --------------------------------------------------

@test "irq-activity: a device IRQ counted on an isolated CPU is critical, naming IRQ and device" {
	sed 's/^  24:     123456          0         17/  24:     123999          0         21/' \
		"$R/proc/interrupts" >"$R/proc/interrupts.next"
	replace_later 0.4 /proc/interrupts
	verify --interval 1.2
	[ "$status" -eq 2 ]
	[ "$(status_of irq-activity)" = critical ]
	[[ "$(message_of irq-activity)" == "IRQ 24 (eth0-rx-0) fired 4 times on isolated CPU 2"* ]]
	[ "$(jq '.checks[] | select(.id == "irq-activity") | .details.device_irqs_on_isolated[0].count' <<<"$output")" -eq 4 ]
}

# fire_26 N: isol-verify over an interval in which IRQ 26 (nvme0q3) fired
# N times on CPU 2
fire_26() {
	sed "s/^  26:          0          0          9/  26:          0          0 $(printf %10d $((9 + $1)))/" \
		"$R/proc/interrupts" >"$R/proc/interrupts.next"
	replace_later 0.4 /proc/interrupts
	verify --interval 1.2
}

@test "irq-activity: a managed IRQ firing on an isolated CPU is a warning naming why, not critical" {
	# IRQ 26: read-only smp_affinity, the kernel's own queue IRQ (6.12)
	cp "$R/proc/interrupts" "$R/proc/interrupts.orig"
	fire_26 3
	[ "$(status_of irq-activity)" = warning ]
	[[ "$(message_of irq-activity)" == "IRQ 26 (nvme0q3) fired 3 times on isolated CPU 2 in "*"immovable (smp_affinity is read-only) and cannot be moved"* ]]
	jq -e '.checks[] | select(.id == "irq-activity") | .details.device_irqs_on_isolated[0] | .immovable and .count == 3' <<<"$output"
	# the same IRQ with writable files and no record of early-pin's: it could be moved
	chmod 0644 "$R"/proc/irq/26/smp_affinity{,_list}
	cp "$R/proc/interrupts.orig" "$R/proc/interrupts"
	fire_26 3
	[ "$(status_of irq-activity)" = critical ]
}

@test "irq-activity: an IRQ early-pin recorded immovable (EIO, before 6.12) firing on an isolated CPU is a warning" {
	managed_on_61
	record "$BOOT_ID" "26 EIO nvme0q3"
	fire_26 5
	[ "$(status_of irq-activity)" = warning ]
	[[ "$(message_of irq-activity)" == "IRQ 26 (nvme0q3) fired 5 times"*"(early-pin got EIO) and cannot be moved"* ]]
	jq -e '.checks[] | select(.id == "irq-activity") | .details.early_pin_record.status == "used"' <<<"$output"
}

@test "irq-activity: the tick running on a nohz_full CPU is a warning; rates are reported" {
	sed 's/^ LOC:    5000000    4000000       9000/ LOC:    5000000    4000000      19000/' \
		"$R/proc/interrupts" >"$R/proc/interrupts.next"
	replace_later 0.4 /proc/interrupts
	verify --interval 1.2
	[ "$(status_of irq-activity)" = warning ]
	[[ "$(message_of irq-activity)" == *"tick is not stopped on nohz_full CPU 2"* ]]
	jq -e '.checks[] | select(.id == "irq-activity") | .details.isolated_cpus["2"].LOC > 1000' <<<"$output"
	jq -e '.checks[] | select(.id == "irq-activity") | .details.isolated_cpus["3"] | has("RES") and has("CAL") and has("TLB")' <<<"$output"
}

@test "irq-activity: an IRQ appearing and a counter wrapping between samples" {
	sed -e 's/^ NMI:/  31:          0          0          0          5   PCI-MSIX-0000:03:00.0   0-edge      mlx5_comp0\n NMI:/' \
		-e 's/^ CAL:       4000       3000         40         40/ CAL:       4000       3000         40 4294967295/' \
		"$R/proc/interrupts" >"$R/proc/interrupts.0"
	sed -e 's/^ CAL:       4000       3000         40         40/ CAL:       4000       3000         40          3/' \
		-e 's/^ NMI:/  31:          0          0          0          9   PCI-MSIX-0000:03:00.0   0-edge      mlx5_comp0\n NMI:/' \
		"$R/proc/interrupts" >"$R/proc/interrupts.next"
	# first sample: IRQ 31 absent; second: present with 9 on CPU 3
	verify --interval 0	# sanity: the fixture itself is fine
	cp "$R/proc/interrupts" "$R/proc/interrupts.orig"
	replace_later 0.4 /proc/interrupts
	verify --interval 1.2
	[ "$(status_of irq-activity)" = critical ]
	[[ "$(message_of irq-activity)" == "IRQ 31 (mlx5_comp0) fired 9 times on isolated CPU 3"* ]]
	jq -e '.checks[] | select(.id == "irq-activity") | .details.notes | any(test("IRQ 31 appeared"))' <<<"$output"
	# the wrap: CAL 0xffffffff -> 3 is 4 events, not a reset
	cp "$R/proc/interrupts.0" "$R/proc/interrupts"
	replace_later 0.4 /proc/interrupts
	verify --interval 1.2
	jq -e '.checks[] | select(.id == "irq-activity") | .details.notes | any(test("CAL on CPU 3 wrapped"))' <<<"$output"
	[ "$(status_of irq-activity)" != unknown ]
}

@test "irq-activity: garbage or a vanished /proc/interrupts is unknown, never ok" {
	echo "this is not /proc/interrupts" >"$R/proc/interrupts"
	verify --interval 0.2
	[ "$(status_of irq-activity)" = unknown ]
	[ "$status" -eq 3 ]
	rm "$R/proc/interrupts"
	verify --interval 0.2
	[ "$(status_of irq-activity)" = unknown ]
}

# --- tasks / rcu -----------------------------------------------------------------

@test "tasks: a process pinned to an isolated CPU is critical and named; --allow names the workload" {
	add_task 4242 trader "$USER_FLAGS" 3 3
	verify --interval 0
	[ "$status" -eq 2 ]
	[ "$(status_of tasks)" = critical ]
	[[ "$(message_of tasks)" == "process 4242 (trader) is pinned to isolated CPUs 3"* ]]
	verify --interval 0 --allow 'trad*'
	[ "$status" -eq 0 ]
	[ "$(status_of tasks)" = ok ]
	[ "$(jq -r '.checks[] | select(.id == "tasks") | .details.allowed_workload[0].comm' <<<"$output")" = trader ]
}

@test "tasks: unpinned user tasks and movable kthreads are critical; running there is reported" {
	add_task 5000 cron "$USER_FLAGS" 2 0-3
	add_task 5001 khugepaged "$KTHREAD_FLAGS" 0 0-3
	verify --interval 0
	[ "$(status_of tasks)" = critical ]
	[[ "$(message_of tasks)" == "2 movable threads (1 kthreads) in 2 processes may run on isolated CPUs 2-3, 1 running there now"* ]]
	[ "$(jq -r '.checks[] | select(.id == "tasks") | .details.running_on_isolated[0].comm' <<<"$output")" = cron ]
}

@test "tasks: per-CPU kthreads on isolated CPUs are reported, not blamed" {
	verify --interval 0
	[ "$(status_of tasks)" = ok ]
	[ "$(jq -r '.checks[] | select(.id == "tasks") | .details.percpu_kthreads_on_isolated["2"] | length' <<<"$output")" -eq 3 ]
}

@test "tasks: IRQ threads follow their IRQ and are left to the irq-affinity check" {
	add_task 5002 irq/24-eth0-rx-0 "$KTHREAD_FLAGS" 0 0-3
	verify --interval 0
	[ "$(status_of tasks)" = ok ]
	[ "$(jq '.checks[] | select(.id == "tasks") | .details.irq_threads_allowed_on_isolated' <<<"$output")" -eq 1 ]
}

@test "tasks: a thread whose allowed CPUs cannot be read is unknown" {
	add_task 5000 cron "$USER_FLAGS" 0 0-1
	echo "Name: cron" >"$R/proc/5000/task/5000/status"
	verify --interval 0
	[ "$(status_of tasks)" = unknown ]
}

# break_file KIND PATH: make a file under the root unreadable or malformed
break_file() {
	rm -rf "$2"
	case $1 in
	garbage) printf '700 (nope\n' >"$2" ;;
	binary) printf '\377\376\0\0garbage' >"$2" ;;
	empty) : >"$2" ;;
	dir) mkdir "$2" ;;
	loop) ln -s "$(basename "$2")" "$2" ;;
	fifo) mkfifo "$2" ;;
	chardev) ln -s /dev/null "$2" ;;
	*) return 1 ;;
	esac
}

# the same, every run under timeout: a FIFO must fail, not hang
verify_t() {
	run --separate-stderr timeout 10 "$IV" --root "$R" --json "$@"
	jq -e . >/dev/null <<<"$output" || {
		echo "invalid JSON (exit $status): $output $stderr"
		return 1
	}
}

@test "cmdline: cpu/online or cpu/possible unreadable or malformed is unknown, no fallback" {
	local f kind
	echo 0-2 >"$R/sys/devices/system/cpu/online"
	verify_t --interval 0
	[ "$status" -eq 1 ] || fail "0-2: exit $status"
	problems_of cmdline | grep -q "isolated CPUs 3 are offline"
	for f in online possible; do
		for kind in garbage binary empty dir fifo chardev; do
			setup
			break_file "$kind" "$R/sys/devices/system/cpu/$f"
			[ "$kind" = garbage ] && printf '0-2\377 garbage\n' >"$R/sys/devices/system/cpu/$f"
			verify_t --interval 0
			[ "$status" -eq 3 ] || fail "$f $kind: exit $status"
			[ "$(status_of cmdline)" = unknown ] || fail "$f $kind: cmdline $(status_of cmdline)"
			[[ "$(message_of cmdline)" == "cannot read the $f CPUs: $R/sys/devices/system/cpu/$f: "* ]] ||
				fail "$f $kind: $(message_of cmdline)"
		done
	done
	# absent: the other file stands in, as before
	setup
	rm "$R/sys/devices/system/cpu/online"
	verify_t --interval 0
	[ "$status" -eq 0 ] || fail "online absent: exit $status: $(message_of cmdline)"
}

@test "cmdline: a FIFO or a directory as /proc/cmdline is unknown at once, naming it" {
	local kind
	for kind in fifo dir; do
		break_file "$kind" "$R/proc/cmdline"
		verify_t --interval 0
		[ "$status" -eq 3 ] || fail "$kind: exit $status"
		[[ "$(message_of cmdline)" == "cannot read the kernel command line: $R/proc/cmdline: "* ]] ||
			fail "$kind: $(message_of cmdline)"
	done
}

# Every file a check reads, broken each way that applies: the check is unknown
# (or worse) naming the file, never ok, and no run blocks on a FIFO.
# FILE CHECK KINDS
READERS='sys/devices/system/cpu/isolated kernel garbage,dir,fifo
sys/devices/system/cpu/nohz_full kernel garbage,dir,fifo
proc/irq/default_smp_affinity irq-affinity garbage,empty,dir,fifo
proc/irq/26/effective_affinity_list irq-affinity garbage,dir,fifo
sys/devices/virtual/workqueue/cpumask workqueue garbage,empty,dir,fifo
sys/devices/virtual/workqueue/writeback/cpumask workqueue garbage,empty,dir,fifo
sys/devices/system/cpu/cpu2/cpufreq/scaling_governor frequency empty,dir,fifo
sys/devices/system/cpu/cpu3/cpufreq/scaling_max_freq frequency garbage,empty,dir,fifo
sys/devices/system/cpu/intel_pstate/no_turbo frequency garbage,dir,fifo
sys/devices/system/cpu/cpu2/topology/thread_siblings_list smt garbage,dir,fifo
proc/sys/kernel/nmi_watchdog services garbage,empty,dir,fifo
proc/sys/kernel/watchdog_cpumask services garbage,dir,fifo
proc/interrupts irq-activity garbage,empty,dir,fifo
proc/stat housekeeping-load garbage,empty,dir,fifo'

@test "every reader: a file there but unreadable or malformed makes its check unknown, naming it" {
	local f id kinds kind st bad=
	while read -r f id kinds; do
		for kind in ${kinds//,/ }; do
			setup
			[ -e "$R/$f" ] || fail "$f: not in the fixture"
			break_file "$kind" "$R/$f"
			verify_t --interval 0.2
			st=$(status_of "$id")
			if [ "$status" -eq 0 ] || [ "$st" != unknown ] || ! problems_of "$id" | grep -qF "$R/$f"; then
				bad+="$f $kind: exit $status, $id $st: $(problems_of "$id" | head -1)"$'\n'
			fi
		done
	done <<<"$READERS"
	[ -z "$bad" ] || fail "$bad"
}

@test "tasks: a task whose stat cannot be read or parsed is unknown, naming it, never ok" {
	local kind
	# task 700 may run on isolated CPUs: critical while its stat reads
	sed -i 's/^Cpus_allowed_list:.*/Cpus_allowed_list:\t0-3/' "$R/proc/700/task/700/status"
	verify_t --interval 0
	[ "$status" -eq 2 ] || fail "readable: exit $status"
	for kind in garbage binary empty dir loop fifo chardev; do
		break_file "$kind" "$R/proc/700/task/700/stat"
		verify_t --interval 0
		[ "$status" -eq 3 ] || fail "$kind: exit $status"
		[ "$(status_of tasks)" = unknown ] || fail "$kind: tasks $(status_of tasks)"
		[[ "$(message_of tasks)" == "cannot read $R/proc/700/task/700/stat: "* ]] ||
			fail "$kind: $(message_of tasks)"
		[ "$(jq '.checks[] | select(.id == "tasks") | .details.threads_unreadable' <<<"$output")" -eq 1 ]
		[ "$(status_of rcu)" = unknown ] || fail "$kind: rcu $(status_of rcu)"
	done
}

@test "tasks: a task directory that is there but cannot be listed is unknown, naming it" {
	sed -i 's/^Cpus_allowed_list:.*/Cpus_allowed_list:\t0-3/' "$R/proc/700/task/700/status"
	rm -r "$R/proc/700/task"
	echo "not a directory" >"$R/proc/700/task"
	verify_t --interval 0
	[ "$status" -eq 3 ] || fail "exit $status: $(message_of tasks)"
	[ "$(message_of tasks)" = "cannot read $R/proc/700/task: Not a directory" ] || fail "$(message_of tasks)"
}

@test "tasks: a task that exited (its /proc/PID gone) is skipped, not unknown" {
	sed -i 's/^Cpus_allowed_list:.*/Cpus_allowed_list:\t0-3/' "$R/proc/700/task/700/status"
	mv "$R/proc/700/task/700/stat" "$R/proc/700/task/700/stat.gone"
	verify_t --interval 0
	[ "$status" -eq 0 ] || fail "stat gone: exit $status: $(message_of tasks)"
	[ "$(jq '.checks[] | select(.id == "tasks") | .details.threads_vanished' <<<"$output")" -eq 1 ]
	rm -r "$R/proc/700"
	verify_t --interval 0
	[ "$status" -eq 0 ]
	[ "$(status_of tasks)" = ok ]
}

@test "rcu: an offload thread allowed on isolated CPUs, and a CPU without offload, are critical" {
	printf 'Name:\trcuop/3\nCpus_allowed_list:\t0-3\n' >"$R/proc/17/task/17/status"
	verify --interval 0
	[ "$(status_of rcu)" = critical ]
	[[ "$(message_of rcu)" == "RCU offload thread rcuop/3 (17) may run on CPUs 0-3"* ]]
	rm -r "$R/proc/17"
	verify --interval 0
	[ "$(status_of rcu)" = critical ]
	[[ "$(message_of rcu)" == *"isolated CPUs 3 are not offloaded"* ]]
}

# --- workqueue / frequency / services / smt ----------------------------------------

@test "workqueue: unbound cpumask reaching isolated CPUs is critical" {
	echo 0000000f >"$R/sys/devices/virtual/workqueue/cpumask"
	verify --interval 0
	[ "$(status_of workqueue)" = critical ]
	[[ "$(message_of workqueue)" == "unbound workqueues may run on isolated CPUs 2-3"* ]]
	rm "$R/sys/devices/virtual/workqueue/cpumask"
	verify --interval 0
	[ "$(status_of workqueue)" = unknown ]
	# nine hex digits without a comma: the kernel's parser refuses it, so do we
	echo 00000000f >"$R/sys/devices/virtual/workqueue/cpumask"
	verify --interval 0
	[ "$(status_of workqueue)" = unknown ]
}

@test "frequency: governor and turbo against rd.earlypin.*; no cpufreq is skipped" {
	echo powersave >"$R/sys/devices/system/cpu/cpu2/cpufreq/scaling_governor"
	verify --interval 0
	[ "$(status_of frequency)" = warning ]
	[[ "$(message_of frequency)" == *"CPU 2 runs the powersave governor but rd.earlypin.governor=performance"* ]]
	echo performance >"$R/sys/devices/system/cpu/cpu2/cpufreq/scaling_governor"
	set_cmdline "isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1 rd.earlypin.turbo=off rd.earlypin.freq=max"
	verify --interval 0
	[ "$(status_of frequency)" = warning ]
	problems_of frequency | grep -q "turbo is on but rd.earlypin.turbo=off"
	problems_of frequency | grep -q "not locked at its maximum frequency"
	echo 1 >"$R/sys/devices/system/cpu/intel_pstate/no_turbo"
	rm -r "$R"/sys/devices/system/cpu/cpu*/cpufreq
	verify --interval 0
	[ "$(status_of frequency)" = skipped ]
}

@test "services: irqbalance with a ban list not covering the isolated CPUs is critical" {
	add_task 800 irqbalance "$USER_FLAGS" 0 0-1
	# no ban list: irqbalance bans the kernel's isolated + nohz_full CPUs itself
	verify --interval 0
	[ "$(status_of services)" = ok ]
	printf 'LANG=C\0IRQBALANCE_BANNED_CPULIST=3\0' >"$R/proc/800/environ"
	verify --interval 0
	[ "$(status_of services)" = critical ]
	[[ "$(message_of services)" == *"does not ban isolated CPUs 2"* ]]
	printf 'IRQBALANCE_BANNED_CPULIST=2-3\0' >"$R/proc/800/environ"
	verify --interval 0
	[ "$(status_of services)" = ok ]
	# environment unreadable: the config file counts; a hex mask with leading zeros
	rm "$R/proc/800/environ"
	mkdir -p "$R/etc/default"
	echo 'IRQBALANCE_BANNED_CPUS="00000004"' >"$R/etc/default/irqbalance"
	verify --interval 0
	[ "$(status_of services)" = critical ]
}

@test "services: tuned with a foreign profile, and lockup watchdogs on isolated CPUs, are warnings" {
	add_task 801 tuned "$USER_FLAGS" 0 0-1
	mkdir -p "$R/etc/tuned"
	echo balanced >"$R/etc/tuned/active_profile"
	verify --interval 0
	[ "$(status_of services)" = warning ]
	[[ "$(message_of services)" == *"tuned (pid 801) runs profile 'balanced'"* ]]
	echo cpu-partitioning >"$R/etc/tuned/active_profile"
	echo "isolated_cores=1-3" >"$R/etc/tuned/cpu-partitioning-variables.conf"
	verify --interval 0
	[ "$(status_of services)" = critical ]
	echo "isolated_cores=2-3" >"$R/etc/tuned/cpu-partitioning-variables.conf"
	verify --interval 0
	[ "$(status_of services)" = ok ]
	echo 1 >"$R/proc/sys/kernel/nmi_watchdog"
	echo 0-3 >"$R/proc/sys/kernel/watchdog_cpumask"
	verify --interval 0
	[ "$(status_of services)" = warning ]
	problems_of services | grep -q "NMI (hard lockup) watchdog runs on isolated CPUs 2-3"
	problems_of services | grep -q "soft lockup watchdog runs on isolated CPUs 2-3"
}

@test "smt: an isolated CPU sharing its core with a housekeeping CPU is a warning" {
	echo 1-2 >"$R/sys/devices/system/cpu/cpu2/topology/thread_siblings_list"
	verify --interval 0
	[ "$status" -eq 1 ]
	[ "$(status_of smt)" = warning ]
	[[ "$(message_of smt)" == "isolated CPU 2 shares its core with housekeeping CPU(s) 1"* ]]
}

# --- housekeeping-load / smi / jitter ------------------------------------------------

@test "housekeeping-load: a housekeeping CPU busier than 90% is a warning" {
	sed 's/^cpu0 2000 0 1000 20000/cpu0 2950 0 1000 20050/' "$R/proc/stat" >"$R/proc/stat.next"
	replace_later 0.4 /proc/stat
	verify --interval 1.2
	[ "$(status_of housekeeping-load)" = warning ]
	[[ "$(message_of housekeeping-load)" == "housekeeping CPU 0 was 95% busy"* ]]
}

@test "smi: counter deltas from MSR 0x34; not Intel is skipped with the reason" {
	cp "$R/dev/cpu/2/msr" "$R/dev/cpu/2/msr.next"
	printf '\x0c' | dd of="$R/dev/cpu/2/msr.next" bs=1 seek=52 conv=notrunc status=none
	replace_later 0.4 /dev/cpu/2/msr
	verify --interval 1.2
	[ "$(status_of smi)" = warning ]
	[[ "$(message_of smi)" == "5 system management interrupts"* ]]
	sed -i 's/GenuineIntel/AuthenticAMD/' "$R/proc/cpuinfo"
	verify --interval 0.2
	[ "$(status_of smi)" = skipped ]
	[[ "$(message_of smi)" == *"Intel CPUs only"* ]]
}

@test "smi: the MSR reads (an IPI each) come before the first and after the last /proc/interrupts sample" {
	# Read in the interval, each MSR read counted as a call-function IPI on
	# the isolated CPU it reads: the verifier's own disturbance. The order of
	# the opens as the kernel saw them, one letter each: M for an isolated
	# CPU's msr file, I for /proc/interrupts.
	# (LeakSanitizer cannot run under ptrace: SANITIZE=1 builds skip the leak check here)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run -0 strace -f -qq -e trace=openat -o "$BATS_TEST_TMPDIR/trace" \
		"$IV" --root "$R" --json --interval 0.3
	order=$(grep -oE '"[^"]*(/dev/cpu/[0-9]+/msr|/proc/interrupts)"' "$BATS_TEST_TMPDIR/trace" |
		sed -E 's|.*/msr"$|M|; s|.*/interrupts"$|I|' | tr -d '\n')
	# two isolated CPUs (2-3): two reads before, two after, none between
	[[ $order =~ ^MMI+MM$ ]] || {
		echo "open order (M msr, I /proc/interrupts): $order"
		return 1
	}
}

@test "jitter: not with --root; bad options are usage errors" {
	verify --interval 0 --jitter=0.1
	[ "$(status_of jitter)" = skipped ]
	[[ "$(message_of jitter)" == *"not with --root"* ]]
	run -2 --separate-stderr "$IV" --jitter=-1
	[[ "$stderr" == *"invalid jitter duration"* ]]
	run -2 --separate-stderr "$IV" --jitter-threshold 10parsecs
	run -2 --separate-stderr "$IV" --max-jitter 0
}

@test "unknown and skipped corners: unreadable cmdline, sysfs, stat, MSR; no topology" {
	# /proc/cmdline missing: cmdline and kernel cannot judge, the verdict is UNKNOWN, never OK
	mv "$R/proc/cmdline" "$R/proc/cmdline.away"
	verify --interval 0
	[ "$status" -eq 3 ]
	[ "$(status_of cmdline)" = unknown ]
	[ "$(status_of kernel)" = unknown ]
	mv "$R/proc/cmdline.away" "$R/proc/cmdline"
	# sysfs isolated unreadable (a directory where a file should be)
	rm "$R/sys/devices/system/cpu/isolated"
	mkdir "$R/sys/devices/system/cpu/isolated"
	verify --interval 0
	[ "$(status_of kernel)" = unknown ]
	rmdir "$R/sys/devices/system/cpu/isolated"
	echo 2-3 >"$R/sys/devices/system/cpu/isolated"
	# an RCU offload thread whose allowed CPUs cannot be read
	echo "Name: rcuop/2" >"$R/proc/16/task/16/status"
	verify --interval 0
	[ "$(status_of rcu)" = unknown ]
	printf 'Name:\trcuop/2\nCpus_allowed_list:\t0-1\n' >"$R/proc/16/task/16/status"
	# /proc/stat garbage
	echo garbage >"$R/proc/stat"
	verify --interval 0.2
	[ "$(status_of housekeeping-load)" = unknown ]
	# the MSR file vanishes between the two samples
	cp "$QC_TOP/tests/fixtures/verify/isolated/proc/stat" "$R/proc/stat"
	(sleep 0.4 && rm -f "$R/dev/cpu/3/msr") >/dev/null 2>&1 &
	verify --interval 1.2
	[ "$(status_of smi)" = unknown ]
	# no topology in sysfs: smt cannot judge
	rm -r "$R"/sys/devices/system/cpu/cpu*/topology
	verify --interval 0
	[ "$(status_of smt)" = skipped ]
}

# --- CLI ------------------------------------------------------------------------

@test "CLI: --help, --version, usage errors, a bad root" {
	run -0 --separate-stderr "$IV" --help
	assert_output --partial "Usage:"
	assert_output --partial "--expect-from-bootloader"
	run -0 "$IV" --version
	assert_output --regexp '^isol-verify from quietcore [0-9]'
	run -2 --separate-stderr "$IV" --interval soon
	[ "$stderr" = "isol-verify: invalid interval: 'soon'
Try 'isol-verify --help'." ]
	run -2 --separate-stderr "$IV" --json --prometheus
	run -2 --separate-stderr "$IV" --no-such-option
	[[ "$stderr" == *"Try 'isol-verify --help'."* ]]
	run -3 --separate-stderr "$IV" --root /nonexistent
	[ "$stderr" = "isol-verify: cannot use root: /nonexistent: No such file or directory" ]
}

# --- this machine --------------------------------------------------------------------

@test "this machine (not isolated): critical for the right reason, valid JSON" {
	run --separate-stderr "$IV" --interval 0.3 --json
	[ "$status" -eq 2 ] || [ "$status" -eq 1 ]
	jq -e . >/dev/null <<<"$output"
	if [ -z "$(cat /sys/devices/system/cpu/isolated)" ] && ! grep -qE '(isolcpus|nohz_full)=' /proc/cmdline; then
		[ "$status" -eq 2 ]
		[ "$(status_of cmdline)" = critical ]
		[[ "$(message_of cmdline)" == "no CPU is isolated"* ]]
	fi
}

@test "this machine, checked as if CPU 1 were isolated: the real reasons show up" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	run --separate-stderr "$IV" --interval 0.3 --json --isolated 1
	[ "$status" -eq 2 ]
	jq -e . >/dev/null <<<"$output"
	[ "$(jq -r .plan.isolated <<<"$output")" = 1 ]
	# nothing pins this machine's tasks, kthreads or workqueues away from CPU 1
	[ "$(status_of tasks)" = critical ]
	[ "$(status_of workqueue)" = critical ]
	jq -e '.checks[] | select(.id == "tasks") | .details.threads > 0' <<<"$output"
	# the verifier does not count itself
	run -0 jq -e --arg pid "$$" '[.checks[] | select(.id == "tasks") | .details.movable_on_isolated[] | select(.comm == "isol-verify")] | length == 0' <<<"$output"
}

@test "this machine: the jitter probe reports quantiles on a named CPU" {
	run --separate-stderr "$IV" --interval 0 --json --jitter=0.3 --jitter-cpus 0 --isolated 1
	jq -e . >/dev/null <<<"$output"
	[ "$(status_of jitter)" != skipped ]
	jq -e '.checks[] | select(.id == "jitter") | .details.cpus[0] | .cpu == 0 and .samples > 1000 and .p50_ns <= .p99_ns and .p99_ns <= .p999_ns and .p999_ns <= .max_ns' <<<"$output"
	# exact counts of long gaps: every threshold, each a subset of the one before, the
	# longest bounded by the max; the loop cost is the window over the samples
	jq -e '.checks[] | select(.id == "jitter") | .details.cpus[0] | .gaps_at_least_us as $g |
		($g | keys | sort) == (["5", "10", "20", "50", "100"] | sort) and
		$g["5"] >= $g["10"] and $g["10"] >= $g["20"] and $g["20"] >= $g["50"] and $g["50"] >= $g["100"] and
		($g["5"] == 0 or .max_ns >= 5000) and ($g["100"] == 0 or .max_ns >= 100000) and
		.time_in_gaps_at_least_5us_ns >= 5000 * $g["5"] and .time_in_gaps_at_least_5us_ns <= .window_ns and
		.window_ns > 0 and .loop_ns > 0 and
		(.loop_ns - .window_ns / .samples | fabs) < 0.01' <<<"$output"
}

# --- the textfile unit ------------------------------------------------------------------

# the shell command of the unit's ExecStart, with systemd's $$ escapes undone
unit_script() {
	sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'$/\1/p" "$QC_TOP/dracut-module/systemd/isol-verify-textfile.service" |
		sed 's/\$\$/$/g'
}

@test "textfile unit: writes the .prom file atomically, keeps the old one when isol-verify crashes" {
	local d=$BATS_TEST_TMPDIR/textfile script
	script=$(unit_script)
	[ -n "$script" ]
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -s "$IV" "$BATS_TEST_TMPDIR/bin/isol-verify"
	# a critical verdict is still a successful run of the unit
	set_cmdline "quiet"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH ISOL_VERIFY_TEXTFILE_DIR=$d ISOL_VERIFY_ARGS="--root $R --interval 0" \
		run -0 sh -c "$script"
	run -0 cat "$d/isol-verify.prom"
	assert_line 'isol_verify_status 2'
	[ "$(stat -c %a "$d/isol-verify.prom")" = 644 ]
	[ "$(find "$d" -name '.isol-verify.prom.*' | wc -l)" -eq 0 ]
	# a crash (exit status above 3) leaves the last good file alone
	rm "$BATS_TEST_TMPDIR/bin/isol-verify"
	printf '#!/bin/sh\necho partial\nkill -SEGV $$\n' >"$BATS_TEST_TMPDIR/bin/isol-verify"
	chmod +x "$BATS_TEST_TMPDIR/bin/isol-verify"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH ISOL_VERIFY_TEXTFILE_DIR=$d ISOL_VERIFY_ARGS='' \
		run sh -c "$script"
	[ "$status" -gt 3 ]
	run -0 cat "$d/isol-verify.prom"
	assert_line 'isol_verify_status 2'
	[ "$(find "$d" -name '.isol-verify.prom.*' | wc -l)" -eq 0 ]
}
