// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the `cmdline` and `kernel` checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootcfg.h"
#include "pathnames.h"
#include "plan.h"
#include "verify.h"

#define LIST_BUF 512

/* Kernel release as major*1000+minor, or -1. */
static int kernel_version(struct path_cxt *pc)
{
	char buf[128];
	unsigned long maj, min;
	char *e;

	if (path_read_buf(pc, buf, sizeof(buf), PATH_PROC_SYS_KERNEL "/osrelease") <= 0)
		return -1;
	errno = 0;
	maj = strtoul(buf, &e, 10);
	if (errno || e == buf || *e != '.')
		return -1;
	min = strtoul(e + 1, &e, 10);
	if (errno)
		return -1;
	return (int)(maj * 1000 + min);
}

static void cmdline_param_details(struct check *c, const struct expectation *p)
{
	static const char *const names[] = { "isolcpus",	"nohz_full",	 "rcu_nocbs",
					     "irqaffinity",	"rcu_nocb_poll", "nohz",
					     "rd.earlypin.cpus" };
	json_object *o = check_detail_object(c, "params");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct kparam *kp = kparams_find(&p->kp, names[i]);

		if (kp)
			json_object_object_add(o, names[i],
					       kp->value ? json_object_new_string(kp->value) :
							   json_object_new_boolean(1));
	}
}

static void expect_from_bootloader(struct verify *v, struct check *c);

/* The CPU masks and the command line itself; false when there is no command line to judge. */
static bool cmdline_check_readable(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;

	if (p->online_err)
		check_problem(c, VS_UNKNOWN, "cannot read the online CPUs: %s: %s",
			      path_get(&v->pc, PATH_SYS_CPU "/online"),
			      path_read_strerror(p->online_err));
	if (p->possible_err)
		check_problem(c, VS_UNKNOWN, "cannot read the possible CPUs: %s: %s",
			      path_get(&v->pc, PATH_SYS_CPU "/possible"),
			      path_read_strerror(p->possible_err));
	if (!p->cmdline_ok) {
		check_problem(c, VS_UNKNOWN, "cannot read the kernel command line: %s: %s",
			      path_get(&v->pc, PATH_PROC_CMDLINE),
			      path_read_strerror(p->cmdline_err));
		return false;
	}
	return true;
}

/* Parameters the kernel ignores because it cannot parse them. */
static void cmdline_check_syntax(struct check *c, const struct expectation *p)
{
	if (p->has_isolcpus && !p->isolcpus_ok)
		check_problem(
			c, VS_CRITICAL,
			"isolcpus=%s is ignored by the kernel (%s): write flags as 'domain,managed_irq,' followed by a cpulist",
			kparams_get(&p->kp, "isolcpus") ?: "", strerror(-p->isolcpus_err));
	if (p->has_nohz_full && !p->nohz_full_ok)
		check_problem(
			c, VS_CRITICAL,
			"nohz_full=%s is not a valid cpulist: the kernel ignores it and keeps the tick on every CPU",
			kparams_get(&p->kp, "nohz_full") ?: "");
	if (p->has_rcu_nocbs && kparams_get(&p->kp, "rcu_nocbs") && !p->rcu_nocbs_ok)
		check_problem(
			c, VS_CRITICAL,
			"rcu_nocbs=%s is not a valid cpulist: the kernel then offloads RCU callbacks of every CPU; fix the list",
			kparams_get(&p->kp, "rcu_nocbs"));
}

