// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin's changes: scan what reaches the isolated CPUs into a list of
 * changes (each with what is there now and what it becomes), then carry them
 * out. Listing first lets --save record every original before anything
 * changes, and --dry-run print the list.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "early-pin.h"
#include "pathnames.h"
#include "irq.h"
#include "taskstat.h"
#include "tasklist.h"

void ep_changes_free(struct ep_changes *changes)
{
	if (!changes)
		return;
	for (size_t i = 0; i < changes->n; i++) {
		free(changes->v[i].name);
		free(changes->v[i].path);
		free(changes->v[i].old);
		free(changes->v[i].new);
		free(changes->v[i].wide);
	}
	free(changes->v);
	memset(changes, 0, sizeof(*changes));
}

void ep_stats_free(struct ep_stats *st)
{
	free(st->immovable);
	st->immovable = NULL;
	st->nimmovable = st->capimmovable = 0;
}

/* Takes ownership of the strings of ch (freed on failure too). */
int ep_changes_add(struct ep_changes *changes, const struct ep_change *ch)
{
	bool file = ch->kind == SF_WQ || ch->kind == SF_CPUFREQ || ch->kind == SF_TURBO;

	if (!ch->old || !ch->new || (file && (!ch->path || !ch->name)))
		goto oom;
	if (changes->n == changes->cap) {
		size_t cap = changes->cap ? changes->cap * 2 : 256;
		struct ep_change *v = realloc(changes->v, cap * sizeof(*v));

		if (!v)
			goto oom;
		changes->v = v;
		changes->cap = cap;
	}
	changes->v[changes->n++] = *ch;
	return 0;
oom:
	free(ch->name);
	free(ch->path);
	free(ch->old);
	free(ch->new);
	free(ch->wide);
	return -ENOMEM;
}

/* The narrowing rule: what is allowed now and housekeeping, else all housekeeping. */
static void narrow(const struct earlypin *ep, const cpuset_t *cur, cpuset_t *ret)
{
	cpuset_and(ret, cur, &ep->hk);
	if (cpuset_empty(ret))
		*ret = ep->hk;
}

static void names_add(char *buf, size_t len, const char *name)
{
	size_t n = strlen(buf);

	if (n + strlen(name) + 8 >= len) {
		if (n + 4 < len && (n < 3 || strcmp(buf + n - 3, "...")))
			strcat(buf, n ? " ..." : "...");
		return;
	}
	if (n)
		strcat(buf, " ");
	strcat(buf, name);
}

/* ---- IRQs ------------------------------------------------------------------ */

/* Plan narrowing the default IRQ affinity off the isolated CPUs. */
static int irq_default_plan(struct earlypin *ep, struct ep_changes *changes)
{
	cpuset_t cur, target;
	char raw[CPUSET_MAX / 4 + CPUSET_MAX / 32 + 16];
	ssize_t len;
	int r;

	len = path_read_buf_beneath(&ep->pc, raw, sizeof(raw), PATH_PROC_IRQ_DEFAULT_AFFINITY);
	r = len < 0 ? (int)len : len == 0 ? -ENODATA : cpuset_parse_mask(raw, &cur);
	if (r == 0 && cpuset_intersects(&cur, &ep->isolated)) {
		struct ep_change ch = { .kind = SF_IRQ_DEFAULT };

		narrow(ep, &cur, &target);
		ch.old = strdup(raw);
		ch.new = cpuset_to_mask(&target, ep->nbits);
		if (ep_changes_add(changes, &ch) < 0)
			return -ENOMEM;
	} else if (r < 0 && r != -ENOENT) {
		ep_log(ep, LOG_WARNING, "cannot read %s: %s, ignoring", path_last(&ep->pc),
		       path_strerror(r));
	}
	return 0;
}

/*
 * Where an IRQ now on cur should go: the housekeeping CPUs, kept within
 * cur's node when cur lies in one node and that node has any.
 */
