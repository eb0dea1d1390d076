#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# (Re)builds the seed corpora tests/fuzz/corpus/<harness>/ from the real
# fixtures: the hwloc sysfs trees (cpulists, masks), the boot fixtures (GRUB
# defaults, BLS entries, /etc/kernel/cmdline, /proc/cmdline), the isol-verify
# fixture (/proc/interrupts, stat files) and this machine's /proc. Seeds are
# named by content hash, so running it again only adds what is new.
#   tests/fuzz/mkseeds.sh [BUILD]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tests/fuzz/corpus
fx=$top/tests/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

seed() { # seed HARNESS < content
	local f=$tmp/seed h
	cat >"$f"
	h=$(sha1sum "$f" | cut -c1-16)
	mkdir -p "$out/$1"
	[ -e "$out/$1/$h" ] || cp "$f" "$out/$1/$h"
}

tar -xzf "$fx/topologies/hwloc-sysfs-trees.tar.gz" -C "$tmp"

# cpulists: one of each distinct text; the first byte picks the CPU space
# ('a' is odd: CPUSET_MAX; 'P' even: 161 CPUs).
find "$tmp" -path '*/sys/*' -type f \( -name '*_list' -o -name online -o -name possible \
	-o -name present -o -name offline -o -name isolated -o -name cpulist \) -print0 |
	xargs -0 cat 2>/dev/null | LC_ALL=C sort -u | head -150 |
	while IFS= read -r l; do printf 'a%s\n' "$l" | seed cpulist; done
for l in '0-3,8' '2-15:2/4' '0-N:1/2' 'all' 'N' '1,3 5	7' '0-7:0/4' '3-1' '0-4294967296' \
	 '0-8191' '8192'; do
	printf 'a%s' "$l" | seed cpulist
	printf 'P%s' "$l" | seed cpulist
done

# masks
find "$tmp" -path '*/sys/*' -type f \( -name 'thread_siblings' -o -name 'core_siblings' \
	-o -name cpumap -o -name 'package_cpus' -o -name 'core_cpus' -o -name 'die_cpus' \) -print0 |
	xargs -0 cat 2>/dev/null | LC_ALL=C sort -u | head -150 |
	while IFS= read -r l; do printf '%s\n' "$l" | seed mask; done
for l in 'ff,ffffffff' '0x3' '00000000,00000001' 'f' '1,00000000,00000000' ''; do
	printf '%s\n' "$l" | seed mask
done

# kernel command lines
for f in "$fx"/boot/*/proc/cmdline "$fx"/boot/*/etc/kernel/cmdline /proc/cmdline; do
	[ -f "$f" ] && seed kparam <"$f"
done
for l in 'isolcpus=domain,managed_irq,1-3 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0' \
	 'isolcpus=managed_irq,2-7 quiet "foo=bar baz" a="b c"' 'isolcpus=nohz,domain,0-N:1/2' \
	 'isolcpus=bogus,1-3' 'isolcpus=b@d,1' 'root=/dev/sda1 -- init args isolcpus=5' \
	 'dyndbg="file x +p" nohz-full=4 rcu-nocbs'; do
	printf '%s\n' "$l" | seed kparam
done
# an unterminated quote swallows the rest; the kernel's isspace() has 0xa0
for l in 'quiet foo="bar isolcpus=1-3 nohz_full=1-3' '"foo=a b isolcpus=2' 'a "' \
	 $'quiet\xa0isolcpus=2-3\vnohz_full=2-3' $'isolcpus=\xe9t\xe9,1-3' $'x="1\xa02" y'; do
	printf '%s\n' "$l" | seed kparam
done

