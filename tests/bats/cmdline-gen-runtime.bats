#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline-gen --apply/--revert/--check --runtime on fixture roots: instead of
# the boot configuration, quietcore-partition.service's drop-in and the link
# that enables it, through the same transaction (lock, originals, manifest,
# atomic writes, rollback). The Debian fixture has 4 CPUs: the minimal plan
# isolates 1-3.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr

load helpers
bats_require_minimum_version 1.5.0

DROPIN=/etc/systemd/system/quietcore-partition.service.d/50-quietcore-plan.conf
WANTS=/etc/systemd/system/sysinit.target.wants/quietcore-partition.service
UNIT=$QC_TOP/dracut-module/systemd/quietcore-partition.service

setup() {
	CG=$BUILD/cmdline-gen
	SHIM=$BUILD/tests/fault/failshim.so
	# the unit directory this cmdline-gen was built for (make's SYSTEMDUNITDIR)
	UNITDIR=$(cat "$BUILD/cmdline-gen-objs/systemdunitdir")
	[ -n "$UNITDIR" ]
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
}

# fresh copy of a fixture root in $R, a pristine one in $ORIG
root() {
	R=$BATS_TEST_TMPDIR/root-$1
	ORIG=$BATS_TEST_TMPDIR/orig-$1
	rm -rf "$R" "$ORIG"
	cp -a "$QC_TOP/tests/fixtures/boot/$1" "$ORIG"
	cp -a "$ORIG" "$R"
}

cg() {
	"$CG" --root "$R" --profile minimal "$@"
}

