/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * interrupts: the /proc/interrupts table.
 *
 * The header names one column per *online* CPU ("CPU0 CPU2 CPU3" when CPU1 is
 * offline), so columns are mapped to CPU numbers through the header, never by
 * position. Rows are numeric IRQs ("24:"), which have a /proc/irq/N directory,
 * and per-CPU vectors or summary counters ("LOC:", "RES:", "IPI0:", "ERR:"),
 * which do not; summary rows such as ERR and MIS carry a single count.
 *
 * Counts are per-CPU unsigned int in the kernel (printed with %10u): they wrap
 * at 2^32. interrupts_delta() knows that.
 */
#ifndef QC_INTERRUPTS_H
#define QC_INTERRUPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "path.h"

struct irq_row {
	char name[32]; /* "24", "LOC", "IPI0" (without the ':') */
	bool numeric;  /* a numbered IRQ: irq is valid */
	unsigned int irq;
	unsigned int ncounts; /* counts present on the line (<= ncols; ERR/MIS: 1) */
	uint64_t *counts;     /* [ncounts], by column */
	char *desc;	      /* the rest of the line, trimmed: chip, hwirq, type, actions */
	const char *actions;  /* numeric rows: the handler names, pointer into desc ("" if none) */
};

struct interrupts {
	unsigned int ncols; /* CPU columns in the header */
	unsigned int *cpus; /* [ncols]: column -> CPU number */
	struct irq_row *rows;
	size_t nrows;
};

/*
 * Parse the text of /proc/interrupts. -EINVAL when the header has no CPU
 * column, names a CPU twice or out of ascending order, or a row is malformed (no "NAME:", more counts than columns is not
 * possible by construction: extra digit words are part of desc), -ENOMEM.
 * *ret is untouched on failure.
 */
int interrupts_parse(const char *text, struct interrupts *ret);
/* Read and parse /proc/interrupts under pc. */
int interrupts_read(struct path_cxt *pc, struct interrupts *ret);
void interrupts_free(struct interrupts *it);

/* The row named name ("LOC", "24"), or NULL. */
const struct irq_row *interrupts_find(const struct interrupts *it, const char *name);
/* Column of a CPU, or -1 if the CPU has no column (offline or absent). */
int interrupts_column(const struct interrupts *it, unsigned int cpu);
/*
 * Count of a row on a CPU. Returns 0, or -ENOENT if the CPU has no column or
 * the row has no count there (ERR, MIS). *ret untouched on failure.
 */
int irq_row_count(const struct interrupts *it, const struct irq_row *row, unsigned int cpu,
		  uint64_t *ret);

/*
 * after - before for one counter. The kernel's per-CPU counts are 32-bit: when
 * after < before and both fit in 32 bits, the counter wrapped once
 * (returns 1). When after < before otherwise, the counter was reset or the IRQ
 * was torn down and set up again in between: -ERANGE, *ret untouched.
 * Returns 0 for a plain difference.
 */
int interrupts_delta(uint64_t before, uint64_t after, uint64_t *ret);

/* Same name and same description (chip, hwirq, actions) in both samples? */
bool irq_row_same_source(const struct irq_row *a, const struct irq_row *b);

#endif
