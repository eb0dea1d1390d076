// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/plan: the default policy, overrides and their refusals, nosmt,
 * profiles, kernel-config awareness, --extra checking and the size limit,
 * on the hand-made roots of tests/fixtures/sysfs/.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cpuset.h"
#include "kparam.h"
#include "path.h"
#include "plan.h"
#include "tmproot.h"
#include "topology.h"

#include "table.h"
#include "tmproot.h"

#define FIX "tests/fixtures/sysfs/"

static char listbuf[4096];
static const char *L(const cpuset_t *s)
{
	cpuset_format_list(s, listbuf, sizeof(listbuf));
	return listbuf;
}

struct fx {
	struct path_cxt pc;
	struct topology *topo;
	struct plan *plan;
	char *err;
};

static struct fx fx;

static void fx_load(const char *root)
{
	memset(&fx, 0, sizeof(fx));
	assert_int_equal(path_cxt_init(&fx.pc, root), 0);
	assert_int_equal(topology_read(&fx.pc, &fx.topo), 0);
}

static int fx_plan(const struct plan_options *o)
{
	plan_free(fx.plan);
	fx.plan = NULL;
	free(fx.err);
	fx.err = NULL;
	return plan_build(&fx.pc, fx.topo, o, &fx.plan, &fx.err);
}

static int fx_teardown(void **state)
{
	(void)state;
	plan_free(fx.plan);
	topology_free(fx.topo);
	free(fx.err);
	memset(&fx, 0, sizeof(fx));
	return 0;
}

static bool has_warning(const char *needle)
{
	for (size_t i = 0; i < fx.plan->nr_warnings; i++)
		if (strstr(fx.plan->warnings[i], needle))
			return true;
	return false;
}

/* The invariants every successful plan keeps. */
static void check_invariants(void)
{
	const struct plan *p = fx.plan;
	const struct topology *t = fx.topo;
	cpuset_t u;

	assert_false(cpuset_intersects(&p->housekeeping, &p->isolated));
	cpuset_or(&u, &p->housekeeping, &p->isolated);
	cpuset_or(&u, &u, &p->smt_off);
	assert_true(cpuset_equal(&u, &t->online));
	assert_true(cpuset_test(&p->housekeeping, (unsigned int)t->boot_cpu));
	assert_false(cpuset_empty(&p->isolated));
	for (size_t i = 0; i < t->nodes.n; i++)
		if (!cpuset_empty(&t->nodes.v[i].cpus))
			assert_true(cpuset_intersects(&t->nodes.v[i].cpus, &p->housekeeping));
	assert_string_equal(kparams_get(&p->params, "isolcpus") + strlen("domain,managed_irq,"),
			    L(&p->isolated));
	assert_true(strlen(p->cmdline) < PLAN_CMDLINE_MAX);
}

static void test_default(void **state)
{
	struct plan_options o;

	(void)state;
	fx_load(FIX "smt2-2node");
	plan_options_init(&o);
	assert_int_equal(fx_plan(&o), 0);
	check_invariants();
	/* boot core 0,8 and the first core of node 1 (4,12), whole cores */
	assert_string_equal(L(&fx.plan->housekeeping), "0,4,8,12");
	assert_string_equal(L(&fx.plan->isolated), "1-3,5-7,9-11,14-15");
	assert_int_equal(fx.plan->reason[8], PLAN_REASON_BOOT);
	assert_int_equal(fx.plan->reason[12], PLAN_REASON_NODE);
	assert_int_equal(fx.plan->reason[13], PLAN_REASON_OFFLINE);
	assert_int_equal(fx.plan->reason[1], PLAN_REASON_ISOLATED);
	assert_string_equal(kparams_get(&fx.plan->params, "irqaffinity"), "0,4,8,12");
	assert_string_equal(kparams_get(&fx.plan->params, "nohz_full"), "1-3,5-7,9-11,14-15");
	assert_string_equal(kparams_get(&fx.plan->params, "rcu_nocbs"), "1-3,5-7,9-11,14-15");
	assert_string_equal(kparams_get(&fx.plan->params, "systemd.cpu_affinity"), "0,4,8,12");
	/* version unknown under --root without --kernel: no workqueue.unbound_cpus */
	assert_false(kparams_has(&fx.plan->params, "workqueue.unbound_cpus"));
	assert_int_equal(fx.plan->nr_warnings, 0);

	o.hk_per_node = 2;
	assert_int_equal(fx_plan(&o), 0);
	check_invariants();
	assert_string_equal(L(&fx.plan->housekeeping), "0-1,4-5,8-9,12");

	o.hk_per_node = 4; /* every core: nothing left */
	assert_int_equal(fx_plan(&o), -EDOM);
	assert_non_null(strstr(fx.err, "nothing to isolate"));

	o.hk_per_node = 0;
	assert_int_equal(fx_plan(&o), -EINVAL);
}

