// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * early-pin --partition: the isolated CPUs become a cgroup-v2 "isolated"
 * partition (lib/cgroup.c), so the scheduler stops balancing onto them and
 * the kernel itself moves the tasks of every other cgroup off them.
 *
 *   systemd runs   it owns the cgroup tree: the partition is a transient
 *                  top-level slice with AllowedCPUs= (systemd enables cpuset
 *                  on its path and keeps it across daemon-reload); early-pin
 *                  writes only cpuset.cpus.partition, the file systemd 252
 *                  does not manage. run's COMMAND goes into a transient scope
 *                  inside the slice.
 *   no systemd     a top-level cgroup made through cgroupfs; COMMAND is
 *                  written into its cgroup.procs.
 *
 * Crash safety: what the partition will change is in the state file before
 * the first cgroup write. An undo of something that did not happen is a
 * no-op (a missing cgroup, a unit that is not loaded), so a state file
 * written by a run SIGKILLed at any point restores.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "early-pin.h"
#include "pathnames.h"

static const char *mount_path(const struct earlypin *ep)
{
	return cgroup_mount_path(ep->cgfs.mount);
}

/* The partition's cgroup name: the slice's under systemd, our own otherwise. */
static const char *part_name(const struct earlypin *ep)
{
	return ep->systemd ? CGROUP_PARTITION_SLICE : CGROUP_PARTITION_NAME;
}

/* Refuse a partition that leaves a NUMA node with no online housekeeping CPU. */
static int check_nodes(struct earlypin *ep)
{
	for (unsigned int n = 0; n < ep->nnodes; n++) {
		cpuset_t on, hk;

		cpuset_and(&on, &ep->nodes[n], &ep->online);
		cpuset_and(&hk, &on, &ep->hk);
		if (!cpuset_empty(&on) && cpuset_empty(&hk)) {
			char *list = cpuset_to_list(&on);

			ep_log(ep, LOG_ERR,
			       "--partition would take every CPU of NUMA node %u (%s): keep one of them for housekeeping",
			       n, list ? list : "?");
			free(list);
			return -EINVAL;
		}
	}
	return 0;
}

int ep_partition_prepare(struct earlypin *ep)
{
	int r;

	/*
	 * --cpus names the partition; beside CPUs isolated at boot, the
	 * isolated set is larger, and a partition over those is refused (6.12:
	 * "partition config conflicts with housekeeping setup")
	 */
	if (!cpuset_empty(&ep->cpus_opt))
		ep->part_cpus = ep->cpus_opt;
	else
		cpuset_and(&ep->part_cpus, &ep->isolated, &ep->online);
	r = check_nodes(ep);
	if (r < 0)
		return r;
	r = cgroup_fs_probe(&ep->pc, &ep->cgfs);
	if (r == -ENOENT && ep->cgfs.mount == CGROUP_MOUNT_NONE) {
		ep_log(ep, LOG_ERR,
		       "no cgroup v2 hierarchy (%s): this host has cgroup v1 only, and a run-time partition needs cgroup v2",
		       path_last(&ep->pc));
		return r;
	}
	if (r == -EOPNOTSUPP) {
		ep_log(ep, LOG_ERR,
		       "the cpuset controller is not available on cgroup v2 (%s): it is bound to the v1 hierarchy or not built",
		       path_last(&ep->pc));
		return r;
	}
	if (r < 0) {
		ep_log(ep, LOG_ERR, "cannot read the cgroup hierarchy: %s: %s", path_last(&ep->pc),
		       path_read_strerror(r));
		return r;
	}
	if (!ep->cgfs.isolated_type) {
		ep_log(ep, LOG_ERR,
		       "this kernel (%u.%u) has no isolated cgroup partitions: they arrived in Linux 6.1",
		       ep->cgfs.kver[0], ep->cgfs.kver[1]);
		return -EOPNOTSUPP;
	}
	ep->systemd = path_exists(&ep->pc, PATH_RUN_SYSTEMD_SYSTEM);
	/*
	 * From 6.8 the kernel keeps unbound workqueues off partition CPUs
	 * itself, but early-pin still writes the mask, before the partition
	 * (ep_apply_kind in do_pin): see ep_partition_make.
	 */
	return 0;
}

/* What the partition is about to change, before it changes anything. */
static void undo_predict(const struct earlypin *ep, struct cgroup_undo *u)
{
	memset(u, 0, sizeof(*u));
	u->mount = ep->cgfs.mount;
	snprintf(u->name, sizeof(u->name), "%s", part_name(ep));
	u->wrote_partition = true;
	snprintf(u->old_partition, sizeof(u->old_partition), "member");
	if (!ep->systemd) {
		u->enabled_cpuset = !ep->cgfs.cpuset_enabled;
		u->made_dir = true;
		u->wrote_cpus = true; /* a new cgroup's cpuset.cpus is empty */
	}
}

