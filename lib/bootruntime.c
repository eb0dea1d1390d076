// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bootruntime: the run-time plan's files (cmdline-gen --apply --runtime).
 * Not a boot loader: quietcore-partition.service, which the package ships,
 * makes the isolated CPUs a cgroup-v2 partition early in boot; its drop-in
 * names the CPUs and a symbolic link in sysinit.target.wants enables it.
 * Both go through the same transaction as the boot loader's files
 * (boottxn.c), with a state directory of their own.
 */
#include "bootcfg.h"
#include "bootcfg-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "cpuset.h"
#include "path.h"

#define DROPIN_ASSIGN "Environment=" BOOTCFG_PARTITION_VAR "="

/* What the drop-in says for the CPUs in list (malloc'ed, NULL on ENOMEM). */
static char *dropin_content(const char *list)
{
	char *s = NULL;

	if (asprintf(&s,
		     "# Written by cmdline-gen --apply --runtime (quietcore): the CPUs that\n"
		     "# " BOOTCFG_PARTITION_UNIT " isolates as a cgroup partition at boot.\n"
		     "# Undo with: cmdline-gen --revert --runtime\n"
		     "[Service]\n" DROPIN_ASSIGN "%s\n",
		     list) < 0)
		return NULL;
	return s;
}

/* An absolute directory of plain characters: the manifest keeps the target on one line. */
static bool unit_dir_valid(const char *dir)
{
	return dir[0] == '/' && strlen(dir) < 200 && !strstr(dir, "/../") &&
	       strspn(dir, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-+") ==
		       strlen(dir);
}

static int prepare_dropin(struct bootcfg *bc, const char *list, struct bootcfg_error *err)
{
	char *want = dropin_content(list), *cur = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	if (!want)
		return -ENOMEM;
	r = atomicfile_read(&bc->pc, BOOTCFG_PARTITION_DROPIN, &cur, &len, &st);
	if (r == -ENOENT)
		return bootcfg_change_add(bc, BOOTCFG_PARTITION_DROPIN, NULL, 0, NULL, want,
					  strlen(want));
	if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s%s", BOOTCFG_PARTITION_DROPIN,
			     path_strerror(r),
			     r == -ELOOP ? " (a symlink: refusing to edit through it)" : "");
		free(want);
		return r;
	}
	if (len == strlen(want) && memcmp(cur, want, len) == 0) {
		free(cur);
		free(want);
		return 0;
	}
	return bootcfg_change_add(bc, BOOTCFG_PARTITION_DROPIN, cur, len, &st, want, strlen(want));
}

static int prepare_wants(struct bootcfg *bc, const char *target, struct bootcfg_error *err)
{
	const char *base;
	char *cur = NULL, *t;
	int r;

	r = atomicfile_readlink(&bc->pc, BOOTCFG_PARTITION_WANTS, &cur);
	if (r == -ENOENT) {
		t = strdup(target);
		if (!t)
			return -ENOMEM;
		r = bootcfg_change_add(bc, BOOTCFG_PARTITION_WANTS, NULL, 0, NULL, t, strlen(t));
		if (r == 0)
			bc->ch[bc->nch - 1].symlink = true;
		return r;
	}
	if (r == -EINVAL) {
		bootcfg_errf(
			err,
			"%s exists and is not a symbolic link: remove it (systemctl enable makes the link), then run again",
			BOOTCFG_PARTITION_WANTS);
		return -EEXIST;
	}
	if (r < 0) {
		bootcfg_errf(err, "cannot read %s: %s", BOOTCFG_PARTITION_WANTS, path_strerror(r));
		return r;
	}
	/* the unit enabled already (systemctl enable, or an earlier run): not ours to change */
	base = strrchr(cur, '/');
	r = strcmp(base ? base + 1 : cur, BOOTCFG_PARTITION_UNIT) == 0 ? 0 : -EEXIST;
	if (r < 0)
		bootcfg_errf(err,
			     "%s points to %s, not to a unit named " BOOTCFG_PARTITION_UNIT
			     ": remove it (or point it to %s), then run again",
			     BOOTCFG_PARTITION_WANTS, cur, target);
	free(cur);
	return r;
}

int bootcfg_prepare_runtime(struct bootcfg *bc, const cpuset_t *isolated, const char *unit_dir,
			    struct bootcfg_error *err)
{
	char target[256], *list = NULL;
	int r;

	bootcfg_changes_clear(bc);
	if (bc->backend != BOOTCFG_RUNTIME) {
		bootcfg_errf(err, "internal error: the run-time plan needs bootcfg_init_runtime()");
		return -EINVAL;
	}
	if (!unit_dir_valid(unit_dir)) {
		bootcfg_errf(err, "'%s' is not a directory a systemd unit can be linked from",
			     unit_dir);
		return -EINVAL;
	}
	snprintf(target, sizeof(target), "%s/%s", unit_dir, BOOTCFG_PARTITION_UNIT);
	if (cpuset_empty(isolated)) {
		bootcfg_errf(err,
			     "no CPU to isolate: nothing for " BOOTCFG_PARTITION_UNIT " to do");
		return -EDOM;
	}
	list = cpuset_to_list(isolated);
	if (!list)
		return -ENOMEM;
	r = prepare_dropin(bc, list, err);
	if (r == 0)
		r = prepare_wants(bc, target, err);
	free(list);
	if (r < 0)
		bootcfg_changes_clear(bc);
	return r;
}

int bootcfg_runtime_cpus(struct bootcfg *bc, char **ret_cpulist)
{
	char *buf = NULL, *v = NULL;
	size_t len = 0;
	int r;

	r = atomicfile_read(&bc->pc, BOOTCFG_PARTITION_DROPIN, &buf, &len, NULL);
	if (r < 0) {
		/* path_last() names the drop-in */
		path_get(&bc->pc, "%s", BOOTCFG_PARTITION_DROPIN);
		return r;
	}
	for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, DROPIN_ASSIGN, strlen(DROPIN_ASSIGN)) != 0)
			continue;
		p += strlen(DROPIN_ASSIGN);
		free(v);
		v = strndup(p, strcspn(p, "\n")); /* the last assignment wins, as in systemd */
		if (!v) {
			free(buf);
			return -ENOMEM;
		}
	}
	free(buf);
	path_get(&bc->pc, "%s", BOOTCFG_PARTITION_DROPIN);
	if (!v)
		return -ENODATA;
	*ret_cpulist = v;
	return 0;
}
