// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin: which CPUs exist, which are housekeeping (lib/isolation.c
 * derives them; this reports what it skipped), the NUMA nodes and the
 * rd.earlypin.* parameters.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "early-pin.h"
#include "pathnames.h"
#include "isolation.h"
#include "topology.h"

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

/* The NUMA nodes that have CPUs; without them (or unreadable) all CPUs are one node. */
static int read_nodes(struct earlypin *ep)
{
	struct topo_numa_node *v = NULL;
	size_t n = 0;
	int r = topology_read_numa_nodes(&ep->pc, &v, &n);

	if (r < 0) {
		ep_log(ep, LOG_WARNING, "cannot read the NUMA nodes: %s: %s, ignoring",
		       path_last(&ep->pc), path_read_strerror(r));
		return 0;
	}
	ep->nodes = calloc(n ? n : 1, sizeof(*ep->nodes));
	if (!ep->nodes) {
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (!cpuset_empty(&v[i].cpus))
			ep->nodes[ep->nnodes++] = v[i].cpus;
	free(v);
	return 0;
}

int ep_read_cpus(struct earlypin *ep)
{
	struct isolation_cpus cpus;
	int r;

	/*
	 * A file that is there but unreadable or malformed is an error: pinning
	 * with a substitute set could leave tasks on isolated CPUs. Only an
	 * absent cpu/possible (or cpu/present) falls back.
	 */
	r = isolation_read_cpus(&ep->pc, &cpus);
	if (r < 0) {
		ep_log(ep, LOG_ERR, "cannot read the CPUs: %s: %s", path_last(&ep->pc),
		       path_read_strerror(r));
		return r;
	}
	ep->online = cpus.online;
	ep->possible = cpus.possible;
	ep->nbits = cpus.nbits;
	return read_nodes(ep);
}

/* What isolation_housekeeping() skipped or trimmed, as warnings. */
static void log_notes(struct earlypin *ep, const struct isolation_hk *hk)
{
	for (size_t i = 0; i < hk->nnotes; i++) {
		const struct isolation_note *n = &hk->notes[i];
		char *s;

		switch (n->kind) {
		case ISOLATION_NOTE_INVALID:
			ep_log(ep, LOG_WARNING, "invalid cpulist in %s: '%s': %s, ignoring",
			       n->what, n->value, strerror(-n->err));
			break;
		case ISOLATION_NOTE_OFFLINE:
			s = cpuset_to_list(&n->offline);
			ep_log(ep, LOG_WARNING,
			       "%s names CPUs that are not online: %s, ignoring them", n->what,
			       s ? s : "?");
			free(s);
			break;
		case ISOLATION_NOTE_ISOLCPUS:
			ep_log(ep, LOG_WARNING,
			       "isolcpus=%s is invalid (the kernel ignores it too), ignoring",
			       n->value);
			break;
		case ISOLATION_NOTE_NOHZ_FULL:
			ep_log(ep, LOG_WARNING, "nohz_full=%s is invalid, ignoring", n->value);
			break;
		}
	}
}

int ep_housekeeping(struct earlypin *ep, const char *opt)
{
	struct isolation_hk hk;
	int r;

	ep_read_kparams(ep);
	r = isolation_housekeeping(&ep->pc, &ep->kp, &ep->online, opt, &hk);
	log_notes(ep, &hk);
	if (r <= 0 && r != -ENODATA)
		return r;
	ep->hk_source = hk.source;
	if (r == -ENODATA) {
		ep_log(ep, LOG_ERR,
		       "housekeeping set from %s has no online CPU, refusing to leave IRQs and tasks nowhere",
		       ep->hk_source);
		return -EINVAL;
	}
	ep->hk = hk.hk;
	cpuset_andnot(&ep->isolated, &ep->possible, &hk.hk);
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
		return false; /* bare "rd.earlypin": enabled */
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false"))
		return true;
	if (strcmp(v, "1") && strcmp(v, "yes") && strcmp(v, "on") && strcmp(v, "true"))
		ep_log(ep, LOG_WARNING, "rd.earlypin=%s is not 0 or 1, ignoring", v);
	return false;
}

static bool governor_valid(const char *g)
{
	size_t n = strlen(g);

	if (n == 0 || n >= 16) /* CPUFREQ_NAME_LEN */
		return false;
	for (; *g; g++)
		if (!islower((unsigned char)*g) && !isdigit((unsigned char)*g) && *g != '_' &&
		    *g != '-')
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
		ep_log(ep, LOG_WARNING, "rd.earlypin.governor=%s is not a governor name, ignoring",
		       v);
	v = kparams_get(&ep->kp, "rd.earlypin.turbo");
	if (v) {
		if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"))
			ep->no_turbo = true;
		else if (strcmp(v, "on") && strcmp(v, "1") && strcmp(v, "yes"))
			ep_log(ep, LOG_WARNING, "rd.earlypin.turbo=%s is not on or off, ignoring",
			       v);
	}
	v = kparams_get(&ep->kp, "rd.earlypin.freq");
	if (v) {
		if (!strcmp(v, "max"))
			ep->freq_max = true;
		else
			ep_log(ep, LOG_WARNING, "rd.earlypin.freq=%s is not 'max', ignoring", v);
	}
}
