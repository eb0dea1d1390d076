// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plan: the housekeeping/isolated split and the kernel parameters that say so.
 * The policy is described in plan.h; the parameters and why each profile
 * carries them are in the table below (and in cmdline-gen(8)).
 */
#include "plan.h"
#include "pathnames.h"
#include "strv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/*
 * Every parameter a profile can emit, in the order they are emitted, with the
 * lowest profile that carries it and the one-line reason.  Sources: the
 * kernel's kernel-parameters.txt and the choices of tuned, NTO and pyperf
 * (docs: kernel-facts.md, peers.md).
 */
struct param_def {
	const char *name;
	enum plan_profile profile;
	const char *why;
};

static const struct param_def param_defs[] = {
	/* minimal: the four that make a CPU isolated at all */
	{ "isolcpus", PLAN_PROFILE_MINIMAL,
	  "domain: no scheduler load balancing onto these CPUs; managed_irq (5.6+): managed IRQs avoid them where their mask allows" },
	{ "nohz_full", PLAN_PROFILE_MINIMAL,
	  "no scheduler tick while one task runs (needs CONFIG_NO_HZ_FULL); same CPUs as isolcpus, as kernels before 5.18 require" },
	{ "rcu_nocbs", PLAN_PROFILE_MINIMAL,
	  "RCU callbacks run by rcuo kthreads on housekeeping CPUs instead of softirqs on isolated ones" },
	{ "irqaffinity", PLAN_PROFILE_MINIMAL,
	  "default affinity of IRQs set up from boot on (early-pin moves the ones that already exist)" },
	{ "nosmt", PLAN_PROFILE_MINIMAL,
	  "--nosmt: the kernel brings up one thread per core, so no isolated CPU shares a core" },
	/* benchmark: quiet and stable enough to measure */
	{ "nosoftlockup", PLAN_PROFILE_BENCHMARK,
	  "no soft-lockup watchdog: a busy-polling isolated task is not reported and its hrtimer stops" },
	{ "nmi_watchdog", PLAN_PROFILE_BENCHMARK,
	  "0: no periodic watchdog NMIs, and the perf counter it holds on every CPU is free" },
	{ "skew_tick", PLAN_PROFILE_BENCHMARK,
	  "1: housekeeping ticks are offset so they do not contend on jiffies/RCU locks at the same instant" },
	{ "rcupdate.rcu_normal_after_boot", PLAN_PROFILE_BENCHMARK,
	  "1: no expedited RCU grace periods after boot (they IPI every CPU, isolated ones too)" },
	{ "systemd.cpu_affinity", PLAN_PROFILE_BENCHMARK,
	  "systemd and every service it starts run on the housekeeping CPUs" },
	{ "workqueue.unbound_cpus", PLAN_PROFILE_BENCHMARK,
	  "unbound workqueue work stays on housekeeping CPUs from boot (Linux 6.6 and later)" },
	{ "rd.earlypin.governor", PLAN_PROFILE_BENCHMARK,
	  "performance: early-pin locks the cpufreq governor in the initramfs, so runs do not depend on ramp-up" },
	{ "rd.earlypin.turbo", PLAN_PROFILE_BENCHMARK,
	  "off: early-pin disables turbo, whose frequency depends on temperature and on the other cores' load" },
	/* latency: every microsecond counts, power does not */
	{ "rcu_nocb_poll", PLAN_PROFILE_LATENCY,
	  "rcuo kthreads poll instead of being woken from the isolated CPUs (costs housekeeping CPU time)" },
	{ "processor.max_cstate", PLAN_PROFILE_LATENCY,
	  "1: the ACPI idle driver never enters deep C-states, whose exit latency is tens of microseconds (x86)" },
	{ "intel_idle.max_cstate", PLAN_PROFILE_LATENCY,
	  "0: intel_idle is disabled so the C-state limit above applies (x86)" },
	{ "idle", PLAN_PROFILE_LATENCY,
	  "poll: idle CPUs spin instead of halting: no wake-up latency, full power draw (x86)" },
	{ "tsc", PLAN_PROFILE_LATENCY,
	  "reliable: no clocksource watchdog timer checking the TSC on every CPU (x86)" },
	{ "transparent_hugepage", PLAN_PROFILE_LATENCY,
	  "never: no khugepaged collapses or compaction stalls under the workload" },
};

/* Parameters whose value is a CPU list derived from the plan. */
static const char *const cpulist_params[] = {
	"isolcpus",
	"nohz_full",
	"rcu_nocbs",
	"irqaffinity",
	"systemd.cpu_affinity",
	"workqueue.unbound_cpus",
	"rd.earlypin.cpus",
	NULL,
};

const char *const *plan_managed_params(void)
{
	static const char *names[sizeof(param_defs) / sizeof(param_defs[0]) + 1];

	if (!names[0]) {
		for (size_t i = 0; i < sizeof(param_defs) / sizeof(param_defs[0]); i++)
			names[i] = param_defs[i].name;
	}
	return names;
}

