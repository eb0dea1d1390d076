#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make install` / `make uninstall` into a DESTDIR: the exact file list and
# modes, the directory variables (PREFIX, SBINDIR, LIBEXECDIR, MANDIR,
# DRACUTMODDIR, SYSTEMDUNITDIR, with dracut's and systemd's from pkg-config),
# nothing left behind by uninstall, and a dracut module that dracut itself
# would pick up.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	D=$BATS_TEST_TMPDIR/dest
	PC_DRACUT=$(pkg-config --variable=dracutmodulesdir dracut 2>/dev/null)
	PC_DRACUTCONF=$(pkg-config --variable=dracutconfdir dracut 2>/dev/null)
	PC_UNIT=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
	PC_SYSUSERS=$(pkg-config --variable=sysusersdir systemd 2>/dev/null)
	: "${PC_DRACUT:=/usr/lib/dracut/modules.d}" "${PC_DRACUTCONF:=/usr/lib/dracut/dracut.conf.d}" "${PC_UNIT:=/lib/systemd/system}"
	: "${PC_SYSUSERS:=/usr/lib/sysusers.d}"
}

qmake() {
	make -s -C "$QC_TOP" BUILD="$BUILD" DESTDIR="$D" "$@"
}

# An install with another PREFIX or LIBEXECDIR rebuilds early-pin for that
# unit helper path: the tests after these get the build as it was.
teardown_file() {
	make -s -C "$QC_TOP" BUILD="$BUILD" all >/dev/null
}

# every file and symlink under $D: "MODE PATH", sorted
tree() {
	(cd "$D" && find . \( -type f -o -type l \) -printf '%m /%P\n' | LC_ALL=C sort)
}

expected() { # expected PREFIX-DERIVED-DIRS...: SBINDIR MANDIR DRACUTMODDIR CONFDIR UNITDIR LIBEXECDIR
	local sbin=$1 man=$2 mod=$3 conf=$4 unit=$5 libexec=$6
	{
		printf '755 %s\n' "$sbin/cmdline-gen" "$sbin/early-pin" "$sbin/isol-verify" \
			"$libexec/quietcore/quietcore-unit" "$sbin/isol-alloc" \
			"$mod/95early-pin/module-setup.sh" "$mod/95early-pin/early-pin-pre-udev.sh" \
			"$mod/95early-pin/early-pin-pre-pivot.sh"
		printf '644 %s\n' "$man/man8/cmdline-gen.8" "$man/man8/early-pin.8" \
			"$man/man8/isol-verify.8" "$man/man8/isol-alloc.8" "$man/man7/quietcore.7" \
			"$conf/50-early-pin.conf" "$unit/early-pin.service" \
			"$unit/isol-verify-textfile.service" "$unit/isol-verify-textfile.timer" \
			"$unit/isol-alloc.socket" "$unit/isol-alloc.service" "$PC_SYSUSERS/isol-alloc.conf" \
			"$unit/quietcore-partition.service"
	} | LC_ALL=C sort
}

@test "install: default PREFIX=/usr, dracut and systemd directories from pkg-config, exact files and modes" {
	run -0 qmake install
	run -0 tree
	assert_output "$(expected /usr/sbin /usr/share/man "$PC_DRACUT" "$PC_DRACUTCONF" "$PC_UNIT" /usr/libexec)"
	# what was installed is what was built and what is in the tree
	cmp "$BUILD/cmdline-gen" "$D/usr/sbin/cmdline-gen"
	cmp "$BUILD/quietcore-unit" "$D/usr/libexec/quietcore/quietcore-unit"
	# early-pin runs the unit helper from where it was installed
	grep -qaF /usr/libexec/quietcore/quietcore-unit "$D/usr/sbin/early-pin"
	cmp "$QC_TOP/docs/quietcore.7" "$D/usr/share/man/man7/quietcore.7"
	# the module as in the tree, told where early-pin was installed
	run -1 diff "$QC_TOP/dracut-module/95early-pin/module-setup.sh" "$D$PC_DRACUT/95early-pin/module-setup.sh"
	assert_equal "$(grep '^[<>]' <<<"$output")" '< early_pin_sbindir=
> early_pin_sbindir="/usr/sbin"'
	grep -qx 'ExecStart=/usr/sbin/early-pin --boot' "$D$PC_UNIT/early-pin.service"
	# shellcheck disable=SC2016 # systemd's ${...}, not the shell's
	grep -qx 'ExecStart=/usr/sbin/early-pin --save boot-partition --partition --cpus ${QC_PARTITION_CPUS}' \
		"$D$PC_UNIT/quietcore-partition.service"
	run -0 "$D/usr/sbin/cmdline-gen" --version
	assert_output --partial "0."
}

