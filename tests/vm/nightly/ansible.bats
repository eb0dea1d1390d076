#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Ansible role (contrib/ansible, its site.yml) against a real Debian
# guest over SSH: the provisioning image of tests/vm/image.bash booted under
# QEMU (TCG) with its port 22 forwarded to 127.0.0.1, a key pair made for
# this run. The role installs the quietcore .deb built here by the packaging
# (debian/, as tests/bats/package.bats does), runs cmdline-gen --apply,
# reboots the guest with ansible.builtin.reboot, runs isol-verify --json and
# the play succeeds; a second run changes nothing and does not reboot.
# tests/bats/ansible.bats has the role's other cases on captured trees.
#
# Nightly (make check-vm-nightly), for CI time: the .deb's build and the
# guest (two plays, the package's initramfs rebuild under TCG, a reboot)
# took about 12 minutes of a local cold CI run. `make check` keeps the role's cases on captured trees
# (tests/bats/ansible.bats), the .deb's install (tests/bats/package.bats)
# and the provisioning loop on this image (tests/vm/provision.bats).
#
# Nothing skips: a missing tool, package or kernel fails with the reason.

: "${QC_TOP:=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)}"
load ../../bats/helpers
load ../vm
load ../image
load ../provision

bats_require_minimum_version 1.5.0

# One QEMU run holds two plays, a package install with an initramfs rebuild
# and a reboot: room for a loaded 2-core host (measured: 900 s at load 9)
# shellcheck disable=SC2034 # read by img_start/img_finish (../image.bash)
IMG_TIMEOUT=${QC_IMG_TIMEOUT:-3600}

ANS=$QC_TOP/contrib/ansible
APPLY="Apply the plan to the boot configuration (cmdline-gen --apply)"
REBOOT="Reboot into the new kernel command line"
INSTALL_DEB="Install the .deb"

# The .deb, from a copy of the tree (tracked and new files, no build
# directories). SANITIZE=1 and the caller's make flags stay out of it.
deb_build() {
	local src=$BATS_FILE_TMPDIR/src/quietcore log=$VM_LOGDIR/ansible-dpkg-buildpackage.log
	mkdir -p "$src" "$VM_LOGDIR" || return 1
	(cd "$QC_TOP" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - -c) | tar -x -C "$src" || return 1
	if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE \
		DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
		tail -40 "$log" >&2
		img_fail "dpkg-buildpackage failed (log: $log)"
		return 1
	fi
	DEB=$(find "$BATS_FILE_TMPDIR/src" -maxdepth 1 -name 'quietcore_*.deb' | head -1)
	[ -f "$DEB" ] || { img_fail "dpkg-buildpackage made no quietcore_*.deb"; return 1; }
}

setup_file() {
	for t in ansible-playbook dpkg-buildpackage ssh ssh-keygen; do
		command -v "$t" >/dev/null || { img_fail "missing on the host: $t (run 'make deps')"; return 1; }
	done
	deb_build || return 1
	img_build 6.1 plain || return 1
	export IMG_BASE DEB
}

teardown() {
	if [ -n "${IMG_PID:-}" ]; then
		# the test failed with the guest up: keep its console in the log
		img_stop
		img_show_log
	fi
}

# play [ANSIBLE-PLAYBOOK ARGS...]: site.yml on the guest; one JSON document
play() {
	ANSIBLE_ROLES_PATH=$ANS/roles ANSIBLE_STDOUT_CALLBACK=qc_json \
		ANSIBLE_CALLBACK_PLUGINS=$ANS/tests/callback_plugins PYTHONDONTWRITEBYTECODE=1 \
		ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=0 ANSIBLE_TIMEOUT=120 \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP="$BATS_FILE_TMPDIR/ansible-tmp" \
		ansible-playbook -i "$BATS_TEST_TMPDIR/inventory" "$ANS/site.yml" \
		-e "@$BATS_TEST_TMPDIR/vars.json" "$@" 2>"$BATS_TEST_TMPDIR/play.err"
}

# run_play N: play, expecting success; its JSON is kept in $P and in the log
run_play() {
	run play
	P=$output
	printf '%s\n' "$P" >"$VM_LOGDIR/ansible-play-$1.json"
	if [ "$status" -ne 0 ]; then
		jq -c '.plays[].tasks[] | select(.hosts[] | .failed or .unreachable)' <<<"$P" >&2 ||
			tail -c 3000 <<<"$P" >&2
		tail -20 "$BATS_TEST_TMPDIR/play.err" >&2
		img_fail "ansible-playbook run $1 exited $status"
		return 1
	fi
}

