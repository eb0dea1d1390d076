#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make check-valgrind: the unit tests and the bats suites' program invocations
# under valgrind memcheck. Zero errors and zero definite/indirect leaks, or it
# fails.
#
# Then, outside bats (no timing, every exit status checked), the programs
# directly: isol-verify over the fake root of tests/bats/isol-verify.bats bent
# into each state those tests make, cmdline-gen over every hwloc topology tree,
# and every program's --help, --version and a usage error.
#
# The bats files call "$BUILD/<prog>", so a shadow build directory
# ($BUILD/valgrind) holds one wrapper script per program that runs the real
# binary under valgrind; the suites run with BUILD pointing there. Every
# valgrind run logs to $BUILD/valgrind/logs/<pid>.log; a log that is not
# empty is an error (-q: valgrind only writes when it has something to say).
#   BUILD=... tests/fault/valgrind.sh [bats files...]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
vg=$BUILD/valgrind
logs=$vg/logs
command -v valgrind >/dev/null || { echo "check-valgrind: valgrind missing: run 'make deps'" >&2; exit 1; }

rm -rf "$vg"
mkdir -p "$logs" "$vg/tests/unit"
chmod 1777 "$logs"	# some tests run the programs as another user

wrap() { # wrap REAL WRAPPER
	cat >"$2" <<EOW
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --track-fds=no --child-silent-after-fork=yes \\
	--log-file="$logs/%p.log" "$1" "\$@"
EOW
	chmod +x "$2"
}

for p in cmdline-gen isol-verify early-pin; do
	[ -x "$BUILD/$p" ] || continue
	# A static binary (early-pin with build-aux's static libkmod) cannot be
	# checked: valgrind cannot replace static glibc's string functions and
	# reports their SSE reads (__strcspn_sse42 in _dl_init_paths). It runs
	# unwrapped; build it dynamically (EARLYPIN_LDFLAGS=) to check it.
	if file -b "$BUILD/$p" | grep -q 'statically linked'; then
		echo "check-valgrind: $p is statically linked: run without valgrind in the suites"
		ln -s "$BUILD/$p" "$vg/$p"
		continue
	fi
	wrap "$BUILD/$p" "$vg/$p"
done
# ... and its dynamically linked twin (make check-valgrind links it) in the direct runs
EARLYPIN_DYNAMIC=${EARLYPIN_DYNAMIC:-}
[ -n "$EARLYPIN_DYNAMIC" ] && [ -x "$EARLYPIN_DYNAMIC" ] && wrap "$EARLYPIN_DYNAMIC" "$vg/early-pin-dynamic"
for t in "$BUILD"/tests/unit/test_*; do
	case $t in *.o|*.d) continue ;; esac
	[ -x "$t" ] && [ -f "$t" ] && wrap "$t" "$vg/tests/unit/$(basename "$t")"
done
# the extracted hwloc trees are shared, not extracted again
[ -d "$BUILD/topologies" ] && ln -s "$BUILD/topologies" "$vg/topologies"

fail=0
BUILD=$vg "$top/tests/run.sh" unit || fail=1

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
	# The program suites; not fuzz/fault/lint/package (they build or preload).
	for s in cmdline-gen cmdline-gen-apply early-pin early-pin-runtime isol-verify \
		 topologies manpages; do
		[ -f "$top/tests/bats/$s.bats" ] && suites+=("$top/tests/bats/$s.bats")
	done
