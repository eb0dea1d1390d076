#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# First contact: a bare Debian machine with only gcc, make, libc6-dev,
# pkg-config and git (a debootstrap --variant=minbase chroot, cached by
# image.bash), a clone of this repository, and the README's commands typed
# as a newcomer would, with no other step:
#   - as a user who is not root, every `make TARGET` the README names stops
#     before compiling anything, with one line naming the missing Debian
#     packages and the command that installs them;
#   - as root, `make run` installs what it lacks and prints the plan for this
#     host, `make` builds everything (early-pin static), `make install
#     DESTDIR=...` installs it, `make check-unit` runs the unit tests.
# A target that needs a step the README does not name fails here.
#
# The chroot is an overlay of the cached tree in a mount namespace of its
# own: /proc, /sys and /dev are mounted there and vanish with it. apt-get in
# the chroot reaches the same Debian mirror as the host.
# shellcheck disable=SC2016 # the scripts in single quotes expand in the chroot

load ../bats/helpers
load vm
load image

FC_PACKAGES="gcc,make,libc6-dev,pkg-config,git"

setup_file() {
	[ "$(id -u)" -eq 0 ] || { echo "first-contact: needs root (chroot, mounts)" >&2; return 1; }
	for t in debootstrap unshare chroot git; do
		command -v "$t" >/dev/null || { echo "first-contact: $t missing on the host" >&2; return 1; }
	done
	img_debootstrap bare "$FC_PACKAGES" || return 1
	FC_LOWER=$IMG_TREE
	FC_DIR=$(mktemp -d "$BUILD/first-contact.XXXXXX")
	mkdir -p "$FC_DIR/upper" "$FC_DIR/work" "$FC_DIR/merged"
	# the committed tree, as a clone would see it; a bare repository in the
	# chroot stands in for the server a newcomer clones from
	git clone -q --bare "$QC_TOP" "$FC_DIR/quietcore.git" || return 1
	export FC_LOWER FC_DIR
}

teardown_file() {
	[ -z "${FC_DIR:-}" ] || rm -rf "$FC_DIR"
}

# fc_run USER SCRIPT: run SCRIPT (bash) in the chroot as USER (root or
# newbie), on the overlay that the earlier calls left; the script's output
# and status are bats' $output and $status.
fc_run() {
	local user=$1 script=$2
	printf '%s\n' "set -u" "$script" >"$FC_DIR/script"
	run unshare --mount --propagation private -- bash -c '
		set -e
		d=$FC_DIR m=$FC_DIR/merged
		mount -t overlay overlay -o "lowerdir=$FC_LOWER,upperdir=$d/upper,workdir=$d/work" "$m"
		mount -t proc proc "$m/proc"
		mount --rbind /sys "$m/sys"
		mount --rbind /dev "$m/dev"
		mount -t tmpfs tmpfs "$m/tmp"
		mkdir -p "$m/srv/quietcore.git" && mount --bind -o ro "$d/quietcore.git" "$m/srv/quietcore.git"
		cp /etc/resolv.conf "$m/etc/resolv.conf"
		cp "$d/script" "$m/tmp/script"
		set +e
		if [ "$1" = root ]; then
			exec chroot "$m" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
				bash -c "cd /root && bash /tmp/script" 2>&1
		fi
		exec chroot "$m" env -i HOME=/home/newbie PATH=/usr/bin:/bin LANG=C.UTF-8 \
			setpriv --reuid=newbie --regid=newbie --init-groups \
			bash -c "cd /home/newbie && bash /tmp/script" 2>&1
	' fc "$user"
}

@test "first contact: the bare machine has only the compiler, make, pkg-config and git" {
	fc_run root '
		git config --system safe.directory "*"
		useradd -m -s /bin/bash newbie
		for p in gcc make libc6-dev pkg-config git libjson-c-dev libkmod-dev libcmocka-dev autoconf; do
			printf "%s %s\n" "$p" "$(dpkg-query -W -f="\${db:Status-Abbrev}" "$p" 2>/dev/null)"
		done'
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	echo "$output"
	grep -qx 'gcc ii ' <<<"$output"
	grep -qx 'git ii ' <<<"$output"
	# what the build needs is not there yet
	if grep -qE '^(libjson-c-dev|libkmod-dev|libcmocka-dev|autoconf) ii' <<<"$output"; then
		echo "the bare machine has build packages already" >&2
		return 1
	fi
}