static void test_hybrid(void **state)
{
	struct plan_options o;

	(void)state;
	fx_load(FIX "hybrid-pmu");
	plan_options_init(&o);
	assert_int_equal(fx_plan(&o), 0);
	check_invariants();
	assert_string_equal(L(&fx.plan->housekeeping), "0-1,8-11");
	assert_string_equal(L(&fx.plan->isolated), "2-7");
	assert_int_equal(fx.plan->reason[10], PLAN_REASON_EFFICIENCY);
	fx_teardown(NULL);

	fx_load(FIX "hybrid-capacity");
	assert_int_equal(fx_plan(&o), 0);
	check_invariants();
	assert_string_equal(L(&fx.plan->isolated), "4-7");
}

static void test_nothing_to_isolate(void **state)
{
	struct plan_options o;

	(void)state;
	fx_load(FIX "1cpu");
	plan_options_init(&o);
	assert_int_equal(fx_plan(&o), -EDOM);
	assert_null(fx.plan);
	assert_string_equal(fx.err, "nothing to isolate: only 1 CPU is online (CPU 0)");
}

static void test_overrides(void **state)
{
	static const struct {
		const char *hk, *iso;
		int ret;
		const char *want; /* isolated set, or a piece of the error */
		const char *warn;
	} rows[] = {
		{ NULL, "1-3", 0, "1-3", "SMT siblings split" },
		{ NULL, "1-3,9-11", 0, "1-3,9-11", NULL },
		{ "0,4,8,12", NULL, 0, "1-3,5-7,9-11,14-15", NULL },
		{ "0-1,4,8-9,12", "2-3,10-11", 0, "2-3,10-11",
		  "in neither --housekeeping nor --isolate" },
		{ NULL, "0-3", -EDOM, "boot CPU 0", NULL },
		{ NULL, "4-7,12,14-15", -EDOM, "NUMA node 1", NULL },
		{ NULL, "1-12,14-15", -EDOM, "NUMA node", NULL },
		{ "0-12,14-15", NULL, -EDOM, "nothing to isolate", NULL },
		{ NULL, "13", -EINVAL, "offline", NULL },
		{ NULL, "3,13", -EINVAL, "CPUs 13 are offline", NULL },
		{ NULL, "99", -EINVAL, "beyond", NULL },
		{ NULL, "1-x", -EINVAL, "not a valid cpulist", NULL },
		{ NULL, "", -EINVAL, "empty", NULL },
		{ "", NULL, -EINVAL, "empty", NULL },
		{ "1", NULL, -EDOM, "boot CPU", NULL },
		{ "0-3", "3-5", -EINVAL, "in both", NULL },
	};
	struct plan_options o;

	(void)state;
	fx_load(FIX "smt2-2node");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		int r;

		plan_options_init(&o);
		o.housekeeping = rows[i].hk;
		o.isolate = rows[i].iso;
		r = fx_plan(&o);
		if (r != rows[i].ret)
			fail_msg("row %zu: %d != %d (%s)", i, r, rows[i].ret, fx.err ? fx.err : "");
		if (r == 0) {
			check_invariants();
			assert_string_equal(L(&fx.plan->isolated), rows[i].want);
			if (rows[i].warn && !has_warning(rows[i].warn))
				fail_msg("row %zu: no warning '%s'", i, rows[i].warn);
			if (!rows[i].warn && fx.plan->nr_warnings)
				fail_msg("row %zu: unexpected warning '%s'", i,
					 fx.plan->warnings[0]);
		} else {
			assert_non_null(fx.err);
			if (!strstr(fx.err, rows[i].want))
				fail_msg("row %zu: '%s' lacks '%s'", i, fx.err, rows[i].want);
		}
	}
	/* the kernel's group syntax works in overrides: 2,3,6,7,10,11,14,15 */
	plan_options_init(&o);
	o.isolate = "2-15:2/4";
	assert_int_equal(fx_plan(&o), 0);
	assert_string_equal(L(&fx.plan->isolated), "2-3,6-7,10-11,14-15");
}