/* The isolcpus= flags, or its absence next to nohz_full=. */
static void cmdline_check_isolcpus(struct check *c, const struct expectation *p)
{
	char a[LIST_BUF], b[LIST_BUF];

	if (p->isolcpus_ok) {
		if (p->iso.unknown_flags)
			check_problem(
				c, VS_WARNING,
				"isolcpus=%s has %u unknown flag(s) that the kernel skips: use only nohz, domain, managed_irq",
				kparams_get(&p->kp, "isolcpus"), p->iso.unknown_flags);
		/* a partition takes its CPUs out of load balancing at run time */
		if (!(p->iso.flags & ISOL_FLAG_DOMAIN) && !cpuset_subset(&p->iso.cpus, &p->runtime))
			check_problem(
				c, VS_WARNING,
				"isolcpus=%s has flags but no 'domain': the scheduler still balances tasks onto %s; write isolcpus=domain,%s,%s",
				kparams_get(&p->kp, "isolcpus"),
				cpulist_str(&p->iso.cpus, a, sizeof(a)),
				isolcpus_flags_str(p->iso.flags),
				cpulist_str(&p->iso.cpus, b, sizeof(b)));
		if (!(p->iso.flags & ISOL_FLAG_MANAGED_IRQ))
			check_problem(
				c, VS_WARNING,
				"isolcpus= has no 'managed_irq' flag: managed (multi-queue) device IRQs may be routed to isolated CPUs; add managed_irq");
	} else if (!p->has_isolcpus && p->nohz_full_ok &&
		   !cpuset_subset(&p->nohz_full, &p->runtime)) {
		check_problem(
			c, VS_WARNING,
			"no isolcpus=: tasks are load-balanced onto the nohz_full CPUs %s unless a cpuset keeps them away; add isolcpus=domain,managed_irq,%s",
			cpulist_str(&p->nohz_full, a, sizeof(a)),
			cpulist_str(&p->nohz_full, b, sizeof(b)));
	}
}

/* The CPUs to isolate against what isolcpus=, nohz_full= and rcu_nocbs= name. */
static void cmdline_check_lists(struct verify *v, struct check *c, const struct expectation *p)
{
	char a[LIST_BUF], b[LIST_BUF];
	int kver;

	if (!p->has_isolcpus && !p->has_nohz_full)
		check_problem(
			c, VS_CRITICAL,
			"the kernel command line isolates nothing (no isolcpus=, no nohz_full=) although CPUs %s are to be isolated: apply the plan with 'cmdline-gen --apply' and reboot",
			cpulist_str(&p->cmdline_isolated, a, sizeof(a)));
	if (!p->has_nohz_full && !(p->isolcpus_ok && (p->iso.flags & ISOL_FLAG_NOHZ)))
		check_problem(
			c, VS_WARNING,
			"no nohz_full=: the scheduler tick keeps interrupting the isolated CPUs; add nohz_full=%s",
			cpulist_str(&p->cmdline_isolated, a, sizeof(a)));

	kver = kernel_version(&v->pc);
	if (kver >= 0)
		check_detail_int(c, "kernel_version", kver);
	if (p->isolcpus_ok && p->nohz_full_ok && !cpuset_equal(&p->iso.cpus, &p->nohz_full))
		check_problem(
			c, kver >= 0 && kver < 5018 ? VS_CRITICAL : VS_WARNING,
			"isolcpus= (%s) and nohz_full= (%s) name different CPUs%s: give both the same list",
			cpulist_str(&p->iso.cpus, a, sizeof(a)),
			cpulist_str(&p->nohz_full, b, sizeof(b)),
			kver >= 0 && kver < 5018 ?
				" and this kernel (before 5.18) then ignores the later one" :
				"");

	if (p->rcu_nocbs_ok) {
		if (!cpuset_equal(&p->rcu_nocbs, &p->nohz) &&
		    !cpuset_subset(&p->cmdline_isolated, &p->rcu_nocbs))
			check_problem(
				c, VS_WARNING,
				"rcu_nocbs=%s does not cover the isolated CPUs %s: their RCU callbacks run locally; give rcu_nocbs= the isolated list",
				cpulist_str(&p->rcu_nocbs, a, sizeof(a)),
				cpulist_str(&p->cmdline_isolated, b, sizeof(b)));
	} else if (!p->has_rcu_nocbs && cpuset_empty(&p->nohz)) {
		check_problem(
			c, VS_WARNING,
			"neither rcu_nocbs= nor nohz_full=: RCU callbacks run on the isolated CPUs; add rcu_nocbs=%s",
			cpulist_str(&p->cmdline_isolated, a, sizeof(a)));
	}
}

