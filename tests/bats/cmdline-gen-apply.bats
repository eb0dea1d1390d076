#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline-gen --apply / --revert / --check on fixture roots of every back end
# (tests/fixtures/boot/*: Debian, Ubuntu with drop-ins, Fedora BIOS and EFI,
# RHEL 8 EFI, BLS with and without grubby, systemd-boot). Every fixture has a
# 4-CPU sysfs, so the minimal plan is always the same line.

load helpers
bats_require_minimum_version 1.5.0

PLAN="isolcpus=domain,managed_irq,1-3 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0"

setup() {
	CG=$BUILD/cmdline-gen
}

# fresh copy of a fixture root in $R, and a pristine one in $ORIG
root() {
	R=$BATS_TEST_TMPDIR/root-$1
	rm -rf "$R"
	cp -a "$QC_TOP/tests/fixtures/boot/$1" "$R"
	ORIG=$QC_TOP/tests/fixtures/boot/$1
}

cg() {
	"$CG" --root "$R" --profile minimal "$@"
}

# every file of a tree with its content hash and mode, for byte-identical comparisons
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

# what the shell makes of GRUB's defaults (as grub-mkconfig sources them)
grub_line() {
	sh -c '. "$1/etc/default/grub"; for f in "$1"/etc/default/grub.d/*.cfg; do [ -e "$f" ] && . "$f"; done; echo $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT' sh "$R" 2>/dev/null
}

# the words that are not managed parameters, in order
others() {
	tr ' ' '\n' | grep -v -E '^(isolcpus|nohz_full|rcu_nocbs|irqaffinity)(=|$)' | grep -v '^$' | tr '\n' ' '
}

# each wanted parameter exactly once in the words given
has_plan_once() {
	local line=" $1 " p name words
	read -r -d '' -a words <<<"$1" || true	# every line's words (status 1: no NUL at the end)
	for p in $PLAN; do
		name=${p%%=*}
		[ "$(printf '%s\n' "${words[@]}" | grep -c "^$name\(=\|$\)")" -eq 1 ] || { echo "$name not exactly once in: $1"; return 1; }
		[[ $line == *" $p "* ]] || { echo "$p missing in: $1"; return 1; }
	done
}

@test "debian: --apply edits GRUB_CMDLINE_LINUX_DEFAULT and nothing else" {
	root debian
	run -0 cg --apply
	assert_line "Updated /etc/default/grub"
	assert_line --partial "Not running 'grub-mkconfig -o /boot/grub/grub.cfg'"
	assert_line "Reboot needed: the running kernel does not have these parameters yet."
	assert_line "No initramfs rebuild needed: early-pin reads the plan from the kernel command line at boot."
	run -1 diff "$ORIG/etc/default/grub" "$R/etc/default/grub"
	assert_output "9c9
< GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"
---
> GRUB_CMDLINE_LINUX_DEFAULT=\"quiet $PLAN\""
	run -0 grub_line
	has_plan_once "$output"
	[ -f "$R/var/lib/quietcore/bootcfg/orig/etc/default/grub" ]
	cmp "$ORIG/etc/default/grub" "$R/var/lib/quietcore/bootcfg/orig/etc/default/grub"
}

@test "debian: --apply twice changes nothing the second time and says so" {
	root debian
	run -0 cg --apply
	cp "$R/etc/default/grub" "$BATS_TEST_TMPDIR/after1"
	run -0 cg --apply
	assert_line "Nothing to change: the grub configuration already has these parameters."
	refute_line --partial "Updated"
	cmp "$BATS_TEST_TMPDIR/after1" "$R/etc/default/grub"
}

@test "debian: --revert restores the original byte for byte and forgets it" {
	root debian
	run -0 cg --apply
	before=$(snapshot "$R")
	run -0 cg --revert --dry-run
	assert_line "+GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\""
	assert_line "Dry run: nothing was changed."
	[ "$before" = "$(snapshot "$R")" ]
	run -0 cg --revert
	assert_line "Restored /etc/default/grub"
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	[ ! -e "$R/var/lib/quietcore/bootcfg/manifest" ]
	[ ! -e "$R/var/lib/quietcore/bootcfg/orig" ]
	run -0 cg --revert
	assert_output --partial "Nothing to revert"
}

