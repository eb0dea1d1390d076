// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the jitter probe.
 *
 * One thread per measured CPU, pinned there, reads the clock in a tight loop
 * and histograms the gaps between consecutive reads: on a quiet CPU every gap
 * is the cost of one read; anything the CPU did besides (an IRQ, the tick, an
 * SMI, another task) shows as a longer gap. On x86 with an invariant TSC the
 * clock is `lfence; rdtsc` (as oslat does), calibrated against
 * CLOCK_MONOTONIC_RAW; elsewhere clock_gettime(CLOCK_MONOTONIC_RAW).
 *
 * For isol-verify --noise the clock is CLOCK_MONOTONIC, the trace clock
 * "mono", and the probe keeps each gap over a threshold with its two clock
 * reads, so that verify/noise.c can set the trace events beside them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jitter.h"
#include "pathnames.h"
#include "verify.h" /* json_double3 */

#define WARMUP_NS 50000000ULL /* not recorded: page faults, cache, frequency ramp */

void jhist_add(struct jhist *h, uint64_t v)
{
	unsigned int idx;

	if (v < JHIST_SUB) {
		idx = (unsigned int)v;
	} else {
		unsigned int msb = 63U - (unsigned int)__builtin_clzll(v);
		unsigned int shift = msb - 5;

		idx = JHIST_SUB + (shift - 1) * 32 + (unsigned int)((v >> shift) - 32);
		if (idx >= JHIST_BUCKETS)
			idx = JHIST_BUCKETS - 1;
	}
	h->b[idx]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/* Upper bound of a bucket (the value a quantile reports: never optimistic). */
static uint64_t jhist_upper(unsigned int idx)
{
	unsigned int shift, sub;

	if (idx < JHIST_SUB)
		return idx;
	shift = (idx - JHIST_SUB) / 32 + 1;
	sub = (idx - JHIST_SUB) % 32 + 32;
	return (((uint64_t)sub + 1) << shift) - 1;
}

uint64_t jhist_quantile(const struct jhist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->n)
		return 0;
	rank = (uint64_t)(q * (double)h->n);
	if ((double)rank < q * (double)h->n)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < JHIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			uint64_t u = jhist_upper(i);

			return u < h->max ? u : h->max;
		}
	}
	return h->max;
}

const unsigned int jitter_gap_us[JITTER_GAP_THRESHOLDS] = { 5, 10, 20, 50, 100 };

void jitter_gaps_init(struct jitter_gaps *g, double ns_per_tick)
{
	memset(g, 0, sizeof(*g));
	if (!(ns_per_tick > 0))
		ns_per_tick = 1.0;
	for (unsigned int k = 0; k < JITTER_GAP_THRESHOLDS; k++) {
		double ns = jitter_gap_us[k] * 1000.0;
		uint64_t t = (uint64_t)(ns / ns_per_tick);

		/* the least t with t * ns_per_tick >= ns, in the product's own rounding */
		while (t > 0 && (double)(t - 1) * ns_per_tick >= ns)
			t--;
		while ((double)t * ns_per_tick < ns)
			t++;
		g->at[k] = t;
	}
}

/* jitter_stop(): read by every probe on every loop (relaxed: a load from a cached line) */
static atomic_bool stop_now;

void jitter_stop(void)
{
	atomic_store_explicit(&stop_now, true, memory_order_relaxed);
}

bool jitter_stopped(void)
{
	return atomic_load_explicit(&stop_now, memory_order_relaxed);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t tsc_read(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* An invariant TSC (constant_tsc + nonstop_tsc) ticks at one rate everywhere. */
static bool tsc_usable(void)
{
	char line[8192];
	bool ok = false;
	FILE *f = fopen(PATH_PROC_CPUINFO, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) == 0) {
			ok = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
			break;
		}
	}
	fclose(f);
	return ok;
}
#else
static inline uint64_t tsc_read(void)
{
	return mono_raw_ns();
}

static bool tsc_usable(void)
{
	return false;
}
#endif