# every file, directory and link of a tree: type, mode, link target, content hash
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# the same without the state directory (the fixtures have no /var of their own)
snapshot_outside_state() {
	(cd "$1" && find . -path ./var -prune -o -printf '%p %y %m %l\n' | LC_ALL=C sort &&
		find . -path ./var -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# what the drop-in holds for a cpulist
dropin_for() {
	printf '%s\n' "# Written by cmdline-gen --apply --runtime (quietcore): the CPUs that" \
		"# quietcore-partition.service isolates as a cgroup partition at boot." \
		"# Undo with: cmdline-gen --revert --runtime" \
		"[Service]" "Environment=QC_PARTITION_CPUS=$1"
}

@test "runtime: the unit's condition and variable are the drop-in cmdline-gen writes" {
	run -0 grep -x "ConditionPathExists=$DROPIN" "$UNIT"
	# shellcheck disable=SC2016 # systemd's ${...}, not the shell's
	run -0 grep -x 'ExecStart=/usr/sbin/early-pin --save boot-partition --partition --cpus ${QC_PARTITION_CPUS}' "$UNIT"
	run -0 grep -x 'ExecStop=/usr/sbin/early-pin --restore boot-partition' "$UNIT"
	run -0 grep -x 'WantedBy=sysinit.target' "$UNIT"
	[ "${WANTS%/*}" = /etc/systemd/system/sysinit.target.wants ]
	run -0 grep -x 'DefaultDependencies=no' "$UNIT"
}

@test "runtime: --apply creates the drop-in and the enablement link, and nothing else outside its state" {
	root debian
	run -0 --separate-stderr cg --apply --runtime
	assert_line "Created $DROPIN"
	assert_line "Created $WANTS -> $UNITDIR/quietcore-partition.service"
	assert_line "  systemctl daemon-reload && systemctl restart quietcore-partition.service"
	# the fixture has no installed unit: said, not fatal
	[[ $stderr == *"warning: $R$UNITDIR/quietcore-partition.service is not installed"* ]]
	cmp "$R$DROPIN" <(dropin_for 1-3)
	[ "$(stat -c %a "$R$DROPIN")" = 644 ]
	[ "$(readlink "$R$WANTS")" = "$UNITDIR/quietcore-partition.service" ]
	# exactly these two, and the directories they need
	run -0 comm -3 <(cd "$ORIG" && find . | LC_ALL=C sort) \
		<(cd "$R" && find . -path ./var -prune -o -print | LC_ALL=C sort)
	assert_output "$(printf '\t%s\n' ./etc/systemd ./etc/systemd/system \
		./etc/systemd/system/quietcore-partition.service.d \
		".$DROPIN" ./etc/systemd/system/sysinit.target.wants ".$WANTS")"
	run -0 diff -r -x var -x systemd "$ORIG" "$R"
	# the boot configuration is not touched, and has no state of its own
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	[ ! -e "$R/var/lib/quietcore/bootcfg" ]
	run -0 cat "$R/var/lib/quietcore/runtime/manifest"
	assert_line "backend runtime"
	assert_line "absent $DROPIN"
	assert_line "link $WANTS $UNITDIR/quietcore-partition.service"
	assert_line "mkdir /etc/systemd/system/quietcore-partition.service.d"
}

@test "runtime: the plan options give the CPUs; a second --apply changes nothing" {
	root debian
	run -0 cg --isolate 2-3 --apply --runtime
	cmp "$R$DROPIN" <(dropin_for 2-3)
	before=$(snapshot "$R")
	run -0 cg --isolate 2-3 --apply --runtime
	assert_line "Nothing to change: quietcore-partition.service is already enabled for CPUs 2-3."
	refute_line --partial "Created"
	[ "$before" = "$(snapshot "$R")" ]
	# another plan rewrites the drop-in only; the original stays "absent"
	run -0 cg --apply --runtime
	assert_line "Updated $DROPIN"
	refute_line --partial "Created"
	cmp "$R$DROPIN" <(dropin_for 1-3)
	run -0 grep -c "^absent $DROPIN\$" "$R/var/lib/quietcore/runtime/manifest"
	assert_output 1
}

@test "runtime: --dry-run shows the diff and the link, and changes nothing" {
	root debian
	run -0 cg --apply --runtime --dry-run
	assert_line "--- /dev/null"
	assert_line "+++ $DROPIN"
	assert_line "+Environment=QC_PARTITION_CPUS=1-3"
	assert_line "Would create the symbolic link $WANTS -> $UNITDIR/quietcore-partition.service"
	assert_line "Dry run: nothing was changed."
	[ "$(snapshot "$ORIG")" = "$(snapshot "$R")" ]
	# and on an applied root: the change of plan as a diff
	run -0 cg --apply --runtime
	before=$(snapshot "$R")
	run -0 cg --isolate 3 --apply --runtime --dry-run
	assert_line "-Environment=QC_PARTITION_CPUS=1-3"
	assert_line "+Environment=QC_PARTITION_CPUS=3"
	refute_line --partial "symbolic link"
	[ "$before" = "$(snapshot "$R")" ]
}

@test "runtime: --revert removes them and leaves the root byte-identical; a second --revert has nothing to do" {
	root debian
	run -0 cg --apply --runtime
	before=$(snapshot "$R")
	run -0 cg --revert --runtime --dry-run
	assert_line "-Environment=QC_PARTITION_CPUS=1-3"
	assert_line "Would remove the symbolic link $WANTS -> $UNITDIR/quietcore-partition.service"
	assert_line "Dry run: nothing was changed."
	[ "$before" = "$(snapshot "$R")" ]
	run -0 cg --revert --runtime
	assert_line "Removed $DROPIN"
	assert_line "Removed $WANTS"
	assert_line "  systemctl stop quietcore-partition.service && systemctl daemon-reload"
	# the state directory, its lock and every directory --apply made are gone too
	[ "$(snapshot "$ORIG")" = "$(snapshot "$R")" ]
	run -0 cg --revert --runtime
	assert_output --partial "Nothing to revert: nothing to revert: no /var/lib/quietcore/runtime/manifest (cmdline-gen --apply --runtime never changed this host)"
	[ "$(snapshot "$ORIG")" = "$(snapshot "$R")" ]
}

@test "runtime: a drop-in that was there is kept as the original and comes back byte for byte" {
	root debian
	mkdir -p "$R${DROPIN%/*}"
	printf '[Service]\nEnvironment=QC_PARTITION_CPUS=3\n' >"$R$DROPIN"
	chmod 600 "$R$DROPIN"
	cp -a "$R" "$BATS_TEST_TMPDIR/user"
	run -0 cg --apply --runtime
	assert_line "Updated $DROPIN"
	cmp "$R$DROPIN" <(dropin_for 1-3)
	[ "$(stat -c %a "$R$DROPIN")" = 600 ]
	run -0 cg --revert --runtime
	assert_line "Restored $DROPIN"
	[ "$(snapshot "$BATS_TEST_TMPDIR/user")" = "$(snapshot "$R")" ]
}

@test "runtime: --check says configured, then what drifted" {
	root debian
	run -1 cg --check --runtime
	assert_line "drop-in ($DROPIN): absent"
	assert_line "enabled ($WANTS): no: the unit does not start at boot"
	assert_line "Not configured as planned (see above): run cmdline-gen --apply --runtime."
	run -0 cg --apply --runtime
	run -0 cg --check --runtime
	assert_line "drop-in ($DROPIN): has the plan: QC_PARTITION_CPUS=1-3"
	assert_line "enabled ($WANTS): yes"
	assert_line "Configured: quietcore-partition.service isolates CPUs 1-3 at boot."
	# another plan than the drop-in's
	run -1 cg --isolate 3 --check --runtime
	assert_line "drop-in ($DROPIN): differs: QC_PARTITION_CPUS=1-3, the plan is 3"
	# the drop-in edited by hand
	sed -i 's/=1-3$/=1,2-3/' "$R$DROPIN"
	run -1 cg --check --runtime
	assert_line --partial "drop-in ($DROPIN): differs from what cmdline-gen writes, though QC_PARTITION_CPUS=1,2-3 is the plan"
	sed -i '/^Environment=/d' "$R$DROPIN"
	run -1 cg --check --runtime
	assert_line "drop-in ($DROPIN): differs: no QC_PARTITION_CPUS= in it"
	# and --revert says it replaces the edit
	run -0 --separate-stderr cg --revert --runtime
	[[ $stderr == *"warning: $DROPIN was changed since --apply --runtime; reverting replaces those changes too"* ]]
	[ "$(snapshot "$ORIG")" = "$(snapshot "$R")" ]
}

@test "runtime: --check without the link; --apply makes it again" {
	root debian
	run -0 cg --apply --runtime
	rm "$R$WANTS"
	run -1 cg --check --runtime
	assert_line "enabled ($WANTS): no: the unit does not start at boot"
	run -0 cg --apply --runtime
	assert_line "Created $WANTS -> $UNITDIR/quietcore-partition.service"
	run -0 cg --check --runtime
	run -0 cg --revert --runtime
	[ "$(snapshot "$ORIG")" = "$(snapshot "$R")" ]
}

@test "runtime: a link systemctl enable made is left alone; anything else there is refused" {
	root debian
	mkdir -p "$R${WANTS%/*}"
	ln -s /usr/lib/systemd/system/quietcore-partition.service "$R$WANTS"
	run -0 cg --apply --runtime
	refute_line --partial "Created $WANTS"
	run -0 cg --check --runtime
	run -0 cg --revert --runtime
	[ "$(readlink "$R$WANTS")" = /usr/lib/systemd/system/quietcore-partition.service ]
	[ ! -e "$R$DROPIN" ]
	# another unit's link, or a file, where ours goes: nothing is changed
	for what in link file; do
		rm -rf "$R" && cp -a "$ORIG" "$R" && mkdir -p "$R${WANTS%/*}"
		if [ $what = link ]; then
			ln -s /lib/systemd/system/other.service "$R$WANTS"
		else
			echo x >"$R$WANTS"
		fi
		before=$(snapshot "$R")
		run -1 --separate-stderr cg --apply --runtime
		if [ $what = link ]; then
			[[ $stderr == *"$WANTS points to /lib/systemd/system/other.service, not to a unit named quietcore-partition.service"* ]]
		else
			[[ $stderr == *"$WANTS exists and is not a symbolic link"* ]]
		fi
		[ "$before" = "$(snapshot "$R")" ]
	done
}

@test "runtime: --revert refuses a link --apply made that became a file, and changes nothing" {
	root debian
	run -0 cg --apply --runtime
	rm "$R$WANTS" && echo mine >"$R$WANTS"
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --revert --runtime
	[[ $stderr == *"$WANTS is no longer the symbolic link cmdline-gen --apply --runtime made"*"nothing was changed"* ]]
	[ "$before" = "$(snapshot "$R")" ]
}

@test "runtime: the boot loader's plan and the run-time plan are applied and reverted apart" {
	root debian
	run -0 cg --apply
	run -0 cg --apply --runtime
	run -0 cg --revert --runtime
	[ -f "$R/var/lib/quietcore/bootcfg/manifest" ]
	run -0 grep -c "isolcpus=domain,managed_irq,1-3" "$R/etc/default/grub"
	[ ! -e "$R$DROPIN" ]
	# each --revert points to the other plan when only that one is there
	run -0 cg --revert --runtime
	assert_line "The boot configuration's plan is applied, though: cmdline-gen --revert reverts it."
	run -0 cg --apply --runtime
	run -0 cg --revert
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	cmp "$R$DROPIN" <(dropin_for 1-3)
	run -0 cg --revert
	assert_line "The run-time plan is applied, though: cmdline-gen --revert --runtime reverts it."
	run -0 cg --revert --runtime
	# /var/lib and /var were the boot loader's to remove, but still held the
	# run-time state when it was reverted: only they stay
	[ "$(snapshot_outside_state "$ORIG")" = "$(snapshot_outside_state "$R")" ]
	[ ! -e "$R/var/lib/quietcore" ]
}

@test "runtime: a second run while one holds the lock is refused and changes nothing" {
	root debian
	run -0 cg --apply --runtime
	before=$(snapshot "$R")
	run -1 --separate-stderr flock "$R/var/lib/quietcore/runtime/lock" \
		"$CG" --root "$R" --profile minimal --isolate 3 --apply --runtime
	[[ $stderr == *"/var/lib/quietcore/runtime/lock: another cmdline-gen --apply or --revert is running"* ]]
	run -1 flock "$R/var/lib/quietcore/runtime/lock" "$CG" --root "$R" --revert --runtime
	[ "$before" = "$(snapshot "$R")" ]
}

@test "runtime: usage errors" {
	root debian
	local args
	for args in "--runtime" "--runtime --dry-run --apply --bootloader grub" \
		"--apply --runtime --update-command true" "--check --runtime --bootloader grub" \
		"--apply --runtime --nosmt" "--apply --runtime --extra quiet" \
		"--apply --runtime --explain" "--check --runtime --json" "--runtime --explain"; do
		# shellcheck disable=SC2086 # one word per option
		run -2 --separate-stderr cg $args
		[[ $stderr == *"Try 'cmdline-gen --help'."* ]] || { echo "$args: $stderr"; return 1; }
		[ -z "$output" ]
	done
	run -2 --separate-stderr cg --runtime
	[[ $stderr == *"--runtime goes with --apply, --revert or --check"* ]]
	run -2 --separate-stderr cg --apply --runtime --nosmt
	[[ $stderr == *"--nosmt does not go with --runtime"* ]]
	[ "$(snapshot "$ORIG")" = "$(snapshot "$R")" ]
	run -0 "$CG" --help
	assert_output --partial "--runtime"
}

# kernel ROOT RELEASE LAYOUT: the files cgroup_fs_probe() reads, as a kernel
# RELEASE shows them with the cgroup LAYOUT unified, hybrid (cpuset on v1),
# v1 (no cgroup2 at all) or nocpuset (v2 without the cpuset controller)
kernel() {
	local r=$1 rel=$2 layout=$3 mi
	mkdir -p "$r/proc/sys/kernel" "$r/proc/self" "$r/sys/fs/cgroup"
	echo "$rel" >"$r/proc/sys/kernel/osrelease"
	mi="$r/proc/self/mountinfo"
	echo "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw" >"$mi"
	case $layout in
	unified | nocpuset)
		echo "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot" >>"$mi"
		if [ "$layout" = unified ]; then
			echo "cpuset cpu io memory hugetlb pids rdma misc" >"$r/sys/fs/cgroup/cgroup.controllers"
		else
			echo "cpu io memory pids" >"$r/sys/fs/cgroup/cgroup.controllers"
		fi
		echo "cpu memory pids" >"$r/sys/fs/cgroup/cgroup.subtree_control"
		;;
	hybrid | v1)
		echo "25 24 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755" >>"$mi"
		echo "27 25 0:24 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpuset" >>"$mi"
		if [ "$layout" = hybrid ]; then
			echo "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate" >>"$mi"
			mkdir -p "$r/sys/fs/cgroup/unified"
			: >"$r/sys/fs/cgroup/unified/cgroup.controllers"
			: >"$r/sys/fs/cgroup/unified/cgroup.subtree_control"
		fi
		;;
	esac
	# 6.8 and later: the root's cpuset.cpus.isolated and the workqueue mask of isolated CPUs
	case $rel in
	6.[89]* | 6.1[0-9]* | [7-9].*)
		[ "$layout" != unified ] || : >"$r/sys/fs/cgroup/cpuset.cpus.isolated"
		mkdir -p "$r/sys/devices/virtual/workqueue"
		echo 0 >"$r/sys/devices/virtual/workqueue/cpumask_isolated"
		;;
	esac
}

