// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * topology: read the CPU topology from sysfs.  The rules are in topology.h.
 */
#include "topology.h"
#include "pathnames.h"
#include "strv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_UNREAD (-2)

#define topo_note(t, ...) strv_appendf(&(t)->notes, &(t)->nr_notes, __VA_ARGS__)

static int groups_add(struct topo_groups *g, int32_t id, const cpuset_t *cpus)
{
	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 16;
		struct topo_group *nv = realloc(g->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		g->v = nv;
		g->cap = ncap;
	}
	g->v[g->n].id = id;
	g->v[g->n].cpus = *cpus;
	g->n++;
	return 0;
}

static void groups_free(struct topo_groups *g)
{
	free(g->v);
	g->v = NULL;
	g->n = g->cap = 0;
}

void topology_free(struct topology *topo)
{
	if (!topo)
		return;
	groups_free(&topo->cores);
	groups_free(&topo->packages);
	groups_free(&topo->dies);
	groups_free(&topo->clusters);
	groups_free(&topo->l3s);
	groups_free(&topo->nodes);
	for (size_t i = 0; i < topo->nr_notes; i++)
		free(topo->notes[i]);
	free(topo->notes);
	free(topo->cpus);
	free(topo);
}

const struct topo_group *topology_core_of(const struct topology *topo, unsigned int cpu)
{
	const struct topo_cpu *c = topology_cpu(topo, cpu);

	if (!c || c->core < 0)
		return NULL;
	return &topo->cores.v[c->core];
}

const char *topology_hybrid_source_str(enum topo_hybrid_source src)
{
	switch (src) {
	case TOPO_HYBRID_PMU:
		return "cpu_core/cpu_atom";
	case TOPO_HYBRID_CAPACITY:
		return "cpu_capacity";
	case TOPO_HYBRID_MAXFREQ:
		return "cpuinfo_max_freq";
	case TOPO_HYBRID_NONE:
		break;
	}
	return "none";
}

/*
 * Read a CPU set from a cpulist file, else from a mask file (either may be
 * NULL).  *found tells whether either existed; an empty file is the empty set.
 */
static int read_set(struct path_cxt *pc, const char *list, const char *mask, cpuset_t *ret,
		    bool *found)
{
	int r;

	*found = false;
	if (list) {
		r = path_read_cpulist(pc, 0, ret, "%s", list);
		if (r == 0) {
			*found = true;
			return 0;
		}
		if (r != -ENOENT)
			return r;
	}
	if (mask) {
		r = path_read_cpumask(pc, ret, "%s", mask);
		if (r == -ENODATA) {
			cpuset_zero(ret);
			r = 0;
		}
		if (r == 0) {
			*found = true;
			return 0;
		}
		if (r != -ENOENT)
			return r;
	}
	return 0;
}

static int read_pair(struct path_cxt *pc, unsigned int cpu, const char *const *names, size_t i,
		     cpuset_t *ret, bool *found)
{
	char list[128], mask[128];

	snprintf(list, sizeof(list), PATH_SYS_CPU "/cpu%u/topology/%s", cpu,
		 names[i] ? names[i] : "");
	snprintf(mask, sizeof(mask), PATH_SYS_CPU "/cpu%u/topology/%s", cpu,
		 names[i + 1] ? names[i + 1] : "");
	return read_set(pc, names[i] ? list : NULL, names[i + 1] ? mask : NULL, ret, found);
}

/*
 * Try pairs of (cpulist, mask) names under cpuN/topology/ in order.  The pair
 * that worked for the previous CPU (*hint) is tried first: a kernel writes the
 * same files for every CPU, so this spares the failed opens of the pairs
 * before it.  When the hinted pair is missing, the full order follows.
 */
static int read_cpu_set(struct path_cxt *pc, unsigned int cpu, const char *const *names,
			cpuset_t *ret, bool *found, size_t *hint)
{
	int r;

	*found = false;
	if (*hint) {
		r = read_pair(pc, cpu, names, *hint, ret, found);
		if (r < 0 || *found)
			return r;
	}
	for (size_t i = 0; names[i] || names[i + 1]; i += 2) {
		if (i && i == *hint)
			continue;
		r = read_pair(pc, cpu, names, i, ret, found);
		if (r < 0)
			return r;
		if (*found) {
			*hint = i;
			return 0;
		}
	}
	return 0;
}

