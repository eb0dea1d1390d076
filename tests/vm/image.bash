# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# A bootable Debian disk image with quietcore installed, for the provisioning
# tests (tests/vm/provision.bats, tests/vm/nightly/provision-*.bats). Load it
# after vm.bash (`load vm` then `load image`): it reuses vm_kernel,
# vm_initramfs, vm_lock and the log directory of that harness.
#
# Built from Debian's packages with no loop device and no mount:
#   1. debootstrap --variant=minbase into a folder (cached by the versions of
#      the packages it installs);
#   2. a copy of it gets quietcore by its own `make install DESTDIR=`, the
#      test driver (tests/vm/guest/), a serial console, GRUB_TIMEOUT=0;
#   3. mke2fs -d makes an ext4 image of the folder; sfdisk partitions a raw
#      file and dd puts the filesystem at the partition's offset;
#   4. a first guest run, booted directly (-kernel, an initramfs built by the
#      host's dracut, root=/dev/vda1), runs the guest's own dracut (which now
#      includes early-pin), grub-install /dev/vda and update-grub.
# The result is cached under $VM_CACHE/image/, keyed by the package versions,
# the quietcore sources that get installed, these scripts and the variant;
# every test boots a qcow2 overlay of it, so the cached image never changes.
#
#   img_build FLAVOR VARIANT   6.1|6.12, plain|systemd (initramfs without or
#                              with systemd): sets IMG_BASE
#   img_boot NAME SCRIPT [QEMU ARGS...]
#                              boots a fresh overlay of IMG_BASE through
#                              SeaBIOS and GRUB; the guest driver runs SCRIPT
#                              (sh, see tests/vm/guest/qc-driver) on every
#                              boot; sets IMG_LOG, IMG_RESULTS
#   img_section BOOT NAME      one section of the guest's report
#   img_deb FLAVOR             a kernel .deb for offline installs: sets IMG_DEB
#   img_start NAME SCRIPT [QEMU ARGS...]
#                              img_boot in the background, with user
#                              networking and the guest's port 22 forwarded to
#                              127.0.0.1:IMG_SSH_PORT; the script should end
#                              its boots with qc_stay_up. Sets IMG_PID,
#                              IMG_SSH_PORT, IMG_LOG, IMG_RESULTS
#   img_ssh_keygen             a key pair for this run (in $BATS_FILE_TMPDIR,
#                              never in the image): sets IMG_SSH_KEY (private
#                              key file), IMG_SSH_PUB (the public key line)
#   img_ssh CMD...             run CMD in the guest over SSH
#   img_ssh_wait               until the guest answers over SSH
#   img_finish                 `qc-driver end` in the guest, then what
#                              img_boot checks once QEMU has exited
#   img_stop                   kill a QEMU img_start left running (teardown)
#
# Nothing here skips: a missing tool, package or kernel fails with the reason.

IMG_CACHE=${VM_CACHE:?load vm.bash first}/image
IMG_TIMEOUT=${QC_IMG_TIMEOUT:-900}
IMG_SUITE=bookworm
IMG_GUEST=$QC_TOP/tests/vm/guest

img_fail() {
	echo "image: $*" >&2
	return 1
}

img_require_host() {
	local t missing=()
	vm_require_host || return 1
	for t in debootstrap sfdisk qemu-img mke2fs dd file; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] || img_fail "missing on the host: ${missing[*]} (run 'make deps')"
}

# The Debian mirror apt uses here: QC_MIRROR, else the first URIs: of the
# deb822 sources, else the first deb line of sources.list.
img_mirror() {
	local m=${QC_MIRROR:-}
	if [ -z "$m" ]; then
		m=$(sed -nE 's/^URIs: *([^ ]+).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
			grep -v -- '-security' | head -1)
	fi
	if [ -z "$m" ]; then
		m=$(sed -nE 's/^deb +(\[[^]]*\] +)?([^ ]+) .*/\2/p' /etc/apt/sources.list 2>/dev/null |
			grep -v -- '-security' | head -1)
	fi
	[ -n "$m" ] || { img_fail "no Debian mirror configured for apt"; return 1; }
	echo "$m"
}