@test "uninstall removes every file install put there and the module directory" {
	run -0 qmake install
	[ -n "$(tree)" ]
	run -0 qmake uninstall
	run -0 tree
	assert_output ""
	[ ! -e "$D$PC_DRACUT/95early-pin" ]
	[ ! -e "$D/usr/libexec/quietcore" ]
	# and a second uninstall of nothing is not an error
	run -0 qmake uninstall
}

@test "install/uninstall honour PREFIX, SBINDIR and MANDIR; dracut and systemd stay in their own directories" {
	local v=(PREFIX=/opt/qc SBINDIR=/opt/qc/bin MANDIR=/opt/qc/man)
	run -0 qmake "${v[@]}" install
	run -0 tree
	assert_output "$(expected /opt/qc/bin /opt/qc/man "$PC_DRACUT" "$PC_DRACUTCONF" "$PC_UNIT" /opt/qc/libexec)"
	# the unit runs early-pin from where it was installed
	grep -qx 'ExecStart=/opt/qc/bin/early-pin --boot' "$D$PC_UNIT/early-pin.service"
	# shellcheck disable=SC2016 # systemd's $ISOL_ALLOC_ARGS, not the shell's
	grep -qx 'ExecStart=/opt/qc/bin/isol-alloc serve --group quietcore-alloc $ISOL_ALLOC_ARGS' \
		"$D$PC_UNIT/isol-alloc.service"
	grep -qx 'ExecStop=/opt/qc/bin/early-pin --restore boot-partition' "$D$PC_UNIT/quietcore-partition.service"
	run -0 qmake "${v[@]}" uninstall
	run -0 tree
	assert_output ""
}

@test "install/uninstall honour LIBEXECDIR: the unit helper is there, and early-pin runs it from there" {
	local v=(LIBEXECDIR=/x/libexec)
	run -0 qmake "${v[@]}" install
	run -0 tree
	assert_output "$(expected /usr/sbin /usr/share/man "$PC_DRACUT" "$PC_DRACUTCONF" "$PC_UNIT" /x/libexec)"
	# early-pin was rebuilt for that path: it names the new one, not the old
	grep -qaF /x/libexec/quietcore/quietcore-unit "$D/usr/sbin/early-pin"
	run -1 grep -qaF /usr/libexec/quietcore/quietcore-unit "$D/usr/sbin/early-pin"
	run -0 qmake "${v[@]}" uninstall
	run -0 tree
	assert_output ""
	[ ! -e "$D/x/libexec/quietcore" ]
}

@test "install/uninstall honour DRACUTMODDIR, DRACUTCONFDIR and SYSTEMDUNITDIR" {
	local v=(DRACUTMODDIR=/x/modules.d DRACUTCONFDIR=/x/conf.d SYSTEMDUNITDIR=/x/units)
	run -0 qmake "${v[@]}" install
	run -0 tree
	assert_output "$(expected /usr/sbin /usr/share/man /x/modules.d /x/conf.d /x/units /usr/libexec)"
	run -0 qmake "${v[@]}" uninstall
	run -0 tree
	assert_output ""
}

@test "install-docs installs only quietcore(7); uninstall-docs removes it" {
	run -0 qmake install-docs
	run -0 tree
	assert_output "644 /usr/share/man/man7/quietcore.7"
	run -0 qmake uninstall-docs
	run -0 tree
	assert_output ""
}

