#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline-gen, the read-only half: options, usage errors, bad input,
# profiles, kernel-config awareness, the size limit, output modes.
# Trees come from tests/fixtures/sysfs (see make-fixtures.sh there).
bats_require_minimum_version 1.5.0
load helpers

CG() { "$BUILD/cmdline-gen" "$@"; }
SMT=$QC_TOP/tests/fixtures/sysfs/smt2-2node

# jq: the boot CPU is housekeeping, the sets are disjoint and not empty,
# isolcpus= names the isolated set
# shellcheck disable=SC2016 # a jq program: $b, $h and $i are jq's variables
SOUND='def ex: if . == "" then [] else split(",") | map(split("-") | map(tonumber) |
		if length == 2 then [range(.[0]; .[1] + 1)] else . end) | add end;
	.boot_cpu as $b | (.housekeeping | ex) as $h | (.isolated | ex) as $i |
	($h | length) > 0 and ($i | length) > 0 and ($h - $i == $h) and ($h | any(. == $b)) and
	.params.isolcpus == "domain,managed_irq," + .isolated'

smt_copy() { # a fresh copy of the smt2-2node root, to break
	local dst
	dst=$(mktemp -d "$BATS_TEST_TMPDIR/smt.XXXXXX")
	cp -a "$SMT/." "$dst/"
	echo "$dst"
}

# one line on stderr, "cmdline-gen: " first, no stdout
assert_one_line_error() {
	[ -z "$output" ] || fail "stdout not empty: $output"
	# shellcheck disable=SC2154 # stderr and stderr_lines: set by bats' run --separate-stderr
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "stderr is not one line: $stderr"
	[[ $stderr == "cmdline-gen: "* ]] || fail "stderr: $stderr"
}

assert_usage_error() {
	[ "$status" -eq 2 ] || fail "exit $status, expected 2: $stderr"
	[ "${#stderr_lines[@]}" -eq 2 ] || fail "stderr: $stderr"
	[ "${stderr_lines[1]}" = "Try 'cmdline-gen --help'." ] || fail "no Try line: $stderr"
}

@test "--help: usage on stdout, exit 0, every option the man page documents" {
	run --separate-stderr CG --help
	assert_success
	[[ $output == Usage:* ]]
	[ -z "$stderr" ]
	local opt n=0
	while read -r opt; do
		n=$((n + 1))
		case $opt in --apply|--revert|--check|--dry-run|--bootloader|--update-command) continue ;; esac
		[[ $output == *"$opt"* ]] || fail "--help lacks $opt"
	done < <(grep -o '^\.BR\? \\-\\-[a-z-]*' "$QC_TOP/docs/cmdline-gen.8" | sed 's/.*\\-\\-/--/')
	[ "$n" -ge 10 ] || fail "only $n options found in cmdline-gen.8"
	run --separate-stderr CG -h
	assert_success
}

@test "--version" {
	run --separate-stderr CG --version
	assert_success
	[[ $output == "cmdline-gen from quietcore "* ]]
}

@test "usage errors exit 2 with a Try line" {
	local args
	for args in "--bogus" "--profile" "--profile fast" "--housekeeping-per-node 0" \
		"--housekeeping-per-node x" "--housekeeping-per-node -1" "--explain --json" "extra-arg" \
		"--kernel ../../etc" "-z"; do
		# shellcheck disable=SC2086
		run --separate-stderr CG --root "$SMT" $args
		assert_usage_error
	done
}

@test "default line on a 2-node SMT tree" {
	run --separate-stderr CG --root "$SMT"
	assert_success
	assert_output "isolcpus=domain,managed_irq,1-3,5-7,9-11,14-15 nohz_full=1-3,5-7,9-11,14-15 rcu_nocbs=1-3,5-7,9-11,14-15 irqaffinity=0,4,8,12 nosoftlockup nmi_watchdog=0 skew_tick=1 rcupdate.rcu_normal_after_boot=1 systemd.cpu_affinity=0,4,8,12 rd.earlypin.governor=performance rd.earlypin.turbo=off"
	[ -z "$stderr" ]
}