/* irqaffinity=: present, valid, and the housekeeping set. */
static void cmdline_check_irqaffinity(struct check *c, const struct expectation *p)
{
	char a[LIST_BUF], b[LIST_BUF];
	cpuset_t t;

	if (!p->has_irqaffinity) {
		check_problem(
			c, VS_WARNING,
			"no irqaffinity=: IRQs set up before early-pin runs start on every CPU; add irqaffinity=%s",
			cpulist_str(&p->cmdline_housekeeping, a, sizeof(a)));
	} else if (!p->irqaffinity_ok) {
		check_problem(
			c, VS_WARNING,
			"irqaffinity=%s is not a valid cpulist and is ignored; write irqaffinity=%s",
			kparams_get(&p->kp, "irqaffinity") ?: "",
			cpulist_str(&p->cmdline_housekeeping, a, sizeof(a)));
	} else if (cpuset_intersects(&p->irqaffinity, &p->cmdline_isolated)) {
		cpuset_and(&t, &p->irqaffinity, &p->cmdline_isolated);
		check_problem(
			c, VS_CRITICAL,
			"irqaffinity= includes isolated CPUs %s: new IRQs are routed to them; write irqaffinity=%s",
			cpulist_str(&t, a, sizeof(a)),
			cpulist_str(&p->cmdline_housekeeping, b, sizeof(b)));
	} else if (!cpuset_equal(&p->irqaffinity, &p->cmdline_housekeeping)) {
		check_problem(
			c, VS_WARNING,
			"irqaffinity=%s is not the housekeeping set %s (the complement of the isolated CPUs)",
			cpulist_str(&p->irqaffinity, a, sizeof(a)),
			cpulist_str(&p->cmdline_housekeeping, b, sizeof(b)));
	}
}

/* The isolated CPUs against the boot CPU and the possible and online ones. */
static void cmdline_check_cpus(struct check *c, const struct expectation *p)
{
	char a[LIST_BUF];
	cpuset_t t;

	if (cpuset_test(&p->cmdline_isolated, p->boot_cpu))
		check_problem(
			c, VS_CRITICAL,
			"the boot CPU %u is isolated: it keeps timekeeping duties (the kernel may clear it from nohz_full); keep CPU %u in housekeeping",
			p->boot_cpu, p->boot_cpu);
	if (!cpuset_empty(&p->possible) && !cpuset_subset(&p->cmdline_isolated, &p->possible)) {
		cpuset_andnot(&t, &p->cmdline_isolated, &p->possible);
		check_problem(c, VS_WARNING, "the command line isolates CPUs that do not exist: %s",
			      cpulist_str(&t, a, sizeof(a)));
	}
	cpuset_andnot(&t, &p->cmdline_isolated, &p->online);
	if (p->online_ok && !cpuset_empty(&t) && cpuset_subset(&t, &p->possible))
		check_problem(c, VS_WARNING, "isolated CPUs %s are offline",
			      cpulist_str(&t, a, sizeof(a)));
	if (cpuset_empty(&p->cmdline_housekeeping))
		check_problem(c, VS_CRITICAL,
			      "no housekeeping CPU is left online: every online CPU is isolated");
}

/*
 * The command line isolates nothing: fine when cgroup partitions isolate CPUs
 * at run time (the partition check judges them), not to be judged when they
 * could not be read (the partition check says why), critical otherwise.
 */
