/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * topology: the CPU topology of a machine as sysfs describes it, read through
 * a root-prefixed path context (so captured machines work with --root).
 *
 * Every grouping (core, package, die, cluster, L3, NUMA node) is a partition
 * of the online CPUs, built with one rule so that untidy sysfs trees still give
 * a consistent answer:
 *
 *   CPUs are visited in ascending order; a CPU not yet in a group reads its
 *   sibling set and forms a new group of itself plus every online CPU of that
 *   set that is not in a group yet.  The lowest CPU of a group speaks for it.
 *
 * So a CPU is read once per grouping only when it starts a group: O(CPUs)
 * file reads, not O(CPUs^2).  Cores are the exception: every online CPU's
 * sibling set is read and the sets are merged (union closure), because the
 * planner must never split CPUs that any of them lists together.
 *
 * Where a cpulist file ("*_list") and a hex mask file describe the same set,
 * the cpulist wins (it is what lscpu and numactl read, and every tree where
 * they disagree was edited by hand); the mask is the fallback when there is
 * no cpulist file.  Offline CPUs are in no group.
 *
 * Sources, first present wins:
 *   online     cpu/online; else every cpuN directory whose cpuN/online is
 *              missing (cpu0 often has none), empty, or "1".  CPUs listed online
 *              but without a cpuN directory are dropped (nothing is known of them).
 *   cores      the union closure of topology/thread_siblings_list (else
 *              thread_siblings) over all online CPUs; without them
 *              core_cpus_list, core_cpus (the same kernel mask, newer name);
 *              none: one CPU per core.  core_id plays no part: AMD family
 *              15h compute units list two CPUs with different core_id as
 *              siblings, and the scheduler's SMT domain, nosmt and the noise
 *              a CPU sees follow the siblings (hwloc counts two cores there).
 *              Where core_cpus and thread_siblings disagree (edited trees),
 *              the siblings win and a note says so.
 *   packages   topology/package_cpus_list, core_siblings_list, core_siblings,
 *              package_cpus; else physical_package_id (unless -1); else none
 *              (the package of every CPU is unknown, 0 packages).
 *   dies       topology/die_cpus_list, die_cpus (else 0 dies reported).
 *   clusters   topology/cluster_cpus_list, cluster_cpus (else 0).
 *   L3 groups  cache/indexN with level 3: shared_cpu_list, shared_cpu_map.
 *   NUMA nodes node/nodeN (sparse ids, CPU-less nodes kept): cpulist, cpumap.
 *              A CPU listed by several nodes belongs to the lowest node id.
 *              CPUs in no node (or no node/ directory at all) have node -1.
 *   hybrid     /sys/devices/cpu_core/cpus (performance) + cpu_atom/cpus
 *              (efficiency); else per-CPU cpu_capacity; else per-CPU
 *              cpufreq/cpuinfo_max_freq.  For the last two the distinct values
 *              are split at their largest relative gap, and the machine counts
 *              as hybrid only when that gap is at least 5%
 *              (TOPO_HYBRID_MIN_GAP_PCT); the CPUs above it are performance.
 *   boot CPU   the lowest online CPU (CPU 0 unless it is offline; the kernel
 *              moves timekeeping duty to an online CPU).
 */
#ifndef QC_TOPOLOGY_H
#define QC_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "path.h"

#define TOPO_HYBRID_MIN_GAP_PCT 5

enum topo_kind {
	TOPO_KIND_NONE = 0, /* not a hybrid machine */
	TOPO_KIND_PERFORMANCE,
	TOPO_KIND_EFFICIENCY,
};

enum topo_hybrid_source {
	TOPO_HYBRID_NONE = 0,
	TOPO_HYBRID_PMU,      /* /sys/devices/cpu_core + cpu_atom */
	TOPO_HYBRID_CAPACITY, /* cpuN/cpu_capacity */
	TOPO_HYBRID_MAXFREQ,  /* cpuN/cpufreq/cpuinfo_max_freq */
};

/* Per-CPU facts; the group fields index the arrays of struct topology, -1 = none. */
struct topo_cpu {
	int32_t core;
	int32_t package;
	int32_t die;
	int32_t cluster;
	int32_t l3;
	int32_t node;	    /* index into nodes[], -1: in no node */
	int32_t package_id; /* sysfs topology/physical_package_id, -1 if absent */
	uint8_t kind;	    /* enum topo_kind */
};

struct topo_group {
	int32_t id;    /* sysfs id where there is one (node, package), else -1 */
	cpuset_t cpus; /* online CPUs of the group */
};

struct topo_groups {
	struct topo_group *v;
	size_t n;
	size_t cap;
};

struct topology {
	unsigned int nr_cpus; /* size of cpus[]: highest CPU known + 1 */
	cpuset_t possible;    /* cpu/possible, else the cpuN directories */
	cpuset_t present;     /* cpu/present, else the cpuN directories */
	cpuset_t online;
	cpuset_t offline; /* present (or possible) but not online */
	int boot_cpu;	  /* -1 only if nothing is online (never returned) */
	struct topo_cpu *cpus;

	struct topo_groups cores; /* ordered by their lowest CPU */
	struct topo_groups packages;
	struct topo_groups dies;
	struct topo_groups clusters;
	struct topo_groups l3s;
	struct topo_groups nodes; /* ordered by node id, CPU-less nodes included */
	bool has_node_dir;	  /* sys/devices/system/node/nodeN exist */
	cpuset_t no_node;	  /* online CPUs in no NUMA node */

	unsigned int smt;		/* most threads in one core */
	enum topo_hybrid_source hybrid; /* TOPO_HYBRID_NONE: not hybrid */
	cpuset_t performance;		/* hybrid only */
	cpuset_t efficiency;		/* hybrid only */

	char **notes; /* things a person should know, no newline */
	size_t nr_notes;
};

/*
 * Read the topology under pc.  Returns 0 or -errno; on failure path_last(pc)
 * names the file that was being read (a malformed file gives -EINVAL/-ERANGE,
 * a tree without sys/devices/system/cpu -ENOENT, nothing online -ENODATA).
 */
int topology_read(struct path_cxt *pc, struct topology **ret);
void topology_free(struct topology *topo);

static inline const struct topo_cpu *topology_cpu(const struct topology *topo, unsigned int cpu)
{
	return cpu < topo->nr_cpus ? &topo->cpus[cpu] : NULL;
}

/* The core (group) of an online CPU, NULL for an offline one. */
const struct topo_group *topology_core_of(const struct topology *topo, unsigned int cpu);

const char *topology_hybrid_source_str(enum topo_hybrid_source src);

/* One NUMA node: its sysfs id and the CPUs it lists (cpulist, else cpumap). */
struct topo_numa_node {
	uint32_t id;
	cpuset_t cpus;
};

/*
 * The node/nodeN directories in ascending id order, CPU-less nodes included:
 * the one reader of NUMA nodes (topology_read() and early-pin use it). 0 with
 * *ret_n 0 and *ret NULL without a node directory; -errno with path_last()
 * on the file for a node list that is there but unreadable or malformed.
 * *ret is malloc'ed.
 */
int topology_read_numa_nodes(struct path_cxt *pc, struct topo_numa_node **ret, size_t *ret_n);

#endif
