// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify --noise: what took the probe's time on each measured CPU.
 *
 * The generic back end (every kernel with the irq, irq_vectors, softirq,
 * sched and nmi tracepoints): arm an instance of our own in tracefs
 * (lib/tracing.h), run the jitter probe on each CPU on CLOCK_MONOTONIC with
 * its gaps kept, stop tracing, read the events, and set each gap beside the
 * events inside it (lib/noise.h). The check names each CPU's biggest sources
 * and what to do about the biggest one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taskstat.h"
#include "tracing.h"
#include "verify.h"

#define NOISE_GAPS_MAX 65536  /* kept per CPU (1 MiB); more are counted, not attributed */
#define NOISE_JSON_SOURCES 64 /* the biggest, as every list of the JSON */

void noise_result_free(struct noise_result *r)
{
	for (unsigned int i = 0; r->cpu && i < r->n; i++)
		noise_cpu_free(&r->cpu[i]);
	free(r->cpu);
	free(r->ok);
	free(r->why);
	r->cpu = NULL;
	r->ok = NULL;
	r->why = NULL;
	jitter_free(&r->probe);
	r->n = 0;
}

/* Per CPU buffer: about 1 MiB a second (a tick, a switch and their IRQs fit many times). */
static unsigned int buffer_kb(double seconds)
{
	double kb = seconds * 1024;

	if (kb < 2048)
		kb = 2048;
	if (kb > 65536)
		kb = 65536;
	return (unsigned int)kb;
}

static void attribute_all(struct noise_result *res, const struct noise_event *ev, size_t nev)
{
	for (unsigned int i = 0; i < res->probe.n; i++) {
		const struct jitter_cpu *jc = &res->probe.cpu[i];
		struct noise_probe p = {
			.cpu = (unsigned int)jc->cpu,
			.tid = jc->tid,
			.window_start = jc->window_start,
			.window_end = jc->window_end,
			.gaps = jc->gaps,
			.ngaps = jc->ngaps,
		};
		int r;

		res->cpu[i].cpu = (unsigned int)jc->cpu;
		if (!jc->ok) {
			snprintf(res->why[i], sizeof(res->why[i]), "%s", jc->reason);
			continue;
		}
		r = noise_attribute(&p, ev, nev, &res->cpu[i]);
		if (r < 0) {
			snprintf(res->why[i], sizeof(res->why[i]), "attribution failed: %s",
				 strerror(-r));
			continue;
		}
		res->ok[i] = true;
	}
}

/* The generic back end: the probe on each CPU, the tracepoints beside it. */
static int run_generic(struct tracing *t, const cpuset_t *cpus, const cpuset_t *main_cpus,
		       double seconds, uint64_t threshold_ns, struct noise_result *res)
{
	struct jitter_opts jo = {
		.seconds = seconds,
		.threshold_ns = threshold_ns,
		.mono = true,
		.record_gaps = NOISE_GAPS_MAX,
		.record_threshold_ns = threshold_ns,
	};
	struct noise_event *ev = NULL;
	size_t nev = 0;
	int r;

	if (tracing_arm_generic(t, cpus, buffer_kb(seconds)) < 0)
		return -1;
	jitter_run(cpus, main_cpus, &jo, &res->probe);
	r = tracing_stop(t);
	if (r == 0)
		r = tracing_read(t, &ev, &nev);
	tracing_disarm(t);
	if (r < 0)
		return -1;
	if (!res->probe.ran) {
		snprintf(t->err, sizeof(t->err), "%s", res->probe.reason);
		free(ev);
		return -1;
	}
	res->events = nev;
	attribute_all(res, ev, nev);
	free(ev);
	return 0;
}

/* Arm, wait out the window (or a signal), read, disarm, attribute. */
static int osnoise_window(struct tracing *t, const cpuset_t *cpus, double seconds,
			  uint64_t threshold_ns, struct noise_result *res)
{
	/* one period a second (or the whole window when shorter): its summaries are the totals */
	uint64_t period_us = seconds >= 1 ? 1000000 : (uint64_t)(seconds * 1e6);
	struct timespec step = { 0, 50000000 };
	struct osnoise_event *ev = NULL;
	size_t nev = 0;
	double waited = 0;
	unsigned int i = 0;
	int r;

	if (period_us < 1000)
		period_us = 1000;
	if (tracing_arm_osnoise(t, cpus, buffer_kb(seconds), period_us, threshold_ns) < 0)
		return -1;
	while (waited < seconds && !jitter_stopped()) {
		nanosleep(&step, NULL);
		waited += 0.05;
	}
	r = tracing_stop(t);
	if (r == 0)
		r = tracing_read_osnoise(t, &ev, &nev);
	tracing_disarm(t);
	if (r < 0)
		return -1;
	res->events = nev;
	cpuset_foreach(cpu, cpus) {
		res->cpu[i].cpu = (unsigned int)cpu;
		r = noise_osnoise((unsigned int)cpu, ev, nev, &res->cpu[i]);
		if (r < 0)
			snprintf(res->why[i], sizeof(res->why[i]), "attribution failed: %s",
				 strerror(-r));
		else
			res->ok[i] = true;
		i++;
	}
	free(ev);
	return 0;
}