static void irq_target_pick(const struct earlypin *ep, const cpuset_t *cur, cpuset_t *target)
{
	const cpuset_t *node = NULL;

	/* Locality: an IRQ kept within one node stays within it if it can. */
	for (unsigned int n = 0; n < ep->nnodes; n++) {
		if (cpuset_subset(cur, &ep->nodes[n])) {
			node = &ep->nodes[n];
			break;
		}
	}
	if (node) {
		cpuset_and(target, node, &ep->hk);
		if (cpuset_empty(target))
			*target = ep->hk;
	} else {
		*target = ep->hk;
	}
}

int ep_changes_irqs(struct earlypin *ep, struct ep_changes *changes)
{
	unsigned int *irqs = NULL;
	size_t nirqs = 0;
	cpuset_t cur, target;
	int r;

	r = irq_default_plan(ep, changes);
	if (r < 0)
		return r;

	r = irq_list(&ep->pc, &irqs, &nirqs);
	if (r < 0) {
		if (r != -ENOENT)
			ep_log(ep, LOG_WARNING, "cannot list IRQs: %s: %s, ignoring",
			       path_last(&ep->pc), strerror(-r));
		return 0;
	}
	for (size_t i = 0; i < nirqs; i++) {
		struct ep_change ch = { .kind = SF_IRQ, .irq = irqs[i] };

		r = ep_read_irq_affinity(ep, irqs[i], &cur);
		if (r == -ENOENT) {
			ep->st.irq_gone++; /* freed meanwhile */
			continue;
		}
		if (r < 0) {
			ep_log(ep, LOG_WARNING, "cannot read affinity of IRQ %u: %s: %s, ignoring",
			       irqs[i], path_last(&ep->pc), path_strerror(r));
			ep->st.irq_failed++;
			continue;
		}
		if (!cpuset_intersects(&cur, &ep->isolated)) {
			ep->st.irq_unchanged++;
			continue;
		}
		irq_target_pick(ep, &cur, &target);
		if (cpuset_equal(&target, &cur)) {
			ep->st.irq_unchanged++;
			continue;
		}
		ch.old = cpuset_to_list(&cur);
		ch.new = cpuset_to_list(&target);
		if (!cpuset_equal(&target, &ep->hk)) {
			ch.wide = cpuset_to_list(&ep->hk);
			if (!ch.wide)
				ch.old = (free(ch.old), NULL);
		}
		if (ep_changes_add(changes, &ch) < 0) {
			free(irqs);
			return -ENOMEM;
		}
	}
	free(irqs);
	return 0;
}

/* ---- tasks ----------------------------------------------------------------- */

struct task_scan {
	struct earlypin *ep;
	struct ep_changes *changes;
	/* /proc/<pid>/stat of the process whose threads are being scanned */
	pid_t pid;
	int err;
	struct taskstat st;
	/* --partition: whether the kernel re-affines this process's tasks */
	pid_t kp_pid;
	bool kp;
	cpuset_t kp_cpus; /* its cgroup's cpuset.cpus.effective */
};

/*
 * The identity of a task is (pid, tid, start time of the process): one read
 * of the leader's /proc/<pid>/task/<pid>/stat per process, not one per
 * thread -- a process with 10,000 threads costs one read (and not
 * /proc/<pid>/stat, which sums the CPU time of all 10,000). Per-CPU kthreads are single-threaded, so the
 * process's flags are theirs; any other thread that refuses a new affinity is
 * classified when sched_setaffinity says EINVAL.
 */
static int process_stat(struct task_scan *ts, pid_t pid, const struct taskstat **ret)
{
	if (ts->pid != pid) {
		ts->pid = pid;
		ts->err = taskstat_read(&ts->ep->pc, pid, pid, &ts->st);
	}
	*ret = &ts->st;
	return ts->err;
}

/*
 * --partition: does the kernel itself move the tasks of this process off
 * the partition and back when it ends? It does for every task of a cgroup
 * whose cpuset shrinks (every cgroup but the root and the partition) when
 * the task's mask is that cpuset's whole effective set: then early-pin
 * neither moves nor records it, and 10,000 threads of a service cost a
 * read each. Not kernel threads, not the root cgroup's tasks (the kernel
 * leaves many of those alone), and a task with a mask of its own is
 * recorded (before 6.2 the kernel overwrites it and forgets).
 */
