// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the `workqueue`, `frequency`, `smt`, `housekeeping-load` and
 * `smi` checks, and the /proc/stat and MSR samplers they use.
 */
#include <ctype.h>
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verify.h"
#include "pathnames.h"

#define LIST_BUF 512

/* --- workqueue --------------------------------------------------------------- */

void check_workqueue(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF], b[LIST_BUF], m[LIST_BUF];
	cpuset_t global, t;
	json_object *bad;
	struct dirent *de;
	DIR *d;
	int r;

	if (!expectation_any(p)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return;
	}
	r = path_read_cpumask(&v->pc, &global, PATH_SYS_WORKQUEUE "/cpumask");
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s", path_last(&v->pc),
			      path_read_strerror(r));
		return;
	}
	check_detail_cpuset(c, "unbound_cpumask", &global);
	r = path_read_cpumask(&v->pc, &t, PATH_SYS_WORKQUEUE "/cpumask_requested");
	if (r == 0)
		check_detail_cpuset(c, "unbound_cpumask_requested", &t);
	check_read_failed(c, &v->pc, r); /* absent before about 6.8 */
	r = path_read_cpumask(&v->pc, &t, PATH_SYS_WORKQUEUE_ISOLATED);
	if (r == 0)
		check_detail_cpuset(c, "unbound_cpumask_isolated", &t);
	check_read_failed(c, &v->pc, r); /* absent before 6.8 */
	cpuset_and(&t, &global, &p->runtime);
	if (!cpuset_empty(&t) && !v->expect.rt.fs.wq_excludes)
		check_problem(
			c, VS_CRITICAL,
			"unbound workqueues may run on CPUs %s isolated at run time: this kernel (before 6.8) does not keep them off a partition, early-pin must; run early-pin --partition, or write the housekeeping mask (%s) to /sys/devices/virtual/workqueue/cpumask",
			cpulist_str(&t, a, sizeof(a)),
			(cpuset_format_mask(&p->housekeeping, 0, m, sizeof(m)), m));
	if (!cpuset_subset(&global, &p->housekeeping)) {
		cpuset_and(&t, &global, &p->isolated);
		check_problem(
			c, VS_CRITICAL,
			"unbound workqueues may run on isolated CPUs %s: run early-pin or write the housekeeping mask (%s) to /sys/devices/virtual/workqueue/cpumask (or boot with workqueue.unbound_cpus=%s on 6.6+)",
			cpulist_str(&t, a, sizeof(a)),
			(cpuset_format_mask(&p->housekeeping, 0, m, sizeof(m)), m),
			cpulist_str(&p->housekeeping, b, sizeof(b)));
	}

	/* Per-workqueue masks (writeback, ...): effective = own mask ∩ unbound mask. */
	bad = check_detail_array(c, "workqueues_on_isolated");
	d = path_opendir(&v->pc, PATH_SYS_WORKQUEUE);
	if (d) {
		while ((de = readdir(d))) {
			cpuset_t own, eff;

			if (de->d_name[0] == '.')
				continue;
			r = path_read_cpumask(&v->pc, &own, PATH_SYS_WORKQUEUE "/%s/cpumask",
					      de->d_name);
			/* Not a directory (cpumask, uevent) or a per-CPU workqueue: no mask. */
			if (r == -ENOTDIR || check_read_failed(c, &v->pc, r) || r < 0)
				continue;
			cpuset_and(&eff, &own, &global);
			if (cpuset_empty(&eff))
				eff = global;
			if (cpuset_intersects(&eff, &p->isolated)) {
				cpuset_and(&t, &eff, &p->isolated);
				json_object_array_add(bad, json_object_new_string(de->d_name));
				check_problem(c, VS_CRITICAL,
					      "workqueue %s may run on isolated CPUs %s",
					      de->d_name, cpulist_str(&t, a, sizeof(a)));
			}
		}
		closedir(d);
	}
	check_ok(c, "unbound workqueues run on housekeeping CPUs %s",
		 cpulist_str(&global, a, sizeof(a)));
}

/* --- frequency ----------------------------------------------------------------- */

static const char *earlypin_param(const struct expectation *p, const char *name)
{
	return kparams_get(&p->kp, name);
}

/* What the rd.earlypin.* parameters ask of the isolated CPUs' frequency. */
struct freq_wish {
	const char *gov;   /* rd.earlypin.governor, or NULL */
	const char *turbo; /* rd.earlypin.turbo, or NULL */
	bool no_turbo;
	bool max;
};

