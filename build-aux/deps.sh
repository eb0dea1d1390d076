#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian packages a make goal needs, installed when they are missing.
#
#   build-aux/deps.sh [--make] GROUP
#
# GROUP is what the goal does, each a superset of the one before:
#   run     cmdline-gen and the library (make run)
#   build   every program, early-pin static (make, make install): the tools
#           that build a static libkmod from Debian's kmod source package,
#           and libsystemd's sd-bus for quietcore-unit
#   unit    build + the C unit tests (make check-unit)
#   check   every test suite, the boot tests, lint, fuzzing, benchmarks
#
# Nothing missing: silent, exit 0. Missing, and root on a Debian system with
# apt-get: installs them, says so on stderr, exit 0 (1 when apt-get fails,
# with the tail of its log). Missing otherwise: one line naming the packages
# and the command that installs them, exit 2; with --make that line goes to
# stdout, for the Makefile's $(error). Not a Debian system (no dpkg-query):
# nothing can be told, exit 0, and the build says what it lacks.
set -u

prog=quietcore
to_make=0
if [ "${1:-}" = --make ]; then
	to_make=1
	shift
fi
group=${1:-check}

run=(gcc make pkg-config libc6-dev libjson-c-dev libkmod-dev libtracefs-dev libtraceevent-dev)
build=("${run[@]}" dpkg-dev autoconf automake libtool liblzma-dev libsystemd-dev)
unit=("${build[@]}" libcmocka-dev patch)
check=(
	"${unit[@]}" clang
	bats bats-support bats-assert
	dracut-core grub-common grub-pc-bin
	qemu-system-x86 busybox-static cpio kmod
	e2fsprogs systemd
	shellcheck clang-tidy clang-format cppcheck valgrind libclang-rt-14-dev
	hwloc rt-tests tuna jq
	debootstrap fdisk qemu-utils file
	debhelper lintian rpm man-db ansible-core ansible-lint openssh-client strace
)
case $group in
run) pkgs=("${run[@]}") goal="make run" ;;
build) pkgs=("${build[@]}") goal="make" ;;
unit) pkgs=("${unit[@]}") goal="make check-unit" ;;
check) pkgs=("${check[@]}") goal="the tests" ;;
*)
	echo "$prog: deps.sh: unknown group '$group' (run, build, unit or check)" >&2
	exit 2
	;;
esac

command -v dpkg-query >/dev/null 2>&1 || exit 0

missing=()
while read -r name status; do
	[ "$status" = ii ] || missing+=("$name")
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null)
# dpkg-query says nothing at all of a package it has never heard of
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='.' "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	msg="$prog: $goal needs the Debian packages ${missing[*]}; install them with: sudo apt-get install ${missing[*]}"
	if [ "$to_make" = 1 ]; then echo "$msg"; else echo "$msg" >&2; fi
	exit 2
fi

log=$(mktemp "${TMPDIR:-/tmp}/quietcore-deps.XXXXXX.log") || exit 1
echo "$prog: installing what $goal needs: ${missing[*]} (apt-get; log $log)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >"$log" 2>&1; then
	tail -5 "$log" >&2
	echo "$prog: apt-get update failed: cannot install ${missing[*]} (log: $log)" >&2
	exit 1
fi
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
	tail -20 "$log" >&2
	echo "$prog: apt-get install ${missing[*]} failed (log: $log)" >&2
	exit 1
fi
rm -f "$log"
echo "$prog: installed ${missing[*]}" >&2
