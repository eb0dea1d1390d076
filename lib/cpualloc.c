// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpualloc: the placement logic of isol-alloc (see cpualloc.h).
 */
#include "cpualloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The levels a request descends through, coarsest first. */
enum level {
	LV_NODE,
	LV_PACKAGE,
	LV_L3,
	LV_CORE,
};
#define NR_GROUP_LEVELS LV_CORE

/* Each core's CPUs as a list, and its group at each level, built once per placement. */
struct view {
	const struct topology *topo;
	size_t ncores;
	uint32_t *off;		       /* CPUs of core k: cpu[off[k]] .. cpu[off[k + 1] - 1] */
	uint32_t *cpu;		       /* ascending within a core */
	int32_t *grp[NR_GROUP_LEVELS]; /* group of core k: -1 in none, -2 split across groups */
};

struct cxt {
	const struct view *v;
	bool whole;	      /* only whole cores count */
	bool in_cores;	      /* sizes count cores (implies whole) */
	const cpuset_t *near; /* preferred CPUs, NULL */
};

static const struct topo_groups *level_groups(const struct topology *t, enum level lv)
{
	switch (lv) {
	case LV_NODE:
		return &t->nodes;
	case LV_PACKAGE:
		return &t->packages;
	case LV_L3:
		return &t->l3s;
	case LV_CORE:
		break;
	}
	return &t->cores;
}

/* The group index of an online CPU at a level, -1 if in none. */
static int32_t cpu_group(const struct topology *t, enum level lv, unsigned int cpu)
{
	const struct topo_cpu *c = topology_cpu(t, cpu);

	if (!c)
		return -1;
	switch (lv) {
	case LV_NODE:
		return c->node;
	case LV_PACKAGE:
		return c->package;
	case LV_L3:
		return c->l3;
	case LV_CORE:
		break;
	}
	return c->core;
}

static void view_free(struct view *v)
{
	free(v->off);
	free(v->cpu);
	for (int lv = 0; lv < NR_GROUP_LEVELS; lv++)
		free(v->grp[lv]);
	memset(v, 0, sizeof(*v));
}

static int view_build(const struct topology *t, struct view *v)
{
	size_t ncpus = cpuset_count(&t->online), k = 0, i = 0;

	memset(v, 0, sizeof(*v));
	v->topo = t;
	v->ncores = t->cores.n;
	v->off = calloc(v->ncores + 1, sizeof(*v->off));
	v->cpu = calloc(ncpus ? ncpus : 1, sizeof(*v->cpu));
	for (int lv = 0; lv < NR_GROUP_LEVELS; lv++)
		v->grp[lv] = calloc(v->ncores ? v->ncores : 1, sizeof(*v->grp[lv]));
	if (!v->off || !v->cpu || !v->grp[0] || !v->grp[1] || !v->grp[2]) {
		view_free(v);
		return -ENOMEM;
	}
	/*
	 * The CPUs of each core, in core order then CPU order: one walk of the
	 * online CPUs, each put in its core (topo_cpu.core, checked against the
	 * core's set), rather than a walk of every core's whole bitmap.
	 */
	cpuset_foreach(cpu, &t->online) {
		const struct topo_cpu *c = topology_cpu(t, (unsigned int)cpu);

		if (c && c->core >= 0 && (size_t)c->core < v->ncores &&
		    cpuset_test(&t->cores.v[c->core].cpus, (unsigned int)cpu))
			v->off[c->core + 1]++;
	}
	for (k = 0; k < v->ncores; k++)
		v->off[k + 1] += v->off[k];
	cpuset_foreach(cpu, &t->online) {
		const struct topo_cpu *c = topology_cpu(t, (unsigned int)cpu);

		if (c && c->core >= 0 && (size_t)c->core < v->ncores &&
		    cpuset_test(&t->cores.v[c->core].cpus, (unsigned int)cpu))
			v->cpu[v->off[c->core]++] = (uint32_t)cpu;
	}
	for (k = v->ncores; k > 0; k--) /* each off[k] moved on to its core's end: back */
		v->off[k] = v->off[k - 1];
	v->off[0] = 0;
	for (k = 0; k < v->ncores; k++) {
		i = v->off[k + 1];
		for (int lv = 0; lv < NR_GROUP_LEVELS; lv++) {
			int32_t g = cpu_group(t, (enum level)lv, v->cpu[v->off[k]]);

			for (size_t j = v->off[k] + 1; j < i; j++)
				if (cpu_group(t, (enum level)lv, v->cpu[j]) != g)
					g = -2;
			v->grp[lv][k] = g;
		}
	}
	return 0;
}

