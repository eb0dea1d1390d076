#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-verify --noise on this machine's real tracefs (issue 18): the noise
# each test makes on CPU 1 (a busy task pinned there, a device IRQ moved
# there with traffic on it) must be named among the top sources, the budget
# decides the status, and every tracing file reads as before afterwards, on
# SIGINT and after a SIGKILL (the next run removes what the killed one left).
# Tests assert causes they create, never absolute quiet.

# shellcheck disable=SC2030,SC2031,SC2154
load helpers
bats_require_minimum_version 1.5.0

T=/sys/kernel/tracing

# A kernel with tracefs that nobody mounted (a fresh container host, a
# minimal install): mount it for these tests, as rtla and trace-cmd do, and
# take it away again after them. isol-verify itself never mounts it (the
# check says UNKNOWN and why: the last test).
setup_file() {
	if [ "$(id -u)" = 0 ] && [ ! -e "$T/instances" ] && grep -qw tracefs /proc/filesystems; then
		mount -t tracefs nodev "$T" || return 1
		touch "$BATS_FILE_TMPDIR/mounted-tracefs"
	fi
}

teardown_file() {
	[ ! -e "$BATS_FILE_TMPDIR/mounted-tracefs" ] || umount "$T"
}

setup() {
	IV=$BUILD/isol-verify
	busy=
	irq=
}

teardown() {
	[ -z "$busy" ] || kill "$busy" 2>/dev/null || true
	if [ -n "$irq" ]; then
		echo "$irq_was" >/proc/irq/"$irq"/smp_affinity_list 2>/dev/null || true
	fi
	# a test that failed half-way must not leave an instance behind for the next
	for d in "$T"/instances/quietcore-noise-*; do
		[ -d "$d" ] || continue
		echo 0 >"$d/tracing_on" 2>/dev/null || true
		echo >"$d/set_event" 2>/dev/null || true
		rmdir "$d" 2>/dev/null || true
	done
}

requires_tracing() {
	requires root
	requires jq
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	[ -e "$T/instances" ] || skip "needs tracefs at $T"
}

noise_json() {
	jq -c '.checks[] | select(.id == "noise")' <<<"$output"
}

# The tracing state a run must leave as it found it.
tracing_state() {
	ls "$T/instances"
	local f
	for f in current_tracer trace_clock tracing_on tracing_cpumask tracing_thresh buffer_size_kb \
		options/overwrite set_event; do
		printf '%s: %s\n' "$f" "$(cat "$T/$f")"
	done
}

start_busy() {
	taskset -c 1 sh -c 'while :; do :; done' &
	busy=$!
}

@test "noise: skipped on a fake root, usage errors for bad options" {
	run -0 --separate-stderr "$IV" --root "$QC_TOP/tests/fixtures/verify/isolated" --interval 0 --json --noise=0.1
	[ "$(jq -r '.checks[] | select(.id == "noise") | .status' <<<"$output")" = skipped ]
	[[ "$(jq -r '.checks[] | select(.id == "noise") | .message' <<<"$output")" == *"not with --root"* ]]
	run -2 --separate-stderr "$IV" --noise=-1
	[[ "$stderr" == *"invalid noise duration"* ]]
	run -2 --separate-stderr "$IV" --noise-threshold 0
	[[ "$stderr" == *"invalid noise threshold"* ]]
	run -2 --separate-stderr "$IV" --max-noise 5parsecs
	[[ "$stderr" == *"invalid noise budget"* ]]
	run -2 --separate-stderr "$IV" --noise-cpus 1-0
	[[ "$stderr" == *"--noise-cpus"* ]]
}

@test "this machine: a busy task on the traced CPU is among its top sources, by comm and PID" {
	requires_tracing
	before=$(tracing_state)
	start_busy
	run --separate-stderr "$IV" --interval 0 --json --noise=1 --noise-cpus 1
	kill "$busy"
	jq -e . >/dev/null <<<"$output"
	n=$(noise_json)
	echo "$n" | jq -c '.details.cpus[0].sources[:5]'
	[ "$(jq -r .details.backend <<<"$n")" = generic ]
	# among the top five sources (another job's threads may share this CPU): by pid and comm
	jq -e --argjson pid "$busy" '.details.cpus[0] | .cpu == 1 and .noise_ns > 0 and
		([.sources[:5][] | select(.kind == "thread" and .id == $pid and .name == "sh")] | length == 1)' <<<"$n"
	# the sources add up to the noise: every gap's time went to exactly one of them
	jq -e '.details.cpus[0] | .sources_count > 64 or ([.sources[].total_ns] | add) == .noise_ns' <<<"$n"
	[ "$(jq -r .status <<<"$n")" = warning ]
	# the verdict names the CPU, the biggest source and what to do, and its top three
	jq -e '.message | test("^CPU 1: [0-9]+ ns of noise .*; most from .+: .+; top: .+ ns in [0-9]+")' <<<"$n"
	[ "$(tracing_state)" = "$before" ]
}