img_suite_versions() { # img_suite_versions PKG...: "pkg version" in $IMG_SUITE/main
	local p v
	for p in "$@"; do
		v=$(apt-cache policy "$p" 2>/dev/null |
			awk -v s=" $IMG_SUITE/main " '/^ (\*\*\*|   ) *[^ ]+ [0-9]+$/ { v = $(NF-1) } index($0, s) && v != "" { print v; exit }')
		[ -n "$v" ] || { img_fail "apt knows no $p in $IMG_SUITE/main (apt-get update?)"; return 1; }
		echo "$p $v"
	done
}

# A debootstrap --variant=minbase folder of $IMG_SUITE with the packages
# INCLUDE (comma-separated), cached in $IMG_CACHE/NAME-KEY by what goes into
# it; the .debs are not kept. Folders of old package versions go after a week.
# Sets IMG_TREE. (tests/vm/first-contact.bats makes its bare machine here too.)
img_debootstrap() { # img_debootstrap NAME INCLUDE
	local name=$1 include=$2 mirror key dir tmp log start
	mirror=$(img_mirror) || return 1
	key=$( {
		echo "$IMG_SUITE $mirror $include"
		dpkg-query -W -f='${Version}\n' debootstrap
		# versions of the suite itself, not of -updates/-security, which
		# debootstrap does not see
		# shellcheck disable=SC2046 # one word per package
		img_suite_versions $(echo "$include" | tr , ' ') || exit 1
	} | sha256sum | cut -c1-16) || return 1
	dir=$IMG_CACHE/$name-$key
	if [ ! -f "$dir/.done" ]; then
		vm_lock "image-$name" || return 1
		if [ ! -f "$dir/.done" ]; then
			mkdir -p "$IMG_CACHE" "$VM_LOGDIR" || { vm_unlock; return 1; }
			tmp=$(mktemp -d "$IMG_CACHE/.$name.XXXXXX") || { vm_unlock; return 1; }
			log=$VM_LOGDIR/image-debootstrap-$name.log
			start=$(date +%s)
			echo "# image: debootstrap $IMG_SUITE ($include) from $mirror" >&3 2>/dev/null || :
			if ! timeout 1800 debootstrap --variant=minbase --include="$include" \
				"$IMG_SUITE" "$tmp/root" "$mirror" >"$log" 2>&1; then
				tail -30 "$log" >&2
				tail -30 "$tmp/root/debootstrap/debootstrap.log" >&2 2>/dev/null
				rm -rf "$tmp"
				vm_unlock
				img_fail "debootstrap failed (log: $log)"
				return 1
			fi
			echo "# image: debootstrap took $(($(date +%s) - start))s" >&3 2>/dev/null || :
			rm -f "$tmp/root/var/cache/apt/archives/"*.deb
			rm -rf "$dir" && mv "$tmp/root" "$dir" && touch "$dir/.done"
			rm -rf "$tmp"
			find "$IMG_CACHE" -maxdepth 1 -name "$name-*" -mtime +7 -exec rm -rf {} + 2>/dev/null
		fi
		vm_unlock
	fi
	IMG_TREE=$dir
}

# Stage 1: the debootstrap folder of the disk image. It has the 6.1 cloud
# kernel of the suite and dracut-core: debootstrap resolves
# "initramfs-tools | linux-initramfs-tool" to initramfs-tools, which
# conflicts with the dracut package, so the first guest run swaps them
# (dpkg, offline, from .debs the host put into /root/qc-debs).
# Sets IMG_TREE.
img_tree() {
	local include
	# openssh-server, python3 and python3-apt: what Ansible needs on a
	# managed host (ssh, the modules' interpreter, the apt module)
	include="systemd-sysv,udev,kmod,linux-image-cloud-amd64,grub-pc,dracut-core,libjson-c5,libkmod2,libtracefs1,libtraceevent1,util-linux"
	include+=",openssh-server,python3,python3-apt"
	img_debootstrap tree "$include"
}

