// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-verify: the `grants` check: what isol-alloc handed out (its state
 * file, read by lib/allocstate as isol-alloc reads it) against the machine:
 * every grant within isol-alloc's pool (lib/isolation's isolation_pool(),
 * the same derivation the daemon uses), no CPU in two grants, the threads of
 * a granted process only on its CPUs, and the CPUs a grant lost (preempted
 * by an explicit NUMA grant, or gone from the pool). A file that cannot be
 * read or trusted is UNKNOWN, never "no grants".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocstate.h"
#include "pathnames.h"
#include "tasklist.h"
#include "taskstat.h"
#include "verify.h"

#define LIST_BUF 512
/* Threads named one by one per grant; the rest are counted. */
#define THREADS_NAMED 8
/* and listed in the details (the house cap of isol-verify(8)) */
#define THREADS_LISTED 64

struct thread_walk {
	struct verify *v;
	struct check *c;
	const struct cpualloc_grant *g;
	json_object *outside; /* the details' array of the threads outside */
	size_t noutside;
	int err; /* the first unreadable thread file (-errno), path_last names it */
	char err_path[PATH_MAX];
};

/* One thread of a granted process: its allowed CPUs and where it last ran, within the grant? */
static int grant_thread(const struct taskid *id, void *data)
{
	struct thread_walk *w = data;
	char a[LIST_BUF], b[LIST_BUF];
	struct taskstat st;
	cpuset_t allowed;
	json_object *o;
	int r;

	r = taskstat_read(&w->v->pc, (int)id->pid, (int)id->tid, &st);
	if (r == 0)
		r = tasks_allowed(&w->v->pc, (int)id->pid, (int)id->tid, &allowed);
	if (r == -ESRCH || r == -ENOENT)
		return 0; /* exited since the listing */
	if (r < 0) {
		if (!w->err) {
			w->err = r;
			snprintf(w->err_path, sizeof(w->err_path), "%s", path_last(&w->v->pc));
		}
		return 0;
	}
	if (st.state == 'Z' || st.state == 'X')
		return 0;
	if (cpuset_subset(&allowed, &w->g->cpus) &&
	    (st.processor < 0 || cpuset_test(&w->g->cpus, (unsigned int)st.processor)))
		return 0;
	if (w->noutside < THREADS_LISTED) {
		o = json_object_new_object();
		json_object_object_add(o, "tid", json_object_new_int(id->tid));
		json_object_object_add(o, "comm", json_object_new_string(st.comm));
		json_object_object_add(o, "allowed", json_cpulist(&allowed));
		json_object_object_add(o, "cpu", json_object_new_int(st.processor));
		json_object_array_add(w->outside, o);
	}
	if (w->noutside++ < THREADS_NAMED)
		check_problem(
			w->c, VS_WARNING,
			"thread %d (%s) of %s's pid %d runs outside its grant %s: allowed CPUs %s, last ran on CPU %d; isol-alloc request --pid binds the process, or set its affinity to the grant",
			(int)id->tid, st.comm, w->g->service, w->g->pid,
			cpulist_str(&w->g->cpus, a, sizeof(a)), cpulist_str(&allowed, b, sizeof(b)),
			st.processor);
	return 0;
}