@test "debian: a user's value that ours replaced comes back with --revert, even after a second plan" {
	root debian
	sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT="quiet isolcpus=2 splash"/' "$R/etc/default/grub"
	cp "$R/etc/default/grub" "$BATS_TEST_TMPDIR/user"
	run -0 cg --apply
	run -0 grep -c '^GRUB_CMDLINE_LINUX_DEFAULT="quiet isolcpus=domain,managed_irq,1-3 splash nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0"$' "$R/etc/default/grub"
	run -0 "$CG" --root "$R" --profile minimal --isolate 2-3 --apply
	run -0 grub_line
	assert_output --partial "isolcpus=domain,managed_irq,2-3"
	run -0 cg --revert
	cmp "$BATS_TEST_TMPDIR/user" "$R/etc/default/grub"
}

@test "debian: --dry-run prints a unified diff and the command, and changes nothing" {
	root debian
	before=$(snapshot "$R")
	run -0 cg --apply --dry-run --update-command 'update-grub'
	assert_line "--- /etc/default/grub"
	assert_line "+++ /etc/default/grub"
	assert_line "@@ -6,7 +6,7 @@"
	assert_line '-GRUB_CMDLINE_LINUX_DEFAULT="quiet"'
	assert_line "+GRUB_CMDLINE_LINUX_DEFAULT=\"quiet $PLAN\""
	assert_line "Would run: update-grub"
	assert_line "Dry run: nothing was changed."
	[ "$before" = "$(snapshot "$R")" ]
	# the diff is a real one: patch(1) applies it to the original
	cp "$ORIG/etc/default/grub" "$BATS_TEST_TMPDIR/g"
	cg --apply --dry-run | sed -n '/^---/,/^Dry run/p' | grep -v '^Dry run\|^Not running' | patch -s "$BATS_TEST_TMPDIR/g"
	run -0 grep -c "quiet $PLAN" "$BATS_TEST_TMPDIR/g"
}

@test "debian: a failing --update-command leaves every byte as it was, shows its stderr, exits 1" {
	root debian
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply --update-command 'echo "grub-mkconfig: boom" >&2; false'
	assert_output --partial "Updated /etc/default/grub"
	[[ $stderr == *"grub-mkconfig: boom"* ]]
	[[ $stderr == *"update command failed (exit status 1)"* ]]
	[[ $stderr == *"every file was put back"* ]]
	[ "$before" = "$(snapshot "$R")" ]
}

@test "debian: plain 'false' as --update-command: byte-identical, also after an earlier --apply" {
	root debian
	before=$(snapshot "$R")
	run -1 cg --apply --update-command false
	[ "$before" = "$(snapshot "$R")" ]
	run -0 "$CG" --root "$R" --profile minimal --isolate 3 --apply
	before=$(snapshot "$R")
	run -1 cg --apply --update-command false
	[ "$before" = "$(snapshot "$R")" ]
}

@test "debian: the update command runs after the edit, with QUIETCORE_ROOT" {
	root debian
	# shellcheck disable=SC2016 # expanded by the update command's shell
	run -0 cg --apply --update-command 'grep -q "nohz_full=1-3" "$QUIETCORE_ROOT/etc/default/grub" && echo seen-by-command'
	assert_line "seen-by-command"
}

@test "debian: --revert warns about a file changed since --apply, and restores the original" {
	root debian
	run -0 cg --apply
	cmp "$R/etc/default/grub" "$R/var/lib/quietcore/bootcfg/applied/etc/default/grub"
	sed -i 's/^GRUB_TIMEOUT=5/GRUB_TIMEOUT=1/' "$R/etc/default/grub"
	run -0 --separate-stderr cg --revert
	[[ $stderr == *"warning: /etc/default/grub was changed since --apply; the original replaces those changes too"* ]]
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	[ ! -e "$R/var/lib/quietcore/bootcfg/applied" ]
	# untouched since --apply: no warning
	run -0 cg --apply
	run -0 --separate-stderr cg --revert
	[ -z "$stderr" ]
}

