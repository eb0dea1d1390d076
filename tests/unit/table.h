/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table-driven cmocka tests: report every failing row, then fail once.
 * Include after <cmocka.h>.
 */
#ifndef QC_TEST_TABLE_H
#define QC_TEST_TABLE_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int bad;
#define case_fail(...)                    \
	do {                              \
		print_error(__VA_ARGS__); \
		print_error("\n");        \
		bad++;                    \
	} while (0)
#define table_done()                                            \
	do {                                                    \
		int n_ = bad;                                   \
		bad = 0;                                        \
		if (n_)                                         \
			fail_msg("%d table row(s) failed", n_); \
	} while (0)

#endif
