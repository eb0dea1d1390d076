#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/partition.sh: how long isolating CPUS (default 2-3) at run time takes,
# and undoing it, with THREADS extra threads alive (default 10,000): quietcore
# next to what an admin does today (the RHEL/OpenShift runbooks).
#
#   quietcore  early-pin --save STATE --partition --cpus CPUS: the transient
#              slice quietcore.slice becomes an isolated cpuset partition
#              (through systemd), then IRQs, the default IRQ affinity, the
#              unbound workqueue mask (before 6.8), kernel threads and tasks
#              move. Undo: early-pin --restore STATE.
#   systemd    a copy of the IRQ affinities, then systemctl set-property
#              --runtime AllowedCPUs=HOUSEKEEPING on system.slice, user.slice
#              and init.scope, then every /proc/irq/*/smp_affinity_list and
#              /proc/irq/default_smp_affinity by hand (errors ignored). Undo:
#              AllowedCPUs= (empty) on the three, the IRQs written back from
#              the copy.
#
#   BUILD=build-x bench/partition.sh [THREADS]      REPEAT (default 5), CPUS
#
# Each time is the median wall time of REPEAT runs, process starts included,
# with THREADS sleeping threads started in system.slice. The first run of
# each way is checked before anything counts: after isolating, every one of
# those threads, system.slice's effective cpuset (where a task started there
# now runs), PID 1 and the default IRQ affinity are off CPUS and fewer IRQs
# are asked onto them; after undoing, all of it is as it was. A way that
# changed nothing stops the bench.
#
# It needs a cgroup-v2 cpuset (cgroup2 at /sys/fs/cgroup with cpuset in its
# cgroup.controllers), systemd as PID 1 and at least 4 CPUs online; then it
# runs here, as root, with $BUILD/early-pin (or EP=...), whose quietcore-unit
# must be installed (make install: the partition is made through it). On any
# other host (the hybrid cgroup layout, fewer CPUs) the same script runs in a
# QEMU guest: the Debian 12 image of tests/vm/image.bash with quietcore
# installed (kernel 6.1, built or taken from QC_VM_CACHE as for the VM tests),
# -smp 4 -m 2048, TCG, one boot; the guest's results are printed here. Under
# TCG every absolute time is many times a real machine's: compare the ratio.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
REPEAT=${REPEAT:-5}
CPUS=${CPUS:-2-3}
THREADS=${1:-10000}
UNITS=(system.slice user.slice init.scope)

die() { echo "bench/partition.sh: $*" >&2; exit 1; }
case $THREADS in '' | *[!0-9]*) die "usage: bench/partition.sh [THREADS]" ;; esac
case $REPEAT in '' | 0 | *[!0-9]*) die "REPEAT must be a positive number, not '$REPEAT'" ;; esac

# cpulist_expand LIST: one CPU a line ("0-2,5" -> 0 1 2 5)
cpulist_expand() {
	local p IFS=,
	for p in $1; do
		case $p in
		*-*) seq "${p%-*}" "${p#*-}" ;;
		?*) echo "$p" ;;
		esac
	done
}

# cpulist_join: CPU numbers on stdin (sorted) -> a cpulist ("0 1 2 5" -> 0-2,5)
cpulist_join() {
	awk 'function out() { if (n++) printf ","; printf (a == b) ? "%d" : "%d-%d", a, b }
		NR == 1 { a = b = $1; next } $1 == b + 1 { b = $1; next } { out(); a = b = $1 }
		END { if (NR) out(); print "" }'
}

# Why this host cannot run the bench itself (nothing: it can).
why_not_here() {
	local fs n
	fs=$(stat -fc %T /sys/fs/cgroup 2>/dev/null || echo missing)
	if [ "$fs" != cgroup2fs ]; then
		echo "/sys/fs/cgroup is $fs, not cgroup2: the hybrid or v1 layout"
	elif ! grep -qw cpuset /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		echo "no cpuset in /sys/fs/cgroup/cgroup.controllers: it is bound to v1 or not built"
	elif [ "$(cat /proc/1/comm)" != systemd ]; then
		echo "PID 1 is $(cat /proc/1/comm), not systemd"
	else
		n=$(cpulist_expand "$(cat /sys/devices/system/cpu/online)" | wc -l)
		[ "$n" -ge 4 ] || echo "$n CPUs online, 4 needed"
	fi
}

# --- the measurement, on a host that can (this one, or the guest) ----------

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2fx\n", a / b; else print "-" }'; }
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }

# ms COMMAND...: wall milliseconds of one run; its output is kept in
# $work/last.out and shown when it fails
ms() {
	local t0 t1
	t0=$(now_us)
	if ! "$@" >"$work"/last.out 2>&1; then
		echo "bench/partition.sh: failed: $*:" >&2
		cat "$work"/last.out >&2
		return 1
	fi
	t1=$(now_us)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e3 }'
}

