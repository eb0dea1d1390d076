// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the `tasks`, `rcu` and `services` checks (all three look at the
 * thread list).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "taskstat.h"
#include "pathnames.h"
#include "verify.h"

#define LIST_BUF 512
#define MAX_LISTED 64

bool verify_allowed(const struct verify *v, const char *comm)
{
	for (size_t i = 0; i < v->opt.nallow; i++)
		if (fnmatch(v->opt.allow[i], comm, 0) == 0)
			return true;
	return false;
}

/*
 * The process name of every thread: threads of a process are adjacent, the
 * leader (tid == pid) among them. One pass, so 10,000 threads of one process
 * cost 10,000 steps, not 50 million. NULL on allocation failure.
 */
/*
 * Threads whose stat or status was there but unreadable or malformed were not
 * checked: never OK over them (an exited thread is skipped, this is not one).
 */
static void tasks_unreadable_problem(struct verify *v, struct check *c)
{
	const struct tasklist_v *tl = &v->tasks;

	check_detail_int(c, "threads_unreadable", (int64_t)tl->unreadable);
	if (!tl->unreadable)
		return;
	check_detail_str(c, "unreadable_path", tl->unreadable_path);
	check_problem(c, VS_UNKNOWN, "cannot read %s: %s%s", tl->unreadable_path,
		      path_read_strerror(tl->unreadable_err),
		      tl->unreadable > 1 ? " (and other threads: see threads_unreadable)" : "");
}

static const char **leader_comms(const struct tasklist_v *tl)
{
	const char **v = calloc(tl->n ? tl->n : 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < tl->n;) {
		size_t j = i;
		const char *leader = tl->v[i].comm;

		while (j < tl->n && tl->v[j].pid == tl->v[i].pid) {
			if (tl->v[j].tid == tl->v[j].pid)
				leader = tl->v[j].comm;
			j++;
		}
		for (size_t k = i; k < j; k++)
			v[k] = leader;
		i = j;
	}
	return v;
}

/* "irq/24-eth0": a threaded handler's kthread. */
static bool is_irq_thread(const struct vtask *t)
{
	return (t->flags & PF_KTHREAD) && strncmp(t->comm, "irq/", 4) == 0;
}

static json_object *task_json(const struct vtask *t, const char *leader)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int(t->pid));
	json_object_object_add(o, "tid", json_object_new_int(t->tid));
	json_object_object_add(o, "comm", json_object_new_string(t->comm));
	if (leader && strcmp(leader, t->comm) != 0)
		json_object_object_add(o, "process", json_object_new_string(leader));
	json_object_object_add(o, "kthread", json_object_new_boolean(t->flags & PF_KTHREAD));
	json_object_object_add(o, "allowed",
			       t->allowed ? json_object_new_string(t->allowed) : NULL);
	json_object_object_add(o, "cpu", json_object_new_int(t->cpu));
	return o;
}

/* A task allowed on CPUs isolated at run time, against the partitions' cgroups. */
enum task_part {
	TP_NONE = 0, /* not allowed on a partition's CPUs: judged as before */
	TP_WORKLOAD, /* in the partition that owns every isolated CPU it may use */
	TP_OUTSIDE,  /* allowed on a partition's CPUs from outside its cgroup */
	TP_UNKNOWN,  /* its cgroup could not be read (reported) */
	TP_GONE,     /* exited before its cgroup was read */
};

/* What check_tasks counts and lists while it walks the tasks. */
struct tasks_scan {
	struct verify *v;
	struct check *c;
	const char **leaders; /* comm of each task's thread group leader */
	unsigned char *part;  /* enum task_part of each task */
	json_object *pinned, *movable, *running, *percpu, *allowed_wl, *outside;
	size_t nmovable, nkthreads, nprocs, nrunning, npercpu, nallowed;
	size_t nunknown, npinned, nirqthreads;
	size_t nworkload, noutside, ncgroup_unknown;
	int last_pid;
	/* the cgroup of the last process looked up (its threads are adjacent) */
	int cg_pid;
	int cg_ret;
	char cg[PATH_MAX];
};

/* cg ("/a.slice/b.scope", from /proc/PID/cgroup) is the cgroup name or below it. */
static bool cgroup_under(const char *cg, const char *name)
{
	size_t n = strlen(name);

	return cg[0] == '/' && strncmp(cg + 1, name, n) == 0 &&
	       (cg[n + 1] == '\0' || cg[n + 1] == '/');
}

