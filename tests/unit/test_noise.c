// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/noise: probe gaps attributed to trace events. Synthetic timelines for
 * each rule (nesting is net, a gap with no event is hw, a thread that
 * preempts the probe, events outside the gaps, the vector rows, the report's
 * order), then a sample recorded on this project's 6.18 host (see
 * tests/unit/data/noise/README), read through lib/tracetext, with the
 * numbers worked out by hand from the trace's lines.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "noise.h"
#include "tracetext.h"

#include "table.h"

#define CPU 3
#define PROBE 100

static struct noise_event ev_named(uint64_t ts, enum noise_event_type type, int irq,
				   const char *name)
{
	struct noise_event e;

	memset(&e, 0, sizeof(e));
	e.ts = ts;
	e.cpu = CPU;
	e.type = type;
	e.irq = irq;
	snprintf(e.name, sizeof(e.name), "%s", name ? name : "");
	return e;
}

#define IRQ_IN(ts, irq, name) ev_named(ts, NOISE_EV_IRQ_ENTRY, irq, name)
#define IRQ_OUT(ts, irq) ev_named(ts, NOISE_EV_IRQ_EXIT, irq, NULL)
#define VEC_IN(ts, name) ev_named(ts, NOISE_EV_VECTOR_ENTRY, -1, name)
#define VEC_OUT(ts, name) ev_named(ts, NOISE_EV_VECTOR_EXIT, -1, name)
#define SIRQ_IN(ts, vec) ev_named(ts, NOISE_EV_SOFTIRQ_ENTRY, vec, NULL)
#define SIRQ_OUT(ts, vec) ev_named(ts, NOISE_EV_SOFTIRQ_EXIT, vec, NULL)

static struct noise_event ev_switch(uint64_t ts, pid_t prev, const char *prev_comm, pid_t next,
				    const char *next_comm)
{
	struct noise_event e = ev_named(ts, NOISE_EV_SWITCH, -1, NULL);

	e.prev_pid = prev;
	e.next_pid = next;
	snprintf(e.prev_comm, sizeof(e.prev_comm), "%s", prev_comm);
	snprintf(e.next_comm, sizeof(e.next_comm), "%s", next_comm);
	return e;
}

static struct noise_event ev_nmi(uint64_t end, uint64_t ns, const char *handler)
{
	struct noise_event e = ev_named(end, NOISE_EV_NMI, -1, handler);

	e.nmi_ns = ns;
	return e;
}

#define ARRAY_AND_SIZE(a) (a), ARRAY_SIZE(a)