@test "debian: every quoting style end to end: plan once, other words kept, idempotent, revert byte-identical" {
	# shellcheck disable=SC2016 # lines of /etc/default/grub: the shell that sources it expands them
	local variants=(
		'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"'
		"GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'"
		'GRUB_CMDLINE_LINUX_DEFAULT=quiet'
		'GRUB_CMDLINE_LINUX_DEFAULT='
		'export GRUB_CMDLINE_LINUX_DEFAULT="quiet isolcpus=5"'
		'BASE="quiet nohz_full=2"; GRUB_CMDLINE_LINUX_DEFAULT="$BASE splash"'
		'GRUB_CMDLINE_LINUX_DEFAULT="quiet"; GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} splash"'
		'GRUB_CMDLINE_LINUX_DEFAULT="quiet \
  splash rcu_nocbs=1"'
	) v before words
	for v in "${variants[@]}"; do
		root debian
		awk -v v="$v" '/^GRUB_CMDLINE_LINUX_DEFAULT=/ { print v; next } { print }' \
			"$ORIG/etc/default/grub" >"$R/etc/default/grub"
		cp "$R/etc/default/grub" "$BATS_TEST_TMPDIR/user"
		words=$(grub_line | others)
		run -0 cg --apply
		run -0 grub_line
		has_plan_once "$output"
		[ "$(echo "$output" | others)" = "$words" ] || { echo "variant: $v"; false; }
		before=$(snapshot "$R")
		run -0 cg --apply
		assert_line --partial "Nothing to change"
		[ "$before" = "$(snapshot "$R")" ]
		run -0 cg --revert
		cmp "$BATS_TEST_TMPDIR/user" "$R/etc/default/grub"
	done
}

@test "ubuntu: the drop-in whose assignment is effective is edited, the others are not" {
	root ubuntu-dropin
	run -0 cg --apply
	assert_line "Updated /etc/default/grub.d/60-local.cfg"
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	cmp "$ORIG/etc/default/grub.d/50-cloudimg-settings.cfg" "$R/etc/default/grub.d/50-cloudimg-settings.cfg"
	run -0 grub_line
	assert_output "console=tty1 console=ttyS0 $PLAN"
	run -0 cg --revert
	cmp "$ORIG/etc/default/grub.d/60-local.cfg" "$R/etc/default/grub.d/60-local.cfg"
}

@test "fedora BIOS: grub2, old isolcpus= taken out of GRUB_CMDLINE_LINUX, grub2-mkconfig for /boot/grub2" {
	root fedora-bios
	run -0 cg --apply --dry-run
	assert_line "-GRUB_CMDLINE_LINUX='rd.lvm.lv=fedora/root rhgb quiet isolcpus=1'"
	assert_line "+GRUB_CMDLINE_LINUX='rd.lvm.lv=fedora/root rhgb quiet'"
	assert_line --partial "'grub2-mkconfig -o /boot/grub2/grub.cfg'"
	run -0 cg --apply
	run -0 grub_line
	assert_output "rd.lvm.lv=fedora/root rhgb quiet $PLAN"
	run -0 cg --revert
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
}

@test "fedora EFI: the EFI grub.cfg stub is left alone, /boot/grub2/grub.cfg is regenerated" {
	root fedora-efi
	run -0 cg --apply --dry-run
	assert_line --partial "'grub2-mkconfig -o /boot/grub2/grub.cfg'"
	refute_output --partial "/boot/efi/EFI/fedora/grub.cfg'"
}

@test "rhel8 EFI: the full EFI grub.cfg is the one regenerated" {
	root rhel8-efi
	run -0 cg --apply --dry-run
	assert_line --partial "'grub2-mkconfig -o /boot/efi/EFI/redhat/grub.cfg'"
	# shellcheck disable=SC2016 # expanded by the update command's shell
	run -0 cg --apply --bootloader grub2 --update-command 'grep -c nohz_full=1-3 "$QUIETCORE_ROOT/etc/default/grub"'
	assert_line "1"
}

