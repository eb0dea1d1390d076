// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/topology on the small hand-made roots in tests/fixtures/sysfs/ (see
 * make-fixtures.sh there for what each one exercises) and on trees written
 * into a temporary folder for the error cases.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpuset.h"
#include "path.h"
#include "table.h"
#include "tmproot.h"
#include "topology.h"

#define FIX "tests/fixtures/sysfs/"

static char listbuf[4096];
static const char *L(const cpuset_t *s)
{
	cpuset_format_list(s, listbuf, sizeof(listbuf));
	return listbuf;
}

static struct topology *load(const char *root)
{
	struct path_cxt pc;
	struct topology *t = NULL;

	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(topology_read(&pc, &t), 0);
	assert_non_null(t);
	return t;
}

/* Every grouping must be a partition of the online CPUs (or of a subset for dies/...). */
static void check_partition(const struct topology *t, const struct topo_groups *g, size_t off,
			    bool total)
{
	cpuset_t seen;

	cpuset_zero(&seen);
	for (size_t i = 0; i < g->n; i++) {
		assert_false(cpuset_intersects(&seen, &g->v[i].cpus));
		cpuset_or(&seen, &seen, &g->v[i].cpus);
		cpuset_foreach(cpu, &g->v[i].cpus)
			assert_int_equal(*(const int32_t *)((const char *)&t->cpus[cpu] + off),
					 (int32_t)i);
	}
	assert_true(cpuset_subset(&seen, &t->online));
	if (total)
		assert_true(cpuset_equal(&seen, &t->online));
}

static void test_smt2_2node(void **state)
{
	struct topology *t = load(FIX "smt2-2node");
	const struct topo_group *c;

	(void)state;
	/* no cpu/online: cpu0 has no online file (online), cpu6 an empty one (online), cpu13 "0" */
	assert_string_equal(L(&t->online), "0-12,14-15");
	assert_string_equal(L(&t->offline), "13");
	assert_int_equal(t->boot_cpu, 0);
	assert_int_equal(t->cores.n, 8);
	assert_int_equal(t->smt, 2);
	assert_int_equal(t->packages.n, 2);
	assert_int_equal(t->nodes.n, 2);
	assert_true(t->has_node_dir);
	assert_int_equal(t->l3s.n, 2);
	assert_int_equal(t->hybrid, TOPO_HYBRID_NONE);
	/* "3,11\n\0" */
	c = topology_core_of(t, 11);
	assert_non_null(c);
	assert_string_equal(L(&c->cpus), "3,11");
	/* the core of 5 lost its offline sibling 13 */
	assert_string_equal(L(&topology_core_of(t, 5)->cpus), "5");
	assert_null(topology_core_of(t, 13));
	/* node1: cpulist 4-7,12-15 wins over the cpumap 4-7 */
	assert_int_equal(t->nodes.v[1].id, 1);
	assert_string_equal(L(&t->nodes.v[1].cpus), "4-7,12,14-15");
	assert_int_equal(t->packages.v[1].id, 1);
	assert_true(cpuset_empty(&t->no_node));
	check_partition(t, &t->cores, offsetof(struct topo_cpu, core), true);
	check_partition(t, &t->packages, offsetof(struct topo_cpu, package), true);
	check_partition(t, &t->nodes, offsetof(struct topo_cpu, node), true);
	check_partition(t, &t->l3s, offsetof(struct topo_cpu, l3), true);
	topology_free(t);
}

static void test_hybrid_pmu(void **state)
{
	struct topology *t = load(FIX "hybrid-pmu");

	(void)state;
	assert_int_equal(t->hybrid, TOPO_HYBRID_PMU);
	assert_string_equal(L(&t->performance), "0-7");
	assert_string_equal(L(&t->efficiency), "8-11");
	assert_int_equal(t->cores.n, 8);
	assert_int_equal(t->smt, 2);
	assert_int_equal(t->cpus[9].kind, TOPO_KIND_EFFICIENCY);
	assert_int_equal(t->cpus[3].kind, TOPO_KIND_PERFORMANCE);
	topology_free(t);
}

static void test_hybrid_capacity(void **state)
{
	struct topology *t = load(FIX "hybrid-capacity");

	(void)state;
	assert_int_equal(t->hybrid, TOPO_HYBRID_CAPACITY);
	assert_string_equal(L(&t->performance), "4-7");
	assert_string_equal(L(&t->efficiency), "0-3");
	topology_free(t);
}