/* One online isolated CPU: its policy into cpus, problems when it drifts; false without cpufreq. */
static bool freq_check_cpu(struct verify *v, struct check *c, const struct freq_wish *w,
			   json_object *cpus, int cpu)
{
	char gov[64], key[16];
	uint64_t mn = 0, mx = 0, hwmax = 0;
	json_object *o;
	ssize_t n;

	n = path_read_buf(&v->pc, gov, sizeof(gov), PATH_SYS_CPU "/cpu%d/cpufreq/scaling_governor",
			  cpu);
	if (n == 0)
		n = -ENODATA;
	if (n == -ENOENT)
		return false; /* no cpufreq policy for this CPU */
	if (check_read_failed(c, &v->pc, (int)n))
		return true;
	check_read_failed(c, &v->pc,
			  path_read_u64(&v->pc, &mn, PATH_SYS_CPU "/cpu%d/cpufreq/scaling_min_freq",
					cpu));
	check_read_failed(c, &v->pc,
			  path_read_u64(&v->pc, &mx, PATH_SYS_CPU "/cpu%d/cpufreq/scaling_max_freq",
					cpu));
	check_read_failed(c, &v->pc,
			  path_read_u64(&v->pc, &hwmax,
					PATH_SYS_CPU "/cpu%d/cpufreq/cpuinfo_max_freq", cpu));
	o = json_object_new_object();
	json_object_object_add(o, "governor", json_object_new_string(gov));
	json_object_object_add(o, "scaling_min_freq", json_object_new_int64((int64_t)mn));
	json_object_object_add(o, "scaling_max_freq", json_object_new_int64((int64_t)mx));
	json_object_object_add(o, "cpuinfo_max_freq", json_object_new_int64((int64_t)hwmax));
	snprintf(key, sizeof(key), "%d", cpu);
	json_object_object_add(cpus, key, o);

	if (w->max && hwmax && (mn != hwmax || mx != hwmax))
		check_problem(
			c, VS_WARNING,
			"isolated CPU %d is not locked at its maximum frequency (%llu-%llu kHz, maximum %llu kHz) although rd.earlypin.freq=max asks for it: something reset it",
			cpu, (unsigned long long)mn, (unsigned long long)mx,
			(unsigned long long)hwmax);
	if (w->gov) {
		if (strcmp(gov, w->gov) != 0)
			check_problem(
				c, VS_WARNING,
				"isolated CPU %d runs the %s governor but rd.earlypin.governor=%s asks for %s: something reset it (tuned, power-profiles-daemon?)",
				cpu, gov, w->gov, w->gov);
	} else if (strcmp(gov, "performance") != 0 && !(mn && mn == mx)) {
		check_problem(
			c, VS_WARNING,
			"isolated CPU %d runs the %s governor with an unlocked frequency (%llu-%llu kHz): its speed changes under the workload; use the performance governor (rd.earlypin.governor=performance) or lock min = max",
			cpu, gov, (unsigned long long)mn, (unsigned long long)mx);
	}
	return true;
}

/* 1 turbo on, 0 off, -1 unknown. cpufreq/boost only when intel_pstate/no_turbo is absent, not when it is malformed. */
static int freq_read_turbo(struct verify *v, struct check *c)
{
	int turbo = -1, r;
	uint32_t u;

	r = path_read_u32(&v->pc, &u, PATH_SYS_INTEL_PSTATE "/no_turbo");
	if (r == 0) {
		turbo = !u;
	} else if (!check_read_failed(c, &v->pc, r)) {
		r = path_read_u32(&v->pc, &u, PATH_SYS_CPUFREQ "/boost");
		if (r == 0)
			turbo = !!u;
		check_read_failed(c, &v->pc, r);
	}
	return turbo;
}

