#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Ansible role (contrib/ansible/roles/quietcore): syntax check and
# ansible-lint, then real runs against localhost (connection: local) on
# captured roots: quietcore installed DESTDIR-style, cmdline-gen --apply and
# isol-verify --json with --root, so nothing on this machine changes and
# nothing is rebooted. The run against a QEMU guest over SSH, with the
# reboot, is tests/vm/nightly/ansible.bats.

load helpers
bats_require_minimum_version 1.5.0

ANS=$QC_TOP/contrib/ansible
APPLY="Apply the plan to the boot configuration (cmdline-gen --apply)"

setup_file() {
	requires ansible-playbook
	local d=$BATS_FILE_TMPDIR/dest
	make -s -C "$QC_TOP" BUILD="$BUILD" DESTDIR="$d" install >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
		{ tail -20 "$BATS_FILE_TMPDIR/install.log" >&3; return 1; }
	cat >"$BATS_FILE_TMPDIR/play.yml" <<-'EOF'
	---
	- name: The quietcore role on a captured root
	  hosts: localhost
	  connection: local
	  gather_facts: false
	  roles:
	    - role: quietcore
	EOF
}

setup() {
	requires ansible-playbook
	R=$BATS_TEST_TMPDIR/root
	rm -rf "$R"
	cp -a "$QC_TOP/tests/fixtures/verify/isolated" "$R"
	# managed IRQs: the kernel makes their affinity files 0444; git keeps no such mode
	chmod 0444 "$R"/proc/irq/{26,27}/smp_affinity{,_list}
}

# play [ANSIBLE-PLAYBOOK ARGS...]: the role on $R with $PLAN; JSON results
play() {
	local vars
	vars=$(jq -cn --arg root "$R" --arg sbin "$BATS_FILE_TMPDIR/dest/usr/sbin" \
		--argjson plan "$PLAN" '{quietcore_install: false, quietcore_root: $root,
		quietcore_sbindir: $sbin, quietcore_plan_args: $plan,
		quietcore_verify_args: ["--interval", "0"]}')
	ANSIBLE_ROLES_PATH=$ANS/roles ANSIBLE_STDOUT_CALLBACK=qc_json \
		ANSIBLE_CALLBACK_PLUGINS=$ANS/tests/callback_plugins PYTHONDONTWRITEBYTECODE=1 ANSIBLE_NOCOLOR=1 \
		ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
		ansible-playbook -i localhost, "$BATS_FILE_TMPDIR/play.yml" -e "$vars" "$@"
}

# run_play STATUS [ARGS...]: play, expecting STATUS; its JSON is kept in $P
run_play() {
	local want=$1
	shift
	run play "$@"
	P=$output
	[ "$status" -eq "$want" ] || { echo "$P" | tail -c 3000; fail "ansible-playbook exited $status, not $want"; }
}

# task_result NAME: the localhost result of the task NAME in $P
task_result() {
	jq -c --arg n "$1" '[.plays[].tasks[] | select(.task.name == $n) | .hosts.localhost][0]' <<<"$P"
}

stat_of() { jq -r ".stats.localhost.$1" <<<"$P"; }

# a host that has never been provisioned: no isolation on the running
# kernel's command line nor in /etc/default/grub
fresh_host() {
	echo "BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-cloud-amd64 root=/dev/vda1 ro quiet" >"$R/proc/cmdline"
	sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT="quiet"/' "$R/etc/default/grub"
}

snapshot() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

@test "ansible-playbook --syntax-check: site.yml and a play using the role" {
	ANSIBLE_ROLES_PATH=$ANS/roles run -0 ansible-playbook -i localhost, --syntax-check "$ANS/site.yml"
	ANSIBLE_ROLES_PATH=$ANS/roles run -0 ansible-playbook -i localhost, --syntax-check "$BATS_FILE_TMPDIR/play.yml"
}

@test "ansible-lint (production profile) passes on the role and site.yml" {
	requires ansible-lint
	cd "$ANS"
	run ansible-lint --offline --nocolor -p site.yml roles/quietcore
	assert_success
}

@test "a provisioned host: nothing changed, no reboot, isol-verify OK, the play succeeds" {
	PLAN='["--profile", "minimal", "--housekeeping", "0-1", "--extra", "rd.earlypin.governor=performance"]'
	local before
	before=$(snapshot "$R/etc")
	run_play 0
	assert_equal "$(stat_of failures)" 0
	assert_equal "$(stat_of changed)" 0
	run -0 jq -r '.changed' <<<"$(task_result "$APPLY")"
	assert_output false
	assert_equal "$(snapshot "$R/etc")" "$before"
	run_play 0
	[[ "$(task_result "Say that a reboot is still needed")" == *'"skipped":true'* ]]
	[[ "$(task_result "Report the verdict")" == *"isol-verify OK"* ]]
}

