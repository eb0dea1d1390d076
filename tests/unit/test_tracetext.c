// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/tracetext: tracefs text lines. The valid lines are copied from the
 * sample recorded on the 6.18 host (tests/unit/data/noise), plus the
 * variants the kernel prints with other options (record-tgid, no irq-info,
 * a clock that is not in ns) and the events the host had none of (NMI,
 * call_function, a lost-events marker); then garbage.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tracetext.h"

#include "table.h"

struct row {
	const char *line;
	int ret;
	enum noise_event_type type;
	unsigned int cpu;
	uint64_t ts;
	int irq;
	const char *name;
	int prev_pid, next_pid;
	const char *prev_comm, *next_comm;
	uint64_t nmi_ns;
};

#define EV(l, t, c, tsv, i, n)                                                           \
	{                                                                                \
		.line = l, .ret = 0, .type = t, .cpu = c, .ts = tsv, .irq = i, .name = n \
	}
#define SW(l, c, tsv, pp, np, pc, nc)                                                         \
	{                                                                                     \
		.line = l, .ret = 0, .type = NOISE_EV_SWITCH, .cpu = c, .ts = tsv, .irq = -1, \
		.name = "", .prev_pid = pp, .next_pid = np, .prev_comm = pc, .next_comm = nc  \
	}
#define NMI(l, c, tsv, n, ns)                                                              \
	{                                                                                  \
		.line = l, .ret = 0, .type = NOISE_EV_NMI, .cpu = c, .ts = tsv, .irq = -1, \
		.name = n, .nmi_ns = ns                                                    \
	}
#define NOT(l)                      \
	{                           \
		.line = l, .ret = 1 \
	}
#define BAD(l)                            \
	{                                 \
		.line = l, .ret = -EINVAL \
	}