static void test_nosmt(void **state)
{
	struct plan_options o;

	(void)state;
	fx_load(FIX "smt2-2node");
	plan_options_init(&o);
	o.nosmt = true;
	assert_int_equal(fx_plan(&o), 0);
	check_invariants();
	assert_string_equal(L(&fx.plan->smt_off), "8-12,14-15");
	assert_string_equal(L(&fx.plan->housekeeping), "0,4");
	assert_string_equal(L(&fx.plan->isolated), "1-3,5-7");
	assert_true(kparams_has(&fx.plan->params, "nosmt"));
	assert_int_equal(fx.plan->reason[9], PLAN_REASON_SMT_OFF);
}

/* No core of the plan has CPUs in both sets. */
static void check_whole_cores(void)
{
	for (size_t i = 0; i < fx.topo->cores.n; i++) {
		const cpuset_t *c = &fx.topo->cores.v[i].cpus;

		if (cpuset_intersects(c, &fx.plan->housekeeping) &&
		    cpuset_intersects(c, &fx.plan->isolated))
			fail_msg("core %s split", L(c));
	}
}

/*
 * A real AMD Opteron 6272 (family 15h) machine from the hwloc trees: each
 * compute unit is a thread_siblings_list pair whose core_id differ.  The
 * planner keeps the pair whole, as the scheduler's SMT domain and nosmt do.
 */
#define FAM15H_TREE "64amd64-4p2n4ca2co"

static char fam15h_root[64];

static int fam15h_setup(void **state)
{
	char cmd[256];

	(void)state;
	strcpy(fam15h_root, "/tmp/qc-fam15h-XXXXXX");
	if (!mkdtemp(fam15h_root))
		return -1;
	snprintf(cmd, sizeof(cmd), "tar -xzf %s -C '%s' " FAM15H_TREE,
		 "tests/fixtures/topologies/hwloc-sysfs-trees.tar.gz", fam15h_root);
	return system(cmd) == 0 ? 0 : -1;
}

static int fam15h_teardown(void **state)
{
	fx_teardown(state);
	return tmproot_remove(fam15h_root);
}

static void test_fam15h_compute_units(void **state)
{
	char root[128];
	struct plan_options o;

	(void)state;
	snprintf(root, sizeof(root), "%s/" FAM15H_TREE, fam15h_root);
	fx_load(root);
	assert_int_equal(fx.topo->cores.n, 32);
	assert_int_equal(fx.topo->smt, 2);
	assert_string_equal(L(&topology_core_of(fx.topo, 1)->cpus), "0-1");

	/* default: the boot CPU's compute unit and one per NUMA node, whole */
	plan_options_init(&o);
	assert_int_equal(fx_plan(&o), 0);
	check_invariants();
	check_whole_cores();
	assert_string_equal(L(&fx.plan->housekeeping),
			    "0-1,8-9,16-17,24-25,32-33,40-41,48-49,56-57");
	assert_int_equal(fx.plan->reason[1], PLAN_REASON_BOOT);
	assert_int_equal(fx.plan->reason[9], PLAN_REASON_NODE);
	assert_false(has_warning("SMT siblings split"));

	/* nosmt: the kernel leaves one CPU of each compute unit online */
	o.nosmt = true;
	assert_int_equal(fx_plan(&o), 0);
	check_invariants();
	assert_string_equal(L(&fx.plan->smt_off),
			    "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,"
			    "33,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63");
	assert_false(has_warning("nosmt changes nothing"));

	/* a user split of a compute unit is warned about */
	plan_options_init(&o);
	o.isolate = "1-7";
	assert_int_equal(fx_plan(&o), 0);
	assert_true(has_warning(
		"SMT siblings split between housekeeping and isolated CPUs in the cores of 0-1:"));
}

static size_t count_params(const struct plan *p)
{
	return p->params.n;
}

