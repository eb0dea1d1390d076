/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * isol-verify: internal interface between the CLI (main.c), the checks and the
 * output formats. Everything here is testable without root against a fake root
 * (struct path_cxt); the only things that touch the running system directly
 * are sched_getaffinity() on the real root, the MSR reads and the jitter probe.
 */
#ifndef QC_VERIFY_H
#define QC_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "cpuset.h"
#include "interrupts.h"
#include "isolation.h"
#include "kparam.h"
#include "noise.h"
#include "jitter.h"
#include "ops.h"
#include "path.h"

#define VERIFY_SCHEMA_VERSION 1

/* Check status. The numeric values of OK..UNKNOWN are the plugin exit codes. */
enum vstatus {
	VS_OK = 0,
	VS_WARNING = 1,
	VS_CRITICAL = 2,
	VS_UNKNOWN = 3,
	VS_SKIPPED = 4,
};

const char *vstatus_name(enum vstatus st); /* "ok", "warning", ... */
/* Severity order used to combine: skipped < ok < unknown < warning < critical. */
int vstatus_rank(enum vstatus st);

struct check {
	const char *id;
	enum vstatus status;
	char *message;	      /* what to do (or why skipped) */
	json_object *details; /* object; "problems" array added by check_problem() */
	bool finished;
};

