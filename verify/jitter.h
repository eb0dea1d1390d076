/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isol-verify's jitter probe (verify/jitter.c): one pinned thread per CPU
 * reading the clock in a tight loop; the jitter check and the generic back
 * end of the noise check (verify/noise.c) both run it.
 */
#ifndef QC_VERIFY_JITTER_H
#define QC_VERIFY_JITTER_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "cpuset.h"
#include "noise.h"

/* Log-linear histogram of nanosecond gaps (about 1.5 % resolution). */
#define JHIST_SUB 64
#define JHIST_BUCKETS (JHIST_SUB * 40)
struct jhist {
	uint64_t b[JHIST_BUCKETS];
	uint64_t n, max;
};
void jhist_add(struct jhist *h, uint64_t v);
uint64_t jhist_quantile(const struct jhist *h, double q);

/*
 * The gap lengths the probe counts exactly, in us: what oslat's 1 us buckets
 * resolve too (bench/jitter.sh compares the two on them).
 */
#define JITTER_GAP_THRESHOLDS 5
extern const unsigned int jitter_gap_us[JITTER_GAP_THRESHOLDS]; /* 5, 10, 20, 50, 100 */

/*
 * Counting them, in the probe's clock ticks: at[k] is the shortest gap in
 * ticks that lasts at least jitter_gap_us[k] (ticks * ns_per_tick, as the
 * probe converts its maximum), n[k] how many there were, ticks their time
 * for the first threshold.
 */
struct jitter_gaps {
	uint64_t at[JITTER_GAP_THRESHOLDS];
	uint64_t n[JITTER_GAP_THRESHOLDS];
	uint64_t ticks;
};
void jitter_gaps_init(struct jitter_gaps *g, double ns_per_tick);
/* One gap, in ticks (the probe calls it only for those of at least at[0]). */
static inline void jitter_gaps_add(struct jitter_gaps *g, uint64_t gap)
{
	if (gap < g->at[0])
		return;
	g->ticks += gap;
	for (unsigned int k = 0; k < JITTER_GAP_THRESHOLDS && gap >= g->at[k]; k++)
		g->n[k]++;
}

struct jitter_cpu {
	int cpu;
	bool ok;
	char reason[256];
	uint64_t samples;
	uint64_t p50, p99, p999, max; /* ns */
	uint64_t over;		      /* gaps above the threshold */
	/*
	 * Exact counts of the gaps of at least jitter_gap_us[k] microseconds,
	 * the time in those of at least the first of them, the window and the
	 * cost of one read of the clock (window / samples), all in ns.
	 */
	uint64_t gaps_at_least[JITTER_GAP_THRESHOLDS];
	uint64_t gap_time_ns;
	uint64_t window_ns;
	double loop_ns;
	/* with jitter_opts.record_gaps: the probe's thread and what it saw, in ns */
	pid_t tid;
	uint64_t window_start, window_end;
	struct noise_gap *gaps; /* gaps above record_threshold_ns, ascending */
	size_t ngaps;
	uint64_t gaps_dropped; /* more than record_gaps of them */
};

struct jitter_result {
	bool ran;
	char reason[256];
	const char *clock; /* "tsc" or "clock_gettime" */
	bool use_tsc;
	double ns_per_tick;
	double seconds;
	unsigned int n;
	struct jitter_cpu *cpu;
};

struct jitter_opts {
	double seconds;
	uint64_t threshold_ns; /* counted in jitter_cpu.over */
	/*
	 * isol-verify --noise: read CLOCK_MONOTONIC (the trace clock "mono":
	 * gaps and trace events on one clock) instead of the TSC, and keep up
	 * to record_gaps gaps longer than record_threshold_ns with their times.
	 */
	bool mono;
	size_t record_gaps;
	uint64_t record_threshold_ns;
};

/* Busy-read the clock on each CPU of cpus. main_cpus: where the caller waits. */
void jitter_run(const cpuset_t *cpus, const cpuset_t *main_cpus, const struct jitter_opts *o,
		struct jitter_result *ret);
void jitter_free(struct jitter_result *r);
/*
 * This thread onto cpus for a probe's window (the housekeeping CPUs: the
 * jitter probe's and the osnoise tracer's caller waits there): the mask it
 * had, for jitter_unpin_caller(); NULL when cpus is empty or it failed.
 */
cpu_set_t *jitter_pin_caller(const cpuset_t *cpus);
void jitter_unpin_caller(cpu_set_t *saved);
/* A probed CPU's figures into the JSON object o (the jitter and noise checks). */
void jitter_cpu_json(const struct jitter_cpu *jc, json_object *o);
/* End every running probe now (async-signal-safe: SIGINT, SIGTERM). */
void jitter_stop(void);
bool jitter_stopped(void);

#endif
