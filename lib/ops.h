/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ops: the side effects of pinning behind a table of operations, so the same
 * code runs against the real machine or against a fake tree in tests.
 *
 *   real       sched_getaffinity/sched_setaffinity, writes under the path
 *              context, modules loaded with libkmod (whose log messages are
 *              kept in kmod_msg, never printed), systemd units through the
 *              helper program unit_helper (its error line kept in unit_msg).
 *   recording  for --root trees: a task's affinity is the Cpus_allowed_list
 *              line of <root>/proc/PID/task/TID/status, setting it rewrites
 *              that line; file writes replace the file's content; every call
 *              is appended to a log the tests can inspect. It simulates the
 *              kernel's refusals (see ops_init_recording()).
 *
 * Every operation returns 0 or -errno, exactly what the kernel would return.
 */
#ifndef QC_OPS_H
#define QC_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpuset.h"
#include "path.h"

enum ops_kind {
	OPS_TASK_SET_AFFINITY,
	OPS_FILE_WRITE,
	OPS_MODULE_LOAD,
	OPS_DIR_MAKE,	/* path: the directory made */
	OPS_DIR_REMOVE, /* path: the directory removed */
	OPS_UNIT_START, /* path: the unit; value: "AllowedCPUs=LIST" or "Slice=S PID=N" */
	OPS_UNIT_STOP,	/* path: the unit */
};

struct ops_record {
	enum ops_kind kind;
	pid_t pid;
	pid_t tid;
	char *path;  /* file written, or module name */
	char *value; /* cpulist for tasks, the string written for files */
	int result;  /* 0 or -errno returned */
};

struct qc_ops {
	const char *name;    /* "real" or "recording" */
	struct path_cxt *pc; /* where files and /proc live */

	/* The CPUs a thread may run on. */
	int (*task_get_affinity)(struct qc_ops *ops, pid_t pid, pid_t tid, cpuset_t *ret);
	int (*task_set_affinity)(struct qc_ops *ops, pid_t pid, pid_t tid, const cpuset_t *set);
	/*
	 * Write str to an existing regular file; path is absolute, taken under
	 * pc's root, and opened with path_open_beneath(): a symbolic link
	 * anywhere below the root is refused (-ELOOP), never followed.
	 */
	int (*file_write)(struct qc_ops *ops, const char *path, const char *str);
	/*
	 * Load a kernel module (with its dependencies) by name or alias, as
	 * modprobe does with the blacklist applied (a blacklisted module:
	 * -EPERM). The one place the programs load modules: early-pin's
	 * cpufreq drivers, isol-verify's msr.
	 */
	int (*module_load)(struct qc_ops *ops, const char *name);
	/*
	 * mkdir/rmdir of a directory below the root (cgroupfs: a cgroup), the
	 * parent opened with path_open_parent_beneath(): a symbolic link below
	 * the root is refused (-PATH_ESYMLINK), never followed. path_last()
	 * names the directory.
	 */
	int (*dir_make)(struct qc_ops *ops, const char *path, mode_t mode);
	int (*dir_remove)(struct qc_ops *ops, const char *path);
	/*
	 * systemd transient units, through sd-bus (lib/sdunit.c, run by the
	 * helper program QC_UNIT_HELPER: early-pin itself links libc and
	 * libkmod only). A slice with AllowedCPUs=cpus; a scope in slice
	 * holding pid; stopping a unit. Each returns once systemd's job is done:
	 * 0, or -errno with unit_msg holding systemd's reason.
	 */
	int (*unit_start_slice)(struct qc_ops *ops, const char *unit, const cpuset_t *cpus);
	int (*unit_start_scope)(struct qc_ops *ops, const char *unit, const char *slice, pid_t pid);
	int (*unit_stop)(struct qc_ops *ops, const char *unit);

	/* recording implementation */
	struct ops_record *log;
	size_t nlog;
	size_t caplog;
	void *kmod; /* real: struct kmod_ctx *, created on first use */
	/* real: libkmod's last message during the last module_load ("" none) */
	char kmod_msg[256];
	/* systemd's reason for the last failed unit_* call ("" none) */
	char unit_msg[256];
	/*
	 * real: the program the unit_* calls run, QC_UNIT_HELPER (where make
	 * install puts quietcore-unit); tests may point it elsewhere.
	 */
	const char *unit_helper;
};

/* The real machine. pc must be the real root. */
void ops_init_real(struct qc_ops *ops, struct path_cxt *pc);

