# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash disable=SC2034
# (SC2034: the VM_* variables set here are read by the .bats files)
#
# QEMU boot-test harness for tests/vm/*.bats (load it with `load vm`).
#
# Real Debian kernels (fetched with apt-get download, never installed), an
# initramfs built by the real dracut with our dracut module, a tiny ext4 root
# (busybox + early-pin + isol-verify + tests/vm/guest-init.sh as /sbin/init)
# and QEMU under TCG. The guest writes its findings to a second serial port;
# the tests assert on them. Nothing here skips: a missing QEMU, kernel or
# dracut fails the test with the reason.
#
#   vm_kernel FLAVOR         6.1 | 6.12 | 6.1-rt: sets VM_KVER, VM_KROOT,
#                            VM_KERNEL (cached, depmod'ed); 6.1-rt is the
#                            PREEMPT_RT kernel, the one with osnoise
#   vm_initramfs VARIANT     plain | systemd: sets VM_INITRD (cached by inputs)
#   vm_rtla                  (after vm_kernel) Debian's rtla of the kernel's
#                            version, cached: sets VM_RTLA
#   vm_rootfs                sets VM_ROOTFS ($BUILD/vm/rootfs.img)
#   vm_boot NAME APPEND [QEMU ARGS...]
#                            boots, sets VM_LOG (console) and VM_RESULTS (guest
#                            report); fails on timeout or missing report;
#                            VM_DISK_QUEUES: virtio queues of the root disk
#                            (default 1, see vm_boot); VM_TCG: the -accel
#                            value, tcg or tcg,thread=single (see vm_boot)
#   vm_section NAME          prints one section of $VM_RESULTS
#
# Caches (kernels, initramfs images) live in tests/vm/cache/ (gitignored),
# or $QC_VM_CACHE; every key includes the versions of its inputs.

VM_CACHE=${QC_VM_CACHE:-$QC_TOP/tests/vm/cache}
VM_TIMEOUT=${QC_VM_TIMEOUT:-480}
VM_WORK=$BUILD/vm
VM_LOGDIR=$BUILD/test-logs
VM_LOG_SHOWN=

vm_fail() { # print the reason where bats shows it, and fail
	echo "vm: $*" >&2
	return 1
}

vm_lock() { # vm_lock NAME: serialise cache writers across build trees
	mkdir -p "$VM_CACHE" || return 1
	exec {VM_LOCK_FD}>"$VM_CACHE/.$1.lock" || return 1
	flock "$VM_LOCK_FD"
}

vm_unlock() {
	exec {VM_LOCK_FD}>&-
}

vm_require_host() { # the host tools the harness cannot work without
	local t missing=()
	for t in qemu-system-x86_64 dracut apt-get apt-cache dpkg-deb depmod mke2fs busybox mountpoint flock timeout jq sha256sum; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ -x /bin/busybox ] || missing+=(/bin/busybox)
	[ ${#missing[@]} -eq 0 ] || vm_fail "missing on the host: ${missing[*]} (run 'make deps')"
}

# The Debian package of a kernel flavour: the 6.1 cloud kernel the
# linux-image-cloud-amd64 metapackage points at, the newest 6.12 cloud
# kernel of the archive (6.12 changed managed-IRQ write errors to EPERM),
# and the 6.1 PREEMPT_RT kernel linux-image-rt-amd64 points at: the only
# Debian 12 kernel with the osnoise and timerlat tracers (the cloud
# kernels have CONFIG_OSNOISE_TRACER unset), for isol-verify --noise.
vm_kernel_pkg() {
	local pkg
	case $1 in
	6.1)
		pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			sed -nE 's/^ *Depends: (linux-image-6\.1\.[^ ]*-cloud-amd64)$/\1/p' | head -1)
		;;
	6.1-rt)
		pkg=$(apt-cache depends linux-image-rt-amd64 2>/dev/null |
			sed -nE 's/^ *Depends: (linux-image-6\.1\.[^ ]*-rt-amd64)$/\1/p' | head -1)
		;;
	6.12)
		pkg=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$' 2>/dev/null |
			awk '{print $1}' | sort -V | tail -1)
		;;
	*)
		vm_fail "unknown kernel flavour '$1'"
		return 1
		;;
	esac
	[ -n "$pkg" ] || { vm_fail "no Debian package found for kernel $1 (apt-get update?)"; return 1; }
	echo "$pkg"
}