# the --explain section about the run-time partition (from its title to the end or "warnings:")
explain_runtime() {
	"$CG" --root "$R" --profile minimal --explain | sed -n '/^run-time partition instead/,/^warnings:/p'
}

@test "runtime: --explain on Linux 6.1 says what an isolated partition replaces and what early-pin does" {
	root debian
	kernel "$R" 6.1.0-18-amd64 unified
	run -0 explain_runtime
	assert_line "run-time partition instead (cmdline-gen --apply --runtime):"
	assert_line "  kernel 6.1.0, cgroup v2 (unified): which of the parameters above it replaces"
	assert_line --regexp '^  isolcpus=domain +yes +an isolated partition takes its CPUs out of scheduler load balancing'
	assert_line --regexp '^  isolcpus=managed_irq +no +managed IRQs are kept off isolated CPUs at boot only$'
	assert_line --regexp '^  nohz_full +no +the scheduler tick keeps running'
	assert_line --regexp '^  rcu_nocbs +no +RCU callbacks stay'
	assert_line --regexp '^  irqaffinity +yes +early-pin moves the IRQs'
	assert_line --regexp '^  kthreads +partly +early-pin moves the movable ones, but new ones may start'
	assert_line --regexp '^  unbound workqueues +yes +early-pin sets the unbound workqueue mask'
	# one row per parameter of the minimal line, plus kthreads and unbound workqueues
	[ "$(grep -c '^  [a-z]' <<<"$output")" -eq 8 ]
	run -0 --separate-stderr cg --json
	assert_equal "$(jq -c '.runtime | [.possible, .kernel, .cgroup]' <<<"$output")" '[true,"6.1.0","unified"]'
	assert_equal "$(jq -r '.runtime.replaces[] | select(.param == "isolcpus=domain") | .replaced' <<<"$output")" yes
	assert_equal "$(jq -r '.runtime.replaces[] | select(.param == "nohz_full") | .replaced' <<<"$output")" no
}

