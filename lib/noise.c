// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * noise: the probe's gaps attributed to the trace events inside them.
 *
 * One sweep over the CPU's events in time order. Between two events the CPU
 * is in one context: the innermost open handler (a stack: softirq, the IRQ
 * that interrupted it, the NMI that interrupted that), or the running task.
 * The time between two events goes to that context, clipped to the gaps;
 * time outside every gap is the probe's own and goes nowhere. Nesting is net
 * by construction: while the IRQ is on top, the softirq below it gets nothing.
 */
#include "noise.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOISE_DEPTH 16 /* task < softirq < IRQ < NMI, with room for damage */

static const struct {
	const char *event; /* irq_vectors:<event>_entry */
	const char *row;   /* /proc/interrupts */
} vector_rows[] = {
	{ "local_timer", "LOC" },    { "spurious_apic", "SPU" },	{ "error_apic", "ERR" },
	{ "irq_work", "IWI" },	     { "x86_platform_ipi", "PLT" },	{ "reschedule", "RES" },
	{ "call_function", "CAL" },  { "call_function_single", "CAL" }, { "thermal_apic", "TRM" },
	{ "threshold_apic", "THR" }, { "deferred_error_apic", "DFR" },
};

const char *noise_vector_row(const char *event)
{
	for (size_t i = 0; i < sizeof(vector_rows) / sizeof(vector_rows[0]); i++)
		if (strcmp(vector_rows[i].event, event) == 0)
			return vector_rows[i].row;
	return NULL;
}

const char *noise_softirq_name(unsigned int vec)
{
	static const char *const names[] = { "HI",	 "TIMER",   "NET_TX", "NET_RX",	 "BLOCK",
					     "IRQ_POLL", "TASKLET", "SCHED",  "HRTIMER", "RCU" };

	return vec < sizeof(names) / sizeof(names[0]) ? names[vec] : NULL;
}

const char *noise_kind_name(enum noise_kind kind)
{
	switch (kind) {
	case NOISE_IRQ:
		return "irq";
	case NOISE_VECTOR:
		return "vector";
	case NOISE_SOFTIRQ:
		return "softirq";
	case NOISE_THREAD:
		return "thread";
	case NOISE_NMI:
		return "nmi";
	case NOISE_HW:
		return "hw";
	}
	return "?";
}

int noise_source_cmp(const struct noise_source *a, const struct noise_source *b)
{
	if (a->total_ns != b->total_ns)
		return a->total_ns > b->total_ns ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int source_qsort_cmp(const void *a, const void *b)
{
	return noise_source_cmp(a, b);
}

double noise_cpu_percent(const struct noise_cpu *nc)
{
	if (!nc->window_ns)
		return 0.0;
	return 100.0 * (double)nc->total_ns / (double)nc->window_ns;
}

void noise_cpu_free(struct noise_cpu *nc)
{
	if (!nc)
		return;
	free(nc->sources);
	memset(nc, 0, sizeof(*nc));
}

/* One point of the sweep: an event, or the start or end of an NMI handler. */
enum edge_kind {
	EDGE_EVENT,
	EDGE_NMI_BEGIN,
	EDGE_NMI_END,
};

struct edge {
	uint64_t ts;
	size_t seq; /* input order breaks ties */
	enum edge_kind kind;
	const struct noise_event *ev;
};

static int edge_cmp(const void *pa, const void *pb)
{
	const struct edge *a = pa, *b = pb;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* An open handler, or the running task (acc and counted only). */
struct frame {
	enum noise_kind kind;
	int id;
	char name[NOISE_NAME_MAX];
	uint64_t acc; /* net time this occurrence took inside gaps */
	bool counted; /* its source's count has it */
};

struct walk {
	const struct noise_probe *probe;
	struct noise_source *src;
	size_t nsrc, cap;
	struct frame stack[NOISE_DEPTH];
	unsigned int depth;
	struct frame task; /* kind NOISE_THREAD, id: pid */
	size_t gi;	   /* the first gap that can still take time */
	uint64_t *gap_hw;  /* [ngaps] */
	bool *gap_traced;  /* [ngaps]: some traced noise in it */
	uint64_t unmatched, lost;
};

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, NOISE_NAME_MAX, "%s", src);
}

/*
 * The source (kind, id, name) of the table *v, added if new (by_name false:
 * (kind, id) alone, the name updated: a thread's comm changes); NULL when
 * out of memory.
 */
