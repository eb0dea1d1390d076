#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The dracut module, its dracut.conf.d snippet and the systemd unit, on the
# host (the QEMU tests in early-pin-boot.bats boot them for real). The hooks
# run against dracut's own dracut-lib.sh, in a private mount namespace where
# /usr/sbin/early-pin, /proc/cmdline and /dev/kmsg are test files.

load ../bats/helpers

MOD=$QC_TOP/dracut-module/95early-pin

# hook_run HOOK CMDLINE STATUS: source HOOK as dracut does, with a fake
# early-pin that records its arguments and exits STATUS
hook_run() {
	local t=$BATS_TEST_TMPDIR
	mkdir -p "$t/sbin" "$t/bin"
	# dracut-lib's getarg calls dracut-util under this name, as in the initramfs
	ln -sf /usr/lib/dracut/dracut-util "$t/bin/dracut-getarg"
	printf '#!/bin/sh\necho "$*" >>%s/calls\nexit %s\n' "$t" "$3" >"$t/sbin/early-pin"
	chmod +x "$t/sbin/early-pin"
	echo "$2" >"$t/cmdline"
	: >"$t/kmsg"
	rm -f "$t/calls"
	# shellcheck disable=SC2016
	PATH=$t/bin:$PATH unshare -m sh -c '
		mount -t tmpfs tmpfs /run &&
		mount --bind "$0/sbin" /usr/sbin &&
		mount --bind "$0/cmdline" /proc/cmdline &&
		mount --bind "$0/kmsg" /dev/kmsg || exit 99
		PREFIX=/nonexistent
		wait_for_dev() { :; }
		. /usr/lib/dracut/modules.d/99base/dracut-lib.sh
		. "$1"
		echo "hook returned $?"
	' "$t" "$MOD/$1"
}

@test "both hooks run early-pin --boot and return 0" {
	requires root unshare
	[ -x /usr/lib/dracut/dracut-util ] || fail "no /usr/lib/dracut/dracut-util (dracut-core)"
	for h in early-pin-pre-udev.sh early-pin-pre-pivot.sh; do
		run hook_run $h "root=/dev/vda isolcpus=2-3 nohz_full=2-3" 0
		assert_success
		assert_output --partial "hook returned 0"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/calls")" "--boot"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/kmsg")" ""
	done
}

@test "rd.earlypin=0, =no and =off keep early-pin from running" {
	requires root unshare
	for h in early-pin-pre-udev.sh early-pin-pre-pivot.sh; do
		for v in 0 no off; do
			run hook_run $h "root=/dev/vda rd.earlypin=$v" 0
			assert_success
			assert_output --partial "hook returned 0"
			[ ! -e "$BATS_TEST_TMPDIR/calls" ]
		done
		run hook_run $h "root=/dev/vda rd.earlypin=1" 0
		assert_output --partial "hook returned 0"
		[ -e "$BATS_TEST_TMPDIR/calls" ]
	done
}

@test "a failing or crashing early-pin never fails the boot: warned to kmsg, hook returns 0" {
	requires root unshare
	run hook_run early-pin-pre-udev.sh "root=/dev/vda" 139
	assert_success
	assert_output --partial "hook returned 0"
	grep -q 'early-pin: pre-udev pass exited with status 139, ignoring' "$BATS_TEST_TMPDIR/kmsg"
	run hook_run early-pin-pre-pivot.sh "root=/dev/vda" 1
	assert_output --partial "hook returned 0"
	grep -q 'early-pin: pre-pivot pass exited with status 1, ignoring' "$BATS_TEST_TMPDIR/kmsg"
}

# module_setup MODS FUNCTION: run a module-setup.sh function with dracut's
# helpers replaced by recorders, MODS being the modules dracut includes
module_setup() {
	# shellcheck disable=SC2016
	PATH=$BATS_TEST_TMPDIR/bin:$PATH bash -c '
		mods=" $1 "
		moddir=$2
		require_binaries() { command -v "$@" >/dev/null; }
		find_binary() { command -v "$1"; }
		dracut_module_included() { [[ $mods == *" $1 "* ]]; }
		inst_binary() { echo "inst_binary $*"; }
		inst_hook() { echo "inst_hook $*"; }
		dwarn() { echo "dwarn $*"; }
		. "$moddir/module-setup.sh"
		"$3"
	' _ "$1" "$MOD" "$2"
}

