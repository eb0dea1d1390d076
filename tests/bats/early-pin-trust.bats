#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# early-pin's save/restore trust boundary (issue 19, findings 1-3), on the
# fake 128-CPU root: a state file is a list of typed actions that only a
# trusted file may carry, nothing below the root is reached through a
# symbolic link, and the root is recorded so that it can be found again.
# The fake root sits at $T/a/root so that "/../../outside" lands in
# $BATS_TEST_TMPDIR, never outside it.

# bats sets $stderr in `run --separate-stderr`
# shellcheck disable=SC2154

bats_require_minimum_version 1.5.0
load helpers

setup() {
	EP=$BUILD/early-pin
	T=$BATS_TEST_TMPDIR
	R=$T/a/root
	mkdir -p "$T"/a "$T"/outside "$T"/states
	"$QC_TOP"/tests/fixtures/proc-irq/mkroot.sh "$R"
	rm "$R"/proc/irq/11/smp_affinity_list.errno
	# what a forged record would overwrite if it could
	echo "victim" >"$T"/outside/victim
	mkdir -p "$R"/etc && echo "root:x:0:0:root:/root:/bin/bash" >"$R"/etc/passwd
	S=$T/states/state
}

# forge FILE HEADER-FROM RECORD...: a state file with the header of a real
# save, the records given and a correct count and hash (the hash has no key)
forge() {
	local out=$1 from=$2
	shift 2
	python3 - "$out" "$from" "$@" <<'PY'
import sys
out, src, recs = sys.argv[1], sys.argv[2], sys.argv[3:]
head = open(src).read().splitlines()[:6]
body = "".join(l + "\n" for l in head + recs)
h = 0xcbf29ce484222325
for b in body.encode():
	h ^= b
	h = (h * 0x100000001b3) & 0xffffffffffffffff
open(out, "w").write(body + "end %d %016x\n" % (len(recs), h))
PY
	chmod 0600 "$out"
}

untouched() {
	assert_equal "$(cat "$T"/outside/victim)" victim
	assert_equal "$(cat "$R"/etc/passwd)" "root:x:0:0:root:/root:/bin/bash"
}

@test "early-pin --restore: the reproducer of finding 1 -- a forged state file writes nothing" {
	requires root
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	forge "$T"/states/forged "$S" "file /../../outside/victim pwned" "file /etc/passwd root::0:0:::"
	chown nobody "$T"/states/forged
	chmod 0666 "$T"/states/forged
	run -1 --separate-stderr "$EP" --root "$R" --restore "$T"/states/forged -v
	assert_equal "$stderr" "early-pin: $T/states/forged: owned by another user (not root or the caller), refusing to restore: whoever can write it could make root write anything"
	refute_output --partial "op: "
	untouched
	# ours but writable by others
	chown root "$T"/states/forged
	run -1 --separate-stderr "$EP" --root "$R" --restore "$T"/states/forged -v
	assert_regex "$stderr" "forged: writable by group or others, refusing to restore"
	refute_output --partial "op: "
	# ours, 0600: a "file" record does not exist any more
	chmod 0600 "$T"/states/forged
	run -1 --separate-stderr "$EP" --root "$R" --restore "$T"/states/forged -v
	assert_equal "$stderr" "early-pin: $T/states/forged: corrupt state file (line 7), refusing to restore"
	refute_output --partial "op: "
	untouched
	# the old format is refused as a whole
	sed '1s/ 2$/ 1/' "$T"/states/forged >"$T"/states/v1 && chmod 0600 "$T"/states/v1
	run -1 --separate-stderr "$EP" --root "$R" --restore "$T"/states/v1
	assert_equal "$stderr" "early-pin: $T/states/v1: unsupported state file version 1, saved by an older early-pin (this one reads version 2), refusing to restore"
	untouched
	# the real one still restores
	run -0 "$EP" --root "$R" --restore "$S"
}