@test "this machine: a device IRQ on the traced CPU (moved there unless managed), with traffic, is named" {
	requires_tracing
	requires dd
	# the IRQ of the disk under the test's directory: the one direct reads make count
	f=$BATS_TEST_TMPDIR/direct
	dd if=/dev/zero of="$f" bs=1M count=16 oflag=direct 2>/dev/null || skip "no O_DIRECT on $BATS_TEST_TMPDIR"
	snap() { awk 'NR > 1 && $1 ~ /^[0-9]+:$/ { s = 0; for (i = 2; i <= '"$(($(nproc) + 1))"'; i++) s += $i; print $1, s }' /proc/interrupts; }
	a=$(snap)
	dd if="$f" of=/dev/null bs=4k iflag=direct 2>/dev/null
	b=$(snap)
	irq=$(join <(echo "$a" | sort) <(echo "$b" | sort) | awk '{ d = $3 - $2; if (d > best) { best = d; n = $1 } } END { sub(":", "", n); print n }')
	[ -n "$irq" ] || skip "no IRQ counts the reads of $f"
	irq_n=$irq
	name=$(awk -v n="$irq:" '$1 == n { print $NF }' /proc/interrupts)
	cpu=1
	irq_was=$(cat /proc/irq/"$irq"/smp_affinity_list)
	if ! echo 1 >/proc/irq/"$irq"/smp_affinity_list 2>/dev/null; then
		# managed (virtio-blk's queues): the kernel placed it; trace the CPU it lands on
		irq=
		cpu=$(cat /proc/irq/"$irq_n"/effective_affinity_list 2>/dev/null || true)
		[[ "$cpu" =~ ^[0-9]+$ ]] || skip "IRQ $irq_n cannot be moved and lands on CPUs '$cpu'"
	fi
	(for _ in 1 2 3 4 5 6; do dd if="$f" of=/dev/null bs=4k iflag=direct 2>/dev/null; done) &
	traffic=$!
	run --separate-stderr "$IV" --interval 0 --json --noise=1 --noise-cpus "$cpu"
	wait "$traffic"
	n=$(noise_json)
	echo "$n" | jq -c '.details.cpus[0].sources[:8]'
	jq -e --argjson irq "$irq_n" --arg name "$name" \
		'[.details.cpus[0].sources[] | select(.kind == "irq" and .id == $irq and .name == $name and .count > 0)] | length == 1' <<<"$n"
}

@test "this machine: --max-noise decides the status; Prometheus metrics per source" {
	requires_tracing
	start_busy
	run -2 --separate-stderr "$IV" --interval 0 --json --noise=0.5 --noise-cpus 1 --max-noise 1us
	[ "$(jq -r .status <<<"$(noise_json)")" = critical ]
	[[ "$(jq -r .message <<<"$(noise_json)")" == *"budget 1000 ns/s"* ]]
	# a budget of a whole second per second cannot be exceeded
	run --separate-stderr "$IV" --interval 0 --json --noise=0.5 --noise-cpus 1 --max-noise 1s
	[ "$(jq -r .status <<<"$(noise_json)")" = warning ]
	run --separate-stderr "$IV" --interval 0 --prometheus --noise=0.5 --noise-cpus 1
	kill "$busy"
	assert_line --regexp '^isol_verify_noise_ns\{cpu="1"\} [1-9][0-9]*$'
	assert_line --regexp '^isol_verify_noise_source_ns\{cpu="1",kind="thread",id="'"$busy"'",name="sh"\} [1-9][0-9]*$'
	assert_line --regexp '^isol_verify_noise_source_count\{cpu="1",kind="hw",id="-1",name="hw"\} [0-9]+$'
}