# /proc/interrupts
for f in /proc/interrupts "$fx"/verify/*/proc/interrupts; do
	[ -f "$f" ] && seed interrupts <"$f"
done
printf '           CPU0       CPU2\n  0:         44          0   IO-APIC    2-edge      timer\nLOC:     1 2   Local timer interrupts\nERR:          0\nMIS:          0\n' |
	seed interrupts
# a CPU named twice, and out of order: refused
printf '           CPU0       CPU1       CPU0\n  0:         44          0          3   IO-APIC    2-edge      timer\n' |
	seed interrupts
printf '           CPU2       CPU1\n 24:          1          2   PCI-MSI 0-edge      eth0\n' | seed interrupts

# /proc/PID/stat
for f in /proc/self/stat /proc/1/stat /proc/2/stat "$fx"/path/*/proc/*/stat \
	 "$fx"/path/*/proc/*/task/*/stat "$fx"/verify/*/proc/*/task/*/stat; do
	[ -f "$f" ] && seed taskstat <"$f"
done
sed 's/([^)]*)/(a) b (c))/' /proc/self/stat | seed taskstat
# a negative processor (field 39) and ppid (field 4): refused
printf '%s\n' '15 (migration/0) S 2 0 0 0 -1 69238848 0 0 0 0 0 5 0 0 -100 0 1 0 3 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 0 -1 99 1 0 0 0 0 0 0 0 0 0 0 0' \
	'7 (x) S -1 0 0 0 -1 4194560 0 0 0 0 0 5 0 0 20 0 1 0 3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 +1 0 0' |
	while IFS= read -r l; do printf '%s\n' "$l" | seed taskstat; done

# GRUB defaults: the file, and the file NUL drop-in
for d in "$fx"/boot/*; do
	[ -f "$d/etc/default/grub" ] || continue
	seed grubdefault <"$d/etc/default/grub"
	for c in "$d"/etc/default/grub.d/*.cfg; do
		[ -f "$c" ] || continue
		{ cat "$d/etc/default/grub"; printf '\0'; cat "$c"; } | seed grubdefault
	done
done

# kernel quotes: one left open, one hiding a managed parameter (refused)
printf '%s\n' "GRUB_CMDLINE_LINUX_DEFAULT='quiet foo=\"bar'" | seed grubdefault
printf '%s\n' 'GRUB_CMDLINE_LINUX="dyndbg=\"x"' 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"' | seed grubdefault
printf '%s\n' "GRUB_CMDLINE_LINUX_DEFAULT='quiet \"isolcpus=1\" dyndbg=\"file x.c +p\"'" | seed grubdefault

# shlex: the GRUB defaults files as they are, and one word of each kind
for d in "$fx"/boot/*; do
	[ -f "$d/etc/default/grub" ] || continue
	seed shlex <"$d/etc/default/grub"
done
# shellcheck disable=SC2016 # the $ are the shell text to lex, not expansions
for w in 'plain' "'single \"q\"'" '"double $A ${B} \$ \" \\ x"' 'a\
b' '$(cmd "x")' '`cmd`' '${X:-y}' '${X=y}' '$((1+2))' '$1 $@ $$' 'a"b"'"'c'"'\ d' \
	"it'\''s" 'x="unterminated' 'foo=${BAR}baz;next|pipe&bg<in>out(sub)'; do
	printf '%s\n' "$w" | seed shlex
done

# grubdash: the bytes only choose productions of the harness's grammar (no
# text of them reaches the shell); 24 fixed pseudo-random 160-byte choices
for i in $(seq 1 24); do
	python3 -c 'import hashlib, sys
h, b = sys.argv[1].encode(), b""
while len(b) < 160:
    h = hashlib.sha256(h).digest()
    b += h
sys.stdout.buffer.write(b[:160])' "grubdash-$i" | seed grubdash
done

# BLS entries and /etc/kernel/cmdline
for f in "$fx"/boot/*/boot/loader/entries/*.conf "$fx"/boot/*/boot/efi/loader/entries/*.conf \
	 "$fx"/boot/*/efi/loader/entries/*.conf "$fx"/boot/*/etc/kernel/cmdline; do
	[ -f "$f" ] && seed bls <"$f"
done

# early-pin state files: valid ones (FNV-1a 64 over every line before "end")
statefile() {
	python3 - "$@" <<'PY'
import sys
lines = sys.argv[1:]
body = "".join(l + "\n" for l in lines)
h = 0xcbf29ce484222325
for b in body.encode():
	h ^= b
	h = (h * 0x100000001b3) & 0xffffffffffffffff
nrec = len(lines) - 6
sys.stdout.write(body + "end %d %016x\n" % (nrec, h))
PY
}
statefile 'quietcore-early-pin-state 2' 'boot_id 5f0c3f9c-2d4e-4b7a-9a55-0d1f2e3c4b5a' 'root /' \
	'nbits 4' 'housekeeping 0' 'saved_at 123456' \
	'wq-unbound f' 'wq-cpumask writeback f' 'irq-default f' 'irq 24 0-3' \
	'task 1234 1240 987654 0-3' | seed statefile
statefile 'quietcore-early-pin-state 2' 'boot_id x' 'root /tmp/root' 'nbits 128' \
	'housekeeping 0,64' 'saved_at 0' 'irq 0 0-127' 'irq 9 0' 'task 1 1 5 0-127' \
	'cpufreq 0 scaling_governor powersave' 'cpufreq 64 scaling_min_freq 800000' \
	'cpufreq 64 scaling_max_freq 3500000' 'turbo intel_pstate 0' 'turbo boost 1' | seed statefile
statefile 'quietcore-early-pin-state 2' 'boot_id b' 'root /' 'nbits 1' 'housekeeping 0' \
	'saved_at 1' | seed statefile
# the run-time partition's undo records (issue 16), and a unit
statefile 'quietcore-early-pin-state 2' 'boot_id b' 'root /' 'nbits 8' 'housekeeping 0' \
	'saved_at 1' 'unit quietcore-isolated.slice' 'cgroup-cpuset unified' \
	'cgroup-dir unified quietcore-isolated' 'cgroup-cpus unified quietcore-isolated -' \
	'cgroup-partition unified quietcore-isolated member' | seed statefile
statefile 'quietcore-early-pin-state 2' 'boot_id b' 'root /' 'nbits 8' 'housekeeping 0' \
	'saved_at 1' 'cgroup-cpus hybrid q.slice 0-3' 'cgroup-partition hybrid q.slice root' \
	'cgroup-dir unified ../../etc' | seed statefile