static bool kernel_places(struct task_scan *ts, pid_t pid, const cpuset_t *cur)
{
	struct earlypin *ep = ts->ep;

	if (ts->kp_pid != pid) {
		const struct taskstat *pst;
		char cg[PATH_MAX];

		ts->kp_pid = pid;
		ts->kp = process_stat(ts, pid, &pst) == 0 && !taskstat_is_kthread(pst) &&
			 taskstat_cgroup(&ep->pc, pid, cg, sizeof(cg)) == 0 &&
			 strcmp(cg, "/") != 0 &&
			 cgroup_effective_cpus(&ep->pc, &ep->cgfs, cg, &ts->kp_cpus) == 0;
	}
	return ts->kp && cpuset_equal(cur, &ts->kp_cpus);
}

static int scan_task(const struct taskid *id, void *data)
{
	struct task_scan *ts = data;
	struct earlypin *ep = ts->ep;
	struct ep_change ch = { .kind = SF_TASK, .pid = id->pid, .tid = id->tid };
	const struct taskstat *pst;
	cpuset_t cur, target;
	int r;

	r = ep->ops.task_get_affinity(&ep->ops, id->pid, id->tid, &cur);
	if (r == -ESRCH || r == -ENOENT) {
		ep->st.task_gone++;
		return 0;
	}
	if (r < 0) {
		ep_log(ep, LOG_WARNING, "cannot get affinity of task %d/%d: %s, ignoring",
		       (int)id->pid, (int)id->tid, strerror(-r));
		ep->st.task_failed++;
		return 0;
	}
	if (ep->partition && kernel_places(ts, id->pid, &cur)) {
		ep->st.task_kernel++;
		return 0;
	}
	if (!cpuset_intersects(&cur, &ep->isolated)) {
		ep->st.task_unchanged++;
		if (!ep->record_all)
			return 0;
		ch.keep = true;
	}
	if (ep->enforcing && cpuset_subset(&cur, &ep->isolated)) {
		/* Started on the isolated CPUs on purpose (the benchmark): leave it. */
		ep->st.task_placed++;
		return 0;
	}
	if (ep->need_stat || ep->verbose || ep->dry_run) {
		struct taskstat tst;

		r = process_stat(ts, id->pid, &pst);
		if (r == -ESRCH || r == -ENOENT) {
			ep->st.task_gone++;
			return 0;
		}
		if (r < 0 && ep->need_stat) {
			ep_log(ep, LOG_WARNING, "cannot read %s: %s, leaving task %d/%d alone",
			       path_last(&ep->pc), strerror(-r), (int)id->pid, (int)id->tid);
			ep->st.task_failed++;
			return 0;
		}
		if (r == 0) {
			if (id->pid == id->tid && taskstat_is_percpu(pst)) {
				if (ch.keep)
					return 0; /* the kernel leaves per-CPU kthreads alone */
				ep->st.task_percpu++;
				names_add(ep->st.percpu_names, sizeof(ep->st.percpu_names),
					  pst->comm);
				if (ep->verbose)
					printf("task %d/%d (%s): per-CPU (PF_NO_SETAFFINITY), left alone\n",
					       (int)id->pid, (int)id->tid, pst->comm);
				return 0;
			}
			ch.starttime = pst->starttime;
			if (id->pid != id->tid && (ep->verbose || ep->dry_run) &&
			    taskstat_read(&ep->pc, id->pid, id->tid, &tst) == 0)
				pst = &tst;
			snprintf(ch.comm, sizeof(ch.comm), "%.*s", (int)sizeof(ch.comm) - 1,
				 pst->comm);
		}
	}
	if (ch.keep)
		target = cur;
	else
		narrow(ep, &cur, &target);
	ch.old = cpuset_to_list(&cur);
	ch.new = cpuset_to_list(&target);
	return ep_changes_add(ts->changes, &ch);
}