void check_frequency(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	const char *freq_arg = earlypin_param(p, "rd.earlypin.freq");
	struct freq_wish w = {
		.gov = earlypin_param(p, "rd.earlypin.governor"),
		.turbo = earlypin_param(p, "rd.earlypin.turbo"),
	};
	json_object *cpus;
	size_t with_freq = 0;
	char a[LIST_BUF];
	int turbo;

	w.no_turbo = w.turbo && (strcmp(w.turbo, "off") == 0 || strcmp(w.turbo, "0") == 0 ||
				 strcmp(w.turbo, "no") == 0);
	w.max = freq_arg && strcmp(freq_arg, "max") == 0;
	if (!expectation_any(p)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return;
	}
	if (w.gov)
		check_detail_str(c, "governor_asked", w.gov);
	check_detail_bool(c, "no_turbo_asked", w.no_turbo);
	check_detail_bool(c, "max_freq_asked", w.max);

	cpus = check_detail_object(c, "isolated_cpus");
	cpuset_foreach(cpu, &p->isolated) {
		if (cpuset_test(&p->online, (unsigned int)cpu) &&
		    freq_check_cpu(v, c, &w, cpus, cpu))
			with_freq++;
	}
	turbo = freq_read_turbo(v, c);
	if (turbo >= 0)
		check_detail_bool(c, "turbo", turbo);
	else
		check_detail_str(c, "turbo", NULL);
	if (w.no_turbo && turbo == 1)
		check_problem(
			c, VS_WARNING,
			"turbo is on but rd.earlypin.turbo=%s asks early-pin to turn it off: write 1 to intel_pstate/no_turbo (or 0 to cpufreq/boost), or re-run early-pin",
			w.turbo);
	if (!with_freq) {
		check_skip(
			c,
			"no cpufreq driver on the isolated CPUs: frequency is controlled by firmware or the hypervisor");
		return;
	}
	check_ok(c, "isolated CPUs %s run at a fixed policy (%s governor%s)",
		 cpulist_str(&p->isolated, a, sizeof(a)), w.gov ?: "performance",
		 turbo == 1 ? ", turbo on" :
		 turbo == 0 ? ", turbo off" :
			      "");
}

/* --- smt ---------------------------------------------------------------------- */

void check_smt(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF];
	json_object *split;
	size_t known = 0;

	if (!expectation_any(p)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return;
	}
	split = check_detail_object(c, "split_cores");
	cpuset_foreach(cpu, &p->isolated) {
		cpuset_t sib, hk;
		char key[16];
		int r;

		if (!cpuset_test(&p->online, (unsigned int)cpu))
			continue;
		r = path_read_cpulist(&v->pc, p->nbits, &sib,
				      PATH_SYS_CPU "/cpu%d/topology/thread_siblings_list", cpu);
		if (r == -ENOENT) /* the mask only when the list is absent */
			r = path_read_cpumask(&v->pc, &sib,
					      PATH_SYS_CPU "/cpu%d/topology/thread_siblings", cpu);
		if (check_read_failed(c, &v->pc, r)) {
			known++;
			continue;
		}
		if (r < 0)
			continue;
		known++;
		cpuset_and(&hk, &sib, &p->housekeeping);
		if (cpuset_empty(&hk))
			continue;
		snprintf(key, sizeof(key), "%d", cpu);
		json_object_object_add(split, key, json_cpulist(&hk));
		check_problem(
			c, VS_WARNING,
			"isolated CPU %d shares its core with housekeeping CPU(s) %s: their work slows it down; isolate whole cores (cmdline-gen keeps siblings together) or take the sibling offline",
			cpu, cpulist_str(&hk, a, sizeof(a)));
	}
	if (!known) {
		check_skip(c, "no CPU topology in sysfs for the isolated CPUs");
		return;
	}
	check_ok(c, "no isolated CPU shares a core with a housekeeping CPU");
}

/* --- /proc/stat ---------------------------------------------------------------- */

void cpustat_free(struct cpustat_sample *s)
{
	free(s->cpu);
	s->cpu = NULL;
	s->n = 0;
}

int cpustat_read(struct path_cxt *pc, struct cpustat_sample *ret)
{
	struct cpustat_sample s = { 0 };
	char *text = NULL;
	int r = path_read_str(pc, &text, PATH_PROC_STAT);

	if (r < 0)
		return r;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned long cpu;
		uint64_t f[10] = { 0 }, total = 0;
		char *p, *e;
		int nf = 0;

		if (nl)
			*nl = '\0';
		if (strncmp(line, "cpu", 3) == 0 && isdigit((unsigned char)line[3])) {
			errno = 0;
			cpu = strtoul(line + 3, &e, 10);
			if (errno || cpu >= CPUSET_MAX || (*e != ' ' && *e != '\t'))
				goto next;
			for (p = e; nf < 10; nf++) {
				while (*p == ' ')
					p++;
				if (!isdigit((unsigned char)*p))
					break;
				errno = 0;
				f[nf] = strtoull(p, &e, 10);
				if (errno)
					break;
				p = e;
			}
			if (nf < 4)
				goto next;
			if (cpu >= s.n) {
				unsigned int nn = (unsigned int)cpu + 1;
				struct cpustat *nv = realloc(s.cpu, nn * sizeof(*nv));

				if (!nv) {
					free(text);
					cpustat_free(&s);
					return -ENOMEM;
				}
				memset(nv + s.n, 0, (nn - s.n) * sizeof(*nv));
				s.cpu = nv;
				s.n = nn;
			}
			/* user nice system idle iowait irq softirq steal (guest is inside user) */
			for (int i = 0; i < nf && i < 8; i++)
				total += f[i];
			s.cpu[cpu].present = true;
			s.cpu[cpu].total = total;
			s.cpu[cpu].busy = total - f[3] - f[4];
		}
next:
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	if (!s.n)
		return -EINVAL;
	*ret = s;
	return 0;
}

