/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * early-pin: move IRQs, tasks, unbound workqueues off the isolated CPUs and
 * lock CPU frequency -- in the initramfs (--boot) or at run time with an
 * exact --save/--restore. One context struct is passed everywhere.
 */
#ifndef EARLYPIN_H
#define EARLYPIN_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <sys/types.h>

#include "cgroup.h"
#include "cpuset.h"
#include "kparam.h"
#include "ops.h"
#include "path.h"
#include "statefile.h"

#define EP_SKIP_IRQ (1U << 0)
#define EP_SKIP_TASKS (1U << 1)
#define EP_SKIP_WQ (1U << 2)
#define EP_SKIP_FREQ (1U << 3)

#define EP_PROG "early-pin"
#define EP_STATE_DIR "/run/quietcore"

/* One planned change: what is there now and what it becomes. */
struct ep_change {
	enum statefile_kind kind;
	pid_t pid; /* SF_TASK */
	pid_t tid;
	uint64_t starttime;
	unsigned int irq;    /* SF_IRQ */
	unsigned int policy; /* SF_CPUFREQ */
	char *name;	     /* SF_WQ, SF_CPUFREQ, SF_TURBO: as in the state file */
	char *path;	     /* its file, from statefile_rec_path() (not tasks, IRQs) */
	char *old;	     /* original, as recorded in a state file */
	char *new;	     /* target */
	char *wide;	     /* SF_IRQ: the wider set to retry with (NULL: none) */
	const char *what;    /* a file's: "workqueue", "governor", ... for messages */
	char comm[24];	     /* SF_TASK: name, when known */
	bool keep;	     /* SF_TASK: recorded only, new == old (--partition: the kernel
				re-affines every task when the partition comes and goes) */
	bool applied;	     /* carried out already (ep_apply_kind): ep_apply skips it */
};

/* Every change of a pass, in the order it is carried out. */
struct ep_changes {
	struct ep_change *v;
	size_t n;
	size_t cap;
};

/* An IRQ whose affinity write the kernel refused: managed, per-CPU, no set_affinity. */
struct ep_immovable {
	unsigned int irq;
	int err; /* -EIO (up to 6.11) or -EPERM (6.12+) */
};

struct ep_stats {
	unsigned int irq_moved, irq_unchanged, irq_immovable, irq_failed, irq_gone;
	int irq_default; /* -1 not touched, 0 failed, 1 moved/ok */
	unsigned int task_moved, task_unchanged, task_percpu, task_gone, task_failed;
	unsigned int task_kernel; /* --partition: left to the kernel's cpuset (changes.c) */
	unsigned int task_placed; /* --enforce: deliberately only on isolated CPUs */
	unsigned int wq_moved, wq_failed, wq_seen;
	unsigned int freq_set, freq_failed;
	bool freq_nopolicy;
	/* for the diagnostic summary */
	struct ep_immovable *immovable; /* in the order they were found */
	size_t nimmovable, capimmovable;
	char percpu_names[512]; /* first few per-CPU kthread names */
	char failed_names[512];
};

struct earlypin {
	struct path_cxt pc;
	struct qc_ops ops;
	struct kparams kp;
	bool kp_read;

	unsigned int nbits; /* nr_cpu_ids */
	cpuset_t possible;
	cpuset_t online;
	cpuset_t hk;	   /* housekeeping, online only */
	cpuset_t isolated; /* possible \ hk */
	const char *hk_source;
	cpuset_t *nodes; /* CPUs of each NUMA node */
	unsigned int nnodes;

	unsigned int skip;
	bool dry_run;
	bool verbose;
	bool quiet;
	bool boot;	 /* --boot: never fail, summary to /dev/kmsg */
	bool enforcing;	 /* a re-scan of --enforce */
	bool need_stat;	 /* read stat of every task to move (--save) */
	bool partition;	 /* --partition: a cgroup-v2 isolated partition */
	bool record_all; /* record every movable task's mask, even those left alone */

	/* --partition */
	struct cgroup_fs cgfs;
	bool systemd;	    /* systemd runs: the partition is its slice */
	cpuset_t part_cpus; /* the partition's CPUs: isolated and online */
	cpuset_t cpus_opt;  /* --cpus, its online CPUs; empty without it */

	char governor[32];
	bool no_turbo;
	bool freq_max;

	struct ep_stats st;
};

