#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# early-pin's run-time mode: --save/--restore, --enforce, run.
# First against the fake 128-CPU root (every action visible, no root needed),
# then for real on this machine (root, >= 2 CPUs: housekeeping 0, isolated 1)
# with processes and threads the tests start. The real tests move every task
# of the host for a moment; teardown always restores.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	# a process with many threads, for the real tests
	cc -O2 -pthread -o "$BATS_FILE_TMPDIR"/pin-threads "$QC_TOP"/bench/pin-threads.c
	cc -O2 -o "$BATS_FILE_TMPDIR"/forker "$QC_TOP"/tests/fault/forker.c
}

setup() {
	EP=$BUILD/early-pin
	R=$BATS_TEST_TMPDIR/root
	"$QC_TOP"/tests/fixtures/proc-irq/mkroot.sh "$R"
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	S=$BATS_TEST_TMPDIR/state
	PIDS=()
}

teardown() {
	if [ -n "${REAL_STATE:-}" ] && [ -e "$REAL_STATE" ]; then
		"$EP" --restore "$REAL_STATE" -q || true
		rm -f "$REAL_STATE"
	fi
	local p
	# (CONT: a stopped process would hold the TERM, and wait with it)
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || continue
		kill -CONT "$p" 2>/dev/null || :
	done
	wait 2>/dev/null || true
}

# track PID...: teardown kills them (a function rather than PIDS+= in the test
# body: bats runs setup, the test and teardown in one shell, which shellcheck
# cannot know of a @test block)
track() { PIDS+=("$@"); }

allowed() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$R/proc/$1/task/$2/status"; }

# every affinity-like file of the fake root, for before/after comparisons
snapshot() {
	(cd "$R" && grep -r --include=status --include='smp_affinity*' --include=cpumask \
		--include=default_smp_affinity --include='scaling_*' --include=no_turbo --include=boost -H . |
		grep -v -e '\.errno:' -e '/status:Cpus_allowed:' -e '/status:Name:' -e '/status:Pid:' -e '/status:Vol' | sort)
}

@test "early-pin --save (fake root): originals first, mode 0600, strict format; --restore is exact" {
	before=$(snapshot)
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	assert_line --partial "early-pin: housekeeping=0,64 irqs moved=10 immovable=2 tasks moved=6 per-cpu=2 wq=ok"
	assert_line "early-pin: moved: 6 tasks, 10 IRQs, the default IRQ affinity, 2 workqueue masks"
	assert_line "early-pin: could not move: 2 per-CPU kthreads (PF_NO_SETAFFINITY), 2 immovable IRQs (managed or per-CPU), 0 failed"
	assert_line --regexp "^early-pin: still allowed on isolated CPUs 1-63,65-127: IRQs 8,9; per-CPU kthreads (ksoftirqd/5 kworker/u256:0|kworker/u256:0 ksoftirqd/5);$"
	assert_equal "$(stat -c %a "$S")" 600
	assert_equal "$(head -1 "$S")" "quietcore-early-pin-state 2"
	grep -qx "boot_id 6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f" "$S"
	grep -qx "task 200 201 5000 64-127" "$S"
	grep -qx "irq 4 64-127" "$S"
	grep -qx "irq-default ffffffff,ffffffff,ffffffff,ffffffff" "$S"
	grep -qx "wq-cpumask writeback ffffffff,ffffffff,ffffffff,ffffffff" "$S"
	grep -qx "wq-unbound ffffffff,ffffffff,ffffffff,ffffffff" "$S"
	grep -qx "root $R" "$S"
	grep -qE '^end [0-9]+ [0-9a-f]{16}$' "$S"
	[ "$(snapshot)" != "$before" ]
	run -0 "$EP" --root "$R" --restore "$S"
	assert_output --partial "early-pin: restored tasks=6 irqs=10 files=3"
	assert_equal "$(snapshot)" "$before"
	# twice is harmless
	run -0 "$EP" --root "$R" --restore "$S" -v
	assert_output --partial "irqs=0 files=0"
	assert_equal "$(snapshot)" "$before"
}

