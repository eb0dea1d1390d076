/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * statefile: what early-pin --save recorded, so --restore can put back
 * exactly what was there. A strict line-based text format, one record a line:
 *
 *   quietcore-early-pin-state 2
 *   boot_id 5f0c...                   /proc/sys/kernel/random/boot_id at save time
 *   root /                            the --root the state belongs to (absolute, resolved)
 *   nbits 128                         nr_cpu_ids at save time
 *   housekeeping 0,64                 the housekeeping set used
 *   saved_at 123456                   CLOCK_BOOTTIME in clock ticks (the unit of stat's starttime)
 *   wq-unbound ffffffff,...           /sys/devices/virtual/workqueue/cpumask (mask)
 *   wq-cpumask writeback ffffffff,... /sys/devices/virtual/workqueue/NAME/cpumask (mask)
 *   cpufreq 0 scaling_governor powersave
 *                                     /sys/devices/system/cpu/cpufreq/policyN/ATTR, ATTR one of
 *                                     scaling_governor, scaling_min_freq, scaling_max_freq
 *   turbo intel_pstate 0              /sys/devices/system/cpu/intel_pstate/no_turbo (0 or 1)
 *   turbo boost 1                     /sys/devices/system/cpu/cpufreq/boost (0 or 1)
 *   irq-default ffffffff,ffffffff,... original default_smp_affinity (mask)
 *   irq 24 0-127                      original smp_affinity_list
 *   task 1234 1240 987654 0-127       pid tid starttime(stat field 22) cpulist
 *   cgroup-cpuset MOUNT               "+cpuset" was written to the root's
 *                                     cgroup.subtree_control; restore writes "-cpuset"
 *   cgroup-dir MOUNT NAME             the cgroup was made; restore removes it
 *   cgroup-cpus MOUNT NAME VALUE      its cpuset.cpus before (cpulist, "-" = empty)
 *   cgroup-partition MOUNT NAME VALUE its cpuset.cpus.partition before (member,
 *                                     root or isolated)
 *   unit NAME                         a systemd transient unit early-pin started;
 *                                     restore stops it
 *   end 5 0123456789abcdef            record count and FNV-1a 64 of every byte above
 *
 * A record is a typed action, never a path: the file it restores is rebuilt
 * from its kind and ids by statefile_rec_path(), below the root, by --save
 * and --restore alike. A workqueue NAME is [A-Za-z0-9_.:+-]{1,64} not
 * starting with '.'; values are checked per kind (masks, cpulists, decimal
 * frequencies, governor names, 0/1). The cgroup records (issue 16: the
 * run-time partition, lib/cgroup.h) name a MOUNT, "unified" (/sys/fs/cgroup)
 * or "hybrid" (/sys/fs/cgroup/unified), and a top-level cgroup NAME
 * (cgroup_name_valid(): [A-Za-z0-9_.:@-]{1,64}, not starting with '.'); a
 * state file holds the records of one cgroup at most, each kind once
 * (statefile_cgroup_undo()). A unit NAME is [A-Za-z0-9_.:@-]{1,64} ending in
 * ".slice" or ".scope", not starting with '.' (and never systemd's root
 * slice "-.slice").
 *
 * Anything else -- an unknown word, a name or attribute outside those sets,
 * a missing or extra field, a number that does not parse, a bad cpulist, a
 * wrong count or hash, text after "end" -- makes the whole file corrupt:
 * restoring half of a damaged state is worse than restoring none. The hash
 * has no key and proves nothing about who wrote the file: statefile_read()
 * first checks the file itself (path_open_trusted(): a regular file owned by
 * root or the caller, writable by nobody else, in such a directory). Version
 * 1 files (free "file PATH VALUE" records) are refused. Files are written
 * atomically (temporary file, fsync, rename, fsync of the directory) with
 * mode 0600.
 */
#ifndef QC_STATEFILE_H
#define QC_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "path.h"

#define STATEFILE_MAGIC "quietcore-early-pin-state"
#define STATEFILE_VERSION 2

enum statefile_kind {
	SF_IRQ_DEFAULT,	     /* value: default_smp_affinity mask text */
	SF_IRQ,		     /* irq, value: cpulist */
	SF_TASK,	     /* pid, tid, starttime, value: cpulist */
	SF_WQ,		     /* name: a workqueue, "" the unbound mask; value: mask */
	SF_CPUFREQ,	     /* policy, name: attribute; value */
	SF_TURBO,	     /* name: "intel_pstate" or "boost"; value: what the file held */
	SF_CGROUP_CPUSET,    /* mount; no name, no value */
	SF_CGROUP_DIR,	     /* mount, name: the cgroup; no value */
	SF_CGROUP_CPUS,	     /* mount, name; value: cpulist or "-" (empty) */
	SF_CGROUP_PARTITION, /* mount, name; value: "member", "root" or "isolated" */
	SF_UNIT,	     /* name: the unit; no value */
};

struct statefile_rec {
	enum statefile_kind kind;
	pid_t pid;
	pid_t tid;
	uint64_t starttime;
	unsigned int irq;
	unsigned int policy;	 /* SF_CPUFREQ */
	enum cgroup_mount mount; /* SF_CGROUP_* */
	char *name;		 /* SF_WQ, SF_CPUFREQ, SF_TURBO, SF_CGROUP_* but CPUSET, SF_UNIT */
	char *value;		 /* NULL for SF_CGROUP_CPUSET, SF_CGROUP_DIR, SF_UNIT */
};

struct statefile {
	char boot_id[64];
	char root[4096];
	unsigned int nbits;
	char housekeeping[4096];
	uint64_t saved_at; /* tasks starting later were not there at save time */
	struct statefile_rec *v;
	size_t n;
	size_t cap;
};

/* Append a copy of rec. -EINVAL for a name or value its kind does not allow. */
int statefile_add(struct statefile *sf, const struct statefile_rec *rec);

/*
 * The file below the root that rec restores ("/proc/irq/24/smp_affinity_list"),
 * rebuilt from its kind and ids: the one place --save and --restore get a
 * path from. For cgroup-cpuset the root's cgroup.subtree_control, for
 * cgroup-dir the cgroup's directory. -EINVAL for a task or a unit (no file)
 * or a name its kind does not allow, -ENAMETOOLONG if buf is too small.
 */
int statefile_rec_path(const struct statefile_rec *rec, char *buf, size_t len);

/* Is value one that a record of this kind (and name) may hold? */
bool statefile_rec_valid(const struct statefile_rec *rec);

/*
 * Write atomically to name below pc's root, mode 0600. Unless replace, an
 * existing file is not overwritten (-EEXIST): it may hold the only record of
 * the originals. path_last(pc) is the full path afterwards.
 */
int statefile_write(struct path_cxt *pc, const struct statefile *sf, const char *name,
		    bool replace);

/*
 * Read and check the state file name below pc's root (path_last(pc) is the
 * full path afterwards). Returns 0; -ENOENT etc. from the file system;
 * -EPERM when the file is not to be trusted (path_open_trusted(), the reason
 * in *ret_why); -EMEDIUMTYPE when it is not an early-pin state file at all
 * (foreign); -EPROTONOSUPPORT for another format version (the version in
 * *ret_line); -EBADMSG when corrupt, with the first bad line number in
 * *ret_line (0: the file as a whole, e.g. hash). *ret untouched on failure.
 */
int statefile_read(struct path_cxt *pc, const char *name, struct statefile *ret,
		   unsigned int *ret_line, const char **ret_why);

void statefile_free(struct statefile *sf);

/*
 * Append the records of what u says a partition changed, in the order it
 * changed it (cgroup-cpuset, cgroup-dir, cgroup-cpus, cgroup-partition), so
 * that a restore walking the records backwards undoes them in reverse.
 * Nothing recorded in u: nothing added. -EEXIST if sf holds cgroup records
 * already (one partition a state), -EINVAL for a mount, name or value the
 * records refuse; on failure sf is as it was.
 */
int statefile_add_cgroup_undo(struct statefile *sf, const struct cgroup_undo *u);

/*
 * The undo record the cgroup records of sf make, for cgroup_partition_undo():
 * 1 found (*ret filled), 0 none, -EBADMSG when they name two different
 * cgroups (or mounts) or a kind twice.
 */
int statefile_cgroup_undo(const struct statefile *sf, struct cgroup_undo *ret);

#endif