const char *plan_param_why(const char *name)
{
	for (size_t i = 0; i < sizeof(param_defs) / sizeof(param_defs[0]); i++)
		if (kparam_name_eq(param_defs[i].name, name))
			return param_defs[i].why;
	return NULL;
}

static const char *const profile_names[] = {
	[PLAN_PROFILE_MINIMAL] = "minimal",
	[PLAN_PROFILE_BENCHMARK] = "benchmark",
	[PLAN_PROFILE_LATENCY] = "latency",
};

const char *plan_profile_str(enum plan_profile p)
{
	return (unsigned int)p < sizeof(profile_names) / sizeof(profile_names[0]) ?
		       profile_names[p] :
		       "?";
}

int plan_profile_parse(const char *s, enum plan_profile *ret)
{
	for (size_t i = 0; i < sizeof(profile_names) / sizeof(profile_names[0]); i++) {
		if (strcmp(s, profile_names[i]) == 0) {
			*ret = (enum plan_profile)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *plan_reason_str(enum plan_reason r)
{
	switch (r) {
	case PLAN_REASON_NONE:
		return "";
	case PLAN_REASON_OFFLINE:
		return "offline now: in neither set";
	case PLAN_REASON_BOOT:
		return "the boot CPU's core: timekeeping stays here";
	case PLAN_REASON_NODE:
		return "keeps its NUMA node's IRQs and kthreads local";
	case PLAN_REASON_NO_NODE:
		return "serves the CPUs that are in no NUMA node";
	case PLAN_REASON_EFFICIENCY:
		return "efficiency core: housekeeping on hybrid CPUs";
	case PLAN_REASON_USER_HK:
		return "named by --housekeeping";
	case PLAN_REASON_NOT_ISOLATED:
		return "not named by --isolate";
	case PLAN_REASON_ISOLATED:
		return "not needed for housekeeping";
	case PLAN_REASON_USER_ISO:
		return "named by --isolate";
	case PLAN_REASON_NOT_HK:
		return "not named by --housekeeping";
	case PLAN_REASON_SMT_OFF:
		return "SMT sibling: offline after boot with nosmt";
	}
	return "";
}

bool plan_reason_is_housekeeping(enum plan_reason r)
{
	return r == PLAN_REASON_BOOT || r == PLAN_REASON_NODE || r == PLAN_REASON_NO_NODE ||
	       r == PLAN_REASON_EFFICIENCY || r == PLAN_REASON_USER_HK ||
	       r == PLAN_REASON_NOT_ISOLATED;
}

void plan_options_init(struct plan_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->profile = PLAN_PROFILE_BENCHMARK;
	opts->hk_per_node = 1;
}

void plan_free(struct plan *plan)
{
	if (!plan)
		return;
	kparams_free(&plan->params);
	free(plan->cmdline);
	for (size_t i = 0; i < plan->nr_warnings; i++)
		free(plan->warnings[i]);
	free(plan->warnings);
	free(plan->reason);
	free(plan);
}

#define plan_warn(p, ...) strv_appendf(&(p)->warnings, &(p)->nr_warnings, __VA_ARGS__)

static __attribute__((format(printf, 3, 4))) int fail(char **ret_err, int r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (ret_err) {
		free(*ret_err);
		*ret_err = s;
	} else {
		free(s);
	}
	return s ? r : -ENOMEM;
}

/* A cpulist as text in a caller buffer, truncated with "..." for messages. */
static const char *list_str(const cpuset_t *set, char *buf, size_t len)
{
	size_t n = cpuset_format_list(set, buf, len);

	if (n >= len && len > 4)
		strcpy(buf + len - 4, "...");
	return buf;
}

int plan_kernel_version(const char *release, unsigned int *ret_major, unsigned int *ret_minor)
{
	unsigned long maj, min;
	char *end;

	if (!release || !isdigit((unsigned char)*release))
		return -EINVAL;
	errno = 0;
	maj = strtoul(release, &end, 10);
	if (errno || *end != '.' || !isdigit((unsigned char)end[1]) || maj > 1000)
		return -EINVAL;
	min = strtoul(end + 1, &end, 10);
	if (errno || min > 1000)
		return -EINVAL;
	*ret_major = (unsigned int)maj;
	*ret_minor = (unsigned int)min;
	return 0;
}

static bool kernel_at_least(const struct plan_kernel *k, unsigned int maj, unsigned int min)
{
	if (!k->release[0] || (k->major == 0 && k->minor == 0))
		return false;
	return k->major > maj || (k->major == maj && k->minor >= min);
}

/* x86 from /proc/cpuinfo's vendor_id (s390 has one too: "IBM/S390"). */
static int cpuinfo_is_x86(struct path_cxt *pc)
{
	static const char *const vendors[] = {
		"GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls",
		"  Shanghai  ", "GenuineIotel", NULL,
	};
	char *line = NULL;
	size_t cap = 0;
	int x86 = -1, lines = 0;
	FILE *f;

	f = path_fopen(pc, "re", PATH_PROC_CPUINFO);
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0 && lines++ < 200) {
		const char *v;

		if (strncmp(line, "vendor_id", 9) != 0)
			continue;
		v = strchr(line, ':');
		x86 = 0;
		if (!v)
			break;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		for (size_t i = 0; vendors[i]; i++)
			if (strncmp(v, vendors[i], strlen(vendors[i])) == 0)
				x86 = 1;
		break;
	}
	/* a cpuinfo without vendor_id is some other architecture */
	if (x86 < 0 && lines > 0)
		x86 = 0;
	free(line);
	fclose(f);
	return x86;
}

/* A kernel .config line: "CONFIG_X=...", a comment ("# CONFIG_X is not set"), or blank. */
static bool kconfig_line_valid(const char *line)
{
	const char *p = line;

	if (*p == '#' || *p == '\n' || *p == '\0')
		return true;
	if (strncmp(p, "CONFIG_", 7) != 0)
		return false;
	for (p += 7; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		     (*p >= '0' && *p <= '9') || *p == '_';
	     p++)
		;
	return p > line + 7 && *p == '=';
}

/*
 * The options planning depends on, from an open .config. Every line must be
 * one a .config holds: garbage, a NUL byte or a read error is -EINVAL/-errno
 * with *ret_line the offending line (0 for a read error), never "not set".
 */
static int kconfig_read(FILE *f, struct plan_kernel *ret, unsigned int *ret_line)
{
	struct plan_kernel k = *ret;
	unsigned int lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	k.no_hz_full = k.rcu_nocb_cpu = k.cpu_isolation = 0;
	k.x86 = 0;
	errno = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (strlen(line) != (size_t)n || !kconfig_line_valid(line)) {
			*ret_line = lineno;
			r = -EINVAL;
			goto out;
		}
		if (line[n - 1] == '\n') /* the last line may have none */
			line[n - 1] = '\0';
		if (strcmp(line, "CONFIG_NO_HZ_FULL=y") == 0)
			k.no_hz_full = 1;
		else if (strcmp(line, "CONFIG_RCU_NOCB_CPU=y") == 0)
			k.rcu_nocb_cpu = 1;
		else if (strcmp(line, "CONFIG_CPU_ISOLATION=y") == 0)
			k.cpu_isolation = 1;
		else if (strcmp(line, "CONFIG_X86=y") == 0)
			k.x86 = 1;
	}
	if (ferror(f)) {
		*ret_line = 0;
		r = errno ? -errno : -EIO;
		goto out;
	}
	if (lineno == 0) { /* an empty file is no configuration */
		*ret_line = 0;
		r = -ENODATA;
		goto out;
	}
	*ret = k;
out:
	free(line);
	return r;
}

static int kernel_probe(struct path_cxt *pc, const struct plan_options *o, struct plan *p,
			char **ret_err)
{
	struct plan_kernel *k = &p->kernel;
	bool explicit = o->kernel != NULL;
	unsigned int bad = 0;
	FILE *f;
	int r = 0;

	k->no_hz_full = k->rcu_nocb_cpu = k->cpu_isolation = k->x86 = -1;
	if (o->kernel) {
		snprintf(k->release, sizeof(k->release), "%s", o->kernel);
	} else if (path_is_real_root(pc)) {
		struct utsname u;

		if (uname(&u) == 0) {
			snprintf(k->release, sizeof(k->release), "%s", u.release);
			if (strcmp(u.machine, "x86_64") == 0 ||
			    (u.machine[0] == 'i' && strstr(u.machine, "86")))
				k->x86 = 1;
			else
				k->x86 = 0;
		}
	}
	if (k->release[0] && plan_kernel_version(k->release, &k->major, &k->minor) < 0) {
		k->major = k->minor = 0;
		r = plan_warn(
			p,
			"cannot tell the version of kernel '%s': leaving out version-dependent parameters",
			k->release);
		if (r < 0)
			return r;
	}
	if (!k->release[0])
		goto arch;
	f = path_fopen(pc, "re", "/boot/config-%s", k->release);
	if (!f && errno == ENOENT) {
		/* Absent: plan without it (documented). Anything else is an error. */
		if (explicit || path_is_real_root(pc))
			r = plan_warn(p, "%s: %s: not checking kernel options", path_last(pc),
				      strerror(errno));
		if (r < 0)
			return r;
		goto arch;
	}
	if (!f)
		return fail(ret_err, -errno, "cannot read the kernel configuration: %s: %s",
			    path_last(pc), path_strerror(errno));
	r = kconfig_read(f, k, &bad);
	fclose(f);
	if (r == -EINVAL)
		return fail(
			ret_err, r,
			"cannot read the kernel configuration: %s: line %u is not a kernel configuration line",
			path_get(pc, "/boot/config-%s", k->release), bad);
	if (r < 0)
		return fail(ret_err, r, "cannot read the kernel configuration: %s: %s",
			    path_get(pc, "/boot/config-%s", k->release),
			    r == -ENODATA ? "empty file" : path_strerror(r));
	snprintf(k->config, sizeof(k->config), "/boot/config-%s", k->release);
arch:
	if (k->x86 < 0)
		k->x86 = cpuinfo_is_x86(pc);
	return 0;
}

/* The NUMA group of a CPU: node index, or nodes.n for "in no node". */
static size_t node_slot(const struct topology *t, unsigned int cpu)
{
	int32_t n = t->cpus[cpu].node;

	return n < 0 ? t->nodes.n : (size_t)n;
}

static void mark(struct plan *p, const cpuset_t *set, enum plan_reason why, bool hk)
{
	cpuset_foreach(cpu, set) {
		if (hk && !cpuset_test(&p->housekeeping, (unsigned int)cpu)) {
			cpuset_set(&p->housekeeping, (unsigned int)cpu);
			p->reason[cpu] = (uint8_t)why;
		} else if (!hk && !cpuset_test(&p->isolated, (unsigned int)cpu)) {
			cpuset_set(&p->isolated, (unsigned int)cpu);
			p->reason[cpu] = (uint8_t)why;
		}
	}
}

/* The default policy over avail (online minus nosmt threads). */
static int split_default(struct plan *p, const struct topology *t, const struct plan_options *o,
			 const cpuset_t *avail, char **ret_err)
{
	size_t nslots = t->nodes.n + 1;
	unsigned int *count;
	cpuset_t set, iso;

	count = calloc(nslots, sizeof(*count));
	if (!count)
		return -ENOMEM;

	cpuset_and(&set, &t->cores.v[t->cpus[t->boot_cpu].core].cpus, avail);
	mark(p, &set, PLAN_REASON_BOOT, true);
	if (t->hybrid != TOPO_HYBRID_NONE) {
		cpuset_and(&set, &t->efficiency, avail);
		mark(p, &set, PLAN_REASON_EFFICIENCY, true);
	}
	for (size_t i = 0; i < t->cores.n; i++) {
		const cpuset_t *c = &t->cores.v[i].cpus;

		if (cpuset_intersects(c, &p->housekeeping))
			count[node_slot(t, (unsigned int)cpuset_first(c))]++;
	}
	for (size_t i = 0; i < t->cores.n; i++) {
		const cpuset_t *c = &t->cores.v[i].cpus;
		size_t slot = node_slot(t, (unsigned int)cpuset_first(c));

		if (count[slot] >= o->hk_per_node || cpuset_intersects(c, &p->housekeeping))
			continue;
		cpuset_and(&set, c, avail);
		mark(p, &set, slot == t->nodes.n ? PLAN_REASON_NO_NODE : PLAN_REASON_NODE, true);
		count[slot]++;
	}
	free(count);

	/*
	 * Safety net for trees where a core's CPUs sit in different nodes: a
	 * node whose CPUs all went to cores counted elsewhere still gets the
	 * core of its first CPU.
	 */
	for (size_t i = 0; i <= t->nodes.n; i++) {
		const cpuset_t *n = i < t->nodes.n ? &t->nodes.v[i].cpus : &t->no_node;
		int first;

		cpuset_and(&set, n, avail);
		if (cpuset_empty(&set) || cpuset_intersects(&set, &p->housekeeping))
			continue;
		first = cpuset_first(&set);
		cpuset_and(&set, &t->cores.v[t->cpus[first].core].cpus, avail);
		mark(p, &set, i < t->nodes.n ? PLAN_REASON_NODE : PLAN_REASON_NO_NODE, true);
	}

	cpuset_andnot(&iso, avail, &p->housekeeping);
	if (cpuset_empty(&iso)) {
		unsigned int ncpu = cpuset_count(&t->online);
		char buf[128];

		if (ncpu == 1)
			return fail(ret_err, -EDOM,
				    "nothing to isolate: only 1 CPU is online (CPU %d)",
				    t->boot_cpu);
		if (t->cores.n == 1)
			return fail(
				ret_err, -EDOM,
				"nothing to isolate: the %u online CPUs are SMT threads of one core, the boot CPU's core, which stays housekeeping whole",
				ncpu);
		snprintf(buf, sizeof(buf), "%s%s",
			 t->has_node_dir ? "" : " (no NUMA information: one group)",
			 t->hybrid != TOPO_HYBRID_NONE ? ", and the efficiency cores" : "");
		return fail(
			ret_err, -EDOM,
			"nothing to isolate: all %u online CPUs (%zu cores) are housekeeping: the boot CPU's core and %u core%s in each NUMA node with CPUs%s",
			ncpu, t->cores.n, o->hk_per_node, o->hk_per_node == 1 ? "" : "s", buf);
	}
	mark(p, &iso, PLAN_REASON_ISOLATED, false);
	return 0;
}

static int parse_user_list(const struct topology *t, const char *opt, const char *s, cpuset_t *ret,
			   char **ret_err)
{
	cpuset_t set, bad;
	char buf[256];
	int r;

	r = cpuset_parse_list(s, t->nr_cpus, &set);
	if (r == -ERANGE)
		return fail(ret_err, -EINVAL,
			    "%s '%s': CPU beyond the last CPU of this machine (%u)", opt, s,
			    t->nr_cpus - 1);
	if (r < 0)
		return fail(ret_err, -EINVAL, "%s '%s': not a valid cpulist", opt, s);
	if (cpuset_empty(&set))
		return fail(ret_err, -EINVAL, "%s '%s': empty CPU list", opt, s);
	cpuset_andnot(&bad, &set, &t->online);
	if (!cpuset_empty(&bad)) {
		cpuset_t off;

		cpuset_and(&off, &bad, &t->possible);
		if (!cpuset_equal(&off, &bad)) {
			cpuset_andnot(&bad, &bad, &t->possible);
			return fail(ret_err, -EINVAL, "%s: CPUs %s do not exist", opt,
				    list_str(&bad, buf, sizeof(buf)));
		}
		return fail(ret_err, -EINVAL, "%s: CPUs %s are offline", opt,
			    list_str(&bad, buf, sizeof(buf)));
	}
	*ret = set;
	return 0;
}

/* The user's --housekeeping and --isolate lists, checked and limited to @avail. */
static int user_parse_lists(struct plan *p, const struct topology *t, const struct plan_options *o,
			    const cpuset_t *avail, cpuset_t *hk, cpuset_t *iso, char **ret_err)
{
	cpuset_t both, drop;
	char buf[256];
	int r;

	cpuset_zero(hk);
	cpuset_zero(iso);
	if (o->housekeeping) {
		r = parse_user_list(t, "--housekeeping", o->housekeeping, hk, ret_err);
		if (r < 0)
			return r;
	}
	if (o->isolate) {
		r = parse_user_list(t, "--isolate", o->isolate, iso, ret_err);
		if (r < 0)
			return r;
	}
	cpuset_and(&both, hk, iso);
	if (!cpuset_empty(&both))
		return fail(ret_err, -EINVAL, "CPUs %s are in both --housekeeping and --isolate",
			    list_str(&both, buf, sizeof(buf)));
	cpuset_andnot(&drop, iso, avail);
	if (!cpuset_empty(&drop)) {
		r = plan_warn(p, "--isolate: CPUs %s will be offline with nosmt, ignoring",
			      list_str(&drop, buf, sizeof(buf)));
		if (r < 0)
			return r;
		cpuset_and(iso, iso, avail);
	}
	cpuset_and(hk, hk, avail);
	return 0;
}

/* Mark the CPUs the user named, and the rest of @avail by what was left unsaid. */
static int user_mark(struct plan *p, const struct plan_options *o, const cpuset_t *avail,
		     cpuset_t *hk, cpuset_t *iso)
{
	char buf[256];
	int r;

	if (o->housekeeping && o->isolate) {
		cpuset_t rest;

		mark(p, hk, PLAN_REASON_USER_HK, true);
		mark(p, iso, PLAN_REASON_USER_ISO, false);
		cpuset_andnot(&rest, avail, hk);
		cpuset_andnot(&rest, &rest, iso);
		if (!cpuset_empty(&rest)) {
			r = plan_warn(
				p,
				"CPUs %s are in neither --housekeeping nor --isolate: housekeeping",
				list_str(&rest, buf, sizeof(buf)));
			if (r < 0)
				return r;
			mark(p, &rest, PLAN_REASON_NOT_ISOLATED, true);
		}
	} else if (o->housekeeping) {
		mark(p, hk, PLAN_REASON_USER_HK, true);
		cpuset_andnot(iso, avail, hk);
		mark(p, iso, PLAN_REASON_NOT_HK, false);
	} else {
		mark(p, iso, PLAN_REASON_USER_ISO, false);
		cpuset_andnot(hk, avail, iso);
		mark(p, hk, PLAN_REASON_NOT_ISOLATED, true);
	}
	return 0;
}

/* Refuse a split that leaves no housekeeping, isolates the boot CPU or strands a node. */
static int user_check_split(struct plan *p, const struct topology *t, const struct plan_options *o,
			    const cpuset_t *avail, char **ret_err)
{
	char buf[256];

	if (cpuset_empty(&p->housekeeping))
		return fail(
			ret_err, -EDOM,
			o->housekeeping ?
				"refusing an empty housekeeping set" :
				"refusing to isolate every online CPU: housekeeping would be empty");
	if (cpuset_test(&p->isolated, (unsigned int)t->boot_cpu))
		return fail(ret_err, -EDOM,
			    "refusing to isolate the boot CPU %d: timekeeping stays on it",
			    t->boot_cpu);
	if (cpuset_empty(&p->isolated))
		return fail(ret_err, -EDOM,
			    "nothing to isolate: --housekeeping names every online CPU");

	for (size_t i = 0; i <= t->nodes.n; i++) {
		const cpuset_t *n = i < t->nodes.n ? &t->nodes.v[i].cpus : &t->no_node;
		cpuset_t a;

		cpuset_and(&a, n, avail);
		if (cpuset_empty(&a) || cpuset_intersects(&a, &p->housekeeping))
			continue;
		if (i < t->nodes.n)
			return fail(
				ret_err, -EDOM,
				"refusing to leave NUMA node %d (CPUs %s) without a housekeeping CPU",
				t->nodes.v[i].id, list_str(&a, buf, sizeof(buf)));
		return fail(
			ret_err, -EDOM,
			"refusing to leave the CPUs in no NUMA node (%s) without a housekeeping CPU",
			list_str(&a, buf, sizeof(buf)));
	}
	return 0;
}

/* split SMT siblings: warn, once, listing the cores */
static int user_warn_smt_split(struct plan *p, const struct topology *t)
{
	cpuset_t split;
	char buf[256];

	cpuset_zero(&split);
	for (size_t i = 0; i < t->cores.n; i++) {
		const cpuset_t *c = &t->cores.v[i].cpus;

		if (cpuset_intersects(c, &p->housekeeping) && cpuset_intersects(c, &p->isolated))
			cpuset_or(&split, &split, c);
	}
	if (cpuset_empty(&split))
		return 0;
	return plan_warn(
		p,
		"SMT siblings split between housekeeping and isolated CPUs in the cores of %s: isolated CPUs share execution units with housekeeping work",
		list_str(&split, buf, sizeof(buf)));
}

static int split_user(struct plan *p, const struct topology *t, const struct plan_options *o,
		      const cpuset_t *avail, char **ret_err)
{
	cpuset_t hk, iso;
	int r;

	r = user_parse_lists(p, t, o, avail, &hk, &iso, ret_err);
	if (r < 0)
		return r;
	r = user_mark(p, o, avail, &hk, &iso);
	if (r < 0)
		return r;
	r = user_check_split(p, t, o, avail, ret_err);
	if (r < 0)
		return r;
	r = user_warn_smt_split(p, t);
	return r < 0 ? r : 0;
}

static int emit(struct plan *p, const char *name, const char *value)
{
	return kparams_append(&p->params, name, value);
}

/* --extra: "NAME[=VALUE] ..." validated; returns 0 or -errno with *ret_err. */
static int add_extra(struct plan *p, const char *extra, const char *hk_list, char **ret_err)
{
	struct kparams ex = { 0 };
	const char *s;
	int r = 0;

	for (s = extra; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 && c != ' ' && c != '\t')
			return fail(ret_err, -EINVAL,
				    "--extra: control character 0x%02x not allowed", c);
		if (c == 0x7f || strchr("\"'`$;\\", c))
			return fail(ret_err, -EINVAL, "--extra: character '%c' not allowed",
				    c == 0x7f ? '?' : c);
	}
	r = kparams_parse(extra, &ex);
	if (r < 0)
		return fail(ret_err, r, "--extra: cannot parse '%s'", extra);
	for (size_t i = 0; i < ex.n; i++) {
		const struct kparam *e = &ex.v[i];
		const struct kparam *have;
		bool cpulist = false;

		for (const char *q = e->name; *q; q++) {
			if (!isalnum((unsigned char)*q) && !strchr("_.-", *q)) {
				r = fail(ret_err, -EINVAL, "--extra: '%s' is not a parameter name",
					 e->name);
				goto out;
			}
		}
		if (!e->name[0] || e->name[0] == '-') {
			r = fail(ret_err, -EINVAL, "--extra: '%s' is not a parameter name",
				 e->name);
			goto out;
		}
		for (size_t j = 0; j < i; j++) {
			if (kparam_name_eq(ex.v[j].name, e->name)) {
				r = fail(ret_err, -EINVAL, "--extra: %s given twice", e->name);
				goto out;
			}
		}
		for (size_t j = 0; cpulist_params[j]; j++)
			if (kparam_name_eq(cpulist_params[j], e->name))
				cpulist = true;
		have = kparams_find(&p->params, e->name);
		if (have && ((!have->value && !e->value) ||
			     (have->value && e->value && strcmp(have->value, e->value) == 0))) {
			r = plan_warn(p, "--extra: %s is already in the plan, ignoring", e->name);
			if (r < 0)
				goto out;
			continue;
		}
		if (kparam_name_eq(e->name, "nosmt")) {
			r = fail(ret_err, -EINVAL,
				 "--extra: nosmt changes the plan; use --nosmt instead");
			goto out;
		}
		if (cpulist) {
			(void)hk_list;
			r = fail(
				ret_err, -EINVAL,
				"--extra: %s= is derived from the plan; use --isolate or --housekeeping instead",
				e->name);
			goto out;
		}
		if (have) {
			r = fail(ret_err, -EINVAL,
				 "--extra: %s%s%s contradicts %s%s%s of the %s profile", e->name,
				 e->value ? "=" : "", e->value ? e->value : "", have->name,
				 have->value ? "=" : "", have->value ? have->value : "",
				 plan_profile_str(p->profile));
			goto out;
		}
		r = emit(p, e->name, e->value);
		if (r < 0)
			goto out;
	}
out:
	kparams_free(&ex);
	return r;
}