static const struct noise_source *find(const struct noise_cpu *nc, enum noise_kind kind, int id,
				       const char *name)
{
	for (size_t i = 0; i < nc->nsources; i++) {
		const struct noise_source *s = &nc->sources[i];

		if (s->kind == kind && s->id == id && strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* total, count, max of one source (absent: fails) */
static void expect_source(const struct noise_cpu *nc, enum noise_kind kind, int id,
			  const char *name, uint64_t total, uint64_t count, uint64_t max)
{
	const struct noise_source *s = find(nc, kind, id, name);

	if (!s)
		fail_msg("no source %s %d %s", noise_kind_name(kind), id, name);
	if (s->total_ns != total || s->count != count || s->max_ns != max)
		fail_msg("%s %d %s: total %" PRIu64 " count %" PRIu64 " max %" PRIu64
			 ", expected %" PRIu64 " %" PRIu64 " %" PRIu64,
			 noise_kind_name(kind), id, name, s->total_ns, s->count, s->max_ns, total,
			 count, max);
}

/* Every ns of every gap is somebody's, and the report is in its order. */
static void check_invariants(const struct noise_cpu *nc)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < nc->nsources; i++) {
		sum += nc->sources[i].total_ns;
		assert_true(nc->sources[i].total_ns > 0);
		if (i)
			assert_true(noise_source_cmp(&nc->sources[i - 1], &nc->sources[i]) < 0);
	}
	assert_int_equal(sum, nc->total_ns);
	assert_true(nc->hw_beside_events_ns <= nc->hw_ns);
}

static void attribute(const struct noise_gap *gaps, size_t ngaps, const struct noise_event *ev,
		      size_t nev, struct noise_cpu *ret)
{
	struct noise_probe p = {
		.cpu = CPU,
		.tid = PROBE,
		.window_start = 0,
		.window_end = 100000,
		.gaps = gaps,
		.ngaps = ngaps,
	};

	assert_int_equal(noise_attribute(&p, ev, nev, ret), 0);
	check_invariants(ret);
}

/*
 * NET_RX 2000-6000 with IRQ 45 at 3000-4000 inside it and an NMI at
 * 3400-3600 inside that: each gets only its own time.
 */
static void test_nested_net(void **state)
{
	const struct noise_gap gaps[] = { { 1000, 10000 } };
	const struct noise_event ev[] = {
		SIRQ_IN(2000, 3),
		IRQ_IN(3000, 45, "eth0-rx-3"),
		ev_nmi(3600, 200, "perf_event_nmi_handler"),
		IRQ_OUT(4000, 45),
		SIRQ_OUT(6000, 3),
	};
	struct noise_cpu nc;

	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(ev), &nc);
	assert_int_equal(nc.total_ns, 9000);
	assert_int_equal(nc.max_ns, 9000);
	assert_int_equal(nc.ngaps, 1);
	expect_source(&nc, NOISE_SOFTIRQ, 3, "NET_RX", 3000, 1, 3000);
	expect_source(&nc, NOISE_IRQ, 45, "eth0-rx-3", 800, 1, 800);
	expect_source(&nc, NOISE_NMI, -1, "perf_event_nmi_handler", 200, 1, 200);
	/* 1000-2000 and 6000-10000: nothing traced, beside traced noise */
	expect_source(&nc, NOISE_HW, -1, "hw", 5000, 1, 5000);
	assert_int_equal(nc.hw_ns, 5000);
	assert_int_equal(nc.hw_beside_events_ns, 5000);
	assert_int_equal(nc.nsources, 4);
	assert_int_equal(nc.unmatched, 0);
	/* the report starts with the largest: hw, then NET_RX */
	assert_int_equal(nc.sources[0].kind, NOISE_HW);
	assert_int_equal(nc.sources[1].kind, NOISE_SOFTIRQ);
	noise_cpu_free(&nc);
	noise_cpu_free(NULL);
}

/* Gaps with no event at all: hw, once per gap; the LOC between them is nobody's. */
static void test_gap_without_event_is_hw(void **state)
{
	const struct noise_gap gaps[] = { { 100, 200 }, { 300, 450 } };
	const struct noise_event ev[] = { VEC_IN(250, "local_timer"), VEC_OUT(260, "local_timer") };
	struct noise_cpu nc;

	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(ev), &nc);
	assert_int_equal(nc.total_ns, 250);
	assert_int_equal(nc.max_ns, 150);
	assert_int_equal(nc.nsources, 1);
	expect_source(&nc, NOISE_HW, -1, "hw", 250, 2, 150);
	assert_int_equal(nc.hw_beside_events_ns, 0);
	assert_int_equal(nc.window_ns, 100000);
	assert_true(noise_cpu_percent(&nc) > 0.2499 && noise_cpu_percent(&nc) < 0.2501);
	noise_cpu_free(&nc);

	/* no gap: no noise, no source */
	attribute(NULL, 0, ARRAY_AND_SIZE(ev), &nc);
	assert_int_equal(nc.total_ns, 0);
	assert_int_equal(nc.nsources, 0);
	noise_cpu_free(&nc);
}