int ep_changes_tasks(struct earlypin *ep, struct ep_changes *changes)
{
	struct task_scan ts = { .ep = ep, .changes = changes };
	int r = tasklist_foreach(&ep->pc, scan_task, &ts);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		ep_log(ep, LOG_WARNING, "cannot list tasks: %s: %s, ignoring", path_last(&ep->pc),
		       strerror(-r));
	return 0;
}

/* ---- workqueues ------------------------------------------------------------ */

/*
 * A file a save records: its identity (kind, name, policy) is what goes into
 * the state file, and the path comes from it, as it will on --restore.
 */
static int change_init(struct ep_change *ch, enum statefile_kind kind, const char *name,
		       unsigned int policy)
{
	struct statefile_rec id = { .kind = kind, .name = (char *)name, .policy = policy };
	char path[PATH_MAX];
	int r = statefile_rec_path(&id, path, sizeof(path));

	if (r < 0)
		return r;
	ch->kind = kind;
	ch->policy = policy;
	ch->name = strdup(name);
	ch->path = strdup(path);
	if (!ch->name || !ch->path) {
		free(ch->name);
		free(ch->path);
		return -ENOMEM;
	}
	return 0;
}

static int plan_mask_file(struct earlypin *ep, struct ep_changes *changes, const char *name,
			  const char *what)
{
	char raw[CPUSET_MAX / 4 + CPUSET_MAX / 32 + 16];
	cpuset_t cur, target;
	struct ep_change ch = { .what = what };
	ssize_t n;
	int r;

	r = change_init(&ch, SF_WQ, name, 0);
	if (r == -EINVAL) {
		ep_log(ep, LOG_WARNING,
		       "workqueue '%s': a name early-pin does not record, ignoring", name);
		return 0;
	}
	if (r < 0)
		return r;
	n = path_read_buf_beneath(&ep->pc, raw, sizeof(raw), "%s", ch.path);
	if (n == -ENOENT)
		goto skip;
	ep->st.wq_seen++;
	r = n < 0 ? (int)n : cpuset_parse_mask(raw, &cur);
	if (r < 0) {
		ep_log(ep, LOG_WARNING, "cannot read %s: %s, ignoring", path_last(&ep->pc),
		       path_strerror(r));
		ep->st.wq_failed++;
		goto skip;
	}
	if (!cpuset_intersects(&cur, &ep->isolated))
		goto skip;
	narrow(ep, &cur, &target);
	ch.old = strdup(raw);
	ch.new = cpuset_to_mask(&target, ep->nbits);
	return ep_changes_add(changes, &ch);
skip:
	free(ch.name);
	free(ch.path);
	return 0;
}

/*
 * The workqueues with a cpumask of their own (WQ_SYSFS and unbound), where
 * they really are: /sys/bus/workqueue/devices/ only holds symlinks to them,
 * and early-pin never writes through a symlink.
 */
int ep_changes_workqueues(struct earlypin *ep, struct ep_changes *changes)
{
	struct dirent *d;
	DIR *dir;
	int r;

	r = plan_mask_file(ep, changes, "", "workqueue");
	if (r < 0)
		return r;
	dir = path_opendir(&ep->pc, PATH_SYS_WORKQUEUE);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN))
			continue;
		r = plan_mask_file(ep, changes, d->d_name, "workqueue");
		if (r < 0)
			break;
	}
	closedir(dir);
	return r;
}

/* ---- frequency ------------------------------------------------------------- */

