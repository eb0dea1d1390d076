#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Debian package: `dpkg-buildpackage -us -uc -b` on a copy of the tree
# (tracked and new files, no build directories), lintian, the contents
# against `make install`, the tools run from the unpacked package, and a
# real `dpkg -i` / `dpkg --purge` inside a Debian root made by debootstrap
# (the cached tree of tests/vm/image.bash, shared with the QEMU tests).
#
# The package is built with DEB_BUILD_OPTIONS=nocheck: the unit tests it
# would run are the ones tests/run.sh unit runs anyway.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	local src=$BATS_FILE_TMPDIR/src/quietcore log=$BATS_FILE_TMPDIR/dpkg-buildpackage.log
	mkdir -p "$src"
	(cd "$QC_TOP" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -c) | tar -x -C "$src"
	# git keeps no empty directories; the fixtures that are one are
	# remade by their generator when needed, the package does not use them.
	# A release build: not sanitized, whatever this test run is (SANITIZE=1
	# in the environment would reach debian/rules' make).
	if ! (cd "$src" && env -u SANITIZE DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
		tail -40 "$log" >&3
		return 1
	fi
	DEB_VERSION=$(cd "$src" && dpkg-parsechangelog -S Version)
	DEB=$BATS_FILE_TMPDIR/src/quietcore_${DEB_VERSION}_$(dpkg --print-architecture).deb
	export DEB DEB_VERSION
}

setup() {
	[ -f "$DEB" ] || fail "no .deb was built (see dpkg-buildpackage.log in $BATS_FILE_TMPDIR)"
}

@test "dpkg-buildpackage builds the .deb: its Depends, Recommends and the initramfs trigger" {
	run -0 dpkg-deb -f "$DEB" Package Version Architecture Depends Recommends
	assert_line "Package: quietcore"
	assert_line "Version: $DEB_VERSION"
	assert_line --regexp '^Depends: dracut-core \| dracut, .*libjson-c5.*'
	assert_line --regexp '^Depends: .*libkmod2'
	assert_line --regexp '^Depends: .*libsystemd0'
	assert_line "Recommends: dracut"
	# shellcheck disable=SC2016 # $1 is the inner sh's
	run -0 sh -c 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./triggers' _ "$DEB"
	assert_line "activate-noawait update-initramfs"
}

@test "lintian reports no error and no warning" {
	requires lintian
	run lintian --fail-on error,warning "$BATS_FILE_TMPDIR/src/quietcore_${DEB_VERSION}_$(dpkg --print-architecture).changes"
	assert_success
	refute_line --regexp '^[EW]: '
}

# "MODE PATH" of every file and symlink in the .deb, man pages without .gz
deb_files() {
	dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { m = $1; p = $6; sub(/^\./, "", p); sub(/\.gz$/, "", p);
		printf "%s %s\n", m, p }' | grep -v ' /usr/share/doc/' | LC_ALL=C sort
}

@test "the .deb holds exactly what make install puts in place, with the same modes" {
	local d=$BATS_TEST_TMPDIR/dest
	run -0 make -s -C "$QC_TOP" BUILD="$BUILD" DESTDIR="$d" PREFIX=/usr \
		DRACUTMODDIR=/usr/lib/dracut/modules.d DRACUTCONFDIR=/usr/lib/dracut/dracut.conf.d \
		SYSTEMDUNITDIR=/lib/systemd/system install
	local want
	want=$(cd "$d" && find . \( -type f -o -type l \) -printf '%M /%P\n' | LC_ALL=C sort)
	run -0 deb_files
	assert_output "$want"
	run -0 dpkg-deb -c "$DEB"
	assert_line --partial "./usr/share/doc/quietcore/copyright"
	assert_line --partial "./usr/share/doc/quietcore/README.md.gz"
}

@test "early-pin in the package is linked dynamically with libkmod.so.2 and libc only (see debian/rules)" {
	local r=$BATS_TEST_TMPDIR/x
	dpkg-deb -x "$DEB" "$r"
	# shellcheck disable=SC2016 # $1 is the inner sh's
	run -0 sh -c 'LC_ALL=C readelf -d "$1" | sed -n "s/.*(NEEDED).*\[\(.*\)\]/\1/p" | sort' _ "$r/usr/sbin/early-pin"
	assert_output "libc.so.6
libkmod.so.2"
}