/* isolcpus=, with managed_irq where the kernel knows it; a warning if it has no isolation. */
static int params_emit_isolcpus(struct plan *p, const char *iso)
{
	const struct plan_kernel *k = &p->kernel;
	/* managed_irq exists from 5.6; older kernels skip the unknown flag */
	bool managed = !k->release[0] || (k->major == 0 && k->minor == 0) ||
		       kernel_at_least(k, 5, 6);
	char *v;
	int r;

	if (k->cpu_isolation == 0)
		return plan_warn(p, "CONFIG_CPU_ISOLATION is not set in %s: leaving out isolcpus=",
				 k->config);
	if (!managed) {
		r = plan_warn(
			p,
			"Linux %u.%u has no isolcpus managed_irq flag (5.6 and later): managed IRQs may run on isolated CPUs",
			k->major, k->minor);
		if (r < 0)
			return r;
	}
	if (asprintf(&v, "%s%s", managed ? "domain,managed_irq," : "domain,", iso) < 0)
		return -ENOMEM;
	r = emit(p, "isolcpus", v);
	free(v);
	return r;
}

/* The parameters of every profile; *nocbs says whether rcu_nocbs= went in. */
static int params_emit_base(struct plan *p, const struct plan_options *o, const char *iso,
			    const char *hk, bool *nocbs)
{
	const struct plan_kernel *k = &p->kernel;
	int r;

	r = params_emit_isolcpus(p, iso);
	if (r < 0)
		return r;
	if (k->no_hz_full == 0)
		r = plan_warn(
			p, "CONFIG_NO_HZ_FULL is not set in %s: leaving out nohz_full=", k->config);
	else
		r = emit(p, "nohz_full", iso);
	if (r < 0)
		return r;
	if (k->rcu_nocb_cpu == 0) {
		r = plan_warn(p, "CONFIG_RCU_NOCB_CPU is not set in %s: leaving out rcu_nocbs=",
			      k->config);
	} else {
		r = emit(p, "rcu_nocbs", iso);
		*nocbs = true;
	}
	if (r < 0)
		return r;
	r = emit(p, "irqaffinity", hk);
	if (r >= 0 && o->nosmt)
		r = emit(p, "nosmt", NULL);
	return r;
}