/* All probes start together, once every thread is placed. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
};

static void gate_wait(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

struct probe {
	struct jitter_cpu *out;
	uint64_t (*now)(void);
	double ns_per_tick;
	uint64_t duration_ticks, warmup_ticks, threshold_ticks, record_ticks;
	uint64_t slow_ticks; /* gaps this long or longer are counted or recorded */
	struct jitter_gaps counted;
	struct gate *start;
	struct jhist *hist;
	struct noise_gap *gaps; /* record_gaps of them, touched before the start */
	size_t cap;
};

static void *probe_main(void *arg)
{
	struct probe *pr = arg;
	struct jhist *h = pr->hist;
	uint64_t (*now)(void) = pr->now;
	uint64_t t, prev, end, over = 0, dropped = 0;
	/* on this thread's stack: no shared cache line written in the loop */
	struct jitter_gaps counted = pr->counted;
	size_t ng = 0;

	pr->out->tid = gettid();
	gate_wait(pr->start);
	if (!pr->out->ok)
		return NULL;
	end = now() + pr->warmup_ticks;
	while (now() < end)
		;
	/* the window runs its full length from its first read, even when the
	 * thread lost the CPU between the warm-up and that read */
	prev = now();
	pr->out->window_start = prev;
	end = prev + pr->duration_ticks;
	for (;;) {
		uint64_t gap;

		t = now();
		gap = t - prev;
		jhist_add(h, gap);
		if (gap > pr->threshold_ticks)
			over++;
		/* one compare on the fast path, as before counting: the rest is rare */
		if (__builtin_expect(gap >= pr->slow_ticks, 0)) {
			jitter_gaps_add(&counted, gap);
			if (gap > pr->record_ticks && pr->cap) {
				if (ng < pr->cap)
					pr->gaps[ng++] = (struct noise_gap){ prev, t };
				else
					dropped++;
			}
		}
		prev = t;
		if (t >= end || atomic_load_explicit(&stop_now, memory_order_relaxed))
			break;
	}
	pr->out->window_end = t;
	pr->out->window_ns = (uint64_t)((double)(t - pr->out->window_start) * pr->ns_per_tick);
	pr->out->loop_ns = h->n ? (double)pr->out->window_ns / (double)h->n : 0;
	memcpy(pr->out->gaps_at_least, counted.n, sizeof(pr->out->gaps_at_least));
	pr->out->gap_time_ns = (uint64_t)((double)counted.ticks * pr->ns_per_tick);
	pr->out->gaps = pr->gaps;
	pr->out->ngaps = ng;
	pr->out->gaps_dropped = dropped;
	pr->gaps = NULL;
	pr->out->samples = h->n;
	pr->out->over = over;
	pr->out->p50 = (uint64_t)((double)jhist_quantile(h, 0.50) * pr->ns_per_tick);
	pr->out->p99 = (uint64_t)((double)jhist_quantile(h, 0.99) * pr->ns_per_tick);
	pr->out->p999 = (uint64_t)((double)jhist_quantile(h, 0.999) * pr->ns_per_tick);
	pr->out->max = (uint64_t)((double)h->max * pr->ns_per_tick);
	return NULL;
}

static double tsc_calibrate(void)
{
	struct timespec ts = { 0, 200000000 };
	uint64_t n0, n1, c0, c1;

	n0 = mono_raw_ns();
	c0 = tsc_read();
	nanosleep(&ts, NULL);
	n1 = mono_raw_ns();
	c1 = tsc_read();
	if (c1 <= c0 || n1 <= n0)
		return 0;
	return (double)(n1 - n0) / (double)(c1 - c0);
}

/*
 * Fault the probe's buffers in before the window: a page fault inside it
 * would be a gap the probe made itself. A memset of zeros does not do it:
 * the compiler turns malloc + memset into calloc, which leaves fresh pages
 * untouched (recording the gaps over 5 us for 2 s took 12-15 faults in
 * the window that way, each a gap of its own).
 */