static struct noise_source *source_get(struct noise_source **v, size_t *n, size_t *cap,
				       enum noise_kind kind, int id, const char *name, bool by_name)
{
	struct noise_source *s;

	for (size_t i = 0; i < *n; i++) {
		s = &(*v)[i];
		if (s->kind == kind && s->id == id && (!by_name || strcmp(s->name, name) == 0)) {
			if (!by_name)
				copy_name(s->name, name);
			return s;
		}
	}
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct noise_source *t = realloc(*v, c * sizeof(*t));

		if (!t)
			return NULL;
		*v = t;
		*cap = c;
	}
	s = &(*v)[(*n)++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->id = id;
	copy_name(s->name, name);
	return s;
}

static int account(struct walk *w, struct frame *f, uint64_t ns)
{
	struct noise_source *s =
		source_get(&w->src, &w->nsrc, &w->cap, f->kind, f->id, f->name, true);

	if (!s)
		return -ENOMEM;
	s->total_ns += ns;
	f->acc += ns;
	if (!f->counted) {
		s->count++;
		f->counted = true;
	}
	if (f->acc > s->max_ns)
		s->max_ns = f->acc;
	return 0;
}

/* [from, to) in the context the CPU is in now, clipped to the gaps. */
static int charge(struct walk *w, uint64_t from, uint64_t to)
{
	const struct noise_probe *p = w->probe;

	while (w->gi < p->ngaps && p->gaps[w->gi].end <= from)
		w->gi++;
	for (size_t j = w->gi; j < p->ngaps && p->gaps[j].start < to; j++) {
		uint64_t lo = from > p->gaps[j].start ? from : p->gaps[j].start;
		uint64_t hi = to < p->gaps[j].end ? to : p->gaps[j].end;
		int r = 0;

		if (hi <= lo)
			continue;
		if (w->depth) {
			r = account(w, &w->stack[w->depth - 1], hi - lo);
			w->gap_traced[j] = true;
		} else if (w->task.id != p->tid) {
			r = account(w, &w->task, hi - lo);
			w->gap_traced[j] = true;
		} else {
			w->gap_hw[j] += hi - lo;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static void push(struct walk *w, enum noise_kind kind, int id, const char *name)
{
	struct frame *f;

	if (w->depth == NOISE_DEPTH) {
		w->unmatched++;
		return;
	}
	f = &w->stack[w->depth++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->id = id;
	copy_name(f->name, name);
}

/*
 * Close the innermost frame that matches (name NULL: any name). Frames above
 * it lost their exit: they close too, and count as unmatched; so does an exit
 * with no frame to close.
 */
static void pop(struct walk *w, enum noise_kind kind, int id, const char *name)
{
	for (unsigned int i = w->depth; i-- > 0;) {
		const struct frame *f = &w->stack[i];

		if (f->kind == kind && f->id == id && (!name || strcmp(f->name, name) == 0)) {
			w->unmatched += w->depth - 1 - i;
			w->depth = i;
			return;
		}
	}
	w->unmatched++;
}

static void set_task(struct walk *w, pid_t pid, const char *comm)
{
	memset(&w->task, 0, sizeof(w->task));
	w->task.kind = NOISE_THREAD;
	w->task.id = pid;
	snprintf(w->task.name, sizeof(w->task.name), "%.*s", NOISE_COMM_MAX - 1, comm);
}

static const char *vector_name(const struct noise_event *ev)
{
	const char *row = noise_vector_row(ev->name);

	return row ? row : ev->name;
}

static void apply(struct walk *w, const struct edge *e)
{
	const struct noise_event *ev = e->ev;
	char buf[NOISE_NAME_MAX];
	const char *s;

	if (e->kind == EDGE_NMI_BEGIN) {
		push(w, NOISE_NMI, -1, ev->name);
		return;
	}
	if (e->kind == EDGE_NMI_END) {
		pop(w, NOISE_NMI, -1, ev->name);
		return;
	}
	switch (ev->type) {
	case NOISE_EV_IRQ_ENTRY:
		push(w, NOISE_IRQ, ev->irq, ev->name);
		break;
	case NOISE_EV_IRQ_EXIT:
		pop(w, NOISE_IRQ, ev->irq, NULL);
		break;
	case NOISE_EV_VECTOR_ENTRY:
		push(w, NOISE_VECTOR, -1, vector_name(ev));
		break;
	case NOISE_EV_VECTOR_EXIT:
		pop(w, NOISE_VECTOR, -1, vector_name(ev));
		break;
	case NOISE_EV_SOFTIRQ_ENTRY:
		s = noise_softirq_name((unsigned int)ev->irq);
		if (!s) {
			snprintf(buf, sizeof(buf), "softirq%d", ev->irq);
			s = buf;
		}
		push(w, NOISE_SOFTIRQ, ev->irq, s);
		break;
	case NOISE_EV_SOFTIRQ_EXIT:
		pop(w, NOISE_SOFTIRQ, ev->irq, NULL);
		break;
	case NOISE_EV_SWITCH:
		/* A task switches only with no handler open: what is open lost its exit. */
		w->unmatched += w->depth;
		w->depth = 0;
		set_task(w, ev->next_pid, ev->next_comm);
		break;
	case NOISE_EV_LOST:
		/* What was open may have closed among the lost events: forget it. */
		w->lost++;
		w->depth = 0;
		break;
	case NOISE_EV_NMI:
		break; /* as two edges */
	}
}

/* The CPU's events as edges, an NMI as its start and end, in time order. */
static int make_edges(const struct noise_probe *p, const struct noise_event *ev, size_t nev,
		      struct edge **ret, size_t *ret_n)
{
	struct edge *e;
	size_t n = 0;
	uint64_t last = 0, nmi_end = 0;

	e = calloc(nev ? 2 * nev : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < nev; i++) {
		if (ev[i].cpu != p->cpu)
			continue;
		if (ev[i].type == NOISE_EV_LOST) {
			/* the marker has no time of its own: where it is in the stream */
			e[n++] = (struct edge){ last, 2 * i + 1, EDGE_EVENT, &ev[i] };
			continue;
		}
		if (ev[i].ts < last) {
			free(e);
			return -EINVAL;
		}
		last = ev[i].ts;
		if (ev[i].type == NOISE_EV_NMI) {
			uint64_t begin = ev[i].ts > ev[i].nmi_ns ? ev[i].ts - ev[i].nmi_ns : 0;

			/* handlers of one NMI run one after the other, never overlapping */
			if (begin < nmi_end)
				begin = nmi_end;
			nmi_end = ev[i].ts;
			e[n++] = (struct edge){ begin, 2 * i, EDGE_NMI_BEGIN, &ev[i] };
			e[n++] = (struct edge){ ev[i].ts, 2 * i + 1, EDGE_NMI_END, &ev[i] };
		} else {
			e[n++] = (struct edge){ ev[i].ts, 2 * i + 1, EDGE_EVENT, &ev[i] };
		}
	}
	qsort(e, n, sizeof(*e), edge_cmp);
	*ret = e;
	*ret_n = n;
	return 0;
}

static int check_probe(const struct noise_probe *p)
{
	if (p->tid <= 0 || (p->ngaps && !p->gaps))
		return -EINVAL;
	for (size_t i = 0; i < p->ngaps; i++) {
		if (p->gaps[i].start > p->gaps[i].end)
			return -EINVAL;
		if (i && p->gaps[i].start < p->gaps[i - 1].end)
			return -EINVAL;
	}
	return 0;
}

int noise_attribute(const struct noise_probe *probe, const struct noise_event *ev, size_t nev,
		    struct noise_cpu *ret)
{
	struct walk w = { .probe = probe };
	struct noise_cpu nc = { .cpu = probe->cpu };
	struct edge *edges = NULL;
	size_t nedges = 0;
	uint64_t last = 0, hw_max = 0, hw_count = 0;
	int r;

	r = check_probe(probe);
	if (r < 0)
		return r;
	r = make_edges(probe, ev, nev, &edges, &nedges);
	if (r < 0)
		return r;
	w.gap_hw = calloc(probe->ngaps ? probe->ngaps : 1, sizeof(*w.gap_hw));
	w.gap_traced = calloc(probe->ngaps ? probe->ngaps : 1, sizeof(*w.gap_traced));
	if (!w.gap_hw || !w.gap_traced) {
		r = -ENOMEM;
		goto out;
	}

	/* Before its first switch the CPU ran that switch's prev. */
	set_task(&w, probe->tid, "");
	for (size_t i = 0; i < nedges; i++)
		if (edges[i].kind == EDGE_EVENT && edges[i].ev->type == NOISE_EV_SWITCH) {
			set_task(&w, edges[i].ev->prev_pid, edges[i].ev->prev_comm);
			break;
		}

	for (size_t i = 0; i < nedges; i++) {
		r = charge(&w, last, edges[i].ts);
		if (r < 0)
			goto out;
		last = edges[i].ts;
		apply(&w, &edges[i]);
	}
	r = charge(&w, last, UINT64_MAX);
	if (r < 0)
		goto out;
	w.unmatched += w.depth;

	for (size_t j = 0; j < probe->ngaps; j++) {
		uint64_t len = probe->gaps[j].end - probe->gaps[j].start;

		nc.total_ns += len;
		if (len > nc.max_ns)
			nc.max_ns = len;
		nc.hw_ns += w.gap_hw[j];
		if (w.gap_traced[j])
			nc.hw_beside_events_ns += w.gap_hw[j];
		if (w.gap_hw[j]) {
			hw_count++;
			if (w.gap_hw[j] > hw_max)
				hw_max = w.gap_hw[j];
		}
	}
	if (nc.hw_ns) {
		struct frame hw = { .kind = NOISE_HW, .id = -1, .name = "hw", .counted = true };

		r = account(&w, &hw, nc.hw_ns);
		if (r < 0)
			goto out;
		w.src[w.nsrc - 1].count = hw_count;
		w.src[w.nsrc - 1].max_ns = hw_max;
	}
	if (w.nsrc) /* qsort's base must not be NULL, even for no element */
		qsort(w.src, w.nsrc, sizeof(*w.src), source_qsort_cmp);

	nc.window_ns = probe->window_end > probe->window_start ?
			       probe->window_end - probe->window_start :
			       0;
	nc.ngaps = probe->ngaps;
	nc.lost = w.lost;
	nc.unmatched = w.unmatched;
	nc.sources = w.src;
	nc.nsources = w.nsrc;
	w.src = NULL;
	*ret = nc;
	r = 0;
out:
	free(w.src);
	free(w.gap_hw);
	free(w.gap_traced);
	free(edges);
	return r;
}

/* --- the osnoise back end ----------------------------------------------------- */

/* An irq_noise event's source: a system vector by its row ("local_timer" is LOC), else the IRQ. */
static void osnoise_irq_source(const struct osnoise_event *e, enum noise_kind *kind, int *id,
			       const char **name)
{
	const char *row = noise_vector_row(e->name);

	if (row) {
		*kind = NOISE_VECTOR;
		*id = -1;
		*name = row;
	} else {
		*kind = NOISE_IRQ;
		*id = e->id;
		*name = e->name;
	}
}

int noise_osnoise(unsigned int cpu, const struct osnoise_event *ev, size_t nev,
		  struct noise_cpu *ret)
{
	struct noise_cpu nc = { .cpu = cpu };
	struct noise_source *src = NULL;
	size_t nsrc = 0, cap = 0;

	for (size_t i = 0; i < nev; i++) {
		const struct osnoise_event *e = &ev[i];
		enum noise_kind kind = NOISE_HW;
		const char *name = "hw", *sname;
		int id = -1;
		struct noise_source *s;

		if (e->cpu != cpu)
			continue;
		switch (e->type) {
		case OSNOISE_EV_PERIOD:
			nc.window_ns += e->runtime;
			nc.total_ns += e->noise;
			if (e->max_sample > nc.max_ns)
				nc.max_ns = e->max_sample;
			continue;
		case OSNOISE_EV_LOST:
			nc.lost++;
			continue;
		case OSNOISE_EV_SAMPLE:
			nc.ngaps++;
			if (e->id != 0)
				continue;
			nc.hw_ns += e->duration; /* nothing the kernel saw: hardware */
			break;
		case OSNOISE_EV_IRQ:
			osnoise_irq_source(e, &kind, &id, &name);
			break;
		case OSNOISE_EV_SOFTIRQ:
			kind = NOISE_SOFTIRQ;
			id = e->id;
			sname = e->id >= 0 ? noise_softirq_name((unsigned int)e->id) : NULL;
			name = sname ? sname : "?";
			break;
		case OSNOISE_EV_THREAD:
			kind = NOISE_THREAD;
			id = e->id;
			name = e->name;
			break;
		case OSNOISE_EV_NMI:
			kind = NOISE_NMI;
			name = "nmi";
			break;
		}
		s = source_get(&src, &nsrc, &cap, kind, id, name, kind != NOISE_THREAD);
		if (!s) {
			free(src);
			return -ENOMEM;
		}
		s->total_ns += e->duration;
		s->count++;
		if (e->duration > s->max_ns)
			s->max_ns = e->duration;
	}
	if (nsrc)
		qsort(src, nsrc, sizeof(*src), source_qsort_cmp);
	nc.sources = src;
	nc.nsources = nsrc;
	*ret = nc;
	return 0;
}