@test "runtime: --explain on Linux 6.12 and 7.0: the kernel keeps workqueues off, and from 7.0 new kthreads" {
	root debian
	kernel "$R" 6.12.9+bpo-amd64 unified
	run -0 explain_runtime
	assert_line "  kernel 6.12.9, cgroup v2 (unified): which of the parameters above it replaces"
	assert_line --regexp '^  isolcpus=domain +yes '
	assert_line --regexp '^  unbound workqueues +yes +the kernel keeps unbound workqueues off partition CPUs'
	assert_line --regexp '^  kthreads +partly '
	assert_line --regexp '^  nohz_full +no '
	# the benchmark profile: its workqueue parameter stands for the workqueues
	run -0 --separate-stderr "$CG" --root "$R" --kernel 6.12.9+bpo-amd64 --explain
	assert_line --regexp '^  systemd.cpu_affinity +yes +the partition takes its CPUs from every other cgroup'
	assert_line --regexp '^  rd.earlypin.governor +no '
	refute_line --regexp '^  unbound workqueues '
	rm -rf "$R/proc/sys" "$R/sys/fs" && kernel "$R" 7.0.1 unified
	run -0 explain_runtime
	assert_line --regexp '^  kthreads +yes +early-pin moves the movable ones; new ones follow the partition'
}