static int policy_list(struct earlypin *ep, unsigned int **ret, size_t *ret_n)
{
	unsigned int *v = NULL;
	size_t n = 0;
	struct dirent *d;
	DIR *dir = path_opendir(&ep->pc, PATH_SYS_CPUFREQ);

	*ret = NULL;
	*ret_n = 0;
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		uint32_t p;

		if (strncmp(d->d_name, "policy", 6) || !isdigit((unsigned char)d->d_name[6]) ||
		    parse_u32(d->d_name + 6, &p) < 0)
			continue;
		unsigned int *nv = realloc(v, (n + 1) * sizeof(*nv));

		if (!nv) {
			free(v);
			closedir(dir);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = p;
	}
	closedir(dir);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The cpufreq drivers worth trying for this CPU, most specific first. */
static void driver_candidates(struct earlypin *ep, const char **ret, size_t max, size_t *ret_n)
{
	char *info = NULL;
	size_t n = 0;

	path_read_str(&ep->pc, &info, PATH_PROC_CPUINFO);
	if (info && strstr(info, "GenuineIntel")) {
		/* intel_pstate is built in; it exists already unless disabled. */
		if (!path_exists(&ep->pc, PATH_SYS_INTEL_PSTATE) && n < max)
			ret[n++] = "acpi-cpufreq";
	} else if (info && (strstr(info, "AuthenticAMD") || strstr(info, "HygonGenuine"))) {
		if (n < max)
			ret[n++] = "amd-pstate";
		if (n < max)
			ret[n++] = "acpi-cpufreq";
	} else if (info && strstr(info, "vendor_id")) {
		if (n < max)
			ret[n++] = "acpi-cpufreq";
	} else if (n < max) {
		ret[n++] = "cpufreq-dt"; /* device-tree platforms */
	}
	free(info);
	*ret_n = n;
}

static int plan_file(struct earlypin *ep, struct ep_changes *changes, enum statefile_kind kind,
		     const char *name, unsigned int policy, const char *value, const char *what)
{
	struct ep_change ch = { .what = what };
	struct statefile_rec rec = { .kind = kind, .name = (char *)name, .policy = policy };
	char cur[256];
	ssize_t n;
	int r = change_init(&ch, kind, name, policy);

	if (r < 0)
		return r;
	n = path_read_buf_beneath(&ep->pc, cur, sizeof(cur), "%s", ch.path);
	if (n < 0) {
		ep_log(ep, LOG_WARNING, "cannot read %s: %s, ignoring", path_last(&ep->pc),
		       path_strerror((int)n));
		ep->st.freq_failed++;
		goto skip;
	}
	if (strcmp(cur, value) == 0)
		goto skip;
	rec.value = cur;
	if (n == 0 || !statefile_rec_valid(&rec)) {
		ep_log(ep, LOG_WARNING, "%s holds '%s', not a value early-pin can record, ignoring",
		       path_last(&ep->pc), cur);
		ep->st.freq_failed++;
		goto skip;
	}
	ch.old = strdup(cur);
	ch.new = strdup(value);
	return ep_changes_add(changes, &ch);
skip:
	free(ch.name);
	free(ch.path);
	return 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || isspace((unsigned char)p[-1])) &&
		    (!p[n] || isspace((unsigned char)p[n])))
			return true;
	return false;
}

/*
 * No cpufreq policy yet: load the platform's driver, the first candidate
 * that gives policies; *pol and *npol are read again after each load.
 * 0, or -errno from listing the policies.
 */
static int load_freq_driver(struct earlypin *ep, unsigned int **pol, size_t *npol)
{
	const char *drv[4];
	size_t ndrv;
	int r;

	driver_candidates(ep, drv, 4, &ndrv);
	for (size_t i = 0; i < ndrv && *npol == 0; i++) {
		if (ep->dry_run) {
			printf("would load cpufreq driver %s\n", drv[i]);
			break;
		}
		r = ep->ops.module_load(&ep->ops, drv[i]);
		if (r < 0) {
			ep_log(ep, LOG_WARNING, "cannot load cpufreq driver %s: %s, ignoring",
			       drv[i], strerror(-r));
			continue;
		}
		if (ep->verbose)
			printf("loaded cpufreq driver %s\n", drv[i]);
		free(*pol);
		r = policy_list(ep, pol, npol);
		if (r < 0)
			return r;
	}
	return 0;
}