static const struct row rows[] = {
	EV("           probe-10158   [000] d.h.. 52664.675485: irq_handler_entry: irq=39 name=virtio2-output.0",
	   NOISE_EV_IRQ_ENTRY, 0, 52664675485000ULL, 39, "virtio2-output.0"),
	EV("           probe-10158   [000] d.h.. 52664.675487: irq_handler_exit: irq=39 ret=handled",
	   NOISE_EV_IRQ_EXIT, 0, 52664675487000ULL, 39, ""),
	EV("           probe-10158   [000] ..s.. 52664.675821: softirq_entry: vec=3 [action=NET_RX]",
	   NOISE_EV_SOFTIRQ_ENTRY, 0, 52664675821000ULL, 3, ""),
	EV("           probe-10158   [000] .Ns.. 52664.675860: softirq_exit: vec=3 [action=NET_RX]\n",
	   NOISE_EV_SOFTIRQ_EXIT, 0, 52664675860000ULL, 3, ""),
	EV("           probe-10158   [000] dnH.. 52664.675839: reschedule_entry: vector=253",
	   NOISE_EV_VECTOR_ENTRY, 0, 52664675839000ULL, 253, "reschedule"),
	EV(" qemu-system-x86-10069   [000] dNh.. 52664.674248: local_timer_exit: vector=236",
	   NOISE_EV_VECTOR_EXIT, 0, 52664674248000ULL, 236, "local_timer"),
	SW("    kworker/0:1H-46      [000] d..2. 52664.675466: sched_switch: prev_comm=kworker/0:1H prev_pid=46 prev_prio=100 prev_state=I ==> next_comm=probe next_pid=10158 next_prio=135",
	   0, 52664675466000ULL, 46, 10158, "kworker/0:1H", "probe"),
	SW("            curl-10189   [000] d..2. 52664.676097: sched_switch: prev_comm=curl prev_pid=10189 prev_prio=135 prev_state=R+ ==> next_comm=dd next_pid=10190 next_prio=135",
	   0, 52664676097000ULL, 10189, 10190, "curl", "dd"),
	/* idle, comms with blanks, dashes and brackets */
	SW("          <idle>-0       [001] d..2. 100.000001: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=my - [2] x next_pid=77 next_prio=120",
	   1, 100000001000ULL, 0, 77, "swapper/1", "my - [2] x"),
	SW("      a b-c [9]-5        [002] d..2. 1.5: sched_switch: prev_comm=a b-c [9] prev_pid=5 prev_prio=120 prev_state=S ==> next_comm=x next_pid=3 next_prio=120",
	   2, 1500000000ULL, 5, 3, "a b-c [9]", "x"),
	/* a comm that imitates the fields after it */
	SW("  x-1 [000] d..2. 1.000000: sched_switch: prev_comm=p prev_pid=9 y prev_pid=5 prev_prio=120 prev_state=S ==> next_comm=q next_pid=4 z next_pid=6 next_prio=120",
	   0, 1000000000ULL, 5, 6, "p prev_pid=9 y", "q next_pid=4 z"),
	/* option record-tgid; no irq-info column; a 9-digit fraction */
	EV("           probe-10158   (  10158) [003] d.h.. 2.000001: call_function_single_entry: vector=251",
	   NOISE_EV_VECTOR_ENTRY, 3, 2000001000ULL, 251, "call_function_single"),
	EV("           probe-10158   (-------) [003] 2.000002: call_function_single_exit: vector=251",
	   NOISE_EV_VECTOR_EXIT, 3, 2000002000ULL, 251, "call_function_single"),
	EV("           probe-10158   [003] d.h.. 2.123456789: irq_work_entry: vector=246",
	   NOISE_EV_VECTOR_ENTRY, 3, 2123456789ULL, 246, "irq_work"),
	/* x86-tsc, counter: a raw count */
	EV("           probe-10158   [003] d.h.. 123456789012: irq_work_exit: vector=246",
	   NOISE_EV_VECTOR_EXIT, 3, 123456789012ULL, 246, "irq_work"),
	NMI("          <idle>-0       [002] d.Z.. 5.000010: nmi_handler: perf_event_nmi_handler() delta_ns: 4211 handled: 1",
	    2, 5000010000ULL, "perf_event_nmi_handler", 4211),
	EV("CPU:1 [LOST 12 EVENTS]", NOISE_EV_LOST, 1, 0, -1, ""),
	/* none of ours */
	NOT(""),
	NOT("   "),
	NOT("# tracer: nop"),
	NOT("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION"),
	NOT("           probe-10158   [000] ..s.. 52664.675489: softirq_raise: vec=3 [action=NET_RX]"),
	NOT("           probe-10158   [000] d.... 1.000000: vector_alloc: irq=24 vector=33 reserved=0 ret=0"),
	NOT("           probe-10158   [000] d.... 1.000000: foo_entry: x=1"),
	NOT("           probe-10158   [000] d.... 1.000000: vector_thing: vector=3"),
	/* garbage */
	BAD("hello world"),
	BAD("           probe [000] d.h.. 1.000000: irq_handler_exit: irq=1 ret=handled"),
	BAD("           probe-1 [000] d.h.. 1.: irq_handler_exit: irq=1 ret=handled"),
	BAD("           probe-1 [000] d.h.. .5: irq_handler_exit: irq=1 ret=handled"),
	BAD("           probe-1 [000] d.h.. 1.0000000001: irq_handler_exit: irq=1 ret=handled"),
	BAD("           probe-1 [000] d.h.. 1.000000 irq_handler_exit: irq=1 ret=handled"),
	BAD("           probe-1 [000] d.h.. 1.000000: irq_handler_exit: irq=x ret=handled"),
	BAD("           probe-1 [000] d.h.. 1.000000: irq_handler_exit: irq=99999999999 ret=handled"),
	BAD("           probe-1 [000] d.h.. 1.000000: irq_handler_entry: irq=1"),
	BAD("           probe-1 [000] d.h.. 1.000000: softirq_entry: vec=-1 [action=HI]"),
	BAD("           probe-1 [000] d.h.. 1.000000: local_timer_entry: vector=236x"),
	BAD("           probe-1 [000] d..2. 1.000000: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S"),
	BAD("           probe-1 [000] d..2. 1.000000: sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120 extra"),
	BAD("           probe-1 [000] d.Z.. 1.000000: nmi_handler: () delta_ns: 5 handled: 1"),
	BAD("           probe-1 [000] d.Z.. 1.000000: nmi_handler: f() delta_ns: -5 handled: 1"),
	BAD("CPU:1 [LOST 12 EVENTS] and more"),
	BAD("  99999999999999999999.000001: x"),
};

