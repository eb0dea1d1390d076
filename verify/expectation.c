// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify's expectation: the isolation the kernel command line asks for,
 * read back through lib/isolation.c with isol-verify's tolerant fallbacks.
 */
#include <errno.h>
#include <string.h>

#include "isolation.h"
#include "verify.h"

void expectation_free(struct expectation *p)
{
	kparams_free(&p->kp);
}

bool expectation_any(const struct expectation *p)
{
	return !cpuset_empty(&p->isolated);
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
	p->isolated = cl.isolated;
	cpuset_andnot(&p->housekeeping, &p->online, &p->isolated);
}