@test "bls without grubby: every entry and /etc/kernel/cmdline, each parameter once; revert byte-identical" {
	root bls-native
	run -0 cg --apply
	for e in "$R"/boot/loader/entries/*.conf; do
		opts=$(sed -n 's/^options //p' "$e")
		has_plan_once "$opts"
		[[ $opts == "root=UUID=5b7e5ab5-3b41-4a46-a0d5-8b2e4c5c1b3a ro rootflags=subvol=root rhgb quiet "* ]]
		# only the options line changed
		run -0 bash -c "diff '$ORIG/boot/loader/entries/$(basename "$e")' '$e' | grep -c '^[<>]'"
		assert_output 2
	done
	has_plan_once "$(cat "$R/etc/kernel/cmdline")"
	run -0 grub_line
	has_plan_once "$output"
	run -0 cg --apply
	assert_line --partial "Nothing to change"
	run -0 cg --revert
	diff -r -x var "$ORIG" "$R"
}

@test "bls with grubby: grubby named as the editor; with --root the entries are edited natively" {
	root bls-grubby
	run -0 cg --apply --dry-run
	refute_line --partial "grubby will make this change"
	assert_line --regexp "^Not running 'grubby --update-kernel=ALL .*--args=\"$PLAN\"'"
	run -0 cg --apply
	for e in "$R"/boot/loader/entries/*.conf; do
		has_plan_once "$(sed -n 's/^options //p' "$e")"
	done
	# grubby edits /etc/default/grub itself: only its original is kept
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	[ -f "$R/var/lib/quietcore/bootcfg/orig/etc/default/grub" ]
	run -0 cg --revert
	diff -r -x var "$ORIG" "$R"
}

@test "bls: a kernel installed after --apply loses the managed parameters on --revert" {
	root bls-native
	run -0 cg --apply
	new=$R/boot/loader/entries/0f3e1c6b2a8d4e5f9a7b6c5d4e3f2a1b-6.7.1-100.fc39.x86_64.conf
	# what kernel-install does with our /etc/kernel/cmdline
	printf 'title Fedora Linux (6.7.1-100.fc39.x86_64) 39\nversion 6.7.1-100.fc39.x86_64\nlinux /vmlinuz-6.7.1-100.fc39.x86_64\noptions %s\n' \
		"$(cat "$R/etc/kernel/cmdline")" >"$new"
	run -0 cg --revert
	assert_line "Restored ${new#"$R"}"
	run -0 sed -n 's/^options //p' "$new"
	assert_output "root=UUID=5b7e5ab5-3b41-4a46-a0d5-8b2e4c5c1b3a ro rootflags=subvol=root rhgb quiet"
	rm "$new"
	diff -r -x var "$ORIG" "$R"
}

@test "bls: entries using \$kernelopts from grubenv (RHEL 8)" {
	root bls-native
	# shellcheck disable=SC2016 # GRUB variables, written literally into the entries
	sed -i 's/^options .*/options $kernelopts $tuned_params/' "$R"/boot/loader/entries/*.conf
	printf '# GRUB Environment Block\nkernelopts=root=/dev/mapper/rhel-root ro isolcpus=1 quiet\ntuned_params=\n' >"$R/boot/grub2/grubenv"
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply
	# shellcheck disable=SC2016 # the message names the GRUB variable literally
	[[ $stderr == *'use $kernelopts from /boot/grub2/grubenv, which has isolcpus'* ]]
	[ "$before" = "$(snapshot "$R")" ]
	# without managed parameters in grubenv, the plan is added after the variables
	sed -i 's/ isolcpus=1//' "$R/boot/grub2/grubenv"
	run -0 cg --apply
	run -0 sed -n 's/^options //p' "$R/boot/loader/entries/0f3e1c6b2a8d4e5f9a7b6c5d4e3f2a1b-6.6.2-201.fc39.x86_64.conf"
	assert_output "\$kernelopts \$tuned_params $PLAN"
}