static void test_vector_rows(void **state)
{
	static const struct {
		const char *event, *row;
	} rows[] = {
		{ "local_timer", "LOC" },
		{ "reschedule", "RES" },
		{ "call_function", "CAL" },
		{ "call_function_single", "CAL" },
		{ "irq_work", "IWI" },
		{ "x86_platform_ipi", "PLT" },
		{ "thermal_apic", "TRM" },
		{ "threshold_apic", "THR" },
		{ "deferred_error_apic", "DFR" },
		{ "spurious_apic", "SPU" },
		{ "error_apic", "ERR" },
		{ "local_timer_entry", NULL },
		{ "LOC", NULL },
		{ "", NULL },
		{ "posted_msi", NULL },
	};
	const struct noise_gap gaps[] = { { 0, 1000 } };
	const struct noise_event ev[] = {
		VEC_IN(100, "call_function"),
		VEC_OUT(130, "call_function"),
		VEC_IN(200, "call_function_single"),
		VEC_OUT(220, "call_function_single"),
		VEC_IN(300, "posted_msi"),
		VEC_OUT(310, "posted_msi"),
		VEC_IN(400, "irq_work"),
		VEC_OUT(405, "irq_work"),
	};
	struct noise_cpu nc;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const char *got = noise_vector_row(rows[i].event);

		if ((got == NULL) != (rows[i].row == NULL) || (got && strcmp(got, rows[i].row)))
			case_fail("noise_vector_row(\"%s\") = %s, expected %s", rows[i].event,
				  got ? got : "NULL", rows[i].row ? rows[i].row : "NULL");
	}
	table_done();

	assert_string_equal(noise_softirq_name(0), "HI");
	assert_string_equal(noise_softirq_name(3), "NET_RX");
	assert_string_equal(noise_softirq_name(9), "RCU");
	assert_null(noise_softirq_name(10));

	/* both function-call vectors are the CAL row; an unknown vector keeps its event name */
	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(ev), &nc);
	expect_source(&nc, NOISE_VECTOR, -1, "CAL", 50, 2, 30);
	expect_source(&nc, NOISE_VECTOR, -1, "posted_msi", 10, 1, 10);
	expect_source(&nc, NOISE_VECTOR, -1, "IWI", 5, 1, 5);
	assert_int_equal(nc.nsources, 4); /* and hw */
	noise_cpu_free(&nc);
}

/* The probe is switched out for a kworker and back: the kworker's time, net of its LOC. */
static void test_thread_preempts_probe(void **state)
{
	const struct noise_gap gaps[] = { { 1000, 9000 } };
	const struct noise_event ev[] = {
		ev_switch(2000, PROBE, "probe", 55, "kworker/3:1"),
		VEC_IN(4000, "local_timer"),
		VEC_OUT(4500, "local_timer"),
		ev_switch(5000, 55, "kworker/3:1", 56, "ksoftirqd/3"),
		SIRQ_IN(5100, 1),
		SIRQ_OUT(5400, 1),
		ev_switch(6000, 56, "ksoftirqd/3", 55, "kworker/3:1"),
		ev_switch(8000, 55, "kworker/3:1", PROBE, "probe"),
	};
	/* before the CPU's first switch it ran that switch's prev: here not the probe */
	const struct noise_event late[] = {
		ev_switch(3000, 7, "ktimerd", PROBE, "probe"),
	};
	struct noise_cpu nc;

	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(ev), &nc);
	/* 2000-5000 minus LOC 500, then 6000-8000: two occurrences, the longer 2500 */
	expect_source(&nc, NOISE_THREAD, 55, "kworker/3:1", 4500, 2, 2500);
	expect_source(&nc, NOISE_THREAD, 56, "ksoftirqd/3", 700, 1, 700);
	expect_source(&nc, NOISE_SOFTIRQ, 1, "TIMER", 300, 1, 300);
	expect_source(&nc, NOISE_VECTOR, -1, "LOC", 500, 1, 500);
	expect_source(&nc, NOISE_HW, -1, "hw", 2000, 1, 2000);
	assert_int_equal(nc.nsources, 5);
	assert_int_equal(nc.sources[0].kind, NOISE_THREAD);
	assert_int_equal(nc.sources[0].id, 55);
	assert_int_equal(nc.unmatched, 0);
	noise_cpu_free(&nc);

	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(late), &nc);
	expect_source(&nc, NOISE_THREAD, 7, "ktimerd", 2000, 1, 2000);
	expect_source(&nc, NOISE_HW, -1, "hw", 6000, 1, 6000);
	noise_cpu_free(&nc);
}

/*
 * Events before, between and after the gaps take nothing, an IRQ across a
 * gap's start is clipped, another CPU's events are not this CPU's, and the
 * switch before the window still says who runs.
 */