@test "quietcore-unit in the package is in /usr/libexec/quietcore, linked with libsystemd.so.0; early-pin names that path" {
	local r=$BATS_TEST_TMPDIR/x
	dpkg-deb -x "$DEB" "$r"
	# shellcheck disable=SC2016 # $1 is the inner sh's
	run -0 sh -c 'LC_ALL=C readelf -d "$1" | sed -n "s/.*(NEEDED).*\[\(.*\)\]/\1/p" | sort' _ "$r/usr/libexec/quietcore/quietcore-unit"
	assert_line "libsystemd.so.0"
	grep -qaF /usr/libexec/quietcore/quietcore-unit "$r/usr/sbin/early-pin"
	run -0 "$r/usr/libexec/quietcore/quietcore-unit" --help
	assert_line --partial "early-pin(8)"
}

@test "the tools run from the unpacked package: --version, --help, cmdline-gen --root on a fixture" {
	local r=$BATS_TEST_TMPDIR/x p fx
	dpkg-deb -x "$DEB" "$r"
	for p in cmdline-gen early-pin isol-verify; do
		run -0 "$r/usr/sbin/$p" --version
		assert_output --partial "${DEB_VERSION%%-*}"
		run -0 "$r/usr/sbin/$p" --help
		assert_line --partial "$p(8)"
	done
	fx=$BATS_TEST_TMPDIR/fx
	cp -a "$QC_TOP/tests/fixtures/boot/debian" "$fx"
	run -0 --separate-stderr "$r/usr/sbin/cmdline-gen" --root "$fx" --profile minimal --json
	assert_equal "$(jq -r .isolated <<<"$output")" "1-3"
	assert_equal "$(jq -r .cmdline <<<"$output")" \
		"isolcpus=domain,managed_irq,1-3 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0"
	run -0 "$r/usr/sbin/early-pin" --root "$fx" --dry-run --housekeeping 0 --skip irq,tasks,wq,freq
}

# A Debian root made by debootstrap: tests/vm/image.bash's stage 1 (bookworm
# minbase with systemd, udev, kmod, a kernel, GRUB, dracut-core, libjson-c5
# and libkmod2), cached in tests/vm/cache/ and copied for this test.
debian_root() {
	load ../vm/vm
	load ../vm/image
	img_tree || return 1
	R=$BATS_TEST_TMPDIR/root
	cp -a "$IMG_TREE" "$R"
}