/*
 * The cgroup-v2 path of t's process into ts->cg, read once per process:
 * 0, 1 (exited: skip it), or -errno, reported once as unknown naming the file.
 */
static int tasks_cgroup(struct tasks_scan *ts, const struct vtask *t)
{
	struct path_cxt *pc = &ts->v->pc;
	char file[PATH_MAX];
	int r;

	if (ts->cg_pid == t->pid)
		return ts->cg_ret;
	ts->cg_pid = t->pid;
	r = taskstat_cgroup(pc, t->pid, ts->cg, sizeof(ts->cg));
	snprintf(file, sizeof(file), "%s", path_last(pc));
	/* gone only when the task is: a missing file of a live task is not "gone" */
	if ((r == -ENOENT || r == -ESRCH) &&
	    !path_exists(pc, PATH_PROC "/%d/task/%d", t->pid, t->tid))
		r = 1;
	else if (r == -ESRCH)
		r = -ENOENT;
	if (r < 0) {
		ts->ncgroup_unknown++;
		if (ts->ncgroup_unknown <= 8)
			check_problem(
				ts->c, VS_UNKNOWN,
				"cannot tell whether %s %d (%s) may use a partition's CPUs: %s: %s",
				t->flags & PF_KTHREAD ? "kthread" : "process", t->pid, t->comm,
				file,
				r == -ENODATA ? "no cgroup-v2 (\"0::\") line" :
						path_read_strerror(r));
	}
	ts->cg_ret = r;
	return r;
}

/* The CPUs of the valid partitions cg is in. */
static void tasks_own_cpus(const struct expectation *p, const char *cg, cpuset_t *ret)
{
	cpuset_zero(ret);
	for (size_t i = 0; i < p->rt.nparts; i++)
		if (isolation_partition_valid(&p->rt.parts[i]) &&
		    cgroup_under(cg, p->rt.parts[i].name))
			cpuset_or(ret, ret, &p->rt.parts[i].effective);
}

/* Task i is outside the partitions whose CPUs on it may use: list and name it. */
static void tasks_note_outside(struct tasks_scan *ts, size_t i, const cpuset_t *on)
{
	const struct expectation *p = &ts->v->expect;
	const struct vtask *t = &ts->v->tasks.v[i];
	const char *leader = ts->leaders[i];
	char a[LIST_BUF], n[LIST_BUF];
	json_object *o;

	ts->noutside++;
	if (json_object_array_length(ts->outside) < MAX_LISTED) {
		o = task_json(t, leader);
		json_object_object_add(o, "cgroup", json_object_new_string(ts->cg));
		json_object_array_add(ts->outside, o);
	}
	if (ts->noutside <= 8)
		check_problem(
			ts->c, VS_CRITICAL,
			"%s %d (%s%s%s) of cgroup %s may run on CPUs %s isolated at run time by partition %s but is not in it: run early-pin, or move it into the partition if it is the workload",
			t->flags & PF_KTHREAD ? "kthread" : "process", t->tid, t->comm,
			strcmp(leader, t->comm) ? " of " : "",
			strcmp(leader, t->comm) ? leader : "", ts->cg,
			cpulist_str(on, a, sizeof(a)),
			expectation_partitions_str(p, on, n, sizeof(n)));
}

/*
 * Tasks allowed on CPUs isolated at run time. One whose isolated CPUs all
 * belong to partitions it runs in is their workload; one allowed on a
 * partition's CPUs from outside its cgroup is named (the kernel keeps the
 * tasks of the other cgroups off a valid partition, so this is a kthread of
 * the root cgroup, or a task whose cpuset is not in effect). Per-CPU kthreads
 * and --allow'ed tasks are judged as before.
 */