static unsigned int core_size(const struct view *v, size_t k)
{
	return v->off[k + 1] - v->off[k];
}

/* How many CPUs of core k lie in s. */
static unsigned int core_in(const struct view *v, size_t k, const cpuset_t *s)
{
	unsigned int n = 0;

	for (uint32_t j = v->off[k]; j < v->off[k + 1]; j++)
		n += cpuset_test(s, v->cpu[j]);
	return n;
}

static bool core_whole(const struct view *v, size_t k, const cpuset_t *s)
{
	return core_size(v, k) > 0 && core_in(v, k, s) == core_size(v, k);
}

static void core_add(const struct view *v, size_t k, cpuset_t *s)
{
	for (uint32_t j = v->off[k]; j < v->off[k + 1]; j++)
		cpuset_set(s, v->cpu[j]);
}

static unsigned int core_unit(const struct cxt *cx, size_t k)
{
	return cx->in_cores ? 1 : core_size(cx->v, k);
}

/* What s offers: its CPUs, or (whole) the CPUs or the number of its whole cores. */
static unsigned int capacity(const struct cxt *cx, const cpuset_t *s)
{
	unsigned int n = 0;

	if (!cx->whole)
		return cpuset_count(s);
	for (size_t k = 0; k < cx->v->ncores; k++)
		if (core_whole(cx->v, k, s))
			n += core_unit(cx, k);
	return n;
}

/* Add to out everything capacity() counts in s. */
static void take_all(const struct cxt *cx, const cpuset_t *s, cpuset_t *out)
{
	if (!cx->whole) {
		cpuset_or(out, out, s);
		return;
	}
	for (size_t k = 0; k < cx->v->ncores; k++)
		if (core_whole(cx->v, k, s))
			core_add(cx->v, k, out);
}

unsigned int cpualloc_whole_cores(const struct topology *topo, const cpuset_t *set)
{
	unsigned int n = 0;

	for (size_t k = 0; k < topo->cores.n; k++)
		if (!cpuset_empty(&topo->cores.v[k].cpus) &&
		    cpuset_subset(&topo->cores.v[k].cpus, set))
			n++;
	return n;
}

unsigned int cpualloc_default_size(unsigned int n)
{
	if (n > CPUALLOC_DEFAULT_LARGE)
		return n - CPUALLOC_DEFAULT_KEEP;
	return (unsigned int)((unsigned long long)n * CPUALLOC_DEFAULT_PCT / 100);
}

unsigned int cpualloc_percent_of(unsigned int n, unsigned int pct)
{
	return (unsigned int)(((unsigned long long)n * pct + 99) / 100);
}

/* --- the levels: node, package, L3 ------------------------------------------ */

struct slot {
	size_t g; /* group index; ngroups: the CPUs in no group of the level */
	unsigned int cap;
	bool near;
};

/* s restricted to group g of level lv (g == number of groups: the CPUs in none). */
static void restrict_to(const struct topology *t, enum level lv, size_t g, const cpuset_t *s,
			cpuset_t *ret)
{
	const struct topo_groups *gs = level_groups(t, lv);

	if (g < gs->n) {
		cpuset_and(ret, s, &gs->v[g].cpus);
		return;
	}
	cpuset_zero(ret);
	cpuset_foreach(cpu, s)
		if (cpu_group(t, lv, (unsigned int)cpu) < 0)
			cpuset_set(ret, (unsigned int)cpu);
}

/* The capacity of s in every group of lv at once: caps[0..ngroups], the last for "in none". */
static void level_caps(const struct cxt *cx, enum level lv, const cpuset_t *s, unsigned int *caps,
		       size_t ng)
{
	const struct view *v = cx->v;

	memset(caps, 0, (ng + 1) * sizeof(*caps));
	if (!cx->whole) {
		cpuset_foreach(cpu, s) {
			int32_t g = cpu_group(v->topo, lv, (unsigned int)cpu);

			caps[g < 0 ? ng : (size_t)g]++;
		}
		return;
	}
	for (size_t k = 0; k < v->ncores; k++) {
		int32_t g = v->grp[lv][k];

		if (g == -2 || !core_whole(v, k, s))
			continue; /* a core split across groups is whole in none of them */
		caps[g < 0 ? ng : (size_t)g] += core_unit(cx, k);
	}
}