static const char *const sibling_files[] = {
	"thread_siblings_list",
	"thread_siblings",
	NULL,
	NULL,
};

static const char *const core_cpus_files[] = {
	"core_cpus_list",
	"core_cpus",
	NULL,
	NULL,
};

static const char *const package_files[] = {
	"package_cpus_list",
	NULL,
	"core_siblings_list",
	"core_siblings",
	NULL,
	"package_cpus",
	NULL,
	NULL,
};

static const char *const die_files[] = {
	"die_cpus_list",
	"die_cpus",
	NULL,
	NULL,
};

static const char *const cluster_files[] = {
	"cluster_cpus_list",
	"cluster_cpus",
	NULL,
	NULL,
};

/* An optional signed id file: missing or empty -> -1. */
static int read_id(struct path_cxt *pc, unsigned int cpu, const char *name, int32_t *ret)
{
	int32_t v;
	int r = path_read_s32(pc, &v, PATH_SYS_CPU "/cpu%u/topology/%s", cpu, name);

	if (r == -ENOENT || r == -ENODATA)
		v = -1;
	else if (r < 0)
		return r;
	if (v < -1)
		v = -1;
	*ret = v;
	return 0;
}

static int cpu_package_id(struct path_cxt *pc, struct topology *t, unsigned int cpu, int32_t *ret)
{
	struct topo_cpu *c = &t->cpus[cpu];

	if (c->package_id == ID_UNREAD) {
		int r = read_id(pc, cpu, "physical_package_id", &c->package_id);

		if (r < 0)
			return r;
	}
	*ret = c->package_id;
	return 0;
}

static int32_t *cpu_field(struct topo_cpu *c, size_t off)
{
	return (int32_t *)((char *)c + off);
}

/*
 * Generic grouping by sibling files (packages, dies, clusters).  CPUs whose
 * leader has no file stay ungrouped (-1); when the boot CPU has none, no CPU
 * is looked at (a kernel writes them for all CPUs or none; this spares 2
 * failed opens per CPU on 4096-CPU machines).  *any tells whether a file existed.
 */