/* The benchmark profile: quiet watchdogs and ticks, housekeeping for the rest. */
static int params_emit_bench(struct plan *p, const char *hk)
{
	int r;

	r = emit(p, "nosoftlockup", NULL);
	if (r >= 0)
		r = emit(p, "nmi_watchdog", "0");
	if (r >= 0)
		r = emit(p, "skew_tick", "1");
	if (r >= 0)
		r = emit(p, "rcupdate.rcu_normal_after_boot", "1");
	if (r >= 0)
		r = emit(p, "systemd.cpu_affinity", hk);
	if (r >= 0 && kernel_at_least(&p->kernel, 6, 6))
		r = emit(p, "workqueue.unbound_cpus", hk);
	if (r >= 0)
		r = emit(p, "rd.earlypin.governor", "performance");
	if (r >= 0)
		r = emit(p, "rd.earlypin.turbo", "off");
	return r;
}

/* The latency profile: polled RCU callbacks, no deep idle states on x86, no THP. */
static int params_emit_latency(struct plan *p, bool nocbs)
{
	int r = 0;

	if (nocbs)
		r = emit(p, "rcu_nocb_poll", NULL);
	if (r < 0)
		return r;
	if (p->kernel.x86 == 1) {
		r = emit(p, "processor.max_cstate", "1");
		if (r >= 0)
			r = emit(p, "intel_idle.max_cstate", "0");
		if (r >= 0)
			r = emit(p, "idle", "poll");
		if (r >= 0)
			r = emit(p, "tsc", "reliable");
	} else if (p->kernel.x86 < 0) {
		r = plan_warn(
			p,
			"cannot tell whether the machine is x86 (no kernel config, no vendor_id in /proc/cpuinfo): leaving out processor.max_cstate=, intel_idle.max_cstate=, idle=, tsc=");
	}
	if (r >= 0)
		r = emit(p, "transparent_hugepage", "never");
	return r;
}

