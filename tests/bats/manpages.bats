#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The man pages: cmdline-gen(8), early-pin(8), isol-verify(8), isol-alloc(8),
# quietcore(7).
# Every page formats without a single groff/man warning (`man --warnings`),
# and every long option a program's --help lists is documented in its page's
# option list and the other way round.

load helpers
bats_require_minimum_version 1.5.0

PROGS=(cmdline-gen early-pin isol-verify isol-alloc)

# man_warnings PAGE: what `man --warnings` says about PAGE (nothing: clean)
man_warnings() {
	{ LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$1" >/dev/null; } 2>&1
}

# help_longopts: the long options of the option column of --help on stdin
# (lines starting with "-", up to the two spaces before the description)
help_longopts() {
	sed -nE 's/^ {1,8}(-.*)$/\1/p' | sed -E 's/  .*//' |
		grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u
}

# man_longopts PAGE: the long options in the tags of PAGE's .TP/.TQ items
man_longopts() {
	awk '/^\.(TP|TQ)/ { tag = 1; next }
		tag && /^\.\\"/ { next }
		tag { print; tag = 0 }' "$1" |
		sed -E 's/\\-/-/g; s/\\f[BIRP]//g; s/\\[(]em//g' |
		grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u
}

# compare_opts PROG HELP-FILE PAGE: fails listing what is on one side only
compare_opts() {
	local h m
	h=$(help_longopts <"$2")
	m=$(man_longopts "$3")
	[ -n "$h" ] || { echo "$1: no long options found in --help"; return 1; }
	[ -n "$m" ] || { echo "$1: no long options found in $3"; return 1; }
	local only_help only_man
	only_help=$(LC_ALL=C comm -23 <(echo "$h") <(echo "$m"))
	only_man=$(LC_ALL=C comm -13 <(echo "$h") <(echo "$m"))
	[ -z "$only_help" ] || echo "$1: in --help but not in the man page: ${only_help//$'\n'/ }"
	[ -z "$only_man" ] || echo "$1: in the man page but not in --help: ${only_man//$'\n'/ }"
	[ -z "$only_help$only_man" ]
}

@test "every page exists and man --warnings has nothing to say about it" {
	requires man
	local p out bad=0
	for p in "${PROGS[@]/%/.8}" quietcore.7; do
		[ -f "$QC_TOP/docs/$p" ] || { echo "docs/$p is missing"; bad=1; continue; }
		out=$(man_warnings "$QC_TOP/docs/$p")
		[ -z "$out" ] || { echo "docs/$p: $out"; bad=1; }
	done
	[ "$bad" -eq 0 ]
}

@test "man --warnings catches a broken page (the check above can fail)" {
	requires man
	printf '.TH BROKEN 8\n.SH NAME\nbroken \\- x\n.SH DESCRIPTION\n\\f\n.BOGUSMACRO\n' \
		>"$BATS_TEST_TMPDIR/broken.8"
	run -0 man_warnings "$BATS_TEST_TMPDIR/broken.8"
	[ -n "$output" ]
}

@test "each page has NAME, SYNOPSIS, DESCRIPTION, SEE ALSO and a title of its own name and section" {
	local p name sec
	for p in "${PROGS[@]/%/.8}" quietcore.7; do
		name=${p%.*} sec=${p##*.}
		sed 's/\\-/-/g' "$QC_TOP/docs/$p" | grep -qiE "^\.TH \"?${name}\"? \"?${sec}\"?( |$)" ||
			fail "docs/$p: .TH is not $name $sec"
		for s in NAME DESCRIPTION "SEE ALSO"; do
			grep -qE "^\.SH \"?$s\"?$" "$QC_TOP/docs/$p" || fail "docs/$p: no $s section"
		done
		[ "$sec" = 7 ] || grep -qE '^\.SH "?SYNOPSIS"?$' "$QC_TOP/docs/$p" || fail "docs/$p: no SYNOPSIS"
	done
}

@test "every long option in --help is in the man page's option list, and the other way round" {
	local p bad=0
	for p in "${PROGS[@]}"; do
		"$BUILD/$p" --help >"$BATS_TEST_TMPDIR/$p.help" || { echo "$p --help failed"; bad=1; continue; }
		compare_opts "$p" "$BATS_TEST_TMPDIR/$p.help" "$QC_TOP/docs/$p.8" || bad=1
	done
	[ "$bad" -eq 0 ]
}

@test "the option comparison fails on an option missing from either side" {
	local p=cmdline-gen
	"$BUILD/$p" --help >"$BATS_TEST_TMPDIR/help"
	# an option dropped from --help
	grep -v -- '--nosmt' "$BATS_TEST_TMPDIR/help" >"$BATS_TEST_TMPDIR/help-less"
	run compare_opts "$p" "$BATS_TEST_TMPDIR/help-less" "$QC_TOP/docs/$p.8"
	assert_failure
	assert_output "$p: in the man page but not in --help: --nosmt"
	# an option added to --help only
	{ cat "$BATS_TEST_TMPDIR/help"; echo "     --frobnicate           not documented"; } >"$BATS_TEST_TMPDIR/help-more"
	run compare_opts "$p" "$BATS_TEST_TMPDIR/help-more" "$QC_TOP/docs/$p.8"
	assert_failure
	assert_output "$p: in --help but not in the man page: --frobnicate"
}

# The default profile's parameters; the latency profile's rcu_nocb_poll and
# transparent_hugepage= are not in quietcore(7) yet.
@test "quietcore(7) names the programs and every parameter of the default profile" {
	local page=$QC_TOP/docs/quietcore.7 text p fx
	text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -E UTF-8 -l "$page" 2>/dev/null | col -b)
	for p in "${PROGS[@]}"; do
		grep -q -- "$p(8)" <<<"$text" || fail "quietcore(7) does not refer to $p(8)"
	done
	# the parameters of the widest profile on a real topology
	fx=$(topologies_dir)
	local tree
	tree=$(find "$fx" -mindepth 1 -maxdepth 1 -type d | head -1)
	run -0 --separate-stderr "$BUILD/cmdline-gen" --root "$tree" --profile benchmark --json
	for p in $(jq -r '.params | keys[]' <<<"$output"); do
		grep -q -- "$p" <<<"$text" || fail "quietcore(7) does not explain $p="
	done
}