# What of quietcore ends up in the image: the sources make install builds
# from, the build rules, the man pages, the dracut module.
img_qc_sources_hash() {
	(cd "$QC_TOP" && find Makefile lib cmdline-gen early-pin verify dracut-module build-aux docs \
		-type f ! -name '*.o' ! -name '*.d' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
		sha256sum | cut -c1-16
}

# The image's quietcore is built in a directory of its own, never with the
# sanitizers: early-pin must be static for the initramfs, and ASan cannot
# link statically. `make check SANITIZE=1` hands SANITIZE=1 down to every
# make the tests run (MAKEFLAGS): SANITIZE= on the command line undoes it.
IMG_QC_BUILD=${QC_IMAGE_BUILD:-$BUILD-image-static}
img_qc_make() { # img_qc_make [MAKE ARGS...]
	make -C "$QC_TOP" --no-print-directory BUILD="$IMG_QC_BUILD" SANITIZE= "$@"
}

# Stage 2: quietcore and the test driver in a copy of the tree.
img_populate() { # img_populate ROOT VARIANT FLAVOR
	local root=$1 variant=$2 flavor=$3 log
	log=$VM_LOGDIR/image-make-install.log
	mkdir -p "$VM_LOGDIR" || return 1
	# its own build directory, with the default (static) early-pin
	if ! img_qc_make all >"$log" 2>&1 ||
		! img_qc_make PREFIX=/usr DESTDIR="$root" install >>"$log" 2>&1; then
		tail -30 "$log" >&2
		img_fail "make install DESTDIR=$root failed (log: $log)"
		return 1
	fi
	if ! file -L "$root/usr/sbin/early-pin" | grep -q 'statically linked'; then
		file -L "$root/usr/sbin/early-pin" >&2
		grep -i 'early-pin' "$log" | tail -5 >&2
		img_fail "the installed early-pin is not statically linked (see build-aux/Makemodule.mk)"
		return 1
	fi
	# what the first guest run installs offline: dracut (in place of
	# initramfs-tools), and for 6.12 images that kernel
	mkdir -p "$root/root/qc-debs" || return 1
	img_deb dracut || return 1
	cp "$IMG_DEB" "$root/root/qc-debs/" || return 1
	if [ "$flavor" != 6.1 ]; then
		img_deb "$(vm_kernel_pkg "$flavor")" || return 1
		cp "$IMG_DEB" "$root/root/qc-debs/" || return 1
	fi
	install -D -m 0755 "$IMG_GUEST/qc-driver" "$root/usr/local/sbin/qc-driver" || return 1
	install -D -m 0644 "$IMG_GUEST/qc-driver.service" "$root/etc/systemd/system/qc-driver.service" || return 1
	mkdir -p "$root/etc/systemd/system/multi-user.target.wants" || return 1
	ln -sf /etc/systemd/system/qc-driver.service "$root/etc/systemd/system/multi-user.target.wants/" || return 1
	# no first-boot questions on the console, and nothing at boot that the
	# tests do not need (TCG is slow: every unit costs seconds)
	local u
	for u in systemd-firstboot.service getty-static.service getty@tty1.service \
		e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer \
		dpkg-db-backup.timer fstrim.timer; do
		ln -sf /dev/null "$root/etc/systemd/system/$u" || return 1
	done
	# No KVM in a TCG guest. -cpu max offers SVM, so udev loads kvm_amd and
	# kvm, whose loading (the module BTF checks) spins for minutes under TCG:
	# soft lockups, a trivial boot and poweroff took 189 s with them, 71 s
	# without (6.1, -smp 4, nothing else running). No test needs KVM in a
	# guest; the blacklist is in the guest's /etc, not on its command line,
	# which the tests compare.
	mkdir -p "$root/etc/modprobe.d" || return 1
	printf '%s\n' '# quietcore test image: no KVM under TCG (tests/vm/image.bash)' \
		'blacklist kvm_amd' 'blacklist kvm_intel' 'blacklist kvm' \
		>"$root/etc/modprobe.d/qc-no-kvm.conf" || return 1
	# the network for img_start's SSH: QEMU's user network (slirp) has the
	# guest at 10.0.2.15, no DHCP wait; a guest without a NIC just has none
	mkdir -p "$root/etc/systemd/network" "$root/etc/systemd/system/sockets.target.wants" || return 1
	printf '%s\n' '[Match]' 'Name=en*' '' '[Network]' 'Address=10.0.2.15/24' 'Gateway=10.0.2.2' \
		'LinkLocalAddressing=no' 'IPv6AcceptRA=no' >"$root/etc/systemd/network/20-qc-user-net.network" || return 1
	ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/" || return 1
	ln -sf /lib/systemd/system/systemd-networkd.socket "$root/etc/systemd/system/sockets.target.wants/" || return 1
	# sshd (enabled by its package): keys only, the host's per-run key is
	# authorized by the guest script (tests/vm/guest/ansible.sh)
	[ -e "$root/etc/systemd/system/multi-user.target.wants/ssh.service" ] ||
		ln -sf /lib/systemd/system/ssh.service "$root/etc/systemd/system/multi-user.target.wants/" || return 1
	printf '%s\n' 'PasswordAuthentication no' 'KbdInteractiveAuthentication no' 'UseDNS no' \
		>"$root/etc/ssh/sshd_config.d/qc-test.conf" || return 1
	echo qc-guest >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tqc-guest\n' >"$root/etc/hosts"
	echo '0123456789abcdef0123456789abcdef' >"$root/etc/machine-id"
	printf '/dev/vda1\t/\text4\terrors=remount-ro\t0\t1\n' >"$root/etc/fstab"
	# The guest's dracut: host-only (it runs on the guest's own virtual
	# hardware), no root= baked in (GRUB passes it), with or without systemd.
	{
		echo '# quietcore test image'
		echo 'hostonly="yes"'
		echo 'hostonly_cmdline="no"'
		case $variant in
		plain) echo 'omit_dracutmodules+=" systemd systemd-initrd dracut-systemd "' ;;
		systemd) echo 'add_dracutmodules+=" systemd "' ;;
		esac
	} >"$root/etc/dracut.conf.d/90-qc-test.conf" || return 1
	# GRUB: no menu wait, console on the serial port, panic=-1 (reboot at
	# once: the driver reports the unexpected boot). GRUB_CMDLINE_LINUX is
	# ours; GRUB_CMDLINE_LINUX_DEFAULT stays Debian's ("quiet"), for
	# cmdline-gen to edit.
	[ -f "$root/etc/default/grub" ] || { img_fail "debootstrap left no /etc/default/grub"; return 1; }
	sed -i -e 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=0/' \
		-e 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="console=ttyS0,115200 panic=-1 systemd.show_status=1"/' \
		"$root/etc/default/grub" || return 1
	printf '%s\n' 'GRUB_TERMINAL=serial' 'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"' \
		'GRUB_DISABLE_OS_PROBER=true' >>"$root/etc/default/grub"
}