static int build_params(struct plan *p, const struct plan_options *o, char **ret_err)
{
	char *iso = NULL, *hk = NULL;
	bool nocbs = false;
	int r = -ENOMEM;

	iso = cpuset_to_list(&p->isolated);
	hk = cpuset_to_list(&p->housekeeping);
	if (!iso || !hk)
		goto out;

	r = params_emit_base(p, o, iso, hk, &nocbs);
	if (r < 0)
		goto out;
	if (o->profile >= PLAN_PROFILE_BENCHMARK) {
		r = params_emit_bench(p, hk);
		if (r < 0)
			goto out;
	}
	if (o->profile >= PLAN_PROFILE_LATENCY) {
		r = params_emit_latency(p, nocbs);
		if (r < 0)
			goto out;
	}
	if (o->extra) {
		r = add_extra(p, o->extra, hk, ret_err);
		if (r < 0)
			goto out_keep;
	}
	r = 0;
out:
	if (r < 0 && r != -ENOMEM)
		r = fail(ret_err, r, "cannot build the parameter list: %s", strerror(-r));
out_keep:
	free(iso);
	free(hk);
	return r;
}

/* --nosmt: every CPU but one per core goes offline; keep the boot CPU where it is one. */
static int smt_mark_off(struct plan *p, const struct topology *topo, cpuset_t *avail)
{
	for (size_t i = 0; i < topo->cores.n; i++) {
		const cpuset_t *c = &topo->cores.v[i].cpus;
		int keep = cpuset_test(c, (unsigned int)topo->boot_cpu) ? topo->boot_cpu :
									  cpuset_first(c);

		cpuset_foreach(cpu, c) {
			if (cpu == keep)
				continue;
			cpuset_set(&p->smt_off, (unsigned int)cpu);
			p->reason[cpu] = PLAN_REASON_SMT_OFF;
		}
	}
	cpuset_andnot(avail, avail, &p->smt_off);
	if (cpuset_empty(&p->smt_off))
		return plan_warn(
			p, "--nosmt: no core has more than one CPU online, nosmt changes nothing");
	return 0;
}