@test "systemd-boot: kernel-install back end edits /etc/kernel/cmdline and the ESP entries" {
	root systemd-boot
	run -0 cg --apply
	assert_line "Updated /etc/kernel/cmdline"
	assert_line "Updated /efi/loader/entries/6a9f-6.6.8-arch1-1.conf"
	has_plan_once "$(cat "$R/etc/kernel/cmdline")"
	run -0 head -1 "$R/etc/kernel/cmdline"
	assert_output "root=PARTUUID=3e1b ro"
	run -0 cg --revert
	diff -r -x var "$ORIG" "$R"
}

@test "systemd-boot without /etc/kernel/cmdline: created from the newest entry, removed by --revert" {
	root systemd-boot
	rm "$R/etc/kernel/cmdline"
	run -0 cg --apply
	run -0 cat "$R/etc/kernel/cmdline"
	assert_output "root=PARTUUID=3e1b ro quiet $PLAN"
	run -0 grep -c "^absent /etc/kernel/cmdline$" "$R/var/lib/quietcore/bootcfg/manifest"
	run -0 cg --revert
	[ ! -e "$R/etc/kernel/cmdline" ]
	[ ! -e "$R/var" ] # the state directory --apply made went with the last --revert
	cp -a "$ORIG" "$BATS_TEST_TMPDIR/expect" && rm "$BATS_TEST_TMPDIR/expect/etc/kernel/cmdline"
	diff -r "$BATS_TEST_TMPDIR/expect" "$R"
}

@test "--check: reboot pending, in effect, then lost after a kernel update" {
	root debian
	# the "regeneration" puts the defaults' line into grub.cfg like grub-mkconfig would
	# shellcheck disable=SC2016 # expanded by the update command's shell
	regen='l=$(sh -c ". $QUIETCORE_ROOT/etc/default/grub; echo \$GRUB_CMDLINE_LINUX \$GRUB_CMDLINE_LINUX_DEFAULT"); sed -i "0,/^\tlinux\t/s|^\(\tlinux\t[^ ]* root=[^ ]* ro\) .*|\1 $l|" "$QUIETCORE_ROOT/boot/grub/grub.cfg"'
	run -1 cg --check
	assert_line "Not in effect, and the boot configuration differs from the plan (see above): run cmdline-gen --apply."
	run -0 cg --apply --update-command "$regen"
	run -1 cg --check
	assert_line "Configured but not yet booted: reboot pending."
	# reboot
	echo "BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=UUID=0b1f ro quiet $PLAN" >"$R/proc/cmdline"
	run -0 cg --check
	assert_line "In effect, and still configured for the next boot."
	# a kernel/GRUB update regenerated grub.cfg from an old defaults file
	cp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	cp "$ORIG/boot/grub/grub.cfg" "$R/boot/grub/grub.cfg"
	run -1 cg --check
	assert_line --partial "Booted with the plan, but lost from the boot configuration"
	# cpulists compare as sets: 1,2,3 is 1-3
	run -0 cg --apply --update-command "$regen"
	sed -i 's/nohz_full=1-3/nohz_full=1,2,3/' "$R/proc/cmdline"
	run -0 cg --check
}

@test "--check on BLS looks at the newest entry" {
	root bls-native
	run -0 cg --apply
	echo "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-6.6.2-201.fc39.x86_64 root=UUID=5b7e ro $PLAN" >"$R/proc/cmdline"
	run -0 cg --check
	assert_line --partial "next boot (/boot/loader/entries/0f3e1c6b2a8d4e5f9a7b6c5d4e3f2a1b-6.6.2-201.fc39.x86_64.conf, bls): has the plan"
	# a new kernel installed without the parameters
	sed 's/6.6.2-201/6.7.1-100/g; s/^options .*/options root=UUID=5b7e ro rhgb quiet/' \
		"$ORIG/boot/loader/entries/0f3e1c6b2a8d4e5f9a7b6c5d4e3f2a1b-6.6.2-201.fc39.x86_64.conf" \
		>"$R/boot/loader/entries/0f3e1c6b2a8d4e5f9a7b6c5d4e3f2a1b-6.7.1-100.fc39.x86_64.conf"
	run -1 cg --check
	assert_line --partial "lost from the boot configuration"
}

