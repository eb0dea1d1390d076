// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin: which CPUs exist, which are housekeeping, and the rd.earlypin.*
 * parameters.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "early-pin.h"

int ep_read_kparams(struct earlypin *ep)
{
	int r;

	if (ep->kp_read)
		return 0;
	r = kparams_read(&ep->pc, &ep->kp);
	if (r < 0) {
		ep_log(ep, LOG_WARNING, "cannot read kernel command line: %s: %s, ignoring",
		       path_last(&ep->pc), strerror(-r));
		memset(&ep->kp, 0, sizeof(ep->kp));
	}
	ep->kp_read = true;
	return 0;
}

static int read_nodes(struct earlypin *ep)
{
	struct dirent *d;
	DIR *dir = path_opendir(&ep->pc, "/sys/devices/system/node");

	if (!dir)
		return 0;	/* no NUMA information: one node */
	while ((d = readdir(dir))) {
		uint32_t node;
		cpuset_t set;

		if (strncmp(d->d_name, "node", 4) != 0 || parse_u32(d->d_name + 4, &node) < 0 ||
		    !isdigit((unsigned char)d->d_name[4]) || node >= 4096)
			continue;
		if (path_read_cpulist(&ep->pc, 0, &set, "/sys/devices/system/node/node%u/cpulist",
				      node) < 0 || cpuset_empty(&set))
			continue;
		cpuset_t *v = realloc(ep->nodes, (ep->nnodes + 1) * sizeof(*v));

		if (!v) {
			closedir(dir);
			return -ENOMEM;
		}
		ep->nodes = v;
		ep->nodes[ep->nnodes++] = set;
	}
	closedir(dir);
	return 0;
}

int ep_read_cpus(struct earlypin *ep)
{
	int r, last;

	/*
	 * A file that is there but unreadable or malformed is an error: pinning
	 * with a substitute set could leave tasks on isolated CPUs. Only an
	 * absent cpu/possible (or cpu/present) falls back.
	 */
	r = path_read_cpulist(&ep->pc, 0, &ep->online, "/sys/devices/system/cpu/online");
	if (r == 0 && cpuset_empty(&ep->online))
		r = -ENODATA;
	if (r < 0)
		goto fail;
	r = path_read_cpulist(&ep->pc, 0, &ep->possible, "/sys/devices/system/cpu/possible");
	if (r == 0 && cpuset_empty(&ep->possible))
		r = -ENODATA;
	if (r == -ENOENT) {
		cpuset_t present;

		ep->possible = ep->online;
		r = path_read_cpulist(&ep->pc, 0, &present, "/sys/devices/system/cpu/present");
		if (r == 0)
			cpuset_or(&ep->possible, &ep->possible, &present);
		else if (r == -ENOENT)
			r = 0;
	}
	if (r < 0)
		goto fail;
	last = cpuset_last(&ep->possible);
	if (last < 0) {
		ep_log(ep, LOG_ERR, "no online CPU in %s", path_last(&ep->pc));
		return -EINVAL;
	}
	ep->nbits = (unsigned int)last + 1;
	return read_nodes(ep);
fail:
	ep_log(ep, LOG_ERR, "cannot read the CPUs: %s: %s", path_last(&ep->pc), path_read_strerror(r));
	return r;
}

/*
 * Parse a cpulist from an option or a parameter. CPUs that are not online are
 * dropped with a warning. 0 and *ret, or -EINVAL (logged, ", ignoring" when
 * the caller goes on).
 */
static int parse_hk(struct earlypin *ep, const char *what, const char *value, cpuset_t *ret)
{
	cpuset_t set, off;
	int r = cpuset_parse_list(value, 0, &set);

	if (r < 0) {
		ep_log(ep, LOG_WARNING, "invalid cpulist in %s: '%s': %s, ignoring", what, value,
		       strerror(-r));
		return r;
	}
	cpuset_andnot(&off, &set, &ep->online);
	if (!cpuset_empty(&off)) {
		char *s = cpuset_to_list(&off);

		ep_log(ep, LOG_WARNING, "%s names CPUs that are not online: %s, ignoring them", what,
		       s ? s : "?");
		free(s);
		cpuset_and(&set, &set, &ep->online);
	}
	*ret = set;
	return 0;
}

/* isolcpus= and nohz_full= of the command line: the union of both. 1 if found. */
static int cmdline_isolated(struct earlypin *ep, cpuset_t *ret)
{
	const char *v;
	cpuset_t iso;
	int found = 0;

	cpuset_zero(&iso);
	v = kparams_get(&ep->kp, "isolcpus");
	if (v) {
		struct isolcpus ic;

		if (isolcpus_parse(v, 0, &ic) == 0) {
			cpuset_or(&iso, &iso, &ic.cpus);
			found = 1;
		} else {
			ep_log(ep, LOG_WARNING, "isolcpus=%s is invalid (the kernel ignores it too), ignoring", v);
		}
	}
	v = kparams_get(&ep->kp, "nohz_full");
	if (v) {
		cpuset_t set;

		if (cpuset_parse_list(v, 0, &set) == 0) {
			cpuset_or(&iso, &iso, &set);
			found = 1;
		} else {
			ep_log(ep, LOG_WARNING, "nohz_full=%s is invalid, ignoring", v);
		}
	}
	if (found && cpuset_empty(&iso))
		found = 0;
	if (found)
		*ret = iso;
	return found;
}

