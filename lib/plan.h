/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plan: split the online CPUs into housekeeping and isolated CPUs and turn the
 * split into kernel parameters.  The policy (design.md):
 *
 *   - housekeeping keeps whole cores (all SMT siblings together);
 *   - the boot CPU's core is always housekeeping (timekeeping stays there;
 *     distro kernels clear the boot CPU from nohz_full anyway);
 *   - every NUMA node that has CPUs keeps at least hk_per_node housekeeping
 *     cores (its lowest-numbered ones); online CPUs in no node form one more
 *     such group;
 *   - on hybrid machines every efficiency core is housekeeping and only
 *     performance cores are isolated;
 *   - offline CPUs are in neither set;
 *   - --housekeeping / --isolate override, validated: only online CPUs, never
 *     the boot CPU isolated, never every CPU isolated, never a node with CPUs
 *     left without housekeeping; split SMT siblings are a warning.
 *   - nosmt: the kernel parameter "nosmt" is added, and the plan describes the
 *     machine after that boot: of every core only its first CPU (the boot CPU
 *     in the boot CPU's core) stays online; the other threads are in neither
 *     set (plan->smt_off) because the kernel will not bring them up.
 *
 * Nothing here prints; failures return -errno with a message in *ret_err.
 */
#ifndef QC_PLAN_H
#define QC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuset.h"
#include "kparam.h"
#include "path.h"
#include "topology.h"

/* x86 COMMAND_LINE_SIZE, including the terminating NUL. */
#define PLAN_CMDLINE_MAX 2048

enum plan_profile {
	PLAN_PROFILE_MINIMAL = 0,
	PLAN_PROFILE_BENCHMARK,
	PLAN_PROFILE_LATENCY,
};

/* Why a CPU has its role (for --explain). */
enum plan_reason {
	PLAN_REASON_NONE = 0,
	PLAN_REASON_OFFLINE,	  /* not online: neither set */
	PLAN_REASON_BOOT,	  /* housekeeping: the boot CPU's core */
	PLAN_REASON_NODE,	  /* housekeeping: keeps its NUMA node served */
	PLAN_REASON_NO_NODE,	  /* housekeeping: serves the CPUs in no NUMA node */
	PLAN_REASON_EFFICIENCY,	  /* housekeeping: efficiency core */
	PLAN_REASON_USER_HK,	  /* housekeeping: --housekeeping */
	PLAN_REASON_NOT_ISOLATED, /* housekeeping: not named by --isolate */
	PLAN_REASON_ISOLATED,	  /* isolated by the policy */
	PLAN_REASON_USER_ISO,	  /* isolated: --isolate */
	PLAN_REASON_NOT_HK,	  /* isolated: not named by --housekeeping */
	PLAN_REASON_SMT_OFF,	  /* offline after boot: nosmt */
};

struct plan_options {
	enum plan_profile profile; /* default PLAN_PROFILE_BENCHMARK */
	unsigned int hk_per_node;  /* cores per NUMA node, >= 1, default 1 */
	bool nosmt;
	const char *housekeeping; /* --housekeeping cpulist, NULL if not given */
	const char *isolate;	  /* --isolate cpulist, NULL if not given */
	const char *kernel;	  /* --kernel release, NULL: running kernel if root is / */
	const char *extra;	  /* --extra 'PARAM=VALUE ...', NULL if not given */
};

void plan_options_init(struct plan_options *opts);

/* What is known of the target kernel. */
struct plan_kernel {
	char release[128];	   /* "" if unknown */
	unsigned int major, minor; /* 0.0 if unknown */
	char config[160];	   /* "/boot/config-<release>" when it was read, else "" */
	int no_hz_full;		   /* 1 y, 0 not set, -1 unknown */
	int rcu_nocb_cpu;
	int cpu_isolation;
	int x86; /* 1 x86, 0 other, -1 unknown */
};

struct plan {
	enum plan_profile profile;
	const struct topology *topo; /* borrowed: must outlive the plan */
	cpuset_t online;	     /* online now (topology) */
	cpuset_t housekeeping;
	cpuset_t isolated;
	cpuset_t smt_off; /* nosmt: online now, offline after boot */
	uint8_t *reason;  /* [topo->nr_cpus] enum plan_reason */
	struct plan_kernel kernel;
	struct kparams params; /* the emitted parameters, in order */
	char *cmdline;	       /* kparams_format(&params) */
	char **warnings;       /* one line each, no newline */
	size_t nr_warnings;
};

/*
 * Plan for topo.  pc is the root the topology came from (for /boot/config-*
 * and /proc/cpuinfo).  Returns 0, or -errno with a malloc'ed one-line reason
 * in *ret_err: -EINVAL (a bad option value), -EDOM (nothing can be isolated,
 * or an override that breaks a rule), -E2BIG (the line is too long), -ENOMEM.
 */
int plan_build(struct path_cxt *pc, const struct topology *topo, const struct plan_options *opts,
	       struct plan **ret, char **ret_err);
void plan_free(struct plan *plan);

/* NULL-terminated names of every parameter any profile can emit. */
const char *const *plan_managed_params(void);

/* One-line reason for a parameter this planner emits, NULL for others. */
const char *plan_param_why(const char *name);

const char *plan_profile_str(enum plan_profile p);
int plan_profile_parse(const char *s, enum plan_profile *ret); /* 0 or -EINVAL */
const char *plan_reason_str(enum plan_reason r);
bool plan_reason_is_housekeeping(enum plan_reason r);

/* Parse "6.1.0-18-amd64" -> 6, 1.  0 or -EINVAL. */
int plan_kernel_version(const char *release, unsigned int *ret_major, unsigned int *ret_minor);

#endif
