// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the `partition` check: isolation at run time by cgroup-v2
 * "isolated" partitions (lib/isolation.c), any of them, not only the one
 * early-pin --partition makes. It says how each isolated CPU is isolated (at
 * run time by which partition, at boot, or both), that every partition still
 * reads back valid, and, as warnings with the reason, what a partition cannot
 * give on this kernel: the tick, RCU callback offload and managed-IRQ steering
 * stay boot-only (kernel-facts.md). The other checks (IRQs, tasks, workqueues)
 * apply to the partitions' CPUs as to boot-isolated ones.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "verify.h"

#define LIST_BUF 512

/* What to do about each of the kernel's reasons for an invalid partition. */
static const char *invalid_advice(enum cgroup_invalid why)
{
	switch (why) {
	case CGROUP_INV_CPULIST:
		return "its cpuset.cpus names CPUs its parent cannot give";
	case CGROUP_INV_PARENT_INVALID:
	case CGROUP_INV_PARENT_NOT_ROOT:
		return "its parent is not a valid partition root: a partition must be a top-level cgroup";
	case CGROUP_INV_NOT_EXCLUSIVE:
		return "another cgroup's cpuset.cpus (systemd: AllowedCPUs=) holds some of its CPUs";
	case CGROUP_INV_NO_DISTRIBUTE:
		return "the root cgroup would keep no CPU: leave a housekeeping CPU outside it";
	case CGROUP_INV_HOTPLUG:
		return "its CPUs are offline";
	case CGROUP_INV_EMPTY:
		return "it holds no CPU";
	case CGROUP_INV_HOUSEKEEPING:
		return "its CPUs conflict with the boot-time isolation (isolcpus=, nohz_full=)";
	case CGROUP_INV_NOT_PERMITTED:
		return "this kernel does not permit the partition here";
	case CGROUP_VALID:
	case CGROUP_INV_UNKNOWN:
		break;
	}
	return "see the kernel's reason";
}

/* The details entry of one partition. */
static json_object *partition_json(const struct cgroup_part_info *part, const char *file)
{
	json_object *o = json_object_new_object();
	char name[CGROUP_NAME_MAX + 2];

	snprintf(name, sizeof(name), "/%s", part->name);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "type",
			       json_object_new_string(cgroup_ptype_str(part->state.type)));
	json_object_object_add(o, "valid",
			       json_object_new_boolean(isolation_partition_valid(part)));
	json_object_object_add(o, "reason",
			       part->state.reason[0] ? json_object_new_string(part->state.reason) :
						       NULL);
	json_object_object_add(o, "cpus", json_cpulist(&part->cpus));
	json_object_object_add(o, "effective", json_cpulist(&part->effective));
	return o;
}

/* Each partition into the details; an invalid one is critical, naming its file and reason. */
static void partition_check_each(struct verify *v, struct check *c)
{
	const struct isolation_runtime *rt = &v->expect.rt;
	json_object *arr = check_detail_array(c, "partitions");
	char a[LIST_BUF];

	for (size_t i = 0; i < rt->nparts; i++) {
		const struct cgroup_part_info *part = &rt->parts[i];
		const char *file = path_get(&v->pc, "%s/%s/cpuset.cpus.partition",
					    cgroup_mount_path(rt->fs.mount), part->name);

		file = file ? file : part->name;
		json_object_array_add(arr, partition_json(part, file));
		if (isolation_partition_valid(part))
			continue;
		check_problem(
			c, VS_CRITICAL,
			"%s reads \"%s invalid%s%s%s\": partition /%s isolates nothing, CPUs %s (its cpuset.cpus) are not isolated: %s; fix that and make the partition again (early-pin --partition)",
			file, cgroup_ptype_str(part->state.type), part->state.reason[0] ? " (" : "",
			part->state.reason, part->state.reason[0] ? ")" : "", part->name,
			cpuset_empty(&part->cpus) ? "none" : cpulist_str(&part->cpus, a, sizeof(a)),
			invalid_advice(part->state.invalid));
	}
}