/* A grant bound to a process: the same process still (pid + start time), its threads on the grant. */
static void grant_check_pid(struct verify *v, struct check *c, const struct cpualloc_grant *g,
			    bool same_boot, json_object *e)
{
	struct thread_walk w = { .v = v, .c = c, .g = g };
	struct taskstat st;
	int r;

	json_object_object_add(e, "starttime", json_object_new_uint64(g->starttime));
	r = same_boot ? taskstat_read(&v->pc, g->pid, 0, &st) : -ESRCH;
	if (r < 0 && r != -ESRCH) {
		json_object_object_add(e, "process", json_object_new_string("unreadable"));
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s (the process of %s's grant)",
			      path_last(&v->pc), path_read_strerror(r), g->service);
		return;
	}
	if (r == -ESRCH || st.starttime != g->starttime) {
		json_object_object_add(e, "process", json_object_new_string("exited"));
		check_problem(
			c, VS_WARNING,
			"grant of %s holds pid %d which has exited%s: its CPUs are held for nothing; isol-alloc releases it when it restarts, or isol-alloc release --service %s",
			g->service, g->pid,
			!same_boot ? " (it ran in a previous boot)" :
			r == 0 && st.starttime != g->starttime ?
				     " (the pid is another process now)" :
				     "",
			g->service);
		return;
	}
	json_object_object_add(e, "process", json_object_new_string("running"));
	w.outside = json_object_new_array();
	json_object_object_add(e, "threads_outside", w.outside);
	r = tasklist_foreach_thread(&v->pc, g->pid, grant_thread, &w);
	if (r == -ESRCH) {
		json_object_object_add(e, "process", json_object_new_string("exited"));
		check_problem(c, VS_WARNING, "grant of %s holds pid %d which has exited",
			      g->service, g->pid);
		return;
	}
	if (r < 0) {
		path_get(&v->pc, PATH_PROC "/%d/task", g->pid);
		check_problem(c, VS_UNKNOWN, "cannot list %s: %s (the threads of %s's grant)",
			      path_last(&v->pc), path_read_strerror(r), g->service);
		return;
	}
	json_object_object_add(e, "threads_outside_count",
			       json_object_new_int64((int64_t)w.noutside));
	if (w.noutside > THREADS_NAMED)
		check_problem(c, VS_WARNING,
			      "and %zu more threads of %s's pid %d outside its grant",
			      w.noutside - THREADS_NAMED, g->service, g->pid);
	if (w.err)
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s (a thread of %s's grant)",
			      w.err_path, path_read_strerror(w.err), g->service);
}

/* The details entry of one grant. */
static json_object *grant_json(const struct cpualloc_grant *g, const cpuset_t *pool)
{
	json_object *o = json_object_new_object();
	cpuset_t t;

	json_object_object_add(o, "service", json_object_new_string(g->service));
	json_object_object_add(o, "cpus", json_cpulist(&g->cpus));
	json_object_object_add(o, "cpu_count", json_object_new_int((int)cpuset_count(&g->cpus)));
	json_object_object_add(o, "explicit", json_cpulist(&g->explicit_cpus));
	json_object_object_add(o, "lost", json_cpulist(&g->lost));
	cpuset_andnot(&t, &g->cpus, pool);
	json_object_object_add(o, "outside_pool", json_cpulist(&t));
	json_object_object_add(o, "uid", json_object_new_int64(g->uid));
	json_object_object_add(o, "pid", json_object_new_int(g->pid));
	return o;
}

/* A grant's own findings: outside the pool, CPUs lost, its process. */
static void grant_check_one(struct verify *v, struct check *c, const struct cpualloc_grant *g,
			    const cpuset_t *pool, bool same_boot, json_object *e)
{
	char a[LIST_BUF], b[LIST_BUF];
	cpuset_t t;

	cpuset_andnot(&t, &g->cpus, pool);
	if (!cpuset_empty(&t))
		check_problem(
			c, VS_CRITICAL,
			"grant of %s holds CPUs %s outside isol-alloc's pool %s (cpu/isolated and quietcore's partition, online): they are not isolated, or offline; restart isol-alloc to reconcile, or release the grant",
			g->service, cpulist_str(&t, a, sizeof(a)),
			cpuset_empty(pool) ? "(empty)" : cpulist_str(pool, b, sizeof(b)));
	if (!cpuset_empty(&g->lost))
		check_problem(
			c, VS_WARNING,
			"grant of %s lost CPUs %s since it was made (preempted by an explicit NUMA grant, or gone from the pool): it holds %s; request again, or serve with --no-preempt",
			g->service, cpulist_str(&g->lost, a, sizeof(a)),
			cpuset_empty(&g->cpus) ? "none" : cpulist_str(&g->cpus, b, sizeof(b)));
	if (g->pid && !cpuset_empty(&g->cpus))
		grant_check_pid(v, c, g, same_boot, e);
}

