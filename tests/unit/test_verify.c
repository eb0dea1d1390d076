// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify check logic: the cmdline rules, the irq-activity arithmetic
 * (deltas, wraps, resets, IRQs appearing and vanishing, CPUs losing their
 * column), the task rules (pinned, --allow, per-CPU kthreads, unreadable
 * affinity), the verdict order, the jitter histogram and gap counts, the
 * SMI and /proc/stat samplers. Roots are written into a temporary directory
 * per test.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#include "../../verify/verify.h"
#include "taskstat.h"

static char root[256];

static __attribute__((format(printf, 2, 3))) void put(const char *path, const char *fmt, ...)
{
	char full[512], *slash;
	va_list ap;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (slash = full + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(full, 0755);
		*slash = '/';
	}
	f = fopen(full, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/test_verify.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	put("/sys/devices/system/cpu/possible", "0-7\n");
	put("/sys/devices/system/cpu/online", "0-7\n");
	put("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	return 0;
}

static int teardown(void **state)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static struct verify *verify_new(const char *cmdline)
{
	struct verify *v = malloc(sizeof(*v));

	assert_non_null(v);
	put("/proc/cmdline", "%s\n", cmdline);
	verify_init(v);
	assert_int_equal(path_cxt_init(&v->pc, root), 0);
	expectation_load(&v->expect, &v->pc);
	return v;
}

static void verify_del(struct verify *v)
{
	verify_free(v);
	free(v);
}

static bool has_problem(const struct check *c, const char *needle)
{
	json_object *arr, *o, *m;

	if (c->message && strstr(c->message, needle))
		return true;
	if (!json_object_object_get_ex(c->details, "problems", &arr))
		return false;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		o = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(o, "message", &m) &&
		    strstr(json_object_get_string(m), needle))
			return true;
	}
	return false;
}

static int bad;
#define case_fail(...)                    \
	do {                              \
		print_error(__VA_ARGS__); \
		print_error("\n");        \
		bad++;                    \
	} while (0)

/* --- cmdline --------------------------------------------------------------- */

