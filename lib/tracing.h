/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tracing: the one way to tracefs, through libtracefs and libtraceevent (the
 * libraries rtla and trace-cmd use). isol-verify --noise records the generic
 * back end's events (lib/noise.h) here.
 *
 * Everything happens in an instance of our own, "quietcore-noise-PID"
 * (instances/ of tracefs): its trace clock (mono, CLOCK_MONOTONIC, the
 * probe's clock), its tracing_cpumask, its per-CPU buffer sizes, its events
 * and its tracing_on are the instance's, so nothing outside it is touched
 * and removing the instance restores everything (another tool's session,
 * rtla's or trace-cmd's, in the top buffer or in an instance, is left
 * alone). A run killed before it removed its instance leaves it behind: the
 * next run removes every quietcore-noise-PID whose PID is gone
 * (tracing_sweep), and refuses while one whose PID lives exists.
 *
 * Setting events up patches kernel text and sends IPIs to every CPU: arm
 * before the measurement window, stop after it, never toggle inside it.
 *
 * Nothing printed: libtracefs's and libtraceevent's own messages are off.
 */
#ifndef QC_TRACING_H
#define QC_TRACING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpuset.h"
#include "noise.h"

#define TRACING_INSTANCE_PREFIX "quietcore-noise-"
/*
 * The osnoise tracer's control files are global (osnoise/, tracing_thresh):
 * what they held before a run is kept here, NAME-PID.saved, until the run
 * puts it back; a run killed before that leaves the file, and the next run's
 * sweep writes it back.
 */
#define TRACING_SAVED_DIR "/run/quietcore"

struct tracefs_instance;
struct tep_handle;
struct path_cxt;

#define TRACING_NSAVED 7

struct tracing {
	struct path_cxt *pc; /* where TRACING_SAVED_DIR is (the real root) */
	struct tracefs_instance *inst;
	char name[64];			 /* the instance's name */
	char dir[4096];			 /* where tracefs is mounted */
	unsigned int nbits;		 /* the CPUs armed: below this */
	cpuset_t cpus;			 /* the CPUs armed */
	bool osnoise;			 /* armed with the osnoise tracer: globals to restore */
	char saved[TRACING_NSAVED][160]; /* their values before */
	char err[512];			 /* why the last call failed: the file and the reason */
};

/*
 * Is tracefs mounted (it is never mounted here: libtracefs would)? 0 and
 * t->dir, or -ENOENT with t->err saying so.
 */
int tracing_find(struct tracing *t);

/* Is tracer in available_tracers? (after tracing_find) */
bool tracing_has_tracer(struct tracing *t, const char *tracer);

/*
 * Remove the instances of runs that are gone (their PID is no process).
 * Returns how many were removed (their names, comma separated, in removed),
 * or -EBUSY when a live run's instance exists (t->err names its PID), or
 * -errno.
 */
int tracing_sweep(struct tracing *t, char *removed, size_t len);

/*
 * Make our instance, trace clock mono, record only cpus (tracing_cpumask),
 * buffer_kb per CPU on cpus and the least elsewhere, no overwrite (a full
 * buffer loses the newest events, which the reader counts), the generic back
 * end's events enabled, then tracing_on. 0, or -errno with t->err naming the
 * file; on failure the instance is gone again.
 */
int tracing_arm_generic(struct tracing *t, const cpuset_t *cpus, unsigned int buffer_kb);

/*
 * The osnoise back end: who holds the tracer already (an instance or the top
 * buffer with osnoise or timerlat as its current_tracer: rtla, trace-cmd):
 * -EBUSY with t->err naming it; 0 when nobody does.
 */
int tracing_osnoise_holder(struct tracing *t);

/*
 * The osnoise tracer in our instance on cpus: its global files saved (to
 * TRACING_SAVED_DIR first), then osnoise/cpus, period_us = runtime_us =
 * period_us (the workload takes the whole CPU), tracing_thresh (whole us,
 * rounded up; osnoise's 5 us default is 0 there) and the OSNOISE_WORKLOAD
 * option set, the osnoise events enabled, and the tracer started. Disarming
 * writes every global back. 0, or -errno with t->err (nothing left set).
 */
int tracing_arm_osnoise(struct tracing *t, const cpuset_t *cpus, unsigned int buffer_kb,
			uint64_t period_us, uint64_t threshold_ns);

/* The osnoise events and period summaries of the armed CPUs (free() them). */
int tracing_read_osnoise(struct tracing *t, struct osnoise_event **ret, size_t *ret_n);

/* tracing_on 0 in our instance (the events stay recorded). */
int tracing_stop(struct tracing *t);

/*
 * The recorded events of the armed CPUs, each CPU's in ring-buffer order,
 * into a new array (free() it). A CPU's lost events come as NOISE_EV_LOST
 * where they were lost. 0 or -errno (t->err says why).
 */
int tracing_read(struct tracing *t, struct noise_event **ret, size_t *ret_n);

/*
 * Remove our instance (after tracing_stop or not), and with the osnoise
 * tracer write its globals back; safe to call twice.
 */
void tracing_disarm(struct tracing *t);

#endif
