// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/cpualloc on real machines: the hwloc sysfs trees of
 * tests/fixtures/topologies, read through lib/topology as every program
 * reads them. One table of placements (whole cores first, best fit at every
 * level, NUMA scope, preemption, EPA's sizes), the grant table's commit and
 * release, and a random walk that checks the invariants after every step.
 *
 * The trees (see tests/fixtures/topologies/index.tsv):
 *   32intel64-2p8co2t+8ve   2 nodes (0-7,16-23 | 8-15,24-31), cores {k, k+16}
 *   64amd64-4p2n4ca2co      8 nodes of 8 CPUs, AMD compute units {2k, 2k+1};
 *                           node ids by index: 0 1 2 3 4 5 6 7 hold
 *                           0-7 8-15 32-39 40-47 48-55 56-63 16-23 24-31
 *   16em64t-4s2c2t          1 node, 4 packages {p, p+4, p+8, p+12}, cores {k, k+8}
 *   20em64t-hybrid-...      P cores 0-1 .. 10-11 (2 threads), E cores 12 .. 19
 *   fakeheterocpunuma       nodes 0:0-3 1:8-11 2:(none) 3:20-23 4:16-19 5:12-15,
 *                           CPUs 4-7 in no node
 *   16em64t-4s2c2t-offlines CPUs 2,5,13,14 offline
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpualloc.h"
#include "path.h"
#include "topology.h"

#include "table.h"
#include "tmproot.h"

#define TARBALL "tests/fixtures/topologies/hwloc-sysfs-trees.tar.gz"

static const char *const trees[] = {
	"32intel64-2p8co2t+8ve",	  "64amd64-4p2n4ca2co", "16em64t-4s2c2t",
	"20em64t-hybrid-1p6c2t+2ca4co1t", "fakeheterocpunuma",	"16em64t-4s2c2t-offlines",
};
#define NTREES ARRAY_SIZE(trees)

static char tmp[64];
static struct topology *topos[NTREES];

static int setup(void **state)
{
	char cmd[1024];
	size_t off;

	(void)state;
	strcpy(tmp, "/tmp/qc-cpualloc-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	off = (size_t)snprintf(cmd, sizeof(cmd), "tar -xzf %s -C '%s'", TARBALL, tmp);
	for (size_t i = 0; i < NTREES; i++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, " '%s'", trees[i]);
	if (off >= sizeof(cmd) || system(cmd) != 0)
		return -1;
	for (size_t i = 0; i < NTREES; i++) {
		struct path_cxt pc;
		char root[160];

		snprintf(root, sizeof(root), "%s/%s", tmp, trees[i]);
		if (path_cxt_init(&pc, root) < 0 || topology_read(&pc, &topos[i]) < 0)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTREES; i++)
		topology_free(topos[i]);
	return tmproot_remove(tmp);
}

static const struct topology *topo_of(const char *name)
{
	for (size_t i = 0; i < NTREES; i++)
		if (!strcmp(trees[i], name))
			return topos[i];
	fail_msg("tree %s not extracted", name);
	return NULL;
}

static cpuset_t S(const char *list)
{
	cpuset_t s;

	if (cpuset_parse_list(list ? list : "", 0, &s) < 0)
		fail_msg("bad cpulist in the table: %s", list);
	return s;
}

static const char *L(const cpuset_t *s)
{
	static char buf[4][1024];
	static int i;

	i = (i + 1) % 4;
	cpuset_format_list(s, buf[i], sizeof(buf[i]));
	return buf[i];
}

struct gspec {
	const char *service, *cpus, *explicit_cpus;
};

#define G(s, c)                         \
	{                               \
		.service = s, .cpus = c \
	}
#define GX(s, c, x)                                         \
	{                                                   \
		.service = s, .cpus = c, .explicit_cpus = x \
	}

/* Node ids in the table: NODE(k) is node k, 0 is "any" / "none". */
#define NODE(k) ((k) + 1)
#define UNNODE(v) ((v)-1)

struct row {
	const char *name;
	const char *tree;
	const char *pool;
	struct gspec grants[4];
	/* the request (service "s" unless named) */
	const char *service;
	enum cpualloc_unit unit;
	unsigned int count;
	int node;
	bool explicit_numa, whole, no_preempt;
	const char *near, *keep;
	/* what comes out */
	int ret;
	unsigned int wanted;
	const char *cpus;
	const char *grant; /* NULL: cpus */
	const char *preempted;
	int res_node;
	/* -ENOSPC */
	enum cpualloc_short why;
	unsigned int available, pool_there;
	int best_node;
};

#define T32 "32intel64-2p8co2t+8ve"
#define T64 "64amd64-4p2n4ca2co"
#define T16 "16em64t-4s2c2t"
#define THY "20em64t-hybrid-1p6c2t+2ca4co1t"
#define THE "fakeheterocpunuma"
#define TOFF "16em64t-4s2c2t-offlines"
/* 32intel64: all but core {0,16} and core {8,24}: 14 CPUs (7 cores) per node */
#define P32 "1-7,9-15,17-23,25-31"

static const struct row rows[] = {
	/* whole cores first, one node, the lowest node on a tie */
	{ "4 cpus: two whole cores on node 0", T32, P32, .unit = CPUALLOC_CPUS, .count = 4,
	  .wanted = 4, .cpus = "1-2,17-18", .res_node = NODE(0) },
	{ "3 cpus: a whole core, then one thread of the next", T32, P32, .unit = CPUALLOC_CPUS,
	  .count = 3, .wanted = 3, .cpus = "1-2,17", .res_node = NODE(0) },
	{ "16 cpus: node 0 whole, the rest one core of node 1", T32, P32, .unit = CPUALLOC_CPUS,
	  .count = 16, .wanted = 16, .cpus = "1-7,9,17-23,25", .res_node = 0 },
	{ "node 0 taken: node 1",
	  T32,
	  P32,
	  { G("a", "1-7,17-23") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .wanted = 2,
	  .cpus = "9,25",
	  .res_node = NODE(1) },
	{ "best fit: the two threads left on node 1 keep node 0 whole",
	  T32,
	  P32,
	  { G("a", "9-15,25-29") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .wanted = 2,
	  .cpus = "30-31",
	  .res_node = NODE(1) },
	{ "a thread comes from a split core before a free one is broken",
	  T32,
	  P32,
	  { G("a", "1-6,17-23") },
	  .unit = CPUALLOC_CPUS,
	  .count = 1,
	  .wanted = 1,
	  .cpus = "7",
	  .res_node = NODE(0) },
	{ "own CPUs are free for the same service: replaced",
	  T32,
	  P32,
	  { G("s", "1-7,17-23"), G("b", "9-15,25-31") },
	  .unit = CPUALLOC_CPUS,
	  .count = 10,
	  .wanted = 10,
	  .cpus = "1-5,17-21",
	  .res_node = NODE(0) },
	{ "the same request again gives the same CPUs",
	  T32,
	  P32,
	  { G("s", "1-2,17-18") },
	  .unit = CPUALLOC_CPUS,
	  .count = 4,
	  .wanted = 4,
	  .cpus = "1-2,17-18",
	  .res_node = NODE(0) },
	{ "too many: what is free, and the node with the most",
	  T32,
	  P32,
	  { G("a", "1-7,17-23"), G("b", "9-15") },
	  .unit = CPUALLOC_CPUS,
	  .count = 8,
	  .ret = -ENOSPC,
	  .wanted = 8,
	  .why = CPUALLOC_SHORT_FREE,
	  .available = 7,
	  .pool_there = 28,
	  .best_node = NODE(1) },
	{ "asked node", T32, P32, .unit = CPUALLOC_CPUS, .count = 2, .node = NODE(1), .wanted = 2,
	  .cpus = "9,25", .res_node = NODE(1) },
	{ "asked node too small", T32, P32, .unit = CPUALLOC_CPUS, .count = 15, .node = NODE(1),
	  .ret = -ENOSPC, .wanted = 15, .why = CPUALLOC_SHORT_FREE, .available = 14,
	  .pool_there = 14 },
	{ "no such node", T32, P32, .unit = CPUALLOC_CPUS, .count = 1, .node = NODE(5),
	  .ret = -ENODEV },
	{ "empty pool", T32, "", .unit = CPUALLOC_CPUS, .count = 1, .ret = -ENODATA },
	{ "count 0", T32, P32, .unit = CPUALLOC_CPUS, .count = 0, .ret = -EINVAL },
	{ "explicit without a node", T32, P32, .unit = CPUALLOC_CPUS, .count = 1,
	  .explicit_numa = true, .ret = -EINVAL },

	/* EPA's sizes */
	{ "default: 80% of 28 is 22", T32, P32, .unit = CPUALLOC_DEFAULT, .wanted = 22,
	  .cpus = "1-7,9-12,17-23,25-28" },
	{ "default of a 1-CPU pool is 0", T32, "5", .unit = CPUALLOC_DEFAULT, .ret = -EINVAL },
	{ "percent 50 of 28: node 0", T32, P32, .unit = CPUALLOC_PERCENT, .count = 50, .wanted = 14,
	  .cpus = "1-7,17-23", .res_node = NODE(0) },
	{ "percent 1 of 28 rounds up to 1", T32, P32, .unit = CPUALLOC_PERCENT, .count = 1,
	  .wanted = 1, .cpus = "1", .res_node = NODE(0) },
	{ "percent 0", T32, P32, .unit = CPUALLOC_PERCENT, .count = 0, .ret = -EINVAL },
	{ "percent 101", T32, P32, .unit = CPUALLOC_PERCENT, .count = 101, .ret = -EINVAL },
	{ "percent 100 with whole cores: all 14 cores", T32, P32, .unit = CPUALLOC_PERCENT,
	  .count = 100, .whole = true, .wanted = 14, .cpus = P32 },

	/* whole cores */
	{ "3 cores", T32, P32, .unit = CPUALLOC_CORES, .count = 3, .wanted = 3, .cpus = "1-3,17-19",
	  .res_node = NODE(0) },
	{ "3 cpus of whole cores cannot be", T32, P32, .unit = CPUALLOC_CPUS, .count = 3,
	  .whole = true, .ret = -ENOSPC, .wanted = 3, .why = CPUALLOC_SHORT_WHOLE, .available = 28,
	  .pool_there = 28, .best_node = NODE(0) },
	{ "whole cores skip a split core",
	  T32,
	  P32,
	  { G("a", "1") },
	  .unit = CPUALLOC_CPUS,
	  .count = 4,
	  .whole = true,
	  .wanted = 4,
	  .cpus = "2-3,18-19",
	  .res_node = NODE(0) },
	{ "cores: a pool with half cores has fewer", T32, "1-7,9-15", .unit = CPUALLOC_CORES,
	  .count = 1, .ret = -ENOSPC, .wanted = 1, .why = CPUALLOC_SHORT_FREE, .available = 0,
	  .pool_there = 0 },

	/* near: a device's local CPUs are preferred, not required */
	{ "near node 1", T32, P32, .unit = CPUALLOC_CPUS, .count = 2, .near = "8-15,24-31",
	  .wanted = 2, .cpus = "9,25", .res_node = NODE(1) },
	{ "near node 1 but it is full",
	  T32,
	  P32,
	  { G("b", "9-15,25-31") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .near = "8-15,24-31",
	  .wanted = 2,
	  .cpus = "1,17",
	  .res_node = NODE(0) },

	/* explicit (EPA allocate_numa_cores) and preemption */
	{ "explicit: takes from a non-explicit grant",
	  T32,
	  P32,
	  { G("a", "1-7,17-23") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .node = NODE(0),
	  .explicit_numa = true,
	  .wanted = 2,
	  .cpus = "1,17",
	  .preempted = "1,17",
	  .res_node = NODE(0) },
	{ "explicit, no preemption",
	  T32,
	  P32,
	  { G("a", "1-7,17-23") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .node = NODE(0),
	  .explicit_numa = true,
	  .no_preempt = true,
	  .ret = -ENOSPC,
	  .wanted = 2,
	  .why = CPUALLOC_SHORT_FREE,
	  .available = 0,
	  .pool_there = 14 },
	{ "explicit never takes from an explicit grant",
	  T32,
	  P32,
	  { GX("a", "1-7,17-23", "1-7,17-23") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .node = NODE(0),
	  .explicit_numa = true,
	  .ret = -ENOSPC,
	  .wanted = 2,
	  .why = CPUALLOC_SHORT_FREE,
	  .available = 0,
	  .pool_there = 14 },
	{ "explicit never takes the CPUs the caller keeps",
	  T32,
	  P32,
	  { G("a", "1-7,17-23") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .node = NODE(0),
	  .explicit_numa = true,
	  .keep = "1-7,17-23",
	  .ret = -ENOSPC,
	  .wanted = 2,
	  .why = CPUALLOC_SHORT_FREE,
	  .available = 0,
	  .pool_there = 14 },
	{ "explicit preempts only what the free CPUs lack",
	  T32,
	  P32,
	  { G("a", "1-6,17-22") },
	  .unit = CPUALLOC_CPUS,
	  .count = 4,
	  .node = NODE(0),
	  .explicit_numa = true,
	  .wanted = 4,
	  .cpus = "1,7,17,23",
	  .preempted = "1,17",
	  .res_node = NODE(0) },
	{ "explicit adds to the service's CPUs on other nodes",
	  T32,
	  P32,
	  { G("s", "9,25") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .node = NODE(0),
	  .explicit_numa = true,
	  .wanted = 2,
	  .cpus = "1,17",
	  .grant = "1,9,17,25",
	  .res_node = NODE(0) },
	{ "explicit replaces the service's CPUs on that node",
	  T32,
	  P32,
	  { GX("s", "1-3,9,17-19,25", "1-3,17-19") },
	  .unit = CPUALLOC_CPUS,
	  .count = 2,
	  .node = NODE(0),
	  .explicit_numa = true,
	  .wanted = 2,
	  .cpus = "1,17",
	  .grant = "1,9,17,25",
	  .res_node = NODE(0) },
	{ "not explicit: never preempts",
	  T32,
	  P32,
	  { G("a", "1-7,17-23"), G("b", "9-15") },
	  .unit = CPUALLOC_CPUS,
	  .count = 8,
	  .node = NODE(0),
	  .ret = -ENOSPC,
	  .wanted = 8,
	  .why = CPUALLOC_SHORT_FREE,
	  .available = 0,
	  .pool_there = 14 },

	/* eight nodes: best fit keeps the empty nodes whole */
	{ "8 cpus: an empty node, not the used one", T64, "2-63", .unit = CPUALLOC_CPUS, .count = 8,
	  .wanted = 8, .cpus = "8-15", .res_node = NODE(1) },
	{ "6 cpus: the used node, exactly", T64, "2-63", .unit = CPUALLOC_CPUS, .count = 6,
	  .wanted = 6, .cpus = "2-7", .res_node = NODE(0) },
	{ "20 cpus: two whole nodes, the rest into the used one", T64, "2-63",
	  .unit = CPUALLOC_CPUS, .count = 20, .wanted = 20, .cpus = "2-5,8-15,32-39" },
	{ "compute units stay whole", T64, "2-63", .unit = CPUALLOC_CORES, .count = 2,
	  .node = NODE(6), .wanted = 2, .cpus = "16-19", .res_node = NODE(6) },

	/* one node, four packages: best fit at the package level */
	{ "2 cpus: the package with one free core", T16, "1-7,9-15", .unit = CPUALLOC_CPUS,
	  .count = 2, .wanted = 2, .cpus = "4,12", .res_node = NODE(0) },
	{ "4 cpus: a whole package", T16, "1-7,9-15", .unit = CPUALLOC_CPUS, .count = 4,
	  .wanted = 4, .cpus = "1,5,9,13", .res_node = NODE(0) },
	{ "6 cpus: a whole package and the small one", T16, "1-7,9-15", .unit = CPUALLOC_CPUS,
	  .count = 6, .wanted = 6, .cpus = "1,4-5,9,12-13", .res_node = NODE(0) },

	/* hybrid: cores of one and two threads */
	{ "2 cpus: one P core", THY, "2-19", .unit = CPUALLOC_CPUS, .count = 2, .wanted = 2,
	  .cpus = "2-3", .res_node = NODE(0) },
	{ "1 cpu: an E core, no P core broken", THY, "2-19", .unit = CPUALLOC_CPUS, .count = 1,
	  .wanted = 1, .cpus = "12", .res_node = NODE(0) },
	{ "3 cores: the larger first", THY, "2-19", .unit = CPUALLOC_CORES, .count = 3, .wanted = 3,
	  .cpus = "2-7", .res_node = NODE(0) },
	{ "11 cpus of whole cores", THY, "2-19", .unit = CPUALLOC_CPUS, .count = 11, .whole = true,
	  .wanted = 11, .cpus = "2-12", .res_node = NODE(0) },

	/* untidy NUMA: a CPU-less node, CPUs in no node */
	{ "a CPU-less node", THE, "0-23", .unit = CPUALLOC_CPUS, .count = 1, .node = NODE(2),
	  .ret = -ENOSPC, .wanted = 1, .why = CPUALLOC_SHORT_FREE, .available = 0,
	  .pool_there = 0 },
	{ "CPUs in no node",
	  THE,
	  "0-23",
	  { G("a", "0-3,8-23") },
	  .unit = CPUALLOC_CPUS,
	  .count = 4,
	  .wanted = 4,
	  .cpus = "4-7",
	  .res_node = 0 },
	{ "4 cpus: node 0", THE, "0-23", .unit = CPUALLOC_CPUS, .count = 4, .wanted = 4,
	  .cpus = "0-3", .res_node = NODE(0) },

	/* offline CPUs are never handed out */
	{ "offline CPUs in the pool are ignored", TOFF, "0-15", .unit = CPUALLOC_CPUS, .count = 12,
	  .wanted = 12, .cpus = "0-1,3-4,6-12,15", .res_node = NODE(0) },
	{ "offline CPUs do not count", TOFF, "0-15", .unit = CPUALLOC_CPUS, .count = 13,
	  .ret = -ENOSPC, .wanted = 13, .why = CPUALLOC_SHORT_FREE, .available = 12,
	  .pool_there = 12, .best_node = NODE(0) },
	{ "a pool of offline CPUs is empty", TOFF, "2,5", .unit = CPUALLOC_CPUS, .count = 1,
	  .ret = -ENODATA },
};

static void load_grants(const struct gspec *gs, size_t n, struct cpualloc_grants *g)
{
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < n && gs[i].service; i++) {
		struct cpualloc_grant x;

		memset(&x, 0, sizeof(x));
		strcpy(x.service, gs[i].service);
		x.cpus = S(gs[i].cpus);
		x.explicit_cpus = S(gs[i].explicit_cpus);
		assert_int_equal(cpualloc_add(g, &x), 0);
	}
}

static void request_of(const struct row *r, struct cpualloc_request *req, cpuset_t *near,
		       cpuset_t *keep)
{
	memset(req, 0, sizeof(*req));
	req->service = r->service ? r->service : "s";
	req->unit = r->unit;
	req->count = r->count;
	req->node = r->node ? UNNODE(r->node) : -1;
	req->explicit_numa = r->explicit_numa;
	req->whole_cores = r->whole;
	req->no_preempt = r->no_preempt;
	if (r->near) {
		*near = S(r->near);
		req->near = near;
	}
	if (r->keep) {
		*keep = S(r->keep);
		req->keep = keep;
	}
}

/* Invariants of a successful placement, whatever the row says. */
static void check_placement(const struct row *r, const struct topology *t, const cpuset_t *pool,
			    const struct cpualloc_grants *g, const struct cpualloc_request *req,
			    const struct cpualloc_result *res)
{
	cpuset_t others, x;
	unsigned int size = res->in_cores ? cpualloc_whole_cores(t, &res->cpus) :
					    cpuset_count(&res->cpus);

	if (size != res->wanted)
		case_fail("%s: %u chosen, %u wanted", r->name, size, res->wanted);
	cpuset_and(&x, pool, &t->online);
	if (!cpuset_subset(&res->cpus, &x))
		case_fail("%s: %s outside the online pool", r->name, L(&res->cpus));
	cpuset_zero(&others);
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].service, req->service))
			cpuset_or(&others, &others, &g->v[i].cpus);
	cpuset_and(&x, &res->cpus, &others);
	if (!cpuset_equal(&x, &res->preempted))
		case_fail("%s: taken from others %s, preempted says %s", r->name, L(&x),
			  L(&res->preempted));
	if (!req->explicit_numa && !cpuset_empty(&res->preempted))
		case_fail("%s: a request that is not explicit preempted", r->name);
	if (req->node >= 0) {
		for (size_t i = 0; i < t->nodes.n; i++)
			if (t->nodes.v[i].id == req->node &&
			    !cpuset_subset(&res->cpus, &t->nodes.v[i].cpus))
				case_fail("%s: %s not on node %d", r->name, L(&res->cpus),
					  req->node);
	}
	if (!cpuset_subset(&res->cpus, &res->grant) ||
	    !cpuset_subset(&res->explicit_cpus, &res->grant))
		case_fail("%s: the grant %s lacks the chosen CPUs", r->name, L(&res->grant));
	if (req->whole_cores || req->unit == CPUALLOC_CORES)
		for (size_t k = 0; k < t->cores.n; k++)
			if (cpuset_intersects(&t->cores.v[k].cpus, &res->cpus) &&
			    !cpuset_subset(&t->cores.v[k].cpus, &res->cpus))
				case_fail("%s: core %s split", r->name, L(&t->cores.v[k].cpus));
}

static void test_place_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		const struct topology *t = topo_of(r->tree);
		struct cpualloc_grants g;
		struct cpualloc_request req;
		struct cpualloc_result res;
		cpuset_t pool = S(r->pool), near, keep, want;
		int ret;

		load_grants(r->grants, ARRAY_SIZE(r->grants), &g);
		request_of(r, &req, &near, &keep);
		ret = cpualloc_place(t, &pool, &g, &req, &res);
		if (ret != r->ret) {
			case_fail("%s: returned %d, expected %d (chose %s)", r->name, ret, r->ret,
				  ret == 0 ? L(&res.cpus) : "-");
			cpualloc_grants_free(&g);
			continue;
		}
		if (r->wanted && res.wanted != r->wanted)
			case_fail("%s: wanted %u, expected %u", r->name, res.wanted, r->wanted);
		if (ret == -ENOSPC) {
			if (res.why != r->why || res.available != r->available ||
			    res.pool_there != r->pool_there ||
			    res.short_node != (r->node ? UNNODE(r->node) : -1) ||
			    res.best_node != (r->best_node ? UNNODE(r->best_node) : -1))
				case_fail("%s: why %d available %u pool %u node %d best %d "
					  "(expected %d %u %u %d %d)",
					  r->name, res.why, res.available, res.pool_there,
					  res.short_node, res.best_node, r->why, r->available,
					  r->pool_there, r->node ? UNNODE(r->node) : -1,
					  r->best_node ? UNNODE(r->best_node) : -1);
		}
		if (ret == 0) {
			check_placement(r, t, &pool, &g, &req, &res);
			want = S(r->cpus);
			if (!cpuset_equal(&res.cpus, &want))
				case_fail("%s: chose %s, expected %s", r->name, L(&res.cpus),
					  r->cpus);
			want = S(r->grant ? r->grant : r->cpus);
			if (!cpuset_equal(&res.grant, &want))
				case_fail("%s: grant %s, expected %s", r->name, L(&res.grant),
					  L(&want));
			want = S(r->preempted);
			if (!cpuset_equal(&res.preempted, &want))
				case_fail("%s: preempted %s, expected %s", r->name,
					  L(&res.preempted), L(&want));
			if (res.node != (r->res_node ? UNNODE(r->res_node) : -1))
				case_fail("%s: node %d, expected %d", r->name, res.node,
					  r->res_node ? UNNODE(r->res_node) : -1);
		}
		cpualloc_grants_free(&g);
	}
	table_done();
}

static void test_sizes(void **state)
{
	static const struct {
		unsigned int n, def;
	} defs[] = { { 0, 0 },	 { 1, 0 },    { 2, 1 },	   { 5, 4 },	{ 8, 6 },
		     { 28, 22 }, { 100, 80 }, { 101, 85 }, { 256, 240 } };
	static const struct {
		unsigned int n, pct, want;
	} pcts[] = { { 8, 1, 1 },   { 8, 12, 1 }, { 8, 13, 2 }, { 8, 50, 4 },
		     { 8, 100, 8 }, { 0, 50, 0 }, { 3, 34, 2 }, { 3, 33, 1 } };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(defs); i++)
		if (cpualloc_default_size(defs[i].n) != defs[i].def)
			case_fail("default of %u: %u, expected %u", defs[i].n,
				  cpualloc_default_size(defs[i].n), defs[i].def);
	for (size_t i = 0; i < ARRAY_SIZE(pcts); i++)
		if (cpualloc_percent_of(pcts[i].n, pcts[i].pct) != pcts[i].want)
			case_fail("%u%% of %u: %u, expected %u", pcts[i].pct, pcts[i].n,
				  cpualloc_percent_of(pcts[i].n, pcts[i].pct), pcts[i].want);
	table_done();
}

/* commit: the grant replaced, the preempted CPUs leave the others (an empty grant stays). */
static void test_commit_release(void **state)
{
	const struct topology *t = topo_of(T32);
	cpuset_t pool = S(P32), freed, within;
	struct cpualloc_grants g;
	struct cpualloc_request req = {
		.service = "b", .unit = CPUALLOC_CPUS, .count = 2, .node = 0, .explicit_numa = true
	};
	struct cpualloc_result res;
	const struct gspec gs[] = { G("a", "1,17"), G("c", "2-7,18-23") };
	struct cpualloc_grant *a, *b, *c;

	(void)state;
	load_grants(gs, ARRAY_SIZE(gs), &g);
	/* node 0 is full: b takes a's whole core (the smallest fragment first) */
	assert_int_equal(cpualloc_place(t, &pool, &g, &req, &res), 0);
	assert_string_equal(L(&res.preempted), "1,17");
	assert_int_equal(cpualloc_commit(&g, &req, &res, 1000, 42, 12345), 0);
	assert_int_equal(g.n, 3);
	a = cpualloc_find(&g, "a");
	b = cpualloc_find(&g, "b");
	c = cpualloc_find(&g, "c");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(cpuset_empty(&a->cpus)); /* all of it preempted: it stays, to be seen */
	assert_string_equal(L(&a->lost), "1,17");
	assert_string_equal(L(&b->cpus), "1,17");
	assert_string_equal(L(&b->explicit_cpus), "1,17");
	assert_int_equal(b->uid, 1000);
	assert_int_equal(b->pid, 42);
	assert_true(b->starttime == 12345);
	assert_string_equal(L(&c->cpus), "2-7,18-23");

	/* b again, not explicit: replaced, its lost set cleared, no preemption */
	req.explicit_numa = false;
	req.node = -1;
	req.count = 4;
	assert_int_equal(cpualloc_place(t, &pool, &g, &req, &res), 0);
	assert_string_equal(L(&res.cpus), "9-10,25-26");
	assert_int_equal(cpualloc_commit(&g, &req, &res, 0, 0, 0), 0);
	b = cpualloc_find(&g, "b");
	assert_string_equal(L(&b->cpus), "9-10,25-26");
	assert_true(cpuset_empty(&b->explicit_cpus));
	assert_int_equal(g.n, 3);

	/* release of one node's CPUs, then the rest */
	within = S("8-15,24-31");
	c = cpualloc_find(&g, "c");
	assert_int_equal(cpualloc_release(&g, "c", &within, &freed), 0);
	assert_true(cpuset_empty(&freed));
	assert_non_null(cpualloc_find(&g, "c"));
	assert_int_equal(cpualloc_release(&g, "b", &within, &freed), 0);
	assert_string_equal(L(&freed), "9-10,25-26");
	assert_null(cpualloc_find(&g, "b")); /* left empty: removed */
	assert_int_equal(cpualloc_release(&g, "c", NULL, &freed), 0);
	assert_string_equal(L(&freed), "2-7,18-23");
	assert_int_equal(cpualloc_release(&g, "c", NULL, NULL), -ENOENT);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.v[0].service, "a");

	/* add refuses a second grant of one service; copy is deep */
	{
		struct cpualloc_grants copy = { 0 };
		struct cpualloc_grant x = { .service = "a" };

		assert_int_equal(cpualloc_add(&g, &x), -EEXIST);
		assert_int_equal(cpualloc_copy(&copy, &g), 0);
		assert_int_equal(copy.n, 1);
		copy.v[0].uid = 7;
		assert_int_equal(g.v[0].uid, 0);
		cpualloc_grants_free(&copy);
	}
	cpualloc_grants_free(&g);
	cpualloc_grants_free(NULL);
}

/* A deterministic generator so a failing walk can be reproduced. */
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

/*
 * Random requests, releases and explicit requests on every tree: after each
 * step no CPU is in two grants, every grant lies in the pool, a placement has
 * exactly its size, and a refusal changed nothing.
 */
static void test_random_walk(void **state)
{
	static const char *const names[] = { "a", "b", "c", "d", "e" };

	(void)state;
	for (size_t ti = 0; ti < NTREES; ti++) {
		const struct topology *t = topos[ti];
		struct cpualloc_grants g = { 0 };
		cpuset_t pool = t->online;
		int first = cpuset_first(&t->online);

		cpuset_clear(&pool, (unsigned int)first); /* a housekeeping CPU */
		for (int step = 0; step < 400; step++) {
			struct cpualloc_request req = { .service = names[rnd(5)], .node = -1 };
			struct cpualloc_result res;
			cpuset_t before, used, seen;
			unsigned int pc = cpuset_count(&pool);
			int r;

			if (rnd(4) == 0) {
				cpualloc_release(&g, req.service, NULL, NULL);
				continue;
			}
			req.unit = (enum cpualloc_unit)rnd(4);
			req.count = req.unit == CPUALLOC_PERCENT ? 1 + rnd(60) :
								   1 + rnd(pc / 2 + 1);
			req.whole_cores = rnd(5) == 0;
			if (t->nodes.n && rnd(3) == 0) {
				req.node = t->nodes.v[rnd((unsigned int)t->nodes.n)].id;
				req.explicit_numa = rnd(2);
			}
			cpualloc_used(&g, NULL, &before);
			r = cpualloc_place(t, &pool, &g, &req, &res);
			if (r == 0) {
				unsigned int size = res.in_cores ?
							    cpualloc_whole_cores(t, &res.cpus) :
							    cpuset_count(&res.cpus);

				if (size != res.wanted)
					case_fail("%s step %d: %u chosen, %u wanted", trees[ti],
						  step, size, res.wanted);
				assert_int_equal(cpualloc_commit(&g, &req, &res, 0, 0, 0), 0);
			} else if (r != -ENOSPC && r != -EINVAL) {
				case_fail("%s step %d: returned %d", trees[ti], step, r);
			}
			cpuset_zero(&seen);
			for (size_t i = 0; i < g.n; i++) {
				if (cpuset_intersects(&seen, &g.v[i].cpus))
					case_fail("%s step %d: a CPU in two grants (%s)", trees[ti],
						  step, g.v[i].service);
				if (!cpuset_subset(&g.v[i].cpus, &pool))
					case_fail("%s step %d: %s outside the pool", trees[ti],
						  step, g.v[i].service);
				cpuset_or(&seen, &seen, &g.v[i].cpus);
			}
			cpualloc_used(&g, NULL, &used);
			if (r != 0 && !cpuset_equal(&used, &before))
				case_fail("%s step %d: a refusal changed the grants", trees[ti],
					  step);
		}
		cpualloc_grants_free(&g);
	}
	table_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_table),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_commit_release),
		cmocka_unit_test(test_random_walk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
