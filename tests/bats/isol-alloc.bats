#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# isol-alloc against a daemon on a fake root: the hwloc tree
# 32intel64-2p8co2t+8ve (2 NUMA nodes: 0-7,16-23 and 8-15,24-31; cores
# {k, k+16}) with cpu/isolated = all but core {0,16} and core {8,24}
# (28 CPUs, 14 per node), plus hugepages on node 0 and one PCI device.
#
# Every EPA action and its reply shape (field names, order and JSON types of
# EPA's schemas.py), no-op mode, bad input of every kind, timeouts, SIGKILL
# and restart, 100 clients racing, and an unprivileged client.
# tests/tools/alloc-wire sends raw bytes as EPA's clients (or broken ones) do.

# bats sets $output/$stderr in `run`, inside each test's own subshell
# shellcheck disable=SC2030,SC2031,SC2154
load helpers
load alloc-daemon
bats_require_minimum_version 1.5.0

POOL=1-7,9-15,17-23,25-31
BOOT_ID=6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f

setup_file() {
	topologies_dir >/dev/null
}

setup() {
	IA=$BUILD/isol-alloc
	WIRE=$BUILD/tests/tools/alloc-wire
	[ -x "$WIRE" ] || skip "$WIRE not built"
	R=$BATS_TEST_TMPDIR/root
	rm -rf "$R"
	cp -a "$(topologies_dir)/32intel64-2p8co2t+8ve" "$R"
	echo "$POOL" >"$R/sys/devices/system/cpu/isolated"
	mkdir -p "$R/proc/sys/kernel/random"
	echo "$BOOT_ID" >"$R/proc/sys/kernel/random/boot_id"
	hp=$R/sys/devices/system/node/node0/hugepages
	mkdir -p "$hp/hugepages-2048kB" "$hp/hugepages-1048576kB"
	echo 16 >"$hp/hugepages-2048kB/nr_hugepages"
	echo 10 >"$hp/hugepages-2048kB/free_hugepages"
	echo 2 >"$hp/hugepages-1048576kB/nr_hugepages"
	echo 2 >"$hp/hugepages-1048576kB/free_hugepages"
	rm -rf "$R/sys/devices/system/node/node1/hugepages" # a node without hugepages
	pci=$R/sys/bus/pci/devices/0000:3b:00.0
	mkdir -p "$pci"
	echo 1 >"$pci/numa_node"
	echo 8-15,24-31 >"$pci/local_cpulist"
	S=$BATS_TEST_TMPDIR/s
	STATE=$R/var/lib/quietcore/alloc.json
	LOG=$BATS_TEST_TMPDIR/daemon.log
	DPID=
}

teardown() {
	stop_daemon
}

# send JSON [alloc-wire options]: one raw request, the reply in $output
send() {
	run --separate-stderr "$WIRE" "${@:2}" "$S" <<<"$1"
}

# send_n JSON [alloc-wire options]: the same without the trailing newline bash adds
send_n() {
	printf '%s' "$1" >"$BATS_TEST_TMPDIR/request"
	run --separate-stderr "$WIRE" "${@:2}" "$S" <"$BATS_TEST_TMPDIR/request"
}

# send_file FILE: the bytes of FILE as they are
send_file() {
	run --separate-stderr "$WIRE" "$S" <"$1"
}

# shape: the reply's keys in order with their JSON types, "key:type,..."
shape() {
	jq -r '[to_entries[] | "\(.key):\(.value | type)"] | join(",")' <<<"$output"
}

field() {
	jq -r --arg k "$1" '.[$k]' <<<"$output"
}

EPA_CORES="version:string,service_name:string,num_of_cores:number,cores_allocated:number,allocated_cores:string,shared_cpus:string,total_available_cpus:number,remaining_available_cpus:number"
EPA_NUMA="version:string,service_name:string,numa_node:number,num_of_cores:number,cores_allocated:string,total_available_cpus:number,remaining_available_cpus:number"
EPA_PERCENT="version:string,service_name:string,cores_allocated_count:number,allocated_cores:string,total_available_cpus:number,remaining_available_cpus:number"
EPA_LIST="version:string,total_allocations:number,total_allocated_cpus:number,total_available_cpus:number,remaining_available_cpus:number,allocations:array"
EPA_ENTRY="service_name:string,allocated_cores:string,cores_count:number,is_explicit:boolean"
EPA_HUGE="version:string,service_name:string,hugepages_requested:number,allocation_successful:boolean,message:string,node_id:number,size_kb:number"
EXT="cpus:string,numa_node:number,mode:string"

# --- EPA's actions and reply shapes ------------------------------------------------

@test "allocate_cores: EPA's reply shape, whole cores on one node, no trailing newline" {
	start_daemon
	send_n '{"version":"1.0","action":"allocate_cores","service_name":"nova","num_of_cores":4}'
	assert_success
	[ "${output: -1}" = "}" ]
	assert_equal "$(shape)" "$EPA_CORES,$EXT"
	assert_output '{"version":"1.0","service_name":"nova","num_of_cores":4,"cores_allocated":4,"allocated_cores":"1-2,17-18","shared_cpus":"3-7,9-15,19-23,25-31","total_available_cpus":28,"remaining_available_cpus":24,"cpus":"1-2,17-18","numa_node":0,"mode":"active"}'
}

