/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup: the cgroup-v2 cpuset interface for run-time isolation, below the
 * root of a path context, never printing.
 *
 *   - where the unified hierarchy is (/sys/fs/cgroup, or the hybrid layout's
 *     /sys/fs/cgroup/unified), from /proc/self/mountinfo below the root;
 *   - what this kernel offers: the cpuset controller on v2, the "isolated"
 *     partition type, cpuset.cpus.exclusive, the root's cpuset.cpus.isolated,
 *     workqueues that leave partition CPUs alone (kernel-facts.md's table);
 *   - a partition made (cgroupfs directly) or finished (a systemd slice made
 *     by the caller: only cpuset.cpus.partition is written), read back,
 *     and undone exactly from its undo record;
 *   - the kernel's "isolated invalid (REASON)" texts of 6.1 and 6.12 told
 *     apart, so a caller can name them.
 *
 * Every write, mkdir and rmdir goes through the ops table (lib/ops.h), so the
 * recording implementation sees the exact sequence. Errors: -errno, with
 * path_last() of ops->pc naming the file (lib/README).
 */
#ifndef QC_CGROUP_H
#define QC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "ops.h"
#include "path.h"

/* A top-level cgroup's name: [A-Za-z0-9_.:@-]{1,64}, not starting with '.'. */
#define CGROUP_NAME_MAX 64
/* The partition early-pin makes when no systemd runs; with systemd, the slice. */
#define CGROUP_PARTITION_NAME "quietcore-isolated"
/*
 * A top-level slice: a dash in a slice's name means nesting to systemd
 * ("a-b.slice" is below "a.slice"), and a partition's parent must be the
 * root. isol-alloc's grants can then be "quietcore-NAME.slice" below it.
 */
#define CGROUP_PARTITION_SLICE "quietcore.slice"

/* Where the unified hierarchy is mounted (a closed set: state files name it). */
enum cgroup_mount {
	CGROUP_MOUNT_NONE,    /* no cgroup2 mount: cgroup v1 only */
	CGROUP_MOUNT_UNIFIED, /* /sys/fs/cgroup (the unified layout) */
	CGROUP_MOUNT_HYBRID,  /* /sys/fs/cgroup/unified (v1 controllers beside it) */
};

/* "/sys/fs/cgroup", "/sys/fs/cgroup/unified", or NULL for NONE. */
const char *cgroup_mount_path(enum cgroup_mount m);
/* "unified", "hybrid" (the words of state files), NULL for NONE. */
const char *cgroup_mount_word(enum cgroup_mount m);
/* The inverse of cgroup_mount_word(); CGROUP_MOUNT_NONE if unknown. */
enum cgroup_mount cgroup_mount_from_word(const char *word);

/* What the running kernel and hierarchy offer (kernel-facts.md). */
struct cgroup_fs {
	enum cgroup_mount mount;
	unsigned int kver[3]; /* /proc/sys/kernel/osrelease: 6.1.0 -> {6, 1, 0} */
	bool cpuset;	      /* "cpuset" in the root's cgroup.controllers */
	bool cpuset_enabled;  /* "cpuset" in the root's cgroup.subtree_control */
	bool isolated_type;   /* the "isolated" partition type (6.1+) */
	bool exclusive;	      /* cpuset.cpus.exclusive, remote partitions (6.7+) */
	bool root_isolated;   /* the root's cpuset.cpus.isolated exists (6.8+) */
	bool wq_excludes;     /* workqueue/cpumask_isolated exists (6.8+): unbound
				   workqueues leave partition CPUs by themselves */
	bool timer_migration; /* timer migration skips partition CPUs (6.19+) */
	bool domain_follows;  /* HK_TYPE_DOMAIN, new kthreads follow (7.0+) */
};

/*
 * Probe pc's root. The mount is the last cgroup2 mount at /sys/fs/cgroup or
 * /sys/fs/cgroup/unified in <root>/proc/self/mountinfo; a tree without
 * mountinfo (a captured one) counts as unified if it has
 * /sys/fs/cgroup/cgroup.controllers, as hybrid if it has
 * /sys/fs/cgroup/unified/cgroup.controllers. The features follow
 * kernel-facts.md's table by /proc/sys/kernel/osrelease (absent: no version,
 * 0.0.0), except where a file tells: root_isolated is the root's
 * cpuset.cpus.isolated, wq_excludes workqueue/cpumask_isolated, exclusive
 * also a child's cpuset.cpus.exclusive (a backport), and any of those makes
 * isolated_type true.
 * Returns 0 with *ret filled; -ENOENT with *ret filled: no cgroup2 mount
 * (v1 only, ret->mount NONE, path_last() the mountinfo) or, with a mount,
 * its cgroup.controllers missing; -EOPNOTSUPP with *ret filled: v2 is
 * mounted but cpuset is not among its controllers (bound to v1 or not
 * built); -EINVAL a malformed osrelease or mountinfo; or a read error.
 * path_last() names the file.
 */
int cgroup_fs_probe(struct path_cxt *pc, struct cgroup_fs *ret);

enum cgroup_ptype {
	CGROUP_P_MEMBER,
	CGROUP_P_ROOT,
	CGROUP_P_ISOLATED,
};

/* Why the kernel says a partition is invalid; 6.1 and 6.12 texts map alike. */
enum cgroup_invalid {
	CGROUP_VALID = 0,
	CGROUP_INV_CPULIST,	    /* "Invalid cpu list in cpuset.cpus[.exclusive]" */
	CGROUP_INV_PARENT_INVALID,  /* "Parent is an invalid partition root" */
	CGROUP_INV_PARENT_NOT_ROOT, /* "Parent is not a partition root" */
	CGROUP_INV_NOT_EXCLUSIVE,   /* "Cpu list in cpuset.cpus not exclusive" */
	CGROUP_INV_NO_DISTRIBUTE,   /* "Parent unable to distribute cpu downstream" */
	CGROUP_INV_HOTPLUG,	    /* "No cpu available due to hotplug" */
	CGROUP_INV_EMPTY, /* "cpuset.cpus is empty", "... and cpuset.cpus.exclusive are empty" */
	CGROUP_INV_HOUSEKEEPING,  /* "partition config conflicts with housekeeping setup" */
	CGROUP_INV_NOT_PERMITTED, /* "Enable partition not permitted" */
	CGROUP_INV_UNKNOWN,	  /* invalid, with a text not in this table (kept in reason) */
};

/* cpuset.cpus.partition as read back. */
struct cgroup_partition {
	enum cgroup_ptype type;
	enum cgroup_invalid invalid; /* CGROUP_VALID unless the kernel said "invalid" */
	char reason[160];	     /* the text in parentheses, verbatim ("" if none) */
};

/*
 * Parse "member", "root", "isolated", "root invalid", "isolated invalid
 * (REASON)" (a trailing newline allowed). -EINVAL for anything else.
 */
int cgroup_partition_parse(const char *text, struct cgroup_partition *ret);
/* "member", "root", "isolated". */
const char *cgroup_ptype_str(enum cgroup_ptype t);

/* A top-level cgroup's name is one this module may create or remove. */
bool cgroup_name_valid(const char *name);

/*
 * What a partition made or finished changed, in the order it changed it;
 * cgroup_partition_undo() reverts it in reverse. The caller keeps it in its
 * state file (statefile_add_cgroup_undo(): the "cgroup-*" records) before
 * anything else happens. old_cpus is a canonical cpulist ("" empty),
 * old_partition "member", "root" or "isolated".
 */
struct cgroup_undo {
	enum cgroup_mount mount;
	char name[CGROUP_NAME_MAX + 1];
	bool enabled_cpuset; /* this module wrote "+cpuset" to the root's subtree_control */
	bool made_dir;	     /* this module created the cgroup (cgroupfs path) */
	bool wrote_cpus;     /* cpuset.cpus written; old_cpus is what it held */
	char old_cpus[4096];
	bool wrote_partition; /* cpuset.cpus.partition written; old_partition held */
	char old_partition[32];
};

/*
 * Make the isolated partition name holding cpus through cgroupfs (no systemd):
 * "+cpuset" in the root's subtree_control if it is not there, mkdir name
 * (an existing cgroup of that name: -EEXIST, path_last() naming it),
 * cpuset.cpus (canonical cpulist), then cpuset.cpus.partition = "isolated",
 * read back. Before writing, CPUs in a sibling's non-empty cpuset.cpus (or
 * cpuset.cpus.exclusive) are refused (-EBUSY, path_last() naming the
 * sibling's file). An invalid read-back undoes everything and returns
 * -EINVAL with *ret_state saying why, path_last() the partition file. Any
 * other failure undoes what was done and returns its error, path_last()
 * naming its file. *undo is filled as it goes, also on failure (what could
 * not be undone stays recorded there). -EINVAL a bad name or no CPU,
 * -ENOENT/-EOPNOTSUPP fs without a mount, cpuset or the isolated type.
 */
int cgroup_partition_create(struct qc_ops *ops, const struct cgroup_fs *fs, const char *name,
			    const cpuset_t *cpus, struct cgroup_undo *undo,
			    struct cgroup_partition *ret_state);

/*
 * Would cpus conflict with a sibling of the top-level cgroup name (another
 * top-level cgroup whose non-empty cpuset.cpus meets them)? 0 no; -EBUSY
 * yes, path_last() naming the sibling's cpuset.cpus; or a read error. The
 * check cgroup_partition_create() makes first, for callers that have
 * systemd make the cgroup.
 */
int cgroup_check_siblings(struct path_cxt *pc, const struct cgroup_fs *fs, const char *name,
			  const cpuset_t *cpus);

/*
 * Turn an existing top-level cgroup (a slice systemd made with AllowedCPUs=)
 * into an isolated partition: only cpuset.cpus.partition is written, then
 * read back; an invalid result is undone (-EINVAL, *ret_state says why).
 * Refused before writing: no such cgroup (-ENOENT), its cpuset.cpus held by
 * a sibling (-EBUSY, as for create), a partition file that says "invalid"
 * already (-EINVAL, *ret_state says why: not a value to write back).
 */
int cgroup_partition_set(struct qc_ops *ops, const struct cgroup_fs *fs, const char *name,
			 struct cgroup_undo *undo, struct cgroup_partition *ret_state);

/*
 * Revert what undo records, in reverse order: the partition file back to its
 * old value, cpuset.cpus back, the cgroup removed if made here (its tasks
 * first moved to the root's cgroup.procs), "-cpuset" if enabled here. Goes
 * on after a failure; returns the first error, path_last() naming its file.
 * An undo with nothing recorded: 0. Every step re-reads first: a value
 * already back is not written, a cgroup that is gone has nothing left to
 * undo, cpuset no longer enabled needs no "-cpuset". So undoing twice is
 * harmless, and so is a record of steps that never happened (a caller may
 * record the undo it expects before calling create, for a killed run; but
 * never keep it when create returns -EEXIST: that cgroup is someone else's).
 */
int cgroup_partition_undo(struct qc_ops *ops, const struct cgroup_undo *undo);

/* One top-level cgroup that is a partition (not "member"). */
struct cgroup_part_info {
	char name[CGROUP_NAME_MAX + 1];
	struct cgroup_partition state;
	cpuset_t cpus;	    /* cpuset.cpus */
	cpuset_t effective; /* cpuset.cpus.effective */
};

/*
 * Every top-level cgroup whose cpuset.cpus.partition is not "member", in
 * name order. *ret is malloc'd (free() it), *ret_n may be 0.
 */
int cgroup_partitions(struct path_cxt *pc, const struct cgroup_fs *fs,
		      struct cgroup_part_info **ret, size_t *ret_n);

/*
 * The CPUs the kernel's cpuset gives the tasks of cgroup cg (a path as
 * taskstat_cgroup returns it): cpuset.cpus.effective of cg, or of its nearest
 * ancestor that has one (the controller is enabled only down to some
 * level). When a partition takes CPUs from those, the kernel re-affines
 * every such task to what is left, and back when it ends (before 6.2 to
 * the whole set; from 6.2 within what the task asked with
 * sched_setaffinity). 0, or -errno of the last read (-ENOENT: no cpuset
 * file up to the root).
 */
int cgroup_effective_cpus(struct path_cxt *pc, const struct cgroup_fs *fs, const char *cg,
			  cpuset_t *ret);

/* ---- a cgroup of its own for one process (isol-alloc's grants) -------------- */

/* Paths and unit names of struct cgroup_task. */
#define CGROUP_TASK_NAME_MAX 255
#define CGROUP_TASK_PATH_MAX 1024

/*
 * What enforcing one grant makes, planned by cgroup_task_plan() (names only,
 * nothing changed) so that the caller can keep it durably before
 * cgroup_task_create() acts, and cgroup_task_undo() can revert it after a
 * crash at any point. A key (isol-alloc's service name, any bytes) is made
 * into names of [A-Za-z0-9_] only: a letter or digit stays, any other byte
 * is "_xx" (lower-case hex), so two keys never share a name and a slice's
 * name has no '-' of its own.
 *
 *  - systemd (systemd runs, and the partition is CGROUP_PARTITION_SLICE or
 *    there is none): a slice with AllowedCPUs= the CPUs,
 *    "quietcore-alloc_KEY.slice" (below quietcore.slice: its child) or
 *    "quietcore_alloc_KEY.slice" (top level), and in it the scope
 *    "quietcore-alloc-KEY.scope" holding the pid;
 *  - cgroupfs: the cgroup "alloc-KEY" in the partition (a cgroupfs
 *    one, CGROUP_PARTITION_NAME), or top-level "quietcore-alloc-KEY", with
 *    cpuset.cpus the CPUs, the pid written to its cgroup.procs.
 */
struct cgroup_task {
	enum cgroup_mount mount;
	int32_t pid;
	cpuset_t cpus;
	char from[CGROUP_TASK_PATH_MAX]; /* the pid's cgroup before ("/system.slice/x.service") */
	char dir[CGROUP_TASK_PATH_MAX];	 /* the cgroup the pid goes to, below the mount */
	char slice[CGROUP_TASK_NAME_MAX + 1]; /* systemd: the slice, "" cgroupfs */
	char scope[CGROUP_TASK_NAME_MAX + 1]; /* systemd: the scope, "" cgroupfs */
	bool enabled_cpuset; /* cgroupfs: "+cpuset" written to the parent's subtree_control */
};

/* key as [A-Za-z0-9_] ("nova-compute" -> "nova_2dcompute"). -ENAMETOOLONG, -EINVAL "". */
int cgroup_task_escape(const char *key, char *buf, size_t len);

/*
 * Plan *ret for pid and cpus: systemd says whether systemd runs; partition
 * is the top-level partition to go below (CGROUP_PARTITION_SLICE or
 * CGROUP_PARTITION_NAME) or NULL for none. Reads only the pid's cgroup
 * (taskstat_cgroup(): -ESRCH/-ENOENT gone). -EOPNOTSUPP: fs has no cgroup-v2
 * mount with the cpuset controller; -EINVAL: no CPU, a bad key or
 * partition name.
 */
int cgroup_task_plan(struct path_cxt *pc, const struct cgroup_fs *fs, bool systemd,
		     const char *partition, const char *key, const cpuset_t *cpus, pid_t pid,
		     struct cgroup_task *ret);

/*
 * Do what t plans: systemd: unit_start_slice(), unit_start_scope() (the
 * scope's process was in its cgroup before: systemd moves it); cgroupfs:
 * "+cpuset" in the parent's cgroup.subtree_control if it is not there (t
 * records it), mkdir, cpuset.cpus, the pid into cgroup.procs. A cgroup of
 * that name already there: -EEXIST (someone else's, or a stale one; left
 * alone). On failure everything done is undone and the error returned,
 * path_last() naming the file or the unit (ops->unit_msg systemd's reason).
 */
int cgroup_task_create(struct qc_ops *ops, struct cgroup_task *t);

/*
 * Revert t, also a plan only partly done (a crash): the tasks in t->dir
 * (the pid and what it forked) go back to t->from, or to the root when that
 * cgroup is gone; then the scope and slice are stopped, or the cgroup
 * removed and "-cpuset" written to its parent's subtree_control when t
 * enabled it and no other child cgroup is left there. Steps with nothing
 * to do are skipped, so undoing twice is harmless. When a task cannot be
 * moved back, nothing else is done and that error is returned: systemd
 * stopping a scope kills what is still in it, and the caller keeps t to try
 * again. After that step it goes on after a failure and returns the first
 * error, path_last() naming its file or unit.
 */
int cgroup_task_undo(struct qc_ops *ops, const struct cgroup_task *t);

#endif
