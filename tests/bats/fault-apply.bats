#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fault injection for cmdline-gen --apply / --revert on the fixture roots of
# tests/fixtures/boot: every file operation the program makes (openat, write,
# fsync, renameat, unlinkat, mkdirat, fchmod, fchown, flock, fork of the
# regeneration command) is made to fail in turn, and the process is SIGKILLed
# right before each one in turn (tests/fault/failshim.c, LD_PRELOAD).
# After each fault:
#   - every file --apply changes is byte for byte the original or the new version;
#   - after an error (not a kill) no temporary file is left behind;
#   - --revert brings back the original tree, and --apply then --revert
#     still work (a later run recovers).
# Two more fixtures run with FAULT_ALL=1 (they take minutes on a loaded host).

load helpers
bats_require_minimum_version 1.5.0

PLAN_ARGS=(--profile minimal)

setup() {
	[ -z "${QC_VALGRIND:-}" ] || skip "not under check-valgrind"
	CG=$BUILD/cmdline-gen
	SHIM=$BUILD/tests/fault/failshim.so
	[ -f "$SHIM" ] || skip "$SHIM not built"
	# under SANITIZE=1 the ASan runtime is not first in the library list
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
}

# files of a tree outside the state directory: "path sha256", sorted
tree_sums() {
	(cd "$1" && find . -path ./var/lib/quietcore -prune -o -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum)
}

# prepare FIXTURE [cmdline-gen args]: $ORIG (pristine), $NEW (after a clean --apply)
prepare() {
	FX=$1
	shift
	EXTRA=("$@")
	ORIG=$BATS_TEST_TMPDIR/orig
	NEW=$BATS_TEST_TMPDIR/new
	rm -rf "$ORIG" "$NEW"
	cp -a "$QC_TOP/tests/fixtures/boot/$FX" "$ORIG"
	cp -a "$ORIG" "$NEW"
	run -0 "$CG" --root "$NEW" "${PLAN_ARGS[@]}" "${EXTRA[@]}" --apply
	tree_sums "$ORIG" >"$BATS_TEST_TMPDIR/orig.sums"
	tree_sums "$NEW" >"$BATS_TEST_TMPDIR/new.sums"
	# the files --apply changes
	CHANGED=$(diff "$BATS_TEST_TMPDIR/orig.sums" "$BATS_TEST_TMPDIR/new.sums" |
		sed -n 's/^[<>] [0-9a-f]*  \.//p' | sort -u)
	[ -n "$CHANGED" ] || { echo "--apply on $FX changed nothing"; return 1; }
}

# how often the program calls each intercepted function during --apply
count_calls() {
	local r=$BATS_TEST_TMPDIR/count log=$BATS_TEST_TMPDIR/calls.log
	rm -rf "$r" "$log"
	cp -a "$ORIG" "$r"
	LD_PRELOAD=$SHIM QC_FAIL_LOG=$log "$CG" --root "$r" "${PLAN_ARGS[@]}" "${EXTRA[@]}" \
		--apply >/dev/null 2>&1 || return 1
	sort "$log" | uniq -c
}

# every changed file is complete: the original or the new version
check_files() { # check_files ROOT WHAT
	local f
	for f in $CHANGED; do
		if [ -e "$1$f" ] || [ -e "$ORIG$f" ]; then
			if cmp -s "$1$f" "$ORIG$f" || cmp -s "$1$f" "$NEW$f"; then
				continue
			fi
			if [ ! -e "$1$f" ] && { [ ! -e "$ORIG$f" ] || [ ! -e "$NEW$f" ]; }; then
				continue
			fi
			echo "$2: $f is neither the original nor the new version"
			diff "$ORIG$f" "$1$f" | head -20
			return 1
		fi
	done
}

# no temporary files left next to the changed files
check_no_litter() { # check_no_litter ROOT WHAT
	local extra
	extra=$(diff <(tree_sums "$ORIG" | sed 's/^[0-9a-f]*  //') \
		<(tree_sums "$1" | sed 's/^[0-9a-f]*  //') | sed -n 's/^> //p')
	for f in $CHANGED; do
		extra=$(printf '%s\n' "$extra" | grep -vxF "$f")
	done
	if [ -n "$extra" ]; then
		echo "$2: left behind: $extra"
		return 1
	fi
}