/* Best fit: a before b? (near first, then the smaller capacity, then the lower group) */
static bool tighter(const struct slot *a, const struct slot *b)
{
	if (a->near != b->near)
		return a->near;
	if (a->cap != b->cap)
		return a->cap < b->cap;
	return a->g < b->g;
}

static int cmp_spill(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;

	if (a->near != b->near)
		return a->near ? -1 : 1;
	if (a->cap != b->cap)
		return a->cap > b->cap ? -1 : 1;
	return a->g < b->g ? -1 : a->g > b->g;
}

static int take_level(const struct cxt *cx, const cpuset_t *s, unsigned int n, enum level lv,
		      cpuset_t *out);

/* The tightest slot that holds n (not yet used), or NULL. */
static struct slot *best_fit(struct slot *sl, size_t ns, unsigned int n, const bool *used)
{
	struct slot *best = NULL;

	for (size_t i = 0; i < ns; i++)
		if (!used[i] && sl[i].cap >= n && (!best || tighter(&sl[i], best)))
			best = &sl[i];
	return best;
}

static int take_groups(const struct cxt *cx, const cpuset_t *s, unsigned int n, enum level lv,
		       cpuset_t *out)
{
	const struct topology *t = cx->v->topo;
	size_t ng = level_groups(t, lv)->n, ns = 0;
	unsigned int *caps = calloc(ng + 1, sizeof(*caps)), rem = n;
	struct slot *sl = calloc(ng + 1, sizeof(*sl)), *best;
	bool *used = calloc(ng + 1, sizeof(*used));
	cpuset_t sub;
	int r = 0;

	if (!caps || !sl || !used) {
		r = -ENOMEM;
		goto out;
	}
	level_caps(cx, lv, s, caps, ng);
	for (size_t g = 0; g <= ng; g++) {
		if (!caps[g])
			continue;
		sl[ns].g = g;
		sl[ns].cap = caps[g];
		if (cx->near) {
			restrict_to(t, lv, g, s, &sub);
			sl[ns].near = cpuset_intersects(&sub, cx->near);
		}
		ns++;
	}
	if (ns <= 1) {
		r = take_level(cx, s, n, (enum level)(lv + 1), out);
		goto out;
	}
	best = best_fit(sl, ns, n, used);
	if (!best) {
		/* no group holds it: whole groups, largest first, while they fit */
		qsort(sl, ns, sizeof(*sl), cmp_spill);
		for (size_t i = 0; i < ns && rem; i++) {
			if (sl[i].cap > rem)
				continue;
			restrict_to(t, lv, sl[i].g, s, &sub);
			take_all(cx, &sub, out);
			rem -= sl[i].cap;
			used[i] = true;
		}
		best = rem ? best_fit(sl, ns, rem, used) : NULL;
		if (rem && !best) {
			r = -ENOSPC;
			goto out;
		}
	}
	if (best) {
		restrict_to(t, lv, best->g, s, &sub);
		r = take_level(cx, &sub, rem, (enum level)(lv + 1), out);
	}
out:
	free(caps);
	free(sl);
	free(used);
	return r;
}

/* --- the cores ------------------------------------------------------------- */

struct core_slot {
	size_t k;
	unsigned int size; /* CPUs of the core */
	unsigned int in;   /* of them in s */
	bool near;
};