@test "profiles: minimal, benchmark, latency" {
	run --separate-stderr CG --root "$SMT" --profile minimal
	assert_success
	assert_output "isolcpus=domain,managed_irq,1-3,5-7,9-11,14-15 nohz_full=1-3,5-7,9-11,14-15 rcu_nocbs=1-3,5-7,9-11,14-15 irqaffinity=0,4,8,12"
	run --separate-stderr CG --root "$SMT" --profile benchmark
	assert_success
	[[ $output == *" nosoftlockup nmi_watchdog=0 skew_tick=1 "* ]]
	[[ $output != *idle=poll* ]]
	run --separate-stderr CG --root "$SMT" --profile latency
	assert_success
	[[ $output == *" nosoftlockup "* ]]
	[[ $output == *" rcu_nocb_poll processor.max_cstate=1 intel_idle.max_cstate=0 idle=poll tsc=reliable transparent_hugepage=never" ]]
}

@test "latency on a tree of unknown architecture leaves out the x86 parameters, with a warning" {
	# nothing but empty cpuN folders (made here: git keeps no empty folders)
	local bare=$BATS_TEST_TMPDIR/bare
	mkdir -p "$bare"/sys/devices/system/cpu/cpu{0,1,2,3}
	run --separate-stderr CG --root "$bare" --profile latency
	assert_success
	[[ $output != *idle=poll* ]]
	[[ $output == *transparent_hugepage=never* ]]
	[[ $stderr == *"cannot tell whether the machine is x86"* ]]
}

@test "kernel config awareness: no NO_HZ_FULL / RCU_NOCB_CPU, 6.6 workqueue, missing config" {
	run --separate-stderr CG --root "$SMT" --kernel 5.10.0-nohz
	assert_success
	[[ $output != *nohz_full* ]] && [[ $output != *rcu_nocbs* ]] && [[ $output != *workqueue* ]]
	[[ $output == isolcpus=domain,managed_irq,* ]]
	[[ $stderr == *"CONFIG_NO_HZ_FULL is not set in /boot/config-5.10.0-nohz: leaving out nohz_full="* ]]
	[[ $stderr == *"CONFIG_RCU_NOCB_CPU is not set"* ]]

	run --separate-stderr CG --root "$SMT" --kernel 6.6.0-full
	assert_success
	[[ $output == *" nohz_full=1-3,5-7,9-11,14-15 "* ]]
	[[ $output == *" workqueue.unbound_cpus=0,4,8,12 "* ]]
	[ -z "$stderr" ]

	run --separate-stderr CG --root "$SMT" --kernel 6.5.0-none
	assert_success
	[[ $output == *nohz_full=* ]] && [[ $output != *workqueue* ]]
	[[ $stderr == *"/boot/config-6.5.0-none: No such file or directory: not checking kernel options"* ]]
}

@test "-q silences warnings" {
	run --separate-stderr CG --root "$SMT" --kernel 5.10.0-nohz -q
	assert_success
	[ -z "$stderr" ]
}

@test "--json has the design.md fields" {
	run --separate-stderr CG --root "$SMT" --json
	assert_success
	jq -e '(.online == "0-12,14-15") and (.housekeeping == "0,4,8,12") and
		(.isolated == "1-3,5-7,9-11,14-15") and (.cmdline | startswith("isolcpus=")) and
		(.params.isolcpus == "domain,managed_irq,1-3,5-7,9-11,14-15") and (.params.nosoftlockup == true) and
		(.topology | .cpus == 15 and .cores == 8 and .packages == 2 and .numa_nodes == 2 and .smt == 2 and .hybrid == false) and
		(.warnings == []) and (.boot_cpu == 0) and (.offline == "13") and (.cores | length == 8)' <<<"$output"
}

@test "--explain: the table, the line and each parameter's reason" {
	run --separate-stderr CG --root "$SMT" --explain
	assert_success
	assert_line --regexp '^PACKAGE +NODE +CORE +CPUS +ROLE +REASON$'
	assert_line --regexp "^0 +0 +0 +0,8 +housekeeping +the boot CPU's core"
	assert_line --regexp '^1 +1 +4 +4,12 +housekeeping +keeps its NUMA node'
	assert_line --regexp '^1 +1 +5 +5 +isolated'
	assert_line --regexp '^- +- +- +13 +offline'
	assert_line "isolated:     1-3,5-7,9-11,14-15"
	assert_line --regexp '^isolcpus=domain,managed_irq,1-3,5-7,9-11,14-15 nohz_full='
	assert_line "  nmi_watchdog=0"
}