@test "bad input: missing /etc/default/grub" {
	root debian
	rm "$R/etc/default/grub"
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply
	[[ $stderr == *"/etc/default/grub: No such file or directory"* ]]
	[ "$before" = "$(snapshot "$R")" ]
}

@test "bad input: unparseable /etc/default/grub" {
	root debian
	printf 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet\n' >"$R/etc/default/grub"
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply
	[[ $stderr == *"cannot parse /etc/default/grub line 2: unterminated quote"* ]]
	[ "$before" = "$(snapshot "$R")" ]
	printf 'if [ -e /x ]; then\n GRUB_CMDLINE_LINUX_DEFAULT="a"\nfi\n' >"$R/etc/default/grub"
	run -1 --separate-stderr cg --apply
	[[ $stderr == *"line 2: kernel command line variable assigned inside an if"* ]]
}

@test "bad input: --bootloader that does not fit the host" {
	root debian
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply --bootloader grub2
	[[ $stderr == *"bootloader grub2 does not fit this host"*"try --bootloader grub"* ]]
	run -1 --separate-stderr cg --apply --bootloader bls
	[[ $stderr == *"bootloader bls does not fit this host"* ]]
	run -2 --separate-stderr cg --apply --bootloader lilo
	[[ $stderr == *"unknown bootloader 'lilo'"* ]]
	[ "$before" = "$(snapshot "$R")" ]
}

@test "bad input: a command line over 2048 bytes" {
	root debian
	long=$(head -c 1990 /dev/zero | tr '\0' a)
	sed -i "s/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX=\"foo=$long\"/" "$R/etc/default/grub"
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply
	[[ $stderr == *"over the 2048-byte limit"* ]]
	[ "$before" = "$(snapshot "$R")" ]
}

@test "bad input: a value unsafe in a shell-sourced file never reaches it" {
	root debian
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply --extra 'foo=a!b'
	[[ $stderr == *"refusing parameter 'foo=a!b'"* ]]
	# shellcheck disable=SC2016 # a command substitution --extra must refuse
	run -1 cg --apply --extra 'foo=$(reboot)'
	run -1 cg --apply --extra 'foo=a;b'
	[ "$before" = "$(snapshot "$R")" ]
}

@test "bad input: /etc/default/grub as a symlink is not written through" {
	root debian
	mv "$R/etc/default/grub" "$R/etc/default/grub.real"
	ln -s grub.real "$R/etc/default/grub"
	before=$(snapshot "$R")
	run -1 --separate-stderr cg --apply
	[[ $stderr == *"symlink"* ]]
	[ "$before" = "$(snapshot "$R")" ]
}

@test "bad input: read-only /boot" {
	requires root unshare
	root bls-native
	before=$(snapshot "$R")
	# shellcheck disable=SC2016 # expanded by the inner sh
	run -1 unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1/boot" "$1/boot" && mount -o remount,bind,ro "$1/boot" && exec "$2" --root "$1" --profile minimal --apply' sh "$R" "$CG"
	assert_output --partial "Read-only file system"
	assert_output --partial "nothing was changed"
	[ "$before" = "$(snapshot "$R")" ]
}

@test "a second run waits for nobody: a held lock makes it fail cleanly" {
	requires flock
	root debian
	mkdir -p "$R/var/lib/quietcore/bootcfg"
	exec 9>"$R/var/lib/quietcore/bootcfg/lock"
	flock 9
	run -1 --separate-stderr cg --apply
	exec 9>&-
	[[ $stderr == *"another cmdline-gen --apply or --revert is running"* ]]
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
}