@test "dpkg -i into a debootstrap root: installed, unit enabled, timer not, initramfs trigger pending; tools run; dracut's next initramfs runs early-pin; purge leaves nothing" {
	requires root debootstrap chroot cpio
	debian_root
	cp "$DEB" "$R/tmp/quietcore.deb"
	# triggers are left pending here: processing them is initramfs-tools'
	# or dracut's own update-initramfs run, not ours
	run -0 chroot "$R" dpkg -i --no-triggers /tmp/quietcore.deb
	# shellcheck disable=SC2016 # dpkg-query's format fields, not shell
	run -0 chroot "$R" dpkg-query -W -f='${Status} ${Version}' quietcore
	assert_output "install ok installed $DEB_VERSION"
	# shellcheck disable=SC2016 # dpkg-query's format fields, not shell
	run -0 chroot "$R" dpkg-query -W -f='${Status}\n' initramfs-tools dracut
	assert_line --partial "triggers-pending"
	[ -L "$R/etc/systemd/system/multi-user.target.wants/early-pin.service" ]
	[ ! -e "$R/etc/systemd/system/timers.target.wants/isol-verify-textfile.timer" ]
	run -0 chroot "$R" systemctl is-enabled early-pin.service
	run chroot "$R" systemctl is-enabled isol-verify-textfile.timer
	assert_output "disabled"
	# the run-time partition: shipped, enabled only by cmdline-gen --apply --runtime
	[ -f "$R/lib/systemd/system/quietcore-partition.service" ]
	[ ! -e "$R/etc/systemd/system/sysinit.target.wants/quietcore-partition.service" ]
	run chroot "$R" systemctl is-enabled quietcore-partition.service
	assert_output "disabled"
	# the tools, with the root's own libraries
	for p in cmdline-gen early-pin isol-verify; do
		run -0 chroot "$R" "$p" --help
	done
	run -0 chroot "$R" /usr/libexec/quietcore/quietcore-unit --help
	cp -a "$QC_TOP/tests/fixtures/boot/debian" "$R/tmp/fx"
	run -0 --separate-stderr chroot "$R" cmdline-gen --root /tmp/fx --profile minimal --json
	assert_equal "$(jq -r .isolated <<<"$output")" "1-3"
	[ -f "$R/usr/share/man/man8/early-pin.8.gz" ]
	run -0 chroot "$R" test -x /usr/lib/dracut/modules.d/95early-pin/module-setup.sh
	# the next initramfs the root's dracut builds has early-pin: asked for
	# only "base", the package's dracut.conf.d snippet adds the module; the
	# dynamic early-pin gets its libkmod.so.2 and runs inside the image
	local kver mods=("$R"/lib/modules/*/)
	[ -d "${mods[0]}" ] || fail "no kernel modules in the test root"
	kver=$(basename "${mods[0]}")
	run -0 chroot "$R" dracut --force --no-hostonly --no-hostonly-cmdline --modules base \
		--no-compress /tmp/initrd.img "$kver"
	run -0 chroot "$R" lsinitrd -m /tmp/initrd.img
	assert_line early-pin
	local ird=$BATS_TEST_TMPDIR/initrd
	mkdir -p "$ird"
	(cd "$ird" && cpio -id --quiet <"$R/tmp/initrd.img")
	[ -x "$ird/usr/lib/dracut/hooks/pre-udev/10-early-pin-pre-udev.sh" ]
	[ -x "$ird/usr/lib/dracut/hooks/pre-pivot/90-early-pin-pre-pivot.sh" ]
	run -0 chroot "$ird" /usr/sbin/early-pin --version
	assert_output --partial "$DEB_VERSION"
	local files
	files=$(chroot "$R" dpkg -L quietcore | grep -E '/(sbin|dracut|systemd)/')
	[ -n "$files" ]
	run -0 chroot "$R" dpkg --purge quietcore
	local f
	for f in $files; do
		[ ! -f "$R$f" ] || fail "$f left after purge"
	done
	[ ! -e "$R/usr/lib/dracut/modules.d/95early-pin" ]
	[ ! -e "$R/usr/libexec/quietcore" ]
	[ ! -e "$R/etc/systemd/system/multi-user.target.wants/early-pin.service" ]
}

# The RPM spec, built for real with Debian's rpm (no Fedora macros or
# packages here: --nodeps, no %check): %build, %install and a %files list
# that rpm's check-files finds complete.
@test "contrib/rpm/quietcore.spec: rpmspec parses it, rpmbuild -bs and -bb build it, %files is complete" {
	requires rpmbuild rpmspec
	local top=$BATS_TEST_TMPDIR/rpm spec=$QC_TOP/contrib/rpm/quietcore.spec ver
	ver=$(rpmspec -q --qf '%{VERSION}\n' "$spec" | head -1)
	assert_equal "$ver" "${DEB_VERSION%%-*}"
	run -0 rpmspec -P "$spec"
	assert_line --partial "EARLYPIN_STATIC=0"
	mkdir -p "$top/SOURCES"
	(cd "$QC_TOP" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -c --transform "s,^,quietcore-$ver/," -z -f "$top/SOURCES/quietcore-$ver.tar.gz")
	run -0 rpmbuild --define "_topdir $top" -bs "$spec"
	[ -f "$top/SRPMS/quietcore-$ver-1.src.rpm" ]
	run -0 rpmbuild --define "_topdir $top" --define "_smp_mflags -j$(nproc)" --nodeps --nocheck -bb "$spec"
	local rpm
	rpm=$(echo "$top"/RPMS/*/quietcore-"$ver"-1.*.rpm)
	[ -f "$rpm" ]
	# shellcheck disable=SC2016 # $1 is the inner sh's
	run -0 sh -c 'rpm -qlp "$1" | grep -v -e /.build-id -e /share/doc/ -e /share/licenses/ | sort' _ "$rpm"
	assert_output "$(printf '%s\n' /usr/lib/dracut/dracut.conf.d/50-early-pin.conf \
		/usr/lib/dracut/modules.d/95early-pin \
		/usr/lib/dracut/modules.d/95early-pin/early-pin-pre-pivot.sh \
		/usr/lib/dracut/modules.d/95early-pin/early-pin-pre-udev.sh \
		/usr/lib/dracut/modules.d/95early-pin/module-setup.sh \
		/usr/lib/systemd/system/early-pin.service \
		/usr/lib/systemd/system/isol-alloc.service /usr/lib/systemd/system/isol-alloc.socket \
		/usr/lib/systemd/system/isol-verify-textfile.service \
		/usr/lib/systemd/system/isol-verify-textfile.timer \
		/usr/lib/systemd/system/quietcore-partition.service \
		/usr/lib/sysusers.d/isol-alloc.conf \
		/usr/libexec/quietcore /usr/libexec/quietcore/quietcore-unit \
		/usr/sbin/cmdline-gen /usr/sbin/early-pin /usr/sbin/isol-alloc /usr/sbin/isol-verify \
		/usr/share/man/man7/quietcore.7 /usr/share/man/man8/cmdline-gen.8 \
		/usr/share/man/man8/early-pin.8 /usr/share/man/man8/isol-alloc.8 \
		/usr/share/man/man8/isol-verify.8 | sort)"
	run -0 rpm -qp --requires "$rpm"
	assert_line "dracut"
	assert_line --partial "libkmod.so.2"
	assert_line --partial "libsystemd.so.0"
}