fi
# untimed_filter FILE: a --filter regex naming the tests of FILE that neither
# change the root while the program runs (replace_later, a background sleep)
# nor time it (SECONDS): those race a program that valgrind makes twenty times
# slower. They run in make check; here the direct runs take the sampled paths.
untimed_filter() {
	# shellcheck disable=SC2016 # awk and sed programs: $ is theirs
	awk '
		/^@test "/ { if (name != "" && !timed) print name; name = $0
			sub(/^@test "/, "", name); sub(/" *\{ *$/, "", name); timed = 0; next }
		/replace_later|\(sleep |SECONDS/ { timed = 1 }
		END { if (name != "" && !timed) print name }' "$1" |
		sed 's/[][\.*^$(){}?+|/]/\\&/g' | paste -sd '|' | sed 's/.*/^(&)$/'
}
pass=0 failed=0
for s in "${suites[@]}"; do
	out=$logs/../$(basename "$s" .bats).tap
	filter=()
	if grep -qE 'replace_later|\(sleep |SECONDS' "$s"; then
		filter=(--filter "$(untimed_filter "$s")")
		echo "check-valgrind: $(basename "$s"): the tests that race the program left out"
	fi
	(cd "$top" && BUILD=$vg QC_VALGRIND=1 bats --tap "${filter[@]}" "$s") >"$out" 2>&1
	p=$(grep -cE '^ok ' "$out")
	f=$(grep -cE '^not ok ' "$out")
	pass=$((pass + p)) failed=$((failed + f))
	printf '%-40s %4d passed %4d failed\n' "valgrind/$(basename "$s" .bats)" "$p" "$f"
	[ "$f" -eq 0 ] || { grep -E '^not ok' -A8 "$out" | head -40; fail=1; }
done

# ---- direct runs ------------------------------------------------------------------
ndirect=0
vrun() { # vrun "STATUS..." CMD...: one run; an exit status not listed is a failure
	local want=$1 st
	shift
	"$@" >"$vg/direct.out" 2>&1
	st=$?
	ndirect=$((ndirect + 1))
	case " $want " in
	*" $st "*) ;;
	*)
		echo "check-valgrind: exit $st, expected one of $want: $*"
		tail -5 "$vg/direct.out"
		fail=1
		;;
	esac
}

