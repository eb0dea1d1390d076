#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Installs the Debian packages that building and testing quietcore need, when
# any is missing. Needs root for the install; says clearly what is missing when
# it cannot install.
set -u
pkgs=(
	gcc make pkg-config clang
	libkmod-dev libjson-c-dev libcmocka-dev
	bats bats-support bats-assert
	dracut-core grub-common grub-pc-bin patch
	qemu-system-x86 busybox-static cpio kmod
	dpkg-dev autoconf automake libtool liblzma-dev e2fsprogs systemd
	shellcheck clang-tidy cppcheck valgrind libclang-rt-14-dev
	hwloc rt-tests tuna jq
	debootstrap fdisk qemu-utils file
	debhelper lintian rpm man-db ansible-core ansible-lint openssh-client strace
)
missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root: cannot install ${missing[*]}; run 'make deps' as root or install them with apt-get" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq; then
	echo "deps: apt-get update failed: cannot install ${missing[*]}" >&2
	exit 1
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/quietcore-deps.log 2>&1; then
	tail -20 /tmp/quietcore-deps.log >&2
	echo "deps: apt-get install ${missing[*]} failed (log: /tmp/quietcore-deps.log)" >&2
	exit 1
fi
echo "deps: installed ${missing[*]}"
