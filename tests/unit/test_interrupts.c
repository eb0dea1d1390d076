// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/interrupts: /proc/interrupts as x86, arm64 and hotplugged machines print
 * it (sparse CPU columns, single-count summary rows, handler names with
 * spaces and several actions), garbage, and the 32-bit counter arithmetic.
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

#include "interrupts.h"

#include "table.h"

static const char x86[] =
	"           CPU0       CPU1       CPU2       CPU3       \n"
	"  0:         44          0          0          0   IO-APIC   2-edge      timer\n"
	"  9:          0          3          0          0   IO-APIC   9-fasteoi   acpi\n"
	" 16:          0          0          0          0   IO-APIC  16-fasteoi   ehci_hcd:usb1, uhci_hcd:usb2\n"
	" 24:     123456          0         17 4294967295   PCI-MSIX-0000:01:00.0   0-edge      eth0-rx-0\n"
	" 30:          5          0          0          0   PCI-MSI 524288-edge      nvme0q0\n"
	"NMI:         10         11         12         13   Non-maskable interrupts\n"
	"LOC:    5000000    4000000       9000       8000   Local timer interrupts\n"
	"RES:       3000       2000         12         11   Rescheduling interrupts\n"
	"ERR:          0\n"
	"MIS:          7\n";

static void test_parse_x86(void **state)
{
	struct interrupts it;
	const struct irq_row *r;
	uint64_t v;

	assert_int_equal(interrupts_parse(x86, &it), 0);
	assert_int_equal(it.ncols, 4);
	assert_int_equal(it.cpus[3], 3);
	assert_int_equal(it.nrows, 10);

	r = interrupts_find(&it, "0");
	assert_non_null(r);
	assert_true(r->numeric);
	assert_int_equal(r->irq, 0);
	assert_int_equal(r->ncounts, 4);
	assert_string_equal(r->actions, "timer");
	assert_string_equal(r->desc, "IO-APIC   2-edge      timer");

	r = interrupts_find(&it, "16");
	assert_string_equal(r->actions, "ehci_hcd:usb1, uhci_hcd:usb2");
	r = interrupts_find(&it, "24");
	assert_int_equal(irq_row_count(&it, r, 3, &v), 0);
	assert_int_equal(v, UINT32_MAX);
	/* "524288-edge" starts with digits but is description, not a count. */
	r = interrupts_find(&it, "30");
	assert_int_equal(r->ncounts, 4);
	assert_string_equal(r->actions, "nvme0q0");

	r = interrupts_find(&it, "LOC");
	assert_false(r->numeric);
	assert_string_equal(r->desc, "Local timer interrupts");
	assert_string_equal(r->actions, "");
	assert_int_equal(irq_row_count(&it, r, 2, &v), 0);
	assert_int_equal(v, 9000);

	/* ERR and MIS have one count, not one per CPU. */
	r = interrupts_find(&it, "MIS");
	assert_int_equal(r->ncounts, 1);
	assert_int_equal(irq_row_count(&it, r, 0, &v), 0);
	assert_int_equal(v, 7);
	v = 42;
	assert_int_equal(irq_row_count(&it, r, 1, &v), -ENOENT);
	assert_int_equal(v, 42); /* untouched */

	assert_null(interrupts_find(&it, "TLB"));
	assert_int_equal(irq_row_count(&it, r, 9, &v), -ENOENT);
	interrupts_free(&it);
	interrupts_free(&it); /* idempotent */
}

