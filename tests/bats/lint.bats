#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make lint in CI: clang-tidy (.clang-tidy), cppcheck, shellcheck and
# systemd-analyze verify clean.

load helpers
bats_require_minimum_version 1.5.0

@test "make lint: clang-tidy, cppcheck, shellcheck and systemd-analyze verify are clean" {
	[ -z "${QC_VALGRIND:-}" ] || skip "not under check-valgrind"
	requires shellcheck cppcheck clang-tidy systemd-analyze
	run -0 make -C "$QC_TOP" --no-print-directory BUILD="$BUILD" lint
}

@test "make lint fails on a finding" {
	[ -z "${QC_VALGRIND:-}" ] || skip "not under check-valgrind"
	requires clang-tidy
	# the same clang-tidy configuration on a file with a bug it must see
	cat >"$BATS_TEST_TMPDIR/bad.c" <<'EOC'
#include <stdio.h>
#include <stdlib.h>
int bad(const char *s);
int bad(const char *s)
{
	int v = 0;

	sscanf(s, "%d", &v);
	return atoi(s) + v;
}
EOC
	cp "$QC_TOP/.clang-tidy" "$BATS_TEST_TMPDIR/"
	run -1 clang-tidy --quiet "$BATS_TEST_TMPDIR/bad.c" -- -std=gnu11
	assert_output --partial "cert-err34-c"
}

@test "systemd-analyze verify reports a bad unit on its output but exits 0: make lint fails on any output" {
	requires systemd-analyze
	printf '[Unit]\nDescripton=typo\n[Service]\nType=oneshot\nExecStart=/bin/true\n' \
		>"$BATS_TEST_TMPDIR/bad.service"
	run -0 systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/bad.service"
	assert_output --partial "Unknown key 'Descripton'"
	# and the shipped unit, as lint checks it, says nothing
	sed 's|/usr/sbin/[a-z-]*|/bin/true|g' "$QC_TOP/dracut-module/systemd/quietcore-partition.service" \
		>"$BATS_TEST_TMPDIR/quietcore-partition.service"
	run -0 systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/quietcore-partition.service"
	assert_output ""
}
