/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which CPUs are isolated and which keep house: the one derivation, from the
 * kernel command line, /sys/devices/system/cpu and an explicit list, shared
 * by early-pin and isol-verify; and which are isolated at run time, by
 * cgroup-v2 "isolated" partitions (lib/cgroup). Also the boot_id, which both
 * compare.
 *
 * Never prints: problems are returned (-errno) or recorded for the caller
 * to report.
 */
#ifndef QC_ISOLATION_H
#define QC_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "cpuset.h"
#include "kparam.h"
#include "path.h"

#define ISOLATION_BOOT_ID_MAX 64

/*
 * The CPUs the kernel knows. A file that is there but unreadable, empty
 * (-ENODATA) or malformed is recorded, never replaced by another one; only an
 * absent cpu/possible falls back (to online and present).
 */
struct isolation_cpus {
	cpuset_t possible;  /* cpu/possible; absent: online and present */
	cpuset_t online;    /* cpu/online (empty unless online_err is 0) */
	unsigned int nbits; /* last possible CPU + 1, 0 if none */
	int possible_err;   /* 0, -ENOENT (absent: fell back) or why refused */
	int online_err;	    /* 0, or why refused (-ENOENT: absent) */
	int present_err;    /* cpu/present, read only when cpu/possible is absent */
};

/*
 * Read cpu/online, cpu/possible (and cpu/present when possible is absent).
 * ret is always filled. Returns 0, or the first error of online, possible,
 * present, with path_last(pc) naming its file.
 */
int isolation_read_cpus(struct path_cxt *pc, struct isolation_cpus *ret);

/*
 * The CPUs the kernel isolated at boot: cpu/isolated (isolcpus= domain
 * isolation as the kernel applied it), offline ones included. An absent or
 * empty file is the empty set: 0. A file that is there but unreadable or
 * malformed: its -errno, with path_last(pc) naming it; *ret untouched then.
 */
int isolation_read_isolated(struct path_cxt *pc, cpuset_t *ret);

/* One cpulist parameter of the command line. */
struct isolation_param {
	bool has;	   /* given, with or without a value */
	bool ok;	   /* its value parsed */
	int err;	   /* why not (-EINVAL for a bare parameter) */
	const char *value; /* as given (in the kparams), NULL if bare */
	cpuset_t cpus;
};

/* What the command line asks for. */
struct isolation_cmdline {
	struct isolation_param isolcpus; /* cpus: the CPUs without the flags */
	struct isolcpus iso;		 /* isolcpus= parsed, zero unless it parsed */
	struct isolation_param nohz_full;
	struct isolation_param rcu_nocbs;
	struct isolation_param irqaffinity;

	cpuset_t domain;   /* isolcpus= CPUs under domain isolation */
	cpuset_t nohz;	   /* tickless: nohz_full=, else isolcpus=nohz */
	cpuset_t isolated; /* isolcpus= ∪ nohz_full= (those that parsed) */
};

/*
 * Parse isolcpus=, nohz_full=, rcu_nocbs= and irqaffinity= of kp, CPUs below
 * nbits (0: any the cpuset holds). Bad values are recorded, the sets they
 * would have given left empty.
 */
void isolation_parse_cmdline(const struct kparams *kp, unsigned int nbits,
			     struct isolation_cmdline *ret);

/* A housekeeping source that was there but not (wholly) used. */
enum isolation_note_kind {
	ISOLATION_NOTE_INVALID,	  /* a cpulist that does not parse: source skipped */
	ISOLATION_NOTE_OFFLINE,	  /* names CPUs not online: those dropped */
	ISOLATION_NOTE_ISOLCPUS,  /* isolcpus= invalid (the kernel ignores it too) */
	ISOLATION_NOTE_NOHZ_FULL, /* nohz_full= invalid */
};

struct isolation_note {
	enum isolation_note_kind kind;
	const char *what; /* "--housekeeping", "rd.earlypin.cpus=", ... */
	const char *value;
	int err;
	cpuset_t offline; /* ISOLATION_NOTE_OFFLINE: the CPUs dropped */
};

#define ISOLATION_NOTES_MAX 5

struct isolation_hk {
	cpuset_t hk;	    /* housekeeping, online CPUs only */
	const char *source; /* where it came from, NULL if nowhere */
	struct isolation_note notes[ISOLATION_NOTES_MAX];
	size_t nnotes; /* in the order the sources were tried */
};

