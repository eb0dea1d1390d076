#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Records, inside a guest running a kernel with the osnoise tracer, what
# isol-verify's osnoise back end reads: the tracer's control files as the
# kernel boots them, the event formats, whether the tracer runs in an
# instance, a trace of the tracer on CPUs 2-3 while known noise is made
# there, and `rtla osnoise top` over the same noise (when rtla is present).
# Run as root, from CPU 0 or 1 (the housekeeping CPUs of the guest booted
# with isolcpus=2-3). See README.md for how it was run.
#
#   record.sh OUTDIR
#
# The trace runs with osnoise/period_us = runtime_us = PERIOD_US (100000
# unless set in the environment): short periods, so that a whole period fits
# a small sample. rtla runs with the boot values.
#
# The noise, each phase bracketed by trace_marker lines "qc: ... begin/end":
#   serial  IRQ 4 (ttyS0) moved to CPU 2, four 64-byte lines written to
#           /dev/ttyS0 from CPU 0, 0.1 s apart, the IRQ moved back
#   disk    O_DIRECT reads of /dev/vda from CPU 0; the virtio-blk queue IRQ
#           is managed (it cannot be moved): its effective CPU is recorded
#   busy    a busy loop named qc-busy pinned to CPU 2 for 1 s
set -u
T=/sys/kernel/tracing
out=${1:?usage: record.sh OUTDIR}
mkdir -p "$out/formats" || exit 1
CPUS=2-3
PERIOD_US=${PERIOD_US:-100000}

log() { echo "record: $*" >&2; }

# --- the kernel -------------------------------------------------------------
{
	echo "uname -r: $(uname -r)"
	echo "uname -v: $(uname -v)"
	echo "cmdline: $(cat /proc/cmdline)"
	echo "isolated: $(cat /sys/devices/system/cpu/isolated)"
	echo "nohz_full: $(cat /sys/devices/system/cpu/nohz_full)"
	echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "realtime: $(cat /sys/kernel/realtime 2>/dev/null || echo absent)"
} >"$out/kernel.txt"

# --- what the tracer offers, as booted (nothing written yet) ----------------
cat $T/available_tracers >"$out/available_tracers"
cat $T/trace_clock >"$out/trace_clock"
{
	echo "# ls -l $T/osnoise"
	ls -l $T/osnoise
	for f in "$T"/osnoise/*; do
		echo "== ${f##*/}"
		cat "$f" 2>&1
	done
	echo "== ../tracing_thresh"
	cat $T/tracing_thresh
	echo "== ../current_tracer"
	cat $T/current_tracer
} >"$out/osnoise-defaults.txt"
ls $T/events/osnoise >"$out/events-osnoise.list"
for d in "$T"/events/osnoise/*/; do
	e=${d%/}
	e=${e##*/}
	[ -f "$d/format" ] && cat "$d/format" >"$out/formats/osnoise-$e.format"
done
for e in osnoise timerlat; do
	[ -f $T/events/ftrace/$e/format ] && cat $T/events/ftrace/$e/format >"$out/formats/ftrace-$e.format"
done

# --- can the tracer run in an instance? ------------------------------------
inst=$T/instances/qc-probe
{
	if mkdir $inst; then
		echo "mkdir instances/qc-probe: ok"
		echo "instances/qc-probe/available_tracers: $(cat $inst/available_tracers)"
		if echo osnoise >$inst/current_tracer 2>"$out/.err"; then
			echo "echo osnoise > instances/qc-probe/current_tracer: ok"
		else
			echo "echo osnoise > instances/qc-probe/current_tracer: failed: $(cat "$out/.err")"
		fi
		echo "instances/qc-probe/current_tracer: $(cat $inst/current_tracer)"
		echo "top-level current_tracer meanwhile: $(cat $T/current_tracer)"
		ls $inst/osnoise >/dev/null 2>&1 && echo "instances/qc-probe/osnoise/: exists" ||
			echo "instances/qc-probe/osnoise/: absent (the control files are global)"
		# a second instance at once, as rtla and isol-verify could be
		if mkdir $T/instances/qc-probe2 && echo osnoise >$T/instances/qc-probe2/current_tracer 2>"$out/.err"; then
			echo "a second instance with osnoise at the same time: ok"
		else
			echo "a second instance with osnoise at the same time: failed: $(cat "$out/.err")"
		fi
		sleep 1
		echo nop >$T/instances/qc-probe2/current_tracer 2>/dev/null
		rmdir $T/instances/qc-probe2 2>/dev/null
		echo nop >$inst/current_tracer
		rmdir $inst && echo "rmdir instances/qc-probe: ok"
	else
		echo "mkdir instances/qc-probe: failed"
	fi
	rm -f "$out/.err"
} >"$out/instance.txt" 2>&1

# --- the trace --------------------------------------------------------------
# In an instance when the tracer runs in one (what isol-verify will do),
# else at the top level.
if grep -q 'osnoise > instances/qc-probe/current_tracer: ok' "$out/instance.txt"; then
	I=$T/instances/qc-osnoise
	mkdir $I || exit 1
else
	I=$T