static void test_events_outside_gaps(void **state)
{
	const struct noise_gap gaps[] = { { 1000, 2000 }, { 5000, 5100 } };
	struct noise_event ev[] = {
		ev_switch(10, PROBE, "probe", 55, "kworker/3:1"),
		ev_switch(20, 55, "kworker/3:1", PROBE, "probe"),
		IRQ_IN(500, 24, "nvme0q3"),
		IRQ_OUT(1500, 24),
		VEC_IN(3000, "local_timer"),
		VEC_OUT(3500, "local_timer"),
		IRQ_IN(5050, 30, "other-cpu"),
		IRQ_OUT(5090, 30),
		SIRQ_IN(6000, 9),
		SIRQ_OUT(7000, 9),
	};
	struct noise_cpu nc;

	ev[6].cpu = ev[7].cpu = CPU + 1;
	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(ev), &nc);
	expect_source(&nc, NOISE_IRQ, 24, "nvme0q3", 500, 1, 500);
	expect_source(&nc, NOISE_HW, -1, "hw", 600, 2, 500);
	assert_int_equal(nc.hw_beside_events_ns, 500);
	assert_int_equal(nc.nsources, 2);
	assert_null(find(&nc, NOISE_THREAD, 55, "kworker/3:1"));
	assert_null(find(&nc, NOISE_VECTOR, -1, "LOC"));
	assert_null(find(&nc, NOISE_IRQ, 30, "other-cpu"));
	assert_null(find(&nc, NOISE_SOFTIRQ, 9, "RCU"));
	noise_cpu_free(&nc);
}

/* Equal totals: more occurrences first, then kind, id, name. */
static void test_top_order_ties(void **state)
{
	const struct noise_gap gaps[] = { { 0, 10000 } };
	const struct noise_event ev[] = {
		/* 1000 each: IRQ 11 twice, IRQ 10 once, RES once, softirq TIMER once */
		IRQ_IN(0, 11, "b"),
		IRQ_OUT(500, 11),
		SIRQ_IN(500, 1),
		SIRQ_OUT(1500, 1),
		IRQ_IN(1500, 10, "a"),
		IRQ_OUT(2500, 10),
		VEC_IN(2500, "reschedule"),
		VEC_OUT(3500, "reschedule"),
		IRQ_IN(3500, 11, "b"),
		IRQ_OUT(4000, 11),
		/* 6000 for the thread, the largest */
		ev_switch(4000, PROBE, "probe", 9, "rcu_preempt"),
	};
	static const struct {
		struct noise_source a, b;
		int sign;
	} cmp[] = {
		{ { NOISE_HW, -1, "hw", 2, 1, 1 }, { NOISE_IRQ, 1, "x", 1, 1, 1 }, -1 },
		{ { NOISE_HW, -1, "hw", 1, 1, 2 }, { NOISE_IRQ, 1, "x", 1, 1, 1 }, -1 },
		{ { NOISE_IRQ, 2, "x", 1, 1, 1 }, { NOISE_VECTOR, -1, "LOC", 1, 1, 1 }, -1 },
		{ { NOISE_IRQ, 2, "x", 1, 1, 1 }, { NOISE_IRQ, 10, "a", 1, 1, 1 }, -1 },
		{ { NOISE_IRQ, 2, "a", 1, 1, 1 }, { NOISE_IRQ, 2, "b", 1, 1, 1 }, -1 },
		{ { NOISE_IRQ, 2, "a", 1, 1, 1 }, { NOISE_IRQ, 2, "a", 1, 1, 1 }, 0 },
		{ { NOISE_IRQ, 2, "a", 1, 7, 1 },
		  { NOISE_IRQ, 2, "a", 1, 1, 1 },
		  0 }, /* max no key */
	};
	static const char *const order[] = { "rcu_preempt", "b", "a", "RES", "TIMER" };
	struct noise_cpu nc;

	for (size_t i = 0; i < ARRAY_SIZE(cmp); i++) {
		int ab = noise_source_cmp(&cmp[i].a, &cmp[i].b);
		int ba = noise_source_cmp(&cmp[i].b, &cmp[i].a);

		if ((ab > 0) - (ab < 0) != cmp[i].sign || (ba > 0) - (ba < 0) != -cmp[i].sign)
			case_fail("cmp row %zu: %d/%d, expected %d", i, ab, ba, cmp[i].sign);
	}
	table_done();

	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(ev), &nc);
	assert_int_equal(nc.nsources, ARRAY_SIZE(order));
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (strcmp(nc.sources[i].name, order[i]) != 0)
			case_fail("rank %zu: %s, expected %s", i, nc.sources[i].name, order[i]);
	table_done();
	expect_source(&nc, NOISE_IRQ, 11, "b", 1000, 2, 500);
	expect_source(&nc, NOISE_THREAD, 9, "rcu_preempt", 6000, 1, 6000);
	noise_cpu_free(&nc);
}