# task NAME: the guest's result of the task NAME in $P
task() {
	jq -c --arg n "$1" '[.plays[].tasks[] | select(.task.name == $n) | .hosts["qc-guest"]][0]' <<<"$P"
}

stat_of() { jq -r ".stats[\"qc-guest\"].$1" <<<"$P"; }

@test "ansible-playbook site.yml over SSH on the 6.1 guest: installs the .deb, applies, reboots via ansible.builtin.reboot, isol-verify OK; the second run changes nothing and does not reboot" {
	local script c1 c2 boots
	img_ssh_keygen
	script=$(prov_script ansible "QC_SSH_KEY=$IMG_SSH_PUB")
	img_start ansible-6.1 "$script" "${PROV_QEMU[@]}" -smp 4
	img_ssh_wait
	c1=$(img_ssh cat /proc/cmdline)
	[[ $c1 != *isolcpus=* && $c1 != *nohz_full=* ]] || fail "boot 1 already has isolation parameters: $c1"

	# the guest as a fleet host: site.yml's group, root over SSH (no sudo
	# in the image: ansible_become=false overrides the play's become)
	cat >"$BATS_TEST_TMPDIR/inventory" <<-EOF
		[quiet]
		qc-guest ansible_host=127.0.0.1 ansible_port=$IMG_SSH_PORT

		[quiet:vars]
		ansible_user=root
		ansible_become=false
		ansible_python_interpreter=/usr/bin/python3
		ansible_ssh_private_key_file=$IMG_SSH_KEY
		ansible_ssh_common_args='${IMG_SSH_OPTS[*]}'
	EOF
	jq -n --arg deb "$DEB" '{quietcore_package_file: $deb, quietcore_reboot_timeout: 1500}' \
		>"$BATS_TEST_TMPDIR/vars.json"

	# run 1: a fresh host
	run_play 1
	assert_equal "$(stat_of failures)" 0
	assert_equal "$(stat_of unreachable)" 0
	run -0 jq -r '.changed' <<<"$(task "$INSTALL_DEB")"
	assert_output true
	run -0 jq -r '.changed, (.stdout | test("(^|\n)Reboot needed:"))' <<<"$(task "$APPLY")"
	assert_output "true
true"
	run -0 jq -r '.changed, .rebooted' <<<"$(task "$REBOOT")"
	assert_output "true
true"
	run -0 jq -r '.ansible_facts.quietcore_verify_result.status' <<<"$(task "Read the verdict")"
	assert_output ok
	# the guest really runs with the plan now, and early-pin ran in its
	# initramfs (the package's early-pin: its trigger rebuilt the image)
	c2=$(img_ssh cat /proc/cmdline)
	[[ " $c2 " == *" isolcpus="* && " $c2 " == *" nohz_full=1-3 "* ]] ||
		fail "after the role's reboot /proc/cmdline is '$c2'"
	img_ssh dmesg | grep -q 'early-pin: .*housekeeping=0' ||
		fail "no early-pin line in the kernel log after the reboot"

	# run 2: idempotent, no reboot
	run_play 2
	assert_equal "$(stat_of failures)" 0
	assert_equal "$(stat_of changed)" 0
	run -0 jq -r '.changed' <<<"$(task "$APPLY")"
	assert_output false
	[[ "$(task "$REBOOT")" == *'"skipped":true'* ]] || fail "run 2 rebooted: $(task "$REBOOT")"
	run -0 jq -r '.ansible_facts.quietcore_verify_result.status' <<<"$(task "Read the verdict")"
	assert_output ok

	# exactly the one reboot of the role: boot 1, boot 2, no boot 3 (a
	# panic, which panic=-1 turns into a reboot, would make one)
	img_finish
	boots=$(grep -c '^=== [0-9]*\.boot$' "$IMG_RESULTS")
	[ "$boots" -eq 2 ] || { grep '^=== ' "$IMG_RESULTS" >&2; fail "the guest booted $boots times, not 2"; }
	[ "$(img_section 2 boot | head -1)" = "$c2" ] || fail "boot 2 of the report is not the one run 2 saw"
	echo "# ansible: two plays, one reboot, ${IMG_SECONDS}s" >&3
}
