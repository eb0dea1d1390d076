/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtcap: what an isolated cgroup-v2 partition made at run time (early-pin
 * --partition, as quietcore-partition.service does at boot) gives in place
 * of each boot parameter of a plan, on a kernel with the features
 * cgroup_fs_probe() found: kernel-facts.md's table as data. No I/O, never
 * prints; for cmdline-gen --explain and --json.
 */
#ifndef QC_RTCAP_H
#define QC_RTCAP_H

#include "cgroup.h"
#include "kparam.h"

enum rtcap {
	RTCAP_YES,    /* replaced at run time: by the partition, or by early-pin */
	RTCAP_PARTLY, /* in part: the reason says which part is missing */
	RTCAP_NO,     /* boot only */
};

/* "yes", "partly", "no". */
const char *rtcap_str(enum rtcap c);

/*
 * Can a run-time partition replace the boot parameter name on a kernel with
 * fs's features? isolcpus= goes flag by flag ("isolcpus=domain",
 * "isolcpus=managed_irq", "isolcpus=nohz"); "kthreads" and "unbound
 * workqueues" stand for what isolcpus=domain and workqueue.unbound_cpus= do
 * for them. *ret_why: one static sentence. Parameters it does not know are
 * boot only.
 */
enum rtcap rtcap_param(const char *name, const struct cgroup_fs *fs, const char **ret_why);

/*
 * Why no run-time partition is possible here, or NULL when one is. probe_r
 * is what cgroup_fs_probe() returned for fs: -ENOENT (no cgroup v2, or its
 * controllers file missing), -EOPNOTSUPP (no cpuset on v2), 0 (then: a
 * kernel without the isolated type). Any other error: NULL (the caller says
 * it cannot tell, with the file).
 */
const char *rtcap_impossible(int probe_r, const struct cgroup_fs *fs);

/* One row of rtcap_rows(): what ("isolcpus=domain", "irqaffinity", ...) and the answer. */
struct rtcap_row {
	char what[64];
	enum rtcap cap;
	const char *why;
};

/*
 * The rows for the parameters in params, in their order (isolcpus= one per
 * flag it sets), then "kthreads" and, unless workqueue.unbound_cpus= is
 * there, "unbound workqueues". *ret malloc'ed (free()), *ret_n rows.
 * 0 or -ENOMEM.
 */
int rtcap_rows(const struct kparams *params, const struct cgroup_fs *fs, struct rtcap_row **ret,
	       size_t *ret_n);

#endif