static void cmdline_nothing_isolated(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF], n[LIST_BUF], by[LIST_BUF + 16];

	if (!cpuset_empty(&p->runtime)) {
		if (*expectation_partitions_str(p, &p->runtime, n, sizeof(n)))
			snprintf(by, sizeof(by), "partition %s", n);
		else
			snprintf(by, sizeof(by), "a partition below the top level");
		check_ok(
			c,
			"the kernel command line isolates no CPU: CPUs %s are isolated at run time only, by %s (see the partition check)",
			cpulist_str(&p->runtime, a, sizeof(a)), by);
		return;
	}
	if (p->runtime_err) {
		check_skip(
			c,
			"the kernel command line isolates no CPU, and whether a cgroup partition does is unknown (see the partition check)");
		return;
	}
	check_problem(
		c, VS_CRITICAL,
		"no CPU is isolated: the kernel command line has no usable isolcpus= or nohz_full=; plan and apply it with 'cmdline-gen --apply', then reboot (or isolate at run time with 'early-pin --partition')");
}

void check_cmdline(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF], b[LIST_BUF];

	if (!cmdline_check_readable(v, c))
		return;
	cmdline_param_details(c, p);
	check_detail_cpuset(c, "isolated", &p->cmdline_isolated);
	check_detail_cpuset(c, "housekeeping", &p->cmdline_housekeeping);
	check_detail_cpuset(c, "domain", &p->domain);
	check_detail_cpuset(c, "nohz_full", &p->nohz);
	check_detail_cpuset(c, "online", &p->online);

	cmdline_check_syntax(c, p);
	if (!expectation_cmdline_any(p)) {
		cmdline_nothing_isolated(v, c);
		return;
	}
	cmdline_check_isolcpus(c, p);
	cmdline_check_lists(v, c, p);
	cmdline_check_irqaffinity(c, p);
	cmdline_check_cpus(c, p);

	if (v->opt.expect_from_bootloader)
		expect_from_bootloader(v, c);

	check_ok(
		c,
		"isolated %s, housekeeping %s: isolcpus=, nohz_full=, rcu_nocbs= and irqaffinity= agree",
		cpulist_str(&p->cmdline_isolated, a, sizeof(a)),
		cpulist_str(&p->cmdline_housekeeping, b, sizeof(b)));
}

/*
 * --expect-from-bootloader: the isolation parameters of the running kernel
 * must be what the bootloader will boot next (lib/bootcfg, shared with
 * cmdline-gen: the default entry of the generated GRUB config or the newest
 * BLS entry; the source configuration when nothing was generated yet).
 * Compared as sets for cpulists, each managed parameter once.
 */
static void expect_from_bootloader(struct verify *v, struct check *c)
{
	const char *const *managed = plan_managed_params();
	struct kparams boot = { 0 }, wanted = { 0 };
	struct bootcfg_error err = { "" };
	char *line = NULL, *where = NULL, *diff = NULL;
	struct bootcfg bc;
	const char *what = "next boot";
	int r;

	r = bootcfg_init(&bc, path_is_real_root(&v->pc) ? NULL : v->pc.root);
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "--expect-from-bootloader: cannot open the root: %s",
			      strerror(-r));
		return;
	}
	r = bootcfg_detect(&bc, BOOTCFG_NONE, &err);
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "--expect-from-bootloader: %s", err.msg);
		goto out;
	}
	r = bootcfg_next_boot(&bc, &line, &where);
	if (r == -ENOENT) {
		what = "configured";
		err.msg[0] = '\0';
		r = bootcfg_source_cmdline(&bc, &line, &where, &err);
	}
	if (r < 0) {
		check_problem(
			c, VS_UNKNOWN,
			"--expect-from-bootloader: cannot tell what the %s bootloader boots: %s",
			bootcfg_backend_name(bc.backend), err.msg[0] ? err.msg : strerror(-r));
		goto out;
	}
	r = kparams_parse(line, &boot);
	for (size_t i = 0; r == 0 && managed[i]; i++) {
		const struct kparam *kp = kparams_find(&v->expect.kp, managed[i]);

		if (kp)
			r = kparams_append(&wanted, kp->name, kp->value);
	}
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "--expect-from-bootloader: %s", strerror(-r));
		goto out;
	}
	check_detail_str(c, "bootloader", bootcfg_backend_name(bc.backend));
	check_detail_str(c, "bootloader_file", where);
	check_detail_str(c, "bootloader_cmdline", line);
	if (!bootcfg_params_match(&boot, &wanted, managed, &diff))
		check_problem(
			c, VS_WARNING,
			"the bootloader's %s command line (%s) differs from the running kernel's: %s; the configuration drifted: reboot, or re-run 'cmdline-gen --apply'",
			what, where, diff ? diff : "?");