/* log.c: "early-pin: ..." on stderr, and /dev/kmsg in --boot mode */
void ep_log(struct earlypin *ep, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ep_kmsg(struct earlypin *ep, int level, const char *msg);

/* housekeeping.c */
int ep_read_cpus(struct earlypin *ep);
/* opt: --housekeeping value or NULL. 1 found, 0 no source (no-op), -errno (logged). */
int ep_housekeeping(struct earlypin *ep, const char *opt);
/* 1 if rd.earlypin=0/no/off disables the boot passes. */
bool ep_disabled(struct earlypin *ep);
/* Frequency settings from rd.earlypin.governor=/turbo=/freq= (options win). */
void ep_freq_from_cmdline(struct earlypin *ep);
/* -EINVAL if g is not a plausible governor name. */
int ep_set_governor(struct earlypin *ep, const char *g);
int ep_read_kparams(struct earlypin *ep);

/* changes.c: what early-pin changes, listed first, then carried out */
int ep_changes_irqs(struct earlypin *ep, struct ep_changes *changes);
int ep_changes_tasks(struct earlypin *ep, struct ep_changes *changes);
int ep_changes_workqueues(struct earlypin *ep, struct ep_changes *changes);
int ep_changes_freq(struct earlypin *ep, struct ep_changes *changes);
int ep_changes_all(struct earlypin *ep, struct ep_changes *changes);
/* Carry out every change not carried out yet; returns the number of real failures. */
unsigned int ep_apply(struct earlypin *ep, struct ep_changes *changes);
/* Only the file changes of one kind (SF_WQ), ahead of the rest. */
unsigned int ep_apply_kind(struct earlypin *ep, struct ep_changes *changes,
			   enum statefile_kind kind);
void ep_changes_free(struct ep_changes *changes);
int ep_changes_add(struct ep_changes *changes, const struct ep_change *ch);
void ep_changes_print(struct earlypin *ep, const struct ep_changes *changes);
void ep_stats_free(struct ep_stats *st);

/* partition.c: --partition (lib/cgroup.c) */
/* Probe cgroup v2 and check the plan; 0 or -errno (logged). */
int ep_partition_prepare(struct earlypin *ep);
/* --dry-run: the partition that would be made. */
void ep_partition_print(struct earlypin *ep);
/* Add what the partition will change to sf, before it changes anything. */
int ep_partition_record(struct earlypin *ep, struct statefile *sf);
/*
 * The partition was not made (what it made, it undid): drop its records, so
 * that restoring the rest cannot undo someone else's cgroup or slice (the
 * one that made it refuse: -EEXIST).
 */
void ep_partition_forget(struct statefile *sf);
/* Make the partition (systemd slice or cgroupfs); 0 or -errno (logged, nothing left). */
int ep_partition_make(struct earlypin *ep);
/*
 * run: what moving pid into the partition will make (systemd: its scope),
 * added to sf; 1 added (save sf before ep_partition_enter()), 0 nothing to
 * add, -errno.
 */
int ep_partition_record_run(struct earlypin *ep, struct statefile *sf, pid_t pid);
/* run: move pid into the partition (a scope, or cgroup.procs); 0 or -errno (logged). */
int ep_partition_enter(struct earlypin *ep, pid_t pid);
/* Undo the partition sf records (scopes, the partition, the slice); the failures. */
unsigned int ep_partition_undo(struct earlypin *ep, const struct statefile *sf);

/* state.c */
int ep_boot_id(struct earlypin *ep, char *buf, size_t len);
/* The current clock tick, once it has ended: saved_at for a scan that starts next. */
uint64_t ep_state_mark(void);
int ep_state_init(struct earlypin *ep, struct statefile *sf, uint64_t saved_at);
/* Returns once the clock tick is past sf->saved_at. */
void ep_state_seal(const struct statefile *sf);
/* Add the originals of changes to sf (skipping what sf already has). Returns how many were added. */
int ep_state_record(struct statefile *sf, const struct ep_changes *changes);
/* Load, check trust, boot id and root; messages logged. 0 or -errno. */
int ep_state_load(struct earlypin *ep, const char *file, struct statefile *sf);
/* Write sf to file (into a trusted directory only); messages logged. 0 or -errno. */
int ep_state_save(struct earlypin *ep, const struct statefile *sf, const char *file, bool replace);
/* An IRQ's affinity (smp_affinity_list, else smp_affinity), never through a symlink. */
int ep_read_irq_affinity(struct earlypin *ep, unsigned int irq, cpuset_t *ret);
/* Put back every record; returns the number of failures. */
unsigned int ep_restore(struct earlypin *ep, const struct statefile *sf);
/* CLOCK_BOOTTIME in clock ticks, the unit of stat's starttime. */
uint64_t ep_boottime_ticks(void);
/* Refuse (-EBUSY, logged) a second sequestering on top of one in force; record file as active. */
int ep_state_claim(struct earlypin *ep, const char *file, bool force);
void ep_state_release(struct earlypin *ep, const char *file);
/* Resolve a --save/--restore argument: a bare name goes under <root>/run/quietcore/. */
char *ep_state_path(struct earlypin *ep, const char *arg, bool create_dir);

#endif