@test "a fresh host: --apply writes GRUB's defaults (changed), reboot needed, isol-verify CRITICAL fails the host; the second run changes nothing" {
	PLAN='["--profile", "minimal", "--housekeeping", "0-1"]'
	fresh_host
	run_play 2
	assert_equal "$(stat_of failures)" 1
	run -0 jq -r '.changed' <<<"$(task_result "$APPLY")"
	assert_output true
	grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1"' \
		"$R/etc/default/grub"
	run -0 jq -r '.msg' <<<"$(task_result "Say that a reboot is still needed")"
	assert_output --partial "reboot needed"
	run -0 jq -r '.msg' <<<"$(task_result "Fail the host on a bad verdict (quietcore_verify_fail_on)")"
	assert_output --partial "isol-verify CRITICAL"
	assert_output --partial "cmdline: "
	assert_output --partial "(a reboot is still pending)"
	# idempotent: the boot configuration already has the plan
	cp "$R/etc/default/grub" "$BATS_TEST_TMPDIR/grub.1"
	run_play 2
	run -0 jq -r '.changed' <<<"$(task_result "$APPLY")"
	assert_output false
	cmp "$BATS_TEST_TMPDIR/grub.1" "$R/etc/default/grub"
}

@test "--check on a fresh host: reports the change, changes no file, does not fail on the pending reboot" {
	PLAN='["--profile", "minimal", "--housekeeping", "0-1"]'
	fresh_host
	local before
	before=$(snapshot "$R")
	run_play 0 --check
	assert_equal "$(stat_of failures)" 0
	run -0 jq -r '.changed, .cmd[2]' <<<"$(task_result "$APPLY")"
	assert_output "true
--dry-run"
	assert_equal "$(snapshot "$R")" "$before"
	[[ "$(task_result "Report the verdict")" == *"isol-verify CRITICAL"* ]]
}

@test "quietcore_verify_fail_on: [critical, warning] fails the host on a WARNING verdict, the default does not" {
	PLAN='["--profile", "minimal", "--housekeeping", "0-1", "--extra", "rd.earlypin.governor=performance"]'
	local strict='{"quietcore_verify_fail_on": ["critical", "warning"]}'
	run_play 0 -e "$strict"
	# a managed IRQ on an isolated CPU is a warning (isol-verify(8))
	echo 2 >"$R/proc/irq/26/effective_affinity_list"
	run_play 2 -e "$strict"
	run -0 jq -r '.ansible_facts.quietcore_verify_result.status' <<<"$(task_result "Read the verdict")"
	assert_output warning
	run -0 jq -r '.msg' <<<"$(task_result "Fail the host on a bad verdict (quietcore_verify_fail_on)")"
	assert_output --partial "isol-verify WARNING"
	run_play 0
}

@test "quietcore_alloc_enable: off by default; on, isol-alloc.socket is enabled in the tree (changed once), nothing started" {
	PLAN='["--profile", "minimal", "--housekeeping", "0-1", "--extra", "rd.earlypin.governor=performance"]'
	local on='{"quietcore_alloc_enable": true}' unit wants=$R/etc/systemd/system/sockets.target.wants
	local name="Enable isol-alloc.socket in the tree (systemctl --root)"
	# the units as the package installs them
	unit=$(find "$BATS_FILE_TMPDIR/dest" -name isol-alloc.socket -path '*/systemd/system/*')
	[ -n "$unit" ]
	mkdir -p "$R/usr/lib/systemd/system"
	cp "$unit" "${unit%.socket}.service" "$R/usr/lib/systemd/system/"
	run_play 0
	[ ! -e "$wants/isol-alloc.socket" ]
	assert_equal "$(task_result "$name")" null
	run_play 0 -e "$on"
	assert_equal "$(stat_of failures)" 0
	[ -L "$wants/isol-alloc.socket" ]
	assert_equal "$(readlink "$wants/isol-alloc.socket")" /usr/lib/systemd/system/isol-alloc.socket
	run -0 jq -r '.changed' <<<"$(task_result "$name")"
	assert_output true
	# on a captured tree the host's systemd is never asked
	[[ "$(task_result "Enable and start isol-alloc.socket")" == *'"skipped":true'* ]]
	run_play 0 -e "$on"
	run -0 jq -r '.changed' <<<"$(task_result "$name")"
	assert_output false
	[ -L "$wants/isol-alloc.socket" ]
}
