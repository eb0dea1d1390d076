#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make lint in CI: clang-tidy (.clang-tidy), cppcheck and shellcheck clean.

load helpers
bats_require_minimum_version 1.5.0

@test "make lint: clang-tidy, cppcheck and shellcheck are clean" {
	[ -z "${QC_VALGRIND:-}" ] || skip "not under check-valgrind"
	requires shellcheck cppcheck clang-tidy
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