# img_qemu NAME DISK TIMEOUT [QEMU ARGS...]: one TCG run; sets IMG_LOG, IMG_RESULTS
img_qemu() {
	img_qemu_start "$@" || return 1
	img_qemu_wait
}

# img_qemu_start NAME DISK TIMEOUT [QEMU ARGS...]: the run in the background
# (IMG_PID); img_qemu_wait waits for it and judges it
img_qemu_start() {
	local disk=$2
	IMG_NAME=$1
	IMG_TMO=$3
	shift 3
	mkdir -p "$VM_LOGDIR" || return 1
	IMG_LOG=$VM_LOGDIR/img-$IMG_NAME.log
	IMG_RESULTS=$VM_LOGDIR/img-$IMG_NAME.results
	rm -f "$IMG_LOG" "$IMG_RESULTS"
	IMG_START=$(date +%s)
	# -accel tcg, always (KVM hangs on these machines; never fall back to it).
	# IMG_TCG=tcg,thread=single: one host thread for all vCPUs (VM_TCG in
	# vm.bash says why; tests/vm/partition.bash says when).
	# fd 3 closed: bats waits for everything that holds it.
	case ${IMG_TCG:-tcg} in tcg|tcg,thread=single) ;; *) img_fail "IMG_TCG=$IMG_TCG: tcg or tcg,thread=single"; return 1 ;; esac
	timeout -k 10 "$IMG_TMO" qemu-system-x86_64 \
		-accel "${IMG_TCG:-tcg}" -cpu max -m 1024 \
		-display none -monitor none -nic none \
		-drive "file=$disk,if=none,id=disk0,cache=unsafe" \
		-device virtio-blk-pci,drive=disk0 \
		-serial "file:$IMG_LOG" -serial "file:$IMG_RESULTS" \
		"$@" >"$IMG_LOG.qemu" 2>&1 3>&- &
	IMG_PID=$!
}