@test "hybrid: only performance cores are isolated" {
	run --separate-stderr CG --root "$QC_TOP/tests/fixtures/sysfs/hybrid-pmu" --json
	assert_success
	jq -e '.isolated == "2-7" and .housekeeping == "0-1,8-11" and .topology.hybrid and
		.topology.hybrid_source == "cpu_core/cpu_atom"' <<<"$output"
	run --separate-stderr CG --root "$QC_TOP/tests/fixtures/sysfs/hybrid-capacity" --explain
	assert_success
	assert_line --regexp '^0 +0 +1 +1 +E +housekeeping +efficiency core'
	assert_line --regexp '^0 +0 +4 +4 +P +isolated'
}

@test "overrides: --isolate, --housekeeping, split siblings warned" {
	run --separate-stderr CG --root "$SMT" --profile minimal --isolate 1-3,9-11
	assert_success
	assert_output "isolcpus=domain,managed_irq,1-3,9-11 nohz_full=1-3,9-11 rcu_nocbs=1-3,9-11 irqaffinity=0,4-8,12,14-15"
	[ -z "$stderr" ]
	run --separate-stderr CG --root "$SMT" --profile minimal --isolate 1-3
	assert_success
	[[ $stderr == *"SMT siblings split between housekeeping and isolated CPUs in the cores of 1-3,9-11"* ]]
	run --separate-stderr CG --root "$SMT" --profile minimal --housekeeping 0,4,8,12
	assert_success
	[[ $output == "isolcpus=domain,managed_irq,1-3,5-7,9-11,14-15 "* ]]
}

@test "overrides that break a rule are refused with one line, exit 1" {
	local args want
	while IFS='|' read -r args want; do
		# shellcheck disable=SC2086
		run --separate-stderr CG --root "$SMT" $args
		[ "$status" -eq 1 ] || fail "$args: exit $status"
		assert_one_line_error
		[[ $stderr == *"$want"* ]] || fail "$args: '$stderr' lacks '$want'"
	done <<-'EOF2'
	--isolate 0-3|refusing to isolate the boot CPU 0
	--isolate 4-7,12,14-15|refusing to leave NUMA node 1 (CPUs 4-7,12,14-15) without a housekeeping CPU
	--isolate 1-12,14-15|refusing to leave NUMA node
	--housekeeping 0-12,14-15|nothing to isolate
	--housekeeping 1|refusing to isolate the boot CPU 0
	--isolate 13|--isolate: CPUs 13 are offline
	--isolate 15-16|--isolate '15-16': CPU beyond the last CPU of this machine (15)
	--isolate banana|--isolate 'banana': not a valid cpulist
	--isolate 5-2|--isolate '5-2': not a valid cpulist
	--isolate ,|--isolate ',': empty CPU list
	--housekeeping 0-3 --isolate 3-5|CPUs 3 are in both --housekeeping and --isolate
	EOF2
}

@test "--nosmt adds nosmt and plans one thread per core" {
	run --separate-stderr CG --root "$SMT" --profile minimal --nosmt --json
	assert_success
	jq -e '.nosmt_offline == "8-12,14-15" and .housekeeping == "0,4" and .isolated == "1-3,5-7" and
		.params.nosmt == true' <<<"$output"
}

@test "--extra: appended when clean, refused when unsafe or contradicting the plan" {
	run --separate-stderr CG --root "$SMT" --profile minimal --extra 'mitigations=off audit=0'
	assert_success
	[[ $output == *" irqaffinity=0,4,8,12 mitigations=off audit=0" ]]
	local x
	# shellcheck disable=SC2016 # the literal strings are the point: --extra must refuse them
	for x in 'a=$(id)' 'a=`id`' 'a="b c"' "a='b'" 'a=1;reboot' $'a=1\nb=2' 'isolcpus=1' 'irqaffinity=0' 'a=\x'; do
		run --separate-stderr CG --root "$SMT" --extra "$x"
		[ "$status" -eq 1 ] || fail "--extra '$x': exit $status"
		assert_one_line_error
		[[ $stderr == "cmdline-gen: --extra"* ]] || fail "$stderr"
	done
	run --separate-stderr CG --root "$SMT" --extra 'skew_tick=0'
	[ "$status" -eq 1 ]
	[[ $stderr == *"contradicts skew_tick=1 of the benchmark profile"* ]]
}