@test "allocate_cores: the default size is 80% of the pool; a second request replaces the grant" {
	start_daemon
	send '{"action":"allocate_cores","service_name":"nova"}'
	assert_equal "$(field num_of_cores) $(field cores_allocated)" "0 22"
	assert_equal "$(field allocated_cores)" "1-7,9-12,17-23,25-28"
	send '{"action":"allocate_cores","service_name":"nova","num_of_cores":2}'
	assert_equal "$(field allocated_cores) $(field remaining_available_cpus)" "1,17 26"
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -c '[.allocations[] | [.service_name, .allocated_cores]]' <<<"$output")" '[["nova","1,17"]]'
}

@test "allocate_cores -1 releases: EPA's shape with zeros" {
	start_daemon
	send '{"action":"allocate_cores","service_name":"nova","num_of_cores":4}'
	send '{"action":"allocate_cores","service_name":"nova","num_of_cores":-1}'
	assert_equal "$(shape)" "$EPA_CORES,$EXT"
	assert_equal "$(jq -c '[.num_of_cores, .cores_allocated, .allocated_cores, .shared_cpus, .remaining_available_cpus]' <<<"$output")" \
		'[0,0,"","1-7,9-15,17-23,25-31",28]'
	grep -q 'nova: released 1-2,17-18' "$LOG"
}

@test "allocate_numa_cores: explicit, cores_allocated a string; preempts a non-explicit grant, shown in list and the log" {
	start_daemon
	send '{"action":"allocate_cores","service_name":"big","num_of_cores":14,"numa_node":0}'
	assert_equal "$(field allocated_cores)" "1-7,17-23"
	send '{"action":"allocate_numa_cores","service_name":"dpdk","numa_node":0,"num_of_cores":2}'
	assert_equal "$(shape)" "$EPA_NUMA,cpus:string,preempted:string,mode:string"
	assert_equal "$(jq -c '[.numa_node, .num_of_cores, .cores_allocated, .preempted]' <<<"$output")" '[0,2,"1,17","1,17"]'
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -r '[.allocations[] | "\(.service_name)=\(.allocated_cores)/\(.is_explicit)/\(.preempted)"] | join(" ")' <<<"$output")" \
		"big=2-7,18-23/false/1,17 dpdk=1,17/true/"
	grep -q "big: lost 1,17 to dpdk's explicit grant on NUMA node 0 (preempted)" "$LOG"
	# release that node's part: -1
	send '{"action":"allocate_numa_cores","service_name":"dpdk","numa_node":0,"num_of_cores":-1}'
	assert_equal "$(jq -c '[.num_of_cores, .cores_allocated]' <<<"$output")" '[-1,""]'
}

@test "allocate_numa_cores: --no-preempt, EPA's errors" {
	start_daemon --no-preempt
	send '{"action":"allocate_cores","service_name":"big","num_of_cores":14,"numa_node":0}'
	send '{"action":"allocate_numa_cores","service_name":"dpdk","numa_node":0,"num_of_cores":2}'
	assert_output --partial '"error":"Failed to allocate cores from NUMA node 0: 2 requested, 0 free, the others held by other services (preemption is off)"'
	send '{"action":"allocate_numa_cores","service_name":"dpdk","numa_node":5,"num_of_cores":2}'
	assert_output '{"version":"1.0","error":"NUMA node 5 does not exist"}'
	send '{"action":"allocate_numa_cores","service_name":"dpdk","numa_node":1,"num_of_cores":0}'
	assert_output '{"version":"1.0","error":"num_of_cores=0 is invalid for allocate_numa_cores"}'
	send '{"action":"allocate_numa_cores","service_name":"dpdk","numa_node":1,"num_of_cores":15}'
	assert_output --partial '"error":"NUMA node 1 only has 14 isolated CPUs, but 15 were requested"'
	send '{"action":"allocate_numa_cores","service_name":"dpdk","num_of_cores":2}'
	assert_output '{"version":"1.0","error":"numa_node: field required"}'
}

@test "allocate_cores_percent: EPA's shape, rounded up; 0 releases" {
	start_daemon
	send '{"action":"allocate_cores_percent","service_name":"nova","percent":50}'
	assert_equal "$(shape)" "$EPA_PERCENT,$EXT"
	assert_equal "$(field cores_allocated_count) $(field allocated_cores)" "14 1-7,17-23"
	send '{"action":"allocate_cores_percent","service_name":"nova","percent":1}'
	assert_equal "$(field cores_allocated_count)" "1"
	send '{"action":"allocate_cores_percent","service_name":"nova","percent":0}'
	assert_equal "$(field cores_allocated_count) $(field remaining_available_cpus)" "0 28"
	send '{"action":"allocate_cores_percent","service_name":"nova","percent":101}'
	assert_output '{"version":"1.0","error":"percent: must be between -1 and 100 (-1 or 0 release)"}'
}