vm_kernel() { # vm_kernel FLAVOR
	local pkg ver dir tmp deb
	pkg=$(vm_kernel_pkg "$1") || return 1
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[ -n "$ver" ] || { vm_fail "apt-cache knows no version of $pkg"; return 1; }
	dir=$VM_CACHE/kernel/${pkg}_$ver
	if [ ! -f "$dir/.done" ]; then
		vm_lock kernel || return 1
		if [ ! -f "$dir/.done" ]; then
			tmp=$(mktemp -d "$VM_CACHE/.kernel.XXXXXX") || { vm_unlock; return 1; }
			if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver") >"$tmp/download.log" 2>&1; then
				cat "$tmp/download.log" >&2
				rm -rf "$tmp"
				vm_unlock
				vm_fail "apt-get download $pkg=$ver failed"
				return 1
			fi
			deb=$(echo "$tmp"/*.deb)
			if ! dpkg-deb -x "$deb" "$tmp/root"; then
				rm -rf "$tmp"
				vm_unlock
				vm_fail "dpkg-deb -x $deb failed"
				return 1
			fi
			VM_KVER=$(basename "$(echo "$tmp"/root/lib/modules/*)")
			if ! depmod -b "$tmp/root" "$VM_KVER"; then
				rm -rf "$tmp"
				vm_unlock
				vm_fail "depmod -b for $VM_KVER failed"
				return 1
			fi
			echo "$VM_KVER" >"$tmp/root/.kver"
			rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && mv "$tmp/root" "$dir" &&
				touch "$dir/.done"
			rm -rf "$tmp"
		fi
		vm_unlock
	fi
	VM_KROOT=$dir
	VM_KVER=$(cat "$dir/.kver")
	VM_KERNEL=$dir/boot/vmlinuz-$VM_KVER
	[ -f "$VM_KERNEL" ] || { vm_fail "no kernel image in $dir"; return 1; }
}

# A dracut whose modules.d is the host's plus ours from the source tree, and
# an early-pin found through DRACUT_PATH: nothing is installed on the host.
# It lives outside $BUILD: the top Makefile includes every *.d under $BUILD.
vm_dracut_base() { # vm_dracut_base DIR
	local base=$1 f
	mkdir -p "$base/modules.d" "$base/bin" "$base/conf" || return 1
	for f in /usr/lib/dracut/*; do
		[ "$(basename "$f")" = modules.d ] || ln -s "$f" "$base/"
	done
	for f in /usr/lib/dracut/modules.d/*; do
		ln -s "$f" "$base/modules.d/"
	done
	ln -s "$QC_TOP/dracut-module/95early-pin" "$base/modules.d/95early-pin"
	# Our dracut.conf.d snippet is what adds the module (it is not in -m).
	cp "$QC_TOP/dracut-module/early-pin.conf" "$base/conf/"
	: >"$base/dracut.conf"
	ln -s "$BUILD/early-pin" "$base/bin/early-pin"
}

vm_initramfs() { # vm_initramfs plain|systemd (after vm_kernel)
	local variant=$1 mods key img tmp base dver log
	[ -x "$BUILD/early-pin" ] || { vm_fail "$BUILD/early-pin is not built"; return 1; }
	case $variant in
	plain) mods="base rootfs-block" ;;
	systemd) mods="systemd systemd-initrd base rootfs-block" ;;
	*) vm_fail "unknown initramfs variant '$variant'"; return 1 ;;
	esac
	dver=$(dpkg-query -W -f='${Version}' dracut-core 2>/dev/null)
	key=$( {
		echo "$VM_KVER $VM_KROOT $variant $mods $dver"
		sha256sum "$BUILD/early-pin" "$QC_TOP"/dracut-module/95early-pin/* "$QC_TOP/dracut-module/early-pin.conf" | cut -d' ' -f1
	} | sha256sum | cut -c1-16)
	img=$VM_CACHE/initramfs/$VM_KVER-$variant-$key.img
	if [ ! -f "$img" ]; then
		mkdir -p "$VM_CACHE/initramfs" "$VM_LOGDIR" || return 1
		base=$(mktemp -d "${TMPDIR:-/tmp}/qc-dracut.XXXXXX") || return 1
		vm_dracut_base "$base" || { rm -rf "$base"; return 1; }
		log=$VM_LOGDIR/vm-dracut-$VM_KVER-$variant.log
		# several build trees may build the same image at once: each its own temp
		tmp=$(mktemp "$img.XXXXXX") || { rm -rf "$base"; return 1; }
		if ! dracutbasedir=$base DRACUT_PATH="/usr/sbin /usr/bin /sbin /bin $base/bin" \
			timeout 600 dracut --force --quiet --no-hostonly --no-hostonly-cmdline --no-early-microcode \
			--conf "$base/dracut.conf" --confdir "$base/conf" --tmpdir "$base" \
			-m "$mods" --add-drivers "virtio_pci virtio_blk ext4" --no-compress \
			--kver "$VM_KVER" --kmoddir "$VM_KROOT/lib/modules/$VM_KVER" \
			"$tmp" >"$log" 2>&1; then
			tail -30 "$log" >&2
			rm -f "$tmp"
			rm -rf "$base"
			vm_fail "dracut failed for $VM_KVER/$variant (log: $log)"
			return 1
		fi
		rm -rf "$base"
		chmod 0644 "$tmp" && mv "$tmp" "$img" || return 1
		# every early-pin build makes a new image: keep the newest few per
		# kernel and variant (other build trees may be using them)
		find "$VM_CACHE/initramfs" -maxdepth 1 -name "$VM_KVER-$variant-*.img" -printf '%T@ %p\n' |
			sort -rn | tail -n +7 | while read -r _ f; do rm -f "$f"; done
	fi
	VM_INITRD=$img
}

vm_copy_with_libs() { # vm_copy_with_libs BINARY ROOTDIR DEST: a dynamic program and its libraries
	local bin=$1 root=$2 dest=$3 lib
	install -D -m 0755 "$bin" "$root$dest" || return 1
	while read -r lib; do
		[ -f "$lib" ] || continue
		install -D -m 0755 "$lib" "$root$lib" || return 1
	done < <(ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' | sort -u)
}

# vm_rtla (after vm_kernel 6.1-rt): Debian's rtla of the kernel's own source
# version (both come from src:linux), fetched with apt-get download and
# cached; sets VM_RTLA, the extracted binary. It needs only libtracefs1 and
# libtraceevent1, which isol-verify needs on the host too: vm_copy_with_libs
# takes them from there.
vm_rtla() {
	local ver=${VM_KROOT##*_} dir tmp
	[ -n "$ver" ] || { vm_fail "vm_rtla: no kernel version (vm_kernel first)"; return 1; }
	dir=$VM_CACHE/rtla/rtla_$ver
	if [ ! -f "$dir/.done" ]; then
		vm_lock rtla || return 1
		if [ ! -f "$dir/.done" ]; then
			tmp=$(mktemp -d "$VM_CACHE/.rtla.XXXXXX") || { vm_unlock; return 1; }
			if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "rtla=$ver") >"$tmp/download.log" 2>&1 ||
				! dpkg-deb -x "$tmp"/rtla_*.deb "$tmp/root"; then
				cat "$tmp/download.log" >&2
				rm -rf "$tmp"
				vm_unlock
				vm_fail "no rtla $ver: apt-get download rtla=$ver failed (the kernel's own version)"
				return 1
			fi
			rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && mv "$tmp/root" "$dir" && touch "$dir/.done"
			rm -rf "$tmp"
		fi
		vm_unlock
	fi
	VM_RTLA=$dir/usr/bin/rtla
	[ -x "$VM_RTLA" ] || { vm_fail "no usr/bin/rtla in $dir"; return 1; }
	if ldd "$VM_RTLA" 2>/dev/null | grep -q 'not found'; then
		ldd "$VM_RTLA" >&2
		vm_fail "rtla's libraries are missing on the host (libtracefs1, libtraceevent1: run 'make deps')"
		return 1
	fi
}

# The guest's root filesystem: busybox, our programs, the test init.
vm_rootfs() {
	local root=$VM_WORK/rootfs a
	rm -rf "$root" && mkdir -p "$root"/{bin,sbin,usr/sbin,usr/bin,proc,sys,dev,run,tmp,etc,root} || return 1
	cp /bin/busybox "$root/bin/busybox" || return 1
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
	done
	install -m 0755 "$QC_TOP/tests/vm/guest-init.sh" "$root/sbin/init" || return 1
	install -D -m 0644 "$QC_TOP/tests/vm/guest/tables.sh" "$root/usr/lib/qc-guest/tables.sh" || return 1
	# Debian's busybox has no mountpoint applet: without one the init mounts
	# a fresh tmpfs over the /run that switch_root brought along, hiding what
	# the initramfs left there (early-pin's /run/quietcore/immovable-irqs)
	vm_copy_with_libs "$(command -v mountpoint)" "$root" /usr/bin/mountpoint || return 1
	[ -x "$BUILD/early-pin" ] || { vm_fail "$BUILD/early-pin is not built"; return 1; }
	vm_copy_with_libs "$BUILD/early-pin" "$root" /usr/sbin/early-pin || return 1
	# the other programs join the guest once they are part of the build
	local p
	for p in isol-verify cmdline-gen; do
		[ -x "$BUILD/$p" ] || continue
		vm_copy_with_libs "$BUILD/$p" "$root" "/usr/sbin/$p" || return 1
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	# systemd's switch-root refuses a new root without os-release
	printf 'NAME="quietcore test guest"\nID=qc-guest\n' >"$root/etc/os-release"
	rm -f "$VM_WORK/rootfs.img"
	mke2fs -q -t ext4 -L qc-root -d "$root" "$VM_WORK/rootfs.img" 64M || {
		vm_fail "mke2fs -d failed"
		return 1
	}
	VM_ROOTFS=$VM_WORK/rootfs.img
}

# vm_boot NAME APPEND [QEMU ARGS...]: one TCG boot of $VM_KERNEL/$VM_INITRD on
# $VM_ROOTFS. Default -smp 4 -m 512; extra QEMU arguments come last and win.
#
# The root disk has VM_DISK_QUEUES virtio queues, 1 unless a test asks for
# more. With a queue per CPU (QEMU's default) every queue's IRQ is managed
# and pinned to its own CPU: the kernel keeps the isolated CPUs' queue IRQs
# on them whatever isolcpus=managed_irq says, early-pin finds them immovable,
# and the right verdict of isol-verify is WARNING, not OK. The cells that
# check "nothing on the isolated CPUs" need one queue; the cell that checks
# that verdict (early-pin-boot.bats, "a queue per CPU") asks for four.
# vm_crashed_before_init LOG: the guest kernel oopsed or panicked before it
# ran /init, so before any code of ours ran in the guest. Under TCG this
# happens now and then while the kernel patches its own text (an int3 Oops in
# sched_clock_cpu as 6.12 marks sched_clock stable, one boot in about ten on
# a loaded host); it says nothing about quietcore.
vm_crashed_before_init() {
	awk '/Run .* as init process/ { exit 1 } /Oops: |Kernel panic - not syncing/ { found = 1; exit 0 } END { exit !found }' "$1"
}

# vm_boot NAME APPEND [QEMU ARGS...]: boot the test guest; one more boot only
# when the kernel crashed before userspace (vm_crashed_before_init)
vm_boot() {
	vm_boot_once "$@" && return 0
	[ -f "${VM_LOG:-}" ] && vm_crashed_before_init "$VM_LOG" || return 1
	echo "# vm $1: the guest kernel crashed before /init (TCG), booting once more" >&3 2>/dev/null || :
	cp "$VM_LOG" "$VM_LOG.crashed"
	vm_boot_once "$@"
}

vm_boot_once() {
	local name=$1 append=$2 rc start queues=${VM_DISK_QUEUES:-1}
	shift 2
	mkdir -p "$VM_LOGDIR" "$VM_WORK" || return 1
	VM_LOG=$VM_LOGDIR/vm-$name.log
	VM_RESULTS=$VM_LOGDIR/vm-$name.results
	rm -f "$VM_LOG" "$VM_RESULTS"
	VM_LOG_SHOWN=
	start=$(date +%s)
	# -accel tcg, always: KVM hangs on these machines, and a test must never
	# change accelerator behind our back. VM_TCG=tcg,thread=single for a
	# guest that switches tracepoints on and off: with one host thread per
	# vCPU (QEMU 7.2's default) the kernel's text patching (text_poke_bp:
	# int3, then IPIs to every CPU) hangs 6.1 in smp_call_function_many_cond
	# and oopses 6.12 on a stale int3, within seconds when a vCPU is busy;
	# one thread for all vCPUs did not (tests/vm/noise.bats).
	case ${VM_TCG:-tcg} in tcg|tcg,thread=single) ;; *) vm_fail "VM_TCG=$VM_TCG: tcg or tcg,thread=single"; return 1 ;; esac
	timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
		-accel "${VM_TCG:-tcg}" -cpu max -smp 4 -m 512 \
		-no-reboot -display none -monitor none -nic none \
		-kernel "$VM_KERNEL" -initrd "$VM_INITRD" \
		-append "console=ttyS0 panic=-1 rd.shell=0 rd.emergency=poweroff root=/dev/vda rw rootfstype=ext4 $append" \
		-drive "file=$VM_ROOTFS,if=none,id=root,format=raw,snapshot=on" \
		-device "virtio-blk-pci,drive=root,num-queues=$queues" \
		-serial "file:$VM_LOG" -serial "file:$VM_RESULTS" \
		"$@" >"$VM_LOG.qemu" 2>&1
	rc=$?
	sed -i 's/\r$//' "$VM_RESULTS" 2>/dev/null
	VM_SECONDS=$(($(date +%s) - start))
	echo "# vm $name: qemu exit $rc after ${VM_SECONDS}s" >&3 2>/dev/null || :
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		vm_show_log
		vm_fail "$name: timed out after ${VM_TIMEOUT}s (console log: $VM_LOG)"
		return 1
	fi
	if [ $rc -ne 0 ]; then
		cat "$VM_LOG.qemu" >&2
		vm_show_log
		vm_fail "$name: qemu exited with status $rc"
		return 1
	fi
	if ! grep -q '^=== END$' "$VM_RESULTS" 2>/dev/null; then
		vm_show_log
		vm_fail "$name: the guest wrote no complete report (console log: $VM_LOG)"
		return 1
	fi
}

vm_show_log() {
	VM_LOG_SHOWN=1
	echo "----- console of the guest (last 150 lines of ${VM_LOG:-?}) -----" >&2
	tail -150 "$VM_LOG" >&2 2>/dev/null
	echo "----- end of console -----" >&2
}

vm_section() { # vm_section NAME: the lines of one section of the guest report
	awk -v s="=== $1" '$0 == s { f = 1; next } /^=== / { f = 0 } f' "$VM_RESULTS"
}

# cpulist_expand LIST: one CPU number per line ("0-2,5" -> 0 1 2 5)
cpulist_expand() {
	local part a b IFS=,
	for part in $1; do
		case $part in
		*-*) a=${part%-*} b=${part#*-}; seq "$a" "$b" ;;
		'') ;;
		*) echo "$part" ;;
		esac
	done
}

# cpulist_meets A B: true when the two cpulists share a CPU
cpulist_meets() {
	local c
	for c in $(cpulist_expand "$1"); do
		cpulist_expand "$2" | grep -qx "$c" && return 0
	done
	return 1
}

PF_NO_SETAFFINITY=$((0x04000000))

# The checks below print every offender and fail, so a failing test says
# exactly which IRQ or task broke the isolation.

# vm_check_kmsg COUNT PATTERN: exactly COUNT early-pin lines matching PATTERN
vm_check_kmsg() {
	local want=$1 pat=$2 got
	got=$(vm_section kmsg | grep -cE "early-pin: .*$pat" || :)
	if [ "$got" -ne "$want" ]; then
		echo "kernel log lines of early-pin:" >&2
		vm_section kmsg | grep -E 'early-pin' >&2
		vm_fail "expected $want early-pin kmsg line(s) matching '$pat', found $got"
		return 1
	fi
}

# vm_check_irqs_off ISOLATED [SECTION]: no IRQ with a handler has its
# effective affinity on an isolated CPU
vm_check_irqs_off() {
	local iso=$1 sec=${2:-irqs} n smp eff act bad=0
	while read -r n smp eff act; do
		[ "$act" != - ] || continue
		[ "$eff" != - ] || eff=$smp
		if cpulist_meets "$eff" "$iso"; then
			echo "IRQ $n ($act): effective affinity $eff (smp_affinity $smp) reaches isolated CPUs $iso" >&2
			bad=$((bad + 1))
		fi
	done < <(vm_section "$sec")
	[ "$bad" -eq 0 ] || vm_fail "$bad IRQ(s) on isolated CPUs"
}

# vm_check_tasks_off ISOLATED [SECTION]: no movable task (no PF_NO_SETAFFINITY)
# is allowed on an isolated CPU
vm_check_tasks_off() {
	local iso=$1 sec=${2:-tasks} tid start flags allowed comm bad=0 n=0
	while read -r tid start flags allowed comm; do
		n=$((n + 1))
		((flags & PF_NO_SETAFFINITY)) && continue
		if cpulist_meets "$allowed" "$iso"; then
			echo "task $tid ($comm): allowed on $allowed, reaches isolated CPUs $iso" >&2
			bad=$((bad + 1))
		fi
	done < <(vm_section "$sec")
	[ "$n" -gt 10 ] || { vm_fail "only $n tasks in section $sec: the guest report is broken"; return 1; }
	[ "$bad" -eq 0 ] || vm_fail "$bad movable task(s) allowed on isolated CPUs"
}

# vm_check_queue_irqs_recorded HK ISO: a guest booted with a queue per CPU
# (VM_DISK_QUEUES) on 6.1, whose managed queue IRQs of the isolated CPUs
# cannot leave them: early-pin found them immovable, no other IRQ with a
# handler and no movable task reaches ISO, and isol-verify says WARNING
# (exit 1) naming exactly those queue IRQs, excused by early-pin's record
# in /run/quietcore (written in the initramfs, kept across switch_root).
vm_check_queue_irqs_recorded() {
	vm_check_kmsg 1 "housekeeping=$1 .*immovable=[2-9]" || return 1
	vm_check_tasks_off "$2" || return 1
	# the queue IRQs that stay on ISO (the test is void without them), and
	# every other IRQ with a handler off ISO
	local n smp eff act queues=() bad=0
	while read -r n smp eff act; do
		[ "$act" != - ] || continue
		[ "$eff" != - ] || eff=$smp
		cpulist_meets "$eff" "$2" || continue
		case $act in
		virtio*-req.*) queues+=("$n") ;;
		*)
			echo "IRQ $n ($act): effective affinity $eff reaches $2" >&2
			bad=$((bad + 1))
			;;
		esac
	done < <(vm_section irqs)
	[ "$bad" -eq 0 ] || { vm_fail "$bad movable IRQ(s) on isolated CPUs"; return 1; }
	[ "${#queues[@]}" -ge 2 ] || { vm_fail "expected the queue IRQs of the isolated CPUs $2 there, found: ${queues[*]}"; return 1; }
	# WARNING, exit 1: nothing critical anywhere, the queue IRQs excused by the record
	vm_check_verify 1 || return 1
	local json got want
	json=$(vm_section isol-verify)
	jq -e '.checks[] | select(.id == "irq-affinity") | .status == "warning"
		and .details.early_pin_record.status == "used"
		and (.details.irqs_on_isolated | length) == 0
		and all(.details.immovable_irqs_on_isolated[]; .reason == "early-pin got EIO")' <<<"$json" >/dev/null || {
		jq '.checks[] | select(.id == "irq-affinity")' <<<"$json" >&2
		vm_fail "irq-affinity is not the warning from early-pin's record"
		return 1
	}
	got=$(jq -r '[.checks[] | select(.id == "irq-affinity") | .details.immovable_irqs_on_isolated[].irq] | sort | join(",")' <<<"$json")
	want=$(printf '%s\n' "${queues[@]}" | sort -n | paste -sd,)
	[ "$got" = "$want" ] || { vm_fail "isol-verify names IRQs $got as immovable, the queue IRQs on $2 are $want"; return 1; }
	jq -r '.checks[] | select(.id == "irq-affinity") | .message' <<<"$json" | grep -q 'virtio.*-req\..*is immovable (early-pin got EIO)' ||
		{ vm_fail "the irq-affinity message does not name a queue IRQ"; return 1; }
	[ "$(jq -r '[.checks[] | select(.status == "critical")] | length' <<<"$json")" -eq 0 ] ||
		{ vm_fail "isol-verify has a critical check"; return 1; }
}

# vm_check_verify STATUS: isol-verify --json ran in the guest with this
# overall status (exit code 0 OK, 1 WARNING, 2 CRITICAL)
vm_check_verify() {
	local want=$1 rc
	rc=$(vm_section isol-verify-rc)
	if [ -z "$rc" ]; then
		vm_fail "isol-verify did not run in the guest"
		return 1
	fi
	if ! vm_section isol-verify | jq -e . >/dev/null 2>&1; then
		vm_section isol-verify >&2
		vm_fail "isol-verify --json printed no valid JSON"
		return 1
	fi
	if [ "$rc" -ne "$want" ]; then
		vm_section isol-verify >&2
		vm_section isol-verify-stderr >&2
		vm_fail "isol-verify exited $rc, expected $want"
		return 1
	fi
}