/* Busy ticks of cpu between the samples, without the verifier's own. */
static uint64_t hk_busy_ticks(const struct verify *v, int cpu, const struct cpustat *s0,
			      const struct cpustat *s1)
{
	uint64_t busy = s1->busy - s0->busy;

	if (cpu != v->self_cpu)
		return busy;
	return busy > v->self_ticks ? busy - v->self_ticks : 0;
}

void check_hk_load(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	json_object *busy;

	if (v->opt.interval <= 0) {
		check_skip(c, "--interval 0: /proc/stat was not sampled twice");
		return;
	}
	if (v->stat_err[0] < 0 || v->stat_err[1] < 0) {
		check_problem(c, VS_UNKNOWN, "cannot sample %s: %s",
			      path_get(&v->pc, PATH_PROC_STAT),
			      strerror(-(v->stat_err[0] < 0 ? v->stat_err[0] : v->stat_err[1])));
		return;
	}
	if (!v->sampled) {
		check_problem(c, VS_UNKNOWN, "no second sample of /proc/stat was taken");
		return;
	}
	busy = check_detail_object(c, "busy_percent");
	if (v->self_cpu >= 0) {
		json_object_object_add(c->details, "verifier_cpu",
				       json_object_new_int(v->self_cpu));
		json_object_object_add(c->details, "verifier_ticks_not_counted",
				       json_object_new_int64((int64_t)v->self_ticks));
	}
	cpuset_foreach(cpu, &p->online) {
		const struct cpustat *s0, *s1;
		char key[16];
		double pct;

		if ((unsigned int)cpu >= v->stat[0].n || (unsigned int)cpu >= v->stat[1].n)
			continue;
		s0 = &v->stat[0].cpu[cpu];
		s1 = &v->stat[1].cpu[cpu];
		if (!s0->present || !s1->present || s1->total < s0->total || s1->busy < s0->busy)
			continue;
		if (s1->total == s0->total)
			continue; /* no tick accounted (tickless idle): nothing to say */
		pct = 100.0 * (double)hk_busy_ticks(v, cpu, s0, s1) /
		      (double)(s1->total - s0->total);
		snprintf(key, sizeof(key), "%d", cpu);
		json_object_object_add(busy, key, json_double3((double)(int)(pct * 10) / 10));
		if (cpuset_test(&p->housekeeping, (unsigned int)cpu) && pct > v->opt.load_max &&
		    expectation_any(p))
			check_problem(
				c, VS_WARNING,
				"housekeeping CPU %d was %.0f%% busy over %.1f s: the noise was moved, not removed; add housekeeping CPUs or find what keeps it busy",
				cpu, pct, v->elapsed);
	}
	if (!expectation_any(p)) {
		check_skip(c, VERIFY_NONE_ISOLATED ": no housekeeping set to judge");
		return;
	}
	check_ok(c, "no housekeeping CPU was busier than %.0f%% over %.1f s", v->opt.load_max,
		 v->elapsed);
}

/* --- smi --------------------------------------------------------------------- */

#define MSR_SMI_COUNT 0x34

void smi_free(struct smi_sample *s)
{
	free(s->cpu);
	free(s->count);
	memset(s, 0, sizeof(*s));
}

/* The vendor_id of /proc/cpuinfo: false if there is none (*ret_intel untouched). */
static bool cpu_vendor_is_intel(struct path_cxt *pc, bool *ret_intel)
{
	FILE *f = path_fopen(pc, "re", PATH_PROC_CPUINFO);
	bool known = false;
	char line[512];

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "vendor_id", 9) == 0) {
			known = true;
			*ret_intel = strstr(line, "GenuineIntel") != NULL;
			break;
		}
	}
	fclose(f);
	return known;
}

