/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tracetext: the text of tracefs `trace` and `trace_pipe` read into
 * struct noise_event (lib/noise.h), for the events of noise's generic back
 * end: irq_handler_entry/exit, irq_vectors' <vector>_entry/exit,
 * softirq_entry/exit, sched_switch, nmi_handler, and the ring buffer's
 * "CPU:N [LOST M EVENTS]" marker.
 *
 * A line as the kernel prints it (kernel/trace/trace_output.c):
 *
 *   "  <comm>-<pid>  [<cpu>] <flags> <secs>.<usecs>: <event>: <fields>"
 *
 * with an optional "(<tgid>)" before the CPU (option record-tgid) and no
 * flags column without option irq-info. The fields are each event's print
 * fmt (events/<sys>/<event>/format on 6.18: "irq=%d name=%s", "irq=%d
 * ret=%s", "vector=%d", "vec=%u [action=%s]", sched_switch's
 * "prev_comm=%s prev_pid=%d ... ==> next_comm=%s next_pid=%d next_prio=%d",
 * "%ps() delta_ns: %lld handled: %d").
 *
 * Why text and not libtracefs/libtraceevent: the tests replay samples
 * recorded on real kernels, and libtracefs reads only a live tracefs (its
 * raw iterator), not a saved file; text is what `cat trace` saves and what a
 * person can read and trim. The price: for a nanosecond clock such as mono
 * the text has microseconds only, so event times are multiples of 1000 ns
 * while the probe's gaps are exact. The live reader of isol-verify --noise
 * should read the raw buffers through libtracefs (ns timestamps) into the same
 * struct noise_event; this parser stays for the recorded samples and for
 * replaying a saved trace.
 *
 * Comm names containing " [", "-" followed by the CPU field, " prev_pid=" or
 * " next_pid=" are parsed by anchoring on the fields after them; a comm that
 * imitates a whole field sequence can still fool it.
 */
#ifndef QC_TRACETEXT_H
#define QC_TRACETEXT_H

#include <stddef.h>

#include "noise.h"

/*
 * One line (len bytes, no newline needed). A LOST marker has no timestamp
 * (ts 0; noise_attribute() places it after the CPU's previous event).
 * 0: *ret holds an event. 1: a line
 * that is none of ours (blank, '#' comment, another event). -EINVAL: a line
 * that is no trace line, or one of our events with fields that do not parse.
 * *ret untouched unless 0.
 */
int tracetext_parse_line(const char *line, size_t len, struct noise_event *ret);

/*
 * Every line of text: our events, in order, into a new array (*ret_events,
 * free() it; NULL when there are none). -EINVAL with *ret_line the first bad
 * line (1-based), -ENOMEM. Outputs untouched on failure except *ret_line.
 */
int tracetext_parse(const char *text, struct noise_event **ret_events, size_t *ret_nevents,
		    unsigned int *ret_line);

/*
 * The osnoise tracer's text (lib/noise.h, the osnoise back end): the
 * osnoise:irq_noise, softirq_noise, thread_noise, nmi_noise and
 * sample_threshold events and the tracer's per-period summary lines
 * ("RUNTIME NOISE %% MAX-SINGLE HW NMI IRQ SIRQ THREAD", microseconds, kept in
 * ns). PREEMPT_RT kernels print more flag columns; both are read.
 * 0: *ret holds one, 1: none of ours, -EINVAL; *ret untouched unless 0.
 * tracetext_parse_osnoise() reads a whole text as tracetext_parse() does.
 */
int tracetext_parse_osnoise_line(const char *line, size_t len, struct osnoise_event *ret);
int tracetext_parse_osnoise(const char *text, struct osnoise_event **ret_events,
			    size_t *ret_nevents, unsigned int *ret_line);

#endif