# meets LIST: LIST has a CPU of CPUS
meets() {
	local c
	for c in $(cpulist_expand "$1"); do
		[ -z "${iso_set[$c]:-}" ] || return 0
	done
	return 1
}

# mask_meets MASK: the mask ("ff,ffffffff") has a CPU of CPUS
mask_meets() {
	local -a w
	local c i
	IFS=, read -r -a w <<<"$1"
	for c in "${!iso_set[@]}"; do
		i=$((${#w[@]} - 1 - c / 32))
		[ "$i" -ge 0 ] && (((16#${w[i]} >> (c % 32)) & 1)) && return 0
	done
	return 1
}

# the mask of the housekeeping CPUs, for default_smp_affinity
hk_mask() {
	local -a w=()
	local c i out=
	for c in $(cpulist_expand "$HK"); do
		w[c / 32]=$((${w[c / 32]:-0} | 1 << (c % 32)))
	done
	for ((i = $(cpulist_expand "$HK" | tail -1) / 32; i >= 0; i--)); do
		out+=$(printf '%s%08x' "${out:+,}" "${w[i]:-0}")
	done
	echo "$out"
}

# "COUNT MASK" for each distinct Cpus_allowed_list of the bench's threads
thread_masks() {
	awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/"$threads_pid"/task/*/status | sort | uniq -c
}

# where a task started in system.slice now may run: the slice's effective
# cpuset (all online CPUs while no cpuset is enabled at the root)
slice_cpus() {
	cat /sys/fs/cgroup/system.slice/cpuset.cpus.effective 2>/dev/null ||
		cat /sys/devices/system/cpu/online
}

# how many IRQs are asked onto CPUS (smp_affinity_list)
irqs_on() {
	local f v n=0
	for f in /proc/irq/[0-9]*/smp_affinity_list; do
		read -r v <"$f" || continue
		! meets "$v" || n=$((n + 1))
	done
	echo "$n"
}

# snapshot: what the checks compare, before and after
snapshot() {
	echo "threads: $(thread_masks | awk '{ printf "%s%s on %s", (NR > 1 ? ", " : ""), $1, $2 }')"
	echo "system.slice: $(slice_cpus)"
	echo "PID 1: $(awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/1/status)"
	echo "default IRQ affinity: $(cat /proc/irq/default_smp_affinity)"
	echo "IRQs onto $CPUS: $(irqs_on)"
}

# check_isolated WAY: the way took CPUS away from the threads, system.slice,
# PID 1 and IRQs (a way that changed nothing is no benchmark)
check_isolated() {
	local m bad=
	while read -r _ m; do
		! meets "$m" || bad+=" threads of the bench still on $m;"
	done < <(thread_masks)
	m=$(slice_cpus)
	! meets "$m" || bad+=" a new task in system.slice may run on $m;"
	m=$(awk '$1 == "Cpus_allowed_list:" { print $2 }' /proc/1/status)
	! meets "$m" || bad+=" PID 1 runs on $m;"
	! mask_meets "$(cat /proc/irq/default_smp_affinity)" ||
		bad+=" default_smp_affinity is $(cat /proc/irq/default_smp_affinity);"
	[ "$irqs_before" -eq 0 ] || [ "$(irqs_on)" -lt "$irqs_before" ] || bad+=" no IRQ moved off $CPUS;"
	[ -z "$bad" ] || die "$1 did not isolate $CPUS:$bad"
	echo "check: $1 isolated $CPUS: $(snapshot | paste -sd ';' | sed 's/;/; /g')"
}

# check_undone WAY: back to the snapshot taken before the first run
check_undone() {
	local now
	now=$(snapshot)
	[ "$now" = "$before" ] || die "$1 did not undo: before: $(paste -sd ';' <<<"$before"), after: $(paste -sd ';' <<<"$now")"
	echo "check: $1 undone: as before"
}

# the admin's two scripts, run with sh as an admin would
write_systemd_way() {
	local u
	{
		echo 'set -e'
		echo "grep . /proc/irq/*/smp_affinity_list >$work/irqs.saved"
		echo "cat /proc/irq/default_smp_affinity >$work/default.saved"
		for u in "${UNITS[@]}"; do
			echo "systemctl set-property --runtime $u AllowedCPUs=$HK"
		done
		echo "for f in /proc/irq/*/smp_affinity_list; do echo $HK >\"\$f\"; done 2>/dev/null || :"
		echo "echo $(hk_mask) >/proc/irq/default_smp_affinity"
	} >"$work"/systemd-isolate.sh
	{
		echo 'set -e'
		for u in "${UNITS[@]}"; do
			echo "systemctl set-property --runtime $u AllowedCPUs="
		done
		echo "while IFS= read -r l; do echo \"\${l##*:}\" >\"\${l%:*}\"; done <$work/irqs.saved 2>/dev/null || :"
		echo "cat $work/default.saved >/proc/irq/default_smp_affinity"
	} >"$work"/systemd-undo.sh
}

bench_here() {
	local online c u k i dropin
	EP=${EP:-$BUILD/early-pin}
	[ "$(id -u)" -eq 0 ] || die "needs root (it isolates CPUs of this host)"
	[ -x "$EP" ] || die "no $EP: run make BUILD=... first (or EP=...)"
	command -v systemd-run >/dev/null || die "no systemd-run"
	online=$(cat /sys/devices/system/cpu/online)
	declare -g -A iso_set=()
	for c in $(cpulist_expand "$CPUS"); do
		cpulist_expand "$online" | grep -qx "$c" || die "CPU $c of CPUS=$CPUS is not online ($online)"
		iso_set[$c]=1
	done
	HK=$(cpulist_expand "$online" | while read -r c; do [ -n "${iso_set[$c]:-}" ] || echo "$c"; done | cpulist_join)
	[ -n "$HK" ] || die "CPUS=$CPUS leaves no housekeeping CPU"
	[ ! -e /run/quietcore/active ] || die "a sequestering is in force ($(cat /run/quietcore/active)): restore it first"
	[ ! -e /sys/fs/cgroup/quietcore.slice ] || die "quietcore.slice exists: a partition is in force"
	for u in "${UNITS[@]}"; do
		[ -z "$(systemctl show -p AllowedCPUs --value "$u")" ] ||
			die "$u has AllowedCPUs=$(systemctl show -p AllowedCPUs --value "$u") already: undo it first"
	done

	threads_pid='' sd_applied='' made_dropins=()
	state=/run/quietcore/partition-bench.$$
	work=$(mktemp -d /tmp/partition-bench.XXXXXX)
	trap cleanup_here EXIT
	[ -d /run/quietcore ] || mkdir -m 0755 /run/quietcore
	PIN_THREADS=${PIN_THREADS:-}
	if [ -z "$PIN_THREADS" ]; then
		PIN_THREADS=$work/pin-threads
		cc -O2 -pthread -o "$PIN_THREADS" "$top"/bench/pin-threads.c
	fi
	# the runtime drop-ins set-property writes: the ones the bench made go
	# at the end (the units' AllowedCPUs= is empty again by then)
	for u in "${UNITS[@]}"; do
		dropin=/run/systemd/system.control/$u.d/50-AllowedCPUs.conf
		[ -e "$dropin" ] || made_dropins+=("$dropin")
	done

	# the same lock as bench/pin.sh and the real-machine tests
	exec {lock}>/run/lock/quietcore-early-pin-real.lock
	flock -w 900 "$lock" || die "the early-pin test lock is held"

	# the threads, in a scope of system.slice (a service's TasksMax would
	# stop them short)
	systemd-run --scope --quiet --slice=system.slice -p TasksMax=infinity \
		"$PIN_THREADS" "$THREADS" >"$work"/threads.out 2>&1 &
	threads_pid=$!
	while ! grep -q ready "$work"/threads.out 2>/dev/null; do
		kill -0 "$threads_pid" 2>/dev/null || die "pin-threads $THREADS failed: $(cat "$work"/threads.out)"
		sleep 0.2
	done
	local -a tasks=(/proc/[0-9]*/task/[0-9]*)

	# shellcheck disable=SC1091 # the running system's own file
	echo "where: $(if [ -n "${QC_BENCH_GUEST:-}" ]; then echo "QEMU guest, TCG"; else echo "this host"; fi)" \
		"($(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $(nproc --all) CPUs," \
		"$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
		"$(systemctl --version | head -1 | cut -d' ' -f1-2), $("$EP" --version | head -1))"
	echo "$THREADS threads started in system.slice (${#tasks[@]} threads on the host);" \
		"isolating $CPUS, housekeeping $HK; median of $REPEAT runs"

	irqs_before=$(irqs_on)
	before=$(snapshot)
	write_systemd_way
	declare -A t=()
	for ((i = 1; i <= REPEAT; i++)); do
		rm -f "$state"
		t[qc_iso]+="$(ms "$EP" --save "$state" --partition --cpus "$CPUS" --skip freq) " || exit 1
		[ "$i" -gt 1 ] || check_isolated "early-pin --partition"
		t[qc_undo]+="$(ms "$EP" --restore "$state") " || exit 1
		rm -f "$state"
		[ "$i" -gt 1 ] || check_undone "early-pin --restore"

		sd_applied=1
		t[sd_iso]+="$(ms sh "$work"/systemd-isolate.sh) " || exit 1
		[ "$i" -gt 1 ] || check_isolated "systemctl set-property + IRQs by hand"
		t[sd_undo]+="$(ms sh "$work"/systemd-undo.sh) " || exit 1
		sd_applied=
		[ "$i" -gt 1 ] || check_undone "AllowedCPUs= + IRQs from the copy"
	done
	declare -A m=()
	for k in "${!t[@]}"; do
		m[$k]=$(tr ' ' '\n' <<<"${t[$k]}" | grep . | median)
	done
	printf '%-8s %-44s  %10s  %10s\n' threads way "isolate ms" "undo ms"
	printf '%-8s %-44s  %10s  %10s\n' "$THREADS" "quietcore: early-pin --partition / --restore" \
		"${m[qc_iso]}" "${m[qc_undo]}"
	printf '%-8s %-44s  %10s  %10s\n' "$THREADS" "systemd: set-property AllowedCPUs + IRQs" \
		"${m[sd_iso]}" "${m[sd_undo]}"
	printf '%-8s %-44s  %10s  %10s\n' "$THREADS" "ratio systemd/quietcore" \
		"$(ratio "${m[sd_iso]}" "${m[qc_iso]}")" "$(ratio "${m[sd_undo]}" "${m[qc_undo]}")"
	echo "runs (ms): early-pin --partition ${t[qc_iso]}| --restore ${t[qc_undo]}|" \
		"set-property ${t[sd_iso]}| AllowedCPUs= ${t[sd_undo]}"
}

cleanup_here() {
	[ -z "$threads_pid" ] || kill "$threads_pid" 2>/dev/null || true
	if [ -e "$state" ]; then "$EP" --restore "$state" -q || true; fi
	[ -z "$sd_applied" ] || sh "$work"/systemd-undo.sh >/dev/null 2>&1 || true
	rm -f "${made_dropins[@]}"
	rm -rf "$work" "$state"
}

# --- the guest, for a host that cannot ----------------------------------------

bench_in_guest() {
	local why=$1 script payload rc
	QC_TOP=$top
	# shellcheck source=tests/vm/vm.bash
	. "$top"/tests/vm/vm.bash
	# shellcheck source=tests/vm/image.bash
	. "$top"/tests/vm/image.bash
	# one boot with the bench in it: the cached image boots in about 3
	# minutes under TCG, the bench takes a few more
	IMG_TIMEOUT=${QC_IMG_TIMEOUT:-2400}
	exec 3>&2	# image.bash's progress lines
	work=$(mktemp -d /tmp/partition-bench.XXXXXX)
	trap 'rm -rf "$work"' EXIT

	echo "bench/partition.sh: $why: running in a QEMU guest (Debian 12, 6.1, -smp 4, TCG)"
	echo "host: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs," \
		"load $(cut -d' ' -f1-3 /proc/loadavg)"
	img_build 6.1 plain || die "no guest image (tests/vm/image.bash)"
	# the guest has no compiler: a static pin-threads, and this script, on
	# a second disk (a tar archive, read from /dev/vdb; unpacked in /root,
	# as /run is noexec)
	mkdir -p "$work"/payload
	cc -O2 -static -pthread -o "$work"/payload/pin-threads "$top"/bench/pin-threads.c ||
		die "cannot build a static pin-threads (libc6-dev has libc.a)"
	cp "$top"/bench/partition.sh "$work"/payload/
	payload=$work/payload.tar
	tar -cf "$payload" -C "$work"/payload partition.sh pin-threads
	script=$work/guest.sh
	cat >"$script" <<-EOF
		mkdir -p /root/qc-bench && tar -xf /dev/vdb -C /root/qc-bench
		qc_run bench env QC_BENCH_GUEST=1 REPEAT=$REPEAT CPUS=$CPUS EP=/usr/sbin/early-pin \\
			PIN_THREADS=/root/qc-bench/pin-threads bash /root/qc-bench/partition.sh $THREADS
	EOF
	img_boot bench-partition "$script" -smp 4 -m 2048 -global virtio-blk-pci.num-queues=1 \
		-drive "file=$payload,format=raw,if=virtio,readonly=on" || die "the guest run failed"
	img_section 1 bench
	rc=$(img_rc 1 bench)
	if [ "$rc" != 0 ]; then
		img_section 1 bench.err >&2
		die "the bench failed in the guest (exit ${rc:-none}; report: $IMG_RESULTS)"
	fi
	echo "guest run: ${IMG_SECONDS}s, boot included (console: $IMG_LOG)"
}

why=$(why_not_here)
if [ -z "$why" ]; then
	bench_here
elif [ -n "${QC_BENCH_GUEST:-}" ]; then
	die "the guest cannot run it either: $why"
else
	case $why in
	PID* | *CPUs*) bench_in_guest "this host cannot run it ($why)" ;;
	*) bench_in_guest "this host has no cgroup-v2 cpuset ($why)" ;;
	esac
fi