static void touch_pages(void *p, size_t len)
{
	volatile char *c = p;
	long pg = sysconf(_SC_PAGESIZE);
	size_t step = pg > 0 ? (size_t)pg : 4096;

	for (size_t o = 0; o < len; o += step)
		c[o] = 0;
	if (len)
		c[len - 1] = 0;
}

void jitter_free(struct jitter_result *r)
{
	for (unsigned int i = 0; r->cpu && i < r->n; i++)
		free(r->cpu[i].gaps);
	free(r->cpu);
	r->cpu = NULL;
	r->n = 0;
}

cpu_set_t *jitter_pin_caller(const cpuset_t *cpus)
{
	size_t size = CPU_ALLOC_SIZE(CPUSET_MAX);
	cpu_set_t *saved, *mask;

	if (!cpus || cpuset_empty(cpus))
		return NULL;
	saved = CPU_ALLOC(CPUSET_MAX);
	mask = CPU_ALLOC(CPUSET_MAX);
	if (!saved || !mask || sched_getaffinity(0, size, saved) < 0)
		goto fail;
	CPU_ZERO_S(size, mask);
	cpuset_foreach(c, cpus)
		CPU_SET_S((size_t)c, size, mask);
	if (sched_setaffinity(0, size, mask) < 0)
		goto fail;
	CPU_FREE(mask);
	return saved;
fail:
	CPU_FREE(saved);
	CPU_FREE(mask);
	return NULL;
}

void jitter_unpin_caller(cpu_set_t *saved)
{
	if (!saved)
		return;
	sched_setaffinity(0, CPU_ALLOC_SIZE(CPUSET_MAX), saved);
	CPU_FREE(saved);
}