static void test_profiles(void **state)
{
	static const char *const minimal[] = { "isolcpus", "nohz_full", "rcu_nocbs",
					       "irqaffinity" };
	static const char *const latency_only[] = {
		"rcu_nocb_poll", "processor.max_cstate", "intel_idle.max_cstate", "idle",
		"tsc",		 "transparent_hugepage"
	};
	struct plan_options o;
	size_t nbench;

	(void)state;
	fx_load(FIX "smt2-2node");
	plan_options_init(&o);
	o.profile = PLAN_PROFILE_MINIMAL;
	assert_int_equal(fx_plan(&o), 0);
	assert_int_equal(count_params(fx.plan), ARRAY_SIZE(minimal));
	for (size_t i = 0; i < ARRAY_SIZE(minimal); i++)
		assert_string_equal(fx.plan->params.v[i].name, minimal[i]);
	assert_string_equal(
		fx.plan->cmdline,
		"isolcpus=domain,managed_irq,1-3,5-7,9-11,14-15 nohz_full=1-3,5-7,9-11,14-15 "
		"rcu_nocbs=1-3,5-7,9-11,14-15 irqaffinity=0,4,8,12");

	o.profile = PLAN_PROFILE_BENCHMARK;
	assert_int_equal(fx_plan(&o), 0);
	nbench = count_params(fx.plan);
	assert_true(nbench > ARRAY_SIZE(minimal));
	assert_string_equal(kparams_get(&fx.plan->params, "nmi_watchdog"), "0");
	assert_string_equal(kparams_get(&fx.plan->params, "rd.earlypin.governor"), "performance");
	assert_false(kparams_has(&fx.plan->params, "idle"));

	o.profile = PLAN_PROFILE_LATENCY;
	assert_int_equal(fx_plan(&o), 0); /* x86: vendor_id GenuineIntel in proc/cpuinfo */
	assert_int_equal(count_params(fx.plan), nbench + ARRAY_SIZE(latency_only));
	for (size_t i = 0; i < ARRAY_SIZE(latency_only); i++)
		assert_true(kparams_has(&fx.plan->params, latency_only[i]));
	assert_string_equal(kparams_get(&fx.plan->params, "idle"), "poll");

	/* every name any profile emits is in the managed list */
	o.nosmt = true;
	o.kernel = "6.6.0-full";
	assert_int_equal(fx_plan(&o), 0);
	for (size_t i = 0; i < fx.plan->params.n; i++) {
		bool found = false;

		for (const char *const *m = plan_managed_params(); *m; m++)
			found |= kparam_name_eq(*m, fx.plan->params.v[i].name);
		if (!found)
			fail_msg("%s is not in plan_managed_params()", fx.plan->params.v[i].name);
		assert_non_null(plan_param_why(fx.plan->params.v[i].name));
	}
	assert_true(kparams_has(&fx.plan->params, "workqueue.unbound_cpus"));
}

static void test_kernel_config(void **state)
{
	struct plan_options o;

	(void)state;
	fx_load(FIX "smt2-2node");
	plan_options_init(&o);
	o.kernel = "5.10.0-nohz";
	assert_int_equal(fx_plan(&o), 0);
	assert_false(kparams_has(&fx.plan->params, "nohz_full"));
	assert_false(kparams_has(&fx.plan->params, "rcu_nocbs"));
	assert_true(kparams_has(&fx.plan->params, "isolcpus"));
	assert_false(kparams_has(&fx.plan->params, "workqueue.unbound_cpus"));
	assert_true(has_warning("CONFIG_NO_HZ_FULL is not set"));
	assert_true(has_warning("CONFIG_RCU_NOCB_CPU is not set"));
	assert_string_equal(fx.plan->kernel.config, "/boot/config-5.10.0-nohz");

	o.kernel = "6.6.0-full";
	assert_int_equal(fx_plan(&o), 0);
	assert_true(kparams_has(&fx.plan->params, "nohz_full"));
	assert_string_equal(kparams_get(&fx.plan->params, "workqueue.unbound_cpus"), "0,4,8,12");
	assert_int_equal(fx.plan->nr_warnings, 0);

	o.kernel = "5.4.0-old"; /* before managed_irq */
	assert_int_equal(fx_plan(&o), 0);
	assert_string_equal(kparams_get(&fx.plan->params, "isolcpus"), "domain,1-3,5-7,9-11,14-15");
	assert_true(has_warning("no isolcpus managed_irq flag"));

	o.kernel = "6.5.0-nothere"; /* no config: warned, version still counts */
	assert_int_equal(fx_plan(&o), 0);
	assert_true(has_warning("not checking kernel options"));
	assert_true(kparams_has(&fx.plan->params, "nohz_full"));
	assert_false(kparams_has(&fx.plan->params, "workqueue.unbound_cpus"));
}