void check_init(struct check *c, const char *id);
void check_free(struct check *c);
/* Record a problem: escalates the status, the worst problem becomes the message. */
void check_problem(struct check *c, enum vstatus st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Message when nothing was wrong (ignored if a problem was recorded). */
void check_ok(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Skip with a reason (only if no problem was recorded). */
void check_skip(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * r from a reader of the file path_last(pc) names: absent (-ENOENT) is the
 * caller's to handle and returns false; any other failure (unreadable, not a
 * regular file, empty where a value is due, malformed) makes c UNKNOWN naming
 * the file, and returns true.
 */
bool check_read_failed(struct check *c, const struct path_cxt *pc, int r);
/* details helpers */
void check_detail_str(struct check *c, const char *key, const char *val);
void check_detail_int(struct check *c, const char *key, int64_t val);
void check_detail_double(struct check *c, const char *key, double val);
void check_detail_bool(struct check *c, const char *key, bool val);
void check_detail_cpuset(struct check *c, const char *key, const cpuset_t *set);
/* details[key] as an array, created on first use */
json_object *check_detail_array(struct check *c, const char *key);
json_object *check_detail_object(struct check *c, const char *key);
json_object *json_cpulist(const cpuset_t *set);
/* A double printed with 3 decimals. */
json_object *json_double3(double val);

/*
 * The expectation: the isolation the kernel command line asks for and the
 * isolation cgroup-v2 partitions give at run time, both derived by
 * lib/isolation.c, and what could not be read. Every check expects the union
 * quiet; the cmdline and kernel checks judge the command line's part alone.
 */
struct expectation {
	struct kparams kp;
	bool cmdline_ok; /* /proc/cmdline was readable */
	int cmdline_err;
	int possible_err;   /* cpu/possible there but unreadable or malformed (-errno) */
	int online_err;	    /* the same for cpu/online */
	unsigned int nbits; /* nr_cpu_ids: last possible CPU + 1 */
	cpuset_t possible;
	cpuset_t online;
	bool online_ok;

	bool has_isolcpus, isolcpus_ok;
	int isolcpus_err;
	struct isolcpus iso;
	bool has_nohz_full, nohz_full_ok;
	cpuset_t nohz_full;
	bool has_rcu_nocbs, rcu_nocbs_ok;
	cpuset_t rcu_nocbs;
	bool has_irqaffinity, irqaffinity_ok;
	cpuset_t irqaffinity;

	cpuset_t domain; /* isolcpus= CPUs when domain isolation is in effect */
	cpuset_t nohz;	 /* CPUs that should run tickless (nohz_full=, or isolcpus=nohz) */
	/* what the command line is judged against: isolcpus ∪ nohz_full, or --isolated */
	cpuset_t cmdline_isolated;
	cpuset_t cmdline_housekeeping; /* online (or possible) minus cmdline_isolated */

	/* run time: cgroup-v2 isolated partitions (lib/isolation.c) */
	struct isolation_runtime rt;
	cpuset_t runtime; /* the CPUs isolated at run time (valid partitions) */

	cpuset_t isolated;     /* the CPUs meant to be quiet: cmdline_isolated ∪ runtime */
	cpuset_t housekeeping; /* online (or possible) minus isolated */
	unsigned int boot_cpu;
	int runtime_err; /* reading the partitions failed (-errno): runtime_path names the file */
	char runtime_path[PATH_MAX];
};

void expectation_free(struct expectation *p);
/* Read /proc/cmdline and the CPU masks under pc. Never fails: problems are recorded in p. */
void expectation_load(struct expectation *p, struct path_cxt *pc);
/* Any CPU expected isolated (by the command line, --isolated or a partition). */
bool expectation_any(const struct expectation *p);
/* Any CPU the command line (or --isolated) isolates. */
bool expectation_cmdline_any(const struct expectation *p);
/* --isolated LIST: set replaces the command line's isolated CPUs (not the partitions'). */
void expectation_set_isolated(struct expectation *p, const cpuset_t *set);
/* How the CPUs are isolated: "boot", "runtime", "both" or "none". */
const char *expectation_isolation(const struct expectation *p);
/* "/name, /name2" of the valid partitions holding CPUs of set, "" if none. */
const char *expectation_partitions_str(const struct expectation *p, const cpuset_t *set, char *buf,
				       size_t len);

/* Why a check that needs isolated CPUs is skipped. */
#define VERIFY_NONE_ISOLATED "no CPU is isolated, on the command line or by a cgroup partition"

/* One thread as the task checks need it. */
struct vtask {
	int pid; /* thread group id */
	int tid;
	char comm[64];
	char state;
	uint32_t flags;	       /* PF_* */
	int cpu;	       /* stat field 39 */
	bool affinity_ok;      /* allowed CPUs could be read */
	bool allowed_isolated; /* allowed CPUs include an isolated CPU */
	bool allowed_housekeeping_only;
	char *allowed; /* cpulist, kept only when it matters (allowed_isolated or rcuo*) */
};

struct tasklist_v {
	struct vtask *v;
	size_t n, cap;
	size_t threads_total;		/* including ones that vanished mid-scan */
	size_t vanished;		/* exited during the scan (ENOENT, ESRCH): skipped */
	size_t unreadable;		/* stat or status there but unreadable or malformed */
	char unreadable_path[PATH_MAX]; /* the first of them */
	int unreadable_err;		/* and its -errno */
};

/*
 * Every thread under /proc. Allowed CPUs come from sched_getaffinity() on the
 * real root (fast, exact) and from "Cpus_allowed_list:" in the status file
 * under a fake root. Threads of exclude_tgid (0: none) are skipped.
 */
int tasks_scan(struct path_cxt *pc, const cpuset_t *isolated, const cpuset_t *housekeeping,
	       int exclude_tgid, struct tasklist_v *ret);
void tasks_free(struct tasklist_v *tl);
/*
 * One thread's allowed CPUs: sched_getaffinity() on the real root, its status
 * file's "Cpus_allowed_list:" under a fake root (path_last() names it then).
 * 0, -ESRCH/-ENOENT gone, or -errno.
 */
int tasks_allowed(struct path_cxt *pc, int pid, int tid, cpuset_t *ret);

/* One /proc/stat cpuN line. */
struct cpustat {
	bool present;
	uint64_t busy, total;
};

struct cpustat_sample {
	unsigned int n;
	struct cpustat *cpu; /* [n], by CPU number */
};
int cpustat_read(struct path_cxt *pc, struct cpustat_sample *ret);
void cpustat_free(struct cpustat_sample *s);

/* MSR_SMI_COUNT samples of the isolated CPUs. */
struct smi_sample {
	bool ok;
	char reason[256];
	unsigned int n;
	int *cpu;
	uint64_t *count;
};
/* ops: loads msr when /dev/cpu/N/msr is missing on the real root; NULL never loads. */
void smi_read(struct path_cxt *pc, const cpuset_t *cpus, struct qc_ops *ops,
	      struct smi_sample *ret);
void smi_free(struct smi_sample *s);

/* isol-verify --noise (verify/noise.c): per CPU, what took the probe's time. */
struct noise_result {
	bool ran;
	char reason[512];    /* why it did not run: the check is UNKNOWN */
	const char *backend; /* "generic" or "osnoise" */
	char swept[256];     /* instances of killed runs removed first */
	double seconds;
	size_t events; /* trace events read */
	struct jitter_result probe;
	unsigned int n; /* one per measured CPU, in the order of probe.cpu */
	struct noise_cpu *cpu;
	bool *ok;
	char (*why)[256]; /* !ok[i]: why */
};

enum noise_backend {
	NOISE_BACKEND_AUTO, /* osnoise where the kernel has the tracer, else generic */
	NOISE_BACKEND_GENERIC,
	NOISE_BACKEND_OSNOISE,
};

/*
 * Trace the CPUs: generic, while the probe runs on them; osnoise, the
 * tracer's own workload. threshold: the shortest noise counted. pc: the
 * real root (where the osnoise settings are kept during the run).
 */
void noise_run(struct path_cxt *pc, enum noise_backend backend, const cpuset_t *cpus,
	       const cpuset_t *main_cpus, double seconds, uint64_t threshold_ns,
	       struct noise_result *ret);
void noise_result_free(struct noise_result *r);
void noise_source_label(const struct noise_source *s, char *buf, size_t len);

struct verify_opts {
	double interval; /* seconds; 0 = no sampling */
	double jitter_seconds;
	uint64_t jitter_threshold_ns;
	uint64_t max_jitter_ns; /* 0: none */
	cpuset_t jitter_cpus;
	double noise_seconds;
	uint64_t noise_threshold_ns;
	uint64_t max_noise_ns; /* per second of window; 0: none */
	cpuset_t noise_cpus;
	enum noise_backend noise_backend;
	char **allow; /* --allow patterns (fnmatch on comm) */
	size_t nallow;
	int self_tgid;	     /* excluded from the task scan; 0 for none */
	double loc_max_rate; /* LOC/s above which a nohz_full CPU's tick is "not stopped" */
	double load_max;     /* housekeeping busy percent */
	const char *
		alloc_state; /* --alloc-state: isol-alloc's state file below the root, NULL default */
	bool jitter;
	bool jitter_cpus_given;
	bool jitter_mono; /* --jitter-clock mono: the clock of --noise and of the trace */
	bool noise;
	bool noise_cpus_given;
	bool expect_from_bootloader;
	bool no_module_load;
};

enum {
	CHK_CMDLINE,
	CHK_KERNEL,
	CHK_PARTITION,
	CHK_GRANTS,
	CHK_IRQ_AFFINITY,
	CHK_IRQ_ACTIVITY,
	CHK_TASKS,
	CHK_RCU,
	CHK_WORKQUEUE,
	CHK_FREQUENCY,
	CHK_SERVICES,
	CHK_SMT,
	CHK_HK_LOAD,
	CHK_SMI,
	CHK_JITTER,
	CHK_NOISE,
	CHK_COUNT,
};

struct verify {
	struct path_cxt pc;
	struct qc_ops ops; /* module loading (msr) */
	struct verify_opts opt;
	struct expectation expect; /* what the command line asks for */

	/* samples */
	int irq_err[2];
	struct interrupts irq[2];
	int stat_err[2];
	struct cpustat_sample stat[2];
	struct smi_sample smi[2];
	double elapsed; /* measured seconds between the samples */
	bool sampled;
	/*
	 * The checks run between the two samples, on a housekeeping CPU: the
	 * verifier pins itself to self_cpu (-1: not pinned) and its own CPU
	 * time there, in /proc/stat ticks, is not counted as that CPU's load.
	 */
	int self_cpu;
	uint64_t self_ticks;

	int tasks_err;
	struct tasklist_v tasks;

	struct jitter_result jitter;
	struct noise_result noise;

	struct check checks[CHK_COUNT];
};

void verify_init(struct verify *v);
void verify_free(struct verify *v);
/* Take the first sample, run every check, wait the rest of the interval, sample again. */
void verify_run(struct verify *v);
/* Worst status over all checks, as a plugin exit code. */
enum vstatus verify_verdict(const struct verify *v);

/* The checks (each fills v->checks[id]). */
void check_cmdline(struct verify *v, struct check *c);
void check_kernel(struct verify *v, struct check *c);
void check_partition(struct verify *v, struct check *c);
void check_grants(struct verify *v, struct check *c);
void check_irq_affinity(struct verify *v, struct check *c);
void check_irq_activity(struct verify *v, struct check *c);
void check_tasks(struct verify *v, struct check *c);
void check_rcu(struct verify *v, struct check *c);
void check_workqueue(struct verify *v, struct check *c);
void check_frequency(struct verify *v, struct check *c);
void check_services(struct verify *v, struct check *c);
void check_smt(struct verify *v, struct check *c);
void check_hk_load(struct verify *v, struct check *c);
void check_smi(struct verify *v, struct check *c);
void check_jitter(struct verify *v, struct check *c);
void check_noise(struct verify *v, struct check *c);

/* Output formats. */
void output_table(const struct verify *v, FILE *f, bool color, bool verbose);
int output_json(const struct verify *v, FILE *f);
int output_prometheus(const struct verify *v, FILE *f);

/* Helpers shared by the checks. */
bool verify_allowed(const struct verify *v, const char *comm);
/* Format a cpuset into a static-size buffer (truncated with "..."). */
const char *cpulist_str(const cpuset_t *set, char *buf, size_t len);

#endif