void jitter_run(const cpuset_t *cpus, const cpuset_t *main_cpus, const struct jitter_opts *o,
		struct jitter_result *ret)
{
	struct jitter_result res = { .seconds = o->seconds };
	struct gate start = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false };
	struct probe *pr = NULL;
	pthread_t *th = NULL;
	bool *started = NULL;
	cpu_set_t *saved = NULL, *mask;
	size_t setsize = CPU_ALLOC_SIZE(CPUSET_MAX);
	double ns_per_tick = 1.0;
	unsigned int n = cpuset_count(cpus), i = 0;

	res.n = n;
	res.use_tsc = !o->mono && tsc_usable();
	res.clock = res.use_tsc ? "tsc" : o->mono ? "mono" : "clock_gettime";
	if (!n) {
		snprintf(res.reason, sizeof(res.reason), "no CPU to measure");
		*ret = res;
		return;
	}
	if (res.use_tsc) {
		ns_per_tick = tsc_calibrate();
		if (ns_per_tick <= 0) {
			res.use_tsc = false;
			res.clock = "clock_gettime";
			ns_per_tick = 1.0;
		}
	}
	res.ns_per_tick = ns_per_tick;
	res.cpu = calloc(n, sizeof(*res.cpu));
	pr = calloc(n, sizeof(*pr));
	th = calloc(n, sizeof(*th));
	started = calloc(n, sizeof(*started));
	mask = CPU_ALLOC(CPUSET_MAX);
	if (!res.cpu || !pr || !th || !started || !mask) {
		snprintf(res.reason, sizeof(res.reason), "out of memory");
		free(res.cpu);
		res.cpu = NULL;
		res.n = 0;
		goto out;
	}

	/* The caller waits on a housekeeping CPU, like oslat's main thread. */
	saved = jitter_pin_caller(main_cpus);

	cpuset_foreach(cpu, cpus) {
		pthread_attr_t attr;
		int r;

		res.cpu[i].cpu = cpu;
		res.cpu[i].ok = true;
		pr[i].out = &res.cpu[i];
		pr[i].now = res.use_tsc ? tsc_read : o->mono ? mono_ns : mono_raw_ns;
		pr[i].ns_per_tick = ns_per_tick;
		pr[i].duration_ticks = (uint64_t)(o->seconds * 1e9 / ns_per_tick);
		pr[i].warmup_ticks = (uint64_t)((double)WARMUP_NS / ns_per_tick);
		pr[i].threshold_ticks = (uint64_t)((double)o->threshold_ns / ns_per_tick);
		pr[i].record_ticks = (uint64_t)((double)o->record_threshold_ns / ns_per_tick);
		jitter_gaps_init(&pr[i].counted, ns_per_tick);
		pr[i].slow_ticks = pr[i].counted.at[0];
		if (o->record_gaps && pr[i].record_ticks < pr[i].slow_ticks)
			pr[i].slow_ticks = pr[i].record_ticks + 1;
		pr[i].start = &start;
		pr[i].hist = calloc(1, sizeof(struct jhist));
		if (pr[i].hist)
			touch_pages(pr[i].hist, sizeof(struct jhist));
		if (o->record_gaps) {
			pr[i].gaps = calloc(o->record_gaps, sizeof(*pr[i].gaps));
			if (pr[i].gaps) {
				touch_pages(pr[i].gaps, o->record_gaps * sizeof(*pr[i].gaps));
				pr[i].cap = o->record_gaps;
			}
		}
		if (!pr[i].hist || (o->record_gaps && !pr[i].gaps)) {
			res.cpu[i].ok = false;
			snprintf(res.cpu[i].reason, sizeof(res.cpu[i].reason), "out of memory");
		}
		CPU_ZERO_S(setsize, mask);
		CPU_SET_S((size_t)cpu, setsize, mask);
		pthread_attr_init(&attr);
		r = pthread_attr_setaffinity_np(&attr, setsize, mask);
		if (r == 0)
			r = pthread_create(&th[i], &attr, probe_main, &pr[i]);
		pthread_attr_destroy(&attr);
		if (r != 0) {
			/* Not allowed there (cpuset) or no resources: measuring elsewhere would lie. */
			res.cpu[i].ok = false;
			snprintf(res.cpu[i].reason, sizeof(res.cpu[i].reason),
				 "cannot start a thread on CPU %d: %s%s", cpu, strerror(r),
				 r == EINVAL ?
					 " (not in this process's cpuset: a CPU of a run-time "
					 "partition is measured from inside it, e.g. systemd-run "
					 "--scope --slice=quietcore.slice isol-verify --jitter)" :
					 "");
		}
		started[i] = r == 0;
		i++;
	}
	gate_open(&start);
	for (i = 0; i < n; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		free(pr[i].hist);
		free(pr[i].gaps); /* kept by the probe in out->gaps when it ran */
	}
	res.ran = true;
out:
	jitter_unpin_caller(saved);
	CPU_FREE(mask);
	free(pr);
	free(th);
	free(started);
	*ret = res;
}

void jitter_cpu_json(const struct jitter_cpu *jc, json_object *o)
{
	json_object *at = json_object_new_object();

	json_object_object_add(o, "samples", json_object_new_int64((int64_t)jc->samples));
	json_object_object_add(o, "p50_ns", json_object_new_int64((int64_t)jc->p50));
	json_object_object_add(o, "p99_ns", json_object_new_int64((int64_t)jc->p99));
	json_object_object_add(o, "p999_ns", json_object_new_int64((int64_t)jc->p999));
	json_object_object_add(o, "max_ns", json_object_new_int64((int64_t)jc->max));
	json_object_object_add(o, "over_threshold", json_object_new_int64((int64_t)jc->over));
	json_object_object_add(o, "window_ns", json_object_new_int64((int64_t)jc->window_ns));
	json_object_object_add(o, "loop_ns", json_double3(jc->loop_ns));
	for (unsigned int k = 0; k < JITTER_GAP_THRESHOLDS; k++) {
		char us[16];

		snprintf(us, sizeof(us), "%u", jitter_gap_us[k]);
		json_object_object_add(at, us,
				       json_object_new_int64((int64_t)jc->gaps_at_least[k]));
	}
	json_object_object_add(o, "gaps_at_least_us", at);
	json_object_object_add(o, "time_in_gaps_at_least_5us_ns",
			       json_object_new_int64((int64_t)jc->gap_time_ns));
}
