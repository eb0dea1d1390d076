// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the run: samples, checks, verdict.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "verify.h"

static const char *const check_ids[CHK_COUNT] = {
	[CHK_CMDLINE] = "cmdline",
	[CHK_KERNEL] = "kernel",
	[CHK_PARTITION] = "partition",
	[CHK_GRANTS] = "grants",
	[CHK_IRQ_AFFINITY] = "irq-affinity",
	[CHK_IRQ_ACTIVITY] = "irq-activity",
	[CHK_TASKS] = "tasks",
	[CHK_RCU] = "rcu",
	[CHK_WORKQUEUE] = "workqueue",
	[CHK_FREQUENCY] = "frequency",
	[CHK_SERVICES] = "services",
	[CHK_SMT] = "smt",
	[CHK_HK_LOAD] = "housekeeping-load",
	[CHK_SMI] = "smi",
	[CHK_JITTER] = "jitter",
	[CHK_NOISE] = "noise",
};

void verify_init(struct verify *v)
{
	memset(v, 0, sizeof(*v));
	v->opt.interval = 2.0;
	v->opt.jitter_seconds = 5.0;
	v->opt.jitter_threshold_ns = 10000;
	v->opt.noise_seconds = 5.0;
	v->opt.noise_threshold_ns = 5000; /* rtla osnoise's default */
	v->opt.loc_max_rate = 2.0;
	v->opt.load_max = 90.0;
	v->self_cpu = -1;
	for (int i = 0; i < CHK_COUNT; i++)
		check_init(&v->checks[i], check_ids[i]);
}

void verify_free(struct verify *v)
{
	expectation_free(&v->expect);
	for (int i = 0; i < 2; i++) {
		interrupts_free(&v->irq[i]);
		cpustat_free(&v->stat[i]);
		smi_free(&v->smi[i]);
	}
	tasks_free(&v->tasks);
	jitter_free(&v->jitter);
	noise_result_free(&v->noise);
	ops_done(&v->ops);
	for (int i = 0; i < CHK_COUNT; i++)
		check_free(&v->checks[i]);
}

enum vstatus verify_verdict(const struct verify *v)
{
	enum vstatus worst = VS_OK;

