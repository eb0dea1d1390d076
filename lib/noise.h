/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * noise: which disturbance took the probe's time on a CPU (the generic back
 * end of isol-verify --noise, for kernels without the osnoise tracer).
 *
 * Input, per CPU: the probe's gaps (two consecutive clock reads further apart
 * than its threshold; CLOCK_MONOTONIC, which is the trace clock "mono") and
 * the trace events of that CPU in the order the ring buffer holds them:
 * irq:irq_handler_entry/exit, irq_vectors:<vector>_entry/exit,
 * irq:softirq_entry/exit, sched:sched_switch, nmi:nmi_handler. Output, per
 * CPU: the total noise (the sum of the gaps), its share of the window, the
 * longest gap, and every source that took time inside a gap, net of what
 * nested inside it (an IRQ inside a softirq is the IRQ's time, not the
 * softirq's), largest first.
 *
 * Every nanosecond of every gap goes to exactly one source, so the sources'
 * totals add up to the noise total:
 *   - the innermost open handler (NMI, IRQ, system vector, softirq), else
 *   - the thread that runs, when it is not the probe (sched_switch), else
 *   - "hw": nothing traced explains it. That is SMIs and the hypervisor, but
 *     also the probe's own kernel entries (page faults, syscalls) and the
 *     entry and exit code around traced handlers, which no tracepoint
 *     covers: hw_beside_events_ns tells that part apart (hw time in gaps
 *     that also hold traced noise).
 *
 * Pure functions: no I/O, nothing printed. Timestamps are what the reader
 * gives; tracefs text has microseconds only (lib/tracetext.h).
 */
#ifndef QC_NOISE_H
#define QC_NOISE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NOISE_NAME_MAX 64 /* IRQ action names, vector events, NMI handlers */
#define NOISE_COMM_MAX 16 /* TASK_COMM_LEN */

enum noise_event_type {
	NOISE_EV_IRQ_ENTRY,	/* irq, name (the action, as in /proc/interrupts) */
	NOISE_EV_IRQ_EXIT,	/* irq */
	NOISE_EV_VECTOR_ENTRY,	/* name: the event without _entry ("local_timer"), irq: vector */
	NOISE_EV_VECTOR_EXIT,	/* the same */
	NOISE_EV_SOFTIRQ_ENTRY, /* irq: vec */
	NOISE_EV_SOFTIRQ_EXIT,	/* irq: vec */
	NOISE_EV_SWITCH,	/* prev_* -> next_* */
	NOISE_EV_NMI,		/* ts: the handler's end, nmi_ns its duration, name: handler */
	NOISE_EV_LOST, /* events of this CPU lost here; ts ignored (the previous event's) */
};

struct noise_event {
	uint64_t ts; /* ns on the trace clock */
	unsigned int cpu;
	enum noise_event_type type;
	int irq;		   /* IRQ number, softirq vec, IDT vector (-1: none) */
	char name[NOISE_NAME_MAX]; /* see the types */
	uint64_t nmi_ns;
	pid_t prev_pid, next_pid;
	char prev_comm[NOISE_COMM_MAX], next_comm[NOISE_COMM_MAX];
};

struct noise_gap {
	uint64_t start, end; /* the two clock reads around it, ns */
};

/* What the probe saw on one CPU. */
struct noise_probe {
	unsigned int cpu;
	pid_t tid;			   /* the probe's thread (> 0) */
	uint64_t window_start, window_end; /* the measurement window, ns */
	const struct noise_gap *gaps;	   /* ascending, not overlapping, start <= end */
	size_t ngaps;
};

/* The order of the kinds is the tie-breaker of noise_source_cmp(). */
enum noise_kind {
	NOISE_IRQ,     /* id: IRQ number, name: action */
	NOISE_VECTOR,  /* name: /proc/interrupts row ("LOC"), else the event name */
	NOISE_SOFTIRQ, /* id: vec, name: "NET_RX" */
	NOISE_THREAD,  /* id: pid, name: comm */
	NOISE_NMI,     /* name: handler */
	NOISE_HW,      /* name: "hw" */
};

struct noise_source {
	enum noise_kind kind;
	int id; /* -1 where the kind has none */
	char name[NOISE_NAME_MAX];
	uint64_t total_ns; /* net time inside gaps */
	uint64_t max_ns;   /* the longest single occurrence (hw: per gap) */
	uint64_t count;	   /* occurrences that took time inside a gap (hw: gaps) */
};

struct noise_cpu {
	unsigned int cpu;
	uint64_t window_ns;
	uint64_t total_ns; /* sum of the gaps */
	uint64_t max_ns;   /* the longest gap */
	uint64_t ngaps;
	uint64_t hw_ns;		      /* the hw source's total */
	uint64_t hw_beside_events_ns; /* of which in gaps that also hold traced noise */
	uint64_t lost;		      /* lost-events markers: the attribution is incomplete */
	uint64_t unmatched;	      /* exits without their entry, entries never closed */
	struct noise_source *sources; /* noise_source_cmp() order */
	size_t nsources;
};

/*
 * Attribute probe->gaps to the events of probe->cpu in ev[0..nev) (other CPUs'
 * events are skipped; one CPU's events in ring-buffer order). The task running
 * before the CPU's first sched_switch is that switch's prev, or the probe if
 * there is none. -EINVAL: gaps out of order or overlapping, tid <= 0, one
 * CPU's timestamps going backwards; -ENOMEM. *ret untouched on failure.
 */
int noise_attribute(const struct noise_probe *probe, const struct noise_event *ev, size_t nev,
		    struct noise_cpu *ret);
void noise_cpu_free(struct noise_cpu *nc);

/*
 * The osnoise back end (kernels with the osnoise tracer: Debian's rt-amd64,
 * Fedora, RHEL): the tracer's own workload measures each CPU and reports
 * each interference with its duration, net of what nested inside it
 * (osnoise:irq_noise, softirq_noise, thread_noise, nmi_noise), each sample
 * over the threshold (osnoise:sample_threshold, with its interference
 * count: 0 is hardware noise, nothing the kernel saw) and, once a period,
 * its summary (the tracer's ftrace:osnoise entry: runtime, noise, the
 * longest single sample). The events' start fields are on the tracer's own
 * clock, not the buffer's: only durations are used. A thread's comm changes
 * (exec): sources are keyed on its pid and named by its last comm.
 */
enum osnoise_type {
	OSNOISE_EV_IRQ,	    /* id: IRQ number or IDT vector, name: desc ("ttyS0", "local_timer") */
	OSNOISE_EV_SOFTIRQ, /* id: vec */
	OSNOISE_EV_THREAD,  /* id: pid, name: comm */
	OSNOISE_EV_NMI,
	OSNOISE_EV_SAMPLE, /* duration: the sample; id: its interference count */
	OSNOISE_EV_PERIOD, /* runtime, noise, max_sample (ns) */
	OSNOISE_EV_LOST,
};

struct osnoise_event {
	unsigned int cpu;
	enum osnoise_type type;
	int id;
	char name[NOISE_NAME_MAX];
	uint64_t duration; /* ns */
	uint64_t runtime, noise, max_sample;
};

/*
 * CPU cpu's noise from the osnoise events ev[0..nev) (other CPUs' skipped):
 * window_ns and total_ns are the periods' runtime and noise, max_ns their
 * longest sample, ngaps the samples over the threshold; each IRQ, system
 * vector (by /proc/interrupts row: desc is the vector's name), softirq,
 * thread and NMI is a source with its summed durations, and "hw" the
 * samples with no interference. Unlike the generic back end the sources
 * need not add up to total_ns: the tracer reports every interference, the
 * total only the samples over the threshold. -ENOMEM; *ret untouched then.
 */
int noise_osnoise(unsigned int cpu, const struct osnoise_event *ev, size_t nev,
		  struct noise_cpu *ret);

/* total_ns as a percentage of window_ns (0 for an empty window). */
double noise_cpu_percent(const struct noise_cpu *nc);

/*
 * Order of the report: total_ns descending; ties by count descending, then
 * kind (enum order), id ascending, name. For qsort-like use.
 */
int noise_source_cmp(const struct noise_source *a, const struct noise_source *b);

/*
 * The /proc/interrupts row of an irq_vectors event ("local_timer" -> "LOC",
 * "call_function_single" -> "CAL", as arch/x86/kernel/irq.c prints them), or
 * NULL for a name it does not know.
 */
const char *noise_vector_row(const char *event);
/* "HI", "TIMER", ... "RCU" (include/linux/interrupt.h), or NULL. */
const char *noise_softirq_name(unsigned int vec);
/* "irq", "vector", "softirq", "thread", "nmi", "hw". */
const char *noise_kind_name(enum noise_kind kind);

#endif
