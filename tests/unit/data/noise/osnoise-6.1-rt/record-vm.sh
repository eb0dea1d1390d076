#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Host side of the osnoise-6.1-rt samples: boots Debian 12's PREEMPT_RT
# kernel (vm_kernel 6.1-rt) under QEMU TCG through the VM test harness
# (tests/vm/vm.bash), with the test rootfs plus bash, Debian's rtla and
# record.sh, runs record.sh in the guest and unpacks what it wrote into
# OUTDIR. The raw output, untrimmed; README.md says what was kept.
#
#   QC_VM_CACHE=/work/vmcache BUILD=$PWD/build \
#       tests/unit/data/noise/osnoise-6.1-rt/record-vm.sh OUTDIR
#
# Needs root, the harness's host tools, and $BUILD/early-pin built.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
QC_TOP=$(cd "$here/../../../../.." && pwd)
BUILD=${BUILD:-$QC_TOP/build}
export QC_TOP BUILD
out=${1:?usage: record-vm.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# shellcheck source=SCRIPTDIR/../../../../vm/vm.bash
. "$QC_TOP/tests/vm/vm.bash"

APPEND=${QC_RECORD_APPEND:-"isolcpus=2-3 nohz_full=2-3 tsc=reliable"}

vm_require_host
vm_kernel 6.1-rt
vm_initramfs plain
vm_rootfs
root=$VM_WORK/rootfs

# bash (record.sh is bash) and rtla from Debian, with their libraries
vm_copy_with_libs /bin/bash "$root" /bin/bash
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# rtla of the kernel's own source version (both come from src:linux)
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "rtla=${VM_KROOT##*_}") >"$tmp/dl.log" 2>&1 ||
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root rtla) >>"$tmp/dl.log" 2>&1 ||
	{ cat "$tmp/dl.log" >&2; echo "no rtla package" >&2; }
if ls "$tmp"/rtla_*.deb >/dev/null 2>&1; then
	dpkg-deb -x "$tmp"/rtla_*.deb "$tmp/rtla"
	vm_copy_with_libs "$tmp/rtla/usr/bin/rtla" "$root" /usr/bin/rtla
	basename "$tmp"/rtla_*.deb >"$out/rtla-package.txt"
fi
install -m 0755 "$here/record.sh" "$root/root/record.sh"
cat >"$root/sbin/init" <<'EOF'
#!/bin/sh
# record-vm.sh's init: record.sh, its output as a tar on /dev/vdb, power off
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /run || mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t tracefs nodev /sys/kernel/tracing
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
echo "=== record" >&3
echo "init: reached userspace, uptime $(cut -d' ' -f1 /proc/uptime)" >&3
taskset -c 0 /root/record.sh /tmp/out >&3 2>&1
echo "record.sh exit $?" >&3
dmesg >/tmp/out/dmesg.txt
tar cf /dev/vdb -C /tmp out && echo "tar: ok" >&3
sync
echo "uptime $(cut -d' ' -f1 /proc/uptime)" >&3
echo "=== END" >&3
exec 3>&-
poweroff -f
EOF
chmod 0755 "$root/sbin/init"
rm -f "$VM_WORK/rootfs.img"
mke2fs -q -t ext4 -L qc-root -d "$root" "$VM_WORK/rootfs.img" 96M
# shellcheck disable=SC2034 # read by vm_boot (vm.bash)
VM_ROOTFS=$VM_WORK/rootfs.img

rm -f "$VM_WORK/out.img"
truncate -s 64M "$VM_WORK/out.img"
vm_boot osnoise-6.1-rt "$APPEND" \
	-drive "file=$VM_WORK/out.img,if=none,id=out,format=raw" -device virtio-blk-pci,drive=out
echo "booted $VM_KVER, qemu ran ${VM_SECONDS}s"
tar xf "$VM_WORK/out.img" -C "$out" --strip-components=1
cp "$VM_LOG" "$out/console.log"
cp "$VM_RESULTS" "$out/results.txt"
echo "$VM_SECONDS" >"$out/qemu-seconds.txt"