@test "a line over 2048 bytes is refused" {
	local root=$BATS_TEST_TMPDIR/t256
	"$QC_TOP/tests/fixtures/sysfs/gen-tree.sh" "$root" 256 1 1 1
	# every other CPU: 128 single CPUs in five lists
	run --separate-stderr CG --root "$root" --isolate '1-255:1/2'
	[ "$status" -eq 1 ]
	assert_one_line_error
	[[ $stderr == "cmdline-gen: the parameter line would be "*" bytes; the kernel command line holds at most 2048 including its NUL" ]]
	# the same CPUs fit with fewer lists
	run --separate-stderr CG --root "$root" --isolate '1-255:1/2' --profile minimal
	assert_success
	[ "${#output}" -lt 2048 ]
	# and ranges are always used: 255 CPUs are one range
	run --separate-stderr CG --root "$root" --profile minimal
	assert_output "isolcpus=domain,managed_irq,1-255 nohz_full=1-255 rcu_nocbs=1-255 irqaffinity=0"
}

@test "nothing to isolate: exit 1 and why" {
	run --separate-stderr CG --root "$QC_TOP/tests/fixtures/sysfs/1cpu"
	[ "$status" -eq 1 ]
	assert_one_line_error
	[ "$stderr" = "cmdline-gen: nothing to isolate: only 1 CPU is online (CPU 0)" ]
	run --separate-stderr CG --root "$SMT" --housekeeping-per-node 4 --json
	[ "$status" -eq 1 ]
	assert_one_line_error
	[[ $stderr == "cmdline-gen: nothing to isolate: all 15 online CPUs (8 cores) are housekeeping"* ]]
}

@test "bad input: garbage in a sysfs file names the file" {
	local root f
	for f in sys/devices/system/cpu/cpu2/topology/core_cpus_list sys/devices/system/node/node1/cpulist \
		sys/devices/system/cpu/cpu6/online sys/devices/system/cpu/cpu4/topology/physical_package_id \
		sys/devices/system/cpu/cpu0/cache/index3/shared_cpu_list; do
		root=$(smt_copy)
		printf '\x01garbage\xff\n' >"$root/$f"
		run --separate-stderr CG --root "$root"
		[ "$status" -eq 1 ] || fail "$f: exit $status: $output"
		assert_one_line_error
		[ "$stderr" = "cmdline-gen: cannot read the CPU topology: $root/$f: malformed content" ] || fail "$stderr"
	done
	# a mask where the kernel writes a mask
	root=$(smt_copy)
	rm "$root/sys/devices/system/cpu/cpu1/topology/core_siblings_list" "$root/sys/devices/system/cpu/cpu1/topology/package_cpus_list" \
		"$root/sys/devices/system/cpu/cpu0/topology/core_siblings_list" "$root/sys/devices/system/cpu/cpu0/topology/package_cpus_list"
	echo "zz,00000f0f" >"$root/sys/devices/system/cpu/cpu0/topology/core_siblings"
	run --separate-stderr CG --root "$root"
	[ "$status" -eq 1 ]
	[[ $stderr == *"/cpu0/topology/core_siblings: malformed content" ]]
}

# not_regular KIND PATH: put a FIFO, a directory or a character device where a file was
not_regular() {
	rm -rf "$2"
	case $1 in
	fifo) mkfifo "$2" ;;
	dir) mkdir "$2" ;;
	chardev) ln -s /dev/zero "$2" ;;
	*) return 1 ;;
	esac
}

@test "bad input: garbage in cpu/online is an error naming it, no fallback to cpu/possible" {
	local root
	root=$(smt_copy)
	printf '0-2\377 garbage\n' >"$root/sys/devices/system/cpu/online"
	run --separate-stderr timeout 10 "$BUILD/cmdline-gen" --root "$root"
	[ "$status" -eq 1 ] || fail "exit $status: $output"
	assert_one_line_error
	[ "$stderr" = "cmdline-gen: cannot read the CPU topology: $root/sys/devices/system/cpu/online: malformed content" ] || fail "$stderr"
	# absent: the cpuN/online files say (the documented fallback)
	rm "$root/sys/devices/system/cpu/online"
	run --separate-stderr timeout 10 "$BUILD/cmdline-gen" --root "$root"
	assert_success
}

