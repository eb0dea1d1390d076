/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irqrecord: the IRQs early-pin found immovable, for isol-verify.
 *
 * Before 6.12 a managed IRQ (one queue of a multi-queue NVMe or virtio-blk
 * device, its affinity chosen by the kernel) has a writable-looking
 * /proc/irq/N/smp_affinity; only a write tells it apart (EIO). Without
 * CONFIG_GENERIC_IRQ_DEBUGFS the verifier cannot find out by reading, and
 * must not write to find out. early-pin writes anyway -- that is its job --
 * and leaves what the kernel said in /run/quietcore/immovable-irqs. /run
 * survives switch_root, so the record of the initramfs passes is there after
 * boot. A strict line-based text format:
 *
 *   quietcore-immovable-irqs 1
 *   boot_id 6b1f0c2e-3d4a-4c55-8e9f-0a1b2c3d4e5f
 *   irq 33 EIO virtio1-req.2
 *   irq 34 EIO virtio1-req.3
 *   irq 40 EPERM
 *   end 3
 *
 * One "irq" line per IRQ, ascending: the number, the errno name the kernel
 * answered the affinity write with (EIO up to 6.11, EPERM from 6.12) and,
 * when it has any, its handler names (the subdirectories of /proc/irq/N,
 * sorted, ", " between them) as the rest of the line. "end" repeats the
 * count. A record of another boot (boot_id) describes IRQs that no longer
 * exist: readers compare it with the running kernel's. Anything else -- an
 * unknown word, a missing or extra field, a NUL or control character, IRQs
 * out of order, a wrong count, text after "end", no final newline -- makes
 * the whole record invalid (-EBADMSG).
 *
 * Paths are under the root of a struct path_cxt. Writes are atomic
 * (lib/atomicfile: temporary file, fsync, rename), mode 0644, in a directory
 * created 0755 when missing. Functions return 0 or -errno and never print.
 */
#ifndef QC_IRQRECORD_H
#define QC_IRQRECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "isolation.h"
#include "path.h"

#define IRQRECORD_DIR "/run/quietcore"
#define IRQRECORD_PATH IRQRECORD_DIR "/immovable-irqs"
#define IRQRECORD_MAGIC "quietcore-immovable-irqs"
#define IRQRECORD_VERSION 1
#define IRQRECORD_ACTIONS_MAX 256		    /* handler names, truncated to fit */
#define IRQRECORD_BOOT_ID_MAX ISOLATION_BOOT_ID_MAX /* the boot id is read by lib/isolation */

struct irqrecord_irq {
	unsigned int irq;
	int err;			     /* EIO or EPERM (positive) */
	char actions[IRQRECORD_ACTIONS_MAX]; /* "" when it had no handler */
};

struct irqrecord {
	char boot_id[IRQRECORD_BOOT_ID_MAX];
	struct irqrecord_irq *v; /* ascending by irq */
	size_t n, cap;
};

void irqrecord_free(struct irqrecord *rec);

/*
 * Add (or update) one IRQ, kept in ascending order. err is EIO or EPERM
 * (either sign), else -EINVAL; actions may be NULL. Control characters in
 * actions become '?'.
 */
int irqrecord_add(struct irqrecord *rec, unsigned int irq, int err, const char *actions);
/* The entry of irq, or NULL. */
const struct irqrecord_irq *irqrecord_find(const struct irqrecord *rec, unsigned int irq);

/* "EIO", "EPERM" (either sign), or NULL. */
const char *irqrecord_errname(int err);

/* The text of a record, malloc'ed and NUL-terminated. -EINVAL for a bad boot_id. */
int irqrecord_format(const struct irqrecord *rec, char **ret, size_t *ret_len);
/*
 * Parse the text of a record (len bytes, may hold NULs). *ret is filled only
 * on success. -EMEDIUMTYPE: not a record at all; -EPROTONOSUPPORT: another
 * version; -EBADMSG: damaged, with the first bad line in *ret_line (may be
 * NULL; 0 for the record as a whole).
 */
int irqrecord_parse(const char *buf, size_t len, struct irqrecord *ret, unsigned int *ret_line);

/* Read and parse <root>IRQRECORD_PATH: the errors of irqrecord_parse, -ENOENT when absent. */
int irqrecord_read(struct path_cxt *pc, struct irqrecord *ret, unsigned int *ret_line);
/*
 * Write <root>IRQRECORD_PATH atomically, creating IRQRECORD_DIR (0755) when
 * missing. Nothing is written when the file already holds exactly this text
 * (*ret_changed false; ret_changed may be NULL).
 */
int irqrecord_write(struct path_cxt *pc, const struct irqrecord *rec, bool *ret_changed);
/* Remove <root>IRQRECORD_PATH; 0 when it was not there. */
int irqrecord_remove(struct path_cxt *pc);

/*
 * The handler names of an IRQ: the subdirectories of /proc/irq/N, sorted,
 * joined by ", ", truncated to fit len. "" when it has none; -ENOENT when the
 * IRQ is gone.
 */
int irqrecord_read_actions(struct path_cxt *pc, unsigned int irq, char *buf, size_t len);

#endif