static int add_unit(struct statefile *sf, const char *unit)
{
	struct statefile_rec rec = { .kind = SF_UNIT, .name = (char *)unit };

	return statefile_add(sf, &rec);
}

int ep_partition_record(struct earlypin *ep, struct statefile *sf)
{
	struct cgroup_undo u;
	int r = 0;

	undo_predict(ep, &u);
	if (ep->systemd)
		r = add_unit(sf, CGROUP_PARTITION_SLICE);
	if (r == 0)
		r = statefile_add_cgroup_undo(sf, &u);
	return r;
}

static bool is_partition_rec(const struct statefile_rec *rec)
{
	switch (rec->kind) {
	case SF_CGROUP_CPUSET:
	case SF_CGROUP_DIR:
	case SF_CGROUP_CPUS:
	case SF_CGROUP_PARTITION:
	case SF_UNIT:
		return true;
	default:
		return false;
	}
}

void ep_partition_forget(struct statefile *sf)
{
	size_t n = 0;

	for (size_t i = 0; i < sf->n; i++) {
		if (is_partition_rec(&sf->v[i])) {
			free(sf->v[i].name);
			free(sf->v[i].value);
		} else {
			sf->v[n++] = sf->v[i];
		}
	}
	sf->n = n;
}

static void log_invalid(struct earlypin *ep, const struct cgroup_partition *st)
{
	ep_log(ep, LOG_ERR, "the kernel refused the partition: %s: %s invalid (%s)",
	       path_last(&ep->pc), cgroup_ptype_str(st->type), st->reason);
}

static int make_systemd(struct earlypin *ep, struct cgroup_undo *u)
{
	struct cgroup_partition st;
	int r;

	r = cgroup_check_siblings(&ep->pc, &ep->cgfs, CGROUP_PARTITION_SLICE, &ep->part_cpus);
	if (r == -EBUSY) {
		ep_log(ep, LOG_ERR, "the CPUs are taken: %s holds some of them",
		       path_last(&ep->pc));
		return r;
	}
	if (r < 0) {
		ep_log(ep, LOG_ERR, "cannot read %s: %s", path_last(&ep->pc),
		       path_read_strerror(r));
		return r;
	}
	r = ep->ops.unit_start_slice(&ep->ops, CGROUP_PARTITION_SLICE, &ep->part_cpus);
	if (r < 0) {
		ep_log(ep, LOG_ERR, "systemd refused %s: %s", CGROUP_PARTITION_SLICE,
		       ep->ops.unit_msg[0] ? ep->ops.unit_msg : strerror(-r));
		return r;
	}
	r = cgroup_partition_set(&ep->ops, &ep->cgfs, CGROUP_PARTITION_SLICE, u, &st);
	if (r == -EINVAL && st.invalid != CGROUP_VALID)
		log_invalid(ep, &st);
	else if (r < 0)
		ep_log(ep, LOG_ERR, "cannot make %s an isolated partition: %s: %s",
		       CGROUP_PARTITION_SLICE, path_last(&ep->pc), path_strerror(r));
	if (r < 0 && ep->ops.unit_stop(&ep->ops, CGROUP_PARTITION_SLICE) < 0)
		ep_log(ep, LOG_ERR, "cannot stop %s again: %s", CGROUP_PARTITION_SLICE,
		       ep->ops.unit_msg);
	return r;
}

static int make_cgroupfs(struct earlypin *ep, struct cgroup_undo *u)
{
	struct cgroup_partition st;
	int r;

	r = cgroup_partition_create(&ep->ops, &ep->cgfs, CGROUP_PARTITION_NAME, &ep->part_cpus, u,
				    &st);
	if (r == -EINVAL && st.invalid != CGROUP_VALID)
		log_invalid(ep, &st);
	else if (r == -EBUSY)
		ep_log(ep, LOG_ERR, "the CPUs are taken: %s holds some of them",
		       path_last(&ep->pc));
	else if (r == -EEXIST)
		ep_log(ep, LOG_ERR,
		       "%s exists already: another partition is in force (early-pin --restore undoes it)",
		       path_last(&ep->pc));
	else if (r < 0)
		ep_log(ep, LOG_ERR, "cannot make the partition: %s: %s", path_last(&ep->pc),
		       path_strerror(r));
	return r;
}

/*
 * The unbound workqueue mask is written before this (do_pin), on every
 * kernel. From 6.8 the partition write makes the kernel narrow that mask
 * itself (workqueue_unbound_exclude_cpumask) while it holds cpuset_mutex;
 * a changed mask means new worker pools, whose first kworker kthreadd must
 * fork. A fork waits for cgroup_threadgroup_rwsem, which systemd holds
 * while it moves a task into a unit, and the move waits for cpuset_mutex:
 * a cycle, which hung 6.12 when quietcore-partition.service ran among the
 * early boot units. With the mask narrowed first, the kernel finds nothing
 * to change and creates no worker under the lock; --restore removes the
 * partition before it writes the mask back, for the same reason.
 */