static void tasks_check_partitions(struct tasks_scan *ts)
{
	const struct expectation *p = &ts->v->expect;
	const struct tasklist_v *tl = &ts->v->tasks;

	if (cpuset_empty(&p->runtime))
		return;
	for (size_t i = 0; i < tl->n; i++) {
		const struct vtask *t = &tl->v[i];
		cpuset_t allowed, on, own;
		int r;

		if ((t->flags & PF_NO_SETAFFINITY) || is_irq_thread(t) || !t->affinity_ok ||
		    !t->allowed_isolated || !t->allowed)
			continue;
		if (verify_allowed(ts->v, t->comm) || verify_allowed(ts->v, ts->leaders[i]))
			continue;
		if (cpuset_parse_list(t->allowed, 0, &allowed) < 0)
			continue;
		cpuset_and(&on, &allowed, &p->runtime);
		if (cpuset_empty(&on))
			continue;
		r = tasks_cgroup(ts, t);
		if (r != 0) {
			ts->part[i] = r > 0 ? TP_GONE : TP_UNKNOWN;
			continue;
		}
		tasks_own_cpus(p, ts->cg, &own);
		cpuset_and(&allowed, &allowed, &p->isolated);
		if (cpuset_subset(&allowed, &own)) {
			ts->part[i] = TP_WORKLOAD;
			ts->nworkload++;
			continue;
		}
		cpuset_andnot(&on, &on, &own);
		if (cpuset_empty(&on))
			continue; /* its partition's CPUs are its own; the rest: as before */
		ts->part[i] = TP_OUTSIDE;
		tasks_note_outside(ts, i, &on);
	}
}

/* Tasks deliberately pinned inside the isolated set, named one by one. */
static void tasks_check_pinned(struct tasks_scan *ts)
{
	const struct expectation *p = &ts->v->expect;
	const struct tasklist_v *tl = &ts->v->tasks;
	char a[LIST_BUF];

	for (size_t i = 0; i < tl->n; i++) {
		const struct vtask *t = &tl->v[i];
		const char *leader = ts->leaders[i];
		cpuset_t set;

		if ((t->flags & PF_NO_SETAFFINITY) || is_irq_thread(t) || ts->part[i] != TP_NONE)
			continue;
		if (!t->affinity_ok || !t->allowed_isolated)
			continue;
		if (verify_allowed(ts->v, t->comm) || verify_allowed(ts->v, leader))
			continue;
		if (t->allowed_housekeeping_only)
			continue;
		/* allowed ⊆ isolated: somebody pinned it there */
		if (cpuset_parse_list(t->allowed, 0, &set) < 0 ||
		    !cpuset_subset(&set, &p->isolated))
			continue;
		ts->npinned++;
		if (json_object_array_length(ts->pinned) < MAX_LISTED)
			json_object_array_add(ts->pinned, task_json(t, leader));
		if (ts->npinned <= 8)
			check_problem(
				ts->c, VS_CRITICAL,
				"%s %d (%s%s%s) is pinned to isolated CPUs %s: if it is the workload, name it with --allow '%s'; otherwise pin it to %s",
				t->flags & PF_KTHREAD ? "kthread" : "process", t->tid, t->comm,
				strcmp(leader, t->comm) ? " of " : "",
				strcmp(leader, t->comm) ? leader : "", t->allowed, leader,
				cpulist_str(&p->housekeeping, a, sizeof(a)));
	}
}

/* A per-CPU kthread or kworker on an isolated CPU: reported, not blamed. */
static void tasks_note_percpu(struct tasks_scan *ts, const struct vtask *t)
{
	char key[16];
	json_object *arr;

	ts->npercpu++;
	snprintf(key, sizeof(key), "%d", t->cpu);
	if (!json_object_object_get_ex(ts->percpu, key, &arr)) {
		arr = json_object_new_array();
		json_object_object_add(ts->percpu, key, arr);
	}
	if (json_object_array_length(arr) < 32)
		json_object_array_add(arr, json_object_new_string(t->comm));
}

/* Sort task i into the counts and lists. */
static void tasks_count_one(struct tasks_scan *ts, size_t i)
{
	const struct expectation *p = &ts->v->expect;
	const struct vtask *t = &ts->v->tasks.v[i];
	const char *leader = ts->leaders[i];
	bool on_iso = t->cpu >= 0 && cpuset_test(&p->isolated, (unsigned int)t->cpu);

	if (t->flags & PF_NO_SETAFFINITY) {
		if (on_iso)
			tasks_note_percpu(ts, t);
		return;
	}
	if (!t->affinity_ok) {
		ts->nunknown++;
		return;
	}
	if (!t->allowed_isolated)
		return;
	if (is_irq_thread(t)) {
		/* IRQ threads follow their IRQ the next time it fires: irq-affinity judges. */
		ts->nirqthreads++;
		return;
	}
	if (verify_allowed(ts->v, t->comm) || verify_allowed(ts->v, leader)) {
		ts->nallowed++;
		if (json_object_array_length(ts->allowed_wl) < MAX_LISTED)
			json_object_array_add(ts->allowed_wl, task_json(t, leader));
		return;
	}
	/* a partition's workload, or a task whose cgroup is unknown (reported) or gone */
	if (ts->part[i] != TP_NONE && ts->part[i] != TP_OUTSIDE)
		return;
	ts->nmovable++;
	if (t->flags & PF_KTHREAD)
		ts->nkthreads++;
	if (t->pid != ts->last_pid)
		ts->nprocs++;
	ts->last_pid = t->pid;
	if (json_object_array_length(ts->movable) < MAX_LISTED)
		json_object_array_add(ts->movable, task_json(t, leader));
	if (on_iso) {
		ts->nrunning++;
		if (json_object_array_length(ts->running) < MAX_LISTED)
			json_object_array_add(ts->running, task_json(t, leader));
	}
}