	for (int i = 0; i < CHK_COUNT; i++)
		if (v->checks[i].status != VS_SKIPPED &&
		    vstatus_rank(v->checks[i].status) > vstatus_rank(worst))
			worst = v->checks[i].status;
	return worst;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Reading MSR_SMI_COUNT of a CPU through /dev/cpu/N/msr is a function-call
 * IPI to that CPU, and loading the msr module flushes every CPU's TLB by IPI:
 * a nohz_full guest saw 11 call-function IPIs on each isolated CPU in the 2 s
 * and the tick restarted on one of them, which the verifier then reported as
 * a warning it caused itself. So the SMI counters are read, and the module
 * loaded, outside the window the interrupt counts cover: before the first
 * /proc/interrupts sample and after the second.
 */
static void smi_sample(struct verify *v, int i)
{
	/* msr is loaded for the first sample only: at most once per run */
	struct qc_ops *load = i == 0 && !v->opt.no_module_load ? &v->ops : NULL;

	if (expectation_any(&v->expect) && v->opt.interval > 0)
		smi_read(&v->pc, &v->expect.isolated, load, &v->smi[i]);
}

static void sample(struct verify *v, int i)
{
	v->irq_err[i] = interrupts_read(&v->pc, &v->irq[i]);
	v->stat_err[i] = cpustat_read(&v->pc, &v->stat[i]);
}

void check_jitter(struct verify *v, struct check *c)
{
	const struct jitter_result *j = &v->jitter;
	json_object *per;
	char a[512];
	uint64_t worst = 0;

	if (!v->opt.jitter) {
		check_skip(c, "not requested (--jitter)");
		return;
	}
	if (!path_is_real_root(&v->pc)) {
		check_skip(c, "the jitter probe measures the running system: not with --root");
		return;
	}
	if (!j->ran) {
		check_skip(c, "%s", j->reason[0] ? j->reason : "no CPU to measure");
		return;
	}
	check_detail_str(c, "clock", j->clock);
	check_detail_double(c, "seconds", j->seconds);
	check_detail_int(c, "threshold_ns", (int64_t)v->opt.jitter_threshold_ns);
	if (v->opt.max_jitter_ns)
		check_detail_int(c, "max_jitter_ns", (int64_t)v->opt.max_jitter_ns);
	per = check_detail_array(c, "cpus");
	for (unsigned int i = 0; i < j->n; i++) {
		const struct jitter_cpu *jc = &j->cpu[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "cpu", json_object_new_int(jc->cpu));
		if (!jc->ok) {
			json_object_object_add(o, "error", json_object_new_string(jc->reason));
			json_object_array_add(per, o);
			check_problem(c, VS_UNKNOWN, "CPU %d: %s", jc->cpu, jc->reason);
			continue;
		}
		jitter_cpu_json(jc, o);
		json_object_array_add(per, o);
		if (jc->max > worst)
			worst = jc->max;
		if (v->opt.max_jitter_ns && jc->max > v->opt.max_jitter_ns)
			check_problem(
				c, VS_CRITICAL,
				"CPU %d was interrupted for up to %llu ns (limit %llu ns, p99.9 %llu ns): look at the irq-activity, tasks and smi checks for the cause",
				jc->cpu, (unsigned long long)jc->max,
				(unsigned long long)v->opt.max_jitter_ns,
				(unsigned long long)jc->p999);
		else if (jc->over)
			check_problem(
				c, VS_WARNING,
				"CPU %d had %llu gaps over %llu ns in %.1f s (max %llu ns): something still interrupts it",
				jc->cpu, (unsigned long long)jc->over,
				(unsigned long long)v->opt.jitter_threshold_ns, j->seconds,
				(unsigned long long)jc->max);
	}
	check_ok(c, "no gap over %llu ns on CPUs %s in %.1f s (max %llu ns)",
		 (unsigned long long)v->opt.jitter_threshold_ns,
		 cpulist_str(v->opt.jitter_cpus_given ? &v->opt.jitter_cpus : &v->expect.isolated,
			     a, sizeof(a)),
		 j->seconds, (unsigned long long)worst);
}

/*
 * Where the caller of a probe waits: the housekeeping CPUs that are not
 * measured, not merely the online ones (an isolated CPU the user did not ask
 * to measure is no place for it); the online ones only when no housekeeping
 * CPU is left.
 */
static void probe_home(const struct verify *v, const cpuset_t *measured, cpuset_t *ret)
{
	cpuset_andnot(ret, &v->expect.housekeeping, measured);
	cpuset_and(ret, ret, &v->expect.online);
	if (cpuset_empty(ret))
		cpuset_andnot(ret, &v->expect.online, measured);
}

/* This thread's CPU time in /proc/stat's unit (USER_HZ ticks). */
static uint64_t self_ticks(void)
{
	struct rusage ru;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t us;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return 0;
	us = (uint64_t)ru.ru_utime.tv_sec * 1000000 + (uint64_t)ru.ru_utime.tv_usec +
	     (uint64_t)ru.ru_stime.tv_sec * 1000000 + (uint64_t)ru.ru_stime.tv_usec;
	return us * (uint64_t)(hz > 0 ? hz : 100) / 1000000;
}

/*
 * The checks between the two /proc/stat samples cost CPU time themselves: on
 * a slow machine (a VM under emulation) they took the whole interval, and the
 * verifier measured its own work as a housekeeping CPU 100% busy. Run them on
 * one housekeeping CPU (the current one if it is one) and take this thread's
 * time off that CPU's count. Returns the CPU, or -1 (not pinned: nothing is
 * taken off).
 */
static int self_pin(struct verify *v, cpu_set_t *ret_old)
{
	cpu_set_t one;
	int cpu = sched_getcpu();

	if (!path_is_real_root(&v->pc) || !expectation_any(&v->expect) || v->opt.interval <= 0 ||
	    sched_getaffinity(0, sizeof(*ret_old), ret_old) < 0)
		return -1;
	if (cpu < 0 || !cpuset_test(&v->expect.housekeeping, (unsigned int)cpu))
		cpu = cpuset_first(&v->expect.housekeeping);
	if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, ret_old))
		return -1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) == 0 ? cpu : -1;
}

