/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tasklist: every thread of every process, /proc/PID/task/TID under a root.
 *
 * Enumeration uses getdents64(2) directly on a large buffer (no stat, no
 * per-entry allocation), because a scan of 10,000 threads must cost little
 * more than the syscalls that act on them. Processes and threads that exit
 * while the scan runs are skipped silently: that is normal, not an error.
 */
#ifndef QC_TASKLIST_H
#define QC_TASKLIST_H

#include <stddef.h>
#include <sys/types.h>

#include "path.h"

struct taskid {
	pid_t pid; /* thread group id: /proc/<pid> */
	pid_t tid; /* thread id: /proc/<pid>/task/<tid> */
};

/*
 * Called once per thread. Return 0 to go on, a negative value to stop the
 * scan (tasklist_foreach then returns that value).
 */
typedef int (*tasklist_cb)(const struct taskid *id, void *data);

/*
 * Walk <root>/proc/<pid>/task/<tid>. Threads come in the order the kernel
 * lists them (ascending pid, then tid). Returns 0, what cb returned to stop,
 * or -errno if <root>/proc itself cannot be read.
 */
int tasklist_foreach(struct path_cxt *pc, tasklist_cb cb, void *data);

/*
 * Processes whose task directory is there but cannot be listed (not a
 * directory, unreadable): not exited, so not "normal". tasklist_foreach skips
 * them; tasklist_foreach_report also counts them, for callers that must not
 * report on what they could not see.
 */
struct tasklist_unreadable {
	size_t n;
	pid_t first_pid; /* the first of them: /proc/<first_pid>/task */
	int first_err;	 /* and its -errno */
};
int tasklist_foreach_report(struct path_cxt *pc, tasklist_cb cb, void *data,
			    struct tasklist_unreadable *ret_unreadable);

/* All threads of one process (/proc/<pid>/task). -ESRCH if the process is gone. */
int tasklist_foreach_thread(struct path_cxt *pc, pid_t pid, tasklist_cb cb, void *data);

/* A snapshot of every thread, as an array. */
struct tasklist {
	struct taskid *v;
	size_t n;
	size_t cap;
};

/* Fill *ret (which must be zeroed or freed before). 0 or -errno; *ret untouched on failure. */
int tasklist_read(struct path_cxt *pc, struct tasklist *ret);
void tasklist_free(struct tasklist *tl);

#endif