/* The counts into the details. */
static void tasks_details(const struct tasks_scan *ts)
{
	const struct tasklist_v *tl = &ts->v->tasks;
	struct check *c = ts->c;

	check_detail_int(c, "threads", (int64_t)tl->threads_total);
	check_detail_int(c, "threads_vanished", (int64_t)tl->vanished);
	check_detail_int(c, "movable_threads_on_isolated", (int64_t)ts->nmovable);
	check_detail_int(c, "movable_kthreads_on_isolated", (int64_t)ts->nkthreads);
	check_detail_int(c, "processes_on_isolated", (int64_t)ts->nprocs);
	check_detail_int(c, "threads_running_on_isolated", (int64_t)ts->nrunning);
	check_detail_int(c, "pinned_to_isolated_threads", (int64_t)ts->npinned);
	check_detail_int(c, "percpu_kthreads_on_isolated_count", (int64_t)ts->npercpu);
	check_detail_int(c, "allowed_workload_threads", (int64_t)ts->nallowed);
	check_detail_int(c, "threads_affinity_unknown", (int64_t)ts->nunknown);
	check_detail_int(c, "irq_threads_allowed_on_isolated", (int64_t)ts->nirqthreads);
	if (!cpuset_empty(&ts->v->expect.runtime)) {
		check_detail_int(c, "partition_workload_threads", (int64_t)ts->nworkload);
		check_detail_int(c, "outside_partition_threads", (int64_t)ts->noutside);
		check_detail_int(c, "threads_cgroup_unknown", (int64_t)ts->ncgroup_unknown);
	}
}

/* "TID (comm), ..." of the first four listed movable tasks, kthreads and user tasks alike. */
static void tasks_examples(json_object *movable, char *ex, size_t size)
{
	size_t o = 0, shown = 0;

	ex[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(movable) && shown < 4; i++) {
		json_object *t = json_object_array_get_idx(movable, i), *x, *y;

		if (!json_object_object_get_ex(t, "tid", &x) ||
		    !json_object_object_get_ex(t, "comm", &y))
			continue;
		o += (size_t)snprintf(ex + o, size - o, "%s%d (%s)", shown ? ", " : "",
				      json_object_get_int(x), json_object_get_string(y));
		if (o >= size)
			break;
		shown++;
	}
}

/* The reasons to skip the check, or to give up on it; false when it can run. */
static bool tasks_cannot_run(struct verify *v, struct check *c)
{
	if (!expectation_any(&v->expect)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return true;
	}
	if (v->tasks_err < 0) {
		check_problem(c, VS_UNKNOWN, "cannot list the tasks in %s: %s",
			      path_get(&v->pc, PATH_PROC), strerror(-v->tasks_err));
		return true;
	}
	return false;
}