void verify_run(struct verify *v)
{
	struct check *c = v->checks;
	cpu_set_t old_mask;
	uint64_t ticks0 = 0;
	double t0, left;

	if (!v->expect.cmdline_ok && !v->expect.cmdline_err)
		expectation_load(&v->expect, &v->pc);

	v->self_cpu = self_pin(v, &old_mask);
	smi_sample(v, 0);
	if (v->self_cpu >= 0)
		ticks0 = self_ticks();
	t0 = now_s();
	sample(v, 0);

	check_cmdline(v, &c[CHK_CMDLINE]);
	check_kernel(v, &c[CHK_KERNEL]);
	check_partition(v, &c[CHK_PARTITION]);
	check_grants(v, &c[CHK_GRANTS]);
	check_irq_affinity(v, &c[CHK_IRQ_AFFINITY]);
	if (expectation_any(&v->expect))
		v->tasks_err = tasks_scan(&v->pc, &v->expect.isolated, &v->expect.housekeeping,
					  v->opt.self_tgid, &v->tasks);
	check_tasks(v, &c[CHK_TASKS]);
	check_rcu(v, &c[CHK_RCU]);
	check_workqueue(v, &c[CHK_WORKQUEUE]);
	check_frequency(v, &c[CHK_FREQUENCY]);
	check_services(v, &c[CHK_SERVICES]);
	check_smt(v, &c[CHK_SMT]);

	if (v->opt.interval > 0) {
		/* The checks above ran inside the interval: wait only for what is left. */
		left = v->opt.interval - (now_s() - t0);
		if (left > 0) {
			struct timespec ts = { (time_t)left,
					       (long)((left - (double)(time_t)left) * 1e9) };

			while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
				;
		}
		sample(v, 1);
		v->elapsed = now_s() - t0;
		v->sampled = true;
	}
	if (v->self_cpu >= 0) {
		uint64_t t1 = self_ticks();

		v->self_ticks = t1 > ticks0 ? t1 - ticks0 : 0;
	}
	smi_sample(v, 1);
	if (v->self_cpu >= 0)
		sched_setaffinity(0, sizeof(old_mask), &old_mask);
	check_irq_activity(v, &c[CHK_IRQ_ACTIVITY]);
	check_hk_load(v, &c[CHK_HK_LOAD]);
	check_smi(v, &c[CHK_SMI]);

	if (v->opt.jitter && path_is_real_root(&v->pc)) {
		const cpuset_t *cpus = v->opt.jitter_cpus_given ? &v->opt.jitter_cpus :
								  &v->expect.isolated;

		if (!cpuset_empty(cpus)) {
			cpuset_t main_cpus;

			struct jitter_opts jo = { .seconds = v->opt.jitter_seconds,
						  .threshold_ns = v->opt.jitter_threshold_ns,
						  .mono = v->opt.jitter_mono };

			probe_home(v, cpus, &main_cpus);
			jitter_run(cpus, &main_cpus, &jo, &v->jitter);
		} else {
			snprintf(v->jitter.reason, sizeof(v->jitter.reason),
				 "no isolated CPU to measure (name CPUs with --jitter-cpus)");
		}
	}
	check_jitter(v, &c[CHK_JITTER]);

	if (v->opt.noise && path_is_real_root(&v->pc) && !jitter_stopped()) {
		const cpuset_t *cpus = v->opt.noise_cpus_given ? &v->opt.noise_cpus :
								 &v->expect.isolated;
		cpuset_t main_cpus;

		probe_home(v, cpus, &main_cpus);
		noise_run(&v->pc, v->opt.noise_backend, cpus, &main_cpus, v->opt.noise_seconds,
			  v->opt.noise_threshold_ns, &v->noise);
	}
	check_noise(v, &c[CHK_NOISE]);
}
