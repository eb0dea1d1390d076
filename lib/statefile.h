/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * statefile: what early-pin --save recorded, so --restore can put back
 * exactly what was there. A strict line-based text format, one record a line:
 *
 *   quietcore-early-pin-state 1
 *   boot_id 5f0c...                   /proc/sys/kernel/random/boot_id at save time
 *   root /                            the --root the state belongs to
 *   nbits 128                         nr_cpu_ids at save time
 *   housekeeping 0,64                 the housekeeping set used
 *   saved_at 123456                   CLOCK_BOOTTIME in clock ticks (the unit of stat's starttime)
 *   file /sys/devices/virtual/workqueue/cpumask ffffffff,ffffffff,...
 *   irq-default ffffffff,ffffffff,... original default_smp_affinity (mask)
 *   irq 24 0-127                      original smp_affinity_list
 *   task 1234 1240 987654 0-127       pid tid starttime(stat field 22) cpulist
 *   end 5 0123456789abcdef            record count and FNV-1a 64 of every byte above
 *
 * Anything else -- an unknown word, a missing or extra field, a number that
 * does not parse, a bad cpulist, a wrong count or hash, text after "end" --
 * makes the whole file corrupt: restoring half of a damaged state is worse
 * than restoring none. Files are written atomically (temporary file, fsync,
 * rename, fsync of the directory) with mode 0600.
 */
#ifndef QC_STATEFILE_H
#define QC_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATEFILE_MAGIC		"quietcore-early-pin-state"
#define STATEFILE_VERSION	1

enum statefile_kind {
	SF_FILE,		/* path, value: a sysfs file's original text */
	SF_IRQ_DEFAULT,		/* value: default_smp_affinity mask text */
	SF_IRQ,			/* irq, value: cpulist */
	SF_TASK,		/* pid, tid, starttime, value: cpulist */
};

struct statefile_rec {
	enum statefile_kind kind;
	pid_t		pid;
	pid_t		tid;
	uint64_t	starttime;
	unsigned int	irq;
	char		*path;
	char		*value;
};

struct statefile {
	char		boot_id[64];
	char		root[4096];
	unsigned int	nbits;
	char		housekeeping[4096];
	uint64_t	saved_at;	/* tasks starting later were not there at save time */
	struct statefile_rec *v;
	size_t		n;
	size_t		cap;
};

/* Append a copy of rec. -EINVAL for a path or value the format cannot hold. */
int statefile_add(struct statefile *sf, const struct statefile_rec *rec);

/*
 * Write atomically to file, mode 0600. Unless replace, an existing file is
 * not overwritten (-EEXIST): it may hold the only record of the originals.
 */
int statefile_write(const struct statefile *sf, const char *file, bool replace);

/*
 * Read and check a state file. Returns 0; -ENOENT etc. from the file system;
 * -EMEDIUMTYPE when it is not an early-pin state file at all (foreign);
 * -EPROTONOSUPPORT for another format version; -EBADMSG when corrupt, with
 * the first bad line number in *ret_line (0: the file as a whole, e.g. hash).
 * *ret untouched on failure.
 */
int statefile_read(const char *file, struct statefile *ret, unsigned int *ret_line);

void statefile_free(struct statefile *sf);

#endif
