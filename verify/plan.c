// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the isolation plan, read back from the kernel command line.
 */
#include <errno.h>
#include <string.h>

#include "verify.h"

void vplan_free(struct vplan *p)
{
	kparams_free(&p->kp);
}

bool vplan_any(const struct vplan *p)
{
	return !cpuset_empty(&p->isolated);
}

/* A cpulist parameter: present? parses? */
static void plan_list(const struct vplan *p, const char *name, bool *has, bool *ok, cpuset_t *set)
{
	const char *val = kparams_get(&p->kp, name);

	*has = kparams_has(&p->kp, name);
	*ok = false;
	cpuset_zero(set);
	if (!*has || !val)
		return;
	*ok = cpuset_parse_list(val, p->nbits, set) == 0;
}

void vplan_load(struct vplan *p, struct path_cxt *pc)
{
	cpuset_t any;
	int r;

	memset(p, 0, sizeof(*p));
	p->boot_cpu = 0;	/* the boot CPU is CPU 0 on every architecture quietcore targets */

	/*
	 * Absent files fall back (possible to online, online to possible); a
	 * file that is there but unreadable, empty or malformed is recorded
	 * and makes the cmdline check unknown: never a silent substitute.
	 */
	p->nbits = CPUSET_MAX;
	r = path_read_cpulist(pc, 0, &p->possible, "/sys/devices/system/cpu/possible");
	if (r == 0 && cpuset_empty(&p->possible))
		r = -ENODATA;
	if (r == 0)
		p->nbits = (unsigned int)cpuset_last(&p->possible) + 1;
	else
		cpuset_zero(&p->possible);
	if (r < 0 && r != -ENOENT)
		p->possible_err = r;
	r = path_read_cpulist(pc, 0, &p->online, "/sys/devices/system/cpu/online");
	if (r == 0 && cpuset_empty(&p->online))
		r = -ENODATA;
	p->online_ok = r == 0;
	if (r < 0 && r != -ENOENT)
		p->online_err = r;
	if (!p->online_ok)
		p->online = p->possible;
	if (cpuset_empty(&p->possible))
		p->possible = p->online;

	r = kparams_read(pc, &p->kp);
	if (r < 0) {
		p->cmdline_err = r;
		return;
	}
	p->cmdline_ok = true;

	p->has_isolcpus = kparams_has(&p->kp, "isolcpus");
	if (p->has_isolcpus) {
		const char *val = kparams_get(&p->kp, "isolcpus");

		r = val ? isolcpus_parse(val, p->nbits, &p->iso) : -EINVAL;
		p->isolcpus_ok = r == 0;
		p->isolcpus_err = r;
		if (!p->isolcpus_ok)
			memset(&p->iso, 0, sizeof(p->iso));
	}
	plan_list(p, "nohz_full", &p->has_nohz_full, &p->nohz_full_ok, &p->nohz_full);
	plan_list(p, "rcu_nocbs", &p->has_rcu_nocbs, &p->rcu_nocbs_ok, &p->rcu_nocbs);
	plan_list(p, "irqaffinity", &p->has_irqaffinity, &p->irqaffinity_ok, &p->irqaffinity);

	cpuset_zero(&p->domain);
	if (p->isolcpus_ok && (p->iso.flags & ISOL_FLAG_DOMAIN))
		p->domain = p->iso.cpus;
	if (p->nohz_full_ok)
		p->nohz = p->nohz_full;
	else if (p->isolcpus_ok && (p->iso.flags & ISOL_FLAG_NOHZ))
		p->nohz = p->iso.cpus;
	else
		cpuset_zero(&p->nohz);

	cpuset_zero(&any);
	if (p->isolcpus_ok)
		cpuset_or(&any, &any, &p->iso.cpus);
	if (p->nohz_full_ok)
		cpuset_or(&any, &any, &p->nohz_full);
	p->isolated = any;
	cpuset_andnot(&p->housekeeping, &p->online, &p->isolated);
}
