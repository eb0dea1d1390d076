#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cmdline-gen over every real sysfs tree in tests/fixtures/topologies (one test
# per tree), checking the plan against the tree itself, not against the
# program's own view of it:
#
#   - no crash, exit 0, valid JSON (jq);
#   - online = the tree's cpu/online (when it has one);
#   - housekeeping ∪ isolated = online, disjoint, isolated not empty;
#   - the lowest online CPU (the boot CPU) is housekeeping;
#   - every NUMA node whose node/nodeN/cpulist (else cpumap) has an online CPU
#     has a housekeeping CPU;
#   - SMT siblings (thread_siblings_list, else thread_siblings, else
#     core_cpus_list / core_cpus) have the same role, whatever their core_id
#     says: AMD family 15h compute units (64amd64-*) pair two CPUs with
#     different core_id, and the scheduler treats them as siblings;
#   - isolcpus=domain,managed_irq,<isolated>, nohz_full= and rcu_nocbs= equal
#     the isolated set, irqaffinity= the housekeeping set;
#   - topology cpus/cores/packages/numa_nodes equal hwloc's counts
#     (hwloc-counts.tsv) where index.tsv says the oracle agrees, and equal
#     index.tsv's own counts where it says DIFF (hwloc merges or hides objects
#     on purpose there: see the notes in index.tsv).  Justified exception: a
#     tree without sys/devices/system/node has 0 NUMA nodes for us (the kernel
#     reports none) where hwloc invents 1; index.tsv also says 0 for those.
#     The fam15h trees are DIFF for cores: hwloc counts each CPU of a compute
#     unit as a core (64), quietcore the compute unit, the thread_siblings
#     pair it keeps whole (32 cores of 2 threads).
#
# Trees where nothing can be isolated must exit 1 with one line saying why
# (NOTHING below).  Expected-output files for a handful of trees are in
# tests/fixtures/expected/ (regenerate with QC_REGEN=1 after a deliberate
# change, and review the diff).
bats_require_minimum_version 1.5.0
load helpers
shopt -s extglob

FIXT=$QC_TOP/tests/fixtures/topologies
EXPECTED=$QC_TOP/tests/fixtures/expected

# Trees where the policy leaves nothing to isolate, and why.
declare -gA NOTHING=(
	[2i386-2t-hugepagesizecount]="one core of 2 SMT threads: the boot CPU's core"
	[2ps3-2t]="one core of 2 SMT threads: the boot CPU's core"
	[4fake-4gr1nu1pu]="4 CPUs in 4 NUMA nodes: each node keeps its only CPU"
)

setup_file() {
	topologies_dir >/dev/null
}

