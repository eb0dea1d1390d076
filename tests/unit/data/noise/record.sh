#!/bin/bash
# Records the generic back end's events on CPU 0 in a tracefs instance of its
# own (trace clock mono) while ./probe runs there, then removes the instance.
set -u
T=/sys/kernel/tracing
name=qc-sample-$(tr -dc a-z0-9 </dev/urandom | head -c4)
I=$T/instances/$name
out=${1:?usage: record.sh OUTDIR}
mkdir -p "$out"
mkdir "$I" || exit 1
cleanup() {
	echo 0 >"$I/tracing_on"
	echo >"$I/set_event"
	rmdir "$I" && echo "removed $I" >&2
}
trap cleanup EXIT
echo 0 >"$I/tracing_on"
echo mono >"$I/trace_clock"
echo 1 >"$I/tracing_cpumask"
echo 4096 >"$I/buffer_size_kb"
for e in irq/irq_handler_entry irq/irq_handler_exit irq/softirq_entry irq/softirq_exit \
	sched/sched_switch nmi/nmi_handler; do
	echo 1 >"$I/events/$e/enable"
done
for d in "$I"/events/irq_vectors/*_entry "$I"/events/irq_vectors/*_exit; do
	echo 1 >"$d/enable"
done
cat "$I/set_event" >"$out/set_event"
sleep 0.2
echo 1 >"$I/tracing_on"
# load on CPU 0, all niced: direct disk I/O (completion IPIs, BLOCK), network
# (NET_RX), timers (sleep), a CPU-bound competitor that preempts the probe
(for _ in $(seq 10); do dd if=/dev/zero of="$out/ddfile" bs=64k count=20 oflag=direct 2>/dev/null; sleep 0.05; done) &
(for _ in $(seq 10); do curl -s -m 0.2 http://192.0.2.1/ >/dev/null; sleep 0.1; done) &
(sleep 0.5; timeout 0.3 sh -c 'while :; do :; done') &
./probe 2 1000 >"$out/gaps.txt"
wait
echo 0 >"$I/tracing_on"
cat "$I/trace" >"$out/trace.txt"
cat "$I/per_cpu/cpu0/stats" >"$out/stats.txt"
rm -f "$out/ddfile"