void check_tasks(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	struct tasks_scan ts = { .v = v, .c = c, .last_pid = -1 };
	char a[LIST_BUF], b[LIST_BUF];

	if (tasks_cannot_run(v, c))
		return;
	tasks_unreadable_problem(v, c);
	ts.leaders = leader_comms(&v->tasks);
	ts.part = calloc(v->tasks.n ? v->tasks.n : 1, 1);
	if (!ts.leaders || !ts.part) {
		free(ts.leaders);
		free(ts.part);
		check_problem(c, VS_UNKNOWN, "out of memory");
		return;
	}
	ts.cg_pid = -1;
	ts.pinned = check_detail_array(c, "pinned_to_isolated");
	ts.movable = check_detail_array(c, "movable_on_isolated");
	ts.running = check_detail_array(c, "running_on_isolated");
	ts.percpu = check_detail_object(c, "percpu_kthreads_on_isolated");
	ts.allowed_wl = check_detail_array(c, "allowed_workload");
	if (!cpuset_empty(&p->runtime))
		ts.outside = check_detail_array(c, "outside_partition");

	tasks_check_partitions(&ts);
	tasks_check_pinned(&ts);
	for (size_t i = 0; i < v->tasks.n; i++)
		tasks_count_one(&ts, i);
	free(ts.leaders);
	free(ts.part);
	tasks_details(&ts);

	/* the pinned ones and those outside a partition are named already */
	if (ts.nmovable > ts.npinned + ts.noutside) {
		char ex[512];

		tasks_examples(ts.movable, ex, sizeof(ex));
		check_problem(
			c, VS_CRITICAL,
			"%zu movable threads (%zu kthreads) in %zu processes may run on isolated CPUs %s, %zu running there now, e.g. %s: run early-pin (or pin them to %s); name the workload with --allow",
			ts.nmovable, ts.nkthreads, ts.nprocs,
			cpulist_str(&p->isolated, a, sizeof(a)), ts.nrunning, ex,
			cpulist_str(&p->housekeeping, b, sizeof(b)));
	}
	if (ts.nunknown)
		check_problem(c, VS_UNKNOWN, "the allowed CPUs of %zu threads could not be read",
			      ts.nunknown);
	if (!cpuset_empty(&p->runtime))
		check_ok(
			c,
			"no movable task outside its partition may run on isolated CPUs %s (%zu threads checked, %zu in their partition, %zu workload threads allowed, %zu per-CPU kthreads there)",
			cpulist_str(&p->isolated, a, sizeof(a)), v->tasks.threads_total,
			ts.nworkload, ts.nallowed, ts.npercpu);
	else
		check_ok(
			c,
			"no movable task may run on isolated CPUs %s (%zu threads checked, %zu workload threads allowed, %zu per-CPU kthreads there)",
			cpulist_str(&p->isolated, a, sizeof(a)), v->tasks.threads_total,
			ts.nallowed, ts.npercpu);
}

/* "rcuop/12" -> 12 and the kind letter; -1 if not an offload thread. */
static int rcuo_cpu(const char *comm, char *ret_kind)
{
	char *e;
	long cpu;

	if (strncmp(comm, "rcuo", 4) != 0 || !comm[4] || comm[5] != '/')
		return -1;
	cpu = strtol(comm + 6, &e, 10);
	if (e == comm + 6 || *e || cpu < 0 || cpu >= (long)CPUSET_MAX)
		return -1;
	*ret_kind = comm[4];
	return (int)cpu;
}

void check_rcu(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	const struct tasklist_v *tl = &v->tasks;
	cpuset_t offloaded, missing;
	json_object *bad;
	size_t nthreads = 0, nbad = 0;
	char a[LIST_BUF], b[LIST_BUF];

	if (!expectation_any(p)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return;
	}
	if (v->tasks_err < 0) {
		check_problem(c, VS_UNKNOWN, "cannot list the tasks in %s: %s",
			      path_get(&v->pc, PATH_PROC), strerror(-v->tasks_err));
		return;
	}
	tasks_unreadable_problem(v, c);
	cpuset_zero(&offloaded);
	bad = check_detail_array(c, "offload_threads_on_isolated");
	for (size_t i = 0; i < tl->n; i++) {
		const struct vtask *t = &tl->v[i];
		char kind;
		int cpu = rcuo_cpu(t->comm, &kind);

		if (cpu < 0 || !(t->flags & PF_KTHREAD))
			continue;
		nthreads++;
		if (kind != 'g')
			cpuset_set(&offloaded, (unsigned int)cpu);
		if (!t->affinity_ok) {
			check_problem(c, VS_UNKNOWN, "cannot read the allowed CPUs of %s (%d)",
				      t->comm, t->tid);
			continue;
		}
		if (!t->allowed_housekeeping_only) {
			nbad++;
			if (json_object_array_length(bad) < MAX_LISTED)
				json_object_array_add(bad, task_json(t, NULL));
			if (nbad <= 4)
				check_problem(
					c, VS_CRITICAL,
					"RCU offload thread %s (%d) may run on CPUs %s outside housekeeping: its callback work lands on isolated CPUs; run early-pin or pin it to %s",
					t->comm, t->tid, t->allowed ?: "?",
					cpulist_str(&p->housekeeping, a, sizeof(a)));
		}
	}
	if (nbad > 4)
		check_problem(c, VS_CRITICAL,
			      "%zu RCU offload threads in total may run outside housekeeping",
			      nbad);
	check_detail_int(c, "offload_threads", (int64_t)nthreads);
	check_detail_cpuset(c, "offloaded", &offloaded);
	check_detail_bool(c, "rcu_nocb_poll", kparams_has(&p->kp, "rcu_nocb_poll"));

	/* Only boot parameters offload: the partition check warns for run-time CPUs. */
	cpuset_andnot(&missing, &p->cmdline_isolated, &offloaded);
	cpuset_and(&missing, &missing, &p->online);
	if (!cpuset_empty(&missing)) {
		if (nthreads == 0)
			check_problem(
				c, VS_CRITICAL,
				"no RCU callback offload thread (rcuo*) exists: isolated CPUs %s run their own RCU callbacks; boot a kernel with CONFIG_RCU_NOCB_CPU and rcu_nocbs=%s",
				cpulist_str(&missing, a, sizeof(a)),
				cpulist_str(&p->cmdline_isolated, b, sizeof(b)));
		else
			check_problem(
				c, VS_CRITICAL,
				"RCU callbacks of isolated CPUs %s are not offloaded (no rcuop/N thread for them): add them to rcu_nocbs= (or nohz_full=)",
				cpulist_str(&missing, a, sizeof(a)));
	}
	if (!expectation_cmdline_any(p))
		check_ok(
			c,
			"the command line offloads no CPU's RCU callbacks (CPUs %s are isolated at run time: see the partition check); %zu rcuo* threads, all on housekeeping CPUs",
			cpulist_str(&p->runtime, a, sizeof(a)), nthreads);
	else
		check_ok(
			c,
			"RCU callbacks of isolated CPUs %s are offloaded to %zu rcuo* threads, all on housekeeping CPUs",
			cpulist_str(&p->cmdline_isolated, a, sizeof(a)), nthreads);
}