out:
	free(diff);
	free(line);
	free(where);
	kparams_free(&boot);
	kparams_free(&wanted);
	bootcfg_free(&bc);
}

/* --- kernel ---------------------------------------------------------------- */

struct kmsg_pattern {
	const char *needle;
	enum vstatus status;
	const char *advice;
};

static const struct kmsg_pattern kmsg_patterns[] = {
	{ "Housekeeping:", VS_CRITICAL, "the kernel rejected part of the isolation parameters" },
	{ "isolcpus: Error", VS_CRITICAL, "the kernel ignored isolcpus=" },
	{ "isolcpus:", VS_WARNING, "the kernel complained about isolcpus=" },
	{ "rcu_nocbs= bad CPU range", VS_CRITICAL, "RCU callbacks of every CPU are offloaded" },
	{ "Clearing 0 from nohz_full", VS_WARNING, "the boot CPU was removed from nohz_full" },
	{ "contains nonexistent CPUs", VS_WARNING,
	  "an isolation parameter names CPUs that do not exist" },
	{ "nohz_full option ignored", VS_CRITICAL, "nohz_full= was ignored" },
};

static const char *const kmsg_info[] = {
	"NO_HZ: Full dynticks CPUs:",
	"Offload RCU callbacks from CPUs:",
	"Housekeeping:",
};

static void kmsg_line(struct check *c, const char *line, json_object *info)
{
	const char *msg = strchr(line, ';');

	/* /dev/kmsg records are "prio,seq,usec,flags;message"; plain text is taken as is. */
	if (msg && strspn(line, "0123456789,-c") == (size_t)(msg - line))
		msg++;
	else
		msg = line;
	for (size_t i = 0; i < sizeof(kmsg_info) / sizeof(kmsg_info[0]); i++)
		if (strstr(msg, kmsg_info[i]) && json_object_array_length(info) < 16)
			json_object_array_add(info, json_object_new_string(msg));
	for (size_t i = 0; i < sizeof(kmsg_patterns) / sizeof(kmsg_patterns[0]); i++) {
		if (strstr(msg, kmsg_patterns[i].needle)) {
			check_problem(c, kmsg_patterns[i].status, "kernel log: \"%s\": %s", msg,
				      kmsg_patterns[i].advice);
			break;
		}
	}
}

/* Read the kernel log without blocking: /dev/kmsg gives one record per read. */
static void kmsg_scan(struct verify *v, struct check *c)
{
	json_object *info = json_object_new_array();
	char buf[8192 + 1], line[8192];
	size_t llen = 0, records = 0;
	int fd;

	fd = path_open_device(&v->pc, O_RDONLY | O_NONBLOCK, "/dev/kmsg");
	if (fd < 0) {
		char *s = NULL;

		if (asprintf(&s, "unreadable: %s: %s", path_last(&v->pc), strerror(-fd)) >= 0)
			check_detail_str(c, "kernel_log", s);
		free(s);
		json_object_put(info);
		return;
	}
	for (size_t guard = 0; guard < 1000000; guard++) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) /* record overwritten while reading: go on */
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				line[llen] = '\0';
				/* Continuation lines (" KEY=value") belong to the record before. */
				if (llen && line[0] != ' ')
					kmsg_line(c, line, info), records++;
				llen = 0;
			} else if (llen < sizeof(line) - 1) {
				line[llen++] = buf[i];
			}
		}
	}
	if (llen) {
		line[llen] = '\0';
		if (line[0] != ' ')
			kmsg_line(c, line, info), records++;
	}
	close(fd);
	check_detail_int(c, "kernel_log_records", (int64_t)records);
	json_object_object_add(c->details, "kernel_log_isolation_lines", info);
}