/* Damage: exits without entries, a lost-events marker, bad input. */
static void test_damaged(void **state)
{
	const struct noise_gap gaps[] = { { 0, 1000 } };
	const struct noise_gap overlap[] = { { 0, 100 }, { 50, 200 } };
	const struct noise_gap inverted[] = { { 100, 50 } };
	struct noise_event ev[] = {
		IRQ_OUT(50, 7), /* no entry */
		SIRQ_IN(100, 3),
		IRQ_IN(200, 8, "x"), /* IRQ 8's exit is missing */
		SIRQ_OUT(300, 3),    /* closes IRQ 8 too */
		VEC_IN(400, "local_timer"),
		ev_named(0, NOISE_EV_LOST, -1, NULL), /* the LOC's exit may be in there */
		VEC_OUT(600, "local_timer"),	      /* ...so this one matches nothing */
	};
	const struct noise_event backwards[] = { VEC_IN(400, "irq_work"),
						 VEC_OUT(300, "irq_work") };
	struct noise_probe p = { .cpu = CPU, .tid = PROBE, .gaps = gaps, .ngaps = 1 };
	struct noise_cpu nc;

	attribute(ARRAY_AND_SIZE(gaps), ARRAY_AND_SIZE(ev), &nc);
	assert_int_equal(nc.unmatched, 3);
	assert_int_equal(nc.lost, 1);
	expect_source(&nc, NOISE_SOFTIRQ, 3, "NET_RX", 100, 1, 100);
	expect_source(&nc, NOISE_IRQ, 8, "x", 100, 1, 100);
	/* the LOC is cut at the marker (after the event before it, at 400) */
	assert_null(find(&nc, NOISE_VECTOR, -1, "LOC"));
	expect_source(&nc, NOISE_HW, -1, "hw", 800, 1, 800);
	noise_cpu_free(&nc);

	memset(&nc, 0x5a, sizeof(nc));
	assert_int_equal(noise_attribute(&p, ARRAY_AND_SIZE(backwards), &nc), -EINVAL);
	assert_int_equal(nc.cpu, 0x5a5a5a5a); /* untouched */
	p.gaps = overlap;
	p.ngaps = 2;
	assert_int_equal(noise_attribute(&p, NULL, 0, &nc), -EINVAL);
	p.gaps = inverted;
	p.ngaps = 1;
	assert_int_equal(noise_attribute(&p, NULL, 0, &nc), -EINVAL);
	p.gaps = gaps;
	p.tid = 0;
	assert_int_equal(noise_attribute(&p, NULL, 0, &nc), -EINVAL);
}

/* --- the recorded sample ------------------------------------------------------ */

#define SAMPLE "tests/unit/data/noise/generic-6.18-cpu0"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* "probe cpu=C tid=T start=NS end=NS" then "gap START END" lines; '#' comments */
static size_t read_gaps(const char *path, struct noise_probe *p, struct noise_gap *gaps, size_t max)
{
	char *text = slurp(path), *line, *save = NULL;
	size_t n = 0;
	int have_probe = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long a, b;
		unsigned int cpu;
		int tid;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "probe cpu=%u tid=%d start=%llu end=%llu", &cpu, &tid, &a, &b) ==
		    4) {
			p->cpu = cpu;
			p->tid = tid;
			p->window_start = a;
			p->window_end = b;
			have_probe = 1;
		} else if (sscanf(line, "gap %llu %llu", &a, &b) == 2 && n < max) {
			gaps[n].start = a;
			gaps[n].end = b;
			n++;
		} else {
			fail_msg("%s: bad line: %s", path, line);
		}
	}
	free(text);
	assert_true(have_probe);
	p->gaps = gaps;
	p->ngaps = n;
	return n;
}

