#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A regeneration command that rewrites the generated GRUB config and then
# fails (a later hook, a full disk, a kill): after --apply or --revert fails,
# the generated config must be the one that matches the files put back, or the
# host boots a line no configuration file holds.

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
load helpers
bats_require_minimum_version 1.5.0

setup() {
	CG=$BUILD/cmdline-gen
}

root() {
	R=$BATS_TEST_TMPDIR/root-$1
	rm -rf "$R"
	cp -a "$QC_TOP/tests/fixtures/boot/$1" "$R"
}

cg() {
	"$CG" --root "$R" --profile minimal "$@"
}

# rewrite the generated config as grub-mkconfig would, then fail
# shellcheck disable=SC2016 # expanded by the update command's shell
REGEN_THEN_FAIL='printf "linux /vmlinuz root=/dev/vda1 nohz_full=1-3\n" >"$QUIETCORE_ROOT'

@test "debian: --apply whose command rewrites grub.cfg and fails puts grub.cfg back too" {
	root debian
	cfg=$R/boot/grub/grub.cfg
	before=$(sha256sum <"$cfg")
	mode_before=$(stat -c %a "$cfg")
	run -1 --separate-stderr cg --apply --update-command "$REGEN_THEN_FAIL/boot/grub/grub.cfg\"; exit 3"
	[[ $stderr == *"update command failed (exit status 3)"* ]]
	[[ $stderr == *"/boot/grub/grub.cfg was changed by the failed command: put back as it was"* ]]
	assert_equal "$(sha256sum <"$cfg")" "$before"
	assert_equal "$(stat -c %a "$cfg")" "$mode_before"
	run -1 grep -q nohz_full "$cfg"
}

@test "debian: a command that fails without touching grub.cfg leaves it alone and says nothing of it" {
	root debian
	cfg=$R/boot/grub/grub.cfg
	ino=$(stat -c %i "$cfg")
	run -1 --separate-stderr cg --apply --update-command false
	[[ $stderr != *"grub.cfg"* ]]
	# not even rewritten with the same bytes
	assert_equal "$(stat -c %i "$cfg")" "$ino"
}

@test "fedora-bios: --revert whose command rewrites grub.cfg and fails puts it back" {
	root fedora-bios
	# shellcheck disable=SC2016 # expanded by the update command's shell
	run -0 cg --apply --bootloader grub2 --update-command 'cp "$QUIETCORE_ROOT/etc/default/grub" "$QUIETCORE_ROOT/boot/grub2/grub.cfg"'
	cfg=$R/boot/grub2/grub.cfg
	run -0 grep -q nohz_full=1-3 "$cfg"
	before=$(sha256sum <"$cfg")
	run -1 --separate-stderr cg --revert --bootloader grub2 --update-command "$REGEN_THEN_FAIL/boot/grub2/grub.cfg\"; exit 1"
	[[ $stderr == *"every file was put back as it was before --revert"* ]]
	[[ $stderr == *"was changed by the failed command: put back as it was"* ]]
	assert_equal "$(sha256sum <"$cfg")" "$before"
	# and the defaults file still has the plan, consistent with grub.cfg
	run -0 grep -q nohz_full=1-3 "$R/etc/default/grub"
}