# dracut_check [FUNC]: run the installed module's check() (or install())
# with dracut's own find_binary (dracut-functions.sh) and require_binaries
# (dracut-init.sh), with the DESTDIR as dracut's --sysroot and dracut's
# default search PATH; install()'s calls of dracut's inst_* print themselves
dracut_check() {
	local init=/usr/lib/dracut/dracut-init.sh
	# shellcheck disable=SC2016
	bash -c '
		dracutbasedir=/usr/lib/dracut dracutsysrootdir=$1
		DRACUT_PATH="/sbin /bin /usr/sbin /usr/bin"
		. /usr/lib/dracut/dracut-functions.sh || exit 99
		eval "$(sed -n "/^require_binaries() {/,/^}/p" "$2")"
		declare -F require_binaries >/dev/null || exit 98
		dinfo() { echo "dinfo: $*"; }
		inst_binary() { echo "inst_binary $*"; }
		inst_hook() { echo "inst_hook $1 $2 ${3##*/}"; }
		dracut_module_included() { return 1; }
		moddir=$3
		. "$moddir/module-setup.sh" || exit 97
		${4:-check}
	' _ "$D" "$init" "${MODDIR:-$D$PC_DRACUT/95early-pin}" "${1:-}"
}

@test "the installed dracut module is where dracut looks, and its check() finds the installed early-pin" {
	requires dracut
	run -0 qmake install
	# dracut lists the modules of $dracutbasedir/modules.d: a base whose
	# modules.d holds dracut's own modules plus the installed one lists it
	local base=$BATS_TEST_TMPDIR/dracut-base f
	mkdir -p "$base/modules.d"
	for f in /usr/lib/dracut/*; do
		[ "${f##*/}" = modules.d ] || ln -s "$f" "$base/"
	done
	for f in "$PC_DRACUT"/* "$D$PC_DRACUT"/*; do
		ln -sfn "$f" "$base/modules.d/"
	done
	run -0 env dracutbasedir="$base" dracut --list-modules --no-kernel
	assert_line early-pin
	run -0 dracut_check
	refute_output --partial "will not be installed"
	# the check really looks at the installed binary
	rm "$D/usr/sbin/early-pin"
	run -1 dracut_check
	assert_output --partial "dracut module 'early-pin' will not be installed, because command 'early-pin' could not be found"
}

@test "without dracut's or systemd's pkg-config variables (missing or empty) the usual directories are used" {
	local pc
	# false: no pkg-config file at all; true: a .pc file without the variable
	for pc in false true; do
		run -0 qmake PKG_CONFIG="$pc" install-dracut-module
		run -0 tree
		assert_output "$(printf '%s\n' "644 /lib/systemd/system/early-pin.service" \
			"644 /usr/lib/dracut/dracut.conf.d/50-early-pin.conf" \
			"755 /usr/lib/dracut/modules.d/95early-pin/early-pin-pre-pivot.sh" \
			"755 /usr/lib/dracut/modules.d/95early-pin/early-pin-pre-udev.sh" \
			"755 /usr/lib/dracut/modules.d/95early-pin/module-setup.sh" | LC_ALL=C sort)"
		run -0 qmake PKG_CONFIG="$pc" uninstall-dracut-module
		run -0 tree
		assert_output ""
	done
}

@test "make install PREFIX=/usr/local: the dracut module ships the early-pin in /usr/local/sbin, which dracut's PATH lacks" {
	requires dracut
	run -0 qmake PREFIX=/usr/local install
	[ -x "$D/usr/local/sbin/early-pin" ] && [ ! -e "$D/usr/sbin/early-pin" ]
	# the module is where dracut looks, whatever PREFIX is
	[ -f "$D$PC_DRACUT/95early-pin/module-setup.sh" ]
	run -0 dracut_check
	refute_output --partial "will not be installed"
	run -0 dracut_check install
	assert_output "inst_binary /usr/local/sbin/early-pin /usr/sbin/early-pin
inst_hook pre-udev 10 early-pin-pre-udev.sh
inst_hook pre-pivot 90 early-pin-pre-pivot.sh"
	# the module as in the tree (dracut's PATH only) would not find it
	MODDIR=$QC_TOP/dracut-module/95early-pin run -1 dracut_check
	assert_output --partial "dracut module 'early-pin' will not be installed, because command 'early-pin' could not be found"
	# and with its own gone (and none in dracut's PATH) it says so
	rm "$D/usr/local/sbin/early-pin"
	run -1 dracut_check
	assert_output --partial "dracut module 'early-pin' will not be installed, because command 'early-pin' could not be found"
}