fi
echo "$I" >"$out/trace-where.txt"
echo 0 >$I/tracing_on
echo mono >$I/trace_clock || log "trace_clock mono refused"
echo 8192 >$I/buffer_size_kb
echo $CPUS >$T/osnoise/cpus
# runtime first: the kernel refuses (EINVAL) a runtime_us over period_us
echo "$PERIOD_US" >$T/osnoise/runtime_us
echo "$PERIOD_US" >$T/osnoise/period_us
for e in irq_noise softirq_noise thread_noise nmi_noise sample_threshold; do
	echo 1 >$I/events/osnoise/$e/enable
done
cat $I/set_event >"$out/set_event"
{
	for f in cpus period_us runtime_us stop_tracing_us stop_tracing_total_us; do
		echo "osnoise/$f: $(cat $T/osnoise/$f)"
	done
	echo "tracing_thresh: $(cat $T/tracing_thresh)"
	echo "trace_clock: $(cat $I/trace_clock)"
	echo "buffer_size_kb: $(cat $I/buffer_size_kb)"
} >"$out/trace-settings.txt"

vda_irq() { # the IRQ of virtio-blk's request queue
	awk '/virtio[0-9]+-req/ { sub(":", "", $1); print $1; exit }' /proc/interrupts
}

marker() { echo "qc: $*" >$I/trace_marker; }

now() { cut -d' ' -f1 /proc/uptime; }

noise() { # the three phases, from CPU 0
	local irq eff
	echo "serial begin, uptime $(now)"
	marker "serial begin"
	echo 2 >/proc/irq/4/smp_affinity_list
	echo "irq 4 smp_affinity_list: $(cat /proc/irq/4/smp_affinity_list)"
	for _ in 1 2 3 4; do
		echo "qc serial traffic: 64 bytes of text to make the UART interrupt" >/dev/ttyS0
		sleep 0.1
	done
	echo "irq 4 effective_affinity_list after the traffic: $(cat /proc/irq/4/effective_affinity_list)"
	echo 0-1 >/proc/irq/4/smp_affinity_list
	marker "serial end"
	sleep 0.3
	irq=$(vda_irq)
	eff=$(cat /proc/irq/"$irq"/effective_affinity_list)
	echo "virtio-blk request IRQ $irq effective: $eff smp_affinity_list: $(cat /proc/irq/"$irq"/smp_affinity_list)"
	(echo 3 >/proc/irq/"$irq"/smp_affinity_list) 2>&1 | sed "s/^/moving IRQ $irq to 3: /"
	echo "disk begin, uptime $(now)"
	marker "disk begin (IRQ $irq effective on $eff)"
	dd if=/dev/vda of=/dev/null bs=4k count=512 iflag=direct 2>&1 | tail -1
	marker "disk end"
	sleep 0.3
	echo "busy begin, uptime $(now)"
	marker "busy begin"
	taskset -c 2 bash -c 'echo -n qc-busy >/proc/$$/comm; while :; do :; done' &
	local pid=$!
	sleep 1
	kill $pid
	wait $pid 2>/dev/null
	marker "busy end"
	echo "busy end, uptime $(now)"
}

cat /proc/interrupts >"$out/interrupts-before.txt"
echo osnoise >$I/current_tracer
echo 1 >$I/tracing_on
sleep 1.5
noise >"$out/noise.log" 2>&1
sleep 1.5
echo 0 >$I/tracing_on
cat /proc/interrupts >"$out/interrupts-after.txt"
cat $I/trace >"$out/trace.txt"
for c in 2 3; do
	cat $I/per_cpu/cpu$c/stats >"$out/stats-cpu$c.txt"
done
echo nop >$I/current_tracer
echo >$I/set_event
echo 1 >$I/tracing_on
[ "$I" = $T ] || rmdir $I
# the boot values back, for rtla (period first: runtime_us <= period_us)
for f in cpus period_us runtime_us; do
	sed -n "/^== $f\$/{n;p}" "$out/osnoise-defaults.txt" >$T/osnoise/$f
done

# --- rtla, over the same noise ---------------------------------------------
if command -v rtla >/dev/null; then
	rtla --version >"$out/rtla-version.txt" 2>&1 || rtla 2>&1 | head -3 >"$out/rtla-version.txt"
	rtla osnoise top -c 2 -d 5s >"$out/rtla-osnoise-top.txt" 2>"$out/rtla-osnoise-top.stderr" &
	rpid=$!
	echo "rtla started, uptime $(now)" >"$out/rtla-noise.log"
	# the noise once rtla traces: its instance has the tracer and is on
	ri=$T/instances/osnoise_top
	for _ in $(seq 300); do
		[ "$(cat $ri/current_tracer 2>/dev/null)" = osnoise ] &&
			[ "$(cat $ri/tracing_on 2>/dev/null)" = 1 ] && break
		sleep 0.1
	done
	{
		echo "rtla tracing, uptime $(now)"
		ls $T/instances
		echo "osnoise/cpus: $(cat $T/osnoise/cpus) period_us: $(cat $T/osnoise/period_us) runtime_us: $(cat $T/osnoise/runtime_us) options: $(cat $T/osnoise/options)"
	} >>"$out/rtla-noise.log"
	sleep 0.5
	I=$T
	marker() { :; }
	noise >>"$out/rtla-noise.log" 2>&1
	wait $rpid
	echo "exit $?" >>"$out/rtla-osnoise-top.stderr"
	echo "rtla done, uptime $(now)" >>"$out/rtla-noise.log"
else
	echo "rtla: not in the guest" >"$out/rtla-osnoise-top.stderr"
fi
exit 0
