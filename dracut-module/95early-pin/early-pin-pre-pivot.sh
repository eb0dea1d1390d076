#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut pre-pivot hook: early-pin's second pass, before switch_root, for the
# IRQs and tasks of the drivers udev loaded since the pre-udev pass.
# Sourced by dracut (so `return`, never `exit`); it must never fail the boot.
# early-pin logs its own one-line summary to /dev/kmsg.

# shellcheck disable=SC1091
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh

if getargbool 1 rd.earlypin; then
	/usr/sbin/early-pin --boot || warn "early-pin: pre-pivot pass exited with status $?, ignoring"
fi
return 0