@test "this machine: SIGINT ends the run early and leaves tracefs as it was" {
	requires_tracing
	before=$(tracing_state)
	"$IV" --interval 0 --json --noise=60 --noise-cpus 1 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	for _ in $(seq 100); do [ -d "$T/instances/quietcore-noise-$pid" ] && break; sleep 0.1; done
	[ -d "$T/instances/quietcore-noise-$pid" ]
	[ "$(grep -o '\[[a-z_-]*\]' "$T/instances/quietcore-noise-$pid/trace_clock")" = "[mono]" ]
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	grep -q "interrupted" "$BATS_TEST_TMPDIR/err"
	[ ! -e "$T/instances/quietcore-noise-$pid" ]
	[ "$(tracing_state)" = "$before" ]
}

@test "this machine: after a SIGKILL the next run removes the instance left behind, and says so" {
	requires_tracing
	before=$(tracing_state)
	"$IV" --interval 0 --noise=60 --noise-cpus 1 >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -d "$T/instances/quietcore-noise-$pid" ] && break; sleep 0.1; done
	[ -d "$T/instances/quietcore-noise-$pid" ]
	kill -KILL "$pid"
	wait "$pid" || true
	[ -d "$T/instances/quietcore-noise-$pid" ]
	run --separate-stderr "$IV" --interval 0 --json --noise=0.2 --noise-cpus 1
	[ "$(jq -r .details.removed_stale_instances <<<"$(noise_json)")" = "quietcore-noise-$pid" ]
	[ "$(jq -r .status <<<"$(noise_json)")" != unknown ]
	[ "$(tracing_state)" = "$before" ]
}

@test "this machine: a second run while one traces refuses, naming the first" {
	requires_tracing
	"$IV" --interval 0 --noise=60 --noise-cpus 1 >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -d "$T/instances/quietcore-noise-$pid" ] && break; sleep 0.1; done
	# (the verdict is the worst check's: this machine is not isolated, so it may be critical)
	run --separate-stderr "$IV" --interval 0 --json --noise=0.2 --noise-cpus 1
	[ "$status" -ge 2 ]
	[ "$(jq -r .status <<<"$(noise_json)")" = unknown ]
	[[ "$(jq -r .message <<<"$(noise_json)")" == *"another isol-verify --noise (PID $pid)"* ]]
	kill -INT "$pid"
	wait "$pid" || true
	[ ! -e "$T/instances/quietcore-noise-$pid" ]
}

@test "this machine: --noise-backend osnoise without the tracer is UNKNOWN and says why; auto picks what the kernel has" {
	requires_tracing
	run --separate-stderr "$IV" --interval 0 --json --noise=0.2 --noise-cpus 1 --noise-backend osnoise
	if grep -qw osnoise "$T/available_tracers"; then
		[ "$(jq -r .details.backend <<<"$(noise_json)")" = osnoise ]
	else
		[ "$(jq -r .status <<<"$(noise_json)")" = unknown ]
		[[ "$(jq -r .message <<<"$(noise_json)")" == *"no osnoise tracer"* ]]
		run --separate-stderr "$IV" --interval 0 --json --noise=0.2 --noise-cpus 1
		[ "$(jq -r .details.backend <<<"$(noise_json)")" = generic ]
	fi
	run -2 --separate-stderr "$IV" --noise-backend bogus
	[[ "$stderr" == *"not auto, generic or osnoise"* ]]
}

@test "this machine: without tracefs the noise check is UNKNOWN with the reason, never OK" {
	requires_tracing
	requires unshare
	# a mount namespace of its own, tracefs unmounted there only
	run --separate-stderr unshare -m sh -c "umount $T && ! grep -q ' tracefs ' /proc/self/mounts &&
		! grep -q ' debugfs ' /proc/self/mounts && exec '$IV' --interval 0 --json --noise=0.2 --noise-cpus 1"
	jq -e . >/dev/null <<<"$output"
	[ "$(jq -r .status <<<"$(noise_json)")" = unknown ]
	[[ "$(jq -r .message <<<"$(noise_json)")" == *"tracefs is not mounted"* ]]
	# and it was not mounted behind our back: this namespace's view is gone with it
	grep -q " $T tracefs " /proc/self/mounts
}
