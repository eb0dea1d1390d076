// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/irq: reading /proc/irq (list vs mask files, node, numeric order),
 * writing through the recording ops, errno classes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "irq.h"
#include "ops.h"
#include "path.h"
#include "tmproot.h"

static char root[64];

static void put(const char *rel, const char *content)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_irq.XXXXXX");
	assert_non_null(mkdtemp(root));
	put("proc/irq/default_smp_affinity", "ff,ffffffff\n");
	put("proc/irq/9/smp_affinity_list", "0-39\n");
	put("proc/irq/9/smp_affinity", "ff,ffffffff\n");
	put("proc/irq/9/node", "1\n");
	put("proc/irq/10/smp_affinity", "00000000,00000003\n"); /* mask only */
	put("proc/irq/10/effective_affinity", "1\n");
	put("proc/irq/2/smp_affinity_list", "3\n");
	put("proc/irq/2/smp_affinity", "8\n");
	put("proc/irq/2/effective_affinity_list", "3\n");
	put("proc/irq/2/node", "-1\n");
	put("proc/irq/junk/smp_affinity_list", "0\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tmproot_remove(root);
}

static char *str(const cpuset_t *s)
{
	static char buf[256];

	cpuset_format_list(s, buf, sizeof(buf));
	return buf;
}

static void test_read(void **state)
{
	struct path_cxt pc;
	unsigned int *irqs = NULL;
	size_t n = 0;
	cpuset_t set;
	int node;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	assert_int_equal(irq_list(&pc, &irqs, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(irqs[0], 2); /* numeric order, not "10" < "2" */
	assert_int_equal(irqs[1], 9);
	assert_int_equal(irqs[2], 10);
	free(irqs);

	assert_int_equal(irq_read_affinity(&pc, 9, &set), 0);
	assert_string_equal(str(&set), "0-39");
	assert_int_equal(irq_read_affinity(&pc, 10, &set), 0); /* mask fallback */
	assert_string_equal(str(&set), "0-1");
	assert_int_equal(irq_read_effective_affinity(&pc, 10, &set), 0);
	assert_string_equal(str(&set), "0");
	assert_int_equal(irq_read_effective_affinity(&pc, 9, &set), -ENOENT);
	assert_int_equal(irq_read_affinity(&pc, 77, &set), -ENOENT); /* gone */
	assert_int_equal(irq_read_node(&pc, 9, &node), 0);
	assert_int_equal(node, 1);
	assert_int_equal(irq_read_node(&pc, 2, &node), 0);
	assert_int_equal(node, -1);
	assert_int_equal(irq_read_node(&pc, 10, &node), 0); /* no node file */
	assert_int_equal(node, -1);
	assert_int_equal(irq_read_default_affinity(&pc, &set), 0);
	assert_string_equal(str(&set), "0-39");
}

static void test_write(void **state)
{
	struct path_cxt pc;
	struct qc_ops ops;
	char buf[128];
	cpuset_t set;

	(void)state;
	assert_int_equal(path_cxt_init(&pc, root), 0);
	ops_init_recording(&ops, &pc);
	cpuset_zero(&set);
	assert_int_equal(irq_write_affinity(&ops, 9, &set), -EINVAL); /* never empty */
	assert_int_equal(irq_write_default_affinity(&ops, &set, 40), -EINVAL);
	assert_int_equal(ops.nlog, 0);

	cpuset_set(&set, 0);
	cpuset_set(&set, 32);
	assert_int_equal(irq_write_affinity(&ops, 9, &set), 0);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/proc/irq/9/smp_affinity_list") > 0);
	assert_string_equal(buf, "0,32");
	assert_int_equal(irq_write_affinity(&ops, 10, &set), 0); /* no _list: the mask */
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/proc/irq/10/smp_affinity") > 0);
	assert_string_equal(buf, "1,00000001");
	/* default affinity: as many 32-bit words as nr_cpu_ids needs */
	assert_int_equal(irq_write_default_affinity(&ops, &set, 40), 0);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/proc/irq/default_smp_affinity") > 0);
	assert_string_equal(buf, "01,00000001");
	assert_int_equal(irq_write_default_affinity(&ops, &set, 128), 0);
	assert_true(path_read_buf(&pc, buf, sizeof(buf), "/proc/irq/default_smp_affinity") > 0);
	assert_string_equal(buf, "00000000,00000000,00000001,00000001");
	assert_int_equal(irq_write_affinity(&ops, 77, &set), -ENOENT); /* gone: both tried */
	assert_int_equal(ops.nlog, 7);
	ops_done(&ops);
}

static void test_errno_class(void **state)
{
	static const struct {
		int err;
		enum irq_err_class c;
	} t[] = {
		{ 0, IRQ_ERR_NONE },	       { -EIO, IRQ_ERR_IMMOVABLE },
		{ -EPERM, IRQ_ERR_IMMOVABLE }, { -ENOSPC, IRQ_ERR_RETRY },
		{ -EINVAL, IRQ_ERR_RETRY },    { -ENOENT, IRQ_ERR_GONE },
		{ -EACCES, IRQ_ERR_FAILED },   { -EBUSY, IRQ_ERR_FAILED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(irq_errno_class(t[i].err), t[i].c);
	assert_string_equal(irq_err_class_str(IRQ_ERR_IMMOVABLE), "immovable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_errno_class),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
