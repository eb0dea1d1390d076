// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify's expectation: the isolation the kernel command line asks for
 * and the isolation cgroup-v2 partitions give at run time, read back through
 * lib/isolation.c with isol-verify's tolerant fallbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "isolation.h"
#include "verify.h"

void expectation_free(struct expectation *p)
{
	kparams_free(&p->kp);
	isolation_runtime_free(&p->rt);
}

bool expectation_any(const struct expectation *p)
{
	return !cpuset_empty(&p->isolated);
}

bool expectation_cmdline_any(const struct expectation *p)
{
	return !cpuset_empty(&p->cmdline_isolated);
}

/* The union and what is left to keep house, from the two parts. */
static void expectation_combine(struct expectation *p)
{
	cpuset_andnot(&p->cmdline_housekeeping, &p->online, &p->cmdline_isolated);
	cpuset_or(&p->isolated, &p->cmdline_isolated, &p->runtime);
	cpuset_andnot(&p->housekeeping, &p->online, &p->isolated);
}

void expectation_set_isolated(struct expectation *p, const cpuset_t *set)
{
	p->cmdline_isolated = *set; /* the partitions' CPUs stay expected */
	expectation_combine(p);
}

const char *expectation_isolation(const struct expectation *p)
{
	bool boot = expectation_cmdline_any(p), runtime = !cpuset_empty(&p->runtime);

	if (boot && runtime)
		return "both";
	return boot ? "boot" : runtime ? "runtime" : "none";
}

const char *expectation_partitions_str(const struct expectation *p, const cpuset_t *set, char *buf,
				       size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->rt.nparts && o < len; i++) {
		const struct cgroup_part_info *part = &p->rt.parts[i];

		if (isolation_partition_valid(part) && cpuset_intersects(&part->effective, set))
			o += (size_t)snprintf(buf + o, len - o, "%s/%s", o ? ", " : "", part->name);
	}
	return buf;
}

/*
 * The run-time partitions. A failure to read them is kept (with the file) for
 * the partition check to report: their CPUs are then not expected isolated,
 * and the verdict cannot be OK.
 */
static void expectation_load_runtime(struct expectation *p, struct path_cxt *pc)
{
	int r = isolation_runtime_read(pc, &p->rt);

	if (r < 0) {
		p->runtime_err = r;
		snprintf(p->runtime_path, sizeof(p->runtime_path), "%s", path_last(pc));
		return;
	}
	p->runtime = p->rt.isolated;
}

void expectation_load(struct expectation *p, struct path_cxt *pc)
{
	struct isolation_cpus cpus;
	struct isolation_cmdline cl;
	int r;

	memset(p, 0, sizeof(*p));
	p->boot_cpu = 0; /* the boot CPU is CPU 0 on every architecture quietcore targets */

	/*
	 * Absent files fall back (possible to online, online to possible); a
	 * file that is there but unreadable, empty or malformed is recorded
	 * and makes the cmdline check unknown: never a silent substitute.
	 */
	isolation_read_cpus(pc, &cpus);
	p->possible_err = cpus.possible_err == -ENOENT ? 0 : cpus.possible_err;
	p->online_err = cpus.online_err == -ENOENT ? 0 : cpus.online_err;
	p->online_ok = cpus.online_err == 0;
	p->nbits = cpus.possible_err ? CPUSET_MAX : cpus.nbits;
	if (!cpus.possible_err)
		p->possible = cpus.possible;
	p->online = p->online_ok ? cpus.online : p->possible;
	if (cpuset_empty(&p->possible))
		p->possible = p->online;

	expectation_load_runtime(p, pc);
	expectation_combine(p);

	r = kparams_read(pc, &p->kp);
	if (r < 0) {
		p->cmdline_err = r;
		return;
	}
	p->cmdline_ok = true;

	isolation_parse_cmdline(&p->kp, p->nbits, &cl);
	p->has_isolcpus = cl.isolcpus.has;
	p->isolcpus_ok = cl.isolcpus.ok;
	p->isolcpus_err = cl.isolcpus.err;
	p->iso = cl.iso;
	p->has_nohz_full = cl.nohz_full.has;
	p->nohz_full_ok = cl.nohz_full.ok;
	p->nohz_full = cl.nohz_full.cpus;
	p->has_rcu_nocbs = cl.rcu_nocbs.has;
	p->rcu_nocbs_ok = cl.rcu_nocbs.ok;
	p->rcu_nocbs = cl.rcu_nocbs.cpus;
	p->has_irqaffinity = cl.irqaffinity.has;
	p->irqaffinity_ok = cl.irqaffinity.ok;
	p->irqaffinity = cl.irqaffinity.cpus;
	p->domain = cl.domain;
	p->nohz = cl.nohz;
	p->cmdline_isolated = cl.isolated;
	expectation_combine(p);
}