# isol-verify: the fixture root of tests/bats/isol-verify.bats, as its setup()
# makes it, then bent the way its tests bend it (same files, same contents).
IV=$vg/isol-verify
iv_root() { # iv_root NAME: a fresh copy in $vg/roots/NAME, path in $R
	R=$vg/roots/$1
	rm -rf "$R"
	mkdir -p "$vg/roots"
	cp -a "$top/tests/fixtures/verify/isolated" "$R"
	chmod 0444 "$R"/proc/irq/{26,27}/smp_affinity{,_list}
}
iv_bend() { # iv_bend NAME: apply one of the bends to $R
	case $1 in
	plain) ;;
	no-isolation) echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet" >"$R/proc/cmdline" ;;
	garbage-cmdline)
		echo 'isolcpus=d@main,2-3 nohz_full=three rcu_nocbs=3-2 irqaffinity=x "unterminated' \
			>"$R/proc/cmdline" ;;
	managed-irq-no-domain)
		echo 0-7 >"$R/sys/devices/system/cpu/possible"
		echo 0-7 >"$R/sys/devices/system/cpu/online"
		echo 2-5 >"$R/sys/devices/system/cpu/nohz_full"
		echo >"$R/sys/devices/system/cpu/isolated"
		echo "ro isolcpus=managed_irq,2-5 nohz_full=2-5 rcu_nocbs=2-5 irqaffinity=0-1,6-7" \
			>"$R/proc/cmdline" ;;
	boot-cpu-isolated)
		echo "isolcpus=domain,managed_irq,0,2-3 nohz_full=0,2-3 rcu_nocbs=0,2-3 irqaffinity=1-2" \
			>"$R/proc/cmdline" ;;
	old-kernel-mismatch)
		echo "isolcpus=domain,managed_irq,2-3 nohz_full=3 rcu_nocbs=2-3 irqaffinity=0-1" >"$R/proc/cmdline"
		echo 5.10.0-26-amd64 >"$R/proc/sys/kernel/osrelease" ;;
	bootloader-drift) sed -i 's/nohz_full=2-3/nohz_full=1-3/' "$R/boot/grub/grub.cfg" ;;
	bootloader-source-only)
		rm "$R/boot/grub/grub.cfg"
		sed -i 's/ irqaffinity=0-1//' "$R/etc/default/grub" ;;
	no-bootloader) rm -r "${R:?}/etc/default/grub" "${R:?}/boot" ;;
	no-nohz-full-file) rm "$R/sys/devices/system/cpu/nohz_full" ;;
	sysfs-isolated-differs) echo 3 >"$R/sys/devices/system/cpu/isolated" ;;
	kmsg-warnings)
		{
			echo "4,130,30000,-;Housekeeping: nohz_full= must match isolcpus="
			echo "4,131,30000,-;isolcpus: Skipped unknown flag bogus"
			echo "4,132,30000,-;rcu_nocbs= bad CPU range, all CPUs set"
		} >>"$R/dev/kmsg" ;;
	no-kmsg) rm "$R/dev/kmsg" ;;
	hex-masks-only)
		rm "$R"/proc/irq/*/effective_affinity_list "$R"/proc/irq/*/smp_affinity_list
		echo 0000000c >"$R/proc/irq/24/effective_affinity"
		echo 0002 >"$R/proc/irq/25/effective_affinity"
		echo 00000000,00000003 >"$R/proc/irq/default_smp_affinity" ;;
	managed-irq-on-isolated) echo 2 >"$R/proc/irq/26/effective_affinity_list" ;;
	task-on-isolated)
		mkdir -p "$R/proc/4242/task/4242"
		echo "4242 (spinner) S 1 4242 4242 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 1 0 5000 1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 2 0 0 0 0 0" \
			>"$R/proc/4242/task/4242/stat"
		cp "$R/proc/4242/task/4242/stat" "$R/proc/4242/stat"
		printf 'Name:\tspinner\nCpus_allowed_list:\t0-3\n' >"$R/proc/4242/task/4242/status" ;;
	no-proc-irq) rm -r "${R:?}/proc/irq" ;;
	garbage-interrupts) printf '           CPU0       CPU0\n 24: 1 2 x\n' >"$R/proc/interrupts" ;;
	empty-files)
		: >"$R/proc/interrupts"
		: >"$R/proc/stat"
		: >"$R/sys/devices/system/cpu/online" ;;
	esac
}
if [ -x "$IV" ]; then
	for b in plain no-isolation garbage-cmdline managed-irq-no-domain boot-cpu-isolated \
		 old-kernel-mismatch bootloader-drift bootloader-source-only no-bootloader \
		 no-nohz-full-file sysfs-isolated-differs kmsg-warnings no-kmsg hex-masks-only \
		 managed-irq-on-isolated task-on-isolated no-proc-irq garbage-interrupts empty-files; do
		iv_root "$b"
		iv_bend "$b"
		vrun "0 1 2 3" "$IV" --root "$R" --interval 0 --json
		vrun "0 1 2 3" "$IV" --root "$R" --interval 0 -v --expect-from-bootloader
		vrun "0 1 2 3" "$IV" --root "$R" --interval 0.2 --prometheus
	done
	# sampled: the files change between the two samples (2 s into a 5 s
	# interval); the timing only decides which paths run, any status is fine
	iv_root sampled
	sed 's/^cpu0 2000 0 1000 20000/cpu0 2950 0 1000 20050/' "$R/proc/stat" >"$R/proc/stat.next"
	sed -E 's/^( *LOC: +[0-9]+ +[0-9]+ +)[0-9]+/\1999999/; s/^( *24: +[0-9]+ +[0-9]+ +)[0-9]+/\14242/' \
		"$R/proc/interrupts" >"$R/proc/interrupts.next"
	cp "$R/dev/cpu/2/msr" "$R/dev/cpu/2/msr.next"
	printf '\x0c' | dd of="$R/dev/cpu/2/msr.next" bs=1 seek=52 conv=notrunc status=none
	(
		sleep 2
		for f in proc/stat proc/interrupts dev/cpu/2/msr; do mv "$R/$f.next" "$R/$f"; done
	) &
	vrun "0 1 2 3" "$IV" --root "$R" --interval 5 --json --no-module-load
	wait
	iv_root jitter
	vrun "0 1 2 3" "$IV" --root "$R" --interval 0.1 --jitter=0.2 --jitter-cpus 0 --json
	vrun "0 1 2 3" "$IV" --root "$R" --interval 0 --allow 'sshd' --allow 'kworker/*' --isolated 2-3 -v
	echo "check-valgrind: isol-verify over the isol-verify.bats roots: done"