img_qemu_wait() {
	local name=$IMG_NAME tmo=$IMG_TMO rc
	wait "$IMG_PID"
	rc=$?
	IMG_PID=
	sed -i 's/\r$//' "$IMG_RESULTS" 2>/dev/null
	IMG_SECONDS=$(($(date +%s) - IMG_START))
	echo "# img $name: qemu exit $rc after ${IMG_SECONDS}s" >&3 2>/dev/null || :
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		img_show_log
		img_fail "$name: timed out after ${tmo}s (console log: $IMG_LOG)"
		return 1
	fi
	if [ $rc -ne 0 ]; then
		cat "$IMG_LOG.qemu" >&2
		img_show_log
		img_fail "$name: qemu exited with status $rc"
		return 1
	fi
	if grep -q '^=== [0-9]*\.UNEXPECTED-BOOT$' "$IMG_RESULTS"; then
		img_show_log
		img_fail "$name: the guest rebooted without being asked to (panic?): $(grep -A1 UNEXPECTED-BOOT "$IMG_RESULTS" | tail -1)"
		return 1
	fi
	if ! grep -q '^=== END$' "$IMG_RESULTS" 2>/dev/null; then
		img_show_log
		img_fail "$name: the guest wrote no complete report (console log: $IMG_LOG)"
		return 1
	fi
}

img_show_log() {
	echo "----- console of the guest (last 150 lines of ${IMG_LOG:-?}) -----" >&2
	tail -150 "$IMG_LOG" >&2 2>/dev/null
	echo "----- report of the guest ($IMG_RESULTS) -----" >&2
	tail -60 "$IMG_RESULTS" >&2 2>/dev/null
	echo "----- end -----" >&2
}

img_section() { # img_section BOOT NAME
	awk -v s="=== $1.$2" '$0 == s { f = 1; next } /^=== / { f = 0 } f' "$IMG_RESULTS"
}

# img_rc BOOT NAME: the exit status qc_run recorded (empty: it did not run)
img_rc() {
	img_section "$1" "$2.rc"
}

# img_expect_rc BOOT NAME WANT: the command ran and exited WANT (else show it)
img_expect_rc() {
	local rc
	rc=$(img_rc "$1" "$2")
	if [ "$rc" != "$3" ]; then
		echo "--- boot $1: $2 (exit ${rc:-did not run}, expected $3):" >&2
		img_section "$1" "$2" >&2
		img_section "$1" "$2.err" >&2
		img_fail "boot $1: '$2' exited ${rc:-<did not run>}, expected $3"
		return 1
	fi
}

