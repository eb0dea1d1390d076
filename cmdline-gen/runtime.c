// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline-gen --apply --runtime / --revert --runtime / --check --runtime:
 * the plan for hosts whose kernel command line cannot change. Instead of
 * kernel parameters, quietcore-partition.service (shipped by the package)
 * gets the isolated CPUs in a drop-in and is enabled by a symbolic link in
 * sysinit.target.wants; early in every boot it runs early-pin --partition.
 * The files go through the boot loader's transaction (lib/boottxn.c: lock,
 * originals, manifest, atomic writes, rollback) with a state directory of
 * their own. Nothing here runs systemctl: the next step is printed.
 *
 * --explain and --json always say which of the planned parameters such a
 * partition can replace on the kernel below --root (lib/rtcap, from
 * cgroup_fs_probe()).
 */
#include "apply.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcfg.h"
#include "cgroup.h"
#include "cpuset.h"
#include "path.h"
#include "pathnames.h"
#include "rtcap.h"

#define PROG "cmdline-gen"

/* Where `make install` puts the unit (SYSTEMDUNITDIR): the Makefile passes it, once. */
#ifndef QC_SYSTEMDUNITDIR
#error "QC_SYSTEMDUNITDIR: the directory make install puts systemd units in (SYSTEMDUNITDIR)"
#endif

#define UNIT BOOTCFG_PARTITION_UNIT

static int open_runtime(const struct cg_apply_opts *o, struct bootcfg *bc)
{
	int r = bootcfg_init_runtime(bc, o->root);

	if (r < 0)
		fprintf(stderr, PROG ": --root %s: %s\n", o->root ? o->root : "/", strerror(-r));
	return r;
}

/* The link points at the installed unit: say so when it is not there (a build run in place). */
static void warn_unit_missing(struct bootcfg *bc, const struct cg_apply_opts *o)
{
	if (o->quiet || path_exists(&bc->pc, "%s", QC_SYSTEMDUNITDIR "/" UNIT))
		return;
	fprintf(stderr,
		PROG ": warning: %s is not installed: systemd cannot start " UNIT
		     " until it is (make install, or the quietcore package), ignoring\n",
		path_last(&bc->pc));
}

static void say_start(const char *list)
{
	printf("cmdline-gen runs no systemctl. To isolate CPUs %s now:\n"
	       "  systemctl daemon-reload && systemctl restart " UNIT "\n"
	       "(restart also undoes a partition made from an earlier plan), or reboot: the unit makes the partition early in every boot.\n",
	       list);
}

int cg_apply_runtime(const struct cg_apply_opts *o, const cpuset_t *isolated)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	char *list = cpuset_to_list(isolated);
	int ret = 1, r;

	if (open_runtime(o, &bc) < 0 || !list)
		goto out;
	if (!o->dry_run && bootcfg_lock(&bc, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	r = bootcfg_prepare_runtime(&bc, isolated, QC_SYSTEMDUNITDIR, &err);
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg[0] ? err.msg : strerror(-r));
		goto out;
	}
	if (!o->dry_run)
		cg_remove_stale(&bc);
	warn_unit_missing(&bc, o);
	if (bc.nch == 0) {
		printf("Nothing to change: " UNIT " is already enabled for CPUs %s.\n", list);
		say_start(list);
		ret = 0;
		goto out;
	}
	if (o->dry_run) {
		if (cg_print_diffs(&bc, false) < 0)
			goto out;
		printf("Dry run: nothing was changed.\n");
		ret = 0;
		goto out;
	}
	r = bootcfg_commit(&bc, true, &err);
	if (r < 0) {
		fprintf(stderr, PROG ": %s; nothing was changed\n", err.msg);
		goto out;
	}
	for (size_t i = 0; i < bc.nch; i++) {
		const struct bootcfg_change *c = &bc.ch[i];

		if (c->written && c->symlink)
			printf("Created %s -> %s\n", c->path, c->new);
		else if (c->written)
			printf("%s %s\n", c->old ? "Updated" : "Created", c->path);
	}
	if (bootcfg_record_applied(&bc, &err) < 0)
		fprintf(stderr, PROG ": warning: %s, ignoring\n", err.msg);
	bootcfg_unlock(&bc);
	say_start(list);
	ret = 0;
out:
	if (!list)
		fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
	free(list);
	bootcfg_free(&bc);
	return ret;
}