fi

# cmdline-gen over every hwloc tree (exit 1: a tree with nothing to isolate)
if [ -x "$vg/cmdline-gen" ]; then
	topo=$BUILD/topologies
	if [ ! -f "$topo/.extracted" ]; then
		(
			flock 9
			if [ ! -f "$topo/.extracted" ]; then
				rm -rf "$topo" && mkdir -p "$topo" &&
					tar -xzf "$top/tests/fixtures/topologies/hwloc-sysfs-trees.tar.gz" -C "$topo" &&
					touch "$topo/.extracted"
			fi
		) 9>"$BUILD/.topologies.lock"
	fi
	ntrees=0
	for t in "$topo"/*/; do
		t=${t%/}
		ntrees=$((ntrees + 1))
		vrun "0 1" "$vg/cmdline-gen" --root "$t"
		vrun "0 1" "$vg/cmdline-gen" --root "$t" --json --profile latency
		vrun "0 1" "$vg/cmdline-gen" --root "$t" --explain --nosmt
	done
	echo "check-valgrind: cmdline-gen over $ntrees topology trees: done"
fi

# early-pin (its dynamically linked twin, see the Makefile) on the fake
# 128-CPU root of the early-pin bats files: --dry-run, save, restore twice, a
# refused state file, boot mode from the command line, odd rd.earlypin values
EPD=$vg/early-pin-dynamic
if [ -x "$EPD" ]; then
	R=$vg/roots/early-pin
	S=$vg/roots/early-pin.state
	rm -rf "$R" "$S"
	mkdir -p "$vg/roots"
	"$top/tests/fixtures/proc-irq/mkroot.sh" "$R" >/dev/null
	rm -f "$R"/proc/irq/11/smp_affinity_list.errno
	vrun 0 "$EPD" --root "$R" --housekeeping 0,64 --dry-run -v
	vrun 0 "$EPD" --root "$R" --housekeeping 0,64 --save "$S" --governor performance --no-turbo -v
	vrun 0 "$EPD" --root "$R" --restore "$S" -v
	vrun 0 "$EPD" --root "$R" --restore "$S" -v
	vrun 1 "$EPD" --root "$R" --restore "$top/tests/fault/valgrind.sh"
	echo "isolcpus=domain,managed_irq,1-63,65-127 nohz_full=1-63,65-127 irqaffinity=0,64" >"$R/proc/cmdline"
	vrun 0 "$EPD" --root "$R" -v
	echo 'rd.earlypin.cpus=0,64 rd.earlypin.skip=freq,bogus irqaffinity=x' >"$R/proc/cmdline"
	vrun 0 "$EPD" --root "$R" -v
	echo "check-valgrind: early-pin on the fake root: done"
fi

# --help (what tests/bats/manpages.bats compares with the man pages), -V, misuse
for p in cmdline-gen isol-verify early-pin-dynamic; do
	[ -x "$vg/$p" ] || continue
	vrun 0 "$vg/$p" --help
	vrun 0 "$vg/$p" --version
	vrun 2 "$vg/$p" --no-such-option
done
echo "check-valgrind: $ndirect direct runs"

nlogs=$(find "$logs" -name '*.log' | wc -l)
bad=$(find "$logs" -name '*.log' -size +0 | sort)
if [ -n "$bad" ]; then
	echo "check-valgrind: valgrind reported errors or leaks:"
	for l in $bad; do
		echo "== $l"
		head -40 "$l"
	done
	fail=1
fi
echo "check-valgrind: $nlogs program runs under valgrind, $(echo "$bad" | grep -c .) with errors; bats $pass passed, $failed failed"
exit "$fail"