int plan_build(struct path_cxt *pc, const struct topology *topo, const struct plan_options *opts,
	       struct plan **ret, char **ret_err)
{
	struct plan *p;
	cpuset_t avail;
	int r;

	if (opts->hk_per_node < 1)
		return fail(ret_err, -EINVAL, "--housekeeping-per-node must be at least 1");
	if ((unsigned int)opts->profile > PLAN_PROFILE_LATENCY)
		return fail(ret_err, -EINVAL, "unknown profile");
	if (topo->boot_cpu < 0 || (unsigned int)topo->boot_cpu >= topo->nr_cpus)
		return fail(ret_err, -EINVAL, "no online CPU");

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->profile = opts->profile;
	p->topo = topo;
	p->online = topo->online;
	p->reason = calloc(topo->nr_cpus, 1);
	if (!p->reason) {
		r = -ENOMEM;
		goto fail;
	}
	cpuset_foreach(cpu, &topo->offline)
		if ((unsigned int)cpu < topo->nr_cpus)
			p->reason[cpu] = PLAN_REASON_OFFLINE;

	for (size_t i = 0; i < topo->nr_notes; i++) {
		r = plan_warn(p, "%s", topo->notes[i]);
		if (r < 0)
			goto fail;
	}

	avail = topo->online;
	if (opts->nosmt) {
		r = smt_mark_off(p, topo, &avail);
		if (r < 0)
			goto fail;
	}

	r = kernel_probe(pc, opts, p, ret_err);
	if (r < 0)
		goto fail;

	if (opts->housekeeping || opts->isolate)
		r = split_user(p, topo, opts, &avail, ret_err);
	else
		r = split_default(p, topo, opts, &avail, ret_err);
	if (r < 0)
		goto fail;

	r = build_params(p, opts, ret_err);
	if (r < 0)
		goto fail;
	p->cmdline = kparams_format(&p->params);
	if (!p->cmdline) {
		r = -ENOMEM;
		goto fail;
	}
	if (strlen(p->cmdline) + 1 > PLAN_CMDLINE_MAX) {
		r = fail(
			ret_err, -E2BIG,
			"the parameter line would be %zu bytes; the kernel command line holds at most %d including its NUL",
			strlen(p->cmdline), PLAN_CMDLINE_MAX);
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	plan_free(p);
	if (r == -ENOMEM && ret_err && !*ret_err)
		fail(ret_err, -ENOMEM, "out of memory");
	return r;
}