@test "runtime: --explain where no partition can be made: cgroup v1 only, cpuset on v1 (hybrid), no cpuset, before 6.1" {
	root debian
	local layout rel want
	while IFS='|' read -r layout rel want; do
		rm -rf "$R/proc/sys" "$R/proc/self" "$R/sys/fs" "$R/sys/devices/virtual"
		kernel "$R" "$rel" "$layout"
		run -0 explain_runtime
		assert_equal "${lines[1]}" "  no run-time partition possible here: $want"
		[ "${#lines[@]}" -eq 2 ] || { echo "$layout $rel: $output"; return 1; }
		run -0 --separate-stderr cg --json
		assert_equal "$(jq -c '.runtime | [.possible, .reason, .replaces]' <<<"$output")" "[false,\"$want\",[]]"
	done <<-'EOF'
		v1|6.1.0-18-amd64|no cgroup v2 hierarchy (cgroup v1 only)
		hybrid|6.12.9|the cpuset controller is on cgroup v1 (the hybrid layout)
		nocpuset|6.12.9|cgroup v2 has no cpuset controller
		unified|5.15.0-91-generic|this kernel has no isolated partitions (6.1 and later)
	EOF
}

# how often --apply --runtime calls each intercepted function
count_calls() {
	local r=$BATS_TEST_TMPDIR/count log=$BATS_TEST_TMPDIR/calls.log
	rm -rf "$r" "$log"
	cp -a "$ORIG" "$r"
	LD_PRELOAD=$SHIM QC_FAIL_LOG=$log "$CG" --root "$r" --profile minimal --apply --runtime \
		>/dev/null 2>&1 || return 1
	sort "$log" | uniq -c
}