img_build() { # img_build FLAVOR VARIANT
	local flavor=$1 variant=$2 key img tmp start
	case $variant in plain|systemd) ;; *) img_fail "unknown initramfs variant '$variant'"; return 1 ;; esac
	# QC_IMAGE: boot this image instead (when working on the tests only)
	if [ -n "${QC_IMAGE:-}" ]; then
		[ -f "$QC_IMAGE" ] || { img_fail "QC_IMAGE=$QC_IMAGE does not exist"; return 1; }
		echo "# image: QC_IMAGE=$QC_IMAGE, not built from the sources" >&3 2>/dev/null || :
		IMG_BASE=$QC_IMAGE
		return 0
	fi
	img_require_host || return 1
	img_tree || return 1
	key=$( {
		echo "$IMG_TREE $flavor $variant"
		[ "$flavor" = 6.1 ] || apt-cache show --no-all-versions "$(vm_kernel_pkg "$flavor")" | grep '^Version:'
		apt-cache show --no-all-versions dracut | grep '^Version:'
		img_qc_sources_hash
		${CC:-cc} --version 2>/dev/null | head -1
		cat "$IMG_GUEST/qc-driver" "$IMG_GUEST/qc-driver.service" "$QC_TOP/tests/vm/image.bash"
	} | sha256sum | cut -c1-16)
	img=$IMG_CACHE/disk-$flavor-$variant-$key.raw
	if [ -f "$img" ]; then
		IMG_BASE=$img
		return 0
	fi
	vm_lock "image-$flavor-$variant" || return 1
	if [ -f "$img" ]; then
		vm_unlock
		IMG_BASE=$img
		return 0
	fi
	start=$(date +%s)
	tmp=$(mktemp -d "$IMG_CACHE/.disk.XXXXXX") || { vm_unlock; return 1; }
	if ! img_build_in "$tmp" "$flavor" "$variant"; then
		rm -rf "$tmp"
		vm_unlock
		return 1
	fi
	mv "$tmp/disk.raw" "$img" && rm -rf "$tmp"
	vm_unlock
	echo "# image: $flavor/$variant built in $(($(date +%s) - start))s" >&3 2>/dev/null || :
	find "$IMG_CACHE" -maxdepth 1 -name 'disk-*.raw' -mtime +7 -delete 2>/dev/null
	IMG_BASE=$img
}