/* CPU1 offline: the columns are CPU0 CPU2 CPU3 and must map by header. */
static void test_sparse_columns(void **state)
{
	static const char text[] =
		"           CPU0       CPU2       CPU3\n"
		" 24:          1          2          3   PCI-MSI 0-edge      eth0\n"
		"LOC:         10         20         30   Local timer interrupts\n";
	struct interrupts it;
	const struct irq_row *r;
	uint64_t v;

	assert_int_equal(interrupts_parse(text, &it), 0);
	assert_int_equal(it.ncols, 3);
	assert_int_equal(interrupts_column(&it, 0), 0);
	assert_int_equal(interrupts_column(&it, 1), -1);
	assert_int_equal(interrupts_column(&it, 2), 1);
	assert_int_equal(interrupts_column(&it, 3), 2);
	r = interrupts_find(&it, "LOC");
	assert_int_equal(irq_row_count(&it, r, 2, &v), 0);
	assert_int_equal(v, 20);
	assert_int_equal(irq_row_count(&it, r, 3, &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(irq_row_count(&it, r, 1, &v), -ENOENT);
	interrupts_free(&it);
}

/* arm64: IPIs are named rows with a trailing description; GIC rows carry "Level". */
static void test_parse_arm64(void **state)
{
	static const char text[] = "           CPU0       CPU1\n"
				   " 11:      61233      58123     GICv3  27 Level     arch_timer\n"
				   " 47:        100          0     GICv3  79 Level     virtio0\n"
				   "IPI0:        25         30       Rescheduling interrupts\n"
				   "IPI1:         4          5       Function call interrupts\n"
				   "Err:          0\n";
	struct interrupts it;
	const struct irq_row *r;

	assert_int_equal(interrupts_parse(text, &it), 0);
	r = interrupts_find(&it, "11");
	assert_string_equal(r->actions, "arch_timer");
	r = interrupts_find(&it, "IPI1");
	assert_non_null(r);
	assert_false(r->numeric);
	assert_int_equal(r->counts[1], 5);
	r = interrupts_find(&it, "Err");
	assert_int_equal(r->ncounts, 1);
	interrupts_free(&it);
}

static void test_garbage(void **state)
{
	static const char *const garbage[] = {
		"",
		"\n\n",
		"hello world\n",
		"           CPU0 CPUx\n",
		"           CPU0 CPU1\n 24 no colon here\n",
		"           CPU0\n :  1 empty name\n",
		"           CPU0\n 99999999999: 1 irq number too large\n",
		"           CPU0\n 24: 99999999999999999999999 overflow\n",
	};
	struct interrupts it = { .ncols = 12345 };

	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++) {
		if (interrupts_parse(garbage[i], &it) != -EINVAL)
			fail_msg("accepted garbage #%zu: '%s'", i, garbage[i]);
		assert_int_equal(it.ncols, 12345); /* untouched on failure */
	}
	assert_int_equal(interrupts_parse(NULL, &it), -EINVAL);
}

/*
 * The header: one column per online CPU, ascending, as show_interrupts()
 * prints it. A CPU named twice (or out of order) is refused: which column
 * would hold its counts?
 */
static void test_header(void **state)
{
	static const struct {
		const char *text;
		int ret;
		const char *cpus; /* the column -> CPU table, "0,2,3" */
	} t[] = {
		{ "           CPU0       CPU1\n", 0, "0,1" },
		{ "           CPU0       CPU2       CPU3\n", 0, "0,2,3" }, /* CPU1 offline */
		{ "CPU7\n", 0, "7" },
		{ "\tCPU0\tCPU1023\n", 0, "0,1023" },
		{ "           CPU0       CPU0\n", -EINVAL, NULL },
		{ "           CPU0       CPU1       CPU0\n", -EINVAL, NULL },
		{ "           CPU3       CPU3\n 24: 1 2 PCI-MSI eth0\n", -EINVAL, NULL },
		{ "           CPU1       CPU0\n", -EINVAL, NULL },	    /* not ascending */
		{ "           CPU0       CPU00\n", -EINVAL, NULL },	    /* 0 again, padded */
		{ "           CPU0       CPU1073741824\n", -EINVAL, NULL }, /* >= 2^30 */
		{ "           CPU\n", -EINVAL, NULL },
		{ "           CPU-1\n", -EINVAL, NULL },
		{ "           CPU+1\n", -EINVAL, NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct interrupts it = { .ncols = 12345 };
		char got[256] = "";
		int r = interrupts_parse(t[i].text, &it);

		if (r != t[i].ret) {
			case_fail("row %zu (%s): ret %d, expected %d", i, t[i].text, r, t[i].ret);
			if (r == 0)
				interrupts_free(&it);
			continue;
		}
		if (r < 0) {
			if (it.ncols != 12345)
				case_fail("row %zu: ret_ changed on failure", i);
			continue;
		}
		for (unsigned int c = 0; c < it.ncols; c++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%u", c ? "," : "",
				 it.cpus[c]);
		if (strcmp(got, t[i].cpus) != 0)
			case_fail("row %zu (%s): columns %s, expected %s", i, t[i].text, got,
				  t[i].cpus);
		interrupts_free(&it);
	}
	table_done();
}

/* A header only (no IRQ yet) and blank lines are fine; a row may lack counts. */
static void test_edge(void **state)
{
	struct interrupts it;

	assert_int_equal(interrupts_parse("  CPU0  CPU1\n\n", &it), 0);
	assert_int_equal(it.nrows, 0);
	interrupts_free(&it);
	assert_int_equal(interrupts_parse("  CPU0  CPU1\n  7:  IO-APIC 7-edge\n", &it), 0);
	assert_int_equal(it.rows[0].ncounts, 0);
	interrupts_free(&it);
}

static void test_delta(void **state)
{
	uint64_t d = 99;

	assert_int_equal(interrupts_delta(10, 15, &d), 0);
	assert_int_equal(d, 5);
	assert_int_equal(interrupts_delta(7, 7, &d), 0);
	assert_int_equal(d, 0);
	/* 32-bit wrap: 0xfffffff0 -> 0x10 is 0x20 events. */
	assert_int_equal(interrupts_delta(0xfffffff0U, 0x10, &d), 1);
	assert_int_equal(d, 0x20);
	assert_int_equal(interrupts_delta(UINT32_MAX, 0, &d), 1);
	assert_int_equal(d, 1);
	/* Beyond 32 bits a decrease is a reset, not a wrap. */
	d = 99;
	assert_int_equal(interrupts_delta(UINT64_C(1) << 33, 5, &d), -ERANGE);
	assert_int_equal(d, 99);
}

static void test_same_source(void **state)
{
	struct interrupts a, b;

	assert_int_equal(
		interrupts_parse("CPU0\n 24: 1 PCI-MSI 0-edge eth0\n 25: 1 PCI-MSI 1-edge eth1\n",
				 &a),
		0);
	assert_int_equal(
		interrupts_parse(
			"CPU0\n 24: 9 PCI-MSI 0-edge eth0\n 25: 1 PCI-MSI 1-edge nvme0q1\n", &b),
		0);
	assert_true(irq_row_same_source(&a.rows[0], &b.rows[0]));
	assert_false(irq_row_same_source(&a.rows[1], &b.rows[1]));
	interrupts_free(&a);
	interrupts_free(&b);
}

/* This machine's /proc/interrupts parses and has a column per online CPU. */
static void test_real(void **state)
{
	struct path_cxt pc;
	struct interrupts it;

	assert_int_equal(path_cxt_init(&pc, NULL), 0);
	assert_int_equal(interrupts_read(&pc, &it), 0);
	assert_true(it.ncols >= 1);
	assert_non_null(interrupts_find(&it, "0") ?: interrupts_find(&it, "LOC") ?: it.rows);
	interrupts_free(&it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_x86),   cmocka_unit_test(test_sparse_columns),
		cmocka_unit_test(test_parse_arm64), cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_header),	    cmocka_unit_test(test_edge),
		cmocka_unit_test(test_delta),	    cmocka_unit_test(test_same_source),
		cmocka_unit_test(test_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
