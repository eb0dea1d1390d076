#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut module "early-pin" (quietcore): ships the static early-pin into the
# initramfs and runs it twice: at pre-udev, before udev loads any driver, so
# the IRQs those drivers request and every task started later stay off the
# isolated CPUs; and at pre-pivot, for whatever the drivers udev loaded did
# set up in between. The housekeeping set comes from the kernel command line
# at boot, so nothing host-specific is copied in and changing the plan never
# needs a new initramfs.

# Where `make install` put early-pin: it writes its SBINDIR here. dracut
# looks for programs only in its own PATH (DRACUT_PATH, by default /sbin /bin
# /usr/sbin /usr/bin): an early-pin in /usr/local/sbin would not be found.
# Empty in the source tree (tests/vm/vm.bash points DRACUT_PATH at a build).
early_pin_sbindir=

# the early-pin to ship: the installed one, else the one in dracut's PATH
early_pin_binary() {
	if [[ -n $early_pin_sbindir ]] && [[ -x ${dracutsysrootdir-}$early_pin_sbindir/early-pin ]]; then
		echo "$early_pin_sbindir/early-pin"
		return 0
	fi
	find_binary early-pin
}

# called by dracut
check() {
	local _bin
	_bin=$(early_pin_binary) || _bin=early-pin
	require_binaries "$_bin" || return 1
	return 0
}

# called by dracut
depends() {
	# In a systemd initramfs only dracut-systemd's services (dracut-pre-udev,
	# dracut-pre-pivot, ...) run the hooks; without it they silently never run.
	if dracut_module_included systemd; then
		echo dracut-systemd
	fi
	return 0
}

# called by dracut
install() {
	local _bin
	_bin=$(early_pin_binary) || return 1
	inst_binary "$_bin" /usr/sbin/early-pin

	if dracut_module_included systemd && ! dracut_module_included dracut-systemd; then
		dwarn "early-pin: systemd initramfs without the dracut-systemd module: its hooks will not run"
	fi
	# shellcheck disable=SC2154 # $moddir is set by dracut
	inst_hook pre-udev 10 "$moddir/early-pin-pre-udev.sh"
	inst_hook pre-pivot 90 "$moddir/early-pin-pre-pivot.sh"
}
