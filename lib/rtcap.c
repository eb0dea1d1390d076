// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtcap: which boot parameters a run-time isolated partition replaces, by
 * kernel (kernel-facts.md, "cgroup-v2 cpuset partitions"): the isolated
 * type from 6.1 (out of load balancing, nothing else), unbound workqueues
 * kept off partition CPUs from 6.8, new kthreads following them from 7.0.
 * nohz_full, rcu_nocbs and managed-IRQ steering stay boot only; IRQs, the
 * default affinity, movable kthreads and the workqueue mask before 6.8 are
 * early-pin's.
 */
#include "rtcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rtcap_str(enum rtcap c)
{
	switch (c) {
	case RTCAP_YES:
		return "yes";
	case RTCAP_PARTLY:
		return "partly";
	case RTCAP_NO:
		break;
	}
	return "no";
}

/* The answers that do not depend on the kernel. */
static const struct {
	const char *name;
	enum rtcap cap;
	const char *why;
} fixed[] = {
	{ "isolcpus=managed_irq", RTCAP_NO,
	  "managed IRQs are kept off isolated CPUs at boot only" },
	{ "isolcpus=nohz", RTCAP_NO, "the scheduler tick keeps running on a partition's CPUs" },
	{ "nohz_full", RTCAP_NO, "the scheduler tick keeps running on a partition's CPUs" },
	{ "rcu_nocbs", RTCAP_NO,
	  "RCU callbacks stay on the partition's CPUs: offloading is set up at boot" },
	{ "rcu_nocb_poll", RTCAP_NO, "goes with rcu_nocbs=, which is boot only" },
	{ "irqaffinity", RTCAP_YES,
	  "early-pin moves the IRQs and the default IRQ affinity off the CPUs at run time" },
	{ "systemd.cpu_affinity", RTCAP_YES,
	  "the partition takes its CPUs from every other cgroup, systemd's slices too; early-pin moves the tasks systemd does not own" },
	{ "rd.earlypin.governor", RTCAP_NO,
	  "read by early-pin in the initramfs: the run-time partition does not lock the frequency" },
	{ "rd.earlypin.turbo", RTCAP_NO,
	  "read by early-pin in the initramfs: the run-time partition does not lock the frequency" },
};

enum rtcap rtcap_param(const char *name, const struct cgroup_fs *fs, const char **ret_why)
{
	if (kparam_name_eq(name, "isolcpus=domain")) {
		*ret_why =
			fs->isolated_type ?
				"an isolated partition takes its CPUs out of scheduler load balancing (6.1 and later)" :
				"this kernel has no isolated partitions (6.1 and later)";
		return fs->isolated_type ? RTCAP_YES : RTCAP_NO;
	}
	if (kparam_name_eq(name, "workqueue.unbound_cpus") ||
	    strcmp(name, "unbound workqueues") == 0) {
		*ret_why =
			fs->wq_excludes ?
				"the kernel keeps unbound workqueues off partition CPUs (6.8 and later)" :
				"early-pin sets the unbound workqueue mask (the kernel does it itself from 6.8)";
		return RTCAP_YES;
	}
	if (strcmp(name, "kthreads") == 0) {
		*ret_why =
			fs->domain_follows ?
				"early-pin moves the movable ones; new ones follow the partition (7.0 and later)" :
				"early-pin moves the movable ones, but new ones may start on the partition's CPUs (they follow it from 7.0)";
		return fs->domain_follows ? RTCAP_YES : RTCAP_PARTLY;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (kparam_name_eq(fixed[i].name, name)) {
			*ret_why = fixed[i].why;
			return fixed[i].cap;
		}
	}
	*ret_why = "a boot parameter the partition does not replace";
	return RTCAP_NO;
}

const char *rtcap_impossible(int probe_r, const struct cgroup_fs *fs)
{
	if (probe_r == -ENOENT)
		return fs->mount == CGROUP_MOUNT_NONE ?
			       "no cgroup v2 hierarchy (cgroup v1 only)" :
			       "the cgroup v2 hierarchy has no cgroup.controllers";
	if (probe_r == -EOPNOTSUPP)
		return fs->mount == CGROUP_MOUNT_HYBRID ?
			       "the cpuset controller is on cgroup v1 (the hybrid layout)" :
			       "cgroup v2 has no cpuset controller";
	if (probe_r < 0)
		return NULL;
	if (!fs->isolated_type)
		return fs->kver[0] ?
			       "this kernel has no isolated partitions (6.1 and later)" :
			       "the kernel's version is unknown and nothing shows isolated partitions (6.1 and later)";
	return NULL;
}

static int row_add(struct rtcap_row **v, size_t *n, const char *what, const struct cgroup_fs *fs)
{
	struct rtcap_row *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	snprintf(nv[*n].what, sizeof(nv[*n].what), "%s", what);
	nv[*n].cap = rtcap_param(what, fs, &nv[*n].why);
	(*n)++;
	return 0;
}

int rtcap_rows(const struct kparams *params, const struct cgroup_fs *fs, struct rtcap_row **ret,
	       size_t *ret_n)
{
	static const struct {
		unsigned int flag;
		const char *what;
	} flags[] = {
		{ ISOL_FLAG_DOMAIN, "isolcpus=domain" },
		{ ISOL_FLAG_MANAGED_IRQ, "isolcpus=managed_irq" },
		{ ISOL_FLAG_NOHZ, "isolcpus=nohz" },
	};
	struct rtcap_row *v = NULL;
	size_t n = 0;
	bool wq = false;
	int r = 0;

	for (size_t i = 0; i < params->n && r == 0; i++) {
		const struct kparam *kp = &params->v[i];
		struct isolcpus iso;

		wq |= kparam_name_eq(kp->name, "workqueue.unbound_cpus");
		if (!kparam_name_eq(kp->name, "isolcpus")) {
			r = row_add(&v, &n, kp->name, fs);
			continue;
		}
		/* a value the kernel ignores makes no row: it isolates nothing at boot either */
		if (!kp->value || isolcpus_parse(kp->value, 0, &iso) < 0)
			continue;
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]) && r == 0; f++)
			if (iso.flags & flags[f].flag)
				r = row_add(&v, &n, flags[f].what, fs);
	}
	if (r == 0)
		r = row_add(&v, &n, "kthreads", fs);
	if (r == 0 && !wq)
		r = row_add(&v, &n, "unbound workqueues", fs);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