static int group_by_files(struct path_cxt *pc, struct topology *t, struct topo_groups *g,
			  size_t off, const char *const *names, bool *any)
{
	cpuset_t todo = t->online;
	size_t hint = 0;

	*any = false;
	cpuset_foreach(cpu, &t->online) {
		cpuset_t s;
		bool found;
		int r;

		if (!cpuset_test(&todo, (unsigned int)cpu))
			continue;
		r = read_cpu_set(pc, (unsigned int)cpu, names, &s, &found, &hint);
		if (r < 0)
			return r;
		if (!found) {
			/* the kernel writes these files for every CPU or for none */
			if (cpu == t->boot_cpu)
				return 0;
			cpuset_clear(&todo, (unsigned int)cpu);
			continue;
		}
		*any = true;
		cpuset_set(&s, (unsigned int)cpu);
		cpuset_and(&s, &s, &todo);
		cpuset_andnot(&todo, &todo, &s);
		cpuset_foreach(m, &s)
			*cpu_field(&t->cpus[m], off) = (int32_t)g->n;
		r = groups_add(g, -1, &s);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_packages(struct path_cxt *pc, struct topology *t)
{
	bool any;
	int r;

	r = group_by_files(pc, t, &t->packages, offsetof(struct topo_cpu, package), package_files,
			   &any);
	if (r < 0 || any)
		goto ids;

	/* No sibling sets: group by physical_package_id where it is not -1. */
	cpuset_foreach(cpu, &t->online) {
		int32_t id;
		size_t i;

		r = cpu_package_id(pc, t, (unsigned int)cpu, &id);
		if (r < 0)
			return r;
		if (id < 0)
			continue;
		for (i = 0; i < t->packages.n; i++)
			if (t->packages.v[i].id == id)
				break;
		if (i == t->packages.n) {
			cpuset_t s;

			cpuset_zero(&s);
			r = groups_add(&t->packages, id, &s);
			if (r < 0)
				return r;
		}
		cpuset_set(&t->packages.v[i].cpus, (unsigned int)cpu);
		t->cpus[cpu].package = (int32_t)i;
	}
	return 0;
ids:
	if (r < 0)
		return r;
	/* Label each package with the physical_package_id of its first CPU. */
	for (size_t i = 0; i < t->packages.n; i++) {
		int32_t id;

		r = cpu_package_id(pc, t, (unsigned int)cpuset_first(&t->packages.v[i].cpus), &id);
		if (r < 0)
			return r;
		t->packages.v[i].id = id;
	}
	return 0;
}

/* Union-find over CPU numbers: the root of a set is its lowest CPU. */
static unsigned int uf_find(int32_t *up, unsigned int cpu)
{
	while ((unsigned int)up[cpu] != cpu) {
		up[cpu] = up[up[cpu]];
		cpu = (unsigned int)up[cpu];
	}
	return cpu;
}

static void uf_union(int32_t *up, unsigned int a, unsigned int b)
{
	a = uf_find(up, a);
	b = uf_find(up, b);
	if (a < b)
		up[b] = (int32_t)a;
	else if (b < a)
		up[a] = (int32_t)b;
}

/*
 * Cores: the union closure of every online CPU's thread siblings, so that
 * CPUs the kernel lists together are never in different cores, whatever
 * core_id or the package sets say (the scheduler's SMT domain and nosmt
 * follow the sibling mask; on AMD family 15h it pairs the two CPUs of a
 * compute unit, whose core_id differ).  core_cpus is the same kernel mask
 * under its newer name: it is read only when the siblings files are
 * missing, and when both are there and disagree the siblings win, with a note.
 */
static int read_cores(struct path_cxt *pc, struct topology *t)
{
	size_t hint = 0, chint = 0;
	bool want_cc = false;
	cpuset_t odd;
	int32_t *up;
	int r = 0;

	up = malloc(t->nr_cpus * sizeof(*up));
	if (!up)
		return -ENOMEM;
	for (unsigned int i = 0; i < t->nr_cpus; i++)
		up[i] = (int32_t)i;
	cpuset_zero(&odd);
	cpuset_foreach(cpu, &t->online) {
		cpuset_t s, c;
		bool found, cfound;

		r = read_cpu_set(pc, (unsigned int)cpu, sibling_files, &s, &found, &hint);
		if (r < 0)
			goto out;
		/* the kernel writes each file for every CPU or for none: the boot CPU tells */
		if (cpu == t->boot_cpu || want_cc) {
			r = read_cpu_set(pc, (unsigned int)cpu, core_cpus_files, &c, &cfound,
					 &chint);
			if (r < 0)
				goto out;
			if (cpu == t->boot_cpu)
				want_cc = cfound;
			if (!found && cfound) {
				s = c;
				found = true;
			} else if (found && cfound) {
				cpuset_and(&c, &c, &t->online);
				cpuset_and(&s, &s, &t->online);
				if (!cpuset_equal(&s, &c))
					cpuset_set(&odd, (unsigned int)cpu);
			}
		}
		if (!found)
			continue;
		cpuset_and(&s, &s, &t->online);
		cpuset_foreach(m, &s)
			uf_union(up, (unsigned int)cpu, (unsigned int)m);
	}
	cpuset_foreach(cpu, &t->online) {
		unsigned int root = uf_find(up, (unsigned int)cpu);

		if (root == (unsigned int)cpu) {
			cpuset_t one;

			cpuset_zero(&one);
			t->cpus[cpu].core = (int32_t)t->cores.n;
			r = groups_add(&t->cores, -1, &one);
			if (r < 0)
				goto out;
		} else {
			t->cpus[cpu].core = t->cpus[root].core;
		}
		cpuset_set(&t->cores.v[t->cpus[cpu].core].cpus, (unsigned int)cpu);
	}
	for (size_t i = 0; i < t->cores.n; i++)
		if (cpuset_count(&t->cores.v[i].cpus) > t->smt)
			t->smt = cpuset_count(&t->cores.v[i].cpus);
	if (!cpuset_empty(&odd)) {
		char *l = cpuset_to_list(&odd);

		r = topo_note(
			t,
			"CPUs %s: core_cpus_list and thread_siblings_list disagree: cores follow thread_siblings_list, as the scheduler does",
			l ? l : "?");
		free(l);
	}
out:
	free(up);
	return r;
}

static int read_l3(struct path_cxt *pc, struct topology *t)
{
	cpuset_t todo = t->online;

	cpuset_foreach(cpu, &t->online) {
		bool found = false;
		cpuset_t s;
		int r;

		if (!cpuset_test(&todo, (unsigned int)cpu))
			continue;
		for (unsigned int idx = 0; idx < 16; idx++) {
			char list[128], mask[128];
			uint32_t level;

			if (idx == 0 && !path_exists(pc, PATH_SYS_CPU "/cpu%d/cache", cpu))
				break;
			r = path_read_u32(pc, &level, PATH_SYS_CPU "/cpu%d/cache/index%u/level",
					  cpu, idx);
			if (r == -ENOENT || r == -ENODATA)
				continue;
			if (r < 0)
				return r;
			if (level != 3)
				continue;
			snprintf(list, sizeof(list),
				 PATH_SYS_CPU "/cpu%d/cache/index%u/shared_cpu_list", cpu, idx);
			snprintf(mask, sizeof(mask),
				 PATH_SYS_CPU "/cpu%d/cache/index%u/shared_cpu_map", cpu, idx);
			r = read_set(pc, list, mask, &s, &found);
			if (r < 0)
				return r;
			break;
		}
		if (!found) {
			cpuset_clear(&todo, (unsigned int)cpu);
			continue;
		}
		cpuset_set(&s, (unsigned int)cpu);
		cpuset_and(&s, &s, &todo);
		cpuset_andnot(&todo, &todo, &s);
		cpuset_foreach(m, &s)
			t->cpus[m].l3 = (int32_t)t->l3s.n;
		r = groups_add(&t->l3s, -1, &s);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "cpu123" / "node7" -> 123 / 7; false for anything else. */
static bool parse_dirnum(const char *name, const char *prefix, uint32_t *ret)
{
	size_t n = strlen(prefix);

	if (strncmp(name, prefix, n) != 0 || !isdigit((unsigned char)name[n]))
		return false;
	for (const char *p = name + n; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return parse_u32(name + n, ret) == 0;
}

static int cmp_node_id(const void *a, const void *b)
{
	const struct topo_numa_node *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int topology_read_numa_nodes(struct path_cxt *pc, struct topo_numa_node **ret, size_t *ret_n)
{
	struct topo_numa_node *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	int r = 0;
	DIR *dir;

	dir = path_opendir(pc, PATH_SYS_NODE);
	if (!dir) {
		if (errno != ENOENT && errno != ENOTDIR)
			return errno ? -errno : -EIO;
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((errno = 0, d = readdir(dir))) {
		uint32_t id;

		if (!parse_dirnum(d->d_name, "node", &id) || id > INT32_MAX)
			continue;
		if (n == cap) {
			struct topo_numa_node *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				goto out;
			}
			v = nv;
		}
		v[n++].id = id;
	}
	if (errno) {
		r = -errno;
		goto out;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_node_id);
	for (size_t i = 0; i < n; i++) {
		char list[128], mask[128];
		bool found;

		snprintf(list, sizeof(list), PATH_SYS_NODE "/node%u/cpulist", v[i].id);
		snprintf(mask, sizeof(mask), PATH_SYS_NODE "/node%u/cpumap", v[i].id);
		r = read_set(pc, list, mask, &v[i].cpus, &found);
		if (r < 0)
			goto out;
		if (!found)
			cpuset_zero(&v[i].cpus);
	}
out:
	closedir(dir);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int read_nodes(struct path_cxt *pc, struct topology *t)
{
	struct topo_numa_node *v = NULL;
	cpuset_t todo = t->online;
	size_t n = 0;
	int r;

	r = topology_read_numa_nodes(pc, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		cpuset_t s;

		cpuset_and(&s, &v[i].cpus, &todo); /* overlapping lists: the lowest node id wins */
		cpuset_andnot(&todo, &todo, &s);
		cpuset_foreach(m, &s)
			t->cpus[m].node = (int32_t)t->nodes.n;
		r = groups_add(&t->nodes, (int32_t)v[i].id, &s);
	}
	t->has_node_dir = n > 0;
	if (n > 0)
		t->no_node = todo;
	free(v);
	return r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Per-CPU numbers (cpu_capacity, cpuinfo_max_freq) -> performance/efficiency
 * split at the largest relative gap between distinct values, when that gap
 * is at least TOPO_HYBRID_MIN_GAP_PCT.  Returns 1 if the machine is hybrid by
 * this source, 0 if not (or the file is missing for some CPU), -errno.
 */
static int hybrid_by_value(struct path_cxt *pc, struct topology *t, const char *file)
{
	unsigned int n = cpuset_count(&t->online), k = 0;
	uint64_t *v, *sorted, cut = 0;
	int r = 0;

	if (!path_exists(pc, PATH_SYS_CPU "/cpu%d/%s", t->boot_cpu, file))
		return 0;
	v = calloc(n, sizeof(*v));
	sorted = calloc(n, sizeof(*sorted));
	if (!v || !sorted) {
		r = -ENOMEM;
		goto out;
	}
	cpuset_foreach(cpu, &t->online) {
		r = path_read_u64(pc, &v[k], PATH_SYS_CPU "/cpu%d/%s", cpu, file);
		/* missing for some CPU or 0: this source cannot tell */
		if (r == -ENOENT || r == -ENODATA || (r == 0 && v[k] == 0)) {
			r = 0;
			goto out;
		}
		if (r < 0)
			goto out;
		sorted[k] = v[k];
		k++;
	}
	qsort(sorted, n, sizeof(*sorted), cmp_u64);
	{
		/* gap ratio hi/lo as a fraction: compare hi*best_lo > best_hi*lo */
		uint64_t best_hi = 0, best_lo = 1;

		for (unsigned int i = 1; i < n; i++) {
			uint64_t lo = sorted[i - 1], hi = sorted[i];

			if (hi == lo)
				continue;
			if ((__uint128_t)hi * best_lo > (__uint128_t)best_hi * lo) {
				best_hi = hi;
				best_lo = lo;
			}
		}
		if (best_hi == 0 ||
		    (__uint128_t)best_hi * 100 <
			    (__uint128_t)best_lo * (100 + TOPO_HYBRID_MIN_GAP_PCT)) {
			r = 0;
			goto out;
		}
		cut = best_hi;
	}
	k = 0;
	cpuset_foreach(cpu, &t->online) {
		cpuset_set(v[k] >= cut ? &t->performance : &t->efficiency, (unsigned int)cpu);
		k++;
	}
	r = 1;
out:
	free(v);
	free(sorted);
	return r;
}

/* Intel hybrid: the cpu_core and cpu_atom PMUs list the two kinds of CPU. */
static int hybrid_by_pmu(struct path_cxt *pc, struct topology *t)
{
	cpuset_t other;
	int r;

	r = path_read_cpulist(pc, 0, &t->performance, PATH_SYS_CPU_CORE "/cpus");
	if (r < 0)
		return r;
	r = path_read_cpulist(pc, 0, &t->efficiency, PATH_SYS_CPU_ATOM "/cpus");
	if (r < 0)
		return r;
	cpuset_and(&t->performance, &t->performance, &t->online);
	cpuset_and(&t->efficiency, &t->efficiency, &t->online);
	cpuset_andnot(&t->performance, &t->performance, &t->efficiency);
	/* online CPUs in neither list: count them as performance CPUs */
	cpuset_andnot(&other, &t->online, &t->performance);
	cpuset_andnot(&other, &other, &t->efficiency);
	if (!cpuset_empty(&other)) {
		char *l = cpuset_to_list(&other);

		r = topo_note(
			t,
			"CPUs %s are in neither cpu_core/cpus nor cpu_atom/cpus: counted as performance CPUs",
			l ? l : "?");
		free(l);
		if (r < 0)
			return r;
		cpuset_or(&t->performance, &t->performance, &other);
	}
	return 0;
}

/* The source that split the CPUs in two, TOPO_HYBRID_NONE if none did. */
static int hybrid_detect(struct path_cxt *pc, struct topology *t, enum topo_hybrid_source *src)
{
	int r;

	*src = TOPO_HYBRID_NONE;
	if (path_exists(pc, PATH_SYS_CPU_CORE "/cpus") &&
	    path_exists(pc, PATH_SYS_CPU_ATOM "/cpus")) {
		r = hybrid_by_pmu(pc, t);
		if (r < 0)
			return r;
		*src = TOPO_HYBRID_PMU;
		return 0;
	}
	r = hybrid_by_value(pc, t, "cpu_capacity");
	if (r < 0)
		return r;
	if (r > 0) {
		*src = TOPO_HYBRID_CAPACITY;
		return 0;
	}
	cpuset_zero(&t->performance);
	cpuset_zero(&t->efficiency);
	r = hybrid_by_value(pc, t, "cpufreq/cpuinfo_max_freq");
	if (r < 0)
		return r;
	if (r > 0)
		*src = TOPO_HYBRID_MAXFREQ;
	return 0;
}

/* Whole cores take one kind, and every online CPU is marked with its own. */
static void hybrid_mark_cpus(struct topology *t)
{
	/* A core counts as efficiency if any of its CPUs is one (they never mix on real parts). */
	for (size_t i = 0; i < t->cores.n; i++) {
		const cpuset_t *c = &t->cores.v[i].cpus;

		if (cpuset_intersects(c, &t->efficiency)) {
			cpuset_or(&t->efficiency, &t->efficiency, c);
			cpuset_andnot(&t->performance, &t->performance, c);
		}
	}
	cpuset_foreach(cpu, &t->online)
		t->cpus[cpu].kind = cpuset_test(&t->efficiency, (unsigned int)cpu) ?
					    TOPO_KIND_EFFICIENCY :
					    TOPO_KIND_PERFORMANCE;
}

static int read_hybrid(struct path_cxt *pc, struct topology *t)
{
	enum topo_hybrid_source src;
	int r;

	cpuset_zero(&t->performance);
	cpuset_zero(&t->efficiency);
	r = hybrid_detect(pc, t, &src);
	if (r < 0)
		return r;
	if (src == TOPO_HYBRID_NONE || cpuset_empty(&t->performance) ||
	    cpuset_empty(&t->efficiency)) {
		cpuset_zero(&t->performance);
		cpuset_zero(&t->efficiency);
		t->hybrid = TOPO_HYBRID_NONE;
		return 0;
	}
	t->hybrid = src;
	if (src == TOPO_HYBRID_MAXFREQ) {
		char *pl = cpuset_to_list(&t->performance), *el = cpuset_to_list(&t->efficiency);

		r = topo_note(
			t,
			"CPU types inferred from cpuinfo_max_freq alone (performance %s, efficiency %s): favoured cores (Turbo Boost Max 3.0) look the same; use --isolate to override",
			pl ? pl : "?", el ? el : "?");
		free(pl);
		free(el);
		if (r < 0)
			return r;
	}
	hybrid_mark_cpus(t);
	return 0;
}

/*
 * The online CPUs: cpu/online, else the cpuN directories whose online file is
 * missing, empty or "1".  Always limited to CPUs with a cpuN directory.
 */
static int read_online(struct path_cxt *pc, struct topology *t, const cpuset_t *dirs)
{
	cpuset_t listed;
	int r;

	r = path_read_cpulist(pc, 0, &listed, PATH_SYS_CPU "/online");
	if (r == 0) {
		cpuset_t lost;

		cpuset_and(&t->online, &listed, dirs);
		cpuset_andnot(&lost, &listed, dirs);
		if (!cpuset_empty(&lost)) {
			char *l = cpuset_to_list(&lost);

			r = topo_note(t, "CPUs %s are online but have no cpuN directory: left out",
				      l ? l : "?");
			free(l);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (r != -ENOENT)
		return r;
	cpuset_zero(&t->online);
	cpuset_foreach(cpu, dirs) {
		char buf[32];
		ssize_t n;

		n = path_read_buf(pc, buf, sizeof(buf), PATH_SYS_CPU "/cpu%d/online", cpu);
		if (n == -ENOENT || n == 0) {
			cpuset_set(&t->online, (unsigned int)cpu);
			continue;
		}
		if (n < 0)
			return n == -EFBIG ? -EINVAL : (int)n;
		if (strcmp(buf, "1") == 0)
			cpuset_set(&t->online, (unsigned int)cpu);
		else if (strcmp(buf, "0") != 0)
			return -EINVAL;
	}
	return 0;
}

static int read_cpu_dirs(struct path_cxt *pc, cpuset_t *ret)
{
	struct dirent *d;
	DIR *dir;
	int r = 0;

	cpuset_zero(ret);
	dir = path_opendir(pc, PATH_SYS_CPU);
	if (!dir)
		return -errno;
	while ((errno = 0, d = readdir(dir))) {
		uint32_t n;

		if (parse_dirnum(d->d_name, "cpu", &n) && n < CPUSET_MAX)
			cpuset_set(ret, n);
	}
	if (errno)
		r = -errno;
	closedir(dir);
	path_get(pc, PATH_SYS_CPU);
	return r;
}

static int read_optional_list(struct path_cxt *pc, const char *file, const cpuset_t *dflt,
			      cpuset_t *ret)
{
	int r = path_read_cpulist(pc, 0, ret, PATH_SYS_CPU "/%s", file);

	if (r == -ENOENT) {
		*ret = *dflt;
		return 0;
	}
	return r;
}

/* The cpuN directories, then present, possible, online and offline from them. */
static int masks_read(struct path_cxt *pc, struct topology *t, cpuset_t *all)
{
	cpuset_t dirs;
	int r;

	r = read_cpu_dirs(pc, &dirs);
	if (r < 0)
		return r;
	if (cpuset_empty(&dirs))
		return -ENODATA;
	r = read_optional_list(pc, "present", &dirs, &t->present);
	if (r < 0)
		return r;
	r = read_optional_list(pc, "possible", &dirs, &t->possible);
	if (r == -ERANGE) {
		/* firmware that declares more possible CPUs than we handle: only the real ones matter */
		t->possible = dirs;
		r = topo_note(t, "cpu/possible names CPUs beyond %u: using the cpuN directories",
			      CPUSET_MAX - 1);
	}
	if (r < 0)
		return r;
	cpuset_or(&t->possible, &t->possible, &t->present);
	r = read_online(pc, t, &dirs);
	if (r < 0)
		return r;
	if (cpuset_empty(&t->online)) {
		path_get(pc, PATH_SYS_CPU "/online");
		return -ENODATA;
	}
	cpuset_or(all, &t->present, &dirs);
	cpuset_andnot(&t->offline, all, &t->online);
	return 0;
}

/* One topo_cpu per CPU number up to the highest in @all, every id "absent". */
static int cpus_alloc(struct topology *t, const cpuset_t *all)
{
	int last = cpuset_last(all);

	t->nr_cpus = (unsigned int)last + 1;
	t->cpus = calloc(t->nr_cpus, sizeof(*t->cpus));
	if (!t->cpus)
		return -ENOMEM;
	for (unsigned int i = 0; i < t->nr_cpus; i++) {
		struct topo_cpu *c = &t->cpus[i];

		c->core = c->package = c->die = c->cluster = c->l3 = c->node = -1;
		c->package_id = ID_UNREAD;
	}
	return 0;
}

/* Every grouping of the online CPUs, in the order each one needs the last. */
static int groups_read(struct path_cxt *pc, struct topology *t)
{
	bool any;
	int r;

	r = read_packages(pc, t);
	if (r < 0)
		return r;
	r = read_cores(pc, t);
	if (r < 0)
		return r;
	r = group_by_files(pc, t, &t->dies, offsetof(struct topo_cpu, die), die_files, &any);
	if (r < 0)
		return r;
	r = group_by_files(pc, t, &t->clusters, offsetof(struct topo_cpu, cluster), cluster_files,
			   &any);
	if (r < 0)
		return r;
	r = read_l3(pc, t);
	if (r < 0)
		return r;
	r = read_nodes(pc, t);
	if (r < 0)
		return r;
	if (!t->has_node_dir)
		t->no_node = t->online;
	return read_hybrid(pc, t);
}

int topology_read(struct path_cxt *pc, struct topology **ret)
{
	struct topology *t;
	cpuset_t all;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->boot_cpu = -1;

	r = masks_read(pc, t, &all);
	if (r < 0)
		goto fail;
	cpuset_or(&all, &all, &t->possible);
	cpuset_or(&all, &all, &t->online);
	r = cpus_alloc(t, &all);
	if (r < 0)
		goto fail;
	t->boot_cpu = cpuset_first(&t->online);

	r = groups_read(pc, t);
	if (r < 0)
		goto fail;
	/* ids not needed by any rule stay "absent" rather than "unread" */
	for (unsigned int i = 0; i < t->nr_cpus; i++) {
		if (t->cpus[i].package_id == ID_UNREAD)
			t->cpus[i].package_id = -1;
	}
	*ret = t;
	return 0;
fail:
	topology_free(t);
	return r;
}
