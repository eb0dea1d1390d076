/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * taskstat: /proc/PID/task/TID/stat, parsed after the *last* ')' because comm
 * may contain spaces and parentheses.
 */
#ifndef QC_TASKSTAT_H
#define QC_TASKSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "path.h"

#define PF_USER_WORKER 0x00004000U
#define PF_KTHREAD 0x00200000U
#define PF_NO_SETAFFINITY 0x04000000U

struct taskstat {
	char comm[64]; /* as the kernel prints it (up to 15 bytes, more for kthreads with long names in 6.x) */
	char state;
	int32_t ppid;	    /* >= 0 */
	uint32_t flags;	    /* field 9 */
	uint64_t starttime; /* field 22, clock ticks since boot: with pid, a task's identity */
	int32_t processor;  /* field 39: CPU it last ran on (-1 only if absent) */
};

/*
 * Parse the text of a stat file. -EINVAL on anything malformed, a sign in a
 * numeric field included (a negative ppid or processor is never printed).
 */
int taskstat_parse(const char *buf, struct taskstat *ret);

/*
 * Read /proc/<pid>/task/<tid>/stat (tid 0: /proc/<pid>/stat) under pc. -ESRCH
 * if the task is gone, and only then: any other error (-EISDIR, -PATH_ENOTREG,
 * -ELOOP, -EINVAL for garbage or an empty file, ...) means the file is there
 * but unusable, which callers must not take for an exited task.
 */
int taskstat_read(struct path_cxt *pc, int pid, int tid, struct taskstat *ret);

/*
 * The cgroup-v2 path of a process ("/system.slice/ssh.service"), from the
 * "0::" line of /proc/<pid>/cgroup. -ENOENT/-ESRCH gone, -ENODATA no v2
 * line, -ERANGE longer than len.
 */
int taskstat_cgroup(struct path_cxt *pc, int pid, char *buf, size_t len);

static inline bool taskstat_is_kthread(const struct taskstat *st)
{
	return st->flags & PF_KTHREAD;
}

static inline bool taskstat_is_percpu(const struct taskstat *st)
{
	return st->flags & PF_NO_SETAFFINITY;
}

#endif