static void test_lines(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		struct noise_event ev;
		int ret;

		memset(&ev, 0x5a, sizeof(ev));
		ret = tracetext_parse_line(r->line, strlen(r->line), &ev);
		if (ret != r->ret) {
			case_fail("row %zu: %d, expected %d: %s", i, ret, r->ret, r->line);
			continue;
		}
		if (ret != 0) {
			if (ev.cpu != 0x5a5a5a5a)
				case_fail("row %zu: *ret written on %d", i, ret);
			continue;
		}
		if (ev.type != r->type || ev.cpu != r->cpu || ev.ts != r->ts || ev.irq != r->irq ||
		    strcmp(ev.name, r->name) != 0 || ev.nmi_ns != r->nmi_ns)
			case_fail("row %zu: type %d cpu %u ts %llu irq %d name '%s' nmi %llu: %s",
				  i, ev.type, ev.cpu, (unsigned long long)ev.ts, ev.irq, ev.name,
				  (unsigned long long)ev.nmi_ns, r->line);
		if (r->type == NOISE_EV_SWITCH &&
		    (ev.prev_pid != r->prev_pid || ev.next_pid != r->next_pid ||
		     strcmp(ev.prev_comm, r->prev_comm) != 0 ||
		     strcmp(ev.next_comm, r->next_comm) != 0))
			case_fail("row %zu: %d '%s' -> %d '%s': %s", i, ev.prev_pid, ev.prev_comm,
				  ev.next_pid, ev.next_comm, r->line);
	}
	table_done();
}

/* Long names are cut to the struct's size, never past it. */
static void test_truncation(void **state)
{
	char line[512];
	struct noise_event ev;

	snprintf(line, sizeof(line),
		 " x-1 [000] d.h.. 1.000000: irq_handler_entry: irq=5 name=%0100d", 7);
	assert_int_equal(tracetext_parse_line(line, strlen(line), &ev), 0);
	assert_int_equal(strlen(ev.name), NOISE_NAME_MAX - 1);
	snprintf(
		line, sizeof(line),
		" x-1 [000] d..2. 1.000000: sched_switch: prev_comm=%s prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 next_prio=120",
		"abcdefghijklmnopqrstuvwxyz");
	assert_int_equal(tracetext_parse_line(line, strlen(line), &ev), 0);
	assert_string_equal(ev.prev_comm, "abcdefghijklmno");
}

static void test_text(void **state)
{
	static const char text[] =
		"# tracer: nop\n"
		"#\n"
		"           probe-10158   [000] d.h.. 52664.675485: irq_handler_entry: irq=39 name=virtio2-output.0\n"
		"           probe-10158   [000] ..s.. 52664.675489: softirq_raise: vec=3 [action=NET_RX]\n"
		"CPU:0 [LOST 3 EVENTS]\n"
		"           probe-10158   [000] d.h.. 52664.675487: irq_handler_exit: irq=39 ret=handled";
	static const char broken[] =
		"# tracer: nop\n\n  probe-1 [000] d.h.. 1.000000: irq_handler_exit: irq=\n";
	struct noise_event *ev = (void *)1;
	size_t n = 99;
	unsigned int line = 0;

	assert_int_equal(tracetext_parse(text, &ev, &n, &line), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].type, NOISE_EV_IRQ_ENTRY);
	assert_int_equal(ev[1].type, NOISE_EV_LOST);
	assert_int_equal(ev[2].type, NOISE_EV_IRQ_EXIT);
	free(ev);

	ev = (void *)1;
	n = 99;
	assert_int_equal(tracetext_parse(broken, &ev, &n, &line), -EINVAL);
	assert_int_equal(line, 3);
	assert_ptr_equal(ev, (void *)1);
	assert_int_equal(n, 99);

	assert_int_equal(tracetext_parse("", &ev, &n, &line), 0);
	assert_int_equal(n, 0);
	assert_null(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