/*
 * A tree with nothing but empty cpuN folders. Made at run time: git does not
 * keep empty directories, so a checked-in copy would vanish from a clone.
 */
static void test_bare(void **state)
{
	char root[] = "/tmp/qc-bare-XXXXXX", path[128];
	struct topology *t;

	(void)state;
	assert_non_null(mkdtemp(root));
	for (int cpu = 0; cpu < 4; cpu++) {
		snprintf(path, sizeof(path), "mkdir -p %s/sys/devices/system/cpu/cpu%d", root, cpu);
		assert_int_equal(system(path), 0);
	}
	t = load(root);
	snprintf(path, sizeof(path), "rm -rf %s", root);
	assert_int_equal(system(path), 0);
	/* no topology at all: one CPU per core, no package, no NUMA */
	assert_string_equal(L(&t->online), "0-3");
	assert_int_equal(t->cores.n, 4);
	assert_int_equal(t->smt, 1);
	assert_int_equal(t->packages.n, 0);
	assert_int_equal(t->nodes.n, 0);
	assert_false(t->has_node_dir);
	assert_string_equal(L(&t->no_node), "0-3");
	assert_int_equal(t->cpus[2].package, -1);
	assert_int_equal(t->cpus[2].node, -1);
	topology_free(t);
}

static void test_1cpu(void **state)
{
	struct topology *t = load(FIX "1cpu");

	(void)state;
	assert_string_equal(L(&t->online), "0");
	assert_int_equal(t->cores.n, 1);
	assert_int_equal(t->nr_cpus, 1);
	topology_free(t);
}

/* --- error cases on trees written into a temporary folder --- */

static char tmproot[64];

static void put(const char *rel, const char *content)
{
	char path[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmproot, rel);
	for (p = path + strlen(tmproot) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmproot, "/tmp/qc-topo-XXXXXX");
	if (!mkdtemp(tmproot))
		return -1;
	put("sys/devices/system/cpu/online", "0-3\n");
	for (int i = 0; i < 4; i++) {
		char rel[128];

		snprintf(rel, sizeof(rel),
			 "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", i);
		put(rel, i < 2 ? "0-1\n" : "2-3\n");
	}
	return 0;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmproot);
	return system(cmd) == 0 ? 0 : -1;
}

static int read_tmp(struct path_cxt *pc, struct topology **t)
{
	assert_int_equal(path_cxt_init(pc, tmproot), 0);
	return topology_read(pc, t);
}