@test "early-pin --restore: typed records with names outside the allow-lists are corrupt" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	local rec
	for rec in "wq-cpumask ../../../outside f" "wq-cpumask writeback/../../../../../outside f" \
		"wq-cpumask .. f" "cpufreq 0 ../../../../../../../outside/victim 1" \
		"cpufreq 0 scaling_setspeed 1" "turbo ../../outside/victim 1" "turbo boost pwned" \
		"irq 3/../../../../outside 0" "cgroup /outside/victim 0"; do
		forge "$T"/states/forged "$S" "$rec"
		run -1 --separate-stderr "$EP" --root "$R" --restore "$T"/states/forged -v
		assert_equal "$stderr" "early-pin: $T/states/forged: corrupt state file (line 7), refusing to restore"
		refute_output --partial "op: "
	done
	untouched
}

@test "early-pin --restore: a state file that is a symlink, a FIFO, a directory, or in an open directory is refused" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	ln -s "$S" "$T"/states/link
	run -1 --separate-stderr "$EP" --root "$R" --restore "$T"/states/link -v
	assert_equal "$stderr" "early-pin: $T/states/link: a symbolic link, refusing to restore: whoever can write it could make root write anything"
	refute_output --partial "op: "
	mkfifo -m 0600 "$T"/states/fifo
	run -1 --separate-stderr timeout 10 "$EP" --root "$R" --restore "$T"/states/fifo
	assert_regex "$stderr" "fifo: not a regular file, refusing to restore"
	mkdir "$T"/states/dir
	run -1 --separate-stderr "$EP" --root "$R" --restore "$T"/states/dir
	assert_regex "$stderr" "dir: not a regular file, refusing to restore"
	chmod 1777 "$T"/states
	run -1 --separate-stderr "$EP" --root "$R" --restore "$S" -v
	assert_regex "$stderr" "state: its directory is writable by group or others, refusing to restore"
	refute_output --partial "op: "
	# and --save does not write a state --restore would refuse
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$T"/states/new --force -v
	assert_equal "$stderr" "early-pin: cannot write state file: $T/states/new: its directory is writable by group or others, and --restore would not trust it"
	refute_output --partial "op: "
	chmod 0755 "$T"/states
	run -0 "$EP" --root "$R" --restore "$S"
}

@test "early-pin --save: the marker of the sequestering in force is read and written only in a trusted directory" {
	mkdir -p "$R"/run/quietcore
	chmod 0777 "$R"/run/quietcore
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$S" -v
	assert_equal "$stderr" "early-pin: $R/run/quietcore/active: its directory is writable by group or others, not trusted"
	refute_output --partial "op: "
	[ ! -e "$S" ]
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$S" --force -v
	assert_equal "$stderr" "early-pin: cannot record the active state in $R/run/quietcore/active: its directory is writable by group or others"
	refute_output --partial "op: "
	[ ! -e "$S" ]
	# a marker anyone could have written is not believed either
	chmod 0755 "$R"/run/quietcore
	echo /somewhere/else >"$R"/run/quietcore/active
	chmod 0666 "$R"/run/quietcore/active
	run -1 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$S" -v
	assert_equal "$stderr" "early-pin: $R/run/quietcore/active: writable by group or others, not trusted"
	refute_output --partial "op: "
	rm "$R"/run/quietcore/active
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	run -0 "$EP" --root "$R" --restore "$S"
}