/*
 * 8.1 ms of CPU 0 on the 6.18 host (a Firecracker guest running a QEMU CI job
 * at nice 0 beside the probe at nice 15). By hand, from the .trace lines:
 * gap 1 (12062 ns) has no event; gap 2 (5262542) is the probe preempted by
 * qemu/curl threads with three LOCs and an RCU softirq among them, then IRQ
 * 39 and NET_RX after the probe is back; gap 3 (2312829) is IRQ 38, a NET_RX
 * with a RES nested in it (675839-675840), then threads; gaps 4 and 5 have no
 * event.
 */
static void test_real_sample(void **state)
{
	struct noise_gap gaps[16];
	struct noise_probe p;
	struct noise_event *ev = NULL;
	size_t nev = 0, counts[NOISE_EV_LOST + 1] = { 0 };
	unsigned int line = 0;
	char *text;
	struct noise_cpu nc;
	uint64_t threads = 0;

	assert_int_equal(read_gaps(SAMPLE ".gaps", &p, gaps, ARRAY_SIZE(gaps)), 5);

	/* grep -c per event name in the .trace: 77 event lines, 12 comment lines */
	text = slurp(SAMPLE ".trace");
	assert_int_equal(tracetext_parse(text, &ev, &nev, &line), 0);
	free(text);
	assert_int_equal(nev, 77);
	for (size_t i = 0; i < nev; i++) {
		counts[ev[i].type]++;
		assert_int_equal(ev[i].cpu, 0);
		if (i)
			assert_true(ev[i].ts >= ev[i - 1].ts);
	}
	assert_int_equal(counts[NOISE_EV_SWITCH], 41);
	assert_int_equal(counts[NOISE_EV_IRQ_ENTRY], 2);
	assert_int_equal(counts[NOISE_EV_IRQ_EXIT], 2);
	assert_int_equal(counts[NOISE_EV_VECTOR_ENTRY], 12); /* 4 local_timer, 8 reschedule */
	assert_int_equal(counts[NOISE_EV_VECTOR_EXIT], 12);
	assert_int_equal(counts[NOISE_EV_SOFTIRQ_ENTRY], 4);
	assert_int_equal(counts[NOISE_EV_SOFTIRQ_EXIT], 4);
	assert_int_equal(counts[NOISE_EV_NMI] + counts[NOISE_EV_LOST], 0);
	/* the first line and the nested RES, field by field */
	assert_int_equal(ev[0].type, NOISE_EV_VECTOR_ENTRY);
	assert_int_equal(ev[0].ts, 52664670243000ULL);
	assert_string_equal(ev[0].name, "local_timer");
	assert_int_equal(ev[0].irq, 236);
	assert_int_equal(ev[2].type, NOISE_EV_SWITCH);
	assert_string_equal(ev[2].prev_comm, "probe");
	assert_int_equal(ev[2].prev_pid, 10158);
	assert_string_equal(ev[2].next_comm, "qemu-system-x86");
	assert_int_equal(ev[2].next_pid, 10064);

	assert_int_equal(noise_attribute(&p, ev, nev, &nc), 0);
	check_invariants(&nc);
	assert_int_equal(nc.window_ns, 8100000);
	assert_int_equal(nc.total_ns, 12062 + 5262542 + 2312829 + 3646 + 18796);
	assert_int_equal(nc.max_ns, 5262542);
	assert_int_equal(nc.unmatched, 0);
	/* hw: gap 1 12062; gap 2 6064+4000+19000+2000+3478; gap 3 8320+1000+3000+5509; 3646; 18796 */
	expect_source(&nc, NOISE_HW, -1, "hw", 86875, 5, 34542);
	assert_int_equal(nc.hw_beside_events_ns, 34542 + 17829);
	/* LOC 670243-251, 672005-020, 674243-248 (gap 2), 676005-018 (gap 3) */
	expect_source(&nc, NOISE_VECTOR, -1, "LOC", 41000, 4, 15000);
	/* RES: 675839-840, 676092-093, 676502-503, 676741-742, 678113-114; three of 0 us */
	expect_source(&nc, NOISE_VECTOR, -1, "RES", 5000, 5, 1000);
	/* NET_RX 675489-496, and 675821-860 less the nested RES */
	expect_source(&nc, NOISE_SOFTIRQ, 3, "NET_RX", 45000, 2, 38000);
	expect_source(&nc, NOISE_SOFTIRQ, 9, "RCU", 18000, 1, 18000);
	expect_source(&nc, NOISE_SOFTIRQ, 1, "TIMER", 8000, 1, 8000);
	expect_source(&nc, NOISE_IRQ, 39, "virtio2-output.0", 2000, 1, 2000);
	expect_source(&nc, NOISE_IRQ, 38, "virtio2-input.0", 2000, 1, 2000);
	/* curl: 674252-675369 in gap 2; in gap 3 675909-676031 less LOC and TIMER,
	 * 676043-097 less a RES, 676802-959, 677216-379, 677727-885 */
	expect_source(&nc, NOISE_THREAD, 10189, "curl", 1749000, 6, 1117000);
	assert_null(find(&nc, NOISE_THREAD, 10158, "probe"));
	for (size_t i = 0; i < nc.nsources; i++)
		if (nc.sources[i].kind == NOISE_THREAD)
			threads += nc.sources[i].total_ns;
	assert_int_equal(threads, 7609875 - 86875 - 41000 - 5000 - 45000 - 18000 - 8000 - 4000);
	noise_cpu_free(&nc);
	free(ev);
}