@test "real grub-mkconfig: the generated grub.cfg boots with the parameters, recovery without" {
	requires root unshare grub-mkconfig
	root debian
	touch "$R/boot/vmlinuz-6.1.0-99-amd64" "$R/boot/initrd.img-6.1.0-99-amd64"
	rm "$R/boot/grub/grub.cfg"
	# grub-mkconfig reads /etc/default/grub and /boot of the real root: give it the
	# fixture's in a private mount namespace (the host's files are never touched)
	# shellcheck disable=SC2016 # expanded by the update command's shell
	upd='unshare -m sh -c "mount --make-rprivate / && mount --bind \"\$QUIETCORE_ROOT/etc/default\" /etc/default && mount --bind \"\$QUIETCORE_ROOT/boot\" /boot && grub-mkconfig -o /boot/grub/grub.cfg"'
	run -0 cg --apply --update-command "$upd"
	run -0 grep -c "^	linux	.*/vmlinuz-6.1.0-99-amd64 root=.* ro  quiet $PLAN\$" "$R/boot/grub/grub.cfg"
	[ "$output" -ge 1 ]
	run -0 grep -E "^\s+linux\s.* ro single\s*$" "$R/boot/grub/grub.cfg"
	refute_output --partial "isolcpus"
	echo "BOOT_IMAGE=/boot/vmlinuz-6.1.0-99-amd64 root=/dev/vda ro quiet $PLAN" >"$R/proc/cmdline"
	run -0 cg --check
	run -0 cg --revert --update-command "$upd"
	run -1 grep -c isolcpus "$R/boot/grub/grub.cfg"
}

# issue 19 finding 6: what dash makes of the file, not what a line looks like
@test "debian: a here-document line is data: --apply edits the real assignment, --check agrees with the shell" {
	root debian
	printf 'cat <<EOF >/dev/null\nGRUB_CMDLINE_LINUX_DEFAULT="inheredoc"\nEOF\n' >>"$R/etc/default/grub"
	run -0 cg --apply
	run -0 grub_line
	has_plan_once "$output"
	[[ $output == *quiet* ]]
	run -0 grep -c '^GRUB_CMDLINE_LINUX_DEFAULT="inheredoc"$' "$R/etc/default/grub"
	run -1 cg --check
	assert_line "configuration (/etc/default/grub): has the plan"
}

@test "debian: an assignment before ':' is kept by the shell and edited in place, not appended" {
	root debian
	sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT="quiet"$/GRUB_CMDLINE_LINUX_DEFAULT="quiet isolcpus=6" :/' "$R/etc/default/grub"
	run -0 cg --apply
	run -0 grep -c '^GRUB_CMDLINE_LINUX_DEFAULT=' "$R/etc/default/grub"
	assert_output 1
	run -0 grub_line
	has_plan_once "$output"
	[[ $output == *quiet* ]]
	[[ $output != *isolcpus=6* ]]
}

@test "debian: where the shell's value is not certain, --apply refuses with the line and --check cannot tell" {
	# each: the line (after the fixture's last) the refusal names, then the text
	# shellcheck disable=SC2016 # shell text for the file, not expanded here
	local -a tails=(
		'1 if [ -e /x ]; then GRUB_CMDLINE_LINUX_DEFAULT="a"; fi'
		'1 [ -e /x ] && GRUB_CMDLINE_LINUX_DEFAULT="a"'
		'1 . /etc/default/grub.local'
		'1 eval "GRUB_CMDLINE_LINUX_DEFAULT=a"'
		'1 : ${GRUB_CMDLINE_LINUX_DEFAULT:=a}'
		'1 GRUB_CMDLINE_LINUX_DEFAULT="a" | cat'
		'1 f() { GRUB_CMDLINE_LINUX_DEFAULT=a; }; f'
		'2 cat <<EOF
$(echo hi)
EOF'
	)
	local t n line
	n=$(wc -l <"$QC_TOP/tests/fixtures/boot/debian/etc/default/grub")
	for t in "${tails[@]}"; do
		root debian
		line=$((n + ${t%% *}))
		printf '%s\n' "${t#* }" >>"$R/etc/default/grub"
		cp "$R/etc/default/grub" "$BATS_TEST_TMPDIR/before"
		run -1 --separate-stderr cg --apply
		[[ $stderr == *"/etc/default/grub line $line: "*"edit it by hand"* ]] || { echo "apply: $t: $stderr"; return 1; }
		cmp "$BATS_TEST_TMPDIR/before" "$R/etc/default/grub"
		run -1 cg --check
		assert_line --partial "configuration: cannot tell what the shell makes of /etc/default/grub line $line: "
		refute_line --partial "has the plan"
	done
}

