/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpualloc: which isolated CPUs a service gets -- the placement logic of
 * isol-alloc. No I/O, no printing: the caller reads the pool and the topology
 * (lib/isolation, lib/topology) and keeps the grants.
 *
 * A grant is what one named service holds. Its CPUs come from the pool and
 * are in no other grant. A request names the service and a size: N CPUs, N
 * whole cores, a percentage of the pool, or EPA's default (80% of a pool of at
 * most 100 CPUs, else all but 16); optionally a NUMA node the CPUs must come
 * from, CPUs to prefer (a device's local CPUs), and whole cores only.
 *
 * Placement, kubelet's takeByTopology order, best fit at every level:
 *
 *   - levels: NUMA node, package, L3 group, core. At each level, if one group
 *     can hold the request, the tightest such group (the fewest free CPUs that
 *     still suffice; ties: near the preferred CPUs, then the lowest group) is
 *     chosen and the request descends into it, so it stays on one node, one
 *     package, one L3 where it can and the emptiest groups stay whole;
 *   - a request no group can hold takes whole groups, largest first, while
 *     they fit, and the rest from the tightest group that can hold it;
 *   - within a group: whole free cores first (largest first, so SMT siblings
 *     go together), then threads of cores that are already split (the
 *     smallest fragments first), and only then one free core is broken: the
 *     smallest one that holds the rest.
 *
 * A core is whole in a set when all its online SMT siblings are in it; the
 * size of a whole-cores request counts cores, or CPUs made of whole cores only.
 *
 * EPA's semantics, kept: a repeated request from the same service replaces
 * its grant (its own CPUs count as free for it); an "explicit" request (EPA's
 * allocate_numa_cores) replaces only the service's CPUs on that node, adds to
 * the rest of its grant, and may take CPUs from other services' non-explicit
 * grants (preemption) when the free ones do not suffice -- unless no_preempt,
 * and never from explicit grants or from the CPUs the caller protects.
 *
 * A request that cannot be met changes nothing and says where it looked and
 * what it found there (struct cpualloc_result).
 */
#ifndef QC_CPUALLOC_H
#define QC_CPUALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "topology.h"

/* A service name: 1..64 bytes, no control characters (cpualloc_name_valid()). */
#define CPUALLOC_NAME_MAX 64

/* EPA's default size: a pool above this many CPUs keeps CPUALLOC_DEFAULT_KEEP. */
#define CPUALLOC_DEFAULT_LARGE 100
#define CPUALLOC_DEFAULT_KEEP 16
#define CPUALLOC_DEFAULT_PCT 80

struct cpualloc_grant {
	char service[CPUALLOC_NAME_MAX + 1];
	cpuset_t cpus;		/* every CPU the service holds (may be empty: all preempted) */
	cpuset_t explicit_cpus; /* those taken by explicit (NUMA) requests: never preempted */
	cpuset_t lost;		/* CPUs taken from it since it was made (preemption, pool) */
	/* The owner: not used for placement (isol-alloc's authorisation, reconciliation). */
	uint32_t uid;	    /* who made the grant */
	int32_t pid;	    /* the process it is bound to, 0: none */
	uint64_t starttime; /* of pid (/proc/PID/stat field 22): pid + starttime name a process */
};

struct cpualloc_grants {
	struct cpualloc_grant *v;
	size_t n;
	size_t cap;
};

enum cpualloc_unit {
	CPUALLOC_DEFAULT, /* EPA's default size (count ignored) */
	CPUALLOC_CPUS,	  /* count CPUs */
	CPUALLOC_CORES,	  /* count whole cores (implies whole_cores) */
	CPUALLOC_PERCENT, /* count percent of the pool (1..100), rounded up */
};

struct cpualloc_request {
	const char *service;
	enum cpualloc_unit unit;
	unsigned int count;
	int node;	      /* sysfs NUMA node id the CPUs must come from; -1: any */
	bool explicit_numa;   /* EPA's allocate_numa_cores (needs node >= 0) */
	bool whole_cores;     /* whole cores only; DEFAULT/PERCENT then count cores */
	bool no_preempt;      /* an explicit request takes free CPUs only */
	const cpuset_t *near; /* prefer these CPUs (a device's local CPUs); NULL: none */
	const cpuset_t *keep; /* CPUs that may not be preempted (other owners'); NULL */
};

/* Why a request was not met (with -ENOSPC). */
enum cpualloc_short {
	CPUALLOC_SHORT_NONE,
	CPUALLOC_SHORT_FREE,  /* fewer free CPUs (cores) than asked */
	CPUALLOC_SHORT_WHOLE, /* enough CPUs, but they do not make the size from whole cores */
};

struct cpualloc_result {
	unsigned int wanted;	/* the size asked for, after DEFAULT/PERCENT (CPUs, or cores) */
	bool in_cores;		/* wanted, available, ... count whole cores */
	cpuset_t cpus;		/* the CPUs this request chose */
	cpuset_t grant;		/* the service's whole grant after it */
	cpuset_t explicit_cpus; /* the explicit part of that grant */
	cpuset_t preempted;	/* CPUs taken from other services' grants */
	int node;		/* the NUMA node id of cpus when they lie in one node, else -1 */

	/* -ENOSPC: where it looked (node id, -1 the whole pool) and what it found there */
	enum cpualloc_short why;
	int short_node;
	unsigned int available;	 /* free for this service there (own CPUs included) */
	unsigned int pool_there; /* pool CPUs (cores) there, free or not */
	int best_node;		 /* unscoped request: the node with the most free, -1 none */
	unsigned int best_node_available;
};

/* EPA's default size for a pool of n CPUs (or cores): 80% rounded down, or n - 16 above 100. */
unsigned int cpualloc_default_size(unsigned int n);
/* pct (0..100) of n, rounded up. */
unsigned int cpualloc_percent_of(unsigned int n, unsigned int pct);
/* The number of cores of topo whose online CPUs all lie in set. */
unsigned int cpualloc_whole_cores(const struct topology *topo, const cpuset_t *set);

/*
 * Place req. pool: the CPUs that may be handed out (offline ones are ignored).
 * grants: the current grants (req->service's own included).
 * Returns 0 with *ret filled; -ENODATA the pool is empty; -ENODEV req->node
 * is not a NUMA node of topo; -EINVAL a size of 0 (DEFAULT of a tiny pool,
 * count 0, percent outside 1..100) or explicit_numa without a node; -ENOSPC
 * not enough (ret->why, short_node, available, pool_there, best_node say what
 * there is); -ENOMEM. Nothing is changed: cpualloc_commit() applies *ret.
 */
int cpualloc_place(const struct topology *topo, const cpuset_t *pool,
		   const struct cpualloc_grants *grants, const struct cpualloc_request *req,
		   struct cpualloc_result *ret);

/*
 * Apply a placement: req->service's grant becomes res->grant (made if new;
 * its lost set cleared), and every other grant loses res->preempted (added
 * to its lost set; a grant left empty stays, to be seen). uid/pid/starttime of
 * the service's grant are set from the arguments. 0, or -ENOMEM or
 * -ENAMETOOLONG (a service name over CPUALLOC_NAME_MAX bytes): nothing changed.
 */
int cpualloc_commit(struct cpualloc_grants *grants, const struct cpualloc_request *req,
		    const struct cpualloc_result *res, uint32_t uid, int32_t pid,
		    uint64_t starttime);

/*
 * Release service's grant: all of it (within NULL), or only its CPUs in
 * within (an explicit release of one node); a grant left empty is removed.
 * The CPUs freed go to *ret_freed (may be NULL). 0, or -ENOENT: no grant.
 */
int cpualloc_release(struct cpualloc_grants *grants, const char *service, const cpuset_t *within,
		     cpuset_t *ret_freed);

/* The grant of service, NULL if none. */
struct cpualloc_grant *cpualloc_find(const struct cpualloc_grants *grants, const char *service);
/* Append a grant (copied); -EEXIST if the service has one, -ENOMEM. */
int cpualloc_add(struct cpualloc_grants *grants, const struct cpualloc_grant *grant);
/* Remove grants->v[i], keeping the order of the others. */
void cpualloc_remove(struct cpualloc_grants *grants, size_t i);
/*
 * The union of every grant's CPUs, within the set `within` (NULL: all of
 * them). With a pool as `within`, its cost is the pool's span, not 8192 bits
 * per grant (isol-alloc does this on every request).
 */
void cpualloc_used(const struct cpualloc_grants *grants, const cpuset_t *within, cpuset_t *ret);
/* A deep copy into *dst (freed first); 0 or -ENOMEM (dst untouched). */
int cpualloc_copy(struct cpualloc_grants *dst, const struct cpualloc_grants *src);
void cpualloc_grants_free(struct cpualloc_grants *grants);
/* A service name isol-alloc accepts: s of len bytes, 1..64, no NUL or control characters. */
bool cpualloc_name_valid(const char *s, size_t len);

#endif