@test "list_allocations: EPA's shape, service_name optional" {
	start_daemon
	send '{"action":"allocate_cores","service_name":"a","num_of_cores":2}'
	send '{"action":"list_allocations"}'
	assert_equal "$(jq -r '[to_entries[] | "\(.key):\(.value | type)"] | .[0:6] | join(",")' <<<"$output")" "$EPA_LIST"
	assert_equal "$(jq -r '.allocations[0] | [to_entries[] | "\(.key):\(.value | type)"] | .[0:4] | join(",")' <<<"$output")" "$EPA_ENTRY"
	assert_equal "$(jq -c '[.total_allocations, .total_allocated_cpus, .total_available_cpus, .remaining_available_cpus, .mode, .pool]' <<<"$output")" \
		'[1,2,28,26,"active","1-7,9-15,17-23,25-31"]'
	send '{"version":"1.0","action":"list_allocations","service_name":""}'
	assert_equal "$(field total_allocations)" 1
	run -0 "$IA" list --socket "$S"
	assert_line --index 0 "pool 1-7,9-15,17-23,25-31: 28 CPUs, 2 allocated, 26 free"
	assert_line --index 2 --regexp '^a +1,17 +2 +0 no +- +-$'
}

@test "a request that cannot be met says what is free, and changes nothing" {
	start_daemon
	send '{"action":"allocate_cores","service_name":"a","num_of_cores":26}'
	cp "$STATE" "$BATS_TEST_TMPDIR/before"
	send '{"action":"allocate_cores","service_name":"b","num_of_cores":100}'
	assert_output '{"version":"1.0","error":"Insufficient CPUs available. Requested: 100, Available: 2","available":2,"best_numa_node":1,"best_numa_node_available":2}'
	send '{"action":"allocate_cores","service_name":"b","num_of_cores":3,"numa_node":1}'
	assert_output --partial '"error":"Insufficient CPUs available on NUMA node 1. Requested: 3, Available: 2"'
	cmp "$STATE" "$BATS_TEST_TMPDIR/before"
}

@test "get_memory_info and allocate_hugepages: EPA's shapes, its overlay of recorded pages, its errors" {
	start_daemon
	send '{"action":"get_memory_info"}'
	assert_output '{"version":"1.0","service_name":"","numa_hugepages":{"node0":{"capacity":[{"total":16,"free":10,"size":2048},{"total":2,"free":2,"size":1048576}],"allocations":{}},"node1":{"capacity":[],"allocations":{}}}}'
	send '{"action":"allocate_hugepages","service_name":"a","hugepages_requested":4,"node_id":0,"size_kb":2048}'
	assert_equal "$(shape)" "$EPA_HUGE"
	assert_output '{"version":"1.0","service_name":"a","hugepages_requested":4,"allocation_successful":true,"message":"Successfully set allocation request to 4 hugepages","node_id":0,"size_kb":2048}'
	send '{"action":"allocate_hugepages","service_name":"b","hugepages_requested":8,"node_id":0,"size_kb":2048}'
	assert_success
	# 12 recorded, 6 in use: 6 more than used are taken from the 10 free
	send '{"action":"get_memory_info","service_name":"x"}'
	assert_equal "$(jq -c '[.service_name, .numa_hugepages.node0.capacity[0], .numa_hugepages.node0.allocations]' <<<"$output")" \
		'["x",{"total":16,"free":4,"size":2048},{"a":{"2048":4},"b":{"2048":8}}]'
	send '{"action":"allocate_hugepages","service_name":"c","hugepages_requested":5,"node_id":0,"size_kb":2048}'
	assert_output '{"version":"1.0","error":"NUMA node 0 size 2048 KB only has 4 free hugepages, requested additional 5"}'
	send '{"action":"allocate_hugepages","service_name":"c","hugepages_requested":1,"node_id":3,"size_kb":2048}'
	assert_output '{"version":"1.0","error":"NUMA node 3 not found"}'
	send '{"action":"allocate_hugepages","service_name":"c","hugepages_requested":1,"node_id":1,"size_kb":2048}'
	assert_output '{"version":"1.0","error":"Hugepage size 2048 KB not found on node 1"}'
	send '{"action":"allocate_hugepages","service_name":"c","hugepages_requested":0,"node_id":0,"size_kb":2048}'
	assert_output '{"version":"1.0","error":"hugepages_requested=0 is invalid for allocate_hugepages"}'
	send '{"action":"allocate_hugepages","service_name":"a","hugepages_requested":-1,"node_id":0,"size_kb":2048}'
	assert_equal "$(field message)" "Removed recorded hugepage allocation"
	send '{"action":"allocate_hugepages","service_name":"a","hugepages_requested":-1,"node_id":0,"size_kb":2048}'
	assert_equal "$(field message)" "No existing record to remove"
	# the records survive a restart
	stop_daemon
	start_daemon
	send '{"action":"get_memory_info"}'
	assert_equal "$(jq -c '.numa_hugepages.node0.allocations' <<<"$output")" '{"b":{"2048":8}}'
}

@test "extensions: --cores counts whole cores, --near prefers a device's node, numa_node null is accepted, unknown fields ignored" {
	start_daemon
	run -0 "$IA" request --socket "$S" --service a --cores 2
	assert_output "a: 1-2,17-18 (4 CPUs, NUMA node 0)"
	run -0 "$IA" request --socket "$S" --service b --cpus 2 --near 3b:00.0
	assert_output "b: 9,25 (2 CPUs, NUMA node 1)"
	send '{"action":"allocate_cores","service_name":"c","num_of_cores":2,"numa_node":null,"flavour":{"x":[1,2]}}'
	assert_equal "$(field allocated_cores)" "3,19"
	run -1 "$IA" request --socket "$S" --service d --cpus 1 --near 0000:3c:00.0
	assert_output --partial "PCI device 0000:3c:00.0 not found"
}