int cg_revert_runtime(const struct cg_apply_opts *o)
{
	struct bootcfg_error err = { "" };
	struct bootcfg bc;
	int ret = 1, r;

	if (open_runtime(o, &bc) < 0)
		goto out;
	r = cg_revert_prepare(o, &bc, true, &err);
	if (r <= 0) {
		ret = r < 0;
		goto out;
	}
	for (size_t i = 0; i < bc.nch; i++)
		if (bc.ch[i].drifted)
			fprintf(stderr,
				PROG
				": warning: %s was changed since --apply --runtime; reverting replaces those changes too\n",
				bc.ch[i].path);
	if (o->dry_run) {
		if (bc.nch == 0)
			printf("Nothing to change: every file already holds its original.\n");
		else if (cg_print_diffs(&bc, false) < 0)
			goto out;
		printf("Dry run: nothing was changed.\n");
		ret = 0;
		goto out;
	}
	if (bc.nch == 0)
		printf("Nothing to change: every file already holds its original.\n");
	r = bc.nch ? bootcfg_commit(&bc, false, &err) : 0;
	if (r < 0) {
		fprintf(stderr, PROG ": %s; nothing was changed\n", err.msg);
		goto out;
	}
	for (size_t i = 0; i < bc.nch; i++) {
		const struct bootcfg_change *c = &bc.ch[i];

		if (c->written)
			printf("%s %s\n", c->new ? "Restored" : "Removed", c->path);
	}
	if (bootcfg_forget(&bc, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	bootcfg_unlock(&bc);
	printf("cmdline-gen runs no systemctl. A partition " UNIT " made stays until:\n"
	       "  systemctl stop " UNIT " && systemctl daemon-reload\n"
	       "or the next boot, which no longer makes it.\n");
	ret = 0;
out:
	bootcfg_free(&bc);
	return ret;
}

/* The drop-in's line, for --check: has the plan, or how it differs. Whether it has it. */
static bool check_dropin(struct bootcfg *bc, const struct bootcfg_change *c, const char *list,
			 const cpuset_t *isolated)
{
	char *cur = NULL;
	cpuset_t set;
	int r;

	if (!c) {
		printf("drop-in (%s): has the plan: " BOOTCFG_PARTITION_VAR "=%s\n",
		       BOOTCFG_PARTITION_DROPIN, list);
		return true;
	}
	if (!c->old) {
		printf("drop-in (%s): absent\n", BOOTCFG_PARTITION_DROPIN);
		return false;
	}
	r = bootcfg_runtime_cpus(bc, &cur);
	if (r == -ENODATA)
		printf("drop-in (%s): differs: no " BOOTCFG_PARTITION_VAR "= in it\n",
		       BOOTCFG_PARTITION_DROPIN);
	else if (r < 0)
		printf("drop-in (%s): cannot read it: %s\n", BOOTCFG_PARTITION_DROPIN,
		       path_read_strerror(r));
	else if (cpuset_parse_list(cur, 0, &set) < 0 || !cpuset_equal(&set, isolated))
		printf("drop-in (%s): differs: " BOOTCFG_PARTITION_VAR "=%s, the plan is %s\n",
		       BOOTCFG_PARTITION_DROPIN, cur, list);
	else
		printf("drop-in (%s): differs from what cmdline-gen writes, though " BOOTCFG_PARTITION_VAR
		       "=%s is the plan (edited since?)\n",
		       BOOTCFG_PARTITION_DROPIN, cur);
	free(cur);
	return false;
}

int cg_check_runtime(const struct cg_apply_opts *o, const cpuset_t *isolated)
{
	struct bootcfg_error err = { "" };
	const struct bootcfg_change *dropin = NULL, *link = NULL;
	struct bootcfg bc;
	char *list = cpuset_to_list(isolated);
	bool ok;
	int ret = 1, r;

	if (open_runtime(o, &bc) < 0 || !list)
		goto out;
	r = bootcfg_prepare_runtime(&bc, isolated, QC_SYSTEMDUNITDIR, &err);
	if (r < 0) {
		printf("configuration: %s\n", err.msg[0] ? err.msg : strerror(-r));
		printf("Not configured as planned (see above).\n");
		goto out;
	}
	for (size_t i = 0; i < bc.nch; i++) {
		if (bc.ch[i].symlink)
			link = &bc.ch[i];
		else
			dropin = &bc.ch[i];
	}
	ok = check_dropin(&bc, dropin, list, isolated);
	printf("enabled (%s): %s\n", BOOTCFG_PARTITION_WANTS,
	       link ? "no: the unit does not start at boot" : "yes");
	ok = ok && !link;
	if (ok) {
		printf("Configured: " UNIT " isolates CPUs %s at boot.\n", list);
		ret = 0;
	} else {
		printf("Not configured as planned (see above): run cmdline-gen --apply --runtime.\n");
	}
out:
	if (!list)
		fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
	free(list);
	bootcfg_free(&bc);
	return ret;
}

/* ------------------------------------------------------ --explain, --json */

/* What the kernel below the root offers; *ret_impossible the reason none can be made, else NULL. */
struct rt_probe {
	struct cgroup_fs fs;
	int r;			/* cgroup_fs_probe() */
	const char *impossible; /* rtcap_impossible(), NULL: possible (r >= 0) or cannot tell */
	char file[PATH_MAX];	/* the file a probe error is about */
};

static void rt_probe(struct path_cxt *pc, struct rt_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->r = cgroup_fs_probe(pc, &p->fs);
	snprintf(p->file, sizeof(p->file), "%s", path_last(pc));
	p->impossible = rtcap_impossible(p->r, &p->fs);
	/* a captured tree without any of it is not "cgroup v1 only" */
	if (p->r == -ENOENT && p->fs.mount == CGROUP_MOUNT_NONE &&
	    !path_exists(pc, PATH_PROC_SELF_MOUNTINFO))
		p->impossible =
			"nothing below the root shows a cgroup hierarchy (no " PATH_PROC_SELF_MOUNTINFO
			", no " PATH_SYS_FS_CGROUP "/cgroup.controllers)";
}

static void kver_str(const struct cgroup_fs *fs, char *buf, size_t len)
{
	if (fs->kver[0])
		snprintf(buf, len, "%u.%u.%u", fs->kver[0], fs->kver[1], fs->kver[2]);
	else
		snprintf(buf, len, "unknown");
}

void cg_explain_runtime(struct path_cxt *pc, const struct kparams *params)
{
	struct rtcap_row *rows = NULL;
	struct rt_probe p;
	char kv[32];
	size_t n = 0;
	int width = 0;

	rt_probe(pc, &p);
	printf("\nrun-time partition instead (cmdline-gen --apply --runtime):\n");
	if (p.impossible) {
		printf("  no run-time partition possible here: %s\n", p.impossible);
		return;
	}
	if (p.r < 0) {
		printf("  cannot tell whether a run-time partition is possible here: %s: %s\n",
		       p.file, path_read_strerror(p.r));
		return;
	}
	if (rtcap_rows(params, &p.fs, &rows, &n) < 0) {
		printf("  cannot tell: %s\n", strerror(ENOMEM));
		return;
	}
	kver_str(&p.fs, kv, sizeof(kv));
	printf("  kernel %s, cgroup v2 (%s): which of the parameters above it replaces\n", kv,
	       cgroup_mount_word(p.fs.mount));
	for (size_t i = 0; i < n; i++)
		if ((int)strlen(rows[i].what) > width)
			width = (int)strlen(rows[i].what);
	for (size_t i = 0; i < n; i++)
		printf("  %-*s  %-6s  %s\n", width, rows[i].what, rtcap_str(rows[i].cap),
		       rows[i].why);
	free(rows);
}

json_object *cg_json_runtime(struct path_cxt *pc, const struct kparams *params)
{
	json_object *o = json_object_new_object(), *arr;
	struct rtcap_row *rows = NULL;
	struct rt_probe p;
	char kv[32];
	size_t n = 0;

	rt_probe(pc, &p);
	kver_str(&p.fs, kv, sizeof(kv));
	json_object_object_add(o, "possible",
			       p.impossible ? json_object_new_boolean(0) :
			       p.r < 0	    ? NULL :
					      json_object_new_boolean(1));
	json_object_object_add(o, "reason",
			       p.impossible ? json_object_new_string(p.impossible) :
			       p.r < 0	    ? json_object_new_string(path_read_strerror(p.r)) :
					      NULL);
	json_object_object_add(o, "file",
			       !p.impossible && p.r < 0 ? json_object_new_string(p.file) : NULL);
	json_object_object_add(o, "kernel", p.fs.kver[0] ? json_object_new_string(kv) : NULL);
	json_object_object_add(o, "cgroup",
			       p.fs.mount != CGROUP_MOUNT_NONE ?
				       json_object_new_string(cgroup_mount_word(p.fs.mount)) :
				       NULL);
	arr = json_object_new_array();
	if (!p.impossible && p.r >= 0 && rtcap_rows(params, &p.fs, &rows, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			json_object *row = json_object_new_object();

			json_object_object_add(row, "param", json_object_new_string(rows[i].what));
			json_object_object_add(row, "replaced",
					       json_object_new_string(rtcap_str(rows[i].cap)));
			json_object_object_add(row, "why", json_object_new_string(rows[i].why));
			json_object_array_add(arr, row);
		}
		free(rows);
	}
	json_object_object_add(o, "replaces", arr);
	return o;
}