static void test_cmdline(void **state)
{
	static const struct {
		const char *cmdline;
		enum vstatus status;
		const char *needle;
	} t[] = {
		{ "ro isolcpus=domain,managed_irq,2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1",
		  VS_OK, "agree" },
		/* the parser peers get wrong: flags before a range */
		{ "isolcpus=managed_irq,2-5 nohz_full=2-5 rcu_nocbs=2-5 irqaffinity=0-1,6-7",
		  VS_WARNING, "no 'domain'" },
		{ "isolcpus=nohz,managed_irq,2-5 nohz_full=2-5 rcu_nocbs=2-5 irqaffinity=0-1,6-7",
		  VS_WARNING, "no 'domain'" },
		{ "isolcpus=2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1", VS_WARNING,
		  "managed_irq" },
		{ "quiet splash", VS_CRITICAL, "no CPU is isolated" },
		{ "", VS_CRITICAL, "no CPU is isolated" },
		{ "isolcpus=domain,managed_irq,0-3 nohz_full=0-3 rcu_nocbs=0-3 irqaffinity=4-7",
		  VS_CRITICAL, "boot CPU 0" },
		{ "isolcpus=dom@in,2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1", VS_CRITICAL,
		  "ignored by the kernel" },
		{ "isolcpus=domain,managed_irq,N-7 nohz_full=2-7", VS_CRITICAL,
		  "ignored by the kernel" },
		{ "isolcpus=domain,managed_irq,2-7 nohz_full=2-x rcu_nocbs=2-7 irqaffinity=0-1",
		  VS_CRITICAL, "nohz_full=2-x is not a valid" },
		{ "isolcpus=domain,managed_irq,2-7 nohz_full=2-7 rcu_nocbs=7-2 irqaffinity=0-1",
		  VS_CRITICAL, "offloads RCU callbacks of every CPU" },
		{ "isolcpus=domain,managed_irq,2-7 nohz_full=2-7 irqaffinity=0-2", VS_CRITICAL,
		  "irqaffinity= includes isolated CPUs 2" },
		{ "isolcpus=domain,managed_irq,2-7 nohz_full=2-7 irqaffinity=0", VS_WARNING,
		  "not the housekeeping set" },
		{ "isolcpus=domain,managed_irq,2-7 nohz_full=2-7 rcu_nocbs=2-7", VS_WARNING,
		  "no irqaffinity=" },
		{ "isolcpus=domain,managed_irq,2-7 rcu_nocbs=2-7 irqaffinity=0-1", VS_WARNING,
		  "no nohz_full=" },
		{ "nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1", VS_WARNING, "no isolcpus=" },
		{ "isolcpus=domain,managed_irq,2-7 nohz_full=4-7 irqaffinity=0-1", VS_WARNING,
		  "name different CPUs" },
		{ "isolcpus=domain,managed_irq,2-7 irqaffinity=0-1", VS_WARNING,
		  "neither rcu_nocbs= nor nohz_full=" },
		{ "isolcpus=domain,managed_irq,2-7 nohz_full=2-7 rcu_nocbs=2-3 irqaffinity=0-1",
		  VS_WARNING, "does not cover" },
		{ "isolcpus=domain,managed_irq,2-9 nohz_full=2-9 irqaffinity=0-1", VS_CRITICAL,
		  "ignored by the kernel" },
		{ "isolcpus=domain,managed_irq,0-7 nohz_full=0-7", VS_CRITICAL,
		  "no housekeeping CPU" },
		{ "isolcpus=domain,bogus,managed_irq,2-7 nohz_full=2-7 irqaffinity=0-1", VS_WARNING,
		  "unknown flag" },
		/* the last occurrence wins, as in the kernel */
		{ "isolcpus=3 isolcpus=domain,managed_irq,2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1",
		  VS_OK, "agree" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct verify *v = verify_new(t[i].cmdline);
		struct check *c = &v->checks[CHK_CMDLINE];

		check_cmdline(v, c);
		if (c->status != t[i].status || !has_problem(c, t[i].needle))
			case_fail("'%s': %s '%s', expected %s with '%s'", t[i].cmdline,
				  vstatus_name(c->status), c->message, vstatus_name(t[i].status),
				  t[i].needle);
		verify_del(v);
	}
	if (bad)
		fail_msg("%d row(s) failed", bad);
}

/* Before 5.18 the kernel ignores the later of two different lists: critical. */
static void test_cmdline_old_kernel(void **state)
{
	struct verify *v;

	put("/proc/sys/kernel/osrelease", "5.10.0-28-amd64\n");
	v = verify_new("isolcpus=domain,managed_irq,2-7 nohz_full=4-7 irqaffinity=0-1");
	check_cmdline(v, &v->checks[CHK_CMDLINE]);
	assert_int_equal(v->checks[CHK_CMDLINE].status, VS_CRITICAL);
	assert_non_null(strstr(v->checks[CHK_CMDLINE].message, "before 5.18"));
	verify_del(v);
}

static void test_cmdline_unreadable(void **state)
{
	struct verify *v = verify_new("x");

	/* A root without /proc/cmdline: unknown, never ok. */
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/proc/cmdline", root);
		unlink(p);
		expectation_free(&v->expect);
		expectation_load(&v->expect, &v->pc);
	}
	check_cmdline(v, &v->checks[CHK_CMDLINE]);
	assert_int_equal(v->checks[CHK_CMDLINE].status, VS_UNKNOWN);
	check_kernel(v, &v->checks[CHK_KERNEL]);
	assert_int_equal(v->checks[CHK_KERNEL].status, VS_UNKNOWN);
	assert_int_equal(verify_verdict(v), VS_UNKNOWN);
	verify_del(v);
}

/* --- irq-activity ------------------------------------------------------------ */

#define HDR "      CPU0       CPU1       CPU2       CPU3\n"
#define ISO "isolcpus=domain,managed_irq,2-3 nohz_full=2-3 rcu_nocbs=2-3 irqaffinity=0-1"

static struct verify *activity(const char *s0, const char *s1, enum vstatus want,
			       const char *needle)
{
	struct verify *v;
	struct check *c;

	put("/sys/devices/system/cpu/possible", "0-3\n");
	put("/sys/devices/system/cpu/online", "0-3\n");
	v = verify_new(ISO);
	c = &v->checks[CHK_IRQ_ACTIVITY];
	assert_int_equal(interrupts_parse(s0, &v->irq[0]), 0);
	assert_int_equal(interrupts_parse(s1, &v->irq[1]), 0);
	v->sampled = true;
	v->elapsed = 2.0;
	check_irq_activity(v, c);
	if (c->status != want || (needle && !has_problem(c, needle)))
		fail_msg("got %s '%s', expected %s with '%s'", vstatus_name(c->status), c->message,
			 vstatus_name(want), needle ?: "");
	return v;
}