/*
 * A configuration that is there but unreadable or malformed is an error
 * naming the file, never "option not set" (which drops isolcpus= & co).
 */
static void test_kernel_config_unreadable(void **state)
{
	static const struct {
		const char *kind;
		const char *data; /* file content, or NULL */
		size_t len;
		int err;
		const char *why;
	} rows[] = {
		{ "valid",
		  "# comment\n\nCONFIG_NO_HZ_FULL=y\n# CONFIG_X86 is not set\nCONFIG_S=\"a b\"\n",
		  0, 0, NULL },
		{ "no final newline", "CONFIG_NO_HZ_FULL=y", 0, 0, NULL },
		{ "garbage line", "CONFIG_NO_HZ_FULL=y\nhello\n", 0, -EINVAL, "line 2 is not" },
		{ "no name", "CONFIG_=y\n", 0, -EINVAL, "line 1 is not" },
		{ "no value", "CONFIG_NO_HZ_FULL\n", 0, -EINVAL, "line 1 is not" },
		{ "NUL byte", "CONFIG_X86=y\nCONFIG_NO_HZ_FULL=y\0\n", 33, -EINVAL,
		  "line 2 is not" },
		{ "binary", "\177ELF\2\1\1", 7, -EINVAL, "line 1 is not" },
		{ "empty", "", 0, -ENODATA, "empty file" },
		{ "dir", NULL, 0, -EISDIR, "Is a directory" },
		{ "fifo", NULL, 0, -PATH_ENOTREG, "not a regular file" },
	};
	char root[] = "/tmp/qc-test-plan-XXXXXX";
	char cmd[256], p[PATH_MAX];
	struct plan_options o;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cp -a " FIX "smt2-2node/. '%s'/", root);
	assert_int_equal(system(cmd), 0);
	fx_load(root);
	plan_options_init(&o);
	o.kernel = "6.6.0-t";
	snprintf(p, sizeof(p), "%s/boot/config-6.6.0-t", root);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		int r;

		if (!rows[i].data) {
			assert_int_equal(tmproot_put_unusable(p, rows[i].kind), 0);
		} else {
			FILE *f = fopen(p, "we");
			size_t len = rows[i].len ? rows[i].len : strlen(rows[i].data);

			assert_non_null(f);
			assert_int_equal(fwrite(rows[i].data, 1, len, f), len);
			assert_int_equal(fclose(f), 0);
		}
		r = fx_plan(&o);
		if (r != rows[i].err)
			case_fail("%s: %d, want %d (%s)", rows[i].kind, r, rows[i].err,
				  fx.err ? fx.err : "");
		else if (r == 0 && !kparams_has(&fx.plan->params, "nohz_full"))
			case_fail("%s: nohz_full= dropped", rows[i].kind);
		else if (r < 0 && (!fx.err || !strstr(fx.err, p) || !strstr(fx.err, rows[i].why)))
			case_fail("%s: message %s", rows[i].kind, fx.err ? fx.err : "(none)");
		assert_int_equal(remove(p), 0);
	}
	fx_teardown(NULL);
	assert_int_equal(tmproot_remove(root), 0);
	table_done();
}