@test "early-pin --save: frequency originals are restored, min before max" {
	for p in 0 64; do
		d=$R/sys/devices/system/cpu/cpufreq/policy$p
		mkdir -p "$d"
		echo performance powersave >"$d"/scaling_available_governors
		echo powersave >"$d"/scaling_governor
		echo 800000 >"$d"/scaling_min_freq
		echo 2400000 >"$d"/scaling_max_freq
		echo 3500000 >"$d"/cpuinfo_max_freq
	done
	echo 1 >"$R"/sys/devices/system/cpu/cpufreq/boost
	before=$(snapshot)
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S" --governor performance --freq-max --no-turbo
	assert_equal "$(cat "$R"/sys/devices/system/cpu/cpufreq/policy64/scaling_min_freq)" 3500000
	grep -qx "cpufreq 0 scaling_governor powersave" "$S"
	grep -qx "cpufreq 64 scaling_min_freq 800000" "$S"
	grep -qx "turbo boost 1" "$S"
	run -0 "$EP" --root "$R" --restore "$S" -v
	assert_equal "$(snapshot)" "$before"
	run -0 bash -c "grep -n 'op: write .*policy0/scaling_m' <<<'$output' | cut -d' ' -f3"
	assert_equal "${lines[0]}" /sys/devices/system/cpu/cpufreq/policy0/scaling_min_freq
}

@test "early-pin --restore (fake root): exited tasks and reused PIDs are skipped" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	rm -r "$R"/proc/100					# bash exited
	sed -i 's/ 5000 0 0$/ 9999 0 0/' "$R"/proc/200/stat	# pid 200 is a new process now
	run -0 "$EP" --root "$R" --restore "$S" -v
	assert_output --partial "exited=1 pid-reused=3 inherited=0 failed=0"
	refute_line --partial "op: setaffinity 200/"
	assert_equal "$(allowed 200 201)" 64	# still what the new process has
	assert_equal "$(allowed 1 1)" 0-127
}

@test "early-pin --restore: missing, foreign, corrupt, truncated, other-boot, other-root files are refused" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	run -1 --separate-stderr "$EP" --root "$R" --restore "$BATS_TEST_TMPDIR"/nonexistent
	# shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
	assert_equal "$stderr" "early-pin: cannot read state file: $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
	echo "hello world" >"$BATS_TEST_TMPDIR"/foreign
	run -1 --separate-stderr "$EP" --root "$R" --restore "$BATS_TEST_TMPDIR"/foreign
	assert_equal "$stderr" "early-pin: $BATS_TEST_TMPDIR/foreign: not an early-pin state file, refusing to restore"
	sed 's/^irq 4 64-127$/irq 4 64-126/' "$S" >"$BATS_TEST_TMPDIR"/corrupt
	run -1 --separate-stderr "$EP" --root "$R" --restore "$BATS_TEST_TMPDIR"/corrupt -v
	assert_equal "$stderr" "early-pin: $BATS_TEST_TMPDIR/corrupt: corrupt state file (checksum mismatch), refusing to restore"
	refute_output --partial "op: "
	sed 's/^irq 4 64-127$/irq 4 sixty/' "$S" >"$BATS_TEST_TMPDIR"/corrupt
	run -1 --separate-stderr "$EP" --root "$R" --restore "$BATS_TEST_TMPDIR"/corrupt
	assert_regex "$stderr" "corrupt state file \(line [0-9]+\), refusing to restore$"
	head -c -30 "$S" >"$BATS_TEST_TMPDIR"/truncated
	run -1 --separate-stderr "$EP" --root "$R" --restore "$BATS_TEST_TMPDIR"/truncated
	assert_regex "$stderr" "corrupt state file"
	cp -a "$R" "$BATS_TEST_TMPDIR"/other
	run -1 --separate-stderr "$EP" --root "$BATS_TEST_TMPDIR"/other --restore "$S"
	assert_regex "$stderr" "saved for root $R, not $BATS_TEST_TMPDIR/other, refusing to restore$"
	echo 00000000-0000-0000-0000-000000000000 >"$R"/proc/sys/kernel/random/boot_id
	run -1 --separate-stderr "$EP" --root "$R" --restore "$S" -v
	assert_regex "$stderr" "saved in another boot \(boot_id 6b1f0c2e-.*, now 00000000-.*\), refusing to restore"
	refute_output --partial "op: "
}