@test "first contact, not root: every make target the README names stops at once with one line naming the packages and the command" {
	local targets t
	targets=$(grep -oE '`make [a-z][a-z-]*' "$QC_TOP/README.md" | sed 's/`make //' | sort -u)
	[ -n "$targets" ]
	fc_run newbie '
		git clone -q /srv/quietcore.git quietcore && cd quietcore || exit 99
		for t in '"$(echo "$targets" | tr '\n' ' ')"'; do
			out=$(make $t 2>&1); rc=$?
			printf "== %s rc=%s lines=%s\n%s\n" "$t" "$rc" "$(printf "%s\n" "$out" | wc -l)" "$out"
		done
		echo "== build dir: $(ls -d build 2>/dev/null || echo none)"'
	echo "$output"
	[ "$status" -eq 0 ]
	for t in $targets; do
		[ "$t" = clean ] && continue
		# exit 2, exactly one line, the packages and how to install them
		grep -qx "== $t rc=2 lines=1" <<<"$output" ||
			{ echo "make $t: not a one-line stop (see above)" >&2; return 1; }
	done
	grep -q 'make run needs the Debian packages .*libjson-c-dev.*; install them with: sudo apt-get install ' <<<"$output"
	grep -qx '== build dir: none' <<<"$output"
}

@test "first contact, root: make run installs what it lacks and prints the plan for this host" {
	fc_run root '
		git clone -q /srv/quietcore.git quietcore && cd quietcore || exit 99
		start=$(date +%s)
		make run; rc=$?
		echo "== make run rc=$rc in $(($(date +%s) - start))s"
		start=$(date +%s)
		make run >/dev/null 2>&1; echo "== again rc=$? in $(($(date +%s) - start))s"
		ls build/early-pin 2>/dev/null || echo "== no early-pin built"'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^quietcore: installing what make run needs: .*libjson-c-dev' <<<"$output"
	grep -q '^== make run rc=0 in' <<<"$output"
	grep -E '^== (make run|again) ' <<<"$output" | sed 's/^==/# first contact:/' >&3
	grep -q '^== again rc=0 in' <<<"$output"
	# the plan itself: the role of each CPU and the parameter line
	grep -qE '^ *isolcpus=' <<<"$output"
	grep -qi 'housekeeping' <<<"$output"
	# make run builds only what it runs
	grep -qx '== no early-pin built' <<<"$output"
}

@test "first contact, root: make builds every program, early-pin static; make install DESTDIR= installs them" {
	fc_run root '
		cd quietcore || exit 99
		start=$(date +%s)
		make -j"$(nproc)"; rc=$?
		echo "== make rc=$rc"
		echo "== make took $(($(date +%s) - start))s"
		readelf -d build/early-pin 2>&1 | grep -q "no dynamic section" && echo "== early-pin static"
		make install DESTDIR=/root/inst >/dev/null; echo "== install rc=$?"
		ls /root/inst/usr/sbin'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx '== make rc=0' <<<"$output"
	grep -E '^== make took' <<<"$output" | sed 's/^==/# first contact:/' >&3
	grep -q 'building a static libkmod from Debian' <<<"$output"
	grep -qx '== early-pin static' <<<"$output"
	grep -qx '== install rc=0' <<<"$output"
	for p in cmdline-gen early-pin isol-verify; do grep -qx "$p" <<<"$output"; done
}

@test "first contact, root: make check-unit installs cmocka and runs the unit tests" {
	fc_run root '
		cd quietcore || exit 99
		make check-unit; echo "== check-unit rc=$?"'
	echo "$output" | tail -40
	[ "$status" -eq 0 ]
	grep -q '^quietcore: installing what make check-unit needs: .*libcmocka-dev' <<<"$output"
	grep -qx '== check-unit rc=0' <<<"$output"
	grep -qE '^[1-9][0-9]* passed, 0 failed' <<<"$output"
}
