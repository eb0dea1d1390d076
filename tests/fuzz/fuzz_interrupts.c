// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/interrupts (lib/interrupts): any text; when it parses, every row is
 * found by name, every count is reachable through its CPU's column and the
 * columns map to distinct CPUs, ascending as the kernel prints them (a CPU
 * named twice is refused); interrupts_delta() agrees with arithmetic.
 */
#include <errno.h>

#include "fuzz.h"
#include "interrupts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct interrupts it;
	uint64_t d, before = 0, after = 0;
	char *str;
	int r;

	if (size >= 16) {
		memcpy(&before, data, 8);
		memcpy(&after, data + 8, 8);
		r = interrupts_delta(before, after, &d);
		if (after >= before)
			FUZZ_ASSERT(r == 0 && d == after - before);
		else if (before <= UINT32_MAX)
			FUZZ_ASSERT(r == 1 && d == after + (UINT64_C(1) << 32) - before);
		else
			FUZZ_ASSERT(r == -ERANGE);
	}

	str = fuzz_strdup(data, size);
	r = interrupts_parse(str, &it);
	if (r < 0) {
		FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM);
		free(str);
		return 0;
	}
	FUZZ_ASSERT(it.ncols > 0);
	/* one column per CPU, ascending */
	for (unsigned int c = 0; c < it.ncols; c++) {
		FUZZ_ASSERT(interrupts_column(&it, it.cpus[c]) == (int)c);
		FUZZ_ASSERT(c == 0 || it.cpus[c - 1] < it.cpus[c]);
	}
	for (size_t i = 0; i < it.nrows; i++) {
		const struct irq_row *row = &it.rows[i];
		const struct irq_row *found = interrupts_find(&it, row->name);

		FUZZ_ASSERT(found && !strcmp(found->name, row->name));
		FUZZ_ASSERT(row->ncounts <= it.ncols);
		FUZZ_ASSERT(row->desc);
		if (row->numeric)
			FUZZ_ASSERT(row->actions);
		FUZZ_ASSERT(irq_row_same_source(row, row));
		for (unsigned int c = 0; c < it.ncols; c++) {
			uint64_t v;

			if (interrupts_column(&it, it.cpus[c]) != (int)c)
				continue;
			r = irq_row_count(&it, row, it.cpus[c], &v);
			if (c < row->ncounts)
				FUZZ_ASSERT(r == 0 && v == row->counts[c]);
			else
				FUZZ_ASSERT(r == -ENOENT);
		}
	}
	interrupts_free(&it);
	free(str);
	return 0;
}