void check_kernel(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	char a[LIST_BUF], b[LIST_BUF];
	cpuset_t set;
	int r;

	if (!p->cmdline_ok) {
		check_problem(
			c, VS_UNKNOWN,
			"cannot read the kernel command line: nothing to compare the kernel's state with");
		return;
	}

	r = path_read_cpulist(&v->pc, p->nbits, &set, PATH_SYS_CPU "/isolated");
	if (r == -ENODATA) {
		cpuset_zero(&set);
		r = 0;
	}
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s", path_last(&v->pc),
			      path_read_strerror(r));
	} else {
		cpuset_t with_runtime;

		/*
		 * From 7.0 HK_TYPE_DOMAIN, which cpu/isolated prints, follows the
		 * isolated partitions too: their CPUs may be there as well.
		 */
		cpuset_or(&with_runtime, &p->domain, &p->runtime);
		check_detail_cpuset(c, "sysfs_isolated", &set);
		if (!cpuset_equal(&set, &p->domain) && !cpuset_equal(&set, &with_runtime))
			check_problem(
				c, VS_CRITICAL,
				"the kernel isolates %s from the scheduler (/sys/devices/system/cpu/isolated) but the command line asks for %s: the isolcpus= parameter was not honoured; check the kernel log",
				cpuset_empty(&set) ? "no CPU" : cpulist_str(&set, a, sizeof(a)),
				cpuset_empty(&p->domain) ? "none" :
							   cpulist_str(&p->domain, b, sizeof(b)));
	}

	r = path_read_cpulist(&v->pc, p->nbits, &set, PATH_SYS_CPU "/nohz_full");
	if (r == -ENODATA || (r == 0 && cpuset_empty(&set))) {
		cpuset_zero(&set);
		r = 0;
	}
	if (r == -ENOENT) {
		check_detail_str(c, "sysfs_nohz_full", NULL);
		if (!cpuset_empty(&p->nohz))
			check_problem(
				c, VS_CRITICAL,
				"%s is missing: this kernel is built without CONFIG_NO_HZ_FULL and ignores nohz_full=; boot a kernel with NO_HZ_FULL (Debian: linux-image-*-cloud or -rt)",
				path_last(&v->pc));
	} else if (r < 0) {
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s", path_last(&v->pc),
			      path_read_strerror(r));
	} else {
		check_detail_cpuset(c, "sysfs_nohz_full", &set);
		if (!cpuset_equal(&set, &p->nohz))
			check_problem(
				c, VS_CRITICAL,
				"the kernel runs %s tickless (/sys/devices/system/cpu/nohz_full) but the command line asks for %s: check the kernel log for why",
				cpuset_empty(&set) ? "no CPU" : cpulist_str(&set, a, sizeof(a)),
				cpuset_empty(&p->nohz) ? "none" :
							 cpulist_str(&p->nohz, b, sizeof(b)));
	}

	kmsg_scan(v, c);

	if (!expectation_cmdline_any(p)) {
		check_skip(
			c,
			"no CPU is isolated on the command line: nothing for the kernel to honour");
		return;
	}
	check_ok(
		c,
		"the kernel honours the plan: isolated %s, nohz_full %s, no isolation warnings in the kernel log",
		cpuset_empty(&p->domain) ? "none" : cpulist_str(&p->domain, a, sizeof(a)),
		cpuset_empty(&p->nohz) ? "none" : cpulist_str(&p->nohz, b, sizeof(b)));
}