int ep_changes_freq(struct earlypin *ep, struct ep_changes *changes)
{
	unsigned int *pol = NULL;
	size_t npol = 0;
	char buf[512];
	int r;

	if (!ep->governor[0] && !ep->no_turbo && !ep->freq_max)
		return 0;
	r = policy_list(ep, &pol, &npol);
	if (r < 0)
		return r;
	if (npol == 0) {
		r = load_freq_driver(ep, &pol, &npol);
		if (r < 0)
			return r;
	}
	r = 0;
	if (npol == 0 && (ep->governor[0] || ep->freq_max)) {
		ep->st.freq_nopolicy = true;
		ep_log(ep, LOG_WARNING,
		       "no cpufreq policy (no cpufreq driver), governor and frequency left alone");
	}
	for (size_t i = 0; i < npol; i++) {
		const char *base = PATH_SYS_CPUFREQ;

		if (ep->governor[0]) {
			if (path_read_buf(&ep->pc, buf, sizeof(buf),
					  "%s/policy%u/scaling_available_governors", base,
					  pol[i]) >= 0 &&
			    !word_in(buf, ep->governor)) {
				ep_log(ep, LOG_WARNING,
				       "governor %s is not available for policy%u (%s), ignoring",
				       ep->governor, pol[i], buf);
				ep->st.freq_failed++;
			} else {
				if ((r = plan_file(ep, changes, SF_CPUFREQ, "scaling_governor",
						   pol[i], ep->governor, "governor")) < 0)
					break;
			}
		}
		if (ep->freq_max) {
			uint64_t max;

			r = path_read_u64(&ep->pc, &max, "%s/policy%u/cpuinfo_max_freq", base,
					  pol[i]);
			if (r < 0) {
				ep_log(ep, LOG_WARNING, "cannot read %s: %s, ignoring",
				       path_last(&ep->pc), strerror(-r));
				ep->st.freq_failed++;
				r = 0;
				continue;
			}
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)max);
			/* max first: min may never exceed it */
			if ((r = plan_file(ep, changes, SF_CPUFREQ, "scaling_max_freq", pol[i], buf,
					   "max_freq")) < 0)
				break;
			if ((r = plan_file(ep, changes, SF_CPUFREQ, "scaling_min_freq", pol[i], buf,
					   "min_freq")) < 0)
				break;
		}
	}
	free(pol);
	if (r < 0)
		return r;
	if (ep->no_turbo) {
		if (path_exists(&ep->pc, PATH_SYS_INTEL_PSTATE "/no_turbo"))
			return plan_file(ep, changes, SF_TURBO, "intel_pstate", 0, "1", "turbo");
		if (path_exists(&ep->pc, PATH_SYS_CPUFREQ "/boost"))
			return plan_file(ep, changes, SF_TURBO, "boost", 0, "0", "turbo");
		ep_log(ep, LOG_WARNING,
		       "no turbo control (intel_pstate/no_turbo, cpufreq/boost), ignoring");
		ep->st.freq_failed++;
	}
	return 0;
}

int ep_changes_all(struct earlypin *ep, struct ep_changes *changes)
{
	int r = 0;

	if (!(ep->skip & EP_SKIP_IRQ))
		r = ep_changes_irqs(ep, changes);
	if (r == 0 && !(ep->skip & EP_SKIP_WQ))
		r = ep_changes_workqueues(ep, changes);
	if (r == 0 && !(ep->skip & EP_SKIP_TASKS))
		r = ep_changes_tasks(ep, changes);
	if (r == 0 && !(ep->skip & EP_SKIP_FREQ))
		r = ep_changes_freq(ep, changes);
	if (r < 0)
		ep_log(ep, LOG_ERR, "cannot plan: %s", strerror(-r));
	return r;
}

/* ---- applying -------------------------------------------------------------- */