/* No CPU in two grants: each pair that shares CPUs is critical. */
static void grant_check_overlap(struct check *c, const struct cpualloc_grants *gs)
{
	char a[LIST_BUF];
	cpuset_t t;

	for (size_t i = 0; i < gs->n; i++)
		for (size_t k = i + 1; k < gs->n; k++) {
			cpuset_and(&t, &gs->v[i].cpus, &gs->v[k].cpus);
			if (cpuset_empty(&t))
				continue;
			check_problem(
				c, VS_CRITICAL,
				"CPUs %s are in two grants, of %s and of %s: both services run on them; release one (isol-alloc release --service %s) and request again",
				cpulist_str(&t, a, sizeof(a)), gs->v[i].service, gs->v[k].service,
				gs->v[k].service);
		}
}

/* The state file read, or the check finished (skipped, UNKNOWN). */
static bool grants_read(struct verify *v, struct check *c, const char *path, struct allocstate *st,
			char *boot_id, size_t boot_len)
{
	struct allocstate_err e;
	char why[256];
	int r;

	r = allocstate_read(&v->pc, path, ALLOCSTATE_KEEP_OVERLAP, st, boot_id, boot_len, &e);
	check_detail_str(c, "state_file", path_last(&v->pc));
	if (r == -ENOENT) {
		check_skip(c, "isol-alloc has no state file: no grants");
		return false;
	}
	if (r == -EBADMSG || r == -EMEDIUMTYPE) {
		allocstate_err_format(&e, why, sizeof(why));
		check_problem(
			c, VS_UNKNOWN,
			"cannot trust %s: %s; isol-alloc refuses it too (move it away to start afresh)",
			path_last(&v->pc), why);
		return false;
	}
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s", path_last(&v->pc),
			      path_read_strerror(r));
		return false;
	}
	return true;
}

void check_grants(struct verify *v, struct check *c)
{
	const char *path = v->opt.alloc_state ? v->opt.alloc_state : ALLOCSTATE_PATH;
	char boot_id[ALLOCSTATE_BOOT_ID_MAX], now[ISOLATION_BOOT_ID_MAX] = "";
	struct allocstate st = { 0 };
	char a[LIST_BUF];
	json_object *arr;
	cpuset_t pool, used;
	bool same_boot;
	int r;

	if (!grants_read(v, c, path, &st, boot_id, sizeof(boot_id)))
		return;
	r = isolation_pool(&v->pc, &v->expect.online, &pool);
	if (r < 0) {
		check_problem(c, VS_UNKNOWN, "cannot read %s: %s (isol-alloc's pool)",
			      path_last(&v->pc), path_read_strerror(r));
		allocstate_free(&st);
		return;
	}
	check_detail_cpuset(c, "pool", &pool);
	/* a pid of another boot is not this boot's process, whatever its start time */
	if (isolation_boot_id(&v->pc, now, sizeof(now)) < 0)
		now[0] = '\0';
	same_boot = !now[0] || !boot_id[0] || !strcmp(now, boot_id);
	arr = check_detail_array(c, "grants");
	cpualloc_used(&st.grants, NULL, &used);
	for (size_t i = 0; i < st.grants.n; i++) {
		json_object *e = grant_json(&st.grants.v[i], &pool);

		json_object_array_add(arr, e);
		grant_check_one(v, c, &st.grants.v[i], &pool, same_boot, e);
	}
	grant_check_overlap(c, &st.grants);
	check_detail_int(c, "granted_cpus", cpuset_count(&used));
	if (st.grants.n)
		check_ok(c, "%zu grant%s of CPUs %s, within isol-alloc's pool, no CPU twice",
			 st.grants.n, st.grants.n == 1 ? "" : "s",
			 cpulist_str(&used, a, sizeof(a)));
	else
		check_ok(c, "isol-alloc has no grant");
	allocstate_free(&st);
}