/* The one NUMA node reader: ascending ids, sparse, CPU-less kept, cpumap fallback, errors. */
static void test_numa_nodes(void **state)
{
	struct topo_numa_node *v = NULL;
	struct path_cxt pc;
	size_t n = 99;
	char list[64];

	(void)state;
	assert_int_equal(path_cxt_init(&pc, tmproot), 0);
	/* no node directory: no nodes, not an error */
	assert_int_equal(topology_read_numa_nodes(&pc, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	put("sys/devices/system/node/node10/cpulist", "2-3\n");
	put("sys/devices/system/node/node2/cpulist", "0-1\n");
	put("sys/devices/system/node/node7/cpulist", "\n");  /* CPU-less (memory only) */
	put("sys/devices/system/node/node4/cpumap", "30\n"); /* mask only: CPUs 4-5 */
	put("sys/devices/system/node/possible", "0-10\n");   /* not a node */
	put("sys/devices/system/node/nodeX/cpulist", "0\n"); /* not a node */
	assert_int_equal(topology_read_numa_nodes(&pc, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(v[0].id, 2);
	assert_int_equal(v[1].id, 4);
	assert_int_equal(v[2].id, 7);
	assert_int_equal(v[3].id, 10);
	cpuset_format_list(&v[0].cpus, list, sizeof(list));
	assert_string_equal(list, "0-1");
	cpuset_format_list(&v[1].cpus, list, sizeof(list));
	assert_string_equal(list, "4-5");
	assert_true(cpuset_empty(&v[2].cpus));
	cpuset_format_list(&v[3].cpus, list, sizeof(list));
	assert_string_equal(list, "2-3");
	free(v);
	/* a list that is there but malformed is an error naming it, never a smaller set */
	put("sys/devices/system/node/node7/cpulist", "0-x\n");
	v = NULL;
	assert_int_equal(topology_read_numa_nodes(&pc, &v, &n), -EINVAL);
	assert_null(v);
	assert_non_null(strstr(path_last(&pc), "node7/cpulist"));
}

static void test_garbage(void **state)
{
	struct path_cxt pc;
	struct topology *t = NULL;

	(void)state;
	assert_int_equal(read_tmp(&pc, &t), 0);
	assert_int_equal(t->cores.n, 2);
	topology_free(t);
	t = NULL;

	put("sys/devices/system/cpu/cpu2/topology/thread_siblings_list", "2-x\n");
	assert_int_equal(read_tmp(&pc, &t), -EINVAL);
	assert_null(t);
	assert_non_null(strstr(path_last(&pc), "cpu2/topology/thread_siblings_list"));
	put("sys/devices/system/cpu/cpu2/topology/thread_siblings_list", "2-3\n");

	/* a sibling set with a CPU beyond the cpuset limit */
	put("sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0,9000\n");
	assert_int_equal(read_tmp(&pc, &t), -ERANGE);
	put("sys/devices/system/cpu/cpu0/topology/thread_siblings_list", "0-1\n");

	put("sys/devices/system/cpu/online", "zero\n");
	assert_int_equal(read_tmp(&pc, &t), -EINVAL);
	assert_non_null(strstr(path_last(&pc), "cpu/online"));

	/* online names only CPUs without a directory: nothing online */
	put("sys/devices/system/cpu/online", "7\n");
	assert_int_equal(read_tmp(&pc, &t), -ENODATA);
	put("sys/devices/system/cpu/online", "0-3\n");

	put("sys/devices/system/node/node0/cpulist", "0-1x\n");
	assert_int_equal(read_tmp(&pc, &t), -EINVAL);
	put("sys/devices/system/node/node0/cpulist", "0-1\n");

	put("sys/devices/system/cpu/cpu1/cpu_capacity", "big\n");
	put("sys/devices/system/cpu/cpu0/cpu_capacity", "1024\n");
	assert_int_equal(read_tmp(&pc, &t), -EINVAL);
}

/*
 * Cores on small trees: a core is the union closure of the CPUs'
 * thread_siblings_list, whatever core_id, core_cpus or the packages say.
 * Files are "path=content" under sys/devices/system/cpu/; cpu0-3 exist.
 */
struct core_case {
	const char *name;
	const char *files[16];
	const char *cores; /* the cores' cpulists in order, space-separated */
	unsigned int smt;
	const char *note; /* a note containing this, or NULL: no note */
};

#define TS(c, l) "cpu" #c "/topology/thread_siblings_list=" l "\n"
#define CC(c, l) "cpu" #c "/topology/core_cpus_list=" l "\n"
#define CID(c, v) "cpu" #c "/topology/core_id=" #v "\n"
#define PKG(c, l) "cpu" #c "/topology/package_cpus_list=" l "\n"

static const struct core_case core_cases[] = {
	{ "AMD fam15h compute units: siblings with different core_id are one core",
	  { TS(0, "0-1"), TS(1, "0-1"), TS(2, "2-3"), TS(3, "2-3"), CID(0, 0), CID(1, 1), CID(2, 2),
	    CID(3, 3), PKG(0, "0-3"), PKG(1, "0-3"), PKG(2, "0-3"), PKG(3, "0-3") },
	  "0-1 2-3",
	  2,
	  NULL },
	{ "a chain of sibling sets is one core",
	  { TS(0, "0-1"), TS(1, "1-2"), TS(2, "2"), TS(3, "3") },
	  "0-2 3",
	  3,
	  NULL },
	{ "a sibling named only by the higher CPU",
	  { TS(0, "0"), TS(1, "0-1"), TS(2, "2"), TS(3, "2-3") },
	  "0-1 2-3",
	  2,
	  NULL },
	{ "siblings in different package sets stay together",
	  { TS(0, "0-1"), TS(1, "0-1"), TS(2, "2-3"), TS(3, "2-3"), PKG(0, "0,2"), PKG(1, "1,3"),
	    PKG(2, "0,2"), PKG(3, "1,3") },
	  "0-1 2-3",
	  2,
	  NULL },
	{ "thread_siblings mask without a cpulist",
	  { "cpu0/topology/thread_siblings=3\n", "cpu1/topology/thread_siblings=3\n",
	    "cpu2/topology/thread_siblings=c\n", "cpu3/topology/thread_siblings=c\n" },
	  "0-1 2-3",
	  2,
	  NULL },
	{ "core_cpus mask only (no thread_siblings files)",
	  { "cpu0/topology/core_cpus=3\n", "cpu1/topology/core_cpus=3\n",
	    "cpu2/topology/core_cpus=4\n", "cpu3/topology/core_cpus=8\n" },
	  "0-1 2 3",
	  2,
	  NULL },
	{ "core_cpus_list agreeing with thread_siblings_list",
	  { TS(0, "0-1"), TS(1, "0-1"), TS(2, "2-3"), TS(3, "2-3"), CC(0, "0-1"), CC(1, "0-1"),
	    CC(2, "2-3"), CC(3, "2-3") },
	  "0-1 2-3",
	  2,
	  NULL },
	{ "core_cpus_list disagreeing: thread_siblings_list wins, with a note",
	  { TS(0, "0-1"), TS(1, "0-1"), TS(2, "2-3"), TS(3, "2-3"), CC(0, "0"), CC(1, "1"),
	    CC(2, "2-3"), CC(3, "2-3") },
	  "0-1 2-3",
	  2,
	  "CPUs 0-1: core_cpus_list and thread_siblings_list disagree" },
	{ "an offline sibling is in no core",
	  { "online=0-2\n", TS(0, "0-1"), TS(1, "0-1"), TS(2, "2-3"), TS(3, "2-3") },
	  "0-1 2",
	  2,
	  NULL },
	{ "no sibling files: one CPU per core",
	  { CID(0, 0), CID(1, 0), CID(2, 1), CID(3, 1) },
	  "0 1 2 3",
	  1,
	  NULL },
};

/* "0-1 2-3": the cores' cpulists in order */
static void cores_str(const struct topology *t, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->cores.n && n < len; i++) {
		if (i)
			buf[n++] = ' ';
		n += cpuset_format_list(&t->cores.v[i].cpus, buf + n, len - n);
	}
	if (n >= len)
		buf[len - 1] = '\0';
}

static void test_cores(void **state)
{
	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(core_cases); k++) {
		const struct core_case *cc = &core_cases[k];
		struct topology *t = NULL;
		struct path_cxt pc;
		bool noted = false;
		char got[256];
		int r;

		strcpy(tmproot, "/tmp/qc-cores-XXXXXX");
		assert_non_null(mkdtemp(tmproot));
		put("sys/devices/system/cpu/online", "0-3\n");
		for (int cpu = 0; cpu < 4; cpu++) {
			char rel[64];

			snprintf(rel, sizeof(rel), "sys/devices/system/cpu/cpu%d/uevent", cpu);
			put(rel, "");
		}
		for (size_t i = 0; i < ARRAY_SIZE(cc->files) && cc->files[i]; i++) {
			char rel[256];
			const char *eq = strchr(cc->files[i], '=');

			assert_non_null(eq);
			snprintf(rel, sizeof(rel), "sys/devices/system/cpu/%.*s",
				 (int)(eq - cc->files[i]), cc->files[i]);
			put(rel, eq + 1);
		}
		assert_int_equal(path_cxt_init(&pc, tmproot), 0);
		r = topology_read(&pc, &t);
		assert_int_equal(tmproot_remove(tmproot), 0);
		if (r < 0) {
			case_fail("%s: topology_read: %d", cc->name, r);
			continue;
		}
		check_partition(t, &t->cores, offsetof(struct topo_cpu, core), true);
		cores_str(t, got, sizeof(got));
		if (strcmp(got, cc->cores) != 0)
			case_fail("%s: cores '%s', expected '%s'", cc->name, got, cc->cores);
		if (t->smt != cc->smt)
			case_fail("%s: smt %u, expected %u", cc->name, t->smt, cc->smt);
		for (size_t i = 0; i < t->nr_notes; i++) {
			if (cc->note && strstr(t->notes[i], cc->note))
				noted = true;
			else if (strstr(t->notes[i], "core"))
				case_fail("%s: unexpected note '%s'", cc->name, t->notes[i]);
		}
		if (cc->note && !noted)
			case_fail("%s: no note '%s'", cc->name, cc->note);
		topology_free(t);
	}
	table_done();
}

static void test_no_cpu_dir(void **state)
{
	struct path_cxt pc;
	struct topology *t = NULL;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, FIX), 0); /* a folder without sys/ */
	assert_int_equal(topology_read(&pc, &t), -ENOENT);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smt2_2node),
		cmocka_unit_test(test_hybrid_pmu),
		cmocka_unit_test(test_hybrid_capacity),
		cmocka_unit_test(test_bare),
		cmocka_unit_test(test_1cpu),
		cmocka_unit_test_setup_teardown(test_numa_nodes, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_garbage, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_no_cpu_dir),
		cmocka_unit_test(test_cores),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