/* Whole cores: near first, largest first, then the lowest CPU. */
static int cmp_whole(const void *pa, const void *pb)
{
	const struct core_slot *a = pa, *b = pb;

	if (a->near != b->near)
		return a->near ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* Split cores: near first, the smallest fragment first, then the lowest CPU. */
static int cmp_split(const void *pa, const void *pb)
{
	const struct core_slot *a = pa, *b = pb;

	if (a->near != b->near)
		return a->near ? -1 : 1;
	if (a->in != b->in)
		return a->in < b->in ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

static bool core_near(const struct cxt *cx, size_t k)
{
	return cx->near && core_in(cx->v, k, cx->near) > 0;
}

static int take_cores(const struct cxt *cx, const cpuset_t *s, unsigned int n, cpuset_t *out)
{
	const struct view *v = cx->v;
	struct core_slot *whole = calloc(v->ncores ? v->ncores : 1, sizeof(*whole));
	struct core_slot *split = calloc(v->ncores ? v->ncores : 1, sizeof(*split));
	size_t nw = 0, nsp = 0;
	unsigned int rem = n;
	int r = 0;

	if (!whole || !split) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < v->ncores; k++) {
		struct core_slot c = { .k = k, .size = core_size(v, k), .in = core_in(v, k, s) };

		if (!c.in)
			continue;
		c.near = core_near(cx, k);
		if (c.in == c.size)
			whole[nw++] = c;
		else
			split[nsp++] = c;
	}
	qsort(whole, nw, sizeof(*whole), cmp_whole);
	qsort(split, nsp, sizeof(*split), cmp_split);

	/* whole free cores, largest first, while they fit */
	for (size_t i = 0; i < nw && rem; i++) {
		unsigned int u = core_unit(cx, whole[i].k);

		if (u > rem)
			continue;
		core_add(v, whole[i].k, out);
		rem -= u;
		whole[i].in = 0; /* taken */
	}
	if (rem && cx->whole) {
		r = -ENOSPC;
		goto out;
	}
	/* threads of cores that are split already, the smallest fragments first */
	for (size_t i = 0; i < nsp && rem; i++)
		for (uint32_t j = v->off[split[i].k]; j < v->off[split[i].k + 1] && rem; j++)
			if (cpuset_test(s, v->cpu[j])) {
				cpuset_set(out, v->cpu[j]);
				rem--;
			}
	/* break one free core: the smallest that holds the rest (all left are larger) */
	if (rem) {
		struct core_slot *best = NULL;

		for (size_t i = 0; i < nw; i++) {
			if (!whole[i].in || whole[i].size < rem)
				continue;
			if (!best || whole[i].near > best->near ||
			    (whole[i].near == best->near && whole[i].size < best->size))
				best = &whole[i];
		}
		if (best)
			for (uint32_t j = v->off[best->k]; j < v->off[best->k + 1] && rem; j++) {
				cpuset_set(out, v->cpu[j]);
				rem--;
			}
	}
	if (rem)
		r = -ENOSPC;
out:
	free(whole);
	free(split);
	return r;
}

static int take_level(const struct cxt *cx, const cpuset_t *s, unsigned int n, enum level lv,
		      cpuset_t *out)
{
	if (n == 0)
		return 0;
	if (lv == LV_CORE)
		return take_cores(cx, s, n, out);
	return take_groups(cx, s, n, lv, out);
}

/* --- the request ----------------------------------------------------------- */

static int node_index(const struct topology *t, int id)
{
	for (size_t i = 0; i < t->nodes.n; i++)
		if (t->nodes.v[i].id == id)
			return (int)i;
	return -1;
}

/* The node id of set when all of it lies in one node, else -1. */
static int node_of(const struct topology *t, const cpuset_t *set)
{
	int32_t g = -1;
	bool first = true;

	cpuset_foreach(cpu, set) {
		int32_t c = cpu_group(t, LV_NODE, (unsigned int)cpu);

		if (c < 0 || (!first && c != g))
			return -1;
		g = c;
		first = false;
	}
	return first ? -1 : t->nodes.v[g].id;
}

/* The node with the most capacity in s (its id), for an unscoped request's failure. */
static void best_node(const struct cxt *cx, const cpuset_t *s, struct cpualloc_result *ret)
{
	const struct topology *t = cx->v->topo;
	size_t ng = t->nodes.n;
	unsigned int *caps = calloc(ng + 1, sizeof(*caps));

	ret->best_node = -1;
	ret->best_node_available = 0;
	if (!caps)
		return;
	level_caps(cx, LV_NODE, s, caps, ng);
	for (size_t g = 0; g < ng; g++)
		if (caps[g] > ret->best_node_available || (ret->best_node < 0 && caps[g])) {
			ret->best_node = t->nodes.v[g].id;
			ret->best_node_available = caps[g];
		}
	free(caps);
}

/* The size asked for, in the unit of cx (CPUs or cores); 0: none. */
static unsigned int wanted_size(const struct cxt *cx, const struct cpualloc_request *req,
				const cpuset_t *pool)
{
	switch (req->unit) {
	case CPUALLOC_DEFAULT:
		return cpualloc_default_size(capacity(cx, pool));
	case CPUALLOC_PERCENT:
		if (req->count == 0 || req->count > 100)
			return 0;
		return cpualloc_percent_of(capacity(cx, pool), req->count);
	case CPUALLOC_CPUS:
	case CPUALLOC_CORES:
		break;
	}
	return req->count;
}

int cpualloc_place(const struct topology *topo, const cpuset_t *pool,
		   const struct cpualloc_grants *grants, const struct cpualloc_request *req,
		   struct cpualloc_result *ret)
{
	cpuset_t p, scope, others, others_explicit, free_, pre, both;
	const struct cpualloc_grant *own = cpualloc_find(grants, req->service);
	struct view v;
	struct cxt cx = { .v = &v, .near = req->near };
	unsigned int span;
	int ni = -1, r;

	memset(ret, 0, sizeof(*ret));
	ret->node = ret->short_node = ret->best_node = -1;
	cpuset_and(&p, pool, &topo->online);
	if (cpuset_empty(&p))
		return -ENODATA;
	if (req->explicit_numa && req->node < 0)
		return -EINVAL;
	if (req->node >= 0) {
		ni = node_index(topo, req->node);
		if (ni < 0)
			return -ENODEV;
	}
	cx.in_cores = req->unit == CPUALLOC_CORES ||
		      (req->whole_cores && req->unit != CPUALLOC_CPUS);
	cx.whole = req->whole_cores || req->unit == CPUALLOC_CORES;
	r = view_build(topo, &v);
	if (r < 0)
		return r;
	ret->in_cores = cx.in_cores;

	/* the others' CPUs matter only within p (everything below is within it) */
	cpuset_zero(&others);
	cpuset_zero(&others_explicit);
	span = cpuset_span(&p);
	for (size_t i = 0; i < grants->n; i++) {
		if (&grants->v[i] == own)
			continue;
		cpuset_or_below(&others, &grants->v[i].cpus, span);
		cpuset_or_below(&others_explicit, &grants->v[i].explicit_cpus, span);
	}
	if (ni >= 0)
		cpuset_and(&scope, &p, &topo->nodes.v[ni].cpus);
	else
		scope = p;
	/* the service's own CPUs (on the node, for an explicit request) are free for it */
	cpuset_andnot(&free_, &scope, &others);
	cpuset_zero(&pre);
	if (req->explicit_numa && !req->no_preempt) {
		cpuset_and(&pre, &scope, &others);
		cpuset_andnot(&pre, &pre, &others_explicit);
		if (req->keep)
			cpuset_andnot(&pre, &pre, req->keep);
	}

	ret->wanted = wanted_size(&cx, req, &p);
	if (ret->wanted == 0) {
		r = -EINVAL;
		goto out;
	}
	ret->available = capacity(&cx, &free_);
	ret->pool_there = capacity(&cx, &scope);
	ret->short_node = req->node >= 0 ? req->node : -1;

	cpuset_zero(&ret->cpus);
	cpuset_or(&both, &free_, &pre);
	if (ret->available >= ret->wanted) {
		r = take_level(&cx, &free_, ret->wanted, LV_NODE, &ret->cpus);
		if (r == -ENOSPC)
			ret->why = CPUALLOC_SHORT_WHOLE;
	} else if (!cpuset_empty(&pre) && capacity(&cx, &both) >= ret->wanted) {
		/* preempt only what the free CPUs lack */
		take_all(&cx, &free_, &ret->cpus);
		cpuset_andnot(&both, &both, &ret->cpus);
		r = take_level(&cx, &both, ret->wanted - capacity(&cx, &ret->cpus), LV_NODE,
			       &ret->cpus);
		if (r == -ENOSPC)
			ret->why = CPUALLOC_SHORT_WHOLE;
	} else {
		r = -ENOSPC;
		ret->why = CPUALLOC_SHORT_FREE;
	}
	if (r == -ENOSPC && req->node < 0)
		best_node(&cx, &free_, ret);
	if (r < 0)
		goto out;

	ret->why = CPUALLOC_SHORT_NONE;
	cpuset_and(&ret->preempted, &ret->cpus, &others);
	ret->node = node_of(topo, &ret->cpus);
	cpuset_zero(&ret->grant);
	cpuset_zero(&ret->explicit_cpus);
	if (req->explicit_numa && own) {
		cpuset_andnot(&ret->grant, &own->cpus, &topo->nodes.v[ni].cpus);
		cpuset_andnot(&ret->explicit_cpus, &own->explicit_cpus, &topo->nodes.v[ni].cpus);
	}
	cpuset_or(&ret->grant, &ret->grant, &ret->cpus);
	if (req->explicit_numa)
		cpuset_or(&ret->explicit_cpus, &ret->explicit_cpus, &ret->cpus);
out:
	view_free(&v);
	return r;
}

/* --- the grants ------------------------------------------------------------ */

struct cpualloc_grant *cpualloc_find(const struct cpualloc_grants *grants, const char *service)
{
	for (size_t i = 0; i < grants->n; i++)
		if (!strcmp(grants->v[i].service, service))
			return &grants->v[i];
	return NULL;
}

int cpualloc_add(struct cpualloc_grants *grants, const struct cpualloc_grant *grant)
{
	if (cpualloc_find(grants, grant->service))
		return -EEXIST;
	if (grants->n == grants->cap) {
		size_t cap = grants->cap ? grants->cap * 2 : 8;
		struct cpualloc_grant *v = realloc(grants->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		grants->v = v;
		grants->cap = cap;
	}
	grants->v[grants->n++] = *grant;
	return 0;
}

void cpualloc_remove(struct cpualloc_grants *grants, size_t i)
{
	if (i >= grants->n)
		return;
	memmove(&grants->v[i], &grants->v[i + 1], (grants->n - i - 1) * sizeof(grants->v[0]));
	grants->n--;
}

void cpualloc_used(const struct cpualloc_grants *grants, const cpuset_t *within, cpuset_t *ret)
{
	unsigned int span = within ? cpuset_span(within) : CPUSET_MAX;

	cpuset_zero(ret);
	for (size_t i = 0; i < grants->n; i++)
		cpuset_or_below(ret, &grants->v[i].cpus, span);
	if (within)
		cpuset_and(ret, ret, within);
}

int cpualloc_commit(struct cpualloc_grants *grants, const struct cpualloc_request *req,
		    const struct cpualloc_result *res, uint32_t uid, int32_t pid,
		    uint64_t starttime)
{
	struct cpualloc_grant *own = cpualloc_find(grants, req->service);

	if (!own) {
		struct cpualloc_grant g;
		int r;

		memset(&g, 0, sizeof(g));
		if (strlen(req->service) > CPUALLOC_NAME_MAX)
			return -ENAMETOOLONG;
		strcpy(g.service, req->service);
		r = cpualloc_add(grants, &g);
		if (r < 0)
			return r;
		own = &grants->v[grants->n - 1];
	}
	own->cpus = res->grant;
	own->explicit_cpus = res->explicit_cpus;
	cpuset_zero(&own->lost);
	own->uid = uid;
	own->pid = pid;
	own->starttime = starttime;
	for (size_t i = 0; i < grants->n; i++) {
		struct cpualloc_grant *g = &grants->v[i];
		cpuset_t taken;

		if (g == own)
			continue;
		cpuset_and(&taken, &g->cpus, &res->preempted);
		if (cpuset_empty(&taken))
			continue;
		cpuset_andnot(&g->cpus, &g->cpus, &taken);
		cpuset_andnot(&g->explicit_cpus, &g->explicit_cpus, &taken);
		cpuset_or(&g->lost, &g->lost, &taken);
	}
	return 0;
}

int cpualloc_release(struct cpualloc_grants *grants, const char *service, const cpuset_t *within,
		     cpuset_t *ret_freed)
{
	struct cpualloc_grant *g = cpualloc_find(grants, service);
	cpuset_t freed;

	if (ret_freed)
		cpuset_zero(ret_freed);
	if (!g)
		return -ENOENT;
	if (within) {
		cpuset_and(&freed, &g->cpus, within);
		cpuset_andnot(&g->cpus, &g->cpus, within);
		cpuset_andnot(&g->explicit_cpus, &g->explicit_cpus, within);
	} else {
		freed = g->cpus;
		cpuset_zero(&g->cpus);
	}
	if (ret_freed)
		*ret_freed = freed;
	if (cpuset_empty(&g->cpus))
		cpualloc_remove(grants, (size_t)(g - grants->v));
	return 0;
}

int cpualloc_copy(struct cpualloc_grants *dst, const struct cpualloc_grants *src)
{
	struct cpualloc_grant *v = NULL;

	if (src->n) {
		v = malloc(src->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, src->v, src->n * sizeof(*v));
	}
	free(dst->v);
	dst->v = v;
	dst->n = dst->cap = src->n;
	return 0;
}

void cpualloc_grants_free(struct cpualloc_grants *grants)
{
	if (!grants)
		return;
	free(grants->v);
	memset(grants, 0, sizeof(*grants));
}

bool cpualloc_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > CPUALLOC_NAME_MAX || strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}