/* Read MSR_SMI_COUNT of every CPU of cpus into s (allocated); a reason on failure. */
static void smi_read_msrs(struct path_cxt *pc, const cpuset_t *cpus, struct smi_sample *s)
{
	s->cpu = calloc(cpuset_count(cpus), sizeof(*s->cpu));
	s->count = calloc(cpuset_count(cpus), sizeof(*s->count));
	if (!s->cpu || !s->count) {
		snprintf(s->reason, sizeof(s->reason), "out of memory");
		smi_free(s);
		return;
	}
	cpuset_foreach(cpu, cpus) {
		uint64_t val;
		ssize_t n;
		int fd = path_open_device(pc, O_RDONLY, "/dev/cpu/%d/msr", cpu);

		if (fd < 0) {
			snprintf(s->reason, sizeof(s->reason), "cannot open %.200s: %s%s",
				 path_last(pc), strerror(-fd),
				 fd == -ENOENT ? " (msr module not loaded)" : "");
			goto fail;
		}
		n = pread(fd, &val, sizeof(val), MSR_SMI_COUNT);
		close(fd);
		if (n != (ssize_t)sizeof(val)) {
			snprintf(s->reason, sizeof(s->reason),
				 "cannot read MSR 0x34 from %.200s: %s", path_last(pc),
				 n < 0 ? strerror(errno) : "short read");
			goto fail;
		}
		s->cpu[s->n] = cpu;
		s->count[s->n] = val & 0xffffffffU;
		s->n++;
	}
	s->ok = true;
	return;
fail:
	free(s->cpu);
	free(s->count);
	s->cpu = NULL;
	s->count = NULL;
	s->n = 0;
}

void smi_read(struct path_cxt *pc, const cpuset_t *cpus, struct qc_ops *ops, struct smi_sample *ret)
{
	struct smi_sample s = { 0 };
	bool intel = false, vendor_known = cpu_vendor_is_intel(pc, &intel);

	if (!intel) {
		snprintf(s.reason, sizeof(s.reason),
			 "%s: MSR_SMI_COUNT (0x34) exists on Intel CPUs only",
			 vendor_known ? "not an Intel CPU" : "unknown CPU vendor");
		*ret = s;
		return;
	}
	if (cpuset_empty(cpus)) {
		snprintf(s.reason, sizeof(s.reason), "no isolated CPU to read");
		*ret = s;
		return;
	}
	if (!path_exists(pc, "/dev/cpu/%d/msr", cpuset_first(cpus)) && path_is_real_root(pc) &&
	    ops) {
		int r = ops->module_load(ops, "msr");

		if (r < 0) {
			snprintf(s.reason, sizeof(s.reason), "cannot load the msr module: %s",
				 strerror(-r));
			*ret = s;
			return;
		}
	}

	smi_read_msrs(pc, cpus, &s);
	*ret = s;
}

void check_smi(struct verify *v, struct check *c)
{
	const struct smi_sample *s0 = &v->smi[0], *s1 = &v->smi[1];
	json_object *per;
	uint64_t worst = 0;

	if (!expectation_any(&v->expect)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return;
	}
	if (v->opt.interval <= 0) {
		check_skip(c, "--interval 0: the SMI counter was not sampled twice");
		return;
	}
	if (!s0->ok) {
		check_skip(c, "%s", s0->reason);
		return;
	}
	if (!s1->ok || s1->n != s0->n) {
		check_problem(c, VS_UNKNOWN, "the second SMI sample failed: %s", s1->reason);
		return;
	}
	per = check_detail_object(c, "smi_per_cpu");
	for (unsigned int i = 0; i < s0->n; i++) {
		char key[16];
		uint64_t d = s1->count[i] >= s0->count[i] ?
				     s1->count[i] - s0->count[i] :
				     (UINT64_C(1) << 32) - s0->count[i] + s1->count[i];

		snprintf(key, sizeof(key), "%d", s0->cpu[i]);
		json_object_object_add(per, key, json_object_new_int64((int64_t)d));
		if (d > worst)
			worst = d;
	}
	check_detail_int(c, "smi_max", (int64_t)worst);
	if (worst)
		check_problem(
			c, VS_WARNING,
			"%llu system management interrupts in %.1f s: firmware stops every CPU for each; disable BIOS power/thermal management features that use SMIs (vendor low-latency profile)",
			(unsigned long long)worst, v->elapsed);
	check_ok(c, "no SMI in %.1f s", v->elapsed);
}
