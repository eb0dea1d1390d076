# SPDX-License-Identifier: GPL-2.0-or-later
# Shared bats helper: load it with `load helpers` from tests/bats/*.bats
# (tests/vm/*.bats use `load ../bats/helpers`).
#
#   $BUILD          the build directory (tests/run.sh exports it; default build/)
#   $QC_TOP         the source tree
#   topologies_dir  extracts the real hwloc sysfs trees once, prints the folder
#   fixture_copy    a fresh copy of tests/fixtures/<name> in $BATS_TEST_TMPDIR
#   requires        skip with a reason (root, qemu, ...) -- never used by CI-required tests
set -u
QC_TOP=${QC_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
BUILD=${BUILD:-$QC_TOP/build}
export QC_TOP BUILD
# A SANITIZE=1 build tree run by hand (tests/run.sh, bats) rather than by
# `make check SANITIZE=1`: the tests that call make on it (install, package)
# must keep the sanitizer flags, or make relinks it without them and fails.
if [ -z "${SANITIZE:-}" ] && grep -qa __asan_init "$BUILD/cmdline-gen" 2>/dev/null; then
	export SANITIZE=1
fi

load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

topologies_dir() {
	local dir=$BUILD/topologies tar=$QC_TOP/tests/fixtures/topologies/hwloc-sysfs-trees.tar.gz
	if [ ! -f "$dir/.extracted" ]; then
		(
			flock 9
			if [ ! -f "$dir/.extracted" ]; then
				rm -rf "$dir" && mkdir -p "$dir" &&
					tar -xzf "$tar" -C "$dir" && touch "$dir/.extracted"
			fi
		) 9>"$BUILD/.topologies.lock"
	fi
	echo "$dir"
}

fixture_copy() { # fixture_copy NAME -> path of a fresh copy
	local dst=$BATS_TEST_TMPDIR/fx-$1
	rm -rf "$dst"
	cp -a "$QC_TOP/tests/fixtures/$1" "$dst"
	echo "$dst"
}

requires() {
	local r
	for r in "$@"; do
		case $r in
		root) [ "$(id -u)" -eq 0 ] || skip "requires root" ;;
		qemu) command -v qemu-system-x86_64 >/dev/null || skip "requires qemu-system-x86_64" ;;
		*) command -v "$r" >/dev/null || skip "requires $r" ;;
		esac
	done
}