@test "runtime: every file operation of --apply fails in turn: nothing is left; a kill before each: --revert gives the root back" {
	# tests/fault/failshim.c: the Nth call of one file operation fails (EIO), or the
	# process is SIGKILLed right before it
	[ -z "${QC_VALGRIND:-}" ] || skip "not under check-valgrind"
	[ -f "$SHIM" ] || skip "$SHIM not built"
	root debian
	local count fn n err st runs=0 r=$BATS_TEST_TMPDIR/r want want_now got
	want=$(snapshot "$ORIG")
	run -0 count_calls
	assert_output --regexp '[0-9]+ symlinkat'
	assert_output --regexp '[0-9]+ mkdirat'
	while read -r count fn; do
		for ((n = 1; n <= count; n++)); do
			for err in 5 kill; do
				rm -rf "$r" && cp -a "$ORIG" "$r"
				st=0
				LD_PRELOAD=$SHIM QC_FAIL_FUNC=$fn QC_FAIL_NTH=$n QC_FAIL_ERRNO=$err \
					"$CG" --root "$r" --profile minimal --apply --runtime \
					>"$BATS_TEST_TMPDIR/out" 2>&1 || st=$?
				what="$fn #$n ($err, exit $st)"
				if [ $err = kill ]; then
					[ $st -eq 137 ] || { echo "$what: expected a SIGKILL"; cat "$BATS_TEST_TMPDIR/out"; return 1; }
					"$CG" --root "$r" --revert --runtime >"$BATS_TEST_TMPDIR/out" 2>&1 ||
						{ echo "$what: --revert failed"; cat "$BATS_TEST_TMPDIR/out"; return 1; }
				elif [ $st -ne 0 ] && [ $st -ne 1 ]; then
					echo "$what: unexpected exit status"
					cat "$BATS_TEST_TMPDIR/out"
					return 1
				elif [ $st -eq 0 ]; then
					# a failure it could go on after (a warning): the plan is there, --revert works
					cmp "$r$DROPIN" <(dropin_for 1-3) || { echo "$what: exit 0 without the drop-in"; return 1; }
					"$CG" --root "$r" --revert --runtime >/dev/null 2>&1 || { echo "$what: --revert failed"; return 1; }
				fi
				# killed before its manifest existed, a run may leave its state
				# directory (and nothing else: every change comes after the manifest)
				if [ $err = kill ] && [ ! -e "$r/var/lib/quietcore/runtime/manifest" ]; then
					got=$(snapshot_outside_state "$r") want_now=$(snapshot_outside_state "$ORIG")
				else
					got=$(snapshot "$r") want_now=$want
				fi
				if [ "$want_now" != "$got" ]; then
					echo "$what: the root is not as it was:"
					diff <(echo "$want_now") <(echo "$got") | head -20
					cat "$BATS_TEST_TMPDIR/out"
					return 1
				fi
				runs=$((runs + 1))
			done
		done
	done < <(count_calls)
	echo "# runtime --apply: $runs faults injected" >&3
	[ "$runs" -gt 20 ]
}