static void test_activity_quiet(void **state)
{
	const char *s = HDR " 24: 100 0 17 0   PCI-MSI 0-edge      eth0-rx-0\n"
			    "LOC: 5000 4000 900 800   Local timer interrupts\n";
	const char *s1 = HDR " 24: 900 0 17 0   PCI-MSI 0-edge      eth0-rx-0\n"
			     "LOC: 5500 4500 902 801   Local timer interrupts\n";
	struct verify *v = activity(s, s1, VS_OK, "no device IRQ");
	json_object *cpus, *cpu2, *loc;

	/* The LOC rate of CPU 2 is reported: 2 ticks in 2 s. */
	assert_true(json_object_object_get_ex(v->checks[CHK_IRQ_ACTIVITY].details, "isolated_cpus",
					      &cpus));
	assert_true(json_object_object_get_ex(cpus, "2", &cpu2));
	assert_true(json_object_object_get_ex(cpu2, "LOC", &loc));
	assert_true(json_object_get_double(loc) > 0.99 && json_object_get_double(loc) < 1.01);
	verify_del(v);
}

static void test_activity_device_irq(void **state)
{
	const char *s0 = HDR " 24: 100 0 17 0   PCI-MSI 0-edge      eth0-rx-0\n";
	const char *s1 = HDR " 24: 100 0 20 0   PCI-MSI 0-edge      eth0-rx-0\n";

	verify_del(activity(s0, s1, VS_CRITICAL,
			    "IRQ 24 (eth0-rx-0) fired 3 times on isolated CPU 2"));
}

static void test_activity_tick(void **state)
{
	const char *s0 = HDR "LOC: 5000 4000 900 800   Local timer interrupts\n";
	const char *s1 = HDR "LOC: 5500 4500 1400 801   Local timer interrupts\n";

	verify_del(activity(s0, s1, VS_WARNING, "tick is not stopped on nohz_full CPU 2"));
}

/*
 * The tick ran while IPIs came in: the warning names them (the verifier's own
 * MSR reads once did this, and the message then pointed only at tasks).
 */
static void test_activity_tick_ipis(void **state)
{
	const char *s0 = HDR "LOC: 5000 4000 900 800   Local timer interrupts\n"
			     "CAL: 10 10 40 40   Function call interrupts\n";
	const char *s1 = HDR "LOC: 5500 4500 906 801   Local timer interrupts\n"
			     "CAL: 10 10 62 40   Function call interrupts\n";

	verify_del(activity(
		s0, s1, VS_WARNING,
		"CPU 2: 3.0 local timer interrupts/s, and it took 11.0 IPIs/s (CAL 11.0, RES 0.0, TLB 0.0)"));
}

/* 0xfffffff0 -> 0x2 on CPU 3 is 18 events in 2 s: a wrap, not a reset. */
static void test_activity_wrap(void **state)
{
	const char *s0 = HDR "LOC: 5000 4000 900 4294967280   Local timer interrupts\n";
	const char *s1 = HDR "LOC: 5500 4500 901 2   Local timer interrupts\n";

	verify_del(activity(s0, s1, VS_WARNING, "nohz_full CPU 3: 9.0 local timer"));
}

static void test_activity_wrap_device(void **state)
{
	const char *s0 = HDR " 24: 1 0 4294967295 0   PCI-MSI 0-edge      eth0\n";
	const char *s1 = HDR " 24: 1 0 1 0   PCI-MSI 0-edge      eth0\n";

	verify_del(activity(s0, s1, VS_CRITICAL, "fired 2 times on isolated CPU 2"));
}

static void test_activity_reset(void **state)
{
	const char *s0 = HDR "LOC: 5000 4000 90000000000 800   Local timer interrupts\n";
	const char *s1 = HDR "LOC: 5500 4500 5 801   Local timer interrupts\n";

	verify_del(activity(s0, s1, VS_UNKNOWN, "went backwards"));
}

/* An IRQ set up during the interval: all its counts are new. */
static void test_activity_appeared(void **state)
{
	const char *s0 = HDR " 24: 1 0 0 0   PCI-MSI 0-edge      eth0\n";
	const char *s1 = HDR " 24: 1 0 0 0   PCI-MSI 0-edge      eth0\n"
			     " 31: 0 0 0 4   PCI-MSI 1-edge      nvme0q4\n";

	verify_del(
		activity(s0, s1, VS_CRITICAL, "IRQ 31 (nvme0q4) fired 4 times on isolated CPU 3"));
}