# refused: a version 1 file, and free paths the old format took (issue 19)
statefile 'quietcore-early-pin-state 1' 'boot_id b' 'root /' 'nbits 1' 'housekeeping 0' \
	'saved_at 1' 'file /sys/devices/virtual/workqueue/cpumask 1' | seed statefile
statefile 'quietcore-early-pin-state 2' 'boot_id b' 'root /' 'nbits 1' 'housekeeping 0' \
	'saved_at 1' 'wq-cpumask ../../../../etc/passwd 1' | seed statefile

# trace text (generic and osnoise): lines of the recorded samples, trimmed
nz=$top/tests/unit/data/noise
osn=$nz/osnoise-6.1-rt
# text, NUL, the probe the harness gives noise_attribute(): event pick, tid
# and the recorded gaps, each as the blank before it and its length, from
# 16.7 ms (0x1000000 ns) before the first event (see fuzz_tracetext.c)
probe_tail() { # probe_tail PICK TID GAPS < text
	python3 -c 'import re, struct, sys
text = sys.stdin.buffer.read()
ts = [m for m in re.findall(rb"\] [^ ]* *([0-9]+)\.([0-9]+):", text)]
first = int(ts[0][0]) * 10**9 + int(ts[0][1].ljust(9, b"0"))
cur = first - min(first, 0x1000000)
out = text + b"\0" + bytes([int(sys.argv[1])]) + struct.pack("<i", int(sys.argv[2]))
for l in open(sys.argv[3]):
    w = l.split()
    if w[0] != "gap" or int(w[1]) < cur:
        continue
    s, e = int(w[1]), int(w[2])
    out += struct.pack("<II", s - cur, e - s)
    cur = e
sys.stdout.buffer.write(out)' "$@"
}
sed -n '1p;37,50p' "$nz/generic-6.18-cpu0.trace" | probe_tail 0 10158 "$nz/generic-6.18-cpu0.gaps" |
	seed tracetext
sed -n '1,16p' "$nz/generic-6.18-cpu0.trace" | seed tracetext
sed -n '1p;106,116p' "$osn/trace-cpu2-busy.txt" | seed tracetext
sed -n '1p;88,97p' "$osn/trace-cpu2-serial.txt" | seed tracetext
sed -n '1,20p' "$osn/trace-cpu3-disk.txt" | seed tracetext
# what the samples have none of (as in tests/unit/test_tracetext.c, test_noise.c): option
# record-tgid, no irq-info, a raw clock, NMIs, lost events, a second CPU
printf '%s\n' '           probe-10158   (  10158) [003] d.h.. 2.000001: call_function_single_entry: vector=251' \
	'           probe-10158   (-------) [003] 2.000002: call_function_single_exit: vector=251' \
	'          <idle>-0       [002] d.Z.. 5.000010: nmi_handler: perf_event_nmi_handler() delta_ns: 4211 handled: 1' \
	'           probe-10158   [003] d.h.. 2.123456789: irq_work_entry: vector=246' \
	'CPU:3 [LOST 12 EVENTS]' \
	'           probe-10158   [003] d.h.. 123456789012: irq_work_exit: vector=246' \
	'          <idle>-0       [001] d..2. 100.000001: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=my - [2] x next_pid=77 next_prio=120' |
	seed tracetext
printf '%s\n' '  x-1  [003] .......  2.5: softirq_noise:    TIMER:1 start 2.4 duration 33 ns' \
	'  x-1  [003] .......  2.5: nmi_noise: start 2.400000000 duration 1200 ns' \
	'  a:b-9  [001] d...3..   1.000001: thread_noise:   a:b:9 start 1.000000000 duration 77 ns' \
	'CPU:3 [LOST 2 EVENTS]' \
	'       osnoise/3-436     [003] d..h.   2.6: sample_threshold: start 2.5 duration 9 ns interference 0' |
	seed tracetext
# comments, blanks, a CRLF line, a marker, then a bad line: the text fails there
printf '# tracer: nop\n#\n\n   \nCPU:0 [LOST 3 EVENTS]\r\n%s\n%s\n%s\n' \
	'           probe-10158   [000] d.h.. 52664.675485: irq_handler_entry: irq=39 name=virtio2-output.0' \
	'           probe-1 [000] d.h.. 1.000000: irq_handler_exit: irq=x ret=handled' \
	'           probe-10158   [000] d.h.. 52664.675487: irq_handler_exit: irq=39 ret=handled' |
	seed tracetext
# handlers nested deeper than noise_attribute() keeps (NOISE_DEPTH 16): unmatched, not lost
for i in $(seq 1 18); do
	printf '  x-1 [000] d.h.. 1.%06d: irq_handler_entry: irq=%d name=a\n' "$i" "$i"
done | { cat; printf '  x-1 [000] d.h.. 1.000019: irq_handler_exit: irq=18 ret=handled\n'
	printf '  x-1 [000] d.h.. 1.000020: irq_handler_exit: irq=1 ret=handled\n'; } | seed tracetext
