/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdline-gen --apply / --revert / --check: write the plan into the boot
 * configuration, bring back the originals, compare what runs with what is
 * configured. Each returns the program's exit code (0 or 1) and reports its
 * own errors.
 */
#ifndef QC_CG_APPLY_H
#define QC_CG_APPLY_H

#include <stdbool.h>

#include "cpuset.h"
#include "kparam.h"

struct bootcfg;

struct cg_apply_opts {
	const char *root;	    /* --root, NULL for / */
	const char *bootloader;	    /* --bootloader, NULL: detect */
	const char *update_command; /* --update-command, NULL: the back end's own (not with --root) */
	bool dry_run;
	bool quiet;
};

/* Is name a --bootloader value? (for the usage check in main) */
bool cg_bootloader_valid(const char *name);

int cg_apply(const struct cg_apply_opts *o, const struct kparams *wanted,
	     const char *const *managed);
int cg_revert(const struct cg_apply_opts *o, const char *const *managed);
int cg_check(const struct cg_apply_opts *o, const struct kparams *wanted,
	     const char *const *managed);

/*
 * --runtime (runtime.c): the same transaction for quietcore-partition.service's
 * drop-in and enablement link instead of the boot configuration. isolated is
 * the plan's isolated CPUs.
 */
int cg_apply_runtime(const struct cg_apply_opts *o, const cpuset_t *isolated);
int cg_revert_runtime(const struct cg_apply_opts *o);
int cg_check_runtime(const struct cg_apply_opts *o, const cpuset_t *isolated);

/*
 * For --explain and --json: which of params a run-time partition can replace
 * on the kernel below pc's root, or why none can be made (cgroup_fs_probe(),
 * lib/rtcap). Read-only.
 */
struct json_object;
struct path_cxt;
void cg_explain_runtime(struct path_cxt *pc, const struct kparams *params);
struct json_object *cg_json_runtime(struct path_cxt *pc, const struct kparams *params);

/*
 * What apply.c and runtime.c share: the --dry-run diffs (grubby: say which
 * edits grubby will make), and, under the lock, the removal of the temporary
 * files a killed run left, each reported.
 */
int cg_print_diffs(const struct bootcfg *bc, bool grubby);
void cg_remove_stale(struct bootcfg *bc);

/*
 * The start of every --revert, on an opened bc (runtime: the --runtime
 * plan): the lock, the originals, the stale temporary files. 1 go on, 0
 * nothing to revert (said, with the other plan when that one is applied),
 * -1 failed (reported).
 */
struct bootcfg_error;
int cg_revert_prepare(const struct cg_apply_opts *o, struct bootcfg *bc, bool runtime,
		      struct bootcfg_error *err);
/* After "Nothing to revert": say so when the other plan (runtime: the run-time one) is applied. */
void cg_say_other_plan(const struct cg_apply_opts *o, bool runtime);

#endif
