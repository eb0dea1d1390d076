// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc serve --cgroup: a grant that carries a pid gets a cgroup of its
 * own holding exactly its CPUs (lib/cgroup's cgroup_task_*), below
 * quietcore's run-time partition when there is one, through systemd when it
 * runs. What is made is recorded in the state file ("cgroups") and saved
 * before it is made, so a daemon killed at any point undoes it on release
 * or reconciliation. A grant whose CPUs or pid changed, or that is gone,
 * has its cgroup undone (the process back where it was) by
 * alloc_enforce_sync().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "alloc.h"
#include "isolation.h"

int alloc_enforce_init(struct alloc_daemon *d, bool want)
{
	int r;

	if (path_is_real_root(&d->pc))
		ops_init_real(&d->ops, &d->pc);
	else
		ops_init_recording(&d->ops, &d->pc);
	d->ops_ready = true;
	d->enforce = false;
	if (!want)
		return 0;
	d->systemd = path_exists(&d->pc, "/run/systemd/system");
	r = cgroup_fs_probe(&d->pc, &d->fs);
	if (r == -ENOENT || r == -EOPNOTSUPP || (r == 0 && !d->fs.cpuset)) {
		alloc_log(LOG_WARNING, "--cgroup: %s: grants are recorded, not enforced",
			  d->fs.mount == CGROUP_MOUNT_NONE ? "no cgroup v2 (cgroup v1 only)" :
							     "cgroup v2 has no cpuset controller");
		return 0;
	}
	if (r < 0) {
		alloc_log(LOG_WARNING, "--cgroup: %s: %s: grants are recorded, not enforced",
			  path_last(&d->pc), path_read_strerror(r));
		return 0;
	}
	d->enforce = true;
	alloc_log(LOG_INFO, "--cgroup: a grant's process goes to a cgroup of its own%s",
		  d->systemd ? ", through systemd" : "");
	return 0;
}

void alloc_enforce_done(struct alloc_daemon *d)
{
	if (d->ops_ready)
		ops_done(&d->ops);
	d->ops_ready = false;
}

/* The cgroup record of g still stands for it: same pid, same CPUs. */
static bool still_fits(const struct allocstate_cg *c, const struct cpualloc_grant *g)
{
	return g && g->pid == c->t.pid && cpuset_equal(&g->cpus, &c->t.cpus);
}

static void undo_failed(struct alloc_daemon *d, const char *service, const char *what, int r)
{
	alloc_log(LOG_WARNING, "%s: %s: %s: %s%s%s, kept to try again", service, what,
		  path_last(&d->pc), path_strerror(r), d->ops.unit_msg[0] ? ": " : "",
		  d->ops.unit_msg);
}

void alloc_enforce_sync(struct alloc_daemon *d, bool *changed)
{
	if (!d->ops_ready)
		return;
	for (size_t i = 0; i < d->st.ncg;) {
		struct allocstate_cg *c = &d->st.cg[i];
		const struct cpualloc_grant *g = cpualloc_find(&d->st.grants, c->service);
		int r;

		if (still_fits(c, g)) {
			i++;
			continue;
		}
		r = cgroup_task_undo(&d->ops, &c->t);
		if (r < 0) {
			undo_failed(d, c->service, "undoing its cgroup", r);
			i++;
			continue;
		}
		alloc_log(LOG_INFO, "%s: pid %d back in %s, %s undone (%s)", c->service, c->t.pid,
			  c->t.from[0] ? c->t.from : "/", c->t.scope[0] ? c->t.scope : c->t.dir,
			  !g		     ? "its grant is gone" :
			  g->pid != c->t.pid ? "its grant's pid changed" :
					       "its grant's CPUs changed");
		allocstate_cg_remove(&d->st, c->service);
		*changed = true;
	}
}

/* quietcore's own valid partition, NULL none (or unreadable: then none). */
static const char *partition_of(struct alloc_daemon *d, char *buf, size_t len)
{
	struct isolation_runtime rt;
	const char *ret = NULL;

	if (isolation_runtime_read(&d->pc, &rt) == 0)
		for (size_t i = 0; i < rt.nparts && !ret; i++)
			if (isolation_partition_valid(&rt.parts[i]) &&
			    isolation_partition_own(rt.parts[i].name)) {
				snprintf(buf, len, "%s", rt.parts[i].name);
				ret = buf;
			}
	isolation_runtime_free(&rt);
	return ret;
}

int alloc_enforce_grant(struct alloc_daemon *d, const char *service, bool *changed, char *err,
			size_t errlen)
{
	const struct cpualloc_grant *g = cpualloc_find(&d->st.grants, service);
	struct allocstate_cg *c = allocstate_cg_find(&d->st, service);
	char part[CGROUP_NAME_MAX + 1];
	struct cgroup_task t;
	const char *partition;
	int r;

	if (!d->enforce || !g || !g->pid)
		return 0;
	if (c && still_fits(c, g))
		return 0;		/* the same process on the same CPUs: it is there already */
	alloc_enforce_sync(d, changed); /* its old cgroup, and those of grants preempted */
	if (allocstate_cg_find(&d->st, service)) {
		snprintf(err, errlen, "its previous cgroup could not be undone: %s: %s",
			 path_last(&d->pc), path_strerror(-EBUSY));
		return -EBUSY;
	}
	partition = partition_of(d, part, sizeof(part));
	r = cgroup_task_plan(&d->pc, &d->fs, d->systemd, partition, service, &g->cpus, g->pid, &t);
	if (r < 0) {
		snprintf(err, errlen, "pid %d: %s: %s", g->pid, path_last(&d->pc),
			 path_read_strerror(r));
		return r;
	}
	/* durable before it is made: a daemon killed from here on undoes it on restart */
	r = allocstate_cg_set(&d->st, service, &t);
	if (r == 0)
		r = alloc_state_save(d);
	if (r < 0) {
		allocstate_cg_remove(&d->st, service);
		snprintf(err, errlen, "writing the state: %s: %s", path_last(&d->pc),
			 path_strerror(r));
		return r;
	}
	*changed = true;
	r = cgroup_task_create(&d->ops, &t);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s%s%s", path_last(&d->pc),
			 r == -EEXIST ? "exists already, not ours" : path_strerror(r),
			 d->ops.unit_msg[0] ? ": " : "", d->ops.unit_msg);
		allocstate_cg_remove(&d->st, service);
		return r;
	}
	allocstate_cg_set(&d->st, service, &t); /* enabled_cpuset learnt: never -ENOMEM here */
	alloc_log(LOG_INFO, "%s: pid %d moved to %s", service, g->pid,
		  t.scope[0] ? t.scope : t.dir);
	return 0;
}

bool alloc_enforced(const struct alloc_daemon *d, const char *service)
{
	return allocstate_cg_find(&d->st, service) != NULL;
}