img_build_in() { # img_build_in TMPDIR FLAVOR VARIANT
	local tmp=$1 flavor=$2 variant=$3 root psize=3072 script
	root=$tmp/root
	if ! cp -a "$IMG_TREE" "$root"; then
		img_fail "cannot copy $IMG_TREE"
		return 1
	fi
	rm -f "$root/.done"
	img_populate "$root" "$variant" "$flavor" || return 1

	# the ext4 filesystem, made from the folder (no mount)
	if ! mke2fs -q -t ext4 -L qc-root -d "$root" "$tmp/part.img" "${psize}M" >"$tmp/mke2fs.err" 2>&1; then
		cat "$tmp/mke2fs.err" >&2
		img_fail "mke2fs -d $root failed"
		return 1
	fi
	rm -rf "$root"
	# the partitioned disk: one bootable Linux partition at 1 MiB, room for
	# GRUB's core image in front of it
	truncate -s $((psize + 1))M "$tmp/disk.raw" || return 1
	if ! echo 'label: dos
start=2048, type=83, bootable' | sfdisk -q "$tmp/disk.raw" >"$tmp/sfdisk.log" 2>&1; then
		cat "$tmp/sfdisk.log" >&2
		img_fail "sfdisk on $tmp/disk.raw failed"
		return 1
	fi
	dd if="$tmp/part.img" of="$tmp/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none || {
		img_fail "dd of the filesystem into the disk image failed"
		return 1
	}
	rm -f "$tmp/part.img"

	# the first run: the tree's own kernel booted directly, with an
	# initramfs the host's dracut builds from the tree's modules (vm.bash)
	# shellcheck disable=SC2034 # read by vm_initramfs
	VM_KROOT=$IMG_TREE
	VM_KVER=$(find "$IMG_TREE/lib/modules/" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
	VM_KERNEL=$IMG_TREE/boot/vmlinuz-$VM_KVER
	if [ ! -f "$VM_KERNEL" ] || [ ! -f "$IMG_TREE/lib/modules/$VM_KVER/modules.dep" ]; then
		img_fail "no installed kernel with modules.dep in $IMG_TREE"
		return 1
	fi
	# with the image's static early-pin (vm.bash takes $BUILD/early-pin,
	# which is dynamic in a SANITIZE=1 tree)
	BUILD=$IMG_QC_BUILD vm_initramfs plain || return 1
	script=$tmp/install.sh
	cat >"$script" <<-'EOF'
		cd /root/qc-debs || exit 1
		# dracut replaces initramfs-tools (they conflict; the kernel
		# depends on one of them); its trigger builds the initramfs of
		# the installed kernel, now with early-pin
		qc_run dpkg-dracut sh -c 'dpkg --purge --force-depends initramfs-tools initramfs-tools-core &&
			dpkg -i dracut_*.deb'
		# a second kernel (6.12 images): its postinst runs dracut
		if ls linux-image-*.deb >/dev/null 2>&1; then
			qc_run dpkg-kernel dpkg -i linux-image-*.deb
		fi
		qc_run grub-install grub-install /dev/vda
		qc_run update-grub update-grub
		qc_run initramfs-modules sh -c 'for f in /boot/initrd.img-*; do echo "== $f"; lsinitrd -m "$f"; done'
		cd /
		rm -rf /root/qc-debs /var/lib/qc-driver
		qc_poweroff
	EOF
	img_qemu "install-$flavor-$variant" "$tmp/disk.raw,format=raw" "$((IMG_TIMEOUT * 2))" \
		-smp 1 -no-reboot \
		-kernel "$VM_KERNEL" -initrd "$VM_INITRD" \
		-append "console=ttyS0 panic=-1 rd.shell=0 rd.emergency=poweroff root=/dev/vda1 ro rootfstype=ext4" \
		-fw_cfg "name=opt/quietcore/cmd,file=$script" || return 1
	img_expect_rc 1 dpkg-dracut 0 || return 1
	[ "$flavor" = 6.1 ] || img_expect_rc 1 dpkg-kernel 0 || return 1
	img_expect_rc 1 grub-install 0 || return 1
	img_expect_rc 1 update-grub 0 || return 1
	# every initramfs of the image has our module (and systemd or not)
	local mods n
	mods=$(img_section 1 initramfs-modules)
	n=$(grep -c '^== ' <<<"$mods")
	if [ "$n" -lt 1 ] || [ "$(grep -cx 'early-pin' <<<"$mods")" -ne "$n" ]; then
		echo "$mods" >&2
		img_fail "not every initramfs of the image has the early-pin module"
		return 1
	fi
	if [ "$variant" = systemd ]; then
		[ "$(grep -cx 'systemd' <<<"$mods")" -eq "$n" ]
	else
		! grep -qx 'systemd' <<<"$mods"
	fi || { echo "$mods" >&2; img_fail "the initramfs of the image is not the '$variant' variant"; return 1; }
}

# img_overlay NAME: a fresh qcow2 overlay of IMG_BASE; sets IMG_OVERLAY
img_overlay() {
	mkdir -p "$VM_WORK" || return 1
	IMG_OVERLAY=$VM_WORK/img-$1.qcow2
	rm -f "$IMG_OVERLAY"
	qemu-img create -q -f qcow2 -F raw -b "$IMG_BASE" "$IMG_OVERLAY" >/dev/null || {
		img_fail "qemu-img create overlay of $IMG_BASE failed"
		return 1
	}
}

# img_boot NAME SCRIPT [QEMU ARGS...]: boot an overlay of IMG_BASE through GRUB
img_boot() {
	local name=$1 script=$2
	shift 2
	img_overlay "$name" || return 1
	img_qemu "$name" "$IMG_OVERLAY,format=qcow2" "$IMG_TIMEOUT" \
		-fw_cfg "name=opt/quietcore/cmd,file=$script" "$@"
}

img_ssh_keygen() {
	IMG_SSH_KEY=$BATS_FILE_TMPDIR/qc-ssh-key
	rm -f "$IMG_SSH_KEY" "$IMG_SSH_KEY.pub"
	ssh-keygen -q -t ed25519 -N '' -C "quietcore-test-$$" -f "$IMG_SSH_KEY" >/dev/null ||
		{ img_fail "ssh-keygen failed"; return 1; }
	# shellcheck disable=SC2034 # read by the tests
	IMG_SSH_PUB=$(cat "$IMG_SSH_KEY.pub")
}