/* --- the osnoise back end ------------------------------------------------------- */

#define OSN "tests/unit/data/noise/osnoise-6.1-rt/"

static void osnoise_of(const char *file, unsigned int cpu, struct noise_cpu *nc)
{
	char *text = slurp(file);
	struct osnoise_event *ev = NULL;
	size_t nev = 0;
	unsigned int line = 0;
	int r = tracetext_parse_osnoise(text, &ev, &nev, &line);

	if (r < 0)
		fail_msg("%s: line %u: %s", file, line, strerror(-r));
	assert_true(nev > 0);
	assert_int_equal(noise_osnoise(cpu, ev, nev, nc), 0);
	for (size_t i = 1; i < nc->nsources; i++)
		assert_true(noise_source_cmp(&nc->sources[i - 1], &nc->sources[i]) < 0);
	free(ev);
	free(text);
}

/*
 * Debian 12's 6.1-rt in a TCG guest, CPU 2 isolated, the osnoise tracer's
 * workload on it (tests/unit/data/noise/osnoise-6.1-rt/README.md). The
 * expected numbers were summed from the text with awk, not with this code:
 * per source the durations of its *_noise lines, hw the sample_threshold
 * lines with interference 0, the totals from the period summary lines (us).
 */
static void test_osnoise_busy_task(void **state)
{
	struct noise_cpu nc;

	osnoise_of(OSN "trace-cpu2-busy.txt", 2, &nc);
	assert_int_equal(nc.window_ns, 215291000);
	assert_int_equal(nc.total_ns, 158446000);
	assert_int_equal(nc.max_ns, 20373000);
	assert_int_equal(nc.ngaps, 140);
	/* the busy task first: keyed on its pid, named by its last comm (it exec'ed) */
	assert_int_equal(nc.sources[0].kind, NOISE_THREAD);
	expect_source(&nc, NOISE_THREAD, 456, "qc-busy", 102376319, 9, 15324613);
	expect_source(&nc, NOISE_VECTOR, -1, "LOC", 10657393, 45, 2391535);
	expect_source(&nc, NOISE_VECTOR, -1, "IWI", 54171, 8, 8976);
	expect_source(&nc, NOISE_THREAD, 38, "rcuc/2", 855541, 7, 183844);
	expect_source(&nc, NOISE_HW, -1, "hw", 2699740, 120, 106610);
	assert_int_equal(nc.hw_ns, 2699740);
	assert_int_equal(nc.nsources, 5);
	noise_cpu_free(&nc);
}