@test "module-setup.sh: check needs early-pin, install ships it and both hooks through inst_hook" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	run module_setup "base" check
	assert_failure
	ln -s "$BUILD/early-pin" "$BATS_TEST_TMPDIR/bin/early-pin"
	run module_setup "base" check
	assert_success
	run module_setup "base" install
	assert_success
	assert_line "inst_binary $BATS_TEST_TMPDIR/bin/early-pin /usr/sbin/early-pin"
	assert_line "inst_hook pre-udev 10 $MOD/early-pin-pre-udev.sh"
	assert_line "inst_hook pre-pivot 90 $MOD/early-pin-pre-pivot.sh"
}

@test "module-setup.sh: a systemd initramfs pulls in dracut-systemd, else nothing" {
	run module_setup "systemd systemd-initrd base" depends
	assert_success
	assert_output "dracut-systemd"
	run module_setup "base rootfs-block" depends
	assert_success
	assert_output ""
}

@test "install and uninstall put the module, the conf snippet and the unit in place and remove them" {
	local d=$BATS_TEST_TMPDIR/root
	run make -s -C "$QC_TOP" BUILD="$BUILD" DESTDIR="$d" PREFIX=/usr SBINDIR=/usr/sbin \
		DRACUTMODDIR=/usr/lib/dracut/modules.d DRACUTCONFDIR=/usr/lib/dracut/dracut.conf.d \
		SYSTEMDUNITDIR=/usr/lib/systemd/system install-dracut-module
	assert_success
	for f in module-setup.sh early-pin-pre-udev.sh early-pin-pre-pivot.sh; do
		[ -x "$d/usr/lib/dracut/modules.d/95early-pin/$f" ]
	done
	grep -qx 'add_dracutmodules+=" early-pin "' "$d/usr/lib/dracut/dracut.conf.d/50-early-pin.conf"
	grep -qx 'ExecStart=/usr/sbin/early-pin --boot' "$d/usr/lib/systemd/system/early-pin.service"
	run make -s -C "$QC_TOP" BUILD="$BUILD" DESTDIR="$d" PREFIX=/usr \
		DRACUTMODDIR=/usr/lib/dracut/modules.d DRACUTCONFDIR=/usr/lib/dracut/dracut.conf.d \
		SYSTEMDUNITDIR=/usr/lib/systemd/system uninstall-dracut-module
	assert_success
	[ -z "$(find "$d" -type f)" ]
}

@test "the systemd unit passes systemd-analyze verify without a single complaint" {
	requires systemd-analyze
	sed "s|/usr/sbin/early-pin|$BUILD/early-pin|" "$QC_TOP/dracut-module/early-pin.service" \
		>"$BATS_TEST_TMPDIR/early-pin.service"
	run systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/early-pin.service"
	assert_success
	assert_output ""
}

@test "the module, the hooks and the VM harness are shellcheck-clean" {
	requires shellcheck
	shellcheck -s bash "$MOD/module-setup.sh" "$QC_TOP/tests/vm/vm.bash"
	shellcheck -s sh "$MOD"/early-pin-pre-*.sh "$QC_TOP/tests/vm/guest-init.sh"
}

@test "early-pin is static (runs in any initramfs), dynamic only under SANITIZE=1" {
	[ -x "$BUILD/early-pin" ] || fail "$BUILD/early-pin is not built"
	if [ "${SANITIZE:-}" = 1 ]; then
		readelf -lW "$BUILD/early-pin" | grep -q 'Requesting program interpreter'
	else
		# a dynamic early-pin here means build-aux could not build the
		# static libkmod: the build warned loudly, this test fails loudly
		run readelf -lW "$BUILD/early-pin"
		assert_success
		refute_output --partial 'Requesting program interpreter'
		run readelf -dW "$BUILD/early-pin"
		refute_output --partial '(NEEDED)'
	fi
}
