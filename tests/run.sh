#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs the test suites, each file's counts and seconds, and prints one closing
# line: "N passed, N failed, N skipped".
#   tests/run.sh            every suite: unit, bats, vm
#   tests/run.sh unit bats  only those
# Every runner speaks TAP (cmocka via CMOCKA_MESSAGE_OUTPUT=TAP, bats --tap);
# the TAP of each run is kept in $BUILD/test-logs/ for CI artifacts.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
export BUILD QC_TOP="$top"
logs=$BUILD/test-logs
mkdir -p "$logs"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(unit bats vm)

pass=0 fail=0 skip=0 broken=0

tally() { # $1 = TAP file, $2 = exit status of the runner, $3 = label, $4 = seconds
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$1" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# ?[Ss][Kk][Ii][Pp]' "$1")
	f=$(grep -cE '^not ok [0-9]+' "$1")
	p=$((p - s))
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	# A runner that died without reporting a failing test still fails the run.
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $3 exited $2 without a failing test line (crash?)"
		broken=$((broken + 1)) fail=$((fail + 1))
	fi
	printf '%-40s %4d passed %4d failed %4d skipped %6ss\n' "$3" "$p" "$f" "$s" "$4"
	# every skip by name and reason, so none hides in a count
	[ "$s" -eq 0 ] || grep -E '^ok [0-9]+.*# ?[Ss][Kk][Ii][Pp]' "$1" | sed "s|^ok [0-9]* |  SKIPPED $3: |"
	if [ "$f" -gt 0 ]; then
		grep -E '^not ok' -A12 "$1" | head -60
	fi
}

for suite in "${suites[@]}"; do
	case $suite in
	unit)
		for t in "$BUILD"/tests/unit/test_*; do
			if [ ! -x "$t" ] || [ -d "$t" ]; then continue; fi
			case $t in *.o|*.d) continue ;; esac
			name=unit/$(basename "$t")
			out=$logs/$(basename "$t").tap
			t0=$SECONDS
			(cd "$top" && CMOCKA_MESSAGE_OUTPUT=TAP "$t") >"$out" 2>&1
			tally "$out" $? "$name" $((SECONDS - t0))
		done
		;;
	bats|vm)
		dir=$top/tests/$suite
		# A file with the line "# tests/run.sh: beside the others" starts
		# first and runs in the background while the rest run one after
		# the other; it is tallied last. For a guest that holds one host
		# core for minutes while the other files leave the second idle
		# (tests/vm/partition.bats). Files that change the host's own
		# state (early-pin on this machine) never run beside anything.
		beside=() pids=() t0s=()
		for t in "$dir"/*.bats; do
			[ -e "$t" ] || continue
			grep -qx '# tests/run.sh: beside the others' "$t" || continue
			out=$logs/$suite-$(basename "$t" .bats).tap
			(cd "$top" && bats --tap "$t") >"$out" 2>&1 &
			beside+=("$t") pids+=($!) t0s+=("$SECONDS")
			echo "$suite/$(basename "$t" .bats): started beside the others"
		done
		for t in "$dir"/*.bats; do
			[ -e "$t" ] || continue
			case " ${beside[*]} " in *" $t "*) continue ;; esac
			name=$suite/$(basename "$t" .bats)
			out=$logs/$suite-$(basename "$t" .bats).tap
			t0=$SECONDS
			(cd "$top" && bats --tap "$t") >"$out" 2>&1
			tally "$out" $? "$name" $((SECONDS - t0))
		done
		for i in "${!beside[@]}"; do
			t=${beside[$i]}
			wait "${pids[$i]}"
			rc=$?
			tally "$logs/$suite-$(basename "$t" .bats).tap" "$rc" "$suite/$(basename "$t" .bats)" $((SECONDS - ${t0s[$i]}))
		done
		;;
	*)
		echo "tests/run.sh: unknown suite '$suite'" >&2
		exit 2
		;;
	esac
done

echo "tests/run.sh ${suites[*]}: ${SECONDS}s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
