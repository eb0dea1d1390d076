#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make check-valgrind: the unit tests and the bats suites' program invocations
# under valgrind memcheck. Zero errors and zero definite/indirect leaks, or it
# fails.
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
		echo "check-valgrind: $p is statically linked: run without valgrind"
		ln -s "$BUILD/$p" "$vg/$p"
		continue
	fi
	wrap "$BUILD/$p" "$vg/$p"
done
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
pass=0 failed=0
for s in "${suites[@]}"; do
	out=$logs/../$(basename "$s" .bats).tap
	(cd "$top" && BUILD=$vg QC_VALGRIND=1 bats --tap "$s") >"$out" 2>&1
	p=$(grep -cE '^ok ' "$out")
	f=$(grep -cE '^not ok ' "$out")
	pass=$((pass + p)) failed=$((failed + f))
	printf '%-40s %4d passed %4d failed\n' "valgrind/$(basename "$s" .bats)" "$p" "$f"
	[ "$f" -eq 0 ] || { grep -E '^not ok' -A8 "$out" | head -40; fail=1; }
done

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