# Expanders set the global array EXP (no subshells: thousands of calls).
# "0-3,8" -> (0 1 2 3 8)
list_expand() {
	local IFS=, r i
	EXP=()
	for r in $1; do
		[ -n "$r" ] || continue
		if [[ $r == *-* ]]; then
			for ((i = ${r%-*}; i <= ${r#*-}; i++)); do EXP+=("$i"); done
		else
			EXP+=("$r")
		fi
	done
}

# "00000000,0000f0f0" -> (4 5 6 7 12 13 14 15)
mask_expand() {
	local m=${1//,/} i d bit base
	EXP=()
	m=${m##+(0)}	# (extglob) leading zeros are most of a 1024-CPU mask
	for ((i = ${#m} - 1; i >= 0; i--)); do
		[ "${m:i:1}" != 0 ] || continue
		d=$((16#${m:i:1}))
		base=$(((${#m} - 1 - i) * 4))
		for ((bit = 0; bit < 4; bit++)); do
			((d & (1 << bit))) && EXP+=($((base + bit)))
		done
	done
	return 0
}

# Every small file of the tree's cpu/ and node/ folders into the global
# associative array F (relative path -> first line), with one grep.
load_files() {
	local root=$1 line
	declare -gA F=()
	while IFS= read -r line; do
		F[${line%%:*}]=${line#*:}
	done < <(cd "$root/sys/devices/system" && grep -a -H -m1 . cpu/online cpu/cpu*/topology/* node/node*/cpu* 2>/dev/null | tr -d '\0')
}

# set_of LISTKEY [MASKKEY]: EXP from F, status 1 if neither is there
set_of() {
	if [ -n "${F[$1]+x}" ]; then
		list_expand "${F[$1]}"
	elif [ -n "${2:-}" ] && [ -n "${F[$2]+x}" ]; then
		mask_expand "${F[$2]}"
	else
		return 1
	fi
}

check_tree() {
	local name=$1 root
	root=$(topologies_dir)/$name

	run --separate-stderr "$BUILD/cmdline-gen" --root "$root" --json
	if [ -n "${NOTHING[$name]:-}" ]; then
		[ "$status" -eq 1 ] || fail "$name: exit $status, expected 1 (${NOTHING[$name]})"
		[ -z "$output" ] || fail "$name: output on a refused plan"
		# shellcheck disable=SC2154 # stderr and stderr_lines: set by bats' run --separate-stderr
		[ "${#stderr_lines[@]}" -eq 1 ] || fail "$name: stderr is not one line: $stderr"
		[[ $stderr == "cmdline-gen: nothing to isolate: "* ]] || fail "$name: $stderr"
		return 0
	fi
	[ "$status" -eq 0 ] || fail "$name: exit $status: $stderr"
	# The checks loop over every CPU: bats' DEBUG trap makes that crawl in the
	# test's own shell, so they run in a plain bash.
	run bash -c "shopt -s extglob; $(declare -f list_expand mask_expand load_files set_of check_plan check_counts topologies_dir); FIXT='$FIXT' BUILD='$BUILD'; check_plan \"\$@\"" check_plan "$name" "$root" "$output"
	[ "$status" -eq 0 ] || fail "$output"
}

check_plan() {
	local name=$1 root=$2 json=$3 c s nd any
	fail() { echo "$*"; exit 1; }

	# one jq for everything (process start-up dominates on a loaded machine);
	# jq failing to parse is the "valid JSON" check
	local online hk iso p_iso p_nohz p_nocbs p_irq line joined counts
	{
		read -r online && read -r hk && read -r iso && read -r p_iso && read -r p_nohz &&
			read -r p_nocbs && read -r p_irq && read -r line && read -r joined && read -r counts
	} < <(jq -r '.online, .housekeeping, .isolated, .params.isolcpus, .params.nohz_full, .params.rcu_nocbs,
		.params.irqaffinity, .cmdline,
		(.params | to_entries | map(if .value == true then .key else "\(.key)=\(.value)" end) | join(" ")),
		(.topology | "\(.cpus) \(.cores) \(.packages) \(.numa_nodes)")' <<<"$json" || echo JQFAIL) ||
		fail "$name: output is not JSON: $json"
	[ "$online" != JQFAIL ] || fail "$name: output is not JSON: $json"
	[ -n "$iso" ] || fail "$name: nothing isolated but exit 0"
	load_files "$root"

	local -a on
	list_expand "$online"
	on=("${EXP[@]}")
	if set_of cpu/online; then
		[ "${EXP[*]}" = "${on[*]}" ] || fail "$name: online '$online' != the tree's cpu/online '${F[cpu/online]}'"
	fi

	local -A role=()
	list_expand "$hk"
	for c in "${EXP[@]}"; do role[$c]=hk; done
	list_expand "$iso"
	for c in "${EXP[@]}"; do
		[ -z "${role[$c]:-}" ] || fail "$name: CPU $c is housekeeping and isolated"
		role[$c]=iso
	done
	[ "${#role[@]}" -eq "${#on[@]}" ] || fail "$name: housekeeping ∪ isolated has ${#role[@]} CPUs, online ${#on[@]}"
	for c in "${on[@]}"; do
		[ -n "${role[$c]:-}" ] || fail "$name: online CPU $c in neither set"
	done
	[ "${role[${on[0]}]}" = hk ] || fail "$name: boot CPU ${on[0]} is not housekeeping"

	# NUMA nodes, from the tree
	for nd in "$root"/sys/devices/system/node/node[0-9]*; do
		[ -d "$nd" ] || continue
		nd=node/${nd##*/}
		set_of "$nd/cpulist" "$nd/cpumap" || continue
		any=
		for c in "${EXP[@]}"; do
			[ "${role[$c]:-}" = hk ] && any=1
			[ -n "${role[$c]:-}" ] && [ -z "$any" ] && any=0
		done
		[ "${any:-1}" = 1 ] || fail "$name: NUMA node $nd (CPUs ${EXP[*]}) has no housekeeping CPU"
	done

	# SMT siblings, from the tree
	for c in "${on[@]}"; do
		local t=cpu/cpu$c/topology
		set_of "$t/thread_siblings_list" "$t/thread_siblings" || set_of "$t/core_cpus_list" "$t/core_cpus" || continue
		for s in "${EXP[@]}"; do
			[ -n "${role[$s]:-}" ] || continue
			[ "${role[$s]}" = "${role[$c]}" ] ||
				fail "$name: SMT siblings $c (${role[$c]}) and $s (${role[$s]}) split"
		done
	done

	# parameters carry exactly the sets, and the line is the parameters in order
	[ "$p_iso" = "domain,managed_irq,$iso" ] || fail "$name: isolcpus=$p_iso"
	[ "$p_nohz" = "$iso" ] || fail "$name: nohz_full=$p_nohz"
	[ "$p_nocbs" = "$iso" ] || fail "$name: rcu_nocbs=$p_nocbs"
	[ "$p_irq" = "$hk" ] || fail "$name: irqaffinity=$p_irq"
	[ "$line" = "$joined" ] || fail "$name: cmdline is not the params in order"

	check_counts "$name" "$counts"
}

# check_counts NAME "cpus cores packages numa_nodes"
check_counts() {
	local name=$1 ours=$2 oracle='' want='' n a b c d e f j
	# index.tsv: name arch pus cores packages numa_nodes smt numbering provenance
	# xcheck_vs_expected oracle_hwloc29 notes
	while IFS=$'\t' read -r n _ b c d e _ _ _ _ j _; do
		[ "$n" = "$name" ] || continue
		oracle=$j
		want="$b $c $d $e"	# index.tsv: pus cores packages numa_nodes
	done <"$FIXT/index.tsv"
	if [ "$oracle" = AGREE ]; then
		# hwloc-counts.tsv: name PU Core Package Die Group NUMANode ...
		while IFS=$'\t' read -r n a b c _ _ f _; do
			[ "$n" = "$name" ] || continue
			# hwloc invents one NUMA node where the kernel reports none
			[ "$f" = 1 ] && [ ! -d "$(topologies_dir)/$name/sys/devices/system/node" ] && f=0
			want="$a $b $c $f"	# hwloc: PU Core Package NUMANode
		done <"$FIXT/hwloc-counts.tsv"
	fi
	[ -n "$want" ] || fail "$name: not in index.tsv / hwloc-counts.tsv"
	[ "$ours" = "$want" ] || fail "$name: cpus/cores/packages/numa_nodes '$ours' != '$want' (oracle $oracle)"
}

expect_output() { # NAME ARGS... : stdout diffed with $EXPECTED/NAME
	local name=$1 tree=$2
	shift 2
	run --separate-stderr "$BUILD/cmdline-gen" --root "$(topologies_dir)/$tree" "$@"
	if [ "${QC_REGEN:-0}" = 1 ]; then
		printf '%s\n' "$output" >"$EXPECTED/$name"
		printf 'exit %s\n%s\n' "$status" "$stderr" >"$EXPECTED/$name.stderr"
	fi
	diff -u "$EXPECTED/$name" <(printf '%s\n' "$output") || fail "$name: output differs"
	diff -u "$EXPECTED/$name.stderr" <(printf 'exit %s\n%s\n' "$status" "$stderr") || fail "$name: stderr/exit differ"
}

# Trees refused above still have their counts checked where an override works.
@test "counts of the one-core trees via --isolate" {
	local name
	for name in 2i386-2t-hugepagesizecount 2ps3-2t; do
		run --separate-stderr "$BUILD/cmdline-gen" --root "$(topologies_dir)/$name" --json --isolate 1
		assert_success
		[[ $stderr == *"SMT siblings split"* ]] || fail "$name: no split warning"
		check_counts "$name" "$(jq -r '.topology | "\(.cpus) \(.cores) \(.packages) \(.numa_nodes)"' <<<"$output")"
	done
}

@test "every tree in the tarball has a test here" {
	local d self
	self=$(<"$BATS_TEST_FILENAME")
	for d in "$(topologies_dir)"/*/; do
		d=${d%/}
		[[ $self == *$'\tcheck_tree '"${d##*/}"$'\n'* ]] || fail "no test for ${d##*/}"
	done
}

@test "expected output: 16em64t-4s2c2t-offlines --explain" {
	expect_output 16em64t-4s2c2t-offlines.explain 16em64t-4s2c2t-offlines --explain
}

@test "expected output: 16em64t-4s2c2t-offlines line" {
	expect_output 16em64t-4s2c2t-offlines.line 16em64t-4s2c2t-offlines
}

@test "expected output: 20em64t-hybrid --explain" {
	expect_output 20em64t-hybrid.explain 20em64t-hybrid-1p6c2t+2ca4co1t --explain
}

@test "expected output: 5intel64-hybrid-lakefield line" {
	expect_output 5intel64-hybrid-lakefield.line 5intel64-hybrid-lakefield
}

@test "expected output: offline-cpu0-node0 --explain" {
	expect_output offline-cpu0-node0.explain offline-cpu0-node0 --explain
}

@test "expected output: 48amd64-4pa2n6c-sparse --explain --housekeeping-per-node 2" {
	expect_output 48amd64-4pa2n6c-sparse.explain 48amd64-4pa2n6c-sparse --explain --housekeeping-per-node 2
}

@test "expected output: nvidia-dgx-gb10 latency line" {
	expect_output nvidia-dgx-gb10.latency.line nvidia-dgx-gb10 --profile latency
}

@test "expected output: fakeheterocpunuma --explain" {
	expect_output fakeheterocpunuma.explain fakeheterocpunuma --explain
}

@test "expected output: 32intel64-2p8co2t+8ve minimal --nosmt line" {
	expect_output 32intel64-nosmt.line 32intel64-2p8co2t+8ve --profile minimal --nosmt
}

# AMD family 15h: each compute unit (a thread_siblings_list pair with two
# core_id) is one core of the plan, whole in housekeeping or isolated.
@test "expected output: 64amd64-4p2n4ca2co (fam15h compute units) --explain" {
	expect_output 64amd64-fam15h.explain 64amd64-4p2n4ca2co --explain
}

@test "expected output: 64amd64-4s2n4ca2co (fam15h compute units) minimal --nosmt line" {
	expect_output 64amd64-fam15h-nosmt.line 64amd64-4s2n4ca2co --profile minimal --nosmt
}

@test "core_cpus_list disagreeing with thread_siblings_list: the siblings win, with a warning" {
	local root=$BATS_TEST_TMPDIR/tree t
	cp -a "$(topologies_dir)/32intel64-2p8co2t+8ve" "$root"
	t=$root/sys/devices/system/cpu
	echo 0 >"$t/cpu0/topology/core_cpus_list"
	echo 16 >"$t/cpu16/topology/core_cpus_list"
	run --separate-stderr "$BUILD/cmdline-gen" --root "$root" --json
	assert_success
	assert_equal "$stderr" "cmdline-gen: warning: CPUs 0,16: core_cpus_list and thread_siblings_list disagree: cores follow thread_siblings_list, as the scheduler does"
	assert_equal "$(jq -r '.housekeeping, .topology.cores' <<<"$output")" $'0,8,16,24\n16'
}

@test "expected output: 2ps3-2t refused" {
	expect_output 2ps3-2t.refused 2ps3-2t
}

# One test per tree (the list is checked against the tarball above).
@test "tree 128arm-2pa2n8cluster4co" {
	check_tree 128arm-2pa2n8cluster4co
}

@test "tree 128ia64-17n4s2c" {
	check_tree 128ia64-17n4s2c
}

@test "tree 16amd64-4n4c-cgroup-distance-merge" {
	check_tree 16amd64-4n4c-cgroup-distance-merge
}

@test "tree 16amd64-8n2c-cpusets" {
	check_tree 16amd64-8n2c-cpusets
}

@test "tree 16amd64-8n2c" {
	check_tree 16amd64-8n2c
}

@test "tree 16em64t-4s2c2t-offlines" {
	check_tree 16em64t-4s2c2t-offlines
}

@test "tree 16em64t-4s2c2t" {
	check_tree 16em64t-4s2c2t
}

@test "tree 16em64t-4s2ca2c-cpusetreorder" {
	check_tree 16em64t-4s2ca2c-cpusetreorder
}

@test "tree 16ia64-8n2s" {
	check_tree 16ia64-8n2s
}

@test "tree 20em64t-hybrid-1p6c2t+2ca4co1t" {
	check_tree 20em64t-hybrid-1p6c2t+2ca4co1t
}

@test "tree 20s390-2g6s4c" {
	check_tree 20s390-2g6s4c
}

@test "tree 256ia64-64n2s2c" {
	check_tree 256ia64-64n2s2c
}

@test "tree 256ppc-8n8s4t" {
	check_tree 256ppc-8n8s4t
}

@test "tree 2arm-2c" {
	check_tree 2arm-2c
}

@test "tree 2i386-2c-nohugepage" {
	check_tree 2i386-2c-nohugepage
}

@test "tree 2i386-2t-hugepagesizecount" {
	check_tree 2i386-2t-hugepagesizecount
}

@test "tree 2pa-pcidomain32bits" {
	check_tree 2pa-pcidomain32bits
}

@test "tree 2ps3-2t" {
	check_tree 2ps3-2t
}

@test "tree 32amd64-4s2n4c-cgroup2" {
	check_tree 32amd64-4s2n4c-cgroup2
}

@test "tree 32em64t-2n8c+dax+nvme+mic+dimms" {
	check_tree 32em64t-2n8c+dax+nvme+mic+dimms
}

@test "tree 32intel64-2p8co2t+8ve" {
	check_tree 32intel64-2p8co2t+8ve
}

@test "tree 40intel64-2g2n4c+pcilocality" {
	check_tree 40intel64-2g2n4c+pcilocality
}

@test "tree 40intel64-4n10c+pci-conflicts" {
	check_tree 40intel64-4n10c+pci-conflicts
}

@test "tree 48amd64-4pa2n6c-sparse" {
	check_tree 48amd64-4pa2n6c-sparse
}

@test "tree 4fake-4gr1nu1pu" {
	check_tree 4fake-4gr1nu1pu
}

@test "tree 5intel64-hybrid-lakefield" {
	check_tree 5intel64-hybrid-lakefield
}

@test "tree 64amd64-4p2n4ca2co" {
	check_tree 64amd64-4p2n4ca2co
}

@test "tree 64amd64-4s2n4ca2co" {
	check_tree 64amd64-4s2n4ca2co
}

@test "tree 64fake-4n2s2ca2c2t" {
	check_tree 64fake-4n2s2ca2c2t
}

@test "tree 8em64t-2s2ca2c-buggynuma" {
	check_tree 8em64t-2s2ca2c-buggynuma
}

@test "tree 8em64t-2s2ca2c" {
	check_tree 8em64t-2s2ca2c
}

@test "tree 8em64t-2s4c-asymcaches" {
	check_tree 8em64t-2s4c-asymcaches
}

@test "tree 8ia64-2n2s2c" {
	check_tree 8ia64-2n2s2c
}

@test "tree 8ia64-2s2c2t" {
	check_tree 8ia64-2s2c2t
}

@test "tree 96em64t-4no4pa3ca2co" {
	check_tree 96em64t-4no4pa3ca2co
}

@test "tree fakecpuid1f-64intel64-2p4d2n2c2t" {
	check_tree fakecpuid1f-64intel64-2p4d2n2c2t
}

@test "tree fakeheterocpunuma" {
	check_tree fakeheterocpunuma
}

@test "tree fakeheteromemtiers" {
	check_tree fakeheteromemtiers
}

@test "tree fakememinitiators-1np2c+1npp+gi" {
	check_tree fakememinitiators-1np2c+1npp+gi
}

@test "tree fakepcilocalities" {
	check_tree fakepcilocalities
}

@test "tree memorysidecaches" {
	check_tree memorysidecaches
}

@test "tree nvidia-dgx-gb10" {
	check_tree nvidia-dgx-gb10
}

@test "tree nvidiagpunumanodes" {
	check_tree nvidiagpunumanodes
}

@test "tree offline-cpu0-node0" {
	check_tree offline-cpu0-node0
}