@test "bad input: a FIFO, directory or device instead of a sysfs file is refused at once, naming it" {
	local root f kind want
	for f in sys/devices/system/cpu/online sys/devices/system/cpu/cpu2/topology/core_cpus_list \
		sys/devices/system/cpu/possible; do
		for kind in fifo dir chardev; do
			root=$(smt_copy)
			[ -e "$root/$f" ] || echo 0-15 >"$root/$f"
			not_regular "$kind" "$root/$f"
			run --separate-stderr timeout 10 "$BUILD/cmdline-gen" --root "$root"
			[ "$status" -eq 1 ] || fail "$f as $kind: exit $status: $output"
			assert_one_line_error
			want="not a regular file"
			[ "$kind" = dir ] && want="Is a directory"
			[ "$stderr" = "cmdline-gen: cannot read the CPU topology: $root/$f: $want" ] || fail "$f as $kind: $stderr"
		done
	done
}

@test "kernel config: unreadable or malformed is an error naming it, never options not set" {
	local root kind cfg
	for kind in dir fifo garbage binary empty; do
		root=$(smt_copy)
		cfg=$root/boot/config-6.6.0-full
		case $kind in
		dir | fifo) not_regular "$kind" "$cfg" ;;
		garbage) printf 'CONFIG_NO_HZ_FULL=y\nthis is not a config\n' >"$cfg" ;;
		binary) printf '\177ELF\2\1\1\0\0\0' >"$cfg" ;;
		empty) : >"$cfg" ;;
		esac
		run --separate-stderr timeout 10 "$BUILD/cmdline-gen" --root "$root" --kernel 6.6.0-full
		[ "$status" -eq 1 ] || fail "$kind: exit $status: $output"
		assert_one_line_error
		[[ $stderr == "cmdline-gen: cannot read the kernel configuration: $cfg: "* ]] || fail "$kind: $stderr"
	done
}

@test "GRUB defaults that are a FIFO or a device: refused at once, naming the file" {
	local kind R
	for kind in fifo chardev; do
		R=$BATS_TEST_TMPDIR/grub-$kind
		cp -a "$QC_TOP/tests/fixtures/boot/debian" "$R"
		rm "$R/etc/default/grub"
		if [ "$kind" = fifo ]; then mkfifo "$R/etc/default/grub"; else mknod "$R/etc/default/grub" c 1 5 2>/dev/null || skip "mknod needs root"; fi
		run --separate-stderr timeout 10 "$BUILD/cmdline-gen" --root "$R" --profile minimal --apply
		[ "$status" -eq 1 ] || fail "$kind: exit $status: $stderr"
		[ "$stderr" = "cmdline-gen: cannot read /etc/default/grub: not a regular file" ] || fail "$kind: $stderr"
	done
}

@test "bad input: truncated trees" {
	local root
	# a file cut in the middle of a range
	root=$(smt_copy)
	printf '4-' >"$root/sys/devices/system/node/node1/cpulist"
	run --separate-stderr CG --root "$root"
	[ "$status" -eq 1 ]
	assert_one_line_error
	[[ $stderr == *"node1/cpulist: malformed content" ]]
	# no cpu folder at all
	root=$(smt_copy)
	rm -rf "$root/sys/devices/system/cpu"
	run --separate-stderr CG --root "$root"
	[ "$status" -eq 1 ]
	assert_one_line_error
	[ "$stderr" = "cmdline-gen: cannot read the CPU topology: $root/sys/devices/system/cpu: No such file or directory" ]
	# cpu folders cut off after cpu9: planned from what is there, still valid
	root=$(smt_copy)
	rm -rf "$root"/sys/devices/system/cpu/cpu1[0-9]
	echo 0-15 >"$root/sys/devices/system/cpu/online"
	run --separate-stderr CG --root "$root" --json
	assert_success
	jq -e '.online == "0-9" and .housekeeping == "0,4,8" and .isolated == "1-3,5-7,9"' <<<"$output"
	[[ $stderr == *"CPUs 10-15 are online but have no cpuN directory: left out"* ]]
	# online file empty: nothing online
	: >"$root/sys/devices/system/cpu/online"
	run --separate-stderr CG --root "$root"
	[ "$status" -eq 1 ]
	[[ $stderr == *"cpu/online: no online CPU" ]]
}