@test "early-pin --save: an existing state file is never overwritten; unwritable path changes nothing" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	cp "$S" "$BATS_TEST_TMPDIR"/orig
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$S" -v
	assert_regex "$stderr" "state file .* exists: restore it"
	refute_output --partial "op: "
	cmp "$S" "$BATS_TEST_TMPDIR"/orig
	rm -rf "$R" && "$QC_TOP"/tests/fixtures/proc-irq/mkroot.sh "$R"
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$BATS_TEST_TMPDIR"/no/such/dir/state -v
	assert_regex "$stderr" "^early-pin: cannot write state file: .*/no/such/dir/state: No such file or directory$"
	refute_output --partial "op: "
	assert_equal "$(allowed 1 1)" 0-127
}

@test "early-pin --save: a second sequestering on top of one in force is refused" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	grep -qx "$S" "$R"/run/quietcore/active
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$S.2" -v
	assert_equal "$stderr" "early-pin: another sequestering is in force (state $S): restore it first, or use --force"
	refute_output --partial "op: "
	[ ! -e "$S.2" ]
	run -0 "$EP" --root "$R" --restore "$S"
	[ ! -e "$R"/run/quietcore/active ]
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S.2"
}

@test "early-pin --restore: tasks started after the save get their parent's original mask back" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	newtask() { # PID TID PPID START LIST
		mkdir -p "$R/proc/$1/task/$2"
		printf '%s (new) S %s %s %s 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %s 0 0\n' "$2" "$3" "$1" "$1" "$4" \
			>"$R/proc/$1/task/$2/stat"
		printf 'Name:\tnew\nCpus_allowed_list:\t%s\n' "$5" >"$R/proc/$1/task/$2/status"
		[ "$1" != "$2" ] || cp "$R/proc/$1/task/$2/stat" "$R/proc/$1/stat"
	}
	late=999999999999
	newtask 400 400 200 $late 0,64		# child of app, inherited narrow(0-127)
	newtask 401 401 400 $late 0,64		# grandchild, through a new parent
	newtask 200 203 1 $late 0,64		# new thread of app
	newtask 402 402 200 $late 0		# set on purpose: not what it inherited
	newtask 403 403 200 4000 0,64		# there before the save
	run -0 "$EP" --root "$R" --restore "$S" -v
	assert_output --partial "inherited=3 failed=0"
	assert_equal "$(allowed 400 400)" 0-127
	assert_equal "$(allowed 401 401)" 0-127
	assert_equal "$(allowed 200 203)" 0-127
	assert_equal "$(allowed 402 402)" 0
	assert_equal "$(allowed 403 403)" 0,64
}