# revert must bring back the original; then a new apply/revert cycle works
check_recovers() { # check_recovers ROOT WHAT
	run "$CG" --root "$1" "${PLAN_ARGS[@]}" "${EXTRA[@]}" --revert
	if [ "$status" -ne 0 ]; then
		echo "$2: --revert failed ($status): $output"
		return 1
	fi
	check_files "$1" "$2 then --revert" || return 1
	for f in $CHANGED; do
		if [ -e "$ORIG$f" ] && ! cmp -s "$1$f" "$ORIG$f"; then
			echo "$2 then --revert: $f is not the original"
			return 1
		fi
		if [ ! -e "$ORIG$f" ] && [ -e "$1$f" ]; then
			echo "$2 then --revert: $f should not exist"
			return 1
		fi
	done
	run "$CG" --root "$1" "${PLAN_ARGS[@]}" "${EXTRA[@]}" --apply
	[ "$status" -eq 0 ] || { echo "$2: the next --apply failed: $output"; return 1; }
	for f in $CHANGED; do
		if [ -e "$NEW$f" ] && ! cmp -s "$1$f" "$NEW$f"; then
			echo "$2 then --apply: $f is not the new version"
			return 1
		fi
	done
	run "$CG" --root "$1" "${PLAN_ARGS[@]}" "${EXTRA[@]}" --revert
	[ "$status" -eq 0 ] || { echo "$2: the last --revert failed: $output"; return 1; }
	for f in $CHANGED; do
		if [ -e "$ORIG$f" ] && ! cmp -s "$1$f" "$ORIG$f"; then
			echo "$2 then --apply, --revert: $f is not the original"
			return 1
		fi
	done
}

# inject MODE: "errno" (EIO, and ENOSPC for write) or "kill", at every call of every function
inject_all() {
	local mode=$1 n fn count err r=$BATS_TEST_TMPDIR/r runs=0
	while read -r count fn; do
		for ((n = 1; n <= count; n++)); do
			errs="5"
			[ "$fn" != write ] || errs="5 28"
			[ "$mode" != kill ] || errs="kill"
			for err in $errs; do
				rm -rf "$r"
				cp -a "$ORIG" "$r"
				st=0
				LD_PRELOAD=$SHIM QC_FAIL_FUNC=$fn QC_FAIL_NTH=$n QC_FAIL_ERRNO=$err \
					"$CG" --root "$r" "${PLAN_ARGS[@]}" "${EXTRA[@]}" --apply \
					>"$BATS_TEST_TMPDIR/out" 2>&1 || st=$?
				what="$FX: $fn #$n ($err, exit $st)"
				if [ "$mode" = kill ] && [ "$st" -ne 137 ]; then
					echo "$what: expected a SIGKILL"
					cat "$BATS_TEST_TMPDIR/out"
					return 1
				fi
				check_files "$r" "$what" || return 1
				if [ "$mode" != kill ]; then
					if [ "$st" -ne 0 ] && [ "$st" -ne 1 ]; then
						echo "$what: unexpected exit status"
						cat "$BATS_TEST_TMPDIR/out"
						return 1
					fi
					check_no_litter "$r" "$what" || return 1
				fi
				check_recovers "$r" "$what" || return 1
				# what a kill left behind is gone after the next --revert/--apply
				left=$(find "$r" -name '.*.qc[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')
				if [ -n "$left" ]; then
					echo "$what: temporary files still there after --revert, --apply, --revert: $left"
					return 1
				fi
				runs=$((runs + 1))
			done
		done
	done < <(count_calls)
	echo "# $FX $mode: $runs faults injected" >&3
	[ "$runs" -gt 10 ]
}