/* --- services -------------------------------------------------------------- */

static const struct vtask *find_process(const struct tasklist_v *tl, const char *comm)
{
	for (size_t i = 0; i < tl->n; i++)
		if (tl->v[i].tid == tl->v[i].pid && !(tl->v[i].flags & PF_KTHREAD) &&
		    strcmp(tl->v[i].comm, comm) == 0)
			return &tl->v[i];
	return NULL;
}

/* VAR=value from a NUL-separated environment or a shell-style config file. */
static bool find_var(const char *text, size_t len, char sep, const char *var, char *ret,
		     size_t rlen)
{
	size_t n = strlen(var);
	bool found = false;

	for (size_t i = 0; i < len;) {
		const char *s = text + i;
		const char *e = memchr(s, sep, len - i);
		size_t l = e ? (size_t)(e - s) : len - i;
		const char *q = s;

		while (q < s + l && (*q == ' ' || *q == '\t'))
			q++;
		if (sep == '\n' && (size_t)(s + l - q) > 7 && strncmp(q, "export ", 7) == 0)
			q += 7;
		if ((size_t)(s + l - q) > n && strncmp(q, var, n) == 0 && q[n] == '=') {
			const char *val = q + n + 1;
			size_t vl = (size_t)(s + l - val), o = 0;

			for (size_t k = 0; k < vl && o < rlen - 1; k++) {
				if (val[k] == '"' || val[k] == '\'')
					continue;
				if (sep == '\n' && val[k] == '#')
					break;
				ret[o++] = val[k];
			}
			ret[o] = '\0';
			found = true; /* the last assignment wins */
		}
		i += l + 1;
	}
	return found;
}

