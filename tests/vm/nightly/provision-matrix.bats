#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Nightly cells of the provisioning loop (make check-vm-nightly): the matrix
# of tests/vm/provision.bats that does not fit CI time. Kernels Debian 6.1
# cloud and 6.12 cloud; -smp 4 (one NUMA node) and -smp 8 as 2 sockets x 2
# cores x 2 threads in two NUMA nodes (the plan keeps whole cores and one
# housekeeping core per node); initramfs without and with systemd. The cell
# 6.1/-smp 4/without systemd runs in make check (tests/vm/provision.bats).
# Each kernel/initramfs pair is one cached disk image (tests/vm/image.bash).

: "${QC_TOP:=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)}"
load ../../bats/helpers
load ../vm
load ../image
load ../provision

SMP4=(-smp 4)
# TCG's `max` CPU has AMD's vendor id by default, and without the topoext
# leaves an AMD guest kernel sees 8 single-thread cores, not 2 threads per
# core: the vendor makes the threads visible (the last -cpu wins).
# shellcheck disable=SC2054 # QEMU's commas
NUMA=(-cpu max,vendor=GenuineIntel -smp 8,sockets=2,cores=2,threads=2
	-object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M
	-numa node,nodeid=0,cpus=0-3,memdev=m0 -numa node,nodeid=1,cpus=4-7,memdev=m1)

@test "nightly provision 6.1/-smp 4/systemd in initramfs" {
	img_build 6.1 systemd
	prov_loop loop-6.1-smp4-systemd 0 1-3 -- "${SMP4[@]}"
}

@test "nightly provision 6.1/2 nodes x 2 cores x 2 threads/no systemd in initramfs: one whole housekeeping core per node" {
	img_build 6.1 plain
	prov_loop loop-6.1-numa-plain 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
}

@test "nightly provision 6.1/2 nodes x 2 cores x 2 threads/systemd in initramfs" {
	img_build 6.1 systemd
	prov_loop loop-6.1-numa-systemd 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
}

@test "nightly provision 6.12/-smp 4/no systemd in initramfs" {
	img_build 6.12 plain
	prov_loop loop-6.12-smp4-plain 0 1-3 -- "${SMP4[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}

@test "nightly provision 6.12/-smp 4/systemd in initramfs" {
	img_build 6.12 systemd
	prov_loop loop-6.12-smp4-systemd 0 1-3 -- "${SMP4[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}

@test "nightly provision 6.12/2 nodes x 2 cores x 2 threads/no systemd in initramfs" {
	img_build 6.12 plain
	prov_loop loop-6.12-numa-plain 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}

@test "nightly provision 6.12/2 nodes x 2 cores x 2 threads/systemd in initramfs" {
	img_build 6.12 systemd
	prov_loop loop-6.12-numa-systemd 0-1,4-5 2-3,6-7 -- "${NUMA[@]}"
	img_section 2 boot | sed -n 2p | grep -q '^6\.12\.' || img_fail "the guest did not run a 6.12 kernel"
}