/*
 * The osnoise back end: the tracer's workload on each CPU for the window,
 * this thread waiting on the housekeeping CPUs (main_cpus), as the generic
 * back end's does: not on a CPU it measures.
 */
static int run_osnoise(struct tracing *t, const cpuset_t *cpus, const cpuset_t *main_cpus,
		       double seconds, uint64_t threshold_ns, struct noise_result *res)
{
	cpu_set_t *saved = jitter_pin_caller(main_cpus);
	int ret = osnoise_window(t, cpus, seconds, threshold_ns, res);

	jitter_unpin_caller(saved);
	return ret;
}

void noise_run(struct path_cxt *pc, enum noise_backend backend, const cpuset_t *cpus,
	       const cpuset_t *main_cpus, double seconds, uint64_t threshold_ns,
	       struct noise_result *res)
{
	struct tracing t;
	unsigned int n = cpuset_count(cpus);
	bool osnoise;
	int r;

	memset(&t, 0, sizeof(t));
	t.pc = pc;
	res->backend = backend == NOISE_BACKEND_OSNOISE ? "osnoise" : "generic";
	res->seconds = seconds;
	if (!n) {
		snprintf(res->reason, sizeof(res->reason),
			 "no isolated CPU to measure (name CPUs with --noise-cpus)");
		return;
	}
	if (tracing_find(&t) < 0) {
		snprintf(res->reason, sizeof(res->reason), "%s", t.err);
		return;
	}
	osnoise = tracing_has_tracer(&t, "osnoise");
	if (backend == NOISE_BACKEND_OSNOISE && !osnoise) {
		snprintf(
			res->reason, sizeof(res->reason),
			"this kernel has no osnoise tracer (CONFIG_OSNOISE_TRACER): use --noise-backend generic");
		return;
	}
	if (backend == NOISE_BACKEND_AUTO)
		res->backend = osnoise ? "osnoise" : "generic";
	r = tracing_sweep(&t, res->swept, sizeof(res->swept));
	if (r < 0) {
		snprintf(res->reason, sizeof(res->reason), "%s", t.err);
		return;
	}
	res->cpu = calloc(n, sizeof(*res->cpu));
	res->ok = calloc(n, sizeof(*res->ok));
	res->why = calloc(n, sizeof(*res->why));
	if (!res->cpu || !res->ok || !res->why) {
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return;
	}
	res->n = n;
	if (!strcmp(res->backend, "osnoise"))
		r = run_osnoise(&t, cpus, main_cpus, seconds, threshold_ns, res);
	else
		r = run_generic(&t, cpus, main_cpus, seconds, threshold_ns, res);
	if (r < 0) {
		snprintf(res->reason, sizeof(res->reason), "%s", t.err);
		return;
	}
	res->ran = true;
}

/* --- the check -------------------------------------------------------------- */

/* "IRQ 11 (virtio0)", "LOC", "TIMER softirq", "kworker/3:1 (PID 42)", ... */
void noise_source_label(const struct noise_source *s, char *buf, size_t len)
{
	switch (s->kind) {
	case NOISE_IRQ:
		snprintf(buf, len, "IRQ %d (%s)", s->id, s->name[0] ? s->name : "?");
		break;
	case NOISE_VECTOR:
		snprintf(buf, len, "%s", s->name);
		break;
	case NOISE_SOFTIRQ:
		snprintf(buf, len, "%s softirq", s->name);
		break;
	case NOISE_THREAD:
		snprintf(buf, len, "%s (PID %d)", s->name, s->id);
		break;
	case NOISE_NMI:
		snprintf(buf, len, "NMI %s", s->name);
		break;
	case NOISE_HW:
		snprintf(buf, len,
			 "hw (nothing traced: SMI, hypervisor, the probe's own kernel entries)");
		break;
	}
}

/* The systemd service (or scope) of a process, from its cgroup-v2 path. */
static bool service_of(struct verify *v, int pid, char *buf, size_t len)
{
	char path[512];
	const char *last;

	if (taskstat_cgroup(&v->pc, pid, path, sizeof(path)) < 0)
		return false;
	last = strrchr(path, '/');
	last = last ? last + 1 : path;
	if (!strstr(last, ".service") && !strstr(last, ".scope"))
		return false;
	snprintf(buf, len, "%.200s", last); /* unit names are short; a path is not */
	return true;
}

