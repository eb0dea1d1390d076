#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# quietcore-unit, the helper early-pin runs for systemd's transient units:
# --help, usage errors (exit 2), and where no systemd answers (this machine
# has no systemd as PID 1) one line naming the bus and the errno as exit
# status. Its D-Bus calls are tests/unit/test_sdunit's (a fake systemd) and
# the QEMU guests' (the real one).

# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
bats_require_minimum_version 1.5.0
load helpers

setup() {
	QU=$BUILD/quietcore-unit
}

# As root with systemd's private socket there, the real manager would answer.
no_private_socket() {
	if [ "$(id -u)" -eq 0 ] && [ -S /run/systemd/private ]; then
		skip "systemd runs here: its private socket would be used"
	fi
}

@test "--help: usage on stdout, exit 0; --version" {
	run -0 --separate-stderr "$QU" --help
	assert_line --index 0 "Usage:"
	assert_line " quietcore-unit start-slice UNIT CPULIST"
	assert_line " quietcore-unit start-scope UNIT SLICE PID"
	assert_line " quietcore-unit stop UNIT"
	assert_line --partial "early-pin(8)"
	assert_equal "$stderr" ""
	run -0 "$QU" -h
	assert_line --index 0 "Usage:"
	run -0 "$QU" --version
	assert_output --regexp '^quietcore-unit [0-9]+\.[0-9]+'
}

@test "usage errors: one message and the --help hint, exit 2, nothing on stdout" {
	local -a cases=(
		"|no command (start-slice, start-scope or stop)"
		"reload x.slice|unknown command 'reload' (start-slice, start-scope or stop)"
		"start-slice x.slice|start-slice: missing UNIT CPULIST"
		"start-slice x.slice 1 2|start-slice: too many arguments"
		"start-slice x.slice abc|start-slice: 'abc' is not a cpulist of one CPU or more"
		"start-slice x.slice ,|start-slice: ',' is not a cpulist of one CPU or more"
		"start-scope r.scope x.slice|start-scope: missing UNIT SLICE PID"
		"start-scope r.scope x.slice 0|start-scope: '0' is not a process id"
		"start-scope r.scope x.slice -5|start-scope: '-5' is not a process id"
		"start-scope r.scope x.slice 12x|start-scope: '12x' is not a process id"
		"stop|stop: missing UNIT"
		"stop a.slice b.slice|stop: too many arguments"
	)
	local c args msg
	for c in "${cases[@]}"; do
		args=${c%%|*} msg=${c#*|}
		# shellcheck disable=SC2086 # the words of the case
		run -2 --separate-stderr "$QU" $args
		assert_equal "$output" ""
		assert_equal "$stderr" "quietcore-unit: $msg
Try 'quietcore-unit --help'."
	done
	run -2 --separate-stderr "$QU" --bogus
	assert_equal "${stderr##*$'\n'}" "Try 'quietcore-unit --help'."
}

@test "no system bus to reach: one line naming the bus and the reason, the errno as status" {
	no_private_socket
	local bus=$BATS_TEST_TMPDIR/system_bus_socket
	# nothing at that path: ENOENT (2)
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$bus run -2 --separate-stderr "$QU" start-slice quietcore.slice 2-3
	assert_equal "$output" ""
	assert_equal "$stderr" "quietcore-unit: start quietcore.slice: cannot connect to the system bus at unix:path=$bus: No such file or directory"
	# a path that is no listening socket: ECONNREFUSED (111)
	: >"$bus"
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$bus run -111 --separate-stderr "$QU" stop quietcore.slice
	assert_equal "$stderr" "quietcore-unit: stop quietcore.slice: cannot connect to the system bus at unix:path=$bus: Connection refused"
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$bus run -111 --separate-stderr "$QU" start-scope run-1.scope quietcore.slice $$
	assert_equal "$stderr" "quietcore-unit: start run-1.scope: cannot connect to the system bus at unix:path=$bus: Connection refused"
}

@test "no system bus at the default address: the message names that address" {
	no_private_socket
	[ ! -e /run/dbus/system_bus_socket ] || skip "a system bus runs here"
	run -2 --separate-stderr env -u DBUS_SYSTEM_BUS_ADDRESS "$QU" stop quietcore.slice
	assert_equal "$stderr" "quietcore-unit: stop quietcore.slice: cannot connect to the system bus at unix:path=/run/dbus/system_bus_socket: No such file or directory"
}