/* "partition /a", "partitions /a, /b", "a partition below the top level" holding set. */
static const char *partition_words(const struct expectation *p, const cpuset_t *set, char *buf,
				   size_t len)
{
	char names[LIST_BUF - 96]; /* room for the words around them */

	bool nested = cpuset_intersects(set, &p->rt.unnamed);

	expectation_partitions_str(p, set, names, sizeof(names));
	if (names[0])
		snprintf(buf, len, "partition%s %s%s", strchr(names, ',') ? "s" : "", names,
			 nested ? " and a partition below the top level (cpuset.cpus.isolated)" :
				  "");
	else
		snprintf(buf, len, "a partition below the top level (cpuset.cpus.isolated)");
	return buf;
}

/*
 * What an isolated partition cannot give, for the CPUs the command line does
 * not give it to either: a warning each, with the reason and the boot
 * parameter that would.
 */
static void partition_check_limits(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF], b[LIST_BUF], w[LIST_BUF];
	cpuset_t t, nocb;

	cpuset_andnot(&t, &p->runtime, &p->nohz);
	check_detail_cpuset(c, "tick_running", &t);
	if (!cpuset_empty(&t))
		check_problem(
			c, VS_WARNING,
			"the scheduler tick keeps running on CPUs %s, isolated at run time by %s: nohz_full= is boot-only, no kernel stops the tick for a partition; boot with nohz_full=%s for tickless CPUs",
			cpulist_str(&t, a, sizeof(a)), partition_words(p, &t, w, sizeof(w)),
			cpulist_str(&t, b, sizeof(b)));

	/* nohz_full= implies rcu_nocbs= for its CPUs */
	cpuset_zero(&nocb);
	if (p->rcu_nocbs_ok)
		nocb = p->rcu_nocbs;
	cpuset_or(&nocb, &nocb, &p->nohz);
	cpuset_andnot(&t, &p->runtime, &nocb);
	check_detail_cpuset(c, "rcu_callbacks_local", &t);
	if (!cpuset_empty(&t))
		check_problem(
			c, VS_WARNING,
			"RCU callbacks still run on CPUs %s, isolated at run time by %s: rcu_nocbs= is boot-only, a partition cannot offload them; boot with rcu_nocbs=%s",
			cpulist_str(&t, a, sizeof(a)), partition_words(p, &t, w, sizeof(w)),
			cpulist_str(&t, b, sizeof(b)));

	cpuset_zero(&nocb);
	if (p->isolcpus_ok && (p->iso.flags & ISOL_FLAG_MANAGED_IRQ))
		nocb = p->iso.cpus;
	cpuset_andnot(&t, &p->runtime, &nocb);
	check_detail_cpuset(c, "managed_irqs_not_steered", &t);
	if (!cpuset_empty(&t))
		check_problem(
			c, VS_WARNING,
			"managed IRQs (multi-queue devices) may still be routed to CPUs %s, isolated at run time by %s: managed-IRQ steering is boot-only; boot with isolcpus=managed_irq,%s",
			cpulist_str(&t, a, sizeof(a)), partition_words(p, &t, w, sizeof(w)),
			cpulist_str(&t, b, sizeof(b)));

	/* Not a warning: the workqueue check sees whether early-pin did it. */
	check_detail_str(
		c, "unbound_workqueues",
		p->rt.fs.wq_excludes ?
			"excluded from the partitions by the kernel (6.8+)" :
			"not excluded by this kernel (before 6.8): early-pin must, the workqueue check verifies it");
}