static int sysfs_isolated(struct earlypin *ep, cpuset_t *ret)
{
	cpuset_t iso, set;

	cpuset_zero(&iso);
	if (path_read_cpulist(&ep->pc, 0, &set, "/sys/devices/system/cpu/isolated") == 0)
		cpuset_or(&iso, &iso, &set);
	if (path_read_cpulist(&ep->pc, 0, &set, "/sys/devices/system/cpu/nohz_full") == 0)
		cpuset_or(&iso, &iso, &set);
	if (cpuset_empty(&iso))
		return 0;
	*ret = iso;
	return 1;
}

int ep_housekeeping(struct earlypin *ep, const char *opt)
{
	static const char *const list_params[] = { "rd.earlypin.cpus", "irqaffinity" };
	cpuset_t hk, iso;
	bool found = false;

	ep_read_kparams(ep);
	if (opt) {
		if (parse_hk(ep, "--housekeeping", opt, &hk) < 0)
			return -EINVAL;
		ep->hk_source = "--housekeeping";
		found = true;
	}
	for (size_t i = 0; !found && i < sizeof(list_params) / sizeof(list_params[0]); i++) {
		const char *v = kparams_get(&ep->kp, list_params[i]);
		char what[64];

		if (!v)
			continue;
		snprintf(what, sizeof(what), "%s=", list_params[i]);
		if (parse_hk(ep, what, v, &hk) < 0)
			continue;
		ep->hk_source = list_params[i];
		found = true;
	}
	if (!found && cmdline_isolated(ep, &iso)) {
		cpuset_andnot(&hk, &ep->online, &iso);
		ep->hk_source = "isolcpus/nohz_full";
		found = true;
	}
	if (!found && sysfs_isolated(ep, &iso)) {
		cpuset_andnot(&hk, &ep->online, &iso);
		ep->hk_source = "sysfs isolated/nohz_full";
		found = true;
	}
	if (!found)
		return 0;
	if (cpuset_empty(&hk)) {
		ep_log(ep, LOG_ERR, "housekeeping set from %s has no online CPU, refusing to leave IRQs and tasks nowhere",
		       ep->hk_source);
		return -EINVAL;
	}
	ep->hk = hk;
	cpuset_andnot(&ep->isolated, &ep->possible, &hk);
	return 1;
}

bool ep_disabled(struct earlypin *ep)
{
	const char *v;

	ep_read_kparams(ep);
	if (!kparams_has(&ep->kp, "rd.earlypin"))
		return false;
	v = kparams_get(&ep->kp, "rd.earlypin");
	if (!v)
		return false;	/* bare "rd.earlypin": enabled */
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false"))
		return true;
	if (strcmp(v, "1") && strcmp(v, "yes") && strcmp(v, "on") && strcmp(v, "true"))
		ep_log(ep, LOG_WARNING, "rd.earlypin=%s is not 0 or 1, ignoring", v);
	return false;
}

static bool governor_valid(const char *g)
{
	size_t n = strlen(g);

	if (n == 0 || n >= 16)	/* CPUFREQ_NAME_LEN */
		return false;
	for (; *g; g++)
		if (!islower((unsigned char)*g) && !isdigit((unsigned char)*g) && *g != '_' && *g != '-')
			return false;
	return true;
}

int ep_set_governor(struct earlypin *ep, const char *g)
{
	if (!governor_valid(g))
		return -EINVAL;
	snprintf(ep->governor, sizeof(ep->governor), "%s", g);
	return 0;
}

void ep_freq_from_cmdline(struct earlypin *ep)
{
	const char *v;

	ep_read_kparams(ep);
	v = kparams_get(&ep->kp, "rd.earlypin.governor");
	if (v && !ep->governor[0] && ep_set_governor(ep, v) < 0)
		ep_log(ep, LOG_WARNING, "rd.earlypin.governor=%s is not a governor name, ignoring", v);
	v = kparams_get(&ep->kp, "rd.earlypin.turbo");
	if (v) {
		if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"))
			ep->no_turbo = true;
		else if (strcmp(v, "on") && strcmp(v, "1") && strcmp(v, "yes"))
			ep_log(ep, LOG_WARNING, "rd.earlypin.turbo=%s is not on or off, ignoring", v);
	}
	v = kparams_get(&ep->kp, "rd.earlypin.freq");
	if (v) {
		if (!strcmp(v, "max"))
			ep->freq_max = true;
		else
			ep_log(ep, LOG_WARNING, "rd.earlypin.freq=%s is not 'max', ignoring", v);
	}
}
