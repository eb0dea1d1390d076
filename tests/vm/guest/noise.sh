#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /sbin/init of the noise guests (tests/vm/noise.bats), busybox sh, booted
# with isolcpus=2-3 nohz_full=2-3 tsc=reliable: Debian 12's cloud 6.1 (no
# osnoise tracer: the generic back end) and its PREEMPT_RT 6.1 (the osnoise
# tracer). In one boot it makes known noise on CPU 2 (a busy task pinned
# there, the IRQ of ttyS0 moved there with output on the port), runs
# isol-verify --noise (auto: osnoise where the kernel has it, else generic);
# where the kernel has osnoise, rtla osnoise top over the same noise and
# window settings and isol-verify's generic back end as well; and records
# the tracing state before, between and after. Sections "=== NAME" go to the
# second serial port (/dev/ttyS1); the host asserts on them. It runs on
# CPUs 0-1.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
T=/sys/kernel/tracing

mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mountpoint -q /run || mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
section() { echo "=== $1" >&3; }
now() { cut -d' ' -f1 /proc/uptime; }
# log MESSAGE: a timed line in a "log" section of its own, never inside
# the section being written (the host compares those byte for byte)
log() {
	section log
	echo "$(now) $*" >&3
}
# report NAME OUT ERR RC: a command's output, errors and exit status as sections
report() {
	section "$1"
	cat "$2" >&3
	section "$1-stderr"
	cat "$3" >&3
	section "$1-rc"
	echo "$4" >&3
}

taskset -p -c 0-1 $$ >/dev/null 2>&1

section uname
uname -r >&3
uname -v >&3
log "init: userspace"

# The tracing state isol-verify must leave as it found it: the top level
# and every global osnoise file, each as "== NAME" and its content.
state() {
	echo "== ls instances"
	ls $T/instances
	for f in current_tracer trace_clock tracing_on tracing_thresh set_event tracing_cpumask buffer_size_kb; do
		echo "== $f"
		cat "$T/$f" 2>&1
	done
	for f in "$T"/osnoise/*; do
		echo "== osnoise/${f##*/}"
		cat "$f" 2>&1
	done
}

# 1. tracefs, and the state before anything touches it
if ! mount -t tracefs nodev $T; then
	log "mount -t tracefs failed"
fi
section state-before
state >&3

# 2. the noise on CPU 2: a busy task, and ttyS0's IRQ with output on the port
# The task runs in bursts with a millisecond's sleep between them, not
# flat out: with one TCG thread for all vCPUs (VM_TCG) a vCPU that never
# halts starves the others (soft lockups, RCU stalls, isol-verify minutes
# late); each burst is still noise on CPU 2 that the run must name. The
# sleep is the shell's own read -t on a FIFO nobody writes, not a sleep
# program: a process per burst would each be a source of its own.
mkfifo /run/qc-idle
# shellcheck disable=SC2016 # the inner shell expands it
taskset -c 2 sh -c 'exec 5<>/run/qc-idle; while :; do i=0; while [ $i -lt 50 ]; do i=$((i + 1)); done; read -t 0.002 _ <&5; done' &
busy=$!
section busy
echo "$busy" >&3
# keep the port open: the 8250 driver requests its IRQ on open
exec 4>/dev/ttyS0
irq=$(awk '/ttyS0/ { sub(":", "", $1); print $1; exit }' /proc/interrupts)
section serial-irq
echo "${irq:-none}" >&3
section serial-affinity
if [ -n "$irq" ]; then
	old=$(cat "/proc/irq/$irq/smp_affinity_list")
	echo "before $old" >&3
	echo 2 >"/proc/irq/$irq/smp_affinity_list" 2>&3
	echo "after $(cat "/proc/irq/$irq/smp_affinity_list")" >&3
fi
# about 130 bytes a second on ttyS0 (an IRQ every few bytes) for as long as
# the measurements run
(
	while :; do
		echo "qc noise: serial traffic on ttyS0 to raise its IRQ on CPU 2" >&4
		sleep 0.5
	done
) &
talker=$!
sleep 1
section interrupts-noise-start
cat /proc/interrupts >&3