@test "fault: the shim really fails a call and really kills" {
	prepare debian
	r=$BATS_TEST_TMPDIR/r
	cp -a "$ORIG" "$r"
	run -1 env LD_PRELOAD="$SHIM" QC_FAIL_FUNC=renameat QC_FAIL_NTH=1 QC_FAIL_ERRNO=5 \
		"$CG" --root "$r" "${PLAN_ARGS[@]}" --apply
	assert_output --partial "Input/output error"
	cmp "$ORIG/etc/default/grub" "$r/etc/default/grub"
	run -137 env LD_PRELOAD="$SHIM" QC_FAIL_FUNC=renameat QC_FAIL_NTH=1 QC_FAIL_ERRNO=kill \
		"$CG" --root "$r" "${PLAN_ARGS[@]}" --apply
	run -0 count_calls
	assert_output --regexp '[0-9]+ renameat'
	assert_output --regexp '[0-9]+ fsync'
}

@test "fault: debian --apply, every file operation fails in turn" {
	prepare debian
	inject_all errno
}

@test "fault: debian --apply, SIGKILL before every file operation" {
	prepare debian
	inject_all kill
}

@test "fault: ubuntu drop-in --apply, every file operation fails in turn" {
	[ -n "${FAULT_ALL:-}" ] || skip "the same code paths as debian/BLS: FAULT_ALL=1 runs it"
	prepare ubuntu-dropin
	inject_all errno
}

@test "fault: BLS (several entries) --apply, every file operation fails in turn" {
	prepare bls-native
	inject_all errno
}

@test "fault: BLS (several entries) --apply, SIGKILL before every file operation" {
	prepare bls-native
	inject_all kill
}

@test "fault: systemd-boot --apply, SIGKILL before every file operation" {
	[ -n "${FAULT_ALL:-}" ] || skip "the same code paths as debian/BLS: FAULT_ALL=1 runs it"
	prepare systemd-boot
	inject_all kill
}

@test "fault: the regeneration command fails or SIGKILLs cmdline-gen: files come back or stay whole" {
	prepare debian
	r=$BATS_TEST_TMPDIR/r
	cp -a "$ORIG" "$r"
	run -1 "$CG" --root "$r" "${PLAN_ARGS[@]}" --apply --update-command 'exit 3'
	assert_output --partial "every file was put back as it was"
	check_files "$r" "command failed"
	cmp "$ORIG/etc/default/grub" "$r/etc/default/grub"
	check_no_litter "$r" "command failed"
	check_recovers "$r" "command failed"

	rm -rf "$r"
	cp -a "$ORIG" "$r"
	# the command kills cmdline-gen while it waits: files stay whole, revert works
	# shellcheck disable=SC2016 # $PPID is the shell's, expanded there
	run -137 "$CG" --root "$r" "${PLAN_ARGS[@]}" --apply --update-command 'kill -9 $PPID; sleep 1'
	check_files "$r" "killed during the command"
	check_recovers "$r" "killed during the command"
}

@test "fault: --revert, every file operation fails in turn, then a second --revert restores" {
	prepare bls-native
	r=$BATS_TEST_TMPDIR/r log=$BATS_TEST_TMPDIR/rlog
	cp -a "$NEW" "$r.base"
	rm -rf "$r" "$log"
	cp -a "$r.base" "$r"
	LD_PRELOAD=$SHIM QC_FAIL_LOG=$log "$CG" --root "$r" "${PLAN_ARGS[@]}" --revert >/dev/null 2>&1
	[ -s "$log" ]
	runs=0
	while read -r count fn; do
		for ((n = 1; n <= count; n++)); do
			for err in 5 kill; do
				rm -rf "$r"
				cp -a "$r.base" "$r"
				LD_PRELOAD=$SHIM QC_FAIL_FUNC=$fn QC_FAIL_NTH=$n QC_FAIL_ERRNO=$err \
					"$CG" --root "$r" "${PLAN_ARGS[@]}" --revert >"$BATS_TEST_TMPDIR/out" 2>&1 || true
				check_files "$r" "revert: $fn #$n ($err)"
				run "$CG" --root "$r" "${PLAN_ARGS[@]}" --revert
				[ "$status" -eq 0 ] || { echo "revert after $fn #$n ($err): $output"; return 1; }
				for f in $CHANGED; do
					if [ -e "$ORIG$f" ] && ! cmp -s "$r$f" "$ORIG$f"; then
						echo "revert: $fn #$n ($err): $f is not the original after a second --revert"
						return 1
					fi
				done
				runs=$((runs + 1))
			done
		done
	done < <(sort "$log" | uniq -c)
	[ "$runs" -gt 10 ]
}
