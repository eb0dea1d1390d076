// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * isol-alloc: the state file, /var/lib/quietcore/alloc.json below --root.
 *
 *   {"format":"quietcore-isol-alloc","version":1,"boot_id":"...","pool":"2-7",
 *    "grants":[{"service":"nova","cpus":"2-5","explicit":"","lost":"",
 *               "uid":0,"pid":0,"starttime":0}],
 *    "hugepages":[{"service":"dpdk","node_id":0,"size_kb":2048,"count":4,"uid":0}]}
 *
 * Written whole through lib/atomicfile (temp file, fsync, rename, directory
 * fsync; the temp file is a spare, .alloc.json.spare, exchanged with the
 * file, so that a write makes no new inode) before any reply that reports a change, so a daemon killed at any
 * moment restarts with every grant it announced and none it did not.
 * Read back strictly (lib/allocstate, which isol-verify reads it with too):
 * a file that is not ours, or damaged (a CPU in two grants, a bad name),
 * stops the daemon rather than be overwritten.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "alloc.h"
#include "allocstate.h"
#include "atomicfile.h"
#include "isolation.h"

int alloc_state_load(struct alloc_daemon *d, char *err, size_t errlen)
{
	struct allocstate_err e;
	char **removed = NULL;
	size_t nremoved = 0;
	int r;

	r = atomicfile_remove_stale(&d->pc, d->state_path, &removed, &nremoved);
	for (size_t i = 0; i < nremoved; i++) {
		alloc_log(LOG_NOTICE, "removed %s, left by a killed write", removed[i]);
		free(removed[i]);
	}
	free(removed);
	if (r < 0)
		alloc_log(LOG_WARNING, "looking for temporary files of %s: %s, ignoring",
			  d->state_path, path_strerror(r));
	r = allocstate_read(&d->pc, d->state_path, 0, &d->st, d->boot_id, sizeof(d->boot_id), &e);
	if (r == -ENOENT) {
		allocstate_free(&d->st);
		d->boot_id[0] = '\0';
		return 0;
	}
	if (r == -EBADMSG || r == -EMEDIUMTYPE)
		allocstate_err_format(&e, err, errlen);
	else if (r < 0)
		snprintf(err, errlen, "%s", path_strerror(r));
	return r;
}

char *alloc_state_text(const struct alloc_daemon *d)
{
	return allocstate_format(&d->st, d->boot_id, &d->pool);
}

int alloc_state_write(struct path_cxt *pc, const char *state_path, const char *text)
{
	int r;

	r = atomicfile_write_spare(pc, state_path, text, strlen(text));
	if (r == -ENOENT) {
		char dir[PATH_MAX];
		char *slash;

		snprintf(dir, sizeof(dir), "%s", state_path);
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			r = atomicfile_mkdirs(pc, dir, 0755);
			if (r == 0)
				r = atomicfile_write_spare(pc, state_path, text, strlen(text));
		}
	}
	return r;
}

int alloc_state_write_seq(struct alloc_daemon *d, struct path_cxt *pc, const char *text,
			  uint64_t seq)
{
	int r = 0;

	pthread_mutex_lock(&d->write_lock);
	if (seq > d->written_seq) {
		r = alloc_state_write(pc, d->state_path, text);
		if (r == 0)
			d->written_seq = seq;
	}
	pthread_mutex_unlock(&d->write_lock);
	return r;
}

int alloc_state_save(struct alloc_daemon *d)
{
	char *text = alloc_state_text(d);
	int r;

	if (!text)
		return -ENOMEM;
	r = alloc_state_write_seq(d, &d->pc, text, ++d->text_seq);
	free(text);
	return r;
}

/* --- reconciliation on start ------------------------------------------------------ */

void alloc_reconcile(struct alloc_daemon *d, bool *changed)
{
	char now[ISOLATION_BOOT_ID_MAX] = "";
	bool new_boot;

	if (isolation_boot_id(&d->pc, now, sizeof(now)) < 0)
		now[0] = '\0';
	new_boot = now[0] && d->boot_id[0] && strcmp(now, d->boot_id);
	for (size_t i = 0; i < d->st.grants.n;) {
		struct cpualloc_grant *g = &d->st.grants.v[i];
		uint64_t start;
		uid_t owner;
		int r;

		if (!g->pid) {
			i++;
			continue;
		}
		if (new_boot) {
			alloc_log(LOG_NOTICE, "%s: grant released: pid %d ran in a previous boot",
				  g->service, g->pid);
		} else {
			r = alloc_read_process(&d->pc, g->pid, &start, &owner);
			if (r == 0 && start == g->starttime) {
				i++;
				continue;
			}
			if (r < 0 && r != -ESRCH) {
				alloc_log(LOG_WARNING, "%s: pid %d: %s: %s, grant kept", g->service,
					  g->pid, path_last(&d->pc), path_read_strerror(r));
				i++;
				continue;
			}
			alloc_log(LOG_NOTICE, "%s: grant released: pid %d is gone", g->service,
				  g->pid);
		}
		cpualloc_remove(&d->st.grants, i);
		*changed = true;
	}
	if (strcmp(now, d->boot_id)) {
		snprintf(d->boot_id, sizeof(d->boot_id), "%s", now);
		*changed = true;
	}
	/* d->pool is this start's: say what changed while no daemon ran (a reboot, --revert) */
	if (d->st.pool_known && !cpuset_equal(&d->st.pool, &d->pool)) {
		alloc_log_pool_change(&d->st.pool, &d->pool, " (since the state was written)");
		*changed = true; /* the file then records this pool */
	}
}