# 3. isol-verify, back end auto: the busy task and IRQ critical over 1us/s
# (where isol-verify spends its time, every 2 s: its kernel stack and the
# instance's state; a slow or stuck run shows where)
watch_run() { # watch_run PID
	while [ -d "/proc/$1" ]; do
		echo "-- $(now) wchan $(cat "/proc/$1/wchan" 2>/dev/null) instances: $(echo $T/instances/*)"
		sed 's/^/   /' "/proc/$1/stack" 2>/dev/null
		for i in "$T"/instances/quietcore-noise-*; do
			[ -d "$i" ] && echo "   $(basename "$i"): tracer $(cat "$i/current_tracer") on $(cat "$i/tracing_on")"
		done
		sleep 2
	done
}
log "isol-verify auto begin"
isol-verify --json --interval 0 --noise=3 --noise-cpus 2 --max-noise 1us >/tmp/v1.json 2>/tmp/v1.err &
vpid=$!
watch_run "$vpid" >/tmp/v1.timeline 2>&1 &
wait "$vpid"
rc=$?
log "isol-verify auto end"
section verify-auto-timeline
cat /tmp/v1.timeline >&3
report verify-auto /tmp/v1.json /tmp/v1.err "$rc"
section state-after-auto
state >&3
section run-after-auto
ls -la /run/quietcore >&3 2>&1

# 4 and 5 where the kernel has the osnoise tracer (the rt kernel): rtla
# beside it, and the generic back end on the same kernel and noise
if grep -qw osnoise $T/available_tracers; then
	# 4. rtla over the same noise, with the window isol-verify uses: 1 s period
	# = runtime, tracing_thresh left alone (0: the tracer's 5 us)
	section rtla-help
	rtla osnoise top --help 2>&1 | head -3 >&3
	log "rtla begin"
	rtla osnoise top -c 2 -p 1000000 -r 1000000 -d 3s -q >/tmp/rtla.out 2>/tmp/rtla.err
	rc=$?
	log "rtla end"
	report rtla /tmp/rtla.out /tmp/rtla.err "$rc"
	section state-after-rtla
	state >&3

	# 5. the generic back end on the same kernel and noise
	log "isol-verify generic begin"
	isol-verify --json --interval 0 --noise=2 --noise-cpus 2 --noise-backend generic >/tmp/v2.json 2>/tmp/v2.err
	rc=$?
	log "isol-verify generic end"
	report verify-generic /tmp/v2.json /tmp/v2.err "$rc"

	# 6. a run killed while armed, with the osnoise settings written: SIGTERM
	# (isol-verify disarms, then dies of the signal) and SIGKILL (the
	# instance and the .saved file stay; the next run removes the one and
	# writes the other back)
	for sig in TERM KILL; do
		log "isol-verify SIG$sig begin"
		isol-verify --json --interval 0 --noise=60 --noise-cpus 2 >/dev/null 2>/tmp/k.err &
		vpid=$!
		n=0
		until [ "$(cat $T/instances/quietcore-noise-$vpid/tracing_on 2>/dev/null)" = 1 ] || [ $n -ge 600 ]; do
			sleep 0.5
			n=$((n + 1))
		done
		section "armed-$sig"
		echo "$vpid $(cat $T/instances/quietcore-noise-$vpid/current_tracer 2>&1)" >&3
		ls -1 /run/quietcore >&3 2>&1
		kill -"$sig" "$vpid"
		wait "$vpid"
		rc=$?
		log "isol-verify SIG$sig end"
		report "killed-$sig" /dev/null /tmp/k.err "$rc"
		section "state-killed-$sig"
		state >&3
	done
	log "isol-verify sweep begin"
	isol-verify --json --interval 0 --noise=1 --noise-cpus 2 >/tmp/v3.json 2>/tmp/v3.err
	rc=$?
	log "isol-verify sweep end"
	report verify-sweep /tmp/v3.json /tmp/v3.err "$rc"
fi

# 7. the noise stopped, the IRQ back, the state again
section interrupts-noise-end
cat /proc/interrupts >&3
kill "$talker" "$busy"
wait "$talker" "$busy" 2>/dev/null
[ -z "$irq" ] || echo "$old" >"/proc/irq/$irq/smp_affinity_list"
exec 4>&-
section state-after
state >&3
section run-quietcore
ls -la /run/quietcore >&3 2>&1
section kmsg-tail
dmesg | tail -40 >&3
log "init: done"
section END
exec 3>&-
sync
poweroff -f