@test "no-op mode: no isolated CPUs: list answers zeros, allocations EPA's error; the CLI exits 0 unless --require" {
	: >"$R/sys/devices/system/cpu/isolated"
	start_daemon
	send '{"action":"list_allocations"}'
	assert_equal "$(jq -c '[.total_allocations, .total_allocated_cpus, .total_available_cpus, .remaining_available_cpus, .allocations, .mode]' <<<"$output")" \
		'[0,0,0,0,[],"noop"]'
	send '{"action":"allocate_cores","service_name":"nova","num_of_cores":2}'
	assert_output '{"version":"1.0","error":"No CPUs available","mode":"noop"}'
	run -0 "$IA" request --socket "$S" --service nova --cpus 2
	assert_output "nova: no CPUs: no-op mode (no isolated CPUs)"
	run -1 --separate-stderr "$IA" request --socket "$S" --service nova --cpus 2 --require
	assert_equal "$stderr" "isol-alloc: nova: no isolated CPUs (no-op mode), and --require was given"
	run -0 "$IA" list --socket "$S"
	assert_output "no isolated CPUs: no-op mode"
	grep -q 'no-op mode' "$LOG"
}

# --- bad input -------------------------------------------------------------------

@test "bad input: an error reply, the connection closed, the daemon unaffected, the state unchanged" {
	start_daemon
	send '{"action":"allocate_cores","service_name":"a","num_of_cores":2}'
	cp "$STATE" "$BATS_TEST_TMPDIR/before"
	local -a cases=(
		'{"action":"allocate_cores","service_name":"b",}|Malformed JSON: '
		'[1,2]|The request is not a JSON object'
		'{"action":"allocate_cores"} {"x":1}|Malformed JSON: unexpected character at byte 29'
		'{"action":"bogus"}|Unknown action: bogus'
		'{"service_name":"b"}|Unknown action: None'
		'{"version":"2.0","action":"allocate_cores","service_name":"b"}|Unsupported version: 2.0 (isol-alloc speaks 1.0)'
		'{"version":1,"action":"list_allocations"}|Unsupported version: 1 (isol-alloc speaks 1.0)'
		'{"action":"allocate_cores","num_of_cores":1}|service_name: field required'
		'{"action":"allocate_cores","service_name":"a\u0001b"}|service_name: control characters are not allowed'
		'{"action":"allocate_cores","service_name":"a\nb"}|service_name: control characters are not allowed'
		'{"action":"allocate_cores","service_name":"a\u0000b"}|service_name: control characters are not allowed'
		'{"action":"allocate_cores","service_name":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}|service_name: longer than 64 bytes'
		'{"action":"allocate_cores","service_name":""}|service_name: must not be empty'
		'{"action":"allocate_cores","service_name":7}|service_name: must be a string'
		'{"action":"allocate_cores","service_name":"b","num_of_cores":-5}|num_of_cores: must be >= -1 (-1 releases)'
		'{"action":"allocate_cores","service_name":"b","num_of_cores":99999999999999999999}|num_of_cores: out of range'
		'{"action":"allocate_cores","service_name":"b","num_of_cores":"4"}|num_of_cores: must be an integer'
		'{"action":"allocate_cores","service_name":"b","num_of_cores":2.5}|num_of_cores: must be an integer'
		'{"action":"allocate_cores","service_name":"b","num_of_cores":2147483647}|Insufficient CPUs available. Requested: 2147483647, Available: 26'
		'{"action":"allocate_cores","service_name":"b","whole_cores":1}|whole_cores: must be true or false'
		'{"action":"allocate_cores","service_name":"b","pid":-3}|pid: must be a positive integer'
		'{"action":"allocate_cores","service_name":"b","near":"eth0"}|near: not a PCI address (DDDD:BB:DD.F)'
	)
	for c in "${cases[@]}"; do
		send "${c%%|*}"
		assert_success
		jq -e 'keys_unsorted[0:2] == ["version","error"]' <<<"$output" >/dev/null ||
			fail "not an error reply for ${c%%|*}: $output"
		assert_output --partial "\"error\":\"${c#*|}"
	done
	cmp "$STATE" "$BATS_TEST_TMPDIR/before"
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -r '.allocations[0].service_name' <<<"$output")" a
	kill -0 "$DPID"
}

@test "bad input: over 64 KiB is refused at 64 KiB, without waiting for the rest; 64 KiB is fine" {
	start_daemon
	local big=$BATS_TEST_TMPDIR/big
	{ printf '{"action":"list_allocations","pad":"'; head -c 70000 /dev/zero | tr '\0' x; printf '"}'; } >"$big"
	send_file "$big"
	assert_success
	assert_output '{"version":"1.0","error":"Request larger than 65536 bytes"}'
	# exactly 64 KiB is fine
	{ printf '{"action":"list_allocations","pad":"'; head -c $((65536 - 38)) /dev/zero | tr '\0' x; printf '"}'; } >"$big"
	[ "$(stat -c %s "$big")" -eq 65536 ]
	send_file "$big"
	assert_output --partial '"total_allocations":0'
}