# issue 19 finding 7: a revert that cannot restore is a failure, never "nothing to revert"
@test "debian: --revert without a readable original exits 1 and names what still holds the plan" {
	local how
	for how in missing directory symlink manifest; do
		root debian
		run -0 cg --apply
		cp "$R/etc/default/grub" "$BATS_TEST_TMPDIR/applied"
		o=$R/var/lib/quietcore/bootcfg/orig/etc/default/grub
		case $how in
		missing) rm "$o" ;;
		directory) rm "$o" && mkdir "$o" ;;
		symlink) rm "$o" && ln -s "$ORIG/etc/default/grub" "$o" ;;
		manifest) echo garbage >"$R/var/lib/quietcore/bootcfg/manifest" ;;
		esac
		run -1 --separate-stderr cg --revert
		refute_output --partial "Nothing to revert"
		[[ $stderr == *"nothing was changed"*"take the managed parameters out by hand"* ]] || { echo "$how: $stderr"; return 1; }
		[ "$how" = manifest ] || [[ $stderr == *"/etc/default/grub still holds"* ]] || { echo "$how: $stderr"; return 1; }
		cmp "$BATS_TEST_TMPDIR/applied" "$R/etc/default/grub"
		[ -e "$R/var/lib/quietcore/bootcfg/manifest" ]
	done
}

# issue 19 finding 10: temporary files of a killed run are removed by the next one, nothing else
@test "debian: --apply and --revert remove the temporary files a killed run left, and only those" {
	root debian
	local d=$R/etc/default s=$R/var/lib/quietcore/bootcfg
	mkdir -p "$s" "$BATS_TEST_TMPDIR/outside"
	echo stale >"$d/.grub.qc0123abcd"
	echo keep >"$d/.grub.qc0123abc"		# 7 digits
	echo keep >"$d/.grub.qc0123ABCD"		# not our hex
	echo keep >"$d/.grub.qc0123abcd~"		# suffix
	echo keep >"$d/.grubx.qc0123abcd"		# another file's
	echo keep >"$BATS_TEST_TMPDIR/outside/target"
	ln -s "$BATS_TEST_TMPDIR/outside/target" "$d/.grub.qcdeadbeef"
	mkdir "$d/.grub.qcfeedface"
	run -0 --separate-stderr cg --apply
	[[ $stderr == *"removed /etc/default/.grub.qc0123abcd, a temporary file left by an interrupted run"* ]] || { echo "$stderr"; return 1; }
	[ ! -e "$d/.grub.qc0123abcd" ]
	for f in .grub.qc0123abc .grub.qc0123ABCD .grub.qc0123abcd~ .grubx.qc0123abcd; do
		[ "$(cat "$d/$f")" = keep ] || { echo "$f touched"; return 1; }
	done
	[ -L "$d/.grub.qcdeadbeef" ] && [ -d "$d/.grub.qcfeedface" ]
	[ "$(cat "$BATS_TEST_TMPDIR/outside/target")" = keep ]
	echo stale >"$s/.manifest.qc00000000"
	echo stale >"$s/orig/etc/default/.grub.qcabcdef01"
	run -0 --separate-stderr cg --revert
	[[ $stderr == *"removed /var/lib/quietcore/bootcfg/.manifest.qc00000000"* ]] || { echo "$stderr"; return 1; }
	[ ! -e "$s/.manifest.qc00000000" ]
	cmp "$ORIG/etc/default/grub" "$R/etc/default/grub"
	run -0 --separate-stderr cg --apply --dry-run
	[[ $stderr != *removed* ]]
}