/* Remember what the kernel answered: isol-verify learns it from the record (main.c). */
static void immovable_add(struct ep_stats *st, unsigned int irq, int err)
{
	if (st->nimmovable == st->capimmovable) {
		size_t cap = st->capimmovable ? st->capimmovable * 2 : 32;
		struct ep_immovable *v = realloc(st->immovable, cap * sizeof(*v));

		if (!v)
			return;
		st->immovable = v;
		st->capimmovable = cap;
	}
	st->immovable[st->nimmovable++] = (struct ep_immovable){ .irq = irq, .err = err };
}

static unsigned int apply_irq(struct earlypin *ep, struct ep_change *ch)
{
	cpuset_t set;
	int r;

	if (cpuset_parse_list(ch->new, 0, &set) < 0 || cpuset_empty(&set))
		return 1;
	r = irq_write_affinity(&ep->ops, ch->irq, &set);
	if (irq_errno_class(r) == IRQ_ERR_RETRY && ch->wide &&
	    cpuset_parse_list(ch->wide, 0, &set) == 0 && !cpuset_empty(&set)) {
		int r2 = irq_write_affinity(&ep->ops, ch->irq, &set);

		if (ep->verbose)
			printf("irq %u: %s -> %s: %s, retried with %s: %s\n", ch->irq, ch->old,
			       ch->new, strerror(-r), ch->wide, r2 ? strerror(-r2) : "ok");
		if (r2 == 0) {
			ep->st.irq_moved++;
			return 0;
		}
		r = r2;
	}
	switch (irq_errno_class(r)) {
	case IRQ_ERR_NONE:
		ep->st.irq_moved++;
		if (ep->verbose)
			printf("irq %u: %s -> %s\n", ch->irq, ch->old, ch->new);
		return 0;
	case IRQ_ERR_IMMOVABLE:
		ep->st.irq_immovable++;
		immovable_add(&ep->st, ch->irq, r);
		if (ep->verbose)
			printf("irq %u: %s: immovable (managed or per-CPU): %s\n", ch->irq, ch->old,
			       strerror(-r));
		return 0;
	case IRQ_ERR_GONE:
		ep->st.irq_gone++;
		return 0;
	case IRQ_ERR_RETRY:
	case IRQ_ERR_FAILED:
		break;
	}
	ep->st.irq_failed++;
	ep_log(ep, LOG_WARNING, "cannot move IRQ %u to %s: %s, ignoring", ch->irq, ch->new,
	       strerror(-r));
	return 1;
}

static unsigned int apply_task(struct earlypin *ep, struct ep_change *ch)
{
	struct taskstat st;
	cpuset_t set;
	int r;

	if (ch->keep)
		return 0;
	if (cpuset_parse_list(ch->new, 0, &set) < 0 || cpuset_empty(&set))
		return 1;
	r = ep->ops.task_set_affinity(&ep->ops, ch->pid, ch->tid, &set);
	if (r == 0) {
		ep->st.task_moved++;
		if (ep->verbose)
			printf("task %d/%d (%s): %s -> %s\n", (int)ch->pid, (int)ch->tid, ch->comm,
			       ch->old, ch->new);
		return 0;
	}
	if (r == -ESRCH) {
		ep->st.task_gone++;
		return 0;
	}
	if (r == -EINVAL) {
		/* Only now find out why: PF_NO_SETAFFINITY is the usual reason. */
		int e = taskstat_read(&ep->pc, ch->pid, ch->tid, &st);

		if (e == -ESRCH || e == -ENOENT) {
			ep->st.task_gone++;
			return 0;
		}
		if (e == 0 && taskstat_is_percpu(&st)) {
			ep->st.task_percpu++;
			names_add(ep->st.percpu_names, sizeof(ep->st.percpu_names), st.comm);
			if (ep->verbose)
				printf("task %d/%d (%s): per-CPU (PF_NO_SETAFFINITY), left alone\n",
				       (int)ch->pid, (int)ch->tid, st.comm);
			return 0;
		}
	}
	ep->st.task_failed++;
	{
		char name[64];

		snprintf(name, sizeof(name), "%d/%d", (int)ch->pid, (int)ch->tid);
		names_add(ep->st.failed_names, sizeof(ep->st.failed_names), name);
	}
	ep_log(ep, LOG_WARNING, "cannot move task %d/%d to %s: %s, ignoring", (int)ch->pid,
	       (int)ch->tid, ch->new, strerror(-r));
	return 1;
}