@test "no delimiter: a request sent a byte at a time is answered as soon as it is whole, without EOF" {
	start_daemon
	send_n '{"action":"list_allocations"}'
	assert_output --partial '"total_allocations":0'
	send_n '{"action":"allocate_cores","service_name":"slow","num_of_cores":2}' --chunk 1 --delay-ms 5
	assert_success
	assert_output --partial '"allocated_cores":"1,17"'
	# a trailing newline is allowed
	send $'{"action":"list_allocations"}\n'
	assert_output --partial '"total_allocations":1'
	# a UTF-8 name arriving a byte at a time
	send_n '{"action":"allocate_cores","service_name":"n\u00f6va-ü","num_of_cores":2}' --chunk 1
	assert_output --partial '"service_name":"növa-ü"'
	# what is refused in one piece is refused in two (json-c alone takes "4" then "-8}" for 4)
	send_n '{"action":"allocate_hugepages","service_name":"x","hugepages_requested":4-8,"node_id":0,"size_kb":2048}' --chunk 73 --delay-ms 100
	assert_output '{"version":"1.0","error":"Malformed JSON: number expected at byte 74"}'
}

@test "a silent client is cut off at its deadline; others are served meanwhile" {
	start_daemon --timeout 3
	"$WIRE" --timeout 10 --stop-after 0 "$S" </dev/null >"$BATS_TEST_TMPDIR/silent" 3>&- &
	local silent=$!
	sleep 0.2
	send '{"action":"list_allocations"}'
	assert_success
	# served while the silent one still waits for its deadline: an order,
	# not a time limit (a 1 s limit failed under ASan on a loaded host)
	[ ! -s "$BATS_TEST_TMPDIR/silent" ]
	kill -0 "$silent"
	wait "$silent"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/silent")" '{"version":"1.0","error":"Timed out waiting for a complete request"}'
	kill -0 "$DPID"
}

@test "disconnect mid-object: nothing granted; after a half-close the daemon says the object was incomplete" {
	start_daemon
	send '{"action":"allocate_cores","service_name":"gone","num_of_cores":2}' --stop-after 30 --then close
	send '{"action":"allocate_cores","service_name":"half","num_of_cores":2}' --stop-after 30 --then shutdown
	assert_output '{"version":"1.0","error":"Incomplete JSON request: the connection ended inside the object"}'
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -c .allocations <<<"$output")" '[]'
	kill -0 "$DPID"
}

# --- crash safety ------------------------------------------------------------------