# the options every SSH connection to the guest uses (ssh and Ansible):
# the guest's host keys come with the cached image, the port changes per run
IMG_SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=8)

img_ssh() { # img_ssh CMD...: as root in the guest
	ssh "${IMG_SSH_OPTS[@]}" -i "$IMG_SSH_KEY" -p "$IMG_SSH_PORT" root@127.0.0.1 "$@" </dev/null
}

# A free port on 127.0.0.1 for QEMU's forward; QEMU fails at once when
# another process took it in between (img_start then tries another).
img_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# img_start NAME SCRIPT [QEMU ARGS...]: boot in the background with SSH
# forwarded; until img_finish (or img_stop) the guest runs
img_start() {
	local name=$1 script=$2
	shift 2
	command -v ssh >/dev/null || { img_fail "ssh missing on the host (openssh-client)"; return 1; }
	img_overlay "$name" || return 1
	for _ in 1 2 3; do
		IMG_SSH_PORT=$(img_free_port) || { img_fail "no free port on 127.0.0.1"; return 1; }
		img_qemu_start "$name" "$IMG_OVERLAY,format=qcow2" "$IMG_TIMEOUT" \
			-fw_cfg "name=opt/quietcore/cmd,file=$script" \
			-nic "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:$IMG_SSH_PORT-:22" "$@" || return 1
		sleep 2
		kill -0 "$IMG_PID" 2>/dev/null && return 0
		if ! grep -q 'forwarding' "$IMG_LOG.qemu" 2>/dev/null; then
			img_qemu_wait
			img_fail "$name: qemu did not start"
			return 1
		fi
		wait "$IMG_PID"
		IMG_PID=
	done
	cat "$IMG_LOG.qemu" >&2
	img_fail "$name: qemu could not forward a port to the guest's SSH (3 tries)"
}

# img_ssh_wait: SSH answers (sshd up, the key authorized) within IMG_TIMEOUT
img_ssh_wait() {
	local deadline=$(($(date +%s) + IMG_TIMEOUT))
	while ! img_ssh true 2>"$VM_WORK/ssh-wait.err"; do
		if ! kill -0 "$IMG_PID" 2>/dev/null; then
			img_qemu_wait
			img_fail "$IMG_NAME: QEMU ended before SSH answered: $(cat "$VM_WORK/ssh-wait.err")"
			return 1
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			img_show_log
			img_fail "$IMG_NAME: no SSH on 127.0.0.1:$IMG_SSH_PORT after ${IMG_TIMEOUT}s: $(cat "$VM_WORK/ssh-wait.err")"
			return 1
		fi
		sleep 5
	done
}

# img_finish: end the report from inside the guest, wait for QEMU to exit,
# judge the run as img_boot does
img_finish() {
	img_ssh /usr/local/sbin/qc-driver end >/dev/null 2>&1
	img_qemu_wait
}

img_stop() {
	[ -n "${IMG_PID:-}" ] || return 0
	kill "$IMG_PID" 2>/dev/null
	wait "$IMG_PID" 2>/dev/null
	IMG_PID=
}

# img_deb PACKAGE: the candidate .deb of PACKAGE, cached; sets IMG_DEB
img_deb() {
	local pkg=$1 ver dir f
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[ -n "$ver" ] || { img_fail "apt-cache knows no version of $pkg"; return 1; }
	dir=$IMG_CACHE/deb
	f=$dir/${pkg}_${ver//:/%3a}_$(dpkg --print-architecture).deb
	[ -f "$f" ] || f=$dir/${pkg}_${ver//:/%3a}_all.deb
	if [ ! -f "$f" ]; then
		mkdir -p "$dir" || return 1
		if ! (cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver") >"$dir/download.log" 2>&1; then
			cat "$dir/download.log" >&2
			img_fail "apt-get download $pkg=$ver failed"
			return 1
		fi
		f=$(find "$dir" -maxdepth 1 -name "${pkg}_${ver//:/%3a}_*.deb" | head -1)
	fi
	[ -f "$f" ] || { img_fail "no .deb of $pkg $ver in $dir"; return 1; }
	IMG_DEB=$f
}