static unsigned int apply_file(struct earlypin *ep, struct ep_change *ch)
{
	bool wq = ch->kind == SF_IRQ_DEFAULT || ch->kind == SF_WQ;
	const char *path = ch->kind == SF_IRQ_DEFAULT ? PATH_PROC_IRQ_DEFAULT_AFFINITY : ch->path;
	int r = ep->ops.file_write(&ep->ops, path, ch->new);

	if (r == 0) {
		if (ch->kind == SF_IRQ_DEFAULT)
			ep->st.irq_default = 1;
		else if (wq)
			ep->st.wq_moved++;
		else
			ep->st.freq_set++;
		if (ep->verbose)
			printf("%s: %s -> %s\n", path, ch->old, ch->new);
		return 0;
	}
	if (ch->kind == SF_IRQ_DEFAULT)
		ep->st.irq_default = 0;
	else if (wq)
		ep->st.wq_failed++;
	else
		ep->st.freq_failed++;
	ep_log(ep, LOG_WARNING, "cannot write '%s' to %s%s: %s, ignoring", ch->new, ep->pc.root,
	       path, path_strerror(r));
	return 1;
}

unsigned int ep_apply_kind(struct earlypin *ep, struct ep_changes *changes,
			   enum statefile_kind kind)
{
	unsigned int failed = 0;

	for (size_t i = 0; i < changes->n; i++) {
		struct ep_change *ch = &changes->v[i];

		if (ch->kind != kind || ch->applied)
			continue;
		failed += apply_file(ep, ch);
		ch->applied = true;
	}
	return failed;
}

unsigned int ep_apply(struct earlypin *ep, struct ep_changes *changes)
{
	unsigned int failed = 0;

	for (size_t i = 0; i < changes->n; i++) {
		struct ep_change *ch = &changes->v[i];

		if (ch->applied)
			continue;
		ch->applied = true;
		switch (ch->kind) {
		case SF_TASK:
			failed += apply_task(ep, ch);
			break;
		case SF_IRQ:
			failed += apply_irq(ep, ch);
			break;
		case SF_IRQ_DEFAULT:
		case SF_WQ:
		case SF_CPUFREQ:
		case SF_TURBO:
			failed += apply_file(ep, ch);
			break;
		case SF_CGROUP_CPUSET:
		case SF_CGROUP_DIR:
		case SF_CGROUP_CPUS:
		case SF_CGROUP_PARTITION:
		case SF_UNIT:
			break; /* the partition's own records: partition.c */
		}
	}
	return failed;
}

void ep_changes_print(struct earlypin *ep, const struct ep_changes *changes)
{
	for (size_t i = 0; i < changes->n; i++) {
		const struct ep_change *ch = &changes->v[i];

		switch (ch->kind) {
		case SF_TASK:
			if (ch->keep)
				break;
			printf("would move task %d/%d (%s): %s -> %s\n", (int)ch->pid, (int)ch->tid,
			       ch->comm, ch->old, ch->new);
			break;
		case SF_IRQ:
			printf("would move irq %u: %s -> %s\n", ch->irq, ch->old, ch->new);
			break;
		case SF_IRQ_DEFAULT:
			printf("would write /proc/irq/default_smp_affinity: %s -> %s\n", ch->old,
			       ch->new);
			break;
		case SF_WQ:
		case SF_CPUFREQ:
		case SF_TURBO:
			printf("would write %s: %s -> %s\n", ch->path, ch->old, ch->new);
			break;
		case SF_CGROUP_CPUSET:
		case SF_CGROUP_DIR:
		case SF_CGROUP_CPUS:
		case SF_CGROUP_PARTITION:
		case SF_UNIT:
			break; /* the partition's own records: partition.c */
		}
	}
	(void)ep;
}