@test "early-pin run (fake root): COMMAND's status, restored after; SIGINT restores too" {
	before=$(snapshot)
	run -7 "$EP" --root "$R" run --cpus 1-63,65-127 -q -- sh -c 'exit 7'
	assert_equal "$(snapshot)" "$before"
	[ -z "$(ls "$R"/run/quietcore)" ]
	# started in the background, SIGINT is ignored by default: it must still work
	"$EP" --root "$R" run --cpus 1-63,65-127 -q -- sleep 100 &
	ep=$!
	for _ in $(seq 100); do [ "$(allowed 1 1)" = 0,64 ] && break; sleep 0.05; done
	[ "$(allowed 1 1)" = 0,64 ]
	kill -INT $ep
	rc=0; wait $ep || rc=$?
	assert_equal "$rc" 130
	assert_equal "$(snapshot)" "$before"
	# a COMMAND that ignores SIGINT is killed at the third signal
	"$EP" --root "$R" run --cpus 1-63,65-127 -q -- sh -c 'trap "" INT; sleep 100; exit 0' &
	ep=$!
	for _ in $(seq 100); do [ "$(allowed 1 1)" = 0,64 ] && break; sleep 0.05; done
	for _ in 1 2 3; do sleep 0.3; kill -INT $ep; done
	rc=0; wait $ep || rc=$?
	[ "$rc" -ne 0 ]
	assert_equal "$(snapshot)" "$before"
}

@test "early-pin run: CPUs that do not exist, or no housekeeping CPU left, are refused" {
	run -1 --separate-stderr "$EP" --root "$R" run --cpus 500-600 -- true
	assert_equal "$stderr" "early-pin: --cpus 500-600 names no online CPU"
	run -1 --separate-stderr "$EP" --root "$R" run --cpus 0-127 -- true
	assert_equal "$stderr" "early-pin: --cpus 0-127 leaves no housekeeping CPU"
	run -2 --separate-stderr "$EP" --root "$R" run --cpus 1 --housekeeping 0 -- true
	run -2 --separate-stderr "$EP" --root "$R" --cpus 1
	[ ! -e "$R"/run/quietcore/active ]
}

@test "early-pin --save NAME keeps the state in <root>/run/quietcore/" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save bench1
	assert_equal "$(stat -c %a "$R"/run/quietcore/bench1)" 600
	# readable directory: isol-verify reads early-pin's immovable-irqs there without root
	assert_equal "$(stat -c %a "$R"/run/quietcore)" 755
	run -0 "$EP" --root "$R" --restore bench1
}

@test "early-pin --save: no housekeeping set, or all CPUs housekeeping, is an error" {
	run -1 --separate-stderr "$EP" --root "$R" --save "$S"
	assert_regex "$stderr" "no housekeeping set"
	run -1 --separate-stderr "$EP" --root "$R" --save "$S" --housekeeping 0-127
	assert_equal "$stderr" "early-pin: the housekeeping set is every online CPU: nothing to isolate"
	[ ! -e "$S" ]
}

# ---- the real machine ---------------------------------------------------------

requires_real() {
	requires root
	# not nproc: it counts the CPUs this (possibly pinned) shell may use
	[ "$(getconf _NPROCESSORS_ONLN)" -ge 2 ] || skip "requires 2 CPUs"
	grep -qx 0-1 /sys/devices/system/cpu/online || skip "written for CPUs 0-1"
	# a fixed path, not the test's directory: a run killed between --save
	# and teardown (SIGKILL, a CI job cut off) leaves the host sequestered
	# on CPU 0, and the next run must find the state to give it back
	REAL_STATE=/run/quietcore-tests/early-pin-real.state
	mkdir -p "${REAL_STATE%/*}"
	# one real sequestering at a time, even across concurrent test runs
	exec {REAL_LOCK}>/run/lock/quietcore-early-pin-real.lock
	flock -w 600 "$REAL_LOCK" || skip "another early-pin real test holds the lock"
	if [ -e "$REAL_STATE" ]; then
		"$EP" --restore "$REAL_STATE" -q || true
		rm -f "$REAL_STATE"
	fi
	# this shell may have been started while another run had the host sequestered
	taskset -pc 0-1 $BASHPID >/dev/null
}

mask_of() { taskset -pc "$1" | sed 's/.*: //'; }