@test "bad input: unusable root" {
	run --separate-stderr CG --root /nonexistent/qc
	[ "$status" -eq 1 ]
	assert_one_line_error
	[ "$stderr" = "cmdline-gen: --root /nonexistent/qc: No such file or directory" ]
	run --separate-stderr CG --root "$SMT/proc/cpuinfo"
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdline-gen: --root $SMT/proc/cpuinfo: Not a directory" ]
}

@test "bad input: unreadable root (as an unprivileged user)" {
	command -v setpriv >/dev/null || skip "requires setpriv"
	[ "$(id -u)" -eq 0 ] || skip "requires root to switch users"
	local root=$BATS_TEST_TMPDIR/locked
	cp -a "$SMT" "$root"
	chmod 755 "$BATS_TEST_TMPDIR"
	chmod 000 "$root"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD/cmdline-gen" --root "$root"
	chmod 755 "$root"
	[ "$status" -eq 1 ] || fail "exit $status: $stderr"
	assert_one_line_error
	[[ $stderr == "cmdline-gen: "*"$root"*"Permission denied" ]] || fail "$stderr"
}

@test "this host: a plan or a clear refusal, never a crash" {
	run --separate-stderr CG --explain
	case $status in
	0) assert_line --regexp '^PACKAGE ' ;;
	1) [[ $stderr == "cmdline-gen: nothing to isolate: "* ]] || fail "$stderr" ;;
	*) fail "exit $status: $stderr" ;;
	esac
}

@test "cpu/possible beyond 8191 CPUs: warned, planned from the cpuN directories" {
	local root
	root=$(smt_copy)
	echo 0-9000 >"$root/sys/devices/system/cpu/possible"
	run --separate-stderr CG --root "$root" --profile minimal
	assert_success
	assert_output "isolcpus=domain,managed_irq,1-3,5-7,9-11,14-15 nohz_full=1-3,5-7,9-11,14-15 rcu_nocbs=1-3,5-7,9-11,14-15 irqaffinity=0,4,8,12"
	[ "$stderr" = "cmdline-gen: warning: cpu/possible names CPUs beyond 8191: using the cpuN directories" ]
	# but a CPU beyond the limit in a file the plan needs is an error
	echo 0-9000 >"$root/sys/devices/system/cpu/online"
	run --separate-stderr CG --root "$root"
	[ "$status" -eq 1 ]
	[ "$stderr" = "cmdline-gen: cannot read the CPU topology: $root/sys/devices/system/cpu/online: malformed content" ]
}

@test "corrupted files anywhere: exit 0 with a sound plan or exit 1 with one line, never a crash" {
	local root
	root=$(smt_copy)
	# plain bash: bats' DEBUG trap makes long loops crawl
	run bash -c '
		cg=$1 root=$2 sound=$3
		sys=$root/sys/devices/system
		files=("$sys"/cpu/cpu0/topology/* "$sys"/cpu/cpu6/online "$sys"/node/node1/cpulist
			"$sys"/cpu/cpu0/cache/index3/level "$sys"/cpu/cpu0/cache/index3/shared_cpu_list "$sys"/cpu/possible)
		patterns=("" "\n\0\n" "-5" "0-99999" "\xff\x01%s")
		n=0
		for f in "${files[@]}"; do
			cp "$f" "$f.orig"
			for p in "${patterns[@]}"; do
				printf "$p" >"$f"
				out=$("$cg" -q --root "$root" --json 2>"$root/err"); rc=$?
				n=$((n + 1))
				case $rc in
				0)	jq -e "$sound" <<<"$out" >/dev/null || { echo "$f <- $p: exit 0 with a bad plan: $out"; exit 1; } ;;
				1)	[ "$(wc -l <"$root/err")" -eq 1 ] || { echo "$f <- $p: stderr: $(cat "$root/err")"; exit 1; } ;;
				*)	echo "$f <- $p: exit $rc: $(cat "$root/err")"; exit 1 ;;
				esac
			done
			mv "$f.orig" "$f"
		done
		echo "$n runs"
	' check "$BUILD/cmdline-gen" "$root" "$SOUND"
	[ "$status" -eq 0 ] || fail "$output"
}