/* the serial port's IRQ moved onto CPU 2, output on it: its hard part and its thread (RT) */
static void test_osnoise_serial_irq(void **state)
{
	struct noise_cpu nc;

	osnoise_of(OSN "trace-cpu2-serial.txt", 2, &nc);
	assert_int_equal(nc.total_ns, 30698000);
	expect_source(&nc, NOISE_IRQ, 4, "ttyS0", 87847, 64, 2886);
	expect_source(&nc, NOISE_THREAD, 124, "irq/4-ttyS0", 3648329, 1, 3648329);
	expect_source(&nc, NOISE_VECTOR, -1, "RES", 4438, 1, 4438);
	expect_source(&nc, NOISE_HW, -1, "hw", 23646503, 224, 4471394);
	noise_cpu_free(&nc);
	/* no event of another CPU is counted */
	osnoise_of(OSN "trace-cpu2-serial.txt", 3, &nc);
	assert_int_equal(nc.nsources, 0);
	assert_int_equal(nc.total_ns, 0);
	noise_cpu_free(&nc);
}

/* the managed virtio-blk IRQ stays on CPU 3: only its hard part is there */
static void test_osnoise_disk_irq(void **state)
{
	struct noise_cpu nc;

	osnoise_of(OSN "trace-cpu3-disk.txt", 3, &nc);
	assert_int_equal(nc.window_ns, 100000000);
	assert_int_equal(nc.total_ns, 39249000);
	expect_source(&nc, NOISE_IRQ, 25, "virtio0-req.0", 74602, 61, 4498);
	expect_source(&nc, NOISE_THREAD, 49, "ktimers/3", 127399, 1, 127399);
	noise_cpu_free(&nc);
}

/* lines of the osnoise text: each kind, the comm with a colon, and garbage */
static int osl(const char *line, struct osnoise_event *e)
{
	return tracetext_parse_osnoise_line(line, strlen(line), e);
}

static void test_osnoise_lines(void **state)
{
	struct osnoise_event e;

	assert_int_equal(
		osl("  a:b-9  [001] d...3..   1.000001: thread_noise:   a:b:9 start 1.000000000 duration 77 ns",
		    &e),
		0);
	assert_int_equal(e.type, OSNOISE_EV_THREAD);
	assert_int_equal(e.id, 9);
	assert_string_equal(e.name, "a:b");
	assert_int_equal(e.duration, 77);
	assert_int_equal(
		osl("  x-1  [003] .......  2.5: nmi_noise: start 2.400000000 duration 1200 ns", &e),
		0);
	assert_int_equal(e.type, OSNOISE_EV_NMI);
	assert_int_equal(e.cpu, 3);
	assert_int_equal(e.duration, 1200);
	assert_int_equal(
		osl("  x-1  [003] .......  2.5: softirq_noise:    TIMER:1 start 2.4 duration 33 ns",
		    &e),
		0);
	assert_int_equal(e.type, OSNOISE_EV_SOFTIRQ);
	assert_int_equal(e.id, 1);
	assert_int_equal(osl("CPU:2 [LOST 12 EVENTS]", &e), 0);
	assert_int_equal(e.type, OSNOISE_EV_LOST);
	assert_int_equal(e.cpu, 2);
	/* someone else's event, a comment */
	assert_int_equal(osl("  x-1  [003] .......  2.5: sched_switch: prev_comm=a", &e), 1);
	assert_int_equal(osl("# tracer: osnoise", &e), 1);
	/* garbage */
	assert_int_equal(osl("  x-1  [003] .......  2.5: irq_noise: ttyS0 start 2.4 duration 9 ns",
			     &e),
			 -EINVAL);
	assert_int_equal(osl("  x-1  [003] .......  2.5: sample_threshold: start 2.4 duration 9 ns",
			     &e),
			 -EINVAL);
	assert_int_equal(osl("  x-1  [003] .......  2.5: 100 x", &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested_net),
		cmocka_unit_test(test_gap_without_event_is_hw),
		cmocka_unit_test(test_vector_rows),
		cmocka_unit_test(test_thread_preempts_probe),
		cmocka_unit_test(test_events_outside_gaps),
		cmocka_unit_test(test_top_order_ties),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_real_sample),
		cmocka_unit_test(test_osnoise_busy_task),
		cmocka_unit_test(test_osnoise_serial_irq),
		cmocka_unit_test(test_osnoise_disk_irq),
		cmocka_unit_test(test_osnoise_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