/*
 * The recording implementation over a fake tree at pc's root. Simulations:
 *  - a task whose directory is missing: -ESRCH; whose stat flags have
 *    PF_NO_SETAFFINITY: -EINVAL on set; a set with no CPU of
 *    <root>/sys/devices/system/cpu/online (when present): -EINVAL;
 *  - a file without any write permission bit: -EPERM (as 6.12+ kernels do
 *    for managed IRQs; root ignores mode bits, so this is checked explicitly);
 *  - a sidecar file "<file>.errno" holding an errno name ("EIO", "ENOSPC",
 *    ...) and optionally a count: the write fails with it (count times,
 *    then succeeds);
 *  - after a successful file write, a sidecar "<file>.readback" (when there
 *    is one) replaces the file's content, once (the sidecar is removed), as
 *    the kernel's read-back differs from what was written
 *    (cpuset.cpus.partition: "isolated" written, "isolated invalid (Cpu list
 *    in cpuset.cpus not exclusive)" read);
 *  - a file below /sys/fs/cgroup holds what was written and one newline, as
 *    cgroupfs prints its values ("2-3" written reads "2-3\n");
 *  - a write to a cgroup.subtree_control takes "+name -name ..." as the
 *    kernel does: the file then lists the enabled controllers in the order of
 *    the directory's cgroup.controllers; a name not in that file: -ENOENT, a
 *    word without '+' or '-': -EINVAL;
 *  - a PID written to a cgroup.procs of the cgroup-v2 tree moves the task:
 *    it leaves the cgroup that the "0::" line of <root>/proc/PID/cgroup
 *    names (that cgroup.procs loses the PID), joins this one (the PID is
 *    appended) and the line is rewritten; without /proc/PID/cgroup: -ESRCH;
 *  - dir_make/dir_remove fail with the errno of a sidecar "<dir>.errno" (as
 *    files do). A directory made below a cgroup (one with
 *    cgroup.subtree_control) gets the interface files the kernel shows:
 *    cgroup.procs, cgroup.controllers, cgroup.subtree_control, and with
 *    cpuset enabled in the parent cpuset.cpus, cpuset.mems (empty),
 *    cpuset.cpus.partition ("member") and cpuset.{cpus,mems}.effective (the
 *    parent's). Then each "<dir>.mkdir.<file>" beside the new directory is
 *    copied to <dir>/<file>: the sidecars of files that do not exist before
 *    the mkdir ("<dir>.mkdir.cpuset.cpus.errno"). Removing a cgroup (a
 *    directory with cgroup.procs) fails with -EBUSY while cgroup.procs lists
 *    a task or a child directory exists, and else takes its files with it;
 *  - module_load succeeds only if <root>/lib/modules/fake/<name> exists,
 *    else -ENOENT (no such module); if that file holds a directory name
 *    (relative to the root), the directory is created, as a driver creates
 *    its sysfs directory (e.g. sys/devices/system/cpu/cpufreq/policy0);
 *  - systemd's units, on the fake cgroup tree (<root>/sys/fs/cgroup, or
 *    <root>/sys/fs/cgroup/unified when that has cgroup.controllers), where
 *    systemd puts them ("a-b.slice" in "a.slice/", missing parent slices made
 *    with an empty cgroup.procs): unit_start_slice makes the slice's
 *    directory with cpuset.cpus and cpuset.cpus.effective = the CPUs,
 *    cpuset.cpus.partition = "member" and an empty cgroup.procs;
 *    unit_start_scope makes <slice>/<unit>/ with cgroup.procs = the PID
 *    (moved there as a cgroup.procs write moves it when <root>/proc/PID/cgroup
 *    exists);
 *    unit_stop removes the unit's directory and everything in it (a unit
 *    that is not there: 0). A unit whose directory exists: -EEXIST. A file
 *    <root>/run/systemd/qc-fake-refuse/<unit> makes its start fail with
 *    -EPERM and the file's text in unit_msg. An invalid unit name: -EINVAL.
 */
void ops_init_recording(struct qc_ops *ops, struct path_cxt *pc);

/* Free the log and any libkmod context. NULL is fine. */
void ops_done(struct qc_ops *ops);

/* One line for a log record ("setaffinity 12/14 0-1 = 0"). Like snprintf. */
int ops_record_format(const struct ops_record *rec, char *buf, size_t len);

/* errno names used by the recording ops; 0 if unknown. */
int ops_errno_from_name(const char *name);

#endif
