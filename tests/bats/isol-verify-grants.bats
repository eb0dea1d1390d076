#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-verify's grants check (issue 17): isol-alloc's state file on the
# isolated fake root of isol-verify.bats (tests/fixtures/verify/isolated:
# 4 CPUs, cpu/isolated 2-3, so isol-alloc's pool is 2-3), with a granted
# process 4000 of two threads, 4000 and 4001, started at tick 5000.

# bats sets $output/$stderr in `run`, inside each test's own subshell
# shellcheck disable=SC2030,SC2031,SC2154
load helpers
bats_require_minimum_version 1.5.0

BOOT_ID=6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f

setup() {
	IV=$BUILD/isol-verify
	R=$BATS_TEST_TMPDIR/root
	rm -rf "$R"
	cp -a "$QC_TOP/tests/fixtures/verify/isolated" "$R"
	chmod 0444 "$R"/proc/irq/{26,27}/smp_affinity{,_list}
	mkdir -p "$R/proc/sys/kernel/random"
	echo "$BOOT_ID" >"$R/proc/sys/kernel/random/boot_id"
	STATE=$R/var/lib/quietcore/alloc.json
	thread 4000 worker 2 2
	thread 4001 helper 2 2
}

# thread TID COMM ALLOWED CPU: a thread of process 4000 (start time 5000)
thread() {
	local d=$R/proc/4000/task/$1
	mkdir -p "$d"
	echo "$1 ($2) S 1 4000 4000 0 -1 4194560 100 0 0 0 10 5 0 0 20 0 2 0 5000 1000000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 $4 0 0 0 0 0" >"$d/stat"
	printf 'Name:\t%s\nCpus_allowed_list:\t%s\n' "$2" "$3" >"$d/status"
	[ "$1" != 4000 ] || cp "$d/stat" "$R/proc/4000/stat"
}

# grant SERVICE CPUS [PID [LOST [STARTTIME]]]: one grant as isol-alloc writes it
grant() {
	printf '{"service":"%s","cpus":"%s","explicit":"","lost":"%s","uid":0,"pid":%s,"starttime":%s}' \
		"$1" "$2" "${4:-}" "${3:-0}" "${5:-5000}"
}

# state GRANT...: the state file holding these grants, written in this boot
state() {
	local IFS=,
	mkdir -p "$(dirname "$STATE")"
	printf '{"format":"quietcore-isol-alloc","version":1,"boot_id":"%s","pool":"2-3","grants":[%s],"hugepages":[]}\n' \
		"${BOOT_ID_STATE:-$BOOT_ID}" "$*" >"$STATE"
}

# the granted process is the workload: the tasks check lets it be
ALLOW=(--allow worker --allow helper --allow 'my helper')

verify() {
	run --separate-stderr timeout 10 "$IV" --root "$R" --interval 0 --json "${ALLOW[@]}" "$@"
	jq -e . >/dev/null <<<"$output" || {
		echo "invalid JSON (exit $status): $output $stderr"
		return 1
	}
}

status_of() {
	jq -r '.checks[] | select(.id == "grants") | .status' <<<"$output"
}

message_of() {
	jq -r '.checks[] | select(.id == "grants") | .message' <<<"$output"
}

problems_of() {
	jq -r '.checks[] | select(.id == "grants") | .details.problems[]?.message' <<<"$output"
}

@test "grants: no state file is skipped with the reason, and no metric" {
	verify
	[ "$status" -eq 0 ] || fail "exit $status"
	assert_equal "$(status_of)" skipped
	assert_equal "$(message_of)" "isol-alloc has no state file: no grants"
	run -0 --separate-stderr "$IV" --root "$R" --interval 0 --prometheus "${ALLOW[@]}"
	assert_output --partial 'isol_verify_check_status{check="grants"} 4'
	refute_output --partial isol_verify_alloc_grant_cpus
}

@test "grants: within the pool, no CPU twice, the process's threads on its CPUs: ok; one details entry per grant; a metric per service" {
	state "$(grant nova 2 4000)" "$(grant 'dp\"dk' 3)"
	verify
	[ "$status" -eq 0 ] || fail "exit $status"
	assert_equal "$(status_of)" ok
	assert_equal "$(message_of)" "2 grants of CPUs 2-3, within isol-alloc's pool, no CPU twice"
	assert_equal "$(jq -c '.checks[] | select(.id == "grants") | .details | [.state_file, .pool, .granted_cpus, [.grants[] | [.service, .cpus, .cpu_count, .pid, .process, .threads_outside]]]' <<<"$output")" \
		"[\"$STATE\",\"2-3\",2,[[\"nova\",\"2\",1,4000,\"running\",[]],[\"dp\\\"dk\",\"3\",1,0,null,null]]]"
	run -0 --separate-stderr "$IV" --root "$R" --interval 0 --prometheus "${ALLOW[@]}"
	assert_output --partial '# HELP isol_verify_alloc_grant_cpus Number of CPUs isol-alloc granted to the service (the label).'
	assert_output --partial '# TYPE isol_verify_alloc_grant_cpus gauge'
	assert_output --partial 'isol_verify_alloc_grant_cpus{service="nova"} 1'
	assert_output --partial 'isol_verify_alloc_grant_cpus{service="dp\"dk"} 1'
	# no grant at all is ok too, and says so
	state
	verify
	assert_equal "$(status_of)" ok
	assert_equal "$(message_of)" "isol-alloc has no grant"
}