/* A whole file with its exact length (NUL bytes included), up to 1 MiB. */
static void check_irqbalance(struct verify *v, struct check *c, const struct vtask *t)
{
	static const char *const confs[] = { "/etc/default/irqbalance",
					     "/etc/sysconfig/irqbalance" };
	const struct expectation *p = &v->expect;
	char val[1024], a[LIST_BUF], b[LIST_BUF];
	const char *from = NULL;
	char *env = NULL;
	size_t envlen = 0;
	bool list = false, mask = false;
	cpuset_t banned, t1;
	int r;

	check_detail_int(c, "irqbalance_pid", t->pid);
	r = path_read_all(&v->pc, 1U << 20, &env, &envlen, PATH_PROC "/%d/environ", t->pid);
	if (r == 0) {
		size_t len = envlen;

		if ((list = find_var(env, len, '\0', "IRQBALANCE_BANNED_CPULIST", val,
				     sizeof(val))))
			from = "environment";
		else if ((mask = find_var(env, len, '\0', "IRQBALANCE_BANNED_CPUS", val,
					  sizeof(val))))
			from = "environment";
		free(env);
	}
	for (size_t i = 0; r < 0 && !from && i < 2; i++) {
		char *text = NULL;

		int rc = path_read_str(&v->pc, &text, "%s", confs[i]);

		if (check_read_failed(c, &v->pc, rc) || rc < 0)
			continue;
		if ((list = find_var(text, strlen(text), '\n', "IRQBALANCE_BANNED_CPULIST", val,
				     sizeof(val))))
			from = confs[i];
		else if ((mask = find_var(text, strlen(text), '\n', "IRQBALANCE_BANNED_CPUS", val,
					  sizeof(val))))
			from = confs[i];
		free(text);
	}

	if (list || mask) {
		r = list ? cpuset_parse_list(val, p->nbits, &banned) :
			   cpuset_parse_mask(val, &banned);
		check_detail_str(c, "irqbalance_banned", val);
		check_detail_str(c, "irqbalance_banned_from", from);
		if (r < 0) {
			check_problem(
				c, VS_CRITICAL,
				"irqbalance (pid %d) runs with %s=%s (%s), which it cannot parse: it may move IRQs onto isolated CPUs; fix it or stop irqbalance",
				t->pid,
				list ? "IRQBALANCE_BANNED_CPULIST" : "IRQBALANCE_BANNED_CPUS", val,
				from);
			return;
		}
	} else {
		/* Without a ban list irqbalance bans the kernel's isolated and nohz_full CPUs. */
		static const char *const kfiles[] = { PATH_SYS_CPU "/isolated",
						      PATH_SYS_CPU "/nohz_full" };

		cpuset_zero(&banned);
		for (size_t i = 0; i < 2; i++) {
			r = path_read_cpulist(&v->pc, p->nbits, &t1, "%s", kfiles[i]);
			if (r == 0)
				cpuset_or(&banned, &banned, &t1);
			else if (r != -ENODATA) /* empty: no CPU */
				check_read_failed(c, &v->pc, r);
		}
		check_detail_str(c, "irqbalance_banned_from", "kernel isolated and nohz_full CPUs");
	}
	check_detail_cpuset(c, "irqbalance_banned_cpus", &banned);
	if (!cpuset_subset(&p->isolated, &banned)) {
		cpuset_andnot(&t1, &p->isolated, &banned);
		check_problem(
			c, VS_CRITICAL,
			"irqbalance (pid %d) is running and does not ban isolated CPUs %s: it will move IRQs onto them; set IRQBALANCE_BANNED_CPULIST=%s in /etc/default/irqbalance or stop irqbalance",
			t->pid, cpulist_str(&t1, a, sizeof(a)),
			cpulist_str(&p->isolated, b, sizeof(b)));
	}
}

static void check_tuned(struct verify *v, struct check *c, const struct vtask *t)
{
	const struct expectation *p = &v->expect;
	char profile[256], vars[8192], val[1024], a[LIST_BUF];
	ssize_t n;

	check_detail_int(c, "tuned_pid", t->pid);
	n = path_read_buf(&v->pc, profile, sizeof(profile), "/etc/tuned/active_profile");
	if (n <= 0) {
		check_problem(
			c, VS_WARNING,
			"tuned (pid %d) is running with an unknown profile: tuned profiles reset IRQ affinities and governors; use cpu-partitioning with isolated_cores=%s or stop tuned",
			t->pid, cpulist_str(&p->isolated, a, sizeof(a)));
		return;
	}
	check_detail_str(c, "tuned_profile", profile);
	if (!strstr(profile, "cpu-partitioning") && !strstr(profile, "realtime")) {
		check_problem(
			c, VS_WARNING,
			"tuned (pid %d) runs profile '%s', which does not know the isolated CPUs and may reset governors and IRQ affinities; switch to cpu-partitioning with isolated_cores=%s or stop tuned",
			t->pid, profile, cpulist_str(&p->isolated, a, sizeof(a)));
		return;
	}
	/* "cpu-partitioning" -> /etc/tuned/cpu-partitioning-variables.conf */
	{
		char name[256];
		char *sp = strchr(profile, ' ');

		snprintf(name, sizeof(name), "%s", profile);
		if (sp)
			name[sp - profile] = '\0';
		n = path_read_buf(&v->pc, vars, sizeof(vars), "/etc/tuned/%s-variables.conf", name);
	}
	if (n > 0 && find_var(vars, (size_t)n, '\n', "isolated_cores", val, sizeof(val))) {
		cpuset_t set;

		check_detail_str(c, "tuned_isolated_cores", val);
		if (cpuset_parse_list(val, p->nbits, &set) < 0)
			check_problem(
				c, VS_WARNING,
				"tuned profile '%s' uses isolated_cores=%s, which isol-verify cannot evaluate: make sure it equals %s",
				profile, val, cpulist_str(&p->isolated, a, sizeof(a)));
		else if (!cpuset_equal(&set, &p->isolated))
			check_problem(
				c, VS_CRITICAL,
				"tuned profile '%s' isolates %s, not the planned %s: tuned will rewrite IRQ affinities and kernel parameters; set isolated_cores=%s",
				profile, val, cpulist_str(&p->isolated, a, sizeof(a)), a);
	} else {
		check_problem(
			c, VS_WARNING,
			"tuned (pid %d) runs profile '%s' but its isolated_cores could not be read: make sure it equals %s",
			t->pid, profile, cpulist_str(&p->isolated, a, sizeof(a)));
	}
}