/* What to do about the biggest source s on cpu. */
static void advice(struct verify *v, const struct noise_source *s, unsigned int cpu, char *buf,
		   size_t len)
{
	struct taskstat st;
	char unit[256];

	switch (s->kind) {
	case NOISE_IRQ:
		snprintf(
			buf, len,
			"move IRQ %d off CPU %u (early-pin pins IRQs to the housekeeping CPUs; or irqaffinity=)",
			s->id, cpu);
		return;
	case NOISE_VECTOR:
		if (!strcmp(s->name, "LOC"))
			snprintf(
				buf, len,
				"the scheduler tick: CPU %u is not in nohz_full, or more than one task runs there",
				cpu);
		else if (!strcmp(s->name, "RES"))
			snprintf(
				buf, len,
				"reschedule IPIs: something wakes tasks on CPU %u (look at the thread sources)",
				cpu);
		else if (!strcmp(s->name, "CAL") || !strcmp(s->name, "TLB"))
			snprintf(
				buf, len,
				"function-call IPIs (TLB shootdowns): a process running here also runs on other CPUs");
		else
			snprintf(buf, len, "system vector %s on CPU %u", s->name, cpu);
		return;
	case NOISE_SOFTIRQ:
		snprintf(buf, len,
			 "%s softirq work raised on CPU %u (timers or I/O completed there)",
			 s->name, cpu);
		return;
	case NOISE_THREAD:
		if (taskstat_read(&v->pc, s->id, 0, &st) == 0 && taskstat_is_kthread(&st))
			snprintf(
				buf, len,
				"%s is a kernel thread%s: isolcpus does not move it (look at its subsystem)",
				s->name, taskstat_is_percpu(&st) ? " bound to this CPU" : "");
		else if (service_of(v, s->id, unit, sizeof(unit)))
			snprintf(
				buf, len,
				"%s (PID %d) belongs to %s: stop it, or take CPU %u out of its CPUAffinity=/AllowedCPUs=",
				s->name, s->id, unit, cpu);
		else
			snprintf(buf, len, "stop %s (PID %d) or take CPU %u out of its affinity",
				 s->name, s->id, cpu);
		return;
	case NOISE_NMI:
		snprintf(buf, len, "NMIs: the perf NMI watchdog? (nmi_watchdog=0)");
		return;
	case NOISE_HW:
		snprintf(
			buf, len,
			"nothing in the kernel explains it: SMIs (see the smi check) or the hypervisor");
		return;
	}
}

static json_object *source_json(const struct noise_source *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(noise_kind_name(s->kind)));
	if (s->id >= 0)
		json_object_object_add(o, "id", json_object_new_int(s->id));
	json_object_object_add(o, "name", json_object_new_string(s->name));
	json_object_object_add(o, "total_ns", json_object_new_int64((int64_t)s->total_ns));
	json_object_object_add(o, "max_ns", json_object_new_int64((int64_t)s->max_ns));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)s->count));
	return o;
}

static json_object *cpu_json(const struct noise_cpu *nc, const struct jitter_cpu *jc)
{
	uint64_t gaps_dropped = jc ? jc->gaps_dropped : 0;
	json_object *o = json_object_new_object(), *src = json_object_new_array();

	json_object_object_add(o, "cpu", json_object_new_int((int)nc->cpu));
	json_object_object_add(o, "window_ns", json_object_new_int64((int64_t)nc->window_ns));
	json_object_object_add(o, "noise_ns", json_object_new_int64((int64_t)nc->total_ns));
	json_object_object_add(o, "noise_percent", json_double3(noise_cpu_percent(nc)));
	json_object_object_add(o, "max_ns", json_object_new_int64((int64_t)nc->max_ns));
	json_object_object_add(o, "gaps", json_object_new_int64((int64_t)nc->ngaps));
	json_object_object_add(o, "gaps_not_attributed",
			       json_object_new_int64((int64_t)gaps_dropped));
	json_object_object_add(o, "hw_beside_events_ns",
			       json_object_new_int64((int64_t)nc->hw_beside_events_ns));
	json_object_object_add(o, "lost_events", json_object_new_int64((int64_t)nc->lost));
	json_object_object_add(o, "unmatched_events",
			       json_object_new_int64((int64_t)nc->unmatched));
	for (size_t k = 0; k < nc->nsources && k < NOISE_JSON_SOURCES; k++)
		json_object_array_add(src, source_json(&nc->sources[k]));
	json_object_object_add(o, "sources", src);
	json_object_object_add(o, "sources_count", json_object_new_int64((int64_t)nc->nsources));
	if (jc) {
		/* the generic back end's probe, with tracing armed (bench/noise.sh compares) */
		json_object *p = json_object_new_object();

		jitter_cpu_json(jc, p);
		json_object_object_add(o, "probe", p);
	}
	return o;
}