/*
 * The housekeeping set, first match wins: opt (--housekeeping, NULL if not
 * given), rd.earlypin.cpus=, irqaffinity=, the online CPUs outside
 * isolcpus=/nohz_full=, the online CPUs outside cpu/isolated and
 * cpu/nohz_full. A bad list falls through to the next source (but a bad opt
 * is -EINVAL). ret->notes says what was skipped or trimmed.
 * Returns 1 found (-ENODATA if it holds no online CPU, source set),
 * 0 nowhere, -EINVAL.
 */
int isolation_housekeeping(struct path_cxt *pc, const struct kparams *kp, const cpuset_t *online,
			   const char *opt, struct isolation_hk *ret);

/*
 * /proc/sys/kernel/random/boot_id into buf: -ENODATA empty, -EINVAL not a
 * boot id (hex digits and '-'), -ENOBUFS if len is too small; the read's
 * -errno otherwise. buf untouched on failure.
 */
int isolation_boot_id(struct path_cxt *pc, char *buf, size_t len);

/* A plausible boot id: hex digits and '-', shorter than ISOLATION_BOOT_ID_MAX. */
bool isolation_boot_id_valid(const char *s);

/*
 * Isolation at run time: the cgroup-v2 cpuset partitions of type "isolated"
 * (kernel-facts.md), any of them, not only quietcore's. A partition's parent
 * must be a partition root, so in practice they are top-level cgroups, and
 * those are the ones named; from 6.8 the root's read-only cpuset.cpus.isolated
 * also gives the CPUs of deeper ones. A valid partition's CPUs are its
 * cpuset.cpus.effective; an invalid one ("isolated invalid (REASON)")
 * isolates nothing and is listed for the caller to report.
 */
struct isolation_runtime {
	struct cgroup_fs fs;		/* the probe; fs.mount NONE: no cgroup v2 */
	bool cpuset;			/* cgroup v2 is there with the cpuset controller */
	bool root_isolated_read;	/* the root's cpuset.cpus.isolated was read (6.8+) */
	cpuset_t root_isolated;		/* what it says */
	cpuset_t isolated;		/* the valid partitions' CPUs ∪ root_isolated, less
					   cpu/isolated (boot isolation, which 6.12 lists there too) */
	cpuset_t unnamed;		/* of those, CPUs in no top-level partition */
	struct cgroup_part_info *parts; /* the top-level "isolated" partitions, valid
					   or not, in name order (malloc'd) */
	size_t nparts;
};

/*
 * Read the run-time isolation of pc's root into *ret (always filled; free it
 * with isolation_runtime_free()). No cgroup v2 (cgroup v1 only) and no cpuset
 * controller on v2 are not errors: 0 with nothing isolated, ret->fs.mount and
 * ret->cpuset saying which. A file that is there but cannot be read or parsed
 * (the probe's, a partition's, cpuset.cpus.isolated) is -errno with
 * path_last(pc) naming it, and ret holds nothing isolated: never "none" over
 * what could not be read.
 */
int isolation_runtime_read(struct path_cxt *pc, struct isolation_runtime *ret);
void isolation_runtime_free(struct isolation_runtime *rt);
/* The valid partition whose CPUs hold cpu, or NULL. */
const struct cgroup_part_info *isolation_runtime_owner(const struct isolation_runtime *rt,
						       unsigned int cpu);
/* A partition read back as "isolated", not "isolated invalid (...)". */
bool isolation_partition_valid(const struct cgroup_part_info *part);
/* Is this top-level cgroup quietcore's own partition (CGROUP_PARTITION_SLICE or _NAME)? */
bool isolation_partition_own(const char *name);

/*
 * The CPUs quietcore may hand out (isol-alloc's pool): cpu/isolated ∪ the
 * cpuset.cpus.effective of quietcore's own valid isolated partitions
 * (isolation_partition_own()), within online. Another isolated partition
 * holds someone else's CPUs, and an invalid one isolates nothing: neither
 * counts. 0, or -errno of cpu/isolated or of the run-time isolation
 * (isolation_runtime_read()) with path_last(pc) naming the file; *ret
 * untouched then.
 */
int isolation_pool(struct path_cxt *pc, const cpuset_t *online, cpuset_t *ret);

#endif