@test "SIGKILL at any moment and restart: no grant announced is lost, none is duplicated" {
	start_daemon
	local replies=$BATS_TEST_TMPDIR/replies
	mkdir -p "$replies"
	for round in 1 2 3 4 5; do
		# a stream of requests, each for a new service, killed in the middle
		(
			for i in $(seq 1 40); do
				printf '{"action":"allocate_cores","service_name":"r%s-%s","num_of_cores":1}' "$round" "$i" |
					"$WIRE" --timeout 2 "$S" >"$replies/r$round-$i" 2>/dev/null || true
			done
		) 3>&- &
		local clients=$!
		sleep "0.0$((RANDOM % 9 + 1))"
		kill -9 "$DPID"
		wait "$DPID" 2>/dev/null || true
		DPID=
		wait "$clients"
		start_daemon
		run -0 "$IA" list --socket "$S" --json
		# every grant a client was told of is there, with its CPUs
		for f in "$replies"/*; do
			[ -s "$f" ] || continue
			local svc cpus
			svc=$(jq -r '.service_name // empty' "$f")
			[ -n "$svc" ] || continue
			cpus=$(jq -r '.allocated_cores' "$f")
			assert_equal "$(jq -r --arg s "$svc" '.allocations[] | select(.service_name == $s) | .allocated_cores' <<<"$output")" "$cpus"
		done
		# no CPU in two grants, the counts add up
		assert_equal "$(jq '[.allocations[].cores_count] | add // 0' <<<"$output")" "$(jq .total_allocated_cpus <<<"$output")"
		assert_equal "$(jq '[.allocations[].allocated_cores | split(",")[]] | length' <<<"$output")" \
			"$(jq '[.allocations[].allocated_cores | split(",")[]] | unique | length' <<<"$output")"
		# release everything for the next round
		for svc in $(jq -r '.allocations[].service_name' <<<"$output"); do
			"$IA" release --socket "$S" --service "$svc" >/dev/null
		done
		rm -f "$replies"/*
	done
	# no temporary file of a killed write is left behind
	run -0 ls -A "$R/var/lib/quietcore"
	refute_output --partial ".qc"
}

@test "100 concurrent clients race for 28 CPUs, 2 each: exactly 14 win, no CPU twice" {
	start_daemon
	local out=$BATS_TEST_TMPDIR/race
	mkdir -p "$out"
	local -a pids=()
	for i in $(seq 1 100); do
		"$IA" request --socket "$S" --service "svc$i" --cpus 2 --json >"$out/$i" 2>/dev/null 3>&- &
		pids+=($!)
	done
	local won=0 lost=0
	for p in "${pids[@]}"; do
		if wait "$p"; then won=$((won + 1)); else lost=$((lost + 1)); fi
	done
	assert_equal "$won $lost" "14 86"
	# every loser was told why
	assert_equal "$(grep -l '"error":"Insufficient CPUs available. Requested: 2, Available: 0"' "$out"/* | wc -l)" 86
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq '.allocations | length' <<<"$output")" 14
	assert_equal "$(jq '[.allocations[].allocated_cores | split(",")[]] | unique | length' <<<"$output")" 28
	# whole cores: each winner holds both threads of one core {k, k+16}
	assert_equal "$(jq '[.allocations[].allocated_cores | split(",") | map(tonumber) | select(.[1] - .[0] == 16)] | length' <<<"$output")" 14
}

@test "on start: grants of processes that are gone (pid + start time, a new boot) and CPUs that left the pool are released; the pool's change since the state was written is logged" {
	mkdir -p "$R/proc/4242" "$R/proc/4243" "$R/proc/4244"
	stat_line() { echo "$1 (svc) S 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 $2 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0"; }
	stat_line 4242 1000 >"$R/proc/4242/stat"
	stat_line 4243 2000 >"$R/proc/4243/stat"
	stat_line 4244 3000 >"$R/proc/4244/stat"
	start_daemon
	run -0 "$IA" request --socket "$S" --service alive --cpus 2 --pid 4242
	run -0 "$IA" request --socket "$S" --service gone --cpus 2 --pid 4243
	run -0 "$IA" request --socket "$S" --service reused --cpus 2 --pid 4244
	run -0 "$IA" request --socket "$S" --service shrunk --cpus 4 --numa-node 1
	assert_output "shrunk: 9-10,25-26 (4 CPUs, NUMA node 1)"
	run -1 "$IA" request --socket "$S" --service x --cpus 2 --pid 4299
	assert_output --partial "pid 4299: no such process"
	stop_daemon
	rm -r "$R/proc/4243"
	stat_line 4244 3001 >"$R/proc/4244/stat" # the pid was reused
	echo 1-7,9,17-23,25 >"$R/sys/devices/system/cpu/isolated"
	start_daemon
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -r '[.allocations[] | "\(.service_name)=\(.allocated_cores)/\(.pid)"] | join(" ")' <<<"$output")" \
		"alive=1,17/4242 shrunk=9,25/0"
	assert_equal "$(jq -c '[.total_available_cpus, .total_allocated_cpus, .remaining_available_cpus]' <<<"$output")" '[16,4,12]'
	grep -q 'gone: grant released: pid 4243 is gone' "$LOG"
	grep -q 'reused: grant released: pid 4244 is gone' "$LOG"
	grep -q 'shrunk: CPUs left the pool: 10,26, taken from its grant' "$LOG"
	grep -qxF "isol-alloc: pool changed: $POOL -> 1-7,9,17-23,25 (since the state was written)" "$LOG"
	# a new boot: every pid-bound grant goes
	stop_daemon
	echo 0e1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f >"$R/proc/sys/kernel/random/boot_id"
	start_daemon
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -r '[.allocations[].service_name] | join(" ")' <<<"$output")" shrunk
	grep -q 'alive: grant released: pid 4242 ran in a previous boot' "$LOG"
	# the state written after the change has the new pool: said once
	assert_equal "$(grep -c 'pool changed:' "$LOG")" 1
}

@test "while it runs: CPUs that go offline or leave cpu/isolated leave the grants at the next request" {
	start_daemon
	run -0 "$IA" request --socket "$S" --service a --cpus 4
	assert_output "a: 1-2,17-18 (4 CPUs, NUMA node 0)"
	echo 0-16,18-31 >"$R/sys/devices/system/cpu/online"
	send '{"action":"list_allocations"}'
	assert_equal "$(jq -c '[.allocations[0].allocated_cores, .total_available_cpus, .pool]' <<<"$output")" \
		'["1-2,18",27,"1-7,9-15,18-23,25-31"]'
	grep -q 'online CPUs changed: topology read again' "$LOG"
	grep -q 'a: CPUs left the pool: 17, taken from its grant' "$LOG"
	echo 9-15,25-31 >"$R/sys/devices/system/cpu/isolated"
	send '{"action":"list_allocations"}'
	assert_equal "$(jq -c '[.allocations, .total_available_cpus]' <<<"$output")" '[[],14]'
	grep -q 'a: grant released: none of its CPUs is in the pool' "$LOG"
	# and only once: the same files again change nothing
	send '{"action":"list_allocations"}'
	assert_equal "$(grep -c 'online CPUs changed' "$LOG")" 1
}

# cgroup_v2: a unified cgroup-v2 hierarchy with the cpuset controller on 6.1
cgroup_v2() {
	mkdir -p "$R/proc/self" "$R/proc/sys/kernel" "$R/sys/fs/cgroup"
	echo 6.1.0-13-amd64 >"$R/proc/sys/kernel/osrelease"
	echo "35 1 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate" \
		>"$R/proc/self/mountinfo"
	echo "cpuset cpu io memory pids" >"$R/sys/fs/cgroup/cgroup.controllers"
	echo "cpuset cpu io memory pids" >"$R/sys/fs/cgroup/cgroup.subtree_control"
	echo 2 >"$R/sys/fs/cgroup/cgroup.procs"
}

# cgroup NAME PARTITION CPUS EFFECTIVE: a top-level cgroup with cpuset files
cgroup() {
	local d=$R/sys/fs/cgroup/$1
	mkdir -p "$d"
	echo "cpuset cpu io memory pids" >"$d/cgroup.controllers"
	: >"$d/cgroup.procs"
	echo "$2" >"$d/cpuset.cpus.partition"
	echo "$3" >"$d/cpuset.cpus"
	echo "$4" >"$d/cpuset.cpus.effective"
}

@test "the pool: cpu/isolated plus quietcore's valid run-time partition, online CPUs only; an unreadable partition is named" {
	echo 1-7,17-23 >"$R/sys/devices/system/cpu/isolated"
	echo 0-30 >"$R/sys/devices/system/cpu/online"
	cgroup_v2
	cgroup quietcore.slice isolated 9-15,25-31 9-15,25-31
	cgroup dpdk.slice isolated 8,24 8,24 # someone else's: not ours to hand out
	cgroup quietcore-isolated "isolated invalid (Cpu list in cpuset.cpus not exclusive)" 0,16 0-1,16
	cgroup system.slice member "" 0,16
	start_daemon
	send '{"action":"list_allocations"}'
	assert_equal "$(jq -c '[.pool, .total_available_cpus]' <<<"$output")" '["1-7,9-15,17-23,25-30",27]'
	run -0 "$IA" request --socket "$S" --service nova --numa-node 1 --cpus 2
	assert_output "nova: 9,25 (2 CPUs, NUMA node 1)"
	# the partition's CPUs cannot be read: the last pool is kept, the file named
	rm "$R/sys/fs/cgroup/quietcore.slice/cpuset.cpus.effective"
	mkdir "$R/sys/fs/cgroup/quietcore.slice/cpuset.cpus.effective"
	send '{"action":"list_allocations"}'
	assert_equal "$(jq -c '[.pool, .allocations[0].allocated_cores]' <<<"$output")" '["1-7,9-15,17-23,25-30","9,25"]'
	grep -qF "the pool: $R/sys/fs/cgroup/quietcore.slice/cpuset.cpus.effective: Is a directory, the last one kept" "$LOG"
	stop_daemon
	run -1 --separate-stderr "$IA" serve --root "$R" --socket "$S"
	assert_equal "$stderr" "isol-alloc: reading the pool: $R/sys/fs/cgroup/quietcore.slice/cpuset.cpus.effective: Is a directory"
	# the partition turned invalid isolates nothing: its CPUs leave the pool and the grant
	rmdir "$R/sys/fs/cgroup/quietcore.slice/cpuset.cpus.effective"
	cgroup quietcore.slice "isolated invalid (Parent unable to distribute cpu downstream)" 9-15,25-31 9-15,25-31
	start_daemon
	send '{"action":"list_allocations"}'
	assert_equal "$(jq -c '[.pool, .allocations]' <<<"$output")" '["1-7,17-23",[]]'
}

@test "the state file: damaged or foreign stops the daemon, named; a second daemon on it is refused" {
	mkdir -p "$(dirname "$STATE")"
	echo '{"format":"something else"}' >"$STATE"
	run -1 "$IA" serve --root "$R" --socket "$S"
	assert_output --partial "$STATE: not an isol-alloc state file"
	cat >"$STATE" <<-EOF
		{"format":"quietcore-isol-alloc","version":1,"boot_id":"","pool":"","hugepages":[],
		 "grants":[{"service":"a","cpus":"1-2","explicit":"","lost":"","uid":0,"pid":0,"starttime":0},
		           {"service":"b","cpus":"2-3","explicit":"","lost":"","uid":0,"pid":0,"starttime":0}]}
	EOF
	run -1 "$IA" serve --root "$R" --socket "$S"
	assert_output --partial "$STATE: grant 2 (b): a CPU already in another grant"
	rm "$STATE"
	start_daemon
	run -1 "$IA" serve --root "$R" --socket "$BATS_TEST_TMPDIR/s2"
	assert_output --partial "another isol-alloc serves this state file"
	run -1 "$IA" serve --root "$R" --socket "$S" --state /var/lib/other.json
	assert_output --partial "$S: another isol-alloc is listening there"
}

@test "a state write that fails refuses the request and undoes it" {
	start_daemon
	run -0 "$IA" request --socket "$S" --service a --cpus 2
	chattr +i "$R/var/lib/quietcore" 2>/dev/null || skip "chattr +i not supported here"
	run -1 "$IA" request --socket "$S" --service b --cpus 2
	chattr -i "$R/var/lib/quietcore"
	assert_output --partial "Could not save the state: "
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -r '[.allocations[].service_name] | join(" ")' <<<"$output")" a
}

@test "state writes failing under concurrent requests: every client told yes is in the daemon and on disk, every one refused is in neither" {
	start_daemon
	run -0 "$IA" request --socket "$S" --service first --cpus 1
	local out=$BATS_TEST_TMPDIR/fail
	mkdir -p "$out"
	local -a pids=()
	for i in $(seq 1 14); do
		"$IA" request --socket "$S" --service "svc$i" --cpus 1 --json >"$out/$i" 2>/dev/null 3>&- &
		pids+=($!)
	done
	# the writes fail from here on, while some batches are answered, some written
	chattr +i "$R/var/lib/quietcore" 2>/dev/null || {
		wait "${pids[@]}"
		skip "chattr +i not supported here"
	}
	for i in $(seq 15 27); do
		"$IA" request --socket "$S" --service "svc$i" --cpus 1 --json >"$out/$i" 2>/dev/null 3>&- &
		pids+=($!)
	done
	local won=() p i=0
	for p in "${pids[@]}"; do
		i=$((i + 1))
		if wait "$p"; then won+=("svc$i"); fi
	done
	chattr -i "$R/var/lib/quietcore"
	# the ones started after the directory turned immutable were all refused, saying why
	for i in $(seq 15 27); do
		grep -q '"error":"Could not save the state: ' "$out/$i" || fail "svc$i: $(cat "$out/$i")"
	done
	local want
	want=$(printf '%s\n' first "${won[@]}" | LC_ALL=C sort | paste -sd' ')
	run -0 "$IA" list --socket "$S" --json
	assert_equal "$(jq -r '[.allocations[].service_name] | sort | join(" ")' <<<"$output")" "$want"
	assert_equal "$(jq -r '[.grants[].service] | sort | join(" ")' "$STATE")" "$want"
	# and the daemon goes on: a write works again
	run -0 "$IA" request --socket "$S" --service after --cpus 1
	assert_equal "$(jq -r '[.grants[].service] | index("after") != null' "$STATE")" true
}

# --- who may do what --------------------------------------------------------------------

@test "peer credentials: anyone may list; allocating needs root or the group; a grant is released only by its owner" {
	requires root setpriv
	local dir
	dir=$(mktemp -d /tmp/qc-alloc.XXXXXX)
	chmod 755 "$dir"
	cp "$IA" "$dir/isol-alloc"
	S=$dir/s
	start_daemon --socket-mode 0666
	local nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	run -0 "${nobody[@]}" "$dir/isol-alloc" list --socket "$S"
	run -1 --separate-stderr "${nobody[@]}" "$dir/isol-alloc" request --socket "$S" --service evil --cpus 2
	assert_equal "$stderr" "isol-alloc: Permission denied: allocate_cores needs root"
	run -0 "$IA" request --socket "$S" --service rootsvc --cpus 2
	stop_daemon
	start_daemon --socket-mode 0666 --group nogroup
	run -1 --separate-stderr "${nobody[@]}" "$dir/isol-alloc" release --socket "$S" --service rootsvc
	assert_equal "$stderr" "isol-alloc: Permission denied: rootsvc was allocated by uid 0"
	run -0 "${nobody[@]}" "$dir/isol-alloc" request --socket "$S" --service mine --cpus 2
	run -0 "${nobody[@]}" "$dir/isol-alloc" release --socket "$S" --service mine
	# the group by supplementary membership, too
	run -0 setpriv --reuid=nobody --regid=1 --groups=65534 "$dir/isol-alloc" request --socket "$S" --service mine2 --cpus 2
	stop_daemon
	rm -rf "$dir"
}

# --- systemd, sockets, the command line ------------------------------------------------

@test "socket activation: the daemon serves the socket systemd passes" {
	requires systemd-socket-activate
	systemd-socket-activate -l "$S" "$IA" serve --root "$R" >>"$LOG" 2>&1 3>&- &
	DPID=$!
	for _ in $(seq 50); do [ -S "$S" ] && break; sleep 0.05; done
	run -0 "$IA" request --socket "$S" --service a --cpus 2
	assert_output "a: 1,17 (2 CPUs, NUMA node 0)"
	grep -q 'listening on the socket systemd passed' "$LOG"
}

@test "a socket path longer than sun_path holds" {
	local long
	long=$BATS_TEST_TMPDIR/$(printf 'd%.0s' $(seq 60))/$(printf 'e%.0s' $(seq 60))
	mkdir -p "$long"
	S=$long/alloc.sock
	start_daemon
	run -0 "$IA" request --socket "$S" --service a --cpus 2
	[ "$(stat -c %a "$S")" = 660 ]
}

@test "--root puts the default socket and state below it; the socket is 0660" {
	"$IA" serve --root "$R" >>"$LOG" 2>&1 3>&- &
	DPID=$!
	for _ in $(seq 100); do [ -S "$R/run/quietcore/alloc.sock" ] && break; sleep 0.05; done
	run -0 "$IA" --root "$R" request --service a --cpus 2
	run -0 "$IA" list --root "$R"
	assert_line --index 2 --regexp '^a +1,17 '
	[ "$(stat -c %a "$R/run/quietcore/alloc.sock")" = 660 ]
	[ -f "$STATE" ]
}

@test "command line: usage errors exit 2; a daemon that is not there exits 1" {
	run -2 "$IA"
	run -2 "$IA" frobnicate
	run -2 "$IA" request --service a
	run -2 "$IA" request --service a --cpus 2 --cores 1
	run -2 "$IA" request --service $'a\tb' --cpus 2
	run -2 "$IA" request --service a --cpus 0
	run -2 "$IA" request --service a --percent 101
	run -2 "$IA" request --service a --cpus 2 --near eth0
	run -2 "$IA" list --service a
	run -2 "$IA" serve --cpus 2
	run -2 "$IA" serve --state relative.json
	run -0 "$IA" --help
	assert_output --partial "isol-alloc request --service NAME"
	run -1 --separate-stderr "$IA" list --socket "$BATS_TEST_TMPDIR/none"
	assert_equal "$stderr" "isol-alloc: cannot connect to $BATS_TEST_TMPDIR/none: No such file or directory (is 'isol-alloc serve' running?)"
}