static void test_kernel_version(void **state)
{
	static const struct {
		const char *s;
		int ret;
		unsigned int maj, min;
	} rows[] = {
		{ "6.1.0-18-amd64", 0, 6, 1 }, { "6.12.9+deb12-cloud-amd64", 0, 6, 12 },
		{ "5.18", 0, 5, 18 },	       { "4.9.0", 0, 4, 9 },
		{ "v6.1", -EINVAL, 0, 0 },     { "6", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },	       { "6.x", -EINVAL, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		unsigned int maj = 99, min = 99;
		int r = plan_kernel_version(rows[i].s, &maj, &min);

		if (r != rows[i].ret)
			fail_msg("'%s': %d", rows[i].s, r);
		if (r == 0 && (maj != rows[i].maj || min != rows[i].min))
			fail_msg("'%s': %u.%u", rows[i].s, maj, min);
		if (r < 0 && (maj != 99 || min != 99))
			fail_msg("'%s': outputs touched on failure", rows[i].s);
	}
}

static void test_extra(void **state)
{
	static const struct {
		const char *extra;
		int ret;
		const char *msg; /* error piece, or a piece of the resulting line */
	} rows[] = {
		{ "mitigations=off", 0, " mitigations=off" },
		{ "mitigations=off  audit=0", 0, " mitigations=off audit=0" },
		{ "nosoftlockup", 0, NULL },	  /* already there: warned, not doubled */
		{ "idle=poll", 0, " idle=poll" }, /* latency-only, consistent with benchmark */
		{ "skew_tick=0", -EINVAL, "contradicts" },
		{ "isolcpus=1-3", -EINVAL, "derived from the plan" },
		{ "systemd.cpu_affinity=0", -EINVAL, "derived from the plan" },
		{ "rd.earlypin.cpus=0", -EINVAL, "derived from the plan" },
		{ "foo=$(reboot)", -EINVAL, "not allowed" },
		{ "foo=`id`", -EINVAL, "not allowed" },
		{ "foo=\"a b\"", -EINVAL, "not allowed" },
		{ "foo='a'", -EINVAL, "not allowed" },
		{ "a=1;b=2", -EINVAL, "not allowed" },
		{ "a=1\nb=2", -EINVAL, "control character" },
		{ "a=\x01", -EINVAL, "control character" },
		{ "a=1\\", -EINVAL, "not allowed" },
		{ "a=1 a=2", -EINVAL, "twice" },
		{ "-- init", -EINVAL, "not a parameter name" },
		{ "a/b=1", -EINVAL, "not a parameter name" },
		{ "nosmt", -EINVAL, "use --nosmt" },
		{ "a=1\tb=2", 0, " a=1 b=2" },
	};
	struct plan_options o;

	(void)state;
	fx_load(FIX "smt2-2node");
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		int r;

		plan_options_init(&o);
		o.extra = rows[i].extra;
		r = fx_plan(&o);
		if (r != rows[i].ret)
			fail_msg("row %zu '%s': %d (%s)", i, rows[i].extra, r,
				 fx.err ? fx.err : "");
		if (r < 0 && !strstr(fx.err, rows[i].msg))
			fail_msg("row %zu: '%s' lacks '%s'", i, fx.err, rows[i].msg);
		if (r == 0 && rows[i].msg && !strstr(fx.plan->cmdline, rows[i].msg))
			fail_msg("row %zu: '%s' not in '%s'", i, rows[i].msg, fx.plan->cmdline);
		if (r == 0 && !rows[i].msg) {
			assert_int_equal(kparams_count(&fx.plan->params, rows[i].extra), 1);
			assert_true(has_warning("already in the plan"));
		}
	}
}

static void test_size_limit(void **state)
{
	struct plan_options o;
	char *big;

	(void)state;
	fx_load(FIX "smt2-2node");
	plan_options_init(&o);
	assert_int_equal(fx_plan(&o), 0);
	big = malloc(PLAN_CMDLINE_MAX + 16);
	assert_non_null(big);
	/* exactly at the limit: the line is 2047 bytes + NUL */
	strcpy(big, "x=");
	memset(big + 2, 'a', PLAN_CMDLINE_MAX - 1 - strlen(fx.plan->cmdline) - 1 - 2);
	big[PLAN_CMDLINE_MAX - 1 - strlen(fx.plan->cmdline) - 1] = '\0';
	o.extra = big;
	assert_int_equal(fx_plan(&o), 0);
	assert_int_equal(strlen(fx.plan->cmdline), PLAN_CMDLINE_MAX - 1);
	/* one more byte is refused */
	strcat(big, "a");
	assert_int_equal(fx_plan(&o), -E2BIG);
	assert_non_null(strstr(fx.err, "2048"));
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_default, fx_teardown),
		cmocka_unit_test_teardown(test_hybrid, fx_teardown),
		cmocka_unit_test_teardown(test_nothing_to_isolate, fx_teardown),
		cmocka_unit_test_teardown(test_overrides, fx_teardown),
		cmocka_unit_test_teardown(test_nosmt, fx_teardown),
		cmocka_unit_test_teardown(test_profiles, fx_teardown),
		cmocka_unit_test_teardown(test_kernel_config, fx_teardown),
		cmocka_unit_test(test_kernel_config_unreadable),
		cmocka_unit_test(test_kernel_version),
		cmocka_unit_test_teardown(test_extra, fx_teardown),
		cmocka_unit_test_teardown(test_size_limit, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fam15h_compute_units, fam15h_setup,
						fam15h_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