@test "early-pin --save: the reproducer of finding 2 -- a symlinked target is neither read nor rewritten" {
	echo 0-63 >"$T"/outside/affinity
	rm "$R"/proc/irq/3/smp_affinity_list
	ln -s "$T"/outside/affinity "$R"/proc/irq/3/smp_affinity_list
	ln -s ../../../../outside/affinity "$R"/proc/irq/2/smp_affinity_list.rel
	mv "$R"/proc/irq/2/smp_affinity_list.rel "$R"/proc/irq/2/smp_affinity_list
	run -0 --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$S" -v
	assert_regex "$stderr" "cannot read affinity of IRQ 3: $R/proc/irq/3/smp_affinity_list: a symbolic link below the root, refused, ignoring"
	assert_regex "$stderr" "cannot read affinity of IRQ 2: $R/proc/irq/2/smp_affinity_list: a symbolic link below the root, refused, ignoring"
	refute_line --partial "op: write /proc/irq/3/"
	refute_line --partial "op: write /proc/irq/2/"
	assert_equal "$(cat "$T"/outside/affinity)" 0-63
	run -1 grep -E "^irq (2|3) " "$S"
	run -0 "$EP" --root "$R" --restore "$S"
	assert_equal "$(cat "$T"/outside/affinity)" 0-63
}

@test "early-pin: a symlink in the middle of a target's path is refused too, on --save and --restore" {
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S"
	# after the save, the directory above the workqueue masks becomes a symlink
	mv "$R"/sys/devices/virtual "$T"/outside/virtual
	ln -s "$T"/outside/virtual "$R"/sys/devices/virtual
	cp -a "$T"/outside/virtual "$T"/virtual.before
	# and an IRQ's file becomes one
	rm "$R"/proc/irq/4/smp_affinity_list
	echo 64 >"$T"/outside/irq4
	ln -s "$T"/outside/irq4 "$R"/proc/irq/4/smp_affinity_list
	run -1 --separate-stderr "$EP" --root "$R" --restore "$S" -v
	assert_regex "$stderr" "cannot restore 'ffffffff,ffffffff,ffffffff,ffffffff' to $R/sys/devices/virtual/workqueue/cpumask: a symbolic link below the root, refused"
	assert_regex "$stderr" "cannot restore IRQ 4 to 64-127: $R/proc/irq/4/smp_affinity_list: a symbolic link below the root, refused"
	diff -r "$T"/virtual.before "$T"/outside/virtual
	assert_equal "$(cat "$T"/outside/irq4)" 64
	# a new save does not read or write through them either
	rm -rf "$R"/run/quietcore/active
	run --separate-stderr "$EP" --root "$R" --housekeeping 0,64 --save "$T"/states/second
	assert_regex "$stderr" "cannot read $R/sys/devices/virtual/workqueue/cpumask: a symbolic link below the root, refused, ignoring"
	diff -r "$T"/virtual.before "$T"/outside/virtual
	assert_equal "$(cat "$T"/outside/irq4)" 64
}

@test "early-pin: the reproducer of finding 3 -- a save with a relative --root restores, and a new save works" {
	cd "$T"/a
	before=$(cd root && grep -r -e . proc/irq/*/smp_affinity_list; grep Cpus_allowed_list proc/1/task/1/status)
	run -0 "$EP" --root root --housekeeping 0,64 --save "$S"
	grep -qx "root $(realpath "$T"/a/root)" "$S"
	run -0 "$EP" --root root --restore "$S"
	assert_output --partial "failed=0"
	assert_equal "$(cd root && grep -r -e . proc/irq/*/smp_affinity_list; grep Cpus_allowed_list proc/1/task/1/status)" "$before"
	[ ! -e root/run/quietcore/active ]
	# the same root by another name
	run -0 "$EP" --root root --housekeeping 0,64 --save "$S.2"
	run -0 "$EP" --root ./root/ --restore "$S.2"
	run -0 "$EP" --root "$R" --housekeeping 0,64 --save "$S.3"
	run -0 "$EP" --root root --restore "$S.3"
	# another root is still another root
	cp -a root other
	run -0 "$EP" --root root --housekeeping 0,64 --save "$S.4"
	run -1 --separate-stderr "$EP" --root other --restore "$S.4"
	assert_equal "$stderr" "early-pin: $S.4: saved for root $(realpath "$T"/a/root), not $(realpath "$T"/a/other), refusing to restore"
}
