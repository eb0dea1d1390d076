#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libFuzzer harnesses of tests/fuzz (one per parser): every seed and
# regression input is replayed, then each harness fuzzes for FUZZ_CHECK_SECONDS
# (default 3; the GRUB defaults reader against dash, which forks a shell per
# input, FUZZ_GRUBDASH_SECONDS, default 25). `make fuzz` runs them for longer. A harness aborts on a crash,
# a sanitizer report, a leak or a broken property (round trip, idempotence).

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	[ -z "${QC_VALGRIND:-}" ] || skip "not under check-valgrind"
	command -v clang >/dev/null || skip "requires clang"
	# Built here so that `make check` and `tests/run.sh bats` both have them.
	mkdir -p "$BUILD"
	make -C "$QC_TOP" --no-print-directory BUILD="$BUILD" fuzz-build >"$BUILD/fuzz-build.log" 2>&1 ||
		{ tail -20 "$BUILD/fuzz-build.log" >&2; return 1; }
}

fuzz_run() { # fuzz_run NAME: replay, then fuzz a few seconds on a scratch corpus
	local f=$1 bin=$BUILD/fuzz/fuzz-$1 seeds=$QC_TOP/tests/fuzz/corpus/$1
	local work=$BATS_TEST_TMPDIR/corpus
	[ -x "$bin" ] || skip "$bin not built (clang with libFuzzer missing?)"
	if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
		echo "no seeds in $seeds"
		return 1
	fi
	mkdir -p "$work"
	export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
	run -0 "$bin" -runs=0 -artifact_prefix="$BATS_TEST_TMPDIR/" "$seeds"
	if [ -d "$QC_TOP/tests/fuzz/regress/$f" ]; then
		run -0 "$bin" -artifact_prefix="$BATS_TEST_TMPDIR/" "$QC_TOP"/tests/fuzz/regress/"$f"/*
	fi
	run -0 "$bin" -max_total_time="${FUZZ_CHECK_SECONDS:-3}" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$BATS_TEST_TMPDIR/" "$work" "$seeds"
	assert_output --partial "Done"
}

@test "fuzz: cpulist parse/format round trip" { fuzz_run cpulist; }
@test "fuzz: hex mask round trip" { fuzz_run mask; }
@test "fuzz: kernel command line and isolcpus= flags" { fuzz_run kparam; }
@test "fuzz: /proc/interrupts" { fuzz_run interrupts; }
@test "fuzz: /proc/PID/stat" { fuzz_run taskstat; }
@test "fuzz: GRUB defaults editor, apply then revert byte-identical" { fuzz_run grubdefault; }
@test "fuzz: GRUB defaults reader against dash: a value it claims is the shell's, an edit it makes the shell sees" {
	[ -x /bin/dash ] || skip "requires /bin/dash"
	FUZZ_CHECK_SECONDS=${FUZZ_GRUBDASH_SECONDS:-25} fuzz_run grubdash
	echo "# grubdash: $(grep -o 'Done [0-9]* runs in [0-9]* second' <<<"$output"); $(grep -o '[0-9]* files, .*' <<<"$output")" >&3
}
@test "fuzz: BLS entries and /etc/kernel/cmdline" { fuzz_run bls; }
@test "fuzz: shell word lexer: offsets, word alone, round trip, grubdefault agrees" { fuzz_run shlex; }
@test "fuzz: early-pin state file: what --restore trusts, every path it rebuilds below the root" {
	# the trust boundary of --restore: longer than the others
	FUZZ_CHECK_SECONDS=${FUZZ_STATEFILE_SECONDS:-15} fuzz_run statefile
	echo "# statefile: $(grep -o 'Done [0-9]* runs in [0-9]* second' <<<"$output")" >&3
}

@test "fuzz: isol-alloc's request parser: split reads accept what one read does, checked ranges, the client's encoding round trip" {
	fuzz_run allocreq
}

@test "fuzz: trace text (generic and osnoise): whole text agrees with line by line, failures leave outputs alone, every gap's nanosecond has one source" {
	fuzz_run tracetext
}