/* The same number now belongs to another device: its counts start from zero. */
static void test_activity_replaced(void **state)
{
	const char *s0 = HDR " 24: 1 0 50 0   PCI-MSI 0-edge      eth0\n";
	const char *s1 = HDR " 24: 1 0 0 0   PCI-MSI 0-edge      nvme0q1\n";

	verify_del(activity(s0, s1, VS_OK, NULL));
}

static void test_activity_vanished(void **state)
{
	const char *s0 = HDR " 24: 1 0 50 0   PCI-MSI 0-edge      eth0\n";
	const char *s1 = HDR;
	struct verify *v = activity(s0, s1, VS_OK, NULL);
	json_object *notes;

	assert_true(
		json_object_object_get_ex(v->checks[CHK_IRQ_ACTIVITY].details, "notes", &notes));
	assert_non_null(strstr(json_object_to_json_string(notes), "IRQ 24 vanished"));
	verify_del(v);
}

/* CPU 3 went offline during the interval: its column is gone, nothing can be said. */
static void test_activity_cpu_lost(void **state)
{
	const char *s0 = HDR "LOC: 5000 4000 900 800   Local timer interrupts\n";
	const char *s1 =
		"      CPU0       CPU1       CPU2\nLOC: 5000 4000 900   Local timer interrupts\n";

	verify_del(activity(s0, s1, VS_UNKNOWN, "isolated CPU 3 has no column"));
}

static void test_activity_interval0(void **state)
{
	struct verify *v = verify_new(ISO);

	v->opt.interval = 0;
	check_irq_activity(v, &v->checks[CHK_IRQ_ACTIVITY]);
	assert_int_equal(v->checks[CHK_IRQ_ACTIVITY].status, VS_SKIPPED);
	check_hk_load(v, &v->checks[CHK_HK_LOAD]);
	assert_int_equal(v->checks[CHK_HK_LOAD].status, VS_SKIPPED);
	verify_del(v);
}

static void test_activity_unreadable(void **state)
{
	struct verify *v = verify_new(ISO);

	v->irq_err[1] = -EACCES;
	v->sampled = true;
	v->elapsed = 2;
	check_irq_activity(v, &v->checks[CHK_IRQ_ACTIVITY]);
	assert_int_equal(v->checks[CHK_IRQ_ACTIVITY].status, VS_UNKNOWN);
	verify_del(v);
}

/* --- tasks ------------------------------------------------------------------- */

