/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irq: /proc/irq/N and /proc/irq/default_smp_affinity under a root.
 *
 * Reading prefers the *_list files and falls back to the hex masks, so a
 * kernel (or a captured tree) with only one of them works. Writing goes
 * through the operations table (ops.h), so tests see every write and can
 * simulate the kernel's refusals, and is sorted by irq_errno_class().
 */
#ifndef QC_IRQ_H
#define QC_IRQ_H

#include <stddef.h>

#include "cpuset.h"
#include "ops.h"
#include "path.h"

/* Every IRQ with a /proc/irq/N directory, ascending. *ret malloc'ed (NULL if none). */
int irq_list(struct path_cxt *pc, unsigned int **ret, size_t *ret_n);

/* smp_affinity_list, else smp_affinity. -ENOENT if the IRQ is gone. */
int irq_read_affinity(struct path_cxt *pc, unsigned int irq, cpuset_t *ret);
/* effective_affinity_list, else effective_affinity; -ENOENT if the kernel has neither. */
int irq_read_effective_affinity(struct path_cxt *pc, unsigned int irq, cpuset_t *ret);
/* The node file: -1 when absent or "-1". */
int irq_read_node(struct path_cxt *pc, unsigned int irq, int *ret);
/* /proc/irq/default_smp_affinity (a hex mask). */
int irq_read_default_affinity(struct path_cxt *pc, cpuset_t *ret);

/* Write smp_affinity_list as a cpulist. Refuses an empty set (-EINVAL) without writing. */
int irq_write_affinity(struct qc_ops *ops, unsigned int irq, const cpuset_t *set);
/*
 * Write default_smp_affinity as a hex mask of nbits CPUs (nr_cpu_ids; commas
 * between 32-bit words). Refuses an empty set (-EINVAL) without writing.
 */
int irq_write_default_affinity(struct qc_ops *ops, const cpuset_t *set, unsigned int nbits);

enum irq_err_class {
	IRQ_ERR_NONE = 0,
	IRQ_ERR_IMMOVABLE, /* EIO (<= 6.11) / EPERM (6.12+): managed, per-CPU, no set_affinity */
	IRQ_ERR_RETRY,	   /* ENOSPC (vectors exhausted), EINVAL: try a wider set once */
	IRQ_ERR_GONE,	   /* ENOENT: the IRQ was freed meanwhile */
	IRQ_ERR_FAILED,	   /* anything else: a real error */
};

enum irq_err_class irq_errno_class(int err); /* err: 0 or -errno */
const char *irq_err_class_str(enum irq_err_class c);

#endif