int ep_partition_make(struct earlypin *ep)
{
	struct cgroup_undo u;
	char *list = cpuset_to_list(&ep->part_cpus);
	int r;

	memset(&u, 0, sizeof(u));
	r = ep->systemd ? make_systemd(ep, &u) : make_cgroupfs(ep, &u);
	if (r == 0 && !ep->quiet)
		printf(EP_PROG ": CPUs %s isolated by the partition %s%s/%s\n", list ? list : "?",
		       ep->pc.root, mount_path(ep), part_name(ep));
	free(list);
	return r;
}

void ep_partition_print(struct earlypin *ep)
{
	char *list = cpuset_to_list(&ep->part_cpus);

	printf("would make CPUs %s the isolated partition %s%s/%s (%s)\n", list ? list : "?",
	       ep->pc.root, mount_path(ep), part_name(ep),
	       ep->systemd ? "a systemd slice" : "cgroupfs");
	free(list);
}

/* The transient scope run's COMMAND goes into under systemd. */
static void scope_name(pid_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "quietcore-run-%d.scope", (int)pid);
}

int ep_partition_record_run(struct earlypin *ep, struct statefile *sf, pid_t pid)
{
	char unit[CGROUP_NAME_MAX + 1];
	int r;

	if (!ep->systemd)
		return 0; /* the cgroup it goes into is recorded already */
	scope_name(pid, unit, sizeof(unit));
	r = add_unit(sf, unit);
	return r < 0 ? r : 1;
}

int ep_partition_enter(struct earlypin *ep, pid_t pid)
{
	char unit[CGROUP_NAME_MAX + 1], procs[PATH_MAX], num[32];
	int r;

	if (ep->systemd) {
		scope_name(pid, unit, sizeof(unit));
		r = ep->ops.unit_start_scope(&ep->ops, unit, CGROUP_PARTITION_SLICE, pid);
		if (r < 0)
			ep_log(ep, LOG_ERR, "systemd refused %s: %s", unit,
			       ep->ops.unit_msg[0] ? ep->ops.unit_msg : strerror(-r));
		return r;
	}
	snprintf(procs, sizeof(procs), "%s/%s/cgroup.procs", mount_path(ep), CGROUP_PARTITION_NAME);
	snprintf(num, sizeof(num), "%d", (int)pid);
	r = ep->ops.file_write(&ep->ops, procs, num);
	if (r < 0)
		ep_log(ep, LOG_ERR, "cannot move the command into the partition: %s: %s",
		       path_last(&ep->pc), path_strerror(r));
	return r;
}

/* A unit record whose name ends in suffix (".scope", ".slice"). */
static bool is_unit(const struct statefile_rec *rec, const char *suffix)
{
	size_t n, m = strlen(suffix);

	if (rec->kind != SF_UNIT || !rec->name)
		return false;
	n = strlen(rec->name);
	return n > m && strcmp(rec->name + n - m, suffix) == 0;
}

/* Stop every unit of sf whose name ends in suffix. Returns the failures. */
static unsigned int stop_units(struct earlypin *ep, const struct statefile *sf, const char *suffix)
{
	unsigned int failed = 0;

	for (size_t i = sf->n; i-- > 0;) {
		const struct statefile_rec *rec = &sf->v[i];
		int r;

		if (!is_unit(rec, suffix))
			continue;
		r = ep->ops.unit_stop(&ep->ops, rec->name);
		if (r < 0) {
			ep_log(ep, LOG_ERR, "cannot stop %s: %s", rec->name,
			       ep->ops.unit_msg[0] ? ep->ops.unit_msg : strerror(-r));
			failed++;
		} else if (ep->verbose) {
			printf("stopped %s\n", rec->name);
		}
	}
	return failed;
}

unsigned int ep_partition_undo(struct earlypin *ep, const struct statefile *sf)
{
	struct cgroup_undo u;
	unsigned int failed = 0;
	int r;

	failed += stop_units(ep, sf, ".scope");
	r = statefile_cgroup_undo(sf, &u);
	if (r < 0) {
		ep_log(ep, LOG_ERR, "the state file records two partitions");
		failed++;
	} else if (r > 0) {
		r = cgroup_partition_undo(&ep->ops, &u);
		if (r < 0) {
			ep_log(ep, LOG_ERR, "cannot undo the partition: %s: %s", path_last(&ep->pc),
			       path_strerror(r));
			failed++;
		} else if (ep->verbose) {
			printf("partition %s%s/%s undone\n", ep->pc.root,
			       cgroup_mount_path(u.mount), u.name);
		}
	}
	failed += stop_units(ep, sf, ".slice");
	return failed;
}