# tasks other than per-CPU kthreads still allowed on CPU 1 (shell builtins
# only: a fork per task would take minutes on a host with many threads)
left_on_cpu1() {
	local st t rest k v list
	for t in /proc/[0-9]*/task/[0-9]*; do
		{ read -r st <"$t"/stat; } 2>/dev/null || continue
		rest=${st##*) }
		# shellcheck disable=SC2086
		set -- $rest
		(($7 & 0x04000000)) && continue
		list=
		while read -r k v; do
			[ "$k" = Cpus_allowed_list: ] && { list=$v; break; }
		done 2>/dev/null <"$t"/status || continue
		case ",$list," in
		*,1,* | *-1,* | *,1-*) echo "$t $list" ;;
		esac
	done
}

start_tasks() {
	sleep 1000 & PIDS+=($!); SLEEP_ALL=$!
	taskset -c 1 sleep 1000 & PIDS+=($!); SLEEP_ONE=$!
	"$BATS_FILE_TMPDIR"/pin-threads 50 >"$BATS_TEST_TMPDIR"/threads.out & PIDS+=($!); THREADS=$!
	while ! grep -q ready "$BATS_TEST_TMPDIR"/threads.out; do sleep 0.05; done
	# one thread of it with a mask of its own
	ODD_TID=$(printf '%s\n' /proc/"$THREADS"/task/* | sed 's|.*/||' | sort -n | sed -n 7p)
	taskset -pc 1 "$ODD_TID" >/dev/null
}

@test "early-pin real: --save moves every movable task off CPU 1, --restore gives each its exact mask" {
	requires_real
	start_tasks
	irq_before=$(cat /proc/irq/*/smp_affinity_list | tr '\n' ' ')
	wq_before=$(cat /sys/devices/virtual/workqueue/cpumask)
	[ "$(mask_of "$SLEEP_ALL")" = 0,1 ] && [ "$(mask_of "$SLEEP_ONE")" = 1 ]
	run -0 "$EP" --housekeeping 0 --save "$REAL_STATE"
	assert_line --regexp "^early-pin: housekeeping=0 irqs moved=[0-9]+ immovable=[0-9]+ tasks moved=[0-9]+ per-cpu=[0-9]+ wq=ok [0-9.]+ ms$"
	assert_equal "$(mask_of "$SLEEP_ALL")" 0
	assert_equal "$(mask_of "$SLEEP_ONE")" 0
	assert_equal "$(mask_of "$ODD_TID")" 0
	assert_equal "$(mask_of 1)" 0
	assert_equal "$(mask_of 2)" 0
	assert_equal "$(left_on_cpu1)" ""
	run -0 "$EP" --restore "$REAL_STATE"
	assert_output --partial "failed=0"
	assert_equal "$(mask_of "$SLEEP_ALL")" 0,1
	assert_equal "$(mask_of "$SLEEP_ONE")" 1
	assert_equal "$(mask_of "$ODD_TID")" 1
	for t in /proc/"$THREADS"/task/*; do
		[ "${t##*/}" = "$ODD_TID" ] || assert_equal "$(mask_of "${t##*/}")" 0,1
	done
	assert_equal "$(cat /proc/irq/*/smp_affinity_list | tr '\n' ' ')" "$irq_before"
	assert_equal "$(cat /sys/devices/virtual/workqueue/cpumask)" "$wq_before"
}

@test "early-pin real: a process started while sequestered gets its parent's mask back" {
	requires_real
	run -0 "$EP" --housekeeping 0 --save "$REAL_STATE" -q
	sleep 1000 & child=$!; track "$child"
	assert_equal "$(mask_of "$child")" 0
	run -0 "$EP" --restore "$REAL_STATE"
	assert_regex "$output" "inherited=[1-9]"
	assert_equal "$(mask_of "$child")" 0,1
}

# Allowed CPU lists of the children of process $1, one a line (shell builtins:
# there are thousands)
children_masks() {
	local c k v children
	read -r -a children </proc/"$1"/task/"$1"/children
	for c in "${children[@]}"; do
		while read -r k v; do
			[ "$k" = Cpus_allowed_list: ] && { echo "$v"; break; }
		done 2>/dev/null <"/proc/$c/status"
	done
}

@test "early-pin real: children forked while the pass runs do not keep the old mask, and get it back" {
	requires_real
	# A child every 300 us. The ones forked after the scan listed the tasks
	# and before the parent was narrowed inherit 0-1 and were never scanned
	# (the sweeps move them); the ones forked after it, in the same 10 ms
	# tick as the scan, must still count as started after the save, or the
	# restore leaves them on 0 (saved_at is the tick before the scan).
	"$BATS_FILE_TMPDIR"/forker 300 3000 >"$BATS_TEST_TMPDIR"/forker.out & track $!
	forker=$!
	while ! grep -q ready "$BATS_TEST_TMPDIR"/forker.out; do sleep 0.05; done
	run -0 "$EP" --housekeeping 0 --save "$REAL_STATE" -v
	kill -STOP "$forker"
	left=$(children_masks "$forker" | sort | uniq -c)
	kill -CONT "$forker"
	echo "$output" | grep '^sweep' || :
	echo "the forker's children's masks after --save: $left"
	assert_equal "$(echo "$left" | grep -cv ' 0$')" 0
	run -0 "$EP" --restore "$REAL_STATE" -v
	kill -STOP "$forker"
	left=$(children_masks "$forker" | sort | uniq -c)
	kill -CONT "$forker"
	echo "$output" | grep -v '^task' | tail -5
	echo "their masks after --restore: $left"
	assert_equal "$(echo "$left" | grep -cv ' 0-1$')" 0
}

@test "early-pin real: an exited process and a reused PID are handled" {
	requires_real
	taskset -c 1 sleep 1000 & victim=$!	# original mask: CPU 1 only
	run -0 "$EP" --housekeeping 0 --save "$REAL_STATE" -q
	kill $victim; wait $victim 2>/dev/null || true
	reused=
	for _ in 1 2 3 4 5; do
		echo $((victim - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 1000 & p=$!
		track "$p"
		if [ $p -eq $victim ]; then reused=$p; break; fi
	done
	[ -n "$reused" ] || skip "could not get pid $victim again"
	# the new process inherited the test shell's sequestered mask
	assert_equal "$(mask_of "$reused")" 0
	run -0 "$EP" --restore "$REAL_STATE" -v
	assert_line --regexp "^task $victim/$victim: process started at [0-9]+, saved [0-9]+: a new process, skipped$"
	assert_regex "$output" "pid-reused=[1-9]"
	# never the old process's CPU 1; as a child started while sequestered,
	# it gets its parent's original
	assert_equal "$(mask_of "$reused")" 0,1
	sleep 1000 & gone=$!
	track "$gone"
	rm -f "$REAL_STATE"
	run -0 "$EP" --housekeeping 0 --save "$REAL_STATE" -q
	kill $gone; wait $gone 2>/dev/null || true
	run -0 "$EP" --restore "$REAL_STATE"
	assert_regex "$output" "exited=[1-9]"
}

@test "early-pin real: run pins COMMAND to the isolated CPU, returns its status, restores" {
	requires_real
	start_tasks
	run -7 "$EP" run --cpus 1 -- sh -c 'grep Cpus_allowed_list /proc/self/status; exit 7'
	assert_line --regexp "^Cpus_allowed_list:[[:space:]]+1$"
	assert_equal "$(mask_of "$SLEEP_ALL")" 0,1
	assert_equal "$(mask_of "$ODD_TID")" 1
	ls /run/quietcore/run.*.state 2>/dev/null && false
	run -127 --separate-stderr "$EP" run -- /nonexistent/command
	assert_equal "$(mask_of "$SLEEP_ALL")" 0,1
}

@test "early-pin real: run restores on SIGINT and exits 128+2" {
	requires_real
	start_tasks
	"$EP" run --cpus 1 -- sleep 1000 >"$BATS_TEST_TMPDIR"/run.out 2>&1 &
	ep=$!
	for _ in $(seq 100); do [ "$(mask_of "$SLEEP_ALL")" = 0 ] && break; sleep 0.05; done
	assert_equal "$(mask_of "$SLEEP_ALL")" 0
	ls /run/quietcore/run.$ep.state
	sleep 0.2
	kill -INT $ep
	rc=0; wait $ep || rc=$?
	assert_equal "$rc" 130
	assert_equal "$(mask_of "$SLEEP_ALL")" 0,1
	assert_equal "$(mask_of "$SLEEP_ONE")" 1
	[ ! -e /run/quietcore/run.$ep.state ]
}

@test "early-pin real: --save --enforce re-pins newcomers, leaves deliberate ones, restores on SIGTERM" {
	requires_real
	start_tasks
	"$EP" --housekeeping 0 --save "$REAL_STATE" --enforce 1 -q &
	ep=$!
	for _ in $(seq 100); do [ "$(mask_of "$SLEEP_ALL")" = 0 ] && break; sleep 0.05; done
	taskset -c 0,1 sleep 1000 & newcomer=$!; track "$newcomer"
	taskset -c 1 sleep 1000 & placed=$!; track "$placed"
	for _ in $(seq 60); do [ "$(mask_of "$newcomer")" = 0 ] && break; sleep 0.1; done
	assert_equal "$(mask_of "$newcomer")" 0
	assert_equal "$(mask_of "$placed")" 1
	grep -q "^task $newcomer $newcomer " "$REAL_STATE"
	kill -TERM $ep
	wait $ep
	assert_equal "$(mask_of "$SLEEP_ALL")" 0,1
	assert_equal "$(mask_of "$newcomer")" 0,1
	assert_equal "$(mask_of "$placed")" 1
}

@test "early-pin real: SIGKILL between save and restore, the state file still restores" {
	requires_real
	start_tasks
	"$EP" --housekeeping 0 --save "$REAL_STATE" --enforce 5 -q &
	ep=$!
	for _ in $(seq 100); do [ "$(mask_of "$SLEEP_ONE")" = 0 ] && break; sleep 0.05; done
	kill -KILL $ep; wait $ep 2>/dev/null || true
	assert_equal "$(mask_of "$SLEEP_ONE")" 0
	run -0 "$EP" --restore "$REAL_STATE"
	assert_equal "$(mask_of "$SLEEP_ONE")" 1
	assert_equal "$(mask_of "$SLEEP_ALL")" 0,1
	assert_equal "$(mask_of "$ODD_TID")" 1
}

@test "early-pin real: a corrupted and a foreign state file are refused, nothing changes" {
	requires_real
	start_tasks
	run -0 "$EP" --housekeeping 0 --save "$REAL_STATE" -q
	bad=$BATS_TEST_TMPDIR/bad.state
	sed "s/^task $SLEEP_ONE $SLEEP_ONE \([0-9]*\) 1$/task $SLEEP_ONE $SLEEP_ONE \1 0-1/" "$REAL_STATE" >"$bad"
	run -1 cmp -s "$bad" "$REAL_STATE"	# the sed changed a line
	run -1 --separate-stderr "$EP" --restore "$bad"
	assert_regex "$stderr" "corrupt state file \(checksum mismatch\)"
	assert_equal "$(mask_of "$SLEEP_ONE")" 0
	run -1 --separate-stderr "$EP" --restore /etc/passwd
	assert_regex "$stderr" "not an early-pin state file"
	assert_equal "$(mask_of "$SLEEP_ALL")" 0
	run -0 "$EP" --restore "$REAL_STATE" -q
	assert_equal "$(mask_of "$SLEEP_ONE")" 1
}
