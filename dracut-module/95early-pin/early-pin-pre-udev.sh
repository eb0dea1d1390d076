#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut pre-udev hook: early-pin's first pass, before udev loads drivers.
# Sourced by dracut (so `return`, never `exit`); it must never fail the boot.
# early-pin logs its own one-line summary to /dev/kmsg.

# shellcheck disable=SC1091
type getargbool >/dev/null 2>&1 || . /lib/dracut-lib.sh

if getargbool 1 rd.earlypin; then
	/usr/sbin/early-pin --boot || warn "early-pin: pre-udev pass exited with status $?, ignoring"
fi
return 0