/* "IRQ 11 (virtio0) 1.2 ms in 40, LOC 300 us in 1000, ..." (the top few) */
static void top_text(const struct noise_cpu *nc, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < nc->nsources && k < 3 && used < len; k++) {
		char label[160];

		noise_source_label(&nc->sources[k], label, sizeof(label));
		used += (size_t)snprintf(buf + used, len - used, "%s%s %" PRIu64 " ns in %" PRIu64,
					 k ? ", " : "", label, nc->sources[k].total_ns,
					 nc->sources[k].count);
	}
}

void check_noise(struct verify *v, struct check *c)
{
	const struct noise_result *res = &v->noise;
	json_object *per;
	char a[512], budget[64];

	if (!v->opt.noise) {
		check_skip(c, "not requested (--noise)");
		return;
	}
	if (!path_is_real_root(&v->pc)) {
		check_skip(c, "noise is traced on the running system: not with --root");
		return;
	}
	check_detail_str(c, "backend", res->backend ? res->backend : "generic");
	if (res->swept[0])
		check_detail_str(c, "removed_stale_instances", res->swept);
	if (!res->ran) {
		/* never a silent pass: the noise could not be traced, so it is not known */
		check_problem(c, VS_UNKNOWN, "noise not measured: %s",
			      res->reason[0] ? res->reason : "no CPU to measure");
		return;
	}
	check_detail_double(c, "seconds", res->seconds);
	check_detail_int(c, "threshold_ns", (int64_t)v->opt.noise_threshold_ns);
	check_detail_int(c, "events", (int64_t)res->events);
	if (v->opt.max_noise_ns)
		check_detail_int(c, "max_noise_ns_per_s", (int64_t)v->opt.max_noise_ns);
	per = check_detail_array(c, "cpus");
	for (unsigned int i = 0; i < res->n; i++) {
		const struct noise_cpu *nc = &res->cpu[i];
		/* the generic back end's probe (osnoise has none) */
		const struct jitter_cpu *jc = i < res->probe.n ? &res->probe.cpu[i] : NULL;
		uint64_t dropped = jc ? jc->gaps_dropped : 0;
		double per_s;
		char top[768], what[512], label[160];

		if (!res->ok[i]) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "cpu", json_object_new_int((int)nc->cpu));
			json_object_object_add(o, "error", json_object_new_string(res->why[i]));
			json_object_array_add(per, o);
			check_problem(c, VS_UNKNOWN, "CPU %u: %s", nc->cpu, res->why[i]);
			continue;
		}
		json_object_array_add(per, cpu_json(nc, jc));
		if (nc->lost || dropped)
			check_problem(
				c, VS_UNKNOWN,
				"CPU %u: %" PRIu64 " ring-buffer losses, %" PRIu64
				" gaps not kept: the attribution is incomplete (a shorter --noise)",
				nc->cpu, nc->lost, dropped);
		if (!nc->nsources)
			continue;
		per_s = nc->window_ns ? (double)nc->total_ns * 1e9 / (double)nc->window_ns : 0;
		top_text(nc, top, sizeof(top));
		noise_source_label(&nc->sources[0], label, sizeof(label));
		advice(v, &nc->sources[0], nc->cpu, what, sizeof(what));
		if (v->opt.max_noise_ns)
			snprintf(budget, sizeof(budget), ", budget %" PRIu64 " ns/s",
				 v->opt.max_noise_ns);
		else
			budget[0] = '\0';
		check_problem(c,
			      v->opt.max_noise_ns && per_s > (double)v->opt.max_noise_ns ?
				      VS_CRITICAL :
				      VS_WARNING,
			      "CPU %u: %" PRIu64
			      " ns of noise in %.1f s (%.4f %%, %.0f ns/s%s), max %" PRIu64
			      " ns; most from %s: %s; top: %s",
			      nc->cpu, nc->total_ns, (double)nc->window_ns / 1e9,
			      noise_cpu_percent(nc), per_s, budget, nc->max_ns, label, what, top);
	}
	check_ok(c, "no noise over %" PRIu64 " ns on CPUs %s in %.1f s", v->opt.noise_threshold_ns,
		 cpulist_str(v->opt.noise_cpus_given ? &v->opt.noise_cpus : &v->expect.isolated, a,
			     sizeof(a)),
		 res->seconds);
}
