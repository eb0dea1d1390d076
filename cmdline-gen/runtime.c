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
 */
#include "apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootcfg.h"
#include "cpuset.h"
#include "path.h"

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
	if (!o->dry_run && bootcfg_has_state(&bc) && bootcfg_lock(&bc, &err) < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	r = bootcfg_prepare_revert(&bc, &err);
	if (r == -ENOENT) {
		printf("Nothing to revert: %s\n", err.msg);
		cg_say_other_plan(o, false);
		ret = 0;
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, PROG ": %s\n", err.msg);
		goto out;
	}
	if (!o->dry_run)
		cg_remove_stale(&bc);
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