/* "CPUs 2-3 isolated at run time by partition /p and at boot; CPUs 4 isolated at boot". */
static void partition_summary(const struct expectation *p, char *buf, size_t len)
{
	const struct isolation_runtime *rt = &p->rt;
	char a[LIST_BUF], w[LIST_BUF];
	size_t o = 0;
	cpuset_t t, rest;

	buf[0] = '\0';
	rest = p->runtime;
	for (size_t i = 0; i <= rt->nparts && o < len; i++) {
		const cpuset_t *set = i < rt->nparts ? &rt->parts[i].effective : &rest;

		if (i < rt->nparts && !isolation_partition_valid(&rt->parts[i]))
			continue;
		for (int boot = 1; boot >= 0 && o < len; boot--) {
			if (boot)
				cpuset_and(&t, set, &p->cmdline_isolated);
			else
				cpuset_andnot(&t, set, &p->cmdline_isolated);
			cpuset_and(&t, &t, &rest);
			if (cpuset_empty(&t))
				continue;
			o += (size_t)snprintf(buf + o, len - o,
					      "%sCPUs %s isolated at run time by %s%s",
					      o ? "; " : "", cpulist_str(&t, a, sizeof(a)),
					      partition_words(p, &t, w, sizeof(w)),
					      boot ? " and at boot" : "");
		}
		if (i < rt->nparts)
			cpuset_andnot(&rest, &rest, set);
	}
	cpuset_andnot(&t, &p->cmdline_isolated, &p->runtime);
	if (!cpuset_empty(&t) && o < len)
		snprintf(buf + o, len - o, "%sCPUs %s isolated at boot", o ? "; " : "",
			 cpulist_str(&t, a, sizeof(a)));
}

/* The kernel's version and what its partitions give, into the details. */
static void partition_kernel_details(struct check *c, const struct cgroup_fs *fs)
{
	char ver[48];

	snprintf(ver, sizeof(ver), "%u.%u.%u", fs->kver[0], fs->kver[1], fs->kver[2]);
	check_detail_str(c, "kernel", ver);
	check_detail_bool(c, "isolated_type", fs->isolated_type);
	check_detail_bool(c, "root_cpus_isolated", fs->root_isolated);
	check_detail_bool(c, "workqueues_excluded_by_kernel", fs->wq_excludes);
	check_detail_bool(c, "timer_migration_excluded", fs->timer_migration);
	check_detail_bool(c, "domain_housekeeping_follows", fs->domain_follows);
}

/* Skip: nothing is isolated at run time, for why; say what the boot isolates. */
static void partition_skip(struct verify *v, struct check *c, const char *why)
{
	char a[LIST_BUF];

	if (expectation_cmdline_any(&v->expect))
		check_skip(c, "%s: CPUs %s are isolated at boot only", why,
			   cpulist_str(&v->expect.cmdline_isolated, a, sizeof(a)));
	else
		check_skip(c, "%s: nothing is isolated at run time", why);
}

void check_partition(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	const struct isolation_runtime *rt = &p->rt;
	char sum[2048];

	check_detail_str(c, "isolation", expectation_isolation(p));
	if (p->runtime_err) {
		check_problem(
			c, VS_UNKNOWN,
			"cannot read %s: %s: whether CPUs are isolated at run time is unknown",
			p->runtime_path, path_read_strerror(p->runtime_err));
		return;
	}
	check_detail_str(c, "cgroup", cgroup_mount_word(rt->fs.mount));
	if (rt->fs.mount == CGROUP_MOUNT_NONE) {
		partition_skip(v, c, "no cgroup-v2 hierarchy (cgroup v1 only)");
		return;
	}
	partition_kernel_details(c, &rt->fs);
	if (!rt->cpuset) {
		partition_skip(v, c, "the cgroup-v2 hierarchy has no cpuset controller");
		return;
	}
	check_detail_cpuset(c, "runtime_isolated", &p->runtime);
	if (rt->root_isolated_read)
		check_detail_cpuset(c, "root_cpus_isolated_cpus", &rt->root_isolated);
	partition_check_each(v, c);
	if (cpuset_empty(&p->runtime)) {
		partition_skip(v, c, "no valid isolated cgroup-v2 partition");
		return;
	}
	partition_check_limits(v, c);
	partition_summary(p, sum, sizeof(sum));
	check_detail_str(c, "summary", sum);
	check_ok(c, "%s", sum);
}