static void check_watchdogs(struct verify *v, struct check *c)
{
	const struct expectation *p = &v->expect;
	uint32_t nmi = 0, soft = 1, wd = 1;
	char a[LIST_BUF];
	cpuset_t mask, on;
	int r;

	/* Absent files are the defaults below; unreadable or malformed ones are unknown. */
	r = path_read_u32(&v->pc, &nmi, PATH_PROC_SYS_KERNEL "/nmi_watchdog");
	if (r < 0 && !check_read_failed(c, &v->pc, r))
		nmi = 0; /* no hard lockup detector in this kernel */
	r = path_read_u32(&v->pc, &wd, PATH_PROC_SYS_KERNEL "/watchdog");
	if (r < 0 && !check_read_failed(c, &v->pc, r))
		wd = 0;
	r = path_read_u32(&v->pc, &soft, PATH_PROC_SYS_KERNEL "/soft_watchdog");
	if (r < 0 && !check_read_failed(c, &v->pc, r))
		soft = wd;
	r = path_read_cpulist(&v->pc, p->nbits, &mask, PATH_PROC_SYS_KERNEL "/watchdog_cpumask");
	if (r == -ENOENT)
		mask = p->online; /* absent: everywhere */
	else if (r == -ENODATA || check_read_failed(c, &v->pc, r))
		cpuset_zero(&mask); /* empty; or unknown: reported, not guessed */
	check_detail_bool(c, "nmi_watchdog", nmi && wd);
	check_detail_bool(c, "soft_watchdog", soft && wd);
	check_detail_cpuset(c, "watchdog_cpumask", &mask);
	cpuset_and(&on, &mask, &p->isolated);
	if (cpuset_empty(&on))
		return;
	if (nmi && wd)
		check_problem(
			c, VS_WARNING,
			"the NMI (hard lockup) watchdog runs on isolated CPUs %s: boot with nmi_watchdog=0 or remove them from /proc/sys/kernel/watchdog_cpumask",
			cpulist_str(&on, a, sizeof(a)));
	if (soft && wd)
		check_problem(
			c, VS_WARNING,
			"the soft lockup watchdog runs on isolated CPUs %s: boot with nosoftlockup or remove them from /proc/sys/kernel/watchdog_cpumask",
			cpulist_str(&on, a, sizeof(a)));
}

void check_services(struct verify *v, struct check *c)
{
	const struct vtask *t;

	if (!expectation_any(&v->expect)) {
		check_skip(c, VERIFY_NONE_ISOLATED);
		return;
	}
	if (v->tasks_err < 0) {
		check_problem(c, VS_UNKNOWN, "cannot list the running services in %s: %s",
			      path_get(&v->pc, PATH_PROC), strerror(-v->tasks_err));
	} else {
		tasks_unreadable_problem(v, c);
		t = find_process(&v->tasks, "irqbalance");
		check_detail_bool(c, "irqbalance", t != NULL);
		if (t)
			check_irqbalance(v, c, t);
		t = find_process(&v->tasks, "tuned");
		check_detail_bool(c, "tuned", t != NULL);
		if (t)
			check_tuned(v, c, t);
	}
	check_watchdogs(v, c);
	check_ok(
		c,
		"no irqbalance or tuned working against the plan; lockup watchdogs are off the isolated CPUs");
}