@test "grants: a state file that cannot be read or trusted is UNKNOWN, naming it" {
	mkdir -p "$STATE"
	verify
	assert_equal "$(status_of)" unknown
	assert_equal "$(message_of)" "cannot read $STATE: Is a directory"
	rmdir "$STATE"
	echo 'garbage' >"$STATE"
	verify
	assert_equal "$(status_of)" unknown
	assert_equal "$(message_of)" "cannot trust $STATE: not JSON: unexpected character; isol-alloc refuses it too (move it away to start afresh)"
	echo '{"format":"something else"}' >"$STATE"
	verify
	assert_equal "$(status_of)" unknown
	assert_output --partial "cannot trust $STATE: not an isol-alloc state file"
	# and so is a pool that cannot be read
	state "$(grant nova 2)"
	rm "$R/sys/devices/system/cpu/isolated"
	mkdir "$R/sys/devices/system/cpu/isolated"
	verify
	assert_equal "$(status_of)" unknown
	assert_equal "$(message_of)" "cannot read $R/sys/devices/system/cpu/isolated: Is a directory (isol-alloc's pool)"
}

@test "grants: a grant outside the pool is CRITICAL" {
	state "$(grant nova 1-2)"
	verify
	assert_equal "$(status_of)" critical
	assert_equal "$(message_of)" "grant of nova holds CPUs 1 outside isol-alloc's pool 2-3 (cpu/isolated and quietcore's partition, online): they are not isolated, or offline; restart isol-alloc to reconcile, or release the grant"
	assert_equal "$(jq -r '.checks[] | select(.id == "grants") | .details.grants[0].outside_pool' <<<"$output")" 1
	[ "$status" -eq 2 ]
}

@test "grants: a CPU in two grants is CRITICAL, naming both" {
	state "$(grant nova 2)" "$(grant dpdk 2-3)"
	verify
	assert_equal "$(status_of)" critical
	assert_equal "$(message_of)" "CPUs 2 are in two grants, of nova and of dpdk: both services run on them; release one (isol-alloc release --service dpdk) and request again"
}

@test "grants: a granted pid that has exited, or is another process, or of another boot: WARNING" {
	state "$(grant nova 2 4000)"
	rm -r "$R/proc/4000"
	verify
	assert_equal "$(status_of)" warning
	assert_equal "$(message_of)" "grant of nova holds pid 4000 which has exited: its CPUs are held for nothing; isol-alloc releases it when it restarts, or isol-alloc release --service nova"
	thread 4000 worker 2 2
	state "$(grant nova 2 4000 '' 4999)"
	verify
	assert_equal "$(status_of)" warning
	assert_output --partial "grant of nova holds pid 4000 which has exited (the pid is another process now)"
	BOOT_ID_STATE=0f0f0f0f-3d4a-4c55-8e9f-0a1b2c3d4e5f state "$(grant nova 2 4000)"
	verify
	assert_equal "$(status_of)" warning
	assert_output --partial "grant of nova holds pid 4000 which has exited (it ran in a previous boot)"
}

@test "grants: a thread of a granted process outside its CPUs is a WARNING naming the thread" {
	state "$(grant nova 2 4000)"
	thread 4001 'my helper' 0-3 2
	verify
	assert_equal "$(status_of)" warning
	assert_equal "$(message_of)" "thread 4001 (my helper) of nova's pid 4000 runs outside its grant 2: allowed CPUs 0-3, last ran on CPU 2; isol-alloc request --pid binds the process, or set its affinity to the grant"
	assert_equal "$(jq -c '.checks[] | select(.id == "grants") | .details.grants[0].threads_outside' <<<"$output")" \
		'[{"tid":4001,"comm":"my helper","allowed":"0-3","cpu":2}]'
	assert_equal "$(jq -c '.checks[] | select(.id == "grants") | .details.grants[0].threads_outside_count' <<<"$output")" 1
	# allowed on the grant, but last ran elsewhere
	thread 4001 helper 2 1
	verify
	assert_equal "$(status_of)" warning
	assert_output --partial "thread 4001 (helper) of nova's pid 4000 runs outside its grant 2: allowed CPUs 2, last ran on CPU 1"
	# a thread whose status cannot be read is not "on its CPUs"
	thread 4001 helper 2 2
	rm "$R/proc/4000/task/4001/status"
	mkdir "$R/proc/4000/task/4001/status"
	verify
	assert_equal "$(status_of)" unknown
	assert_equal "$(message_of)" "cannot read $R/proc/4000/task/4001/status: Is a directory (a thread of nova's grant)"
}

@test "grants: a grant that lost CPUs (preempted) is a WARNING" {
	state "$(grant nova 2 0 3)" "$(grant dpdk 3)"
	verify
	assert_equal "$(status_of)" warning
	assert_equal "$(message_of)" "grant of nova lost CPUs 3 since it was made (preempted by an explicit NUMA grant, or gone from the pool): it holds 2; request again, or serve with --no-preempt"
}

@test "grants: --alloc-state names another file below --root; a relative one is a usage error" {
	mkdir -p "$R/srv"
	state "$(grant nova 1)"
	mv "$STATE" "$R/srv/alloc.json"
	verify
	assert_equal "$(status_of)" skipped
	verify --alloc-state /srv/alloc.json
	assert_equal "$(status_of)" critical
	assert_equal "$(jq -r '.checks[] | select(.id == "grants") | .details.state_file' <<<"$output")" "$R/srv/alloc.json"
	run -2 --separate-stderr "$IV" --root "$R" --alloc-state srv/alloc.json
	assert_equal "$stderr" "isol-verify: --alloc-state: not an absolute path: 'srv/alloc.json'
Try 'isol-verify --help'."
}