static void add_task(struct verify *v, int pid, int tid, const char *comm, uint32_t flags, int cpu,
		     const char *allowed)
{
	struct tasklist_v *tl = &v->tasks;
	struct vtask *t;
	cpuset_t set;

	tl->v = realloc(tl->v, (tl->n + 1) * sizeof(*tl->v));
	assert_non_null(tl->v);
	t = &tl->v[tl->n++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
	t->flags = flags;
	t->cpu = cpu;
	t->affinity_ok = allowed != NULL;
	if (allowed) {
		assert_int_equal(cpuset_parse_list(allowed, 0, &set), 0);
		t->allowed_isolated = cpuset_intersects(&set, &v->expect.isolated);
		t->allowed_housekeeping_only = cpuset_subset(&set, &v->expect.housekeeping);
		t->allowed = strdup(allowed);
	}
	tl->threads_total++;
}

static struct verify *tasks_base(void)
{
	struct verify *v;

	put("/sys/devices/system/cpu/possible", "0-3\n");
	put("/sys/devices/system/cpu/online", "0-3\n");
	v = verify_new(ISO);
	add_task(v, 1, 1, "systemd", 0x400100, 0, "0-1");
	add_task(v, 2, 2, "kthreadd", PF_KTHREAD, 1, "0-1");
	add_task(v, 22, 22, "ksoftirqd/2", PF_KTHREAD | PF_NO_SETAFFINITY, 2, "2");
	add_task(v, 16, 16, "rcuop/2", PF_KTHREAD, 0, "0-1");
	add_task(v, 17, 17, "rcuop/3", PF_KTHREAD, 0, "0-1");
	return v;
}

static void test_tasks_ok(void **state)
{
	struct verify *v = tasks_base();

	check_tasks(v, &v->checks[CHK_TASKS]);
	assert_int_equal(v->checks[CHK_TASKS].status, VS_OK);
	check_rcu(v, &v->checks[CHK_RCU]);
	assert_int_equal(v->checks[CHK_RCU].status, VS_OK);
	verify_del(v);
}

static void test_tasks_pinned(void **state)
{
	struct verify *v = tasks_base();
	struct check *c = &v->checks[CHK_TASKS];

	add_task(v, 500, 500, "sleep", 0x400100, 3, "3");
	check_tasks(v, c);
	assert_int_equal(c->status, VS_CRITICAL);
	/* The message names the pinned process first. */
	assert_non_null(strstr(c->message, "process 500 (sleep) is pinned to isolated CPUs 3"));
	verify_del(v);
}

static void test_tasks_allow(void **state)
{
	static char *allow[] = { "trad*" };
	struct verify *v = tasks_base();
	struct check *c = &v->checks[CHK_TASKS];

	add_task(v, 500, 500, "trader", 0x400100, 3, "2-3");
	add_task(v, 500, 501, "worker", 0x400100, 2, "2"); /* a thread of the allowed process */
	v->opt.allow = allow;
	v->opt.nallow = 1;
	check_tasks(v, c);
	assert_int_equal(c->status, VS_OK);
	assert_non_null(strstr(c->message, "2 workload threads allowed"));
	v->opt.allow = NULL;
	v->opt.nallow = 0;
	verify_del(v);
}

static void test_tasks_unpinned(void **state)
{
	struct verify *v = tasks_base();
	struct check *c = &v->checks[CHK_TASKS];

	add_task(v, 600, 600, "cron", 0x400100, 3, "0-3");
	add_task(v, 30, 30, "khugepaged", PF_KTHREAD, 2, "0-3");
	check_tasks(v, c);
	assert_int_equal(c->status, VS_CRITICAL);
	assert_true(has_problem(c, "2 movable threads (1 kthreads) in 2 processes"));
	assert_true(has_problem(c, "2 running there now"));
	verify_del(v);
}

static void test_tasks_unknown(void **state)
{
	struct verify *v = tasks_base();

	add_task(v, 600, 600, "cron", 0x400100, 0, NULL);
	check_tasks(v, &v->checks[CHK_TASKS]);
	assert_int_equal(v->checks[CHK_TASKS].status, VS_UNKNOWN);
	verify_del(v);
}

static void test_rcu(void **state)
{
	struct verify *v = tasks_base();

	/* rcuop/3 allowed everywhere, and no offload thread for CPU 3 at all in the second case. */
	v->tasks.v[4].allowed_housekeeping_only = false;
	check_rcu(v, &v->checks[CHK_RCU]);
	assert_int_equal(v->checks[CHK_RCU].status, VS_CRITICAL);
	assert_true(has_problem(&v->checks[CHK_RCU], "rcuop/3"));
	verify_del(v);

	v = tasks_base();
	free(v->tasks.v[4].allowed);
	v->tasks.n--;
	check_rcu(v, &v->checks[CHK_RCU]);
	assert_int_equal(v->checks[CHK_RCU].status, VS_CRITICAL);
	assert_true(has_problem(&v->checks[CHK_RCU], "isolated CPUs 3 are not offloaded"));
	verify_del(v);
}

/* --- partition ------------------------------------------------------------------- */

/* A top-level cgroup of the unified hierarchy below root. */
static void put_cgroup(const char *name, const char *partition, const char *cpus)
{
	char dir[128], path[256];

	snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", name);
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	put(path, "%s", "");
	snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
	put(path, "cpuset memory\n");
	snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", dir);
	put(path, "%s\n", partition);
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	put(path, "%s\n", cpus);
	snprintf(path, sizeof(path), "%s/cpuset.cpus.effective", dir);
	put(path, "%s\n", cpus);
}

/*
 * Two top-level partitions, a deeper one only the root's cpuset.cpus.isolated
 * shows (6.8+), boot isolation overlapping one of them: each CPU said once,
 * with how it is isolated, and the warnings only for CPUs the command line
 * does not cover.
 */
static void test_partition_summary(void **state)
{
	struct verify *v;
	struct check *c;
	json_object *o;

	put("/proc/sys/kernel/osrelease", "6.12.38+deb13-amd64\n");
	put("/proc/self/mountinfo",
	    "35 1 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
	put("/sys/fs/cgroup/cgroup.controllers", "cpuset memory\n");
	put("/sys/fs/cgroup/cgroup.subtree_control", "cpuset memory\n");
	put("/sys/fs/cgroup/cgroup.procs", "1\n");
	put("/sys/fs/cgroup/cpuset.cpus.isolated", "2-4,6\n");
	put("/sys/devices/virtual/workqueue/cpumask_isolated", "5c\n");
	put_cgroup("b.slice", "isolated", "3-4");
	put_cgroup("a", "isolated", "2");
	put_cgroup("system.slice", "member", "");
	v = verify_new("isolcpus=domain,managed_irq,4-5 nohz_full=4-5 rcu_nocbs=4-5");
	c = &v->checks[CHK_PARTITION];
	check_partition(v, c);
	assert_string_equal(expectation_isolation(&v->expect), "both");
	assert_int_equal(c->status, VS_WARNING);
	assert_true(json_object_object_get_ex(c->details, "summary", &o));
	assert_string_equal(
		json_object_get_string(o),
		"CPUs 2 isolated at run time by partition /a; CPUs 4 isolated at run time by partition /b.slice and at boot; CPUs 3 isolated at run time by partition /b.slice; CPUs 6 isolated at run time by a partition below the top level (cpuset.cpus.isolated); CPUs 5 isolated at boot");
	assert_true(has_problem(
		c,
		"the scheduler tick keeps running on CPUs 2-3,6, isolated at run time by partitions /a, /b.slice and a partition below the top level (cpuset.cpus.isolated): "));
	assert_true(has_problem(c, "RCU callbacks still run on CPUs 2-3,6,"));
	assert_true(has_problem(
		c, "managed IRQs (multi-queue devices) may still be routed to CPUs 2-3,6,"));
	/* every check expects the union quiet, the command line's checks its own part */
	assert_true(cpuset_test(&v->expect.isolated, 6) && cpuset_test(&v->expect.isolated, 5));
	assert_false(cpuset_test(&v->expect.housekeeping, 2));
	assert_true(cpuset_test(&v->expect.cmdline_housekeeping, 2));
	verify_del(v);
}

/*
 * The tasks check against a partition, on tasks listed without their /proc
 * files: a task gone before its cgroup is read is skipped, one whose /proc
 * is there without a cgroup file is unknown.
 */
static void test_partition_tasks(void **state)
{
	struct verify *v;
	struct check *c;

	put("/proc/self/mountinfo",
	    "35 1 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
	put("/sys/fs/cgroup/cgroup.controllers", "cpuset memory\n");
	put("/sys/fs/cgroup/cgroup.subtree_control", "cpuset memory\n");
	put("/sys/fs/cgroup/cgroup.procs", "1\n");
	put_cgroup("quietcore-isolated", "isolated", "6-7");
	v = verify_new(ISO);
	c = &v->checks[CHK_TASKS];
	add_task(v, 700, 700, "bench", 0x400100, 6, "6-7");
	put("/proc/700/cgroup", "0::/quietcore-isolated/run.scope\n");
	add_task(v, 701, 701, "gone", 0x400100, 6, "0-1,6-7");
	check_tasks(v, c);
	assert_int_equal(c->status, VS_OK);
	assert_non_null(strstr(c->message, "1 in their partition"));

	put("/proc/701/task/701/stat", "701 (gone) S\n"); /* still there: its cgroup is unknown */
	check_free(c);
	check_init(c, "tasks");
	check_tasks(v, c);
	assert_int_equal(c->status, VS_UNKNOWN);
	assert_true(has_problem(c, "/proc/701/cgroup: No such file or directory"));

	put("/proc/701/cgroup", "0::/system.slice/gone.service\n");
	check_free(c);
	check_init(c, "tasks");
	check_tasks(v, c);
	assert_int_equal(c->status, VS_CRITICAL);
	assert_true(has_problem(
		c,
		"process 701 (gone) of cgroup /system.slice/gone.service may run on CPUs 6-7 isolated at run time by partition /quietcore-isolated but is not in it"));
	verify_del(v);
}

/* --- verdict and helpers --------------------------------------------------------- */

static void test_verdict(void **state)
{
	struct verify *v = verify_new(ISO);

	for (int i = 0; i < CHK_COUNT; i++)
		check_skip(&v->checks[i], "x");
	check_ok(&v->checks[0], "fine");
	assert_int_equal(verify_verdict(v), VS_OK);
	check_problem(&v->checks[1], VS_UNKNOWN, "u");
	assert_int_equal(verify_verdict(v), VS_UNKNOWN);
	check_problem(&v->checks[2], VS_WARNING, "w");
	assert_int_equal(verify_verdict(v), VS_WARNING);
	check_problem(&v->checks[3], VS_CRITICAL, "c");
	assert_int_equal(verify_verdict(v), VS_CRITICAL);
	/* Within a check the worst problem is the message, the first of equals stays. */
	check_problem(&v->checks[4], VS_WARNING, "first warning");
	check_problem(&v->checks[4], VS_WARNING, "second warning");
	assert_string_equal(v->checks[4].message, "first warning");
	check_problem(&v->checks[4], VS_CRITICAL, "critical");
	check_problem(&v->checks[4], VS_WARNING, "third warning");
	assert_string_equal(v->checks[4].message, "critical");
	assert_int_equal(v->checks[4].status, VS_CRITICAL);
	/* ok after a problem changes nothing */
	check_ok(&v->checks[4], "fine");
	assert_string_equal(v->checks[4].message, "critical");
	verify_del(v);
}

static void test_jhist(void **state)
{
	struct jhist *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	for (uint64_t i = 1; i <= 1000; i++)
		jhist_add(h, 20);
	jhist_add(h, 50000);
	assert_int_equal(jhist_quantile(h, 0.5), 20);
	assert_int_equal(jhist_quantile(h, 0.99), 20);
	assert_int_equal(h->max, 50000);
	/* 1 of 1001 is above 99.9 %: p99.9 still 20, p100 the max. */
	assert_int_equal(jhist_quantile(h, 0.999), 20);
	assert_int_equal(jhist_quantile(h, 1.0), 50000);

	memset(h, 0, sizeof(*h));
	for (uint64_t i = 1; i <= 100000; i++)
		jhist_add(h, i);
	/* within the 1/32 bucket resolution, never below the truth */
	for (double q = 0.1; q < 1.0; q += 0.1) {
		uint64_t got = jhist_quantile(h, q), want = (uint64_t)(q * 100000);

		assert_true(got + 1 >= want);
		assert_true(got <= want + want / 16 + 1);
	}
	free(h);
}

/* The probe's exact gap counts: thresholds in ticks, then synthetic gaps against them. */
static void test_jitter_gaps(void **state)
{
	const double rates[] = { 1.0, 0.5, 1.0 / 2445.0 * 1000.0, 1.0 / 3.0, 0.409000000001, 7.0 };
	struct jitter_gaps g;

	assert_int_equal(JITTER_GAP_THRESHOLDS, 5);
	assert_int_equal(jitter_gap_us[0], 5);
	assert_int_equal(jitter_gap_us[4], 100);
	/* the least tick count that converts (as the maximum does) to at least the threshold */
	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		jitter_gaps_init(&g, rates[r]);
		for (unsigned int k = 0; k < JITTER_GAP_THRESHOLDS; k++) {
			double ns = jitter_gap_us[k] * 1000.0;

			assert_true((double)g.at[k] * rates[r] >= ns);
			assert_true((double)(g.at[k] - 1) * rates[r] < ns);
			assert_int_equal(g.n[k], 0);
		}
	}
	jitter_gaps_init(&g, 0.5); /* a 2 GHz TSC: 10,000 ticks are 5 us */
	assert_int_equal(g.at[0], 10000);
	assert_int_equal(g.at[4], 200000);

	/* ns clocks: at least, not more than */
	jitter_gaps_init(&g, 1.0);
	assert_int_equal(g.at[0], 5000);
	assert_int_equal(g.at[1], 10000);
	jitter_gaps_add(&g, 4999); /* below the first: neither counted nor timed */
	jitter_gaps_add(&g, 30);
	assert_int_equal(g.n[0], 0);
	assert_int_equal(g.ticks, 0);
	jitter_gaps_add(&g, 5000);
	jitter_gaps_add(&g, 9999);
	jitter_gaps_add(&g, 10000);
	jitter_gaps_add(&g, 49999);
	jitter_gaps_add(&g, 50000);
	jitter_gaps_add(&g, 100000);
	jitter_gaps_add(&g, 5000000000ULL); /* a 5 s preemption */
	assert_int_equal(g.n[0], 7);
	assert_int_equal(g.n[1], 5);
	assert_int_equal(g.n[2], 4);
	assert_int_equal(g.n[3], 3);
	assert_int_equal(g.n[4], 2);
	assert_int_equal(g.ticks, 5000ULL + 9999 + 10000 + 49999 + 50000 + 100000 + 5000000000ULL);

	/* a coarse clock (7 ns a tick): 715 ticks = 5005 ns count, 714 = 4998 ns do not */
	jitter_gaps_init(&g, 7.0);
	assert_int_equal(g.at[0], 715);
	jitter_gaps_add(&g, 714);
	jitter_gaps_add(&g, 715);
	assert_int_equal(g.n[0], 1);
	assert_int_equal(g.n[1], 0);
}

static void test_smi(void **state)
{
	struct smi_sample s;
	cpuset_t cpus;
	uint64_t val = 7;
	char p[512];
	int fd;

	put("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n\n");
	cpuset_parse_list("2", 0, &cpus);
	{
		struct path_cxt pc;

		assert_int_equal(path_cxt_init(&pc, root), 0);
		smi_read(&pc, &cpus, NULL, &s);
		assert_false(s.ok);
		assert_non_null(strstr(s.reason, "Intel CPUs only"));
		smi_free(&s);

		put("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n\n");
		smi_read(&pc, &cpus, NULL, &s);
		assert_false(s.ok); /* no msr file */
		assert_non_null(strstr(s.reason, "/dev/cpu/2/msr"));
		smi_free(&s);

		put("/dev/cpu/2/msr", "%s", "");
		snprintf(p, sizeof(p), "%s/dev/cpu/2/msr", root);
		fd = open(p, O_WRONLY);
		assert_true(fd >= 0);
		val = 0x500000007ULL; /* only the low 32 bits are the count */
		assert_int_equal(pwrite(fd, &val, sizeof(val), 0x34), sizeof(val));
		close(fd);
		smi_read(&pc, &cpus, NULL, &s);
		assert_true(s.ok);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.count[0], 7);
		smi_free(&s);
	}
}

static void test_cpustat(void **state)
{
	struct cpustat_sample s;
	struct path_cxt pc;

	put("/proc/stat",
	    "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 10 0 10 70 10 0 0 0 0 0\ncpu3 1 1 1 1\nintr 5\n");
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(cpustat_read(&pc, &s), 0);
	assert_int_equal(s.n, 4);
	assert_true(s.cpu[0].present);
	assert_false(s.cpu[1].present);
	assert_int_equal(s.cpu[0].total, 100);
	assert_int_equal(s.cpu[0].busy, 20);
	assert_int_equal(s.cpu[3].total, 4);
	cpustat_free(&s);
	put("/proc/stat", "garbage\n");
	assert_int_equal(cpustat_read(&pc, &s), -EINVAL);
}

/*
 * The verifier's own work between the samples is not housekeeping load: CPU 0
 * busy 95 of 100 ticks, 90 of them the verifier's (pinned there), is 5%.
 */
static void test_hk_load_self(void **state)
{
	struct verify *v;
	struct check *c;

	put("/sys/devices/system/cpu/possible", "0-3\n");
	put("/sys/devices/system/cpu/online", "0-3\n");
	v = verify_new(ISO);
	c = &v->checks[CHK_HK_LOAD];
	for (int i = 0; i < 2; i++) {
		v->stat[i].n = 4;
		v->stat[i].cpu = calloc(4, sizeof(*v->stat[i].cpu));
		assert_non_null(v->stat[i].cpu);
		for (int cpu = 0; cpu < 4; cpu++) {
			v->stat[i].cpu[cpu].present = true;
			v->stat[i].cpu[cpu].total = i ? 1100 : 1000;
			v->stat[i].cpu[cpu].busy = i ? 500 + (cpu == 0 ? 95 : 10) : 500;
		}
	}
	v->sampled = true;
	v->elapsed = 1;
	check_hk_load(v, c);
	assert_int_equal(c->status, VS_WARNING); /* not pinned: all 95% count */
	check_free(c);
	check_init(c, "housekeeping-load");
	v->self_cpu = 0;
	v->self_ticks = 90;
	check_hk_load(v, c);
	assert_int_equal(c->status, VS_OK);
	check_free(c);
	check_init(c, "housekeeping-load");
	v->self_ticks = 500; /* more than was counted (tick sampling): never below 0 */
	check_hk_load(v, c);
	assert_int_equal(c->status, VS_OK);
	check_free(c);
	check_init(c, "housekeeping-load");
	v->self_cpu = 1; /* pinned elsewhere: CPU 0's load stays */
	check_hk_load(v, c);
	assert_int_equal(c->status, VS_WARNING);
	verify_del(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hk_load_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_old_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_device_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_tick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_tick_ipis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_wrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_wrap_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_appeared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_vanished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_cpu_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_interval0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_allow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_unpinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rcu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partition_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partition_tasks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verdict, setup, teardown),
		cmocka_unit_test(test_jhist),
		cmocka_unit_test(test_jitter_gaps),
		cmocka_unit_test_setup_teardown(test_smi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpustat, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
